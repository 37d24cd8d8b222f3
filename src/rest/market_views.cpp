// The market's JSON: see market_views.hpp.
#include "rest/market_views.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

json::value view(const order_fill& f) {
  return json::object{{"id", f.id.to_string()},
                      {"price_per_kwh", number(f.price)},
                      {"quantity_kwh", number(f.quantity)},
                      {"executed_at", to_rfc3339(f.executed_at)}};
}

json::value view(const order& o) {
  json::array trades;
  for (const auto& t : o.trades) trades.push_back(view(t));
  return json::object{{"id", o.id.to_string()},
                      {"region", o.region},
                      {"delivery_slot", to_rfc3339(o.delivery_slot)},
                      {"side", to_string(o.side)},
                      {"order_type", to_string(o.type)},
                      {"quantity_kwh", number(o.quantity)},
                      {"price_per_kwh", number_or_null(o.price)},
                      {"time_in_force", to_string(o.tif)},
                      {"post_only", o.post_only},
                      {"status", to_string(o.status)},
                      {"filled_kwh", number(o.filled)},
                      {"remaining_kwh", number(o.remaining)},
                      {"created_at", to_rfc3339(o.created_at)},
                      {"updated_at", to_rfc3339(o.updated_at)},
                      {"trades", std::move(trades)}};
}

json::value view(const user_trade& t) {
  return json::object{{"id", t.id.to_string()},
                      {"delivery_slot", to_rfc3339(t.delivery_slot)},
                      {"side", to_string(t.side)},
                      {"price_per_kwh", number(t.price)},
                      {"quantity_kwh", number(t.quantity)},
                      {"fee", number(t.fee)},
                      {"order_id", t.order_id.to_string()},
                      {"executed_at", to_rfc3339(t.executed_at)}};
}

json::value view(const public_trade& t) {
  return json::object{{"id", t.id.to_string()},
                      {"price_per_kwh", number(t.price)},
                      {"quantity_kwh", number(t.quantity)},
                      {"buy_order_id", id_or_null(t.buy_order_id)},
                      {"sell_order_id", id_or_null(t.sell_order_id)},
                      {"executed_at", to_rfc3339(t.executed_at)}};
}

json::array view(const std::vector<public_trade>& trades) {
  json::array out;
  for (const auto& t : trades) out.push_back(view(t));
  return out;
}

json::array view(const std::vector<book_level>& levels) {
  json::array out;
  for (const auto& l : levels)
    out.push_back(json::object{{"price_per_kwh", number(l.price)},
                               {"quantity_kwh", number(l.quantity)},
                               {"orders", l.orders}});
  return out;
}

json::value view(const order_book& b) {
  return json::object{{"region", b.region},
                      {"delivery_slot", to_rfc3339(b.delivery_slot)},
                      {"bids", view(b.bids)},
                      {"asks", view(b.asks)},
                      {"sequence", b.sequence}};
}

json::value view(const market_stats& s) {
  return json::object{{"region", s.region},
                      {"delivery_slot", to_rfc3339(s.delivery_slot)},
                      {"mechanism", to_string(s.mechanism)},
                      {"best_bid", number_or_null(s.best_bid)},
                      {"best_ask", number_or_null(s.best_ask)},
                      {"last_price", number_or_null(s.last_price)},
                      {"volume_kwh", number(s.volume)},
                      {"vwap", number_or_null(s.vwap)},
                      {"open", number_or_null(s.open)},
                      {"high", number_or_null(s.high)},
                      {"low", number_or_null(s.low)},
                      {"close", number_or_null(s.close)},
                      {"trade_count", s.trade_count},
                      {"clearing_price", number_or_null(s.clearing_price)},
                      {"cleared_kwh", number_or_null(s.cleared)}};
}

json::value view(const clearing_result& c) {
  return json::object{{"region", c.region},
                      {"delivery_slot", to_rfc3339(c.delivery_slot)},
                      {"mechanism", to_string(c.mechanism)},
                      {"clearing_price", number_or_null(c.clearing_price)},
                      {"cleared_kwh", number(c.cleared)},
                      {"trades", view(c.trades)}};
}

json::value view(const settlement& s) {
  json::array entries;
  for (const auto& e : s.entries)
    entries.push_back(json::object{{"user_id", id_or_null(e.user_id)},
                                   {"kind", to_string(e.kind)},
                                   {"energy_kwh", number(e.quantity)},
                                   {"amount", number(e.amount)}});
  return json::object{{"region", s.region},
                      {"delivery_slot", to_rfc3339(s.delivery_slot)},
                      {"settled_at", to_rfc3339(s.settled_at)},
                      {"entries", std::move(entries)}};
}

}  // namespace segs::rest::detail
