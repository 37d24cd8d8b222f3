// Epoch markets collect orders until the auction; this file keeps the
// per-owner index of collected orders that lets self-trade prevention run
// at entry without scanning the slot (continuous books do it in the engine).
#include "market/market_impl.hpp"

namespace segs::detail {

std::int64_t market_impl::stp_key(const segs::order& o) {
  if (o.type == order_type::market)
    return o.side == order_side::buy ? std::numeric_limits<std::int64_t>::max()
                                     : std::numeric_limits<std::int64_t>::min();
  return o.price->micros;
}

void market_impl::collect(region_market& r, slot_book& sb, const order_record& rec) {
  sb.collected.emplace(rec.priority, rec.seq);
  auto& mine = sb.own[r.owner(rec.o.user_id)];
  (rec.o.side == order_side::buy ? mine.buys : mine.sells).emplace(stp_key(rec.o), rec.seq);
}

// REQUIRES: `rec` as it was collected (priority and price unchanged).
void market_impl::uncollect(region_market& r, slot_book& sb, const order_record& rec) {
  sb.collected.erase(rec.priority);
  auto it = sb.own.find(r.owner(rec.o.user_id));
  if (it == sb.own.end()) return;
  auto& side = rec.o.side == order_side::buy ? it->second.buys : it->second.sells;
  auto [lo, hi] = side.equal_range(stp_key(rec.o));
  for (; lo != hi; ++lo)
    if (lo->second == rec.seq) {
      side.erase(lo);
      return;
    }
}

// Cancels a collected order.
void market_impl::drop_collected(region_batch& b, slot_book& sb, std::int64_t seq, timestamp now) {
  auto& o = touch(b, seq);
  uncollect(*b.region, sb, o);
  o.o.remaining = energy{0};
  o.o.status = order_status::cancelled;
  o.o.updated_at = now;
}

// A uniform price can pair a buy with a sell only if the buy's limit is at
// or above the sell's, so an owner whose collected orders never cross
// cannot trade with itself in the auction. Before `rec` (not collected
// yet) joins the slot, applies the slot's policy to the owner's orders it
// crosses: cancel_oldest cancels them (oldest first), cancel_newest
// answers true (cancel `rec`), cancel_both does both.
bool market_impl::prevent_self_trade(region_batch& b, slot_book& sb, const order_record& rec, timestamp now) {
  auto& r = *b.region;
  auto it = sb.own.find(r.owner(rec.o.user_id));
  if (it == sb.own.end()) return false;
  const auto key = stp_key(rec.o);
  std::vector<std::pair<std::int64_t, std::int64_t>> crossing;  // priority, seq
  if (rec.o.side == order_side::buy) {
    for (const auto& [limit, seq] : it->second.sells) {
      if (limit > key) break;
      crossing.emplace_back(r.live.at(seq).priority, seq);
    }
  } else {
    for (auto i = it->second.buys.lower_bound(key); i != it->second.buys.end(); ++i)
      crossing.emplace_back(r.live.at(i->second).priority, i->second);
  }
  if (crossing.empty()) return false;
  const auto policy = sb.rec.settings.stp;
  if (policy != self_trade_prevention::cancel_newest) {
    std::sort(crossing.begin(), crossing.end());
    for (const auto& [prio, seq] : crossing) drop_collected(b, sb, seq, now);
  }
  return policy != self_trade_prevention::cancel_oldest;
}

}  // namespace segs::detail
