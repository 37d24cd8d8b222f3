// Randomized differential tests: the real engine (segs::market::book,
// segs::market::run_auction) and the reference model (reference_model.hpp)
// receive the same random operations; every event, every call result and the
// book after every step must be equal, and invariants are checked on the
// engine's own output. A failure names the seed and the step; rerun it with
// SEGS_MARKET_FUZZ_SEED=<seed>. SEGS_MARKET_FUZZ_OPS sets the number of
// operations per mechanism and policy (default 20000; a long run uses 1000000);
// for the auction one operation is one slot of 0..200 orders.
#include "market/engine.hpp"
#include "market/reference_model.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

namespace mk = segs::market;
namespace ref = segs::market::reference;

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

std::uint64_t fuzz_ops() { return env_u64("SEGS_MARKET_FUZZ_OPS", 20000); }
std::uint64_t fuzz_seed(std::uint64_t fallback) { return env_u64("SEGS_MARKET_FUZZ_SEED", fallback); }

// ------------------------------------------------------------------ printing

const char* name(mk::side s) { return s == mk::side::buy ? "buy" : "sell"; }
const char* name(mk::order_type t) { return t == mk::order_type::limit ? "limit" : "market"; }
const char* name(mk::time_in_force t) {
  switch (t) {
    case mk::time_in_force::gtc: return "gtc";
    case mk::time_in_force::ioc: return "ioc";
    case mk::time_in_force::fok: return "fok";
  }
  return "?";
}
const char* name(mk::stp_policy p) {
  switch (p) {
    case mk::stp_policy::cancel_newest: return "cancel_newest";
    case mk::stp_policy::cancel_oldest: return "cancel_oldest";
    case mk::stp_policy::cancel_both: return "cancel_both";
  }
  return "?";
}
const char* name(mk::order_status s) {
  switch (s) {
    case mk::order_status::open: return "open";
    case mk::order_status::partially_filled: return "partially_filled";
    case mk::order_status::filled: return "filled";
    case mk::order_status::cancelled: return "cancelled";
    case mk::order_status::expired: return "expired";
  }
  return "?";
}
const char* name(mk::cancel_reason r) {
  switch (r) {
    case mk::cancel_reason::requested: return "requested";
    case mk::cancel_reason::ioc_remainder: return "ioc_remainder";
    case mk::cancel_reason::fok_unfillable: return "fok_unfillable";
    case mk::cancel_reason::no_liquidity: return "no_liquidity";
    case mk::cancel_reason::self_trade: return "self_trade";
    case mk::cancel_reason::expired: return "expired";
  }
  return "?";
}

std::string to_string(const mk::fill& f) {
  std::ostringstream s;
  s << "fill{maker=" << f.maker << " taker=" << f.taker << " maker_owner=" << f.maker_owner
    << " taker_owner=" << f.taker_owner << " taker_side=" << name(f.taker_side)
    << " price=" << f.price << " qty=" << f.quantity << "}";
  return s.str();
}

bool same(const mk::fill& a, const mk::fill& b) {
  return a.maker == b.maker && a.taker == b.taker && a.maker_owner == b.maker_owner &&
         a.taker_owner == b.taker_owner && a.taker_side == b.taker_side && a.price == b.price &&
         a.quantity == b.quantity;
}

std::string to_string(const mk::order_request& o) {
  std::ostringstream s;
  s << "submit{id=" << o.id << " owner=" << o.owner << " " << name(o.side) << " " << name(o.type)
    << " " << name(o.tif) << (o.post_only ? " post_only" : "") << " price=" << o.price
    << " qty=" << o.quantity << "}";
  return s.str();
}

std::string to_string(const mk::order_result& r) {
  std::ostringstream s;
  s << "result{accepted=" << r.accepted << " status=" << name(r.status) << " filled=" << r.filled
    << " remaining=" << r.remaining << "}";
  return s.str();
}

std::string to_string(const std::optional<mk::order_result>& r) {
  return r ? to_string(*r) : std::string("nullopt");
}

bool same(const mk::order_result& a, const mk::order_result& b) {
  return a.accepted == b.accepted && a.status == b.status && a.filled == b.filled &&
         a.remaining == b.remaining;
}

std::string to_string(const mk::resting_order& o) {
  std::ostringstream s;
  s << "{id=" << o.id << " owner=" << o.owner << " " << name(o.side) << " " << name(o.type)
    << " price=" << o.price << " qty=" << o.quantity << "}";
  return s.str();
}

bool same(const mk::resting_order& a, const mk::resting_order& b) {
  return a.id == b.id && a.owner == b.owner && a.side == b.side && a.type == b.type &&
         a.price == b.price && a.quantity == b.quantity;
}

std::string to_string(const mk::level& l) {
  std::ostringstream s;
  s << "{price=" << l.price << " qty=" << l.quantity << " orders=" << l.orders << "}";
  return s.str();
}

bool same(const mk::level& a, const mk::level& b) {
  return a.price == b.price && a.quantity == b.quantity && a.orders == b.orders;
}

template <class T>
std::string to_string(const std::vector<T>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + to_string(v[i]);
  return s + "]";
}

std::string to_string(const std::optional<mk::price_t>& p) {
  return p ? std::to_string(*p) : std::string("none");
}

/// Index of the first difference between two vectors, or nullopt if equal.
template <class T>
std::optional<std::size_t> first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!same(a[i], b[i])) return i;
  }
  if (a.size() != b.size()) return n;
  return std::nullopt;
}

template <class T>
std::string describe_difference(const std::vector<T>& engine, const std::vector<T>& model,
                                std::size_t i) {
  std::ostringstream s;
  s << "first difference at index " << i << ": engine "
    << (i < engine.size() ? to_string(engine[i]) : std::string("<none>")) << " vs model "
    << (i < model.size() ? to_string(model[i]) : std::string("<none>")) << "\n  engine all: "
    << to_string(engine) << "\n  model all:  " << to_string(model);
  return s.str();
}

// ------------------------------------------------------------------ events

struct event {
  enum class kind : std::uint8_t { fill, cancel, rest } what = kind::fill;
  mk::fill f{};
  mk::order_id id = 0;
  mk::qty_t quantity = 0;
  mk::cancel_reason reason = mk::cancel_reason::requested;
  mk::price_t price = 0;
};

std::string to_string(const event& e) {
  std::ostringstream s;
  switch (e.what) {
    case event::kind::fill: return to_string(e.f);
    case event::kind::cancel:
      s << "cancel{id=" << e.id << " qty=" << e.quantity << " reason=" << name(e.reason) << "}";
      break;
    case event::kind::rest:
      s << "rest{id=" << e.id << " qty=" << e.quantity << " price=" << e.price << "}";
      break;
  }
  return s.str();
}

bool same(const event& a, const event& b) {
  if (a.what != b.what) return false;
  switch (a.what) {
    case event::kind::fill: return same(a.f, b.f);
    case event::kind::cancel:
      return a.id == b.id && a.quantity == b.quantity && a.reason == b.reason;
    case event::kind::rest: return a.id == b.id && a.quantity == b.quantity && a.price == b.price;
  }
  return false;
}

class recorder final : public mk::event_sink {
 public:
  void on_fill(const mk::fill& f) override {
    event e;
    e.what = event::kind::fill;
    e.f = f;
    events.push_back(e);
  }
  void on_cancel(mk::order_id id, mk::qty_t q, mk::cancel_reason r) override {
    event e;
    e.what = event::kind::cancel;
    e.id = id;
    e.quantity = q;
    e.reason = r;
    events.push_back(e);
  }
  void on_rest(mk::order_id id, mk::qty_t q, mk::price_t p) override {
    event e;
    e.what = event::kind::rest;
    e.id = id;
    e.quantity = q;
    e.price = p;
    events.push_back(e);
  }
  std::vector<event> events;
};

// ------------------------------------------------------------------ continuous

/// What the harness knows about every order it ever submitted, from the
/// engine's events only (the invariants do not trust the model).
struct ledger_entry {
  mk::side side = mk::side::buy;
  std::optional<mk::price_t> limit;  // nullopt: market
  mk::qty_t original = 0;            // adjusted by modifications of the open quantity
  mk::qty_t filled = 0;
  mk::qty_t cancelled = 0;
};

class continuous_fuzzer {
 public:
  continuous_fuzzer(mk::stp_policy stp, std::uint64_t seed)
      : stp_(stp), seed_(seed), rng_(seed), engine_(stp), model_(stp) {}

  /// Runs `ops` random operations; returns an empty string or the failure.
  std::string run(std::uint64_t ops) {
    for (step_ = 0; step_ < ops; ++step_) {
      if (!one_step()) return failure_;
    }
    return {};
  }

  std::uint64_t fills() const { return fills_; }
  /// How often each branch of the rules ran, so a test can insist the
  /// generator reaches all of them.
  std::map<std::string, std::uint64_t> coverage() const {
    std::map<std::string, std::uint64_t> c = branches_;
    for (std::size_t i = 0; i < by_reason_.size(); ++i) {
      c[std::string("cancel ") + name(static_cast<mk::cancel_reason>(i))] = by_reason_[i];
    }
    return c;
  }
  std::uint64_t self_trades() const { return self_trades_; }

 private:
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi) {
    return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  mk::price_t random_price() {
    // A drifting mid and a narrow band around it: crossing is frequent.
    // The band crosses zero at times: energy prices can be negative.
    if (chance(0.05)) mid_ = std::clamp<std::int64_t>(mid_ + (chance(0.5) ? 1 : -1), -30, 60);
    return (mid_ + static_cast<std::int64_t>(uniform(0, 8)) - 4) * tick_;
  }
  mk::qty_t random_quantity() {
    if (chance(0.1)) return static_cast<mk::qty_t>(uniform(50, 400));
    return static_cast<mk::qty_t>(uniform(1, 40));
  }

  bool fail(const std::string& what) {
    std::ostringstream s;
    s << "randomized continuous book: stp=" << name(stp_) << " seed=" << seed_
      << " step=" << step_ << " (rerun with SEGS_MARKET_FUZZ_SEED=" << seed_ << ")\n"
      << "operation: " << op_ << "\n"
      << what << "\nrecent operations:";
    for (const auto& h : history_) s << "\n  " << h;
    failure_ = s.str();
    return false;
  }

  bool one_step() {
    pre_ = engine_.orders();
    recorder engine_events;
    recorder model_events;
    std::set<mk::order_id> touched;

    const auto roll = uniform(0, 999);
    if (roll < 2) {
      op_ = "expire_all";
      engine_.expire_all(engine_events);
      model_.expire_all(model_events);
    } else if (roll < 560 || pre_.empty()) {
      mk::order_request o;
      o.id = next_id_++;
      o.owner = uniform(1, 4);
      o.side = chance(0.5) ? mk::side::buy : mk::side::sell;
      o.type = chance(0.15) ? mk::order_type::market : mk::order_type::limit;
      const auto t = uniform(0, 9);
      o.tif = t < 6 ? mk::time_in_force::gtc : t < 8 ? mk::time_in_force::ioc : mk::time_in_force::fok;
      o.post_only = chance(0.1);
      o.price = random_price();  // ignored for market orders, on purpose
      o.quantity = random_quantity();
      op_ = to_string(o);
      touched.insert(o.id);
      const auto er = engine_.submit(o, engine_events);
      const auto mr = model_.submit(o, model_events);
      if (!same(er, mr)) return fail("submit result differs: engine " + to_string(er) + " vs model " + to_string(mr));
      if (!er.accepted) ++branches_["submit refused (post_only)"];
      if (o.tif == mk::time_in_force::fok && er.status == mk::order_status::filled) ++branches_["fok filled"];
      if (er.accepted) {
        ledger_entry l;
        l.side = o.side;
        if (o.type == mk::order_type::limit) l.limit = o.price;
        l.original = o.quantity;
        ledger_[o.id] = l;
      }
    } else if (roll < 760) {
      mk::order_id id = 0;
      if (chance(0.8)) {
        id = pre_[uniform(0, pre_.size() - 1)].id;
      } else {
        id = chance(0.5) ? next_id_ + 1000 : uniform(1, next_id_);  // unknown or maybe finished
      }
      op_ = "cancel{id=" + std::to_string(id) + "}";
      touched.insert(id);
      const bool e = engine_.cancel(id, engine_events);
      const bool m = model_.cancel(id, model_events);
      ++branches_[e ? "cancel ok" : "cancel unknown id"];
      if (e != m) return fail("cancel result differs: engine " + std::to_string(e) + " vs model " + std::to_string(m));
    } else {
      mk::order_id id = 0;
      std::optional<mk::qty_t> q;
      std::optional<mk::price_t> p;
      const bool known = chance(0.95);
      if (known) {
        const auto& o = pre_[uniform(0, pre_.size() - 1)];
        id = o.id;
        switch (uniform(0, 5)) {
          case 0: if (o.quantity > 1) q = static_cast<mk::qty_t>(uniform(1, static_cast<std::uint64_t>(o.quantity - 1))); break;
          case 1: q = o.quantity + static_cast<mk::qty_t>(uniform(1, 30)); break;
          case 2: p = random_price(); break;
          case 3: q = random_quantity(); p = random_price(); break;
          case 4: q = o.quantity; if (chance(0.5)) p = o.price; break;  // no-op
          default: p = o.price + (chance(0.5) ? tick_ : -tick_); if (o.quantity > 1 && chance(0.5)) q = o.quantity - 1; break;
        }
      } else {
        id = next_id_ + 2000;
        q = 5;
      }
      std::ostringstream s;
      s << "modify{id=" << id << " qty=" << (q ? std::to_string(*q) : "-")
        << " price=" << (p ? std::to_string(*p) : "-") << "}";
      op_ = s.str();
      touched.insert(id);
      const auto before = engine_.find(id);
      const auto er = engine_.modify(id, q, p, engine_events);
      const auto mr = model_.modify(id, q, p, model_events);
      if (er.has_value() != mr.has_value() || (er && !same(*er, *mr))) {
        return fail("modify result differs: engine " + to_string(er) + " vs model " + to_string(mr));
      }
      if (er && !er->accepted) ++branches_["modify refused (post_only)"];
      if (er && er->filled > 0) ++branches_["modify matched"];
      if (!er) ++branches_["modify unknown id"];
      if (er && er->accepted && before && q) {
        auto& l = ledger_[id];
        l.original += *q - before->quantity;
        if (p) l.limit = *p;
      } else if (er && er->accepted && before && p) {
        ledger_[id].limit = *p;
      }
    }

    history_.push_back(op_);
    if (history_.size() > 8) history_.pop_front();

    if (const auto d = first_difference(engine_events.events, model_events.events)) {
      return fail("events differ, " + describe_difference(engine_events.events, model_events.events, *d));
    }
    if (!compare_books()) return false;
    return check_invariants(engine_events.events, touched);
  }

  bool compare_books() {
    const auto eo = engine_.orders();
    const auto mo = model_.orders();
    if (const auto d = first_difference(eo, mo)) return fail("orders() differ, " + describe_difference(eo, mo, *d));
    const auto eb = engine_.bids(1000);
    const auto mb = model_.bids(1000);
    if (const auto d = first_difference(eb, mb)) return fail("bids() differ, " + describe_difference(eb, mb, *d));
    const auto ea = engine_.asks(1000);
    const auto ma = model_.asks(1000);
    if (const auto d = first_difference(ea, ma)) return fail("asks() differ, " + describe_difference(ea, ma, *d));
    const std::size_t depth = uniform(1, 3);
    const auto eb2 = engine_.bids(depth);
    const auto ea2 = engine_.asks(depth);
    if (first_difference(eb2, model_.bids(depth)) || first_difference(ea2, model_.asks(depth))) {
      return fail("bids/asks(" + std::to_string(depth) + ") differ: engine " + to_string(eb2) + " / " + to_string(ea2));
    }
    if (engine_.best_bid() != model_.best_bid() || engine_.best_ask() != model_.best_ask()) {
      return fail("top of book differs: engine " + to_string(engine_.best_bid()) + "/" + to_string(engine_.best_ask()) +
                  " vs model " + to_string(model_.best_bid()) + "/" + to_string(model_.best_ask()));
    }
    if (engine_.size() != model_.size()) {
      return fail("size differs: engine " + std::to_string(engine_.size()) + " vs model " + std::to_string(model_.size()));
    }
    return true;
  }

  bool check_invariants(const std::vector<event>& events, std::set<mk::order_id>& touched) {
    const auto bb = engine_.best_bid();
    const auto ba = engine_.best_ask();
    if (bb && ba && !(*bb < *ba)) return fail("book crossed: best_bid " + std::to_string(*bb) + " >= best_ask " + std::to_string(*ba));

    // Price-time priority: each maker must be the first order still present
    // in the pre-step snapshot of its side; a fill never beats the taker's limit.
    std::unordered_map<mk::order_id, mk::qty_t> pre_open;
    std::unordered_map<mk::order_id, std::size_t> pre_pos;
    for (std::size_t i = 0; i < pre_.size(); ++i) {
      pre_open[pre_[i].id] = pre_[i].quantity;
      pre_pos[pre_[i].id] = i;
    }
    std::set<mk::order_id> gone;
    for (const auto& e : events) {
      if (e.what == event::kind::cancel) {
        gone.insert(e.id);
        touched.insert(e.id);
        ledger_[e.id].cancelled += e.quantity;
        if (e.reason == mk::cancel_reason::self_trade) ++self_trades_;
        ++by_reason_[static_cast<std::size_t>(e.reason)];
        continue;
      }
      if (e.what == event::kind::rest) {
        touched.insert(e.id);
        continue;
      }
      const auto& f = e.f;
      ++fills_;
      touched.insert(f.maker);
      touched.insert(f.taker);
      if (f.quantity <= 0) return fail("non-positive fill " + to_string(f));
      if (f.maker_owner == f.taker_owner) return fail("self-trade executed: " + to_string(f));
      const auto mp = pre_pos.find(f.maker);
      if (mp == pre_pos.end()) return fail("maker was not resting before the step: " + to_string(f));
      const auto& maker = pre_[mp->second];
      if (maker.side == f.taker_side) return fail("maker on the taker's side: " + to_string(f));
      if (f.price != maker.price) return fail("fill not at the maker's price " + std::to_string(maker.price) + ": " + to_string(f));
      const auto& taker = ledger_[f.taker];
      if (taker.side != f.taker_side) return fail("taker_side wrong: " + to_string(f));
      if (taker.limit && (f.taker_side == mk::side::buy ? f.price > *taker.limit : f.price < *taker.limit)) {
        return fail("fill beyond the taker's limit " + std::to_string(*taker.limit) + ": " + to_string(f));
      }
      for (std::size_t i = 0; i < mp->second; ++i) {
        if (pre_[i].side == maker.side && gone.count(pre_[i].id) == 0) {
          return fail("price-time priority violated: " + to_string(pre_[i]) + " was still resting ahead of " + to_string(f));
        }
      }
      auto& open = pre_open[f.maker];
      if (f.quantity > open) return fail("maker filled beyond its open quantity: " + to_string(f));
      open -= f.quantity;
      if (open == 0) gone.insert(f.maker);
      ledger_[f.maker].filled += f.quantity;
      ledger_[f.taker].filled += f.quantity;
      traded_ += f.quantity;
    }
    // Per-order conservation, for every order this step touched.
    for (const auto id : touched) {
      const auto it = ledger_.find(id);
      if (it == ledger_.end()) continue;  // unknown id or a refused post_only order
      const auto& l = it->second;
      const auto r = engine_.find(id);
      const mk::qty_t open = r ? r->quantity : 0;
      if (l.filled + open + l.cancelled != l.original) {
        std::ostringstream s;
        s << "order " << id << ": filled " << l.filled << " + open " << open << " + cancelled " << l.cancelled
          << " != original " << l.original;
        return fail(s.str());
      }
    }
    // Conservation over all orders: bought by buy orders == sold by sell orders.
    if (step_ % 997 == 0) {
      mk::qty_t buy_filled = 0;
      mk::qty_t sell_filled = 0;
      for (const auto& [id, l] : ledger_) (l.side == mk::side::buy ? buy_filled : sell_filled) += l.filled;
      if (buy_filled != sell_filled || buy_filled != traded_) {
        return fail("total bought " + std::to_string(buy_filled) + " != total sold " + std::to_string(sell_filled));
      }
    }
    return true;
  }

  mk::stp_policy stp_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  mk::book engine_;
  ref::model_book model_;
  std::uint64_t step_ = 0;
  std::string op_;
  std::string failure_;
  std::deque<std::string> history_;
  std::vector<mk::resting_order> pre_;
  std::unordered_map<mk::order_id, ledger_entry> ledger_;
  mk::order_id next_id_ = 1;
  std::int64_t mid_ = 10;
  const mk::price_t tick_ = 100;
  mk::qty_t traded_ = 0;
  std::uint64_t fills_ = 0;
  std::uint64_t self_trades_ = 0;
  std::array<std::uint64_t, 6> by_reason_{};
  std::map<std::string, std::uint64_t> branches_;
};

void run_continuous(mk::stp_policy stp, std::uint64_t default_seed) {
  const auto seed = fuzz_seed(default_seed);
  const auto ops = fuzz_ops();
  continuous_fuzzer f(stp, seed);
  const auto failure = f.run(ops);
  INFO("stp=" << std::string(name(stp)) << " seed=" << seed << " ops=" << ops);
  if (!failure.empty()) FAIL(failure);
  // The run must actually exercise matching and self-trade prevention.
  if (ops >= 1000) {
    CHECK(f.fills() > ops / 10);
    CHECK(f.self_trades() > ops / 1000);
  }
  std::string seen;
  for (const auto& [branch, count] : f.coverage()) {
    seen += " [" + branch + "]=" + std::to_string(count);
    if (ops >= 20000 && branch != "cancel self_trade") CHECK_MESSAGE(count > 0, branch);
  }
  MESSAGE("coverage:" << seen);
  MESSAGE("stp=" << std::string(name(stp)) << " seed=" << seed << " ops=" << ops << " fills=" << f.fills()
                 << " self_trade_cancels=" << f.self_trades());
}

}  // namespace

TEST_CASE("market randomized book equals the reference model - stp cancel_newest") {
  run_continuous(mk::stp_policy::cancel_newest, 0x5E65'0001);
}

TEST_CASE("market randomized book equals the reference model - stp cancel_oldest") {
  run_continuous(mk::stp_policy::cancel_oldest, 0x5E65'0002);
}

TEST_CASE("market randomized book equals the reference model - stp cancel_both") {
  run_continuous(mk::stp_policy::cancel_both, 0x5E65'0003);
}

// ------------------------------------------------------------------ auction

namespace {

std::string to_string(const std::vector<mk::resting_order>& v, mk::price_t tick) {
  return "tick=" + std::to_string(tick) + " orders=" + to_string(v);
}

/// Independent checks of an auction result against the orders.
std::string auction_invariants(const std::vector<mk::resting_order>& orders, mk::price_t tick,
                               const mk::auction_result& r) {
  std::unordered_map<mk::order_id, const mk::resting_order*> by_id;
  std::optional<mk::price_t> lo;
  std::optional<mk::price_t> hi;
  for (const auto& o : orders) {
    by_id[o.id] = &o;
    if (o.type == mk::order_type::limit) {
      lo = lo ? std::min(*lo, o.price) : o.price;
      hi = hi ? std::max(*hi, o.price) : o.price;
    }
  }
  mk::qty_t best = 0;
  if (lo) {
    for (mk::price_t p = *lo; p <= *hi; p += tick) {
      best = std::max(best, std::min(ref::demand_at(orders, p), ref::supply_at(orders, p)));
    }
  }
  if (r.volume != best) return "volume " + std::to_string(r.volume) + " is not the maximum " + std::to_string(best);
  if (!r.price) {
    if (r.volume != 0 || !r.fills.empty()) return "no price but volume or fills";
    return {};
  }
  const auto p = *r.price;
  if (p < *lo || p > *hi || (p - *lo) % tick != 0) return "price " + std::to_string(p) + " outside the tick grid range";
  if (std::min(ref::demand_at(orders, p), ref::supply_at(orders, p)) != r.volume) return "volume is not min(D,S) at the price";
  std::unordered_map<mk::order_id, mk::qty_t> got;
  mk::qty_t total = 0;
  for (const auto& f : r.fills) {
    if (f.price != p) return "fill not at the clearing price: " + to_string(f);
    if (f.quantity <= 0) return "non-positive fill: " + to_string(f);
    const auto b = by_id.find(f.taker);
    const auto s = by_id.find(f.maker);
    if (b == by_id.end() || s == by_id.end()) return "fill names an unknown order: " + to_string(f);
    if (b->second->side != mk::side::buy || s->second->side != mk::side::sell) return "taker must be the buy, maker the sell: " + to_string(f);
    if (b->second->owner != f.taker_owner || s->second->owner != f.maker_owner) return "owners wrong: " + to_string(f);
    if (b->second->type == mk::order_type::limit && b->second->price < p) return "buy limit below the price: " + to_string(f);
    if (s->second->type == mk::order_type::limit && s->second->price > p) return "sell limit above the price: " + to_string(f);
    got[f.taker] += f.quantity;
    got[f.maker] += f.quantity;
    total += f.quantity;
  }
  if (total != r.volume) return "fills sum to " + std::to_string(total) + ", volume is " + std::to_string(r.volume);
  mk::qty_t buys = 0;
  for (const auto& [id, q] : got) {
    if (q > by_id[id]->quantity) return "order " + std::to_string(id) + " got more than its quantity";
    if (by_id[id]->side == mk::side::buy) buys += q;
  }
  if (buys != r.volume) return "buy allocations do not sum to the volume";
  return {};
}

}  // namespace

TEST_CASE("market randomized auction equals the reference model") {
  const auto seed = fuzz_seed(0x5E65'00A1);
  const auto slots = fuzz_ops();
  std::mt19937_64 rng(seed);
  const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::uint64_t cleared = 0;
  std::uint64_t rationed = 0;
  for (std::uint64_t slot = 0; slot < slots; ++slot) {
    const mk::price_t tick = std::array<mk::price_t, 3>{1, 100, 2500}[static_cast<std::size_t>(uniform(0, 2))];
    const std::int64_t n = uniform(0, 9) == 0 ? uniform(0, 3) : uniform(0, 200);
    const std::int64_t distinct = uniform(1, 6);
    const mk::price_t base = uniform(-300, 1500);  // negative prices too
    std::vector<mk::price_t> prices;
    for (std::int64_t i = 0; i < distinct; ++i) prices.push_back((base + uniform(-5, 5)) * tick);
    if (uniform(0, 7) == 0) prices.push_back((base + uniform(-30, 30)) * tick);  // a far outlier widens the range
    const std::int64_t market_pct = uniform(0, 3) == 0 ? 0 : uniform(0, 25);
    const std::int64_t buy_pct = uniform(20, 80);
    const bool round_quantities = uniform(0, 2) == 0;  // equal quantities: more ties
    const bool huge_quantities = uniform(0, 49) == 0;  // q * left passes 2^63 in the pro-rata share
    std::vector<mk::order_id> ids(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<mk::order_id>(i + 1) * 3;
    std::shuffle(ids.begin(), ids.end(), rng);  // input order is not time priority
    std::vector<mk::resting_order> orders;
    for (std::int64_t i = 0; i < n; ++i) {
      mk::resting_order o;
      o.id = ids[static_cast<std::size_t>(i)];
      o.owner = static_cast<mk::owner_id>(uniform(1, 10));
      o.side = uniform(1, 100) <= buy_pct ? mk::side::buy : mk::side::sell;
      o.type = uniform(1, 100) <= market_pct ? mk::order_type::market : mk::order_type::limit;
      // A market order's price is meaningless and must be ignored: make it noise.
      o.price = o.type == mk::order_type::limit ? prices[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(prices.size()) - 1))]
                                                : uniform(-1'000'000, 1'000'000);
      o.quantity = huge_quantities ? uniform(1, 1'000'000'000'000) : round_quantities ? uniform(1, 4) * 100 : uniform(1, 1000);
      orders.push_back(o);
    }
    const auto e = mk::run_auction(orders, tick);
    const auto m = ref::model_auction(orders, tick);
    const auto where = [&] {
      std::ostringstream s;
      s << "randomized auction: seed=" << seed << " slot=" << slot << " (rerun with SEGS_MARKET_FUZZ_SEED=" << seed
        << ")\n  " << to_string(orders, tick);
      return s.str();
    };
    if (e.price != m.price || e.volume != m.volume) {
      FAIL(where() << "\n  engine price=" << to_string(e.price) << " volume=" << e.volume << " vs model price="
                   << to_string(m.price) << " volume=" << m.volume);
    }
    if (const auto d = first_difference(e.fills, m.fills)) {
      FAIL(where() << "\n  fills differ, " << describe_difference(e.fills, m.fills, *d));
    }
    if (const auto bad = auction_invariants(orders, tick, e); !bad.empty()) FAIL(where() << "\n  invariant: " << bad);
    if (e.price) {
      ++cleared;
      if (ref::demand_at(orders, *e.price) != ref::supply_at(orders, *e.price)) ++rationed;
    }
  }
  // The run must exercise clearing and rationing.
  if (slots >= 1000) {
    CHECK(cleared > slots / 4);
    CHECK(rationed > slots / 10);
  }
  MESSAGE("auction seed=" << seed << " slots=" << slots << " cleared=" << cleared << " rationed=" << rationed);
}

TEST_CASE("market randomized reference model sanity") {
  // The model itself on a hand-checked case, so a broken model cannot make
  // the differential tests vacuous: 10@5 buy vs 5@1 sell with a far sell at
  // 9; the volume 5 is maximal on [1,5] with equal imbalance, middle 3, and
  // the one buy (better than 3) is rationed to 5.
  const std::vector<mk::resting_order> orders{
      {1, 1, mk::side::buy, mk::order_type::limit, 5, 10},
      {2, 2, mk::side::sell, mk::order_type::limit, 1, 5},
      {3, 3, mk::side::sell, mk::order_type::limit, 9, 100},
  };
  const auto m = ref::model_auction(orders, 1);
  REQUIRE(m.price.has_value());
  CHECK(*m.price == 3);
  CHECK(m.volume == 5);
  REQUIRE(m.fills.size() == 1);
  CHECK(m.fills[0].maker == 2);
  CHECK(m.fills[0].taker == 1);
  CHECK(m.fills[0].quantity == 5);

  ref::model_book b(mk::stp_policy::cancel_newest);
  recorder ev;
  CHECK(b.submit({1, 1, mk::side::sell, mk::order_type::limit, mk::time_in_force::gtc, false, 100, 5}, ev).remaining == 5);
  CHECK(b.submit({2, 2, mk::side::sell, mk::order_type::limit, mk::time_in_force::gtc, false, 90, 5}, ev).remaining == 5);
  ev.events.clear();
  const auto r = b.submit({3, 3, mk::side::buy, mk::order_type::limit, mk::time_in_force::ioc, false, 100, 7}, ev);
  CHECK(r.filled == 7);
  CHECK(r.status == mk::order_status::filled);
  REQUIRE(ev.events.size() == 2);
  CHECK(ev.events[0].f.maker == 2);
  CHECK(ev.events[0].f.price == 90);
  CHECK(ev.events[0].f.quantity == 5);
  CHECK(ev.events[1].f.maker == 1);
  CHECK(ev.events[1].f.price == 100);
  CHECK(ev.events[1].f.quantity == 2);
}

TEST_CASE("market randomized auction invariant checker rejects broken results") {
  // The checker runs on the engine's output; it must not be vacuous.
  const std::vector<mk::resting_order> orders{
      {1, 1, mk::side::buy, mk::order_type::limit, 500, 10},
      {2, 2, mk::side::buy, mk::order_type::market, 0, 4},
      {3, 3, mk::side::sell, mk::order_type::limit, 300, 8},
      {4, 4, mk::side::sell, mk::order_type::limit, 400, 8},
  };
  const auto good = ref::model_auction(orders, 100);
  REQUIRE(good.price.has_value());
  CHECK(auction_invariants(orders, 100, good).empty());

  auto smaller = good;  // not the maximal volume
  smaller.volume -= 1;
  smaller.fills.back().quantity -= 1;
  CHECK_FALSE(auction_invariants(orders, 100, smaller).empty());

  auto off_grid = good;
  *off_grid.price += 1;
  for (auto& f : off_grid.fills) f.price = *off_grid.price;
  CHECK_FALSE(auction_invariants(orders, 100, off_grid).empty());

  auto beyond_limit = good;  // sell 4 (limit 400) cannot trade at 300
  *beyond_limit.price = 300;
  for (auto& f : beyond_limit.fills) f.price = 300;
  CHECK_FALSE(auction_invariants(orders, 100, beyond_limit).empty());

  auto too_much = good;  // one order gets more than its quantity
  too_much.fills.push_back(too_much.fills.front());
  too_much.fills.back().quantity = 100;
  too_much.volume += 100;
  CHECK_FALSE(auction_invariants(orders, 100, too_much).empty());

  auto swapped = good;  // maker must be the sell
  std::swap(swapped.fills.front().maker, swapped.fills.front().taker);
  CHECK_FALSE(auction_invariants(orders, 100, swapped).empty());
}
