// The live channel: the registry that routes hub events to connections,
// each connection's protocol (auth, subscribe, unsubscribe, ping) and its
// bounded outgoing queue. The transport (segs-server's WebSocket) only
// moves text: see live_connection in include/segs/rest.hpp.
#include "rest/live.hpp"

#include "rest/alerts_views.hpp"
#include "rest/json_io.hpp"
#include "rest/market_views.hpp"
#include "rest/notifications_views.hpp"
#include "rest/route.hpp"
#include "rest/state.hpp"

#include <segs/access.hpp>
#include <segs/rest.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <set>
#include <utility>
#include <vector>

namespace segs::rest {

namespace detail {

namespace json = boost::json;

// --- the registry -------------------------------------------------------------

struct live_registry::tables {
  mutable std::mutex m;
  std::multimap<uuid, live_client*> users;
  std::multimap<std::string, live_client*> slots;   // slot_key
  std::multimap<std::string, live_client*> alerts;  // region
  std::atomic<std::int64_t> open{0};
  std::atomic<std::uint64_t> too_slow{0};

  static std::shared_ptr<const std::string> message(std::string_view type, json::object rest) {
    json::object o{{"type", type}};
    for (auto& kv : rest) o[kv.key()] = std::move(kv.value());
    return std::make_shared<const std::string>(to_json_text(o));
  }

  template <class Map, class Key, class Fn>
  static void each(Map& map, const Key& key, Fn fn) {
    auto [b, e] = map.equal_range(key);
    for (auto it = b; it != e; ++it) fn(it->second);
  }

  // On the committing thread; only formats and queues.
  void deliver(const segs::event& e) {
    if (const auto* n = e.get<notification_event>()) {
      if (!n->push) return;
      std::lock_guard lock(m);
      if (users.find(n->notification.user_id) == users.end()) return;
      auto text = message("notification", {{"data", view(n->notification)}});
      each(users, n->notification.user_id, [&](live_client* c) { c->push(text); });
    } else if (const auto* mk = e.get<market_event>()) {
      const auto key = live_registry::slot_key(mk->region, mk->delivery_slot);
      std::lock_guard lock(m);
      if (slots.find(key) == slots.end()) return;
      switch (mk->type) {
        case market_event::kind::book:
          each(slots, key, [&](live_client* c) { c->book_changed(key); });
          break;
        case market_event::kind::trade: {
          if (!mk->trade) return;
          auto data = view(*mk->trade).as_object();
          data["region"] = mk->region;
          data["delivery_slot"] = to_rfc3339(mk->delivery_slot);
          auto text = message("trade", {{"data", std::move(data)}});
          each(slots, key, [&](live_client* c) { c->push(text); });
          break;
        }
        case market_event::kind::clearing: {
          if (!mk->clearing) return;
          auto text = message("clearing", {{"data", view(*mk->clearing)}});
          each(slots, key, [&](live_client* c) { c->push(text); });
          break;
        }
        default:
          break;  // orders are private: their owners hear of fills as notifications
      }
    } else if (const auto* a = e.get<alert_event>()) {
      std::lock_guard lock(m);
      if (alerts.find(a->alert.region) == alerts.end()) return;
      static constexpr std::string_view names[] = {"raised", "escalated", "acknowledged",
                                                   "resolved"};
      auto text = message("alert", {{"event", names[static_cast<int>(a->type)]},
                                    {"data", view(a->alert)}});
      each(alerts, a->alert.region, [&](live_client* c) { c->push(text); });
    }
  }
};

namespace {

template <class Map, class Key>
void erase_pair(Map& map, const Key& key, live_client* c) {
  auto [b, e] = map.equal_range(key);
  for (auto it = b; it != e; ++it)
    if (it->second == c) {
      map.erase(it);
      return;
    }
}

template <class Map>
void erase_all(Map& map, live_client* c) {
  std::erase_if(map, [c](const auto& kv) { return kv.second == c; });
}

}  // namespace

live_registry::live_registry(segs::grid& g) : grid_(g), t_(std::make_shared<tables>()) {}

live_registry::~live_registry() { sub_.reset(); }

std::string live_registry::slot_key(std::string_view region, timestamp slot) {
  return std::string(region) + "|" + to_rfc3339(slot);
}

void live_registry::watch_user(live_client* c, const uuid& user) {
  // The hub subscription is made with the first authenticated connection:
  // a handler nobody connects to costs the publishers nothing.
  std::call_once(subscribed_, [this] {
    sub_ = grid_.events().subscribe(
        [t = t_](const segs::event& e) { t->deliver(e); },
        {.names = {"notifications.created", "market.trade", "market.book", "market.clearing",
                   "alerts."},
         .region = std::nullopt});
  });
  std::lock_guard lock(t_->m);
  t_->users.emplace(user, c);
}

void live_registry::watch_slot(live_client* c, const std::string& key) {
  std::lock_guard lock(t_->m);
  t_->slots.emplace(key, c);
}

void live_registry::unwatch_slot(live_client* c, const std::string& key) {
  std::lock_guard lock(t_->m);
  erase_pair(t_->slots, key, c);
}

void live_registry::watch_alerts(live_client* c, const std::string& region) {
  std::lock_guard lock(t_->m);
  t_->alerts.emplace(region, c);
}

void live_registry::unwatch_alerts(live_client* c, const std::string& region) {
  std::lock_guard lock(t_->m);
  erase_pair(t_->alerts, region, c);
}

void live_registry::remove(live_client* c) {
  std::lock_guard lock(t_->m);
  erase_all(t_->users, c);
  erase_all(t_->slots, c);
  erase_all(t_->alerts, c);
}

void live_registry::recheck_user(const uuid& user) {
  std::lock_guard lock(t_->m);
  tables::each(t_->users, user, [](live_client* c) { c->recheck(); });
}

std::int64_t live_registry::clients() const { return t_->open.load(); }
std::uint64_t live_registry::slow_closed() const { return t_->too_slow.load(); }
void live_registry::opened() { ++t_->open; }
void live_registry::closed(bool too_slow) {
  --t_->open;
  if (too_slow) ++t_->too_slow;
}

void live_recheck(call& c, const uuid& id) { c.st.live.recheck_user(id); }

void add_live_routes(router& r) {
  // A plain GET of the live channel's path: it speaks WebSocket only.
  r.add("GET", "/api/v1/ws", access::open, [](call&) -> reply {
    throw segs::exception(make_error(errc::validation_error,
                                     "GET /api/v1/ws is a WebSocket: send an Upgrade request",
                                     "Upgrade"));
  });
}

}  // namespace detail

// --- one connection -------------------------------------------------------------

namespace json = boost::json;

namespace {

constexpr int close_unauthorized = 4401;
constexpr int close_too_slow = 4429;
// What a queued "send the slot's current book" entry counts towards the
// queue's bound: the book itself is read only when the entry is sent.
constexpr std::size_t pending_book_bytes = 256;

struct subscription_key {
  std::string channel;  // "market" | "alerts"
  std::string region;
  std::optional<timestamp> slot;
  auto operator<=>(const subscription_key&) const = default;
};

}  // namespace

struct live_connection::impl final : detail::live_client {
  impl(detail::state& s, std::function<void()> w, detail::live_admission a)
      : st(s), wake(std::move(w)), opened(std::chrono::steady_clock::now()) {
    st.live.opened();
    if (a.who) accept(std::move(*a.who), std::move(a.credential), a.api_key, {});
  }

  ~impl() override {
    st.live.remove(this);
    st.live.closed(too_slow);
  }

  // --- from any thread ----------------------------------------------------------

  void push(const std::shared_ptr<const std::string>& text) override {
    bool first = false;
    {
      std::lock_guard lock(m);
      if (closing) return;
      if (bytes + text->size() > st.opts.live.max_queued_bytes) return overflow_locked();
      first = queue.empty();
      queue.push_back({text, {}});
      bytes += text->size();
    }
    if (first) wake();
  }

  void book_changed(const std::string& key) override {
    bool first = false;
    {
      std::lock_guard lock(m);
      if (closing || !pending_books.insert(key).second) return;  // one pending is enough
      if (bytes + pending_book_bytes > st.opts.live.max_queued_bytes) return overflow_locked();
      first = queue.empty();
      queue.push_back({nullptr, key});
      bytes += pending_book_bytes;
    }
    if (first) wake();
  }

  void recheck() override {
    recheck_wanted = true;
    wake();
  }

  // --- on the transport's strand ----------------------------------------------

  void receive(std::string_view text) {
    json::value id;  // echoed in the answer when the client sent one
    try {
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      if (ec || !v.is_object()) detail::invalid("message", "a message must be a JSON object");
      const auto& o = v.as_object();
      if (const auto* i = o.if_contains("id")) id = *i;
      const auto type = detail::required_string(o, "type");
      if (type != "auth" && type != "ping" && type != "subscribe" && type != "unsubscribe")
        detail::invalid("type", "type must be auth, subscribe, unsubscribe or ping");
      if (type == "auth") return on_auth(o, id);
      if (type == "ping") return answer("pong", {}, id);
      if (!who)
        throw segs::exception(make_error(errc::unauthorized, "authenticate first: send {\"type\": \"auth\", \"token\": ...}"));
      on_subscribe(o, id, type == "subscribe");
    } catch (const segs::exception& e) {
      answer_error(rest::in_wire_words(e.err()), id);
    } catch (const std::exception&) {
      answer_error(make_error(errc::internal, "an internal error occurred"), id);
    }
  }

  std::optional<outgoing> next() {
    if (recheck_wanted.exchange(false)) check();
    for (;;) {
      item it;
      {
        std::lock_guard lock(m);
        if (close_sent) return std::nullopt;
        if (queue.empty()) {
          if (!close_code) return std::nullopt;
          close_sent = true;
          return outgoing{close_reason, close_code};
        }
        it = std::move(queue.front());
        queue.pop_front();
        if (it.text) {
          bytes -= it.text->size();
        } else {
          bytes -= pending_book_bytes;
          pending_books.erase(it.book);
        }
      }
      if (it.text) return outgoing{*it.text, std::nullopt};
      if (auto snapshot = book_of(it.book)) return outgoing{std::move(*snapshot), std::nullopt};
      // The subscription ended or the book cannot be read: nothing to send.
    }
  }

  void check() {
    if (!who) {
      if (std::chrono::steady_clock::now() - opened >= st.opts.live.auth_timeout)
        close_with(close_unauthorized, "no credentials within " +
                                           std::to_string(st.opts.live.auth_timeout.count()) + " s");
      return;
    }
    auto p = api_key ? st.grid.identity().authenticate_api_key(credential)
                     : st.grid.identity().authenticate(credential);
    if (!p) {
      // Storage down is not the client's fault: keep it, check again later.
      if (p.error().code == errc::unavailable || p.error().code == errc::internal) return;
      close_with(close_unauthorized, "credentials no longer valid: " + p.error().message);
      return;
    }
    who = std::move(*p);
  }

  bool is_authenticated() const { return who.has_value(); }

  std::size_t queued() const {
    std::lock_guard lock(m);
    return bytes;
  }

 private:
  struct item {
    std::shared_ptr<const std::string> text;  // null: the book of `book`
    std::string book;
  };

  void overflow_locked() {
    // The client reads slower than events come: drop what waits and close,
    // rather than hold an ever longer queue.
    queue.clear();
    pending_books.clear();
    bytes = 0;
    closing = true;
    too_slow = true;
    close_code = close_too_slow;
    close_reason = "too slow: more than " + std::to_string(st.opts.live.max_queued_bytes) +
                   " bytes waiting";
    // Called with the lock held from push/book_changed; the wake is safe
    // (it only schedules), and needed: the transport may be idle.
    wake();
  }

  void close_with(int code, std::string reason) {
    {
      std::lock_guard lock(m);
      if (closing) return;
      closing = true;
      queue.clear();
      pending_books.clear();
      bytes = 0;
      close_code = code;
      close_reason = std::move(reason);
    }
    wake();
  }

  // Answers count against the same bound as pushes: a client that sends
  // but never reads is as slow as one that never reads.
  void enqueue(std::string text) { push(std::make_shared<const std::string>(std::move(text))); }

  void answer(std::string_view type, json::object rest, const json::value& id) {
    json::object o{{"type", type}};
    if (!id.is_null()) o["id"] = id;
    for (auto& kv : rest) o[kv.key()] = std::move(kv.value());
    enqueue(detail::to_json_text(o));
  }

  void answer_error(const segs::error& e, const json::value& id) {
    json::object details;
    if (!e.field.empty()) details["field"] = e.field;
    const bool internal = e.code == errc::internal || e.code == errc::unavailable;
    answer("error",
           {{"error",
             {{"code", internal ? "INTERNAL_ERROR" : std::string(to_string(e.code))},
              {"message", internal ? std::string("an internal error occurred") : e.message},
              {"details", std::move(details)}}}},
           id);
  }

  void accept(principal p, std::string cred, bool key, const json::value& id) {
    st.live.watch_user(this, p.id);
    who = std::move(p);
    credential = std::move(cred);
    api_key = key;
    answer_authenticated(id);
  }

  void answer_authenticated(const json::value& id) {
    answer("authenticated",
           {{"data",
             {{"user_id", who->id.to_string()},
              {"role", who->role},
              {"region", who->region},
              {"expires_at", detail::time_or_null(who->expires_at)}}}},
           id);
  }

  void on_auth(const json::object& o, const json::value& id) {
    auto token = detail::required_string(o, "token");
    auto p = st.grid.identity().authenticate(token);
    if (!p) {
      if (who) throw segs::exception(p.error());  // a failed refresh keeps the old token
      return close_with(close_unauthorized, "bad credentials: " + p.error().message);
    }
    if (who) {
      // A fresh token before the old one expires: the same account only.
      if (p->id != who->id)
        detail::invalid("token", "the token is another account's; open a new connection");
      who = std::move(*p);
      credential = std::move(token);
      api_key = false;
      return answer_authenticated(id);
    }
    accept(std::move(*p), std::move(token), false, id);
  }

  void on_subscribe(const json::object& o, const json::value& id, bool on) {
    subscription_key k;
    k.channel = detail::required_string(o, "channel");
    k.region = detail::required_string(o, "region");
    if (k.channel == "market") {
      k.slot = detail::parse_time(detail::required_string(o, "delivery_slot"), "delivery_slot");
    } else if (k.channel != "alerts") {
      detail::invalid("channel", "channel must be market or alerts");
    }
    json::object echo{{"channel", k.channel}, {"region", k.region}};
    if (k.slot) echo["delivery_slot"] = to_rfc3339(*k.slot);

    if (!on) {
      if (subs.erase(k) == 0)
        throw segs::exception(make_error(errc::not_found, "no such subscription", "channel"));
      if (k.slot) st.live.unwatch_slot(this, detail::live_registry::slot_key(k.region, *k.slot));
      else st.live.unwatch_alerts(this, k.region);
      return answer("unsubscribed", std::move(echo), id);
    }
    if (subs.contains(k)) return answer("subscribed", std::move(echo), id);
    if (subs.size() >= st.opts.live.max_subscriptions)
      detail::invalid("channel", "at most " + std::to_string(st.opts.live.max_subscriptions) +
                                     " subscriptions per connection");
    // The region must exist (not_found names it), and the caller may see
    // what the channel carries.
    detail::take(st.grid.regions().get(*who, k.region));
    std::optional<std::string> snapshot;
    if (k.slot) {
      // Who may read the book may follow it; the first book answers now.
      auto book = detail::take(st.grid.market().book(*who, *k.slot, k.region));
      snapshot = book_message(book);
    } else {
      const bool sees = who->scope == role_scope::all ||
                        (who->scope == role_scope::region && who->region == k.region);
      if (!who->can(permission::alerts_manage) || !sees)
        throw segs::exception(make_error(
            errc::forbidden, "the alerts channel needs alerts:manage over region " + k.region,
            "region"));
    }
    subs.insert(k);
    if (k.slot) st.live.watch_slot(this, detail::live_registry::slot_key(k.region, *k.slot));
    else st.live.watch_alerts(this, k.region);
    answer("subscribed", std::move(echo), id);
    if (snapshot) enqueue(std::move(*snapshot));
  }

  static std::string book_message(const order_book& b) {
    return detail::to_json_text(json::object{{"type", "book"}, {"data", detail::view(b)}});
  }

  std::optional<std::string> book_of(const std::string& key) {
    // key: "<region>|<slot>", made by live_registry::slot_key.
    const auto bar = key.rfind('|');
    subscription_key k{"market", key.substr(0, bar), std::nullopt};
    auto slot = parse_rfc3339(std::string_view(key).substr(bar + 1));
    if (!slot || !who) return std::nullopt;
    k.slot = *slot;
    if (!subs.contains(k)) return std::nullopt;
    auto book = st.grid.market().book(*who, *slot, k.region);
    if (!book) return std::nullopt;
    return book_message(*book);
  }

 public:
  detail::state& st;
  std::function<void()> wake;
  const std::chrono::steady_clock::time_point opened;
  std::atomic<bool> recheck_wanted{false};

  // Strand-only.
  std::optional<principal> who;
  std::string credential;
  bool api_key = false;
  std::set<subscription_key> subs;

  // Guarded by m.
  mutable std::mutex m;
  std::deque<item> queue;
  std::set<std::string> pending_books;
  std::size_t bytes = 0;
  bool closing = false;
  bool close_sent = false;
  bool too_slow = false;
  std::optional<int> close_code;
  std::string close_reason;
};

live_connection::live_connection(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
live_connection::~live_connection() = default;

void live_connection::receive(std::string_view text) { impl_->receive(text); }
std::optional<live_connection::outgoing> live_connection::next() { return impl_->next(); }
void live_connection::check() { impl_->check(); }
bool live_connection::authenticated() const noexcept { return impl_->is_authenticated(); }
std::size_t live_connection::queued_bytes() const noexcept { return impl_->queued(); }

handler::live_opening handler::open_live(const request& upgrade, std::function<void()> wake) {
  live_opening out;
  auto& st = impl_->st;
  auto admission = detail::admit_live(st, upgrade);
  if (admission.refusal) {
    out.refusal = std::move(*admission.refusal);
    return out;
  }
  out.connection.reset(new live_connection(
      std::make_shared<live_connection::impl>(st, std::move(wake), std::move(admission))));
  return out;
}

}  // namespace segs::rest
