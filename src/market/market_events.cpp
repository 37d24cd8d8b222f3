// Events after commit: what a call's batch tells subscribers, and the
// subscription handles. Kept out of the order flow so delivery can never
// run inside a transaction.
#include "market/market_impl.hpp"

namespace segs::detail {

void market_impl::publish(const region_batch& b) {
  if (n_subs_.load(std::memory_order_acquire) == 0) return;
  std::vector<std::shared_ptr<std::function<void(const market_event&)>>> targets;
  {
    std::lock_guard lk(subs_mu_);
    for (const auto& [id, fn] : subs_) targets.push_back(fn);
  }
  std::vector<market_event> events;
  auto& r = *b.region;
  auto event = [&](market_event::kind k, timestamp slot) -> market_event& {
    auto& e = events.emplace_back();
    e.type = k;
    e.region = r.name;
    e.delivery_slot = slot;
    return e;
  };
  for (const auto& [seq, fresh] : b.orders) {
    auto it = r.live.find(seq);
    const order_record* rec = it != r.live.end() ? &it->second : nullptr;
    if (!rec) {
      auto f = b.finished.find(seq);
      if (f == b.finished.end()) continue;
      rec = &f->second;
    }
    event(market_event::kind::order, rec->o.delivery_slot).order_update = rec->o;
  }
  for (const auto& t : b.trades) event(market_event::kind::trade, t.delivery_slot).trade = tape(t, std::nullopt);
  for (auto start : b.book_changed) {
    auto it = r.slots.find(start);
    event(market_event::kind::book, from_micros(start)).sequence =
        it != r.slots.end() ? static_cast<std::uint64_t>(it->second.rec.sequence) : 0;
  }
  for (const auto& c : b.closings) {
    auto& e = event(market_event::kind::clearing, c.delivery_slot);
    e.clearing = c;
    e.clearing->trades.clear();
  }
  for (const auto& e : events)
    for (const auto& fn : targets) {
      try {
        (*fn)(e);
      } catch (...) {
        // A subscriber's failure is its own; the market has committed.
      }
    }
}

market_subscription market_impl::subscribe(std::function<void(const market_event&)> fn) {
  std::uint64_t id;
  {
    std::lock_guard lk(subs_mu_);
    id = next_sub_++;
    subs_.emplace(id, std::make_shared<std::function<void(const market_event&)>>(std::move(fn)));
    n_subs_.store(subs_.size(), std::memory_order_release);
  }
  market_subscription s;
  s.cancel_ = [this, id] {
    std::lock_guard lk(subs_mu_);
    subs_.erase(id);
    n_subs_.store(subs_.size(), std::memory_order_release);
  };
  return s;
}

}  // namespace segs::detail

namespace segs {

market_subscription::~market_subscription() { reset(); }
market_subscription::market_subscription(market_subscription&& o) noexcept : cancel_(std::move(o.cancel_)) {
  o.cancel_ = nullptr;
}
market_subscription& market_subscription::operator=(market_subscription&& o) noexcept {
  if (this != &o) {
    reset();
    cancel_ = std::move(o.cancel_);
    o.cancel_ = nullptr;
  }
  return *this;
}
void market_subscription::reset() noexcept {
  if (cancel_) {
    auto fn = std::move(cancel_);
    cancel_ = nullptr;
    fn();
  }
}

}  // namespace segs
