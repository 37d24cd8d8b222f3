// /api/v1/trading/*: the order flow, market data, clearing, settlement and
// market settings through the handler, and every way an input is refused.
// The fixture's manual clock starts at 2025-06-15T15:06:40Z, so the first
// quarter hour at least 10 minutes ahead is 15:30 (gate closure 15:25).
#include "fixture.hpp"

#include <map>
#include <set>
#include <tuple>

using namespace rest_test;

namespace {

namespace json = boost::json;

const std::string kOrders = "/api/v1/trading/orders";

/// The k-th quarter hour from the first one at least 10 minutes ahead of the
/// clock, as RFC 3339.
std::string slot(const fixture& f, int k = 0) {
  const std::int64_t quarter = 15LL * 60 * 1'000'000;
  const auto earliest = segs::to_micros(f.clock->now()) + 10LL * 60 * 1'000'000;
  const auto first = (earliest + quarter - 1) / quarter * quarter;
  return segs::to_rfc3339(segs::from_micros(first + k * quarter));
}

double num(const json::value& v) { return v.to_number<double>(); }

std::set<std::string> keys(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.emplace(kv.key());
  return out;
}

json::object limit(const std::string& side, double kwh, double price, const std::string& when) {
  return {{"side", side},           {"order_type", "limit"}, {"quantity_kwh", kwh},
          {"price_per_kwh", price}, {"time_in_force", "gtc"}, {"delivery_slot", when}};
}

/// Places an order that must be accepted; answers its JSON.
json::value place(fixture& f, const json::object& body, const auth& who) {
  auto res = f.post(kOrders, body, who);
  REQUIRE_MESSAGE(res.status == 201, res.body);
  return body_of(res).at("data");
}

json::value data_of(const segs::rest::response& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return body_of(r).at("data");
}

/// A user of `role` and a token, with the user's id.
struct trader {
  segs::user user;
  auth token;
  std::string id() const { return user.id.to_string(); }
};

trader make_trader(fixture& f, const std::string& email, const std::string& role,
                   const std::string& region = "north") {
  auto u = f.make_user(email, role, region);
  return {u, auth{f.login(email), {}}};
}

}  // namespace

TEST_CASE("trading: a prosumer sells, a consumer buys, and everyone sees what they may") {
  fixture f;
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto buyer = make_trader(f, "home@example.org", "consumer");
  auto other = make_trader(f, "other@example.org", "consumer");
  const auto s = slot(f);

  auto ask = place(f, limit("sell", 2, 0.245, s), seller.token);
  // Decimals read as people write them, not in exponent form.
  CHECK(f.get("/api/v1/trading/orderbook?delivery_slot=" + s, buyer.token).body.find("\"price_per_kwh\":0.245") !=
        std::string::npos);
  CHECK(keys(ask) == std::set<std::string>{"id", "region", "delivery_slot", "side", "order_type",
                                           "quantity_kwh", "price_per_kwh", "time_in_force",
                                           "post_only", "status", "filled_kwh", "remaining_kwh",
                                           "created_at", "updated_at", "trades"});
  CHECK(str(ask.at("region")) == "north");
  CHECK(str(ask.at("delivery_slot")) == s);
  CHECK(str(ask.at("status")) == "open");
  CHECK(ask.at("quantity_kwh").as_int64() == 2);  // whole kWh stay integers on the wire
  CHECK(num(ask.at("price_per_kwh")) == 0.245);
  CHECK(ask.at("post_only").as_bool() == false);
  CHECK(ask.at("trades").as_array().empty());

  auto seq_before = data_of(f.get("/api/v1/trading/orderbook?delivery_slot=" + s, buyer.token))
                        .at("sequence")
                        .to_number<std::uint64_t>();

  f.clock->advance(std::chrono::seconds(1));
  auto bid = place(f, limit("buy", 1.5, 0.25, s), buyer.token);
  CHECK(str(bid.at("status")) == "filled");
  CHECK(num(bid.at("filled_kwh")) == 1.5);
  CHECK(num(bid.at("remaining_kwh")) == 0);
  REQUIRE(bid.at("trades").as_array().size() == 1);
  const auto& fill = bid.at("trades").as_array()[0];
  CHECK(keys(fill) == std::set<std::string>{"id", "price_per_kwh", "quantity_kwh", "executed_at"});
  CHECK(num(fill.at("price_per_kwh")) == 0.245);  // the resting order's price
  CHECK(num(fill.at("quantity_kwh")) == 1.5);
  const auto trade_id = str(fill.at("id"));

  auto mine = data_of(f.get(kOrders + "/" + str(ask.at("id")), seller.token));
  CHECK(str(mine.at("status")) == "partially_filled");
  CHECK(num(mine.at("filled_kwh")) == 1.5);
  CHECK(num(mine.at("remaining_kwh")) == 0.5);

  // Both parties see the trade in their history, each on its own side.
  for (const auto& [who, side, order_id] :
       {std::tuple{&buyer, "buy", str(bid.at("id"))},
        std::tuple{&seller, "sell", str(ask.at("id"))}}) {
    auto h = data_of(f.get("/api/v1/trading/history", who->token));
    CHECK(keys(h) == std::set<std::string>{"trades", "total", "page", "per_page", "total_pages"});
    REQUIRE(h.at("trades").as_array().size() == 1);
    const auto& t = h.at("trades").as_array()[0];
    CHECK(keys(t) == std::set<std::string>{"id", "delivery_slot", "side", "price_per_kwh",
                                           "quantity_kwh", "fee", "order_id", "executed_at"});
    CHECK(str(t.at("id")) == trade_id);
    CHECK(str(t.at("side")) == side);
    CHECK(str(t.at("order_id")) == order_id);
    CHECK(str(t.at("delivery_slot")) == s);
    CHECK(num(t.at("fee")) == 0);
  }
  CHECK(data_of(f.get("/api/v1/trading/history", other.token)).at("total").as_int64() == 0);

  // The public tape shows order ids only to their owners.
  auto tape_of = [&](const auth& who) {
    auto m = data_of(f.get("/api/v1/trading/matches?delivery_slot=" + s, who));
    REQUIRE(m.as_array().size() == 1);
    return m.as_array()[0];
  };
  auto seen_by_buyer = tape_of(buyer.token);
  CHECK(keys(seen_by_buyer) == std::set<std::string>{"id", "price_per_kwh", "quantity_kwh",
                                                     "buy_order_id", "sell_order_id",
                                                     "executed_at"});
  CHECK(str(seen_by_buyer.at("id")) == trade_id);
  CHECK(str(seen_by_buyer.at("buy_order_id")) == str(bid.at("id")));
  CHECK(seen_by_buyer.at("sell_order_id").is_null());
  auto seen_by_seller = tape_of(seller.token);
  CHECK(seen_by_seller.at("buy_order_id").is_null());
  CHECK(str(seen_by_seller.at("sell_order_id")) == str(ask.at("id")));
  auto seen_by_other = tape_of(other.token);
  CHECK(seen_by_other.at("buy_order_id").is_null());
  CHECK(seen_by_other.at("sell_order_id").is_null());
  CHECK(f.get("/api/v1/trading/matches?delivery_slot=" + s, other.token).body.find(seller.id()) ==
        std::string::npos);

  // Depth: the rest of the ask, and two bids best first.
  place(f, limit("buy", 1, 0.2, s), other.token);
  place(f, limit("buy", 0.25, 0.21, s), buyer.token);
  place(f, limit("buy", 0.75, 0.21, s), other.token);
  auto book = data_of(f.get("/api/v1/trading/orderbook?delivery_slot=" + s + "&region=north",
                            buyer.token));
  CHECK(keys(book) == std::set<std::string>{"region", "delivery_slot", "bids", "asks", "sequence"});
  CHECK(str(book.at("region")) == "north");
  CHECK(book.at("sequence").to_number<std::uint64_t>() > seq_before);
  const auto& asks = book.at("asks").as_array();
  REQUIRE(asks.size() == 1);
  CHECK(keys(asks[0]) == std::set<std::string>{"price_per_kwh", "quantity_kwh", "orders"});
  CHECK(num(asks[0].at("price_per_kwh")) == 0.245);
  CHECK(num(asks[0].at("quantity_kwh")) == 0.5);
  CHECK(asks[0].at("orders").as_int64() == 1);
  const auto& bids = book.at("bids").as_array();
  REQUIRE(bids.size() == 2);
  CHECK(num(bids[0].at("price_per_kwh")) == 0.21);
  CHECK(num(bids[0].at("quantity_kwh")) == 1);
  CHECK(bids[0].at("orders").as_int64() == 2);
  CHECK(num(bids[1].at("price_per_kwh")) == 0.2);
  auto shallow = data_of(f.get("/api/v1/trading/orderbook?delivery_slot=" + s + "&depth=1",
                               buyer.token));
  CHECK(shallow.at("bids").as_array().size() == 1);
  CHECK(book.at("sequence") == shallow.at("sequence"));
  auto deep = f.get("/api/v1/trading/orderbook?delivery_slot=" + s + "&depth=0", buyer.token);
  CHECK(deep.status == 400);
  CHECK(field_of(deep) == "depth");

  auto stats = data_of(f.get("/api/v1/trading/market?delivery_slot=" + s, other.token));
  CHECK(keys(stats) == std::set<std::string>{"region", "delivery_slot", "mechanism", "best_bid",
                                             "best_ask", "last_price", "volume_kwh", "vwap",
                                             "open", "high", "low", "close", "trade_count",
                                             "clearing_price", "cleared_kwh"});
  CHECK(str(stats.at("mechanism")) == "continuous");
  CHECK(num(stats.at("best_bid")) == 0.21);
  CHECK(num(stats.at("best_ask")) == 0.245);
  CHECK(num(stats.at("last_price")) == 0.245);
  CHECK(num(stats.at("volume_kwh")) == 1.5);
  CHECK(num(stats.at("vwap")) == 0.245);
  for (const char* k : {"open", "high", "low", "close"}) CHECK(num(stats.at(k)) == 0.245);
  CHECK(stats.at("trade_count").as_int64() == 1);
  CHECK(stats.at("clearing_price").is_null());
  CHECK(stats.at("cleared_kwh").is_null());

  // An empty slot: nulls, not zeros.
  auto quiet = data_of(f.get("/api/v1/trading/market?delivery_slot=" + slot(f, 1), other.token));
  CHECK(quiet.at("best_bid").is_null());
  CHECK(quiet.at("last_price").is_null());
  CHECK(quiet.at("vwap").is_null());
  CHECK(num(quiet.at("volume_kwh")) == 0);
  auto missing = f.get("/api/v1/trading/market", other.token);
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "delivery_slot");
}

TEST_CASE("trading: every refused input is a 400 naming its field, and nothing rests") {
  fixture f;
  auto pros = make_trader(f, "sun@example.org", "prosumer");
  const auto s = slot(f);

  auto refused = [&](json::object body, const std::string& field) {
    auto res = f.post(kOrders, body, pros.token);
    INFO(json::serialize(body) << " -> " << res.body);
    CHECK(res.status == 400);
    CHECK(code_of(res) == "VALIDATION_ERROR");
    CHECK(field_of(res) == field);
  };
  auto with = [&](const std::string& key, const json::value& v) {
    auto b = limit("sell", 1.5, 0.245, s);
    b[key] = v;
    return b;
  };
  auto without = [&](const std::string& key) {
    auto b = limit("sell", 1.5, 0.245, s);
    b.erase(key);
    return b;
  };

  refused(with("price_per_kwh", 0.24505), "price_per_kwh");      // off the 0.0001 tick
  refused(with("price_per_kwh", 0.0000001), "price_per_kwh");    // below a micro-unit
  refused(with("price_per_kwh", 0), "price_per_kwh");
  refused(with("price_per_kwh", -0.2), "price_per_kwh");
  refused(with("price_per_kwh", "0.245"), "price_per_kwh");      // a string is not a number
  refused(without("price_per_kwh"), "price_per_kwh");            // a limit order needs one
  refused(with("quantity_kwh", 1.0005), "quantity_kwh");         // not whole Wh
  refused(with("quantity_kwh", 0), "quantity_kwh");
  refused(with("quantity_kwh", -1), "quantity_kwh");
  refused(with("quantity_kwh", 1e300), "quantity_kwh");          // beyond any Wh count
  refused(without("quantity_kwh"), "quantity_kwh");
  refused(with("side", "hold"), "side");
  refused(without("side"), "side");
  refused(with("order_type", "stop"), "order_type");
  refused(with("time_in_force", "day"), "time_in_force");
  refused(with("post_only", "yes"), "post_only");
  refused(without("delivery_slot"), "delivery_slot");
  refused(with("delivery_slot", "tomorrow"), "delivery_slot");
  // Misaligned: 7 minutes past a quarter hour.
  const auto misaligned = segs::to_rfc3339(*segs::parse_rfc3339(s) + std::chrono::minutes(7));
  refused(with("delivery_slot", json::string(misaligned)), "delivery_slot");
  // Not open yet: trading opens 48 hours ahead.
  refused(with("delivery_slot", json::string(slot(f, 4 * 49))), "delivery_slot");
  // Past its gate: the quarter hour that started 6 minutes ago, and the next
  // one, whose gate (5 minutes before it) has passed too once the clock moves.
  refused(with("delivery_slot", "2025-06-15T15:00:00Z"), "delivery_slot");
  f.clock->advance(std::chrono::minutes(4));  // 15:10:40, past the 15:15 slot's gate
  refused(with("delivery_slot", "2025-06-15T15:15:00Z"), "delivery_slot");
  auto market_priced = with("order_type", "market");
  refused(market_priced, "price_per_kwh");  // a market order takes no price

  auto mine = data_of(f.get(kOrders, pros.token));
  CHECK(mine.at("total").as_int64() == 0);
  auto book = data_of(f.get("/api/v1/trading/orderbook?delivery_slot=" + s, pros.token));
  CHECK(book.at("asks").as_array().empty());

  // A market order without a price is accepted; with no one to trade with
  // it is cancelled at once.
  auto market = without("price_per_kwh");
  market["order_type"] = "market";
  auto m = place(f, market, pros.token);
  CHECK(str(m.at("status")) == "cancelled");
  CHECK(m.at("price_per_kwh").is_null());
  CHECK(m.at("trades").as_array().empty());
  // So is a fill-or-kill order that cannot fill completely.
  auto fok = limit("sell", 1, 0.245, s);
  fok["time_in_force"] = "fok";
  auto killed = place(f, fok, pros.token);
  CHECK(str(killed.at("status")) == "cancelled");
  CHECK(str(killed.at("time_in_force")) == "fok");
  CHECK(num(killed.at("filled_kwh")) == 0);

  // Bad ids and bad filters.
  auto bad_id = f.get(kOrders + "/not-a-uuid", pros.token);
  CHECK(bad_id.status == 400);
  CHECK(field_of(bad_id) == "id");
  auto bad_status = f.get(kOrders + "?status=sleeping", pros.token);
  CHECK(bad_status.status == 400);
  CHECK(field_of(bad_status) == "status");
  auto bad_slot = f.get(kOrders + "?delivery_slot=soon", pros.token);
  CHECK(bad_slot.status == 400);
  CHECK(field_of(bad_slot) == "delivery_slot");
}

TEST_CASE("trading: post_only that would cross, and changing a finished order, are 409") {
  fixture f;
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto buyer = make_trader(f, "home@example.org", "consumer");
  const auto s = slot(f);
  auto ask = place(f, limit("sell", 1, 0.245, s), seller.token);

  auto crossing = limit("buy", 1, 0.25, s);
  crossing["post_only"] = true;
  auto refused = f.post(kOrders, crossing, buyer.token);
  CHECK(refused.status == 409);
  CHECK(code_of(refused) == "CONFLICT");
  auto book = data_of(f.get("/api/v1/trading/orderbook?delivery_slot=" + s, buyer.token));
  CHECK(book.at("bids").as_array().empty());
  CHECK(num(book.at("asks").as_array()[0].at("quantity_kwh")) == 1);
  CHECK(data_of(f.get(kOrders, buyer.token)).at("total").as_int64() == 0);

  auto passive = limit("buy", 1, 0.24, s);
  passive["post_only"] = true;
  auto rests = place(f, passive, buyer.token);
  CHECK(str(rests.at("status")) == "open");
  CHECK(rests.at("post_only").as_bool());

  // The ask fills; then it can neither be cancelled nor changed.
  auto taker = place(f, limit("buy", 1, 0.245, s), buyer.token);
  CHECK(str(taker.at("status")) == "filled");
  const auto filled = kOrders + "/" + str(ask.at("id"));
  CHECK(str(data_of(f.get(filled, seller.token)).at("status")) == "filled");
  auto cancel = f.del(filled, seller.token);
  CHECK(cancel.status == 409);
  CHECK(code_of(cancel) == "CONFLICT");
  auto change = f.put(filled, {{"price_per_kwh", 0.3}}, seller.token);
  CHECK(change.status == 409);

  // Cancelling the resting bid answers it cancelled; a second cancel is 409.
  const auto open = kOrders + "/" + str(rests.at("id"));
  auto gone = f.del(open, buyer.token);
  REQUIRE_MESSAGE(gone.status == 200, gone.body);
  CHECK(str(body_of(gone).at("data").at("status")) == "cancelled");
  CHECK(num(body_of(gone).at("data").at("remaining_kwh")) == 0);
  CHECK(f.del(open, buyer.token).status == 409);
}

TEST_CASE("trading: modify changes quantity and price, and bad values name their field") {
  fixture f;
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto buyer = make_trader(f, "home@example.org", "consumer");
  const auto s = slot(f);
  auto ask = place(f, limit("sell", 2, 0.3, s), seller.token);
  const auto path = kOrders + "/" + str(ask.at("id"));

  auto smaller = data_of(f.put(path, {{"quantity_kwh", 1.25}}, seller.token));
  CHECK(num(smaller.at("remaining_kwh")) == 1.25);
  CHECK(num(smaller.at("price_per_kwh")) == 0.3);

  for (const auto& [body, field] :
       {std::pair{json::object{{"quantity_kwh", 1.0005}}, "quantity_kwh"},
        std::pair{json::object{{"quantity_kwh", 0}}, "quantity_kwh"},
        std::pair{json::object{{"price_per_kwh", 0.30005}}, "price_per_kwh"},
        std::pair{json::object{{"price_per_kwh", true}}, "price_per_kwh"}}) {
    auto res = f.put(path, body, seller.token);
    INFO(json::serialize(body) << " -> " << res.body);
    CHECK(res.status == 400);
    CHECK(field_of(res) == field);
  }

  place(f, limit("buy", 0.5, 0.25, s), buyer.token);
  // Lowering the price to the bid trades at once, at the bid's price.
  auto repriced = data_of(f.put(path, {{"price_per_kwh", 0.25}}, seller.token));
  CHECK(num(repriced.at("price_per_kwh")) == 0.25);
  CHECK(str(repriced.at("status")) == "partially_filled");
  REQUIRE(repriced.at("trades").as_array().size() == 1);
  CHECK(num(repriced.at("trades").as_array()[0].at("quantity_kwh")) == 0.5);
  CHECK(num(repriced.at("remaining_kwh")) == 0.75);
}

TEST_CASE("trading: orders of others are not found, and selling needs the sell permission") {
  fixture f;
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto nosy = make_trader(f, "nosy@example.org", "prosumer");
  auto consumer = make_trader(f, "home@example.org", "consumer");
  auto op_north = make_trader(f, "opn@example.org", "operator", "north");
  auto op_south = make_trader(f, "ops@example.org", "operator", "south");
  const auto s = slot(f);
  auto ask = place(f, limit("sell", 1, 0.245, s), seller.token);
  const auto path = kOrders + "/" + str(ask.at("id"));

  for (const auto* who : {&nosy, &consumer, &op_south}) {
    INFO(who->user.email);
    CHECK(code_of(f.get(path, who->token)) == "NOT_FOUND");
    CHECK(f.put(path, {{"price_per_kwh", 0.3}}, who->token).status == 404);
    CHECK(f.del(path, who->token).status == 404);
  }
  CHECK(data_of(f.get(kOrders, nosy.token)).at("total").as_int64() == 0);
  CHECK(f.get(kOrders + "/" + segs::uuid{}.to_string(), seller.token).status == 404);

  // The operator of the region may act on it.
  CHECK(str(data_of(f.get(path, op_north.token)).at("id")) == str(ask.at("id")));
  CHECK(f.put(path, {{"price_per_kwh", 0.3}}, op_north.token).status == 200);

  auto sell = f.post(kOrders, limit("sell", 1, 0.245, s), consumer.token);
  CHECK(sell.status == 403);
  CHECK(code_of(sell) == "FORBIDDEN");
  CHECK(f.post(kOrders, limit("sell", 1, 0.245, s), op_north.token).status == 403);
  CHECK(f.post(kOrders, limit("buy", 1, 0.2, s), consumer.token).status == 201);
  CHECK(f.get(kOrders).status == 401);
}

TEST_CASE("trading: an operator closes a gate and settles the slot into ledger entries") {
  fixture f;
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto buyer = make_trader(f, "home@example.org", "consumer");
  auto op = make_trader(f, "opn@example.org", "operator", "north");
  auto op_south = make_trader(f, "ops@example.org", "operator", "south");
  const auto s = slot(f);
  auto ask = place(f, limit("sell", 2, 0.245, s), seller.token);
  auto bid = place(f, limit("buy", 1.5, 0.245, s), buyer.token);
  REQUIRE(str(bid.at("status")) == "filled");

  const json::object which{{"region", "north"}, {"delivery_slot", s}};
  // Before the gate closes there is nothing to settle.
  auto early = f.post("/api/v1/trading/settle", which, op.token);
  CHECK(early.status == 409);
  CHECK(f.post("/api/v1/trading/clear", which, buyer.token).status == 403);
  CHECK(f.post("/api/v1/trading/clear", which, op_south.token).status == 403);
  auto no_region = f.post("/api/v1/trading/clear", {{"delivery_slot", s}}, op.token);
  CHECK(no_region.status == 400);
  CHECK(field_of(no_region) == "region");

  auto cleared = data_of(f.post("/api/v1/trading/clear", which, op.token));
  CHECK(keys(cleared) == std::set<std::string>{"region", "delivery_slot", "mechanism",
                                               "clearing_price", "cleared_kwh", "trades"});
  CHECK(str(cleared.at("mechanism")) == "continuous");
  CHECK(cleared.at("clearing_price").is_null());
  CHECK(num(cleared.at("cleared_kwh")) == 0);
  // The rest of the ask expired with the gate; clearing again answers the same.
  CHECK(str(data_of(f.get(kOrders + "/" + str(ask.at("id")), seller.token)).at("status")) ==
        "expired");
  CHECK(data_of(f.post("/api/v1/trading/clear", which, op.token)) == cleared);
  CHECK(f.post(kOrders, limit("buy", 1, 0.3, s), buyer.token).status == 400);

  // The delivery has not ended: without deliveries it cannot settle yet.
  CHECK(f.post("/api/v1/trading/settle", which, op.token).status == 409);
  auto bad = which;
  bad["deliveries"] = json::array{{{"user_id", seller.id()}, {"delivered_kwh", 1.0005}}};
  auto refused = f.post("/api/v1/trading/settle", bad, op.token);
  CHECK(refused.status == 400);
  CHECK(field_of(refused) == "deliveries[0].delivered_kwh");
  bad["deliveries"] = json::array{{{"user_id", "someone"}, {"delivered_kwh", 1}}};
  CHECK(field_of(f.post("/api/v1/trading/settle", bad, op.token)) == "deliveries[0].user_id");
  CHECK(f.post("/api/v1/trading/settle", which, seller.token).status == 403);

  // The seller delivered 1 of the 1.5 kWh it sold.
  auto body = which;
  body["deliveries"] = json::array{{{"user_id", seller.id()}, {"delivered_kwh", 1}}};
  auto settled = data_of(f.post("/api/v1/trading/settle", body, op.token));
  CHECK(keys(settled) == std::set<std::string>{"region", "delivery_slot", "settled_at", "entries"});
  CHECK(str(settled.at("delivery_slot")) == s);
  std::map<std::pair<std::string, std::string>, std::pair<double, double>> got;
  double sum = 0;
  for (const auto& e : settled.at("entries").as_array()) {
    CHECK(keys(e) == std::set<std::string>{"user_id", "kind", "energy_kwh", "amount"});
    const std::string who = e.at("user_id").is_null() ? "grid" : str(e.at("user_id"));
    got[{who, str(e.at("kind"))}] = {num(e.at("energy_kwh")), num(e.at("amount"))};
    sum += num(e.at("amount"));
  }
  using entry = std::pair<double, double>;
  CHECK(got[{buyer.id(), "trade_debit"}] == entry{1.5, -0.3675});
  CHECK(got[{seller.id(), "trade_credit"}] == entry{1.5, 0.3675});
  CHECK(got[{seller.id(), "imbalance_charge"}] == entry{0.5, -0.1225});
  CHECK(got[{buyer.id(), "imbalance_refund"}] == entry{0.5, 0.1225});
  CHECK(got[{"grid", "imbalance_charge"}] == entry{0.5, 0.1225});
  CHECK(got[{"grid", "imbalance_refund"}] == entry{0.5, -0.1225});
  CHECK(got.size() == 6);
  CHECK(sum == doctest::Approx(0).epsilon(1e-12));

  // Settling again changes nothing and answers the first settlement, also
  // once the delivery has ended and no deliveries are given.
  CHECK(data_of(f.post("/api/v1/trading/settle", which, op.token)) == settled);
  f.clock->advance(std::chrono::hours(2));
  CHECK(data_of(f.post("/api/v1/trading/settle", which, auth{f.login("opn@example.org"), {}})) ==
        settled);
}

TEST_CASE("trading: an epoch market clears at one price, with fees on every trade") {
  fixture f;
  auto admin = make_trader(f, "root@example.org", "admin");
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto buyer = make_trader(f, "home@example.org", "consumer");
  auto set = f.put("/api/v1/trading/markets/north",
                   {{"mechanism", "epoch"}, {"fee_per_kwh", 0.01}, {"fee_percent", 0.5}},
                   admin.token);
  REQUIRE_MESSAGE(set.status == 200, set.body);
  const auto s = slot(f);
  place(f, limit("sell", 1, 0.2, s), seller.token);
  auto bid = place(f, limit("buy", 1, 0.3, s), buyer.token);
  CHECK(str(bid.at("status")) == "open");  // nothing matches before the auction
  auto book = data_of(f.get("/api/v1/trading/orderbook?delivery_slot=" + s, buyer.token));
  CHECK(book.at("bids").as_array().size() == 1);
  CHECK(book.at("asks").as_array().size() == 1);

  auto cleared = data_of(
      f.post("/api/v1/trading/clear", {{"region", "north"}, {"delivery_slot", s}}, admin.token));
  CHECK(str(cleared.at("mechanism")) == "epoch");
  CHECK(num(cleared.at("clearing_price")) == 0.25);  // the middle of 0.20..0.30
  CHECK(num(cleared.at("cleared_kwh")) == 1);
  REQUIRE(cleared.at("trades").as_array().size() == 1);
  CHECK(num(cleared.at("trades").as_array()[0].at("price_per_kwh")) == 0.25);

  auto stats = data_of(f.get("/api/v1/trading/market?delivery_slot=" + s, buyer.token));
  CHECK(str(stats.at("mechanism")) == "epoch");
  CHECK(num(stats.at("clearing_price")) == 0.25);
  CHECK(num(stats.at("cleared_kwh")) == 1);
  // 1 kWh x 0.01 plus 0.5 % of 0.25.
  auto h = data_of(f.get("/api/v1/trading/history", buyer.token));
  REQUIRE(h.at("trades").as_array().size() == 1);
  CHECK(num(h.at("trades").as_array()[0].at("fee")) == 0.01125);
}

TEST_CASE("trading: markets are listed to everyone and configured by admins only") {
  fixture f;
  auto admin = make_trader(f, "root@example.org", "admin");
  auto consumer = make_trader(f, "home@example.org", "consumer");
  auto op = make_trader(f, "opn@example.org", "operator", "north");
  make_trader(f, "far@example.org", "consumer", "south");

  auto list = data_of(f.get("/api/v1/trading/markets", consumer.token));
  std::map<std::string, json::value> by_region;
  for (const auto& m : list.as_array()) by_region[str(m.at("region"))] = m;
  REQUIRE(by_region.count("north") == 1);
  REQUIRE(by_region.count("south") == 1);
  const auto& north = by_region["north"];
  CHECK(keys(north) == std::set<std::string>{"region", "configured", "mechanism", "slot_minutes",
                                             "open_minutes_ahead", "gate_closure_minutes", "tick",
                                             "fee_per_kwh", "fee_percent",
                                             "imbalance_price_per_kwh", "self_trade_prevention",
                                             "updated_at"});
  CHECK(north.at("configured").as_bool() == false);
  CHECK(str(north.at("mechanism")) == "continuous");
  CHECK(north.at("slot_minutes").as_int64() == 15);
  CHECK(north.at("open_minutes_ahead").as_int64() == 48 * 60);
  CHECK(north.at("gate_closure_minutes").as_int64() == 5);
  CHECK(num(north.at("tick")) == 0.0001);
  CHECK(num(north.at("fee_per_kwh")) == 0);
  CHECK(num(north.at("fee_percent")) == 0);
  CHECK(north.at("imbalance_price_per_kwh").is_null());
  CHECK(str(north.at("self_trade_prevention")) == "cancel_newest");
  CHECK(north.at("updated_at").is_null());

  const std::string path = "/api/v1/trading/markets/north";
  CHECK(code_of(f.put(path, {{"fee_percent", 0.5}}, consumer.token)) == "FORBIDDEN");
  CHECK(f.put(path, {{"fee_percent", 0.5}}, op.token).status == 403);
  CHECK(f.put(path, {{"fee_percent", 0.5}}).status == 401);

  auto first = data_of(f.put(path, {{"fee_percent", 0.5}, {"imbalance_price_per_kwh", 0.4},
                                    {"self_trade_prevention", "cancel_both"}}, admin.token));
  CHECK(first.at("configured").as_bool());
  CHECK(num(first.at("fee_percent")) == 0.5);
  CHECK(num(first.at("imbalance_price_per_kwh")) == 0.4);
  CHECK(str(first.at("self_trade_prevention")) == "cancel_both");
  CHECK(str(first.at("updated_at")) == segs::to_rfc3339(f.clock->now()));
  // A partial update keeps everything it does not name; null brings the
  // default imbalance price back.
  auto second = data_of(f.put(path, {{"slot_minutes", 30}, {"gate_closure_minutes", 10},
                                     {"tick", 0.001}, {"imbalance_price_per_kwh", nullptr}},
                              admin.token));
  CHECK(second.at("slot_minutes").as_int64() == 30);
  CHECK(second.at("gate_closure_minutes").as_int64() == 10);
  CHECK(num(second.at("tick")) == 0.001);
  CHECK(second.at("imbalance_price_per_kwh").is_null());
  CHECK(num(second.at("fee_percent")) == 0.5);
  CHECK(str(second.at("self_trade_prevention")) == "cancel_both");
  CHECK(str(second.at("mechanism")) == "continuous");
  auto listed = data_of(f.get("/api/v1/trading/markets", consumer.token));
  for (const auto& m : listed.as_array())
    if (str(m.at("region")) == "north") CHECK(m == second);

  for (const auto& [body, field] :
       {std::pair{json::object{{"mechanism", "sealed_bid"}}, "mechanism"},
        std::pair{json::object{{"self_trade_prevention", "allow"}}, "self_trade_prevention"},
        std::pair{json::object{{"slot_minutes", 7}}, "slot_minutes"},
        std::pair{json::object{{"slot_minutes", 15.5}}, "slot_minutes"},
        std::pair{json::object{{"tick", 0}}, "tick"},
        std::pair{json::object{{"tick", 0.0000001}}, "tick"},
        std::pair{json::object{{"fee_percent", 0.00001}}, "fee_percent"},
        std::pair{json::object{{"fee_percent", 101}}, "fee_percent"},
        std::pair{json::object{{"fee_per_kwh", -0.01}}, "fee_per_kwh"},
        std::pair{json::object{{"imbalance_price_per_kwh", "high"}}, "imbalance_price_per_kwh"}}) {
    auto res = f.put(path, body, admin.token);
    INFO(json::serialize(body) << " -> " << res.body);
    CHECK(res.status == 400);
    CHECK(field_of(res) == field);
  }
  // Refusals changed nothing.
  auto after = data_of(f.get("/api/v1/trading/markets", admin.token));
  for (const auto& m : after.as_array())
    if (str(m.at("region")) == "north") CHECK(m == second);
}

TEST_CASE("trading: GET /orders pages and filters like GET /users") {
  fixture f;
  auto pros = make_trader(f, "sun@example.org", "prosumer");
  const auto s0 = slot(f);
  const auto s1 = slot(f, 1);
  std::vector<std::string> ids;
  for (double price : {0.3, 0.31, 0.32, 0.33})
    ids.push_back(str(place(f, limit("sell", 1, price, s0), pros.token).at("id")));
  place(f, limit("sell", 1, 0.3, s1), pros.token);
  CHECK(f.del(kOrders + "/" + ids[0], pros.token).status == 200);

  auto first = data_of(f.get(kOrders + "?per_page=2", pros.token));
  CHECK(keys(first) == std::set<std::string>{"orders", "total", "page", "per_page", "total_pages"});
  CHECK(first.at("total").as_int64() == 5);
  CHECK(first.at("per_page").as_int64() == 2);
  CHECK(first.at("page").as_int64() == 1);
  CHECK(first.at("total_pages").as_int64() == 3);
  CHECK(first.at("orders").as_array().size() == 2);
  auto last = data_of(f.get(kOrders + "?per_page=2&page=3", pros.token));
  CHECK(last.at("orders").as_array().size() == 1);
  std::set<std::string> seen;
  for (int p = 1; p <= 3; ++p) {
    auto page = data_of(f.get(kOrders + "?per_page=2&page=" + std::to_string(p), pros.token));
    for (const auto& o : page.at("orders").as_array()) seen.insert(str(o.at("id")));
  }
  CHECK(seen.size() == 5);

  auto open = data_of(f.get(kOrders + "?status=open", pros.token));
  CHECK(open.at("total").as_int64() == 4);
  auto cancelled = data_of(f.get(kOrders + "?status=cancelled", pros.token));
  REQUIRE(cancelled.at("orders").as_array().size() == 1);
  CHECK(str(cancelled.at("orders").as_array()[0].at("id")) == ids[0]);
  auto in_s1 = data_of(f.get(kOrders + "?delivery_slot=" + s1, pros.token));
  CHECK(in_s1.at("total").as_int64() == 1);
  CHECK(str(in_s1.at("orders").as_array()[0].at("delivery_slot")) == s1);

  for (const auto& [query, field] : {std::pair{"?per_page=0", "per_page"},
                                     std::pair{"?per_page=101", "per_page"},
                                     std::pair{"?page=0", "page"},
                                     std::pair{"?page=x", "page"}}) {
    auto res = f.get(kOrders + query, pros.token);
    INFO(query << " -> " << res.body);
    CHECK(res.status == 400);
    CHECK(field_of(res) == field);
  }
}

TEST_CASE("trading: clear and configure are audited with the request's origin, errors in wire words") {
  fixture f;
  auto seller = make_trader(f, "sun@example.org", "prosumer");
  auto op = make_trader(f, "opn@example.org", "operator", "north");
  auto admin = make_trader(f, "root@example.org", "admin");
  const auto s = slot(f);
  place(f, limit("sell", 1, 0.245, s), seller.token);

  CHECK(f.post("/api/v1/trading/clear", {{"region", "north"}, {"delivery_slot", s}}, seller.token).status ==
        403);
  data_of(f.post("/api/v1/trading/clear", {{"region", "north"}, {"delivery_slot", s}}, op.token));
  data_of(f.put("/api/v1/trading/markets/north", {{"tick", 0.001}}, admin.token));
  // The library says fee_ppm, in millionths; this API answers as it always did.
  auto fee = f.put("/api/v1/trading/markets/north", {{"fee_percent", 101}}, admin.token);
  CHECK(fee.status == 400);
  CHECK(field_of(fee) == "fee_percent");
  CHECK(std::string(body_of(fee).at("error").at("message").as_string()) ==
        "fee_percent must be between 0 and 100");

  segs::audit_query q;
  q.action = "market.";
  const auto auditor = f.grid->identity().authenticate(f.login("root@example.org")).value();
  const auto records = f.grid->audit().query(auditor, q).value();
  REQUIRE(records.total == 2);  // the refusals wrote none
  const auto& configured = records.items.at(0);
  const auto& cleared = records.items.at(1);
  CHECK(configured.action == "market.configure");
  CHECK(configured.actor_id == admin.id());
  CHECK(cleared.action == "market.clear");
  CHECK(cleared.actor_id == op.id());
  for (const auto* r : {&configured, &cleared}) {
    CHECK(r->ip == "203.0.113.7");
    CHECK(r->user_agent == "rest-tests/1");
    CHECK(r->target_id == "north");
  }
}
