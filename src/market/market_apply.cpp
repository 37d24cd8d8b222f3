// Applying one command (submit, cancel, modify) to a region's books and
// order records. Live calls and the journal's replay both come through
// here, which is what makes a replay exact: nothing in this file may read
// the clock, storage or anything but its arguments and the region.
#include "market/market_impl.hpp"

#include <limits>

namespace segs::detail {

// The record of a live order, marked for writing.
order_record& market_impl::touch(region_batch& b, std::int64_t seq) {
  b.orders.try_emplace(seq, false);
  b.touched_now.push_back(seq);
  return b.region->live.at(seq);
}

void market_impl::settle_status(order_record& rec) {
  auto& o = rec.o;
  if (o.status == order_status::cancelled || o.status == order_status::expired) return;
  if (o.remaining.wh == 0)
    o.status = order_status::filled;
  else
    o.status = o.filled.wh > 0 ? order_status::partially_filled : order_status::open;
}

// Moves the orders touched by this call that have nothing left open out
// of `live`.
void market_impl::retire(region_batch& b) {
  for (auto seq : b.touched_now) {
    auto it = b.region->live.find(seq);
    if (it == b.region->live.end() || it->second.o.remaining.wh > 0) continue;
    b.finished.insert_or_assign(seq, std::move(it->second));
    b.region->live_ids.erase(it->second.o.id);
    b.region->live.erase(it);
  }
  b.touched_now.clear();
}

// Applies what the engine reported to the orders it names (engine ids are
// seqs); collects the taker's fills when asked.
void market_impl::apply(region_batch& b, slot_book& sb, const recorder& rec, timestamp now,
           std::vector<order_fill>* fills_of_taker, std::int64_t taker_seq) {
  auto& r = *b.region;
  const auto& settings = sb.rec.settings;
  for (const auto& e : rec.events) {
    switch (e.type) {
      case recorder::event::kind::fill: {
        const auto maker_seq = static_cast<std::int64_t>(e.f.maker);
        const auto tk_seq = static_cast<std::int64_t>(e.f.taker);
        auto& maker = touch(b, maker_seq);
        auto& taker = touch(b, tk_seq);
        const energy q{e.f.quantity};
        const money price{e.f.price};
        for (auto* o : {&maker, &taker}) {
          o->o.filled.wh += q.wh;
          o->o.remaining.wh -= q.wh;
          o->o.updated_at = now;
        }
        const bool taker_buys = e.f.taker_side == eng::side::buy;
        auto& buy = taker_buys ? taker : maker;
        auto& sell = taker_buys ? maker : taker;
        trade_record t;
        t.region = r.name;
        t.seq = r.next_trade_seq++;
        t.id = trade_id(r.name, t.seq, now);
        t.delivery_slot = sb.rec.start;
        t.price = price;
        t.quantity = q;
        t.buy_order_id = buy.o.id;
        t.sell_order_id = sell.o.id;
        t.buyer_id = buy.o.user_id;
        t.seller_id = sell.o.user_id;
        if (!rec.auction) t.aggressor = public_side(e.f.taker_side);
        t.buyer_fee = t.seller_fee = trade_fee(settings, price, q);
        t.executed_at = now;
        if (fills_of_taker && tk_seq == taker_seq)
          fills_of_taker->push_back({t.id, price, q, now});
        b.trades.push_back(std::move(t));
        break;
      }
      case recorder::event::kind::cancel: {
        auto& o = touch(b, static_cast<std::int64_t>(e.id));
        o.o.remaining.wh -= e.quantity;
        o.o.status = e.reason == eng::cancel_reason::expired ? order_status::expired : order_status::cancelled;
        o.o.updated_at = now;
        break;
      }
      case recorder::event::kind::rest: {
        auto& o = touch(b, static_cast<std::int64_t>(e.id));
        o.o.remaining.wh = e.quantity;
        if (o.o.type == order_type::limit) o.o.price = money{e.price};
        o.o.updated_at = now;
        break;
      }
    }
  }
  for (auto seq : b.touched_now) {
    auto it = r.live.find(seq);
    if (it != r.live.end()) settle_status(it->second);
  }
}

void market_impl::bump(region_batch& b, slot_book& sb) {
  ++sb.rec.sequence;
  b.slots.try_emplace(to_micros(sb.rec.start), false);
  b.book_changed.insert(to_micros(sb.rec.start));
}

// Validates a command's order and places it in the region's market (lock
// held).
order_record market_impl::place(region_batch& b, const eng::command& c, timestamp now, std::vector<order_fill>& fills) {
  auto& r = *b.region;
  const auto& spec = c.spec;
  if (spec.quantity.wh <= 0)
    fail(errc::validation_error, "quantity must be a positive whole number of Wh", "quantity");
  if (spec.type == order_type::market && spec.price)
    fail(errc::validation_error, "a market order takes no price", "price");
  if (spec.type == order_type::limit) {
    if (!spec.price) fail(errc::validation_error, "a limit order needs a price", "price");
    if (spec.price->micros <= 0) fail(errc::validation_error, "price must be positive", "price");
  }
  {
    const auto& s = settings_for(r, spec.delivery_slot);
    check_slot_time(s, spec.delivery_slot, now);
    if (spec.price && spec.price->micros % s.tick.micros != 0)
      fail(errc::validation_error, "price must be a multiple of the tick " + s.tick.to_string(), "price");
  }
  auto& sb = open_slot(b, spec.delivery_slot);

  order_record rec;
  rec.seq = r.next_order_seq++;
  rec.priority = rec.seq;
  auto& o = rec.o;
  o.id = c.order_id;
  o.user_id = c.user_id;
  o.region = r.name;
  o.delivery_slot = spec.delivery_slot;
  o.side = spec.side;
  o.type = spec.type;
  o.quantity = spec.quantity;
  o.price = spec.price;
  o.tif = spec.tif;
  o.post_only = spec.post_only;
  o.remaining = spec.quantity;
  o.created_at = o.updated_at = now;

  if (sb.book) {
    eng::order_request req;
    req.id = static_cast<eng::order_id>(rec.seq);
    req.owner = r.owner(c.user_id);
    req.side = engine_side(spec.side);
    req.type = spec.type == order_type::market ? eng::order_type::market : eng::order_type::limit;
    req.tif = spec.tif == time_in_force::gtc   ? eng::time_in_force::gtc
              : spec.tif == time_in_force::ioc ? eng::time_in_force::ioc
                                               : eng::time_in_force::fok;
    req.post_only = spec.post_only;
    req.price = spec.price ? spec.price->micros : 0;
    req.quantity = spec.quantity.wh;
    recorder events;
    const auto res = sb.book->submit(req, events);
    if (!res.accepted) {
      // Refused: the id goes back, so a replay (which never sees refused
      // orders) numbers the next order as this call does.
      --r.next_order_seq;
      drop_if_unused(b, spec.delivery_slot);
      fail(errc::conflict, "post_only order would trade on arrival; nothing was placed", "post_only");
    }
    r.live.emplace(rec.seq, rec);
    r.live_ids.emplace(rec.o.id, rec.seq);
    b.orders.insert_or_assign(rec.seq, true);
    b.touched_now.push_back(rec.seq);
    apply(b, sb, events, now, &fills, rec.seq);
  } else {
    // Epoch: orders collect until the auction at gate closure.
    r.live.emplace(rec.seq, rec);
    r.live_ids.emplace(rec.o.id, rec.seq);
    b.orders.insert_or_assign(rec.seq, true);
    b.touched_now.push_back(rec.seq);
    if (prevent_self_trade(b, sb, rec, now)) {
      auto& mine = r.live.at(rec.seq).o;
      mine.remaining = energy{0};
      mine.status = order_status::cancelled;
    } else {
      collect(r, sb, rec);
    }
  }
  bump(b, sb);
  retire(b);
  // The answer carries the final state (retire may have moved it).
  auto fin = b.finished.find(rec.seq);
  return fin != b.finished.end() ? fin->second : r.live.at(rec.seq);
}

// Cancels a live order (lock held, REQUIRES: it rests).
order market_impl::cancel_live(region_batch& b, std::int64_t seq, timestamp now) {
  auto& r = *b.region;
  auto& sb = r.slots.at(to_micros(r.live.at(seq).o.delivery_slot));
  if (sb.book) {
    recorder events;
    sb.book->cancel(static_cast<eng::order_id>(seq), events);
    apply(b, sb, events, now, nullptr, 0);
  } else {
    drop_collected(b, sb, seq, now);
  }
  bump(b, sb);
  retire(b);
  return b.finished.at(seq).o;
}

// Amends a live order (lock held, REQUIRES: it rests).
order market_impl::modify_live(region_batch& b, std::int64_t seq, const order_change& change, timestamp now) {
  auto& r = *b.region;
  const auto& current = r.live.at(seq);
  auto& sb = r.slots.at(to_micros(current.o.delivery_slot));
  if (change.price && current.o.type == order_type::market)
    fail(errc::validation_error, "a market order has no price to change", "price");
  if (change.price && change.price->micros % sb.rec.settings.tick.micros != 0)
    fail(errc::validation_error, "price must be a multiple of the tick " + sb.rec.settings.tick.to_string(),
         "price");
  const bool loses = (change.quantity && change.quantity->wh > current.o.remaining.wh) ||
                     (change.price && current.o.price && *change.price != *current.o.price);
  std::vector<order_fill> fills;
  if (sb.book) {
    recorder events;
    const auto res = sb.book->modify(static_cast<eng::order_id>(seq),
                                     change.quantity ? std::optional<eng::qty_t>(change.quantity->wh) : std::nullopt,
                                     change.price ? std::optional<eng::price_t>(change.price->micros) : std::nullopt,
                                     events);
    if (!res) fail(errc::internal, "a live order is missing from its book");
    if (!res->accepted)
      fail(errc::conflict, "post_only order would trade at the new price; it was not changed", "price");
    auto& o = touch(b, seq);
    if (change.quantity) {
      o.o.remaining = *change.quantity;
      o.o.quantity = energy{o.o.filled.wh + change.quantity->wh};
    }
    if (change.price) o.o.price = change.price;
    if (loses) o.priority = r.next_order_seq++;
    o.o.updated_at = now;
    apply(b, sb, events, now, &fills, seq);
  } else {
    auto& o = touch(b, seq);
    const bool reprices = change.price && o.o.price && *change.price != *o.o.price;
    if (loses) {
      uncollect(r, sb, o);
      o.priority = r.next_order_seq++;
    }
    if (change.quantity) {
      o.o.remaining = *change.quantity;
      o.o.quantity = energy{o.o.filled.wh + change.quantity->wh};
    }
    if (change.price) o.o.price = change.price;
    o.o.updated_at = now;
    if (loses) {
      // A new price is a new order as far as crossing its owner's goes.
      if (reprices && prevent_self_trade(b, sb, o, now)) {
        o.o.remaining = energy{0};
        o.o.status = order_status::cancelled;
      } else {
        collect(r, sb, o);
      }
    }
  }
  bump(b, sb);
  retire(b);
  auto l = r.live.find(seq);
  auto answer = l != r.live.end() ? l->second.o : b.finished.at(seq).o;
  answer.trades = std::move(fills);
  return answer;
}

// Applies one command to the region's market (lock held, due gates
// closed): calls and the journal's replay both come through here, which
// is what makes the replay exact. Answers the order it placed or changed,
// with the fills it caused.
order market_impl::apply_command(region_batch& b, const eng::command& c, timestamp now) {
  switch (c.type) {
    case eng::command::kind::submit: {
      std::vector<order_fill> fills;
      auto placed = place(b, c, now, fills);
      placed.o.trades = std::move(fills);
      return std::move(placed.o);
    }
    case eng::command::kind::cancel:
      if (!b.region->live.count(c.order_seq)) fail(errc::internal, "a cancel names an order that does not rest");
      return cancel_live(b, c.order_seq, now);
    case eng::command::kind::modify:
      if (!b.region->live.count(c.order_seq)) fail(errc::internal, "an amendment names an order that does not rest");
      return modify_live(b, c.order_seq, c.change, now);
  }
  fail(errc::internal, "unknown market command");
}

}  // namespace segs::detail
