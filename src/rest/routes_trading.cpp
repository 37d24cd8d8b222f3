// The P2P seed's /api/v1/trading/*: orders, market data, clearing,
// settlement and market settings. Who may do what is decided by the market
// service; these routes only translate.
//
// Quantities and prices are JSON numbers in kWh and currency units. The
// library holds whole Wh and micro-units, and a number that is not exactly
// one of those is refused, never rounded: the JSON number is turned back into
// its shortest decimal text (what the client most likely wrote) and parsed
// exactly.
#include "rest/json_io.hpp"
#include "rest/market_views.hpp"
#include "rest/route.hpp"

#include <segs/market.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

timestamp required_slot(const json::object& o) {
  return parse_time(required_string(o, "delivery_slot"), "delivery_slot");
}

timestamp query_slot(const call& c) {
  auto text = c.query_value("delivery_slot");
  if (!text) invalid("delivery_slot", "delivery_slot is required");
  return parse_time(*text, "delivery_slot");
}

/// fee_percent on the wire is a percent; the library keeps millionths.
constexpr int percent_scale = 4;  // 1 % = 10^4 ppm

/// take() for the market's answers: its error in this API's words.
template <class T>
T answer(result<T> r) {
  if (!r) throw segs::exception(rest::in_wire_words(r.error()));
  return std::move(r).value();
}

// --- views (the rest are in market_views.cpp) --------------------------------

json::value view(const market_info& m) {
  const auto& s = m.settings;
  return json::object{{"region", m.region},
                      {"configured", m.configured},
                      {"mechanism", to_string(s.mechanism)},
                      {"slot_minutes", s.slot_length.count()},
                      {"open_minutes_ahead", s.open_ahead.count()},
                      {"gate_closure_minutes", s.gate_closure.count()},
                      {"tick", number(s.tick)},
                      {"fee_per_kwh", number(s.fee_per_kwh)},
                      {"fee_percent", decimal_number(s.fee_ppm, percent_scale)},
                      {"imbalance_price_per_kwh", number_or_null(s.imbalance_price)},
                      {"self_trade_prevention", to_string(s.stp)},
                      // Deployment defaults were never set by anyone.
                      {"updated_at", m.configured ? json::value(to_rfc3339(m.updated_at))
                                                  : json::value(nullptr)}};
}

// --- requests -------------------------------------------------------------------

order_spec read_order_spec(const json::object& body) {
  order_spec s;
  s.side = take(parse_side(required_string(body, "side")));
  if (auto t = optional_string(body, "order_type")) s.type = take(parse_order_type(*t));
  auto quantity = optional_energy(body, "quantity_kwh");
  if (!quantity) invalid("quantity_kwh", "quantity_kwh is required");
  s.quantity = *quantity;
  s.price = optional_money(body, "price_per_kwh");
  if (auto tif = optional_string(body, "time_in_force")) s.tif = take(parse_time_in_force(*tif));
  s.post_only = optional_bool(body, "post_only").value_or(false);
  s.delivery_slot = required_slot(body);
  return s;
}

std::optional<std::vector<delivery>> read_deliveries(const json::object& body) {
  const auto* v = member(body, "deliveries");
  if (!v) return std::nullopt;
  if (!v->is_array()) invalid("deliveries", "deliveries must be an array");
  std::vector<delivery> out;
  const auto& items = v->as_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto field = "deliveries[" + std::to_string(i) + "]";
    if (!items[i].is_object()) invalid(field, field + " must be an object");
    const auto& item = items[i].as_object();
    const auto user_field = field + ".user_id";
    const auto* user = member(item, "user_id");
    if (!user) invalid(user_field, user_field + " is required");
    std::optional<uuid> id;
    if (user->is_string())
      if (auto parsed = uuid::parse(user->get_string(), user_field)) id = *parsed;
    if (!id) invalid(user_field, user_field + " must be a UUID");
    const auto kwh_field = field + ".delivered_kwh";
    const auto* kwh = member(item, "delivered_kwh");
    if (!kwh) invalid(kwh_field, kwh_field + " is required");
    out.push_back({*id, to_energy(*kwh, kwh_field)});
  }
  return out;
}

market_settings_update read_settings_update(const json::object& body) {
  market_settings_update u;
  if (auto m = optional_string(body, "mechanism")) u.mechanism = take(parse_mechanism(*m));
  u.slot_length = optional_minutes(body, "slot_minutes");
  u.open_ahead = optional_minutes(body, "open_minutes_ahead");
  u.gate_closure = optional_minutes(body, "gate_closure_minutes");
  u.tick = optional_money(body, "tick");
  u.fee_per_kwh = optional_money(body, "fee_per_kwh");
  if (const auto* pct = member(body, "fee_percent"))
    u.fee_ppm = take(parse_decimal(number_text(*pct, "fee_percent"), percent_scale,
                                   rounding::exact, "fee_percent"));
  // Here null is not "absent": it asks for the default back.
  if (auto it = body.find("imbalance_price_per_kwh"); it != body.end()) {
    u.imbalance_price.emplace();
    if (!it->value().is_null()) *u.imbalance_price = to_money(it->value(), it->key());
  }
  if (auto s = optional_string(body, "self_trade_prevention"))
    u.stp = take(parse_self_trade_prevention(*s));
  return u;
}

}  // namespace

void add_trading_routes(router& r) {
  const std::string base = "/api/v1/trading";

  r.add("POST", base + "/orders", access::signed_in, [](call& c) {
    auto placed = answer(c.grid.market().submit(c.caller(), read_order_spec(c.body)));
    return ok(view(placed), "order placed", 201);
  });

  r.add("GET", base + "/orders", access::signed_in, [](call& c) {
    order_query q;
    if (auto s = c.query_value("status")) q.status = take(parse_order_status(*s));
    if (auto slot = c.query_value("delivery_slot"))
      q.delivery_slot = parse_time(*slot, "delivery_slot");
    const auto pr = c.query_page(20);
    q.page = pr.page;
    q.per_page = pr.per_page;
    return ok(detail::view(answer(c.grid.market().orders(c.caller(), q)), "orders",
                           [](const order& o) { return view(o); }),
              "orders");
  });

  r.add("GET", base + "/orders/:id", access::signed_in, [](call& c) {
    return ok(view(answer(c.grid.market().get_order(c.caller(), c.param_id("id")))), "order");
  });

  r.add("PUT", base + "/orders/:id", access::signed_in, [](call& c) {
    order_change change;
    change.quantity = optional_energy(c.body, "quantity_kwh");
    change.price = optional_money(c.body, "price_per_kwh");
    auto changed = answer(c.grid.market().modify(c.caller(), c.param_id("id"), change));
    return ok(view(changed), "order changed");
  });

  r.add("DELETE", base + "/orders/:id", access::signed_in, [](call& c) {
    return ok(view(answer(c.grid.market().cancel(c.caller(), c.param_id("id")))),
              "order cancelled");
  });

  r.add("GET", base + "/orderbook", access::signed_in, [](call& c) {
    auto book = answer(c.grid.market().book(c.caller(), query_slot(c), c.query_value("region"),
                                          c.query_int("depth", 10)));
    return ok(view(book), "order book");
  });

  r.add("GET", base + "/market", access::signed_in, [](call& c) {
    auto stats = answer(c.grid.market().stats(c.caller(), query_slot(c), c.query_value("region")));
    return ok(view(stats), "market data");
  });

  r.add("GET", base + "/history", access::signed_in, [](call& c) {
    trade_query q;
    if (auto slot = c.query_value("delivery_slot"))
      q.delivery_slot = parse_time(*slot, "delivery_slot");
    const auto pr = c.query_page(20);
    q.page = pr.page;
    q.per_page = pr.per_page;
    return ok(detail::view(answer(c.grid.market().history(c.caller(), q)), "trades",
                           [](const user_trade& t) { return view(t); }),
              "trade history");
  });

  r.add("GET", base + "/matches", access::signed_in, [](call& c) {
    auto tape = answer(c.grid.market().matches(c.caller(), query_slot(c), c.query_value("region")));
    return ok(view(tape), "trades");
  });

  r.add("POST", base + "/clear", access::signed_in, [](call& c) {
    const auto region = required_string(c.body, "region");
    auto cleared = answer(c.grid.market().clear(c.caller(), region, required_slot(c.body), c.ctx));
    return ok(view(cleared), "gate closed");
  });

  r.add("POST", base + "/settle", access::signed_in, [](call& c) {
    const auto region = required_string(c.body, "region");
    const auto slot = required_slot(c.body);
    auto settled = answer(c.grid.market().settle(c.caller(), region, slot, read_deliveries(c.body), c.ctx));
    return ok(view(settled), "slot settled");
  });

  r.add("GET", base + "/markets", access::signed_in, [](call& c) {
    json::array out;
    for (const auto& m : answer(c.grid.market().markets(c.caller()))) out.push_back(view(m));
    return ok(std::move(out), "markets");
  });

  r.add("PUT", base + "/markets/:region", access::signed_in, [](call& c) {
    auto saved = answer(c.grid.market().configure(c.caller(), c.param("region"),
                                                read_settings_update(c.body), c.ctx));
    return ok(view(saved), "market updated");
  });
}

}  // namespace segs::rest::detail
