// The event hub: subscribers in a map behind a mutex, delivery outside it;
// per-capability counters so a publisher asks "does anyone want this?"
// without a lock. The state is shared with subscriptions and queues through
// weak pointers, which is what makes them safe to outlive their grid.
#include <segs/events.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

namespace segs {

namespace detail {

namespace {

// The capabilities that publish, by the first segment of their event names.
// An event name of another capability counts under "other".
constexpr std::array<std::string_view, 7> capabilities{"mail",    "market",   "telemetry",    "alerts",
                                                       "billing", "identity", "notifications"};
constexpr std::size_t other = capabilities.size();
constexpr std::size_t mail = 0;  // capabilities[mail] == "mail": events of no region

std::size_t capability_of(std::string_view name) {
  const auto dot = name.find('.');
  const auto head = dot == std::string_view::npos ? name : name.substr(0, dot);
  for (std::size_t i = 0; i < capabilities.size(); ++i)
    if (capabilities[i] == head) return i;
  return other;
}

}  // namespace

struct queue_state {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<event> items;
  std::size_t capacity = 1;
  std::uint64_t dropped = 0;
  bool closed = false;

  void push(const event& e) {
    {
      std::lock_guard lk(mu);
      if (closed) return;
      if (items.size() >= capacity) {
        items.pop_front();
        ++dropped;
      }
      items.push_back(e);
    }
    cv.notify_one();
  }
  void close() {
    {
      std::lock_guard lk(mu);
      closed = true;
    }
    cv.notify_all();
  }
};

struct subscriber {
  event_filter filter;
  std::function<void(const event&)> fn;  // or
  std::shared_ptr<queue_state> queue;
};

class hub_state {
 public:
  ~hub_state() {
    // The grid is going: readers waiting on queues wake up to a closed queue.
    for (auto& [id, s] : subs_)
      if (s->queue) s->queue->close();
  }

  std::uint64_t add(std::shared_ptr<subscriber> s) {
    std::lock_guard lk(mu_);
    const auto id = next_id_++;
    count(*s, +1);
    subs_.emplace(id, std::move(s));
    return id;
  }
  void remove(std::uint64_t id) {
    std::shared_ptr<subscriber> gone;
    {
      std::lock_guard lk(mu_);
      auto it = subs_.find(id);
      if (it == subs_.end()) return;
      gone = std::move(it->second);
      subs_.erase(it);
      count(*gone, -1);
    }
    if (gone->queue) gone->queue->close();
  }
  bool has(std::uint64_t id) {
    std::lock_guard lk(mu_);
    return subs_.count(id) > 0;
  }
  event_hub::backlog_stats backlog() {
    event_hub::backlog_stats b;
    std::lock_guard lk(mu_);
    b.subscribers = static_cast<std::int64_t>(subs_.size());
    for (const auto& [id, s] : subs_) {
      if (!s->queue) continue;
      std::lock_guard qlk(s->queue->mu);
      b.queued += static_cast<std::int64_t>(s->queue->items.size());
      b.dropped += static_cast<std::int64_t>(s->queue->dropped);
    }
    return b;
  }
  bool wanted(std::string_view name) const noexcept {
    return per_capability_[capability_of(name)].load(std::memory_order_acquire) > 0;
  }
  void publish(std::vector<event>& events) {
    std::vector<std::shared_ptr<subscriber>> targets;
    {
      std::lock_guard lk(mu_);
      for (auto& e : events) e.seq = ++seq_;
      targets.reserve(subs_.size());
      for (const auto& [id, s] : subs_) targets.push_back(s);
    }
    for (const auto& e : events)
      for (const auto& s : targets) {
        if (!s->filter.matches(e)) continue;
        if (s->queue) {
          s->queue->push(e);
        } else {
          try {
            s->fn(e);
          } catch (...) {
            // A subscriber's failure is its own: the work has committed.
          }
        }
      }
  }

 private:
  // Counts the subscriber under every capability whose events its filter
  // can match. A region filter never matches mail (mail has no region):
  // counting it there would let the outbox hand messages to nobody.
  void count(const subscriber& s, int delta) {
    std::array<bool, capabilities.size() + 1> can{};
    if (s.filter.names.empty())
      can.fill(true);
    else
      for (const auto& n : s.filter.names) can[capability_of(n)] = true;
    if (s.filter.region) can[mail] = false;
    for (std::size_t i = 0; i < can.size(); ++i)
      if (can[i]) per_capability_[i].fetch_add(delta, std::memory_order_acq_rel);
  }

  std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<subscriber>> subs_;
  std::uint64_t next_id_ = 1;
  std::uint64_t seq_ = 0;
  std::array<std::atomic<int>, capabilities.size() + 1> per_capability_{};
};

}  // namespace detail

// --- event and filter ---------------------------------------------------------------

std::string_view event::name() const noexcept {
  if (std::holds_alternative<outbox_message>(data)) return "mail";
  if (std::holds_alternative<readings_committed>(data)) return "telemetry.readings";
  if (const auto* a = std::get_if<alert_event>(&data)) {
    switch (a->type) {
      case alert_event::kind::raised: return "alerts.raised";
      case alert_event::kind::escalated: return "alerts.escalated";
      case alert_event::kind::acknowledged: return "alerts.acknowledged";
      case alert_event::kind::resolved: return "alerts.resolved";
    }
  }
  if (const auto* b = std::get_if<billing_event>(&data)) {
    switch (b->type) {
      case billing_event::kind::invoice_issued: return "billing.invoice_issued";
      case billing_event::kind::invoice_paid: return "billing.invoice_paid";
      case billing_event::kind::invoice_overdue: return "billing.invoice_overdue";
      case billing_event::kind::dispute_opened: return "billing.dispute_opened";
      case billing_event::kind::dispute_resolved: return "billing.dispute_resolved";
      case billing_event::kind::invoice_voided: return "billing.invoice_voided";
    }
  }
  if (const auto* i = std::get_if<identity_event>(&data)) {
    switch (i->type) {
      case identity_event::kind::password_changed: return "identity.password_changed";
      case identity_event::kind::api_key_created: return "identity.api_key_created";
    }
  }
  if (std::holds_alternative<notification_event>(data)) return "notifications.created";
  const auto& m = std::get<market_event>(data);
  switch (m.type) {
    case market_event::kind::order: return "market.order";
    case market_event::kind::trade: return "market.trade";
    case market_event::kind::book: return "market.book";
    case market_event::kind::clearing: return "market.clearing";
    case market_event::kind::settlement: return "market.settlement";
  }
  return "market";
}

bool event_filter::matches(const event& e) const noexcept {
  if (region && e.region != *region) return false;
  if (names.empty()) return true;
  const auto n = e.name();
  for (const auto& want : names) {
    if (want == n) return true;
    if (!want.empty() && want.back() == '.' && n.starts_with(want)) return true;
  }
  return false;
}

// --- subscription -------------------------------------------------------------------

subscription::~subscription() { reset(); }
subscription::subscription(subscription&& o) noexcept : hub_(std::move(o.hub_)), id_(o.id_) {
  o.hub_.reset();
  o.id_ = 0;
}
subscription& subscription::operator=(subscription&& o) noexcept {
  if (this != &o) {
    reset();
    hub_ = std::move(o.hub_);
    id_ = o.id_;
    o.hub_.reset();
    o.id_ = 0;
  }
  return *this;
}
void subscription::reset() noexcept {
  if (auto hub = hub_.lock()) hub->remove(id_);
  hub_.reset();
  id_ = 0;
}
bool subscription::active() const noexcept {
  auto hub = hub_.lock();
  return hub && hub->has(id_);
}

// --- event_queue --------------------------------------------------------------------

event_queue::~event_queue() { close(); }
event_queue::event_queue(event_queue&&) noexcept = default;
event_queue& event_queue::operator=(event_queue&& o) noexcept {
  if (this != &o) {
    close();
    state_ = std::move(o.state_);
    sub_ = std::move(o.sub_);
  }
  return *this;
}

std::optional<event> event_queue::pop(std::chrono::milliseconds wait) {
  if (!state_) return std::nullopt;
  std::unique_lock lk(state_->mu);
  state_->cv.wait_for(lk, wait, [&] { return !state_->items.empty() || state_->closed; });
  if (state_->items.empty()) return std::nullopt;
  event e = std::move(state_->items.front());
  state_->items.pop_front();
  return e;
}

std::vector<event> event_queue::drain(std::size_t max) {
  std::vector<event> out;
  if (!state_) return out;
  std::lock_guard lk(state_->mu);
  while (!state_->items.empty() && out.size() < max) {
    out.push_back(std::move(state_->items.front()));
    state_->items.pop_front();
  }
  return out;
}

std::size_t event_queue::size() const noexcept {
  if (!state_) return 0;
  std::lock_guard lk(state_->mu);
  return state_->items.size();
}

std::uint64_t event_queue::dropped() const noexcept {
  if (!state_) return 0;
  std::lock_guard lk(state_->mu);
  return state_->dropped;
}

void event_queue::close() noexcept {
  sub_.reset();
  if (state_) state_->close();
}

bool event_queue::closed() const noexcept {
  if (!state_) return true;
  std::lock_guard lk(state_->mu);
  return state_->closed;
}

// --- event_hub ----------------------------------------------------------------------

event_hub::event_hub() : state_(std::make_shared<detail::hub_state>()) {}
event_hub::~event_hub() = default;

subscription event_hub::subscribe(std::function<void(const event&)> fn, event_filter filter) {
  auto s = std::make_shared<detail::subscriber>();
  s->filter = std::move(filter);
  s->fn = std::move(fn);
  subscription out;
  out.id_ = state_->add(std::move(s));
  out.hub_ = state_;
  return out;
}

event_queue event_hub::queue(std::size_t capacity, event_filter filter) {
  auto q = std::make_shared<detail::queue_state>();
  q->capacity = capacity < 1 ? 1 : capacity;
  auto s = std::make_shared<detail::subscriber>();
  s->filter = std::move(filter);
  s->queue = q;
  event_queue out;
  out.state_ = q;
  out.sub_.id_ = state_->add(std::move(s));
  out.sub_.hub_ = state_;
  return out;
}

bool event_hub::wanted(std::string_view name) const noexcept { return state_->wanted(name); }

event_hub::backlog_stats event_hub::backlog() const { return state_->backlog(); }

void event_hub::publish(std::vector<event> events) {
  if (!events.empty()) state_->publish(events);
}

}  // namespace segs
