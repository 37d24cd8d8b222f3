// What the market's reads write, and what its operator calls record: a read
// about one region writes only that region's waiting rows, and clear,
// settle and configure each leave one audit record in the transaction of
// their change (a refused call, none).
#include "market_service/market_fixture.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace segs_test;
using segs::errc;
using segs::order_side;

namespace {

// Rows of `table` in `region`, read past the grid through the backend it
// wraps: the only view of the tables that works on every backend, a
// private in-memory database included.
std::int64_t rows_in(segs::storage::backend& db, const std::string& table, const std::string& region) {
  auto tx = db.begin(segs::storage::tx_mode::read);
  auto res = tx->exec("SELECT COUNT(*) FROM " + table + " WHERE region = $1", {region});
  return res.rows.at(0).i64(0);
}

segs::page<segs::audit_record> records(market_fixture& f, const std::string& action) {
  segs::audit_query q;
  q.action = action;
  q.per_page = 100;  // the paging maximum; the test writes far fewer
  return f.grid->audit().query(f.admin, q).value();
}

}  // namespace

TEST_CASE("market: a read about one region writes only that region's waiting rows") {
  market_fixture f(market_fixture::with_faults);
  auto& raw = f.fault->inner();
  const auto s = f.slot();

  // South: an order journaled, its slot and order rows waiting for their batch.
  f.place(f.consumer_south, f.limit(order_side::buy, 1000, 200'000, s));
  // North: a trade, its rows waiting too.
  const auto sell = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 1000, 200'000, s));
  REQUIRE(rows_in(raw, "market_orders", "south") == 0);
  REQUIRE(rows_in(raw, "market_slots", "south") == 0);
  REQUIRE(rows_in(raw, "market_orders", "north") == 0);

  // Every read of north's users and operators: each answers from north's
  // tables, written first ...
  CHECK(f.market().orders(f.seller, {})->total == 1);
  CHECK(f.market().history(f.buyer, {})->total == 1);
  auto got = f.market().get_order(f.seller, sell.id);
  REQUIRE(got);
  CHECK(got->status == segs::order_status::filled);
  segs::order_query theirs;
  theirs.user_id = f.buyer.id;
  CHECK(f.market().orders(f.op, theirs)->total == 1);    // a region's operator
  CHECK(f.market().orders(f.admin, theirs)->total == 1); // an admin, every region
  CHECK(f.market().matches(f.seller, s)->size() == 1);
  CHECK(rows_in(raw, "market_orders", "north") == 2);
  CHECK(rows_in(raw, "market_trades", "north") == 1);
  // ... and none of them wrote south's.
  CHECK(rows_in(raw, "market_orders", "south") == 0);
  CHECK(rows_in(raw, "market_slots", "south") == 0);

  // South's own reader writes them.
  CHECK(f.market().orders(f.consumer_south, {})->total == 1);
  CHECK(rows_in(raw, "market_orders", "south") == 1);
  CHECK(rows_in(raw, "market_slots", "south") == 1);
}

TEST_CASE("market: get_order of an order that no longer rests writes only its own region") {
  market_fixture f(market_fixture::with_faults);
  auto& raw = f.fault->inner();
  const auto s = f.slot();
  f.place(f.consumer_south, f.limit(order_side::buy, 1000, 200'000, s));
  const auto mine = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  REQUIRE(f.market().cancel(f.seller, mine.id));  // finished: waiting in north's batch
  auto got = f.market().get_order(f.seller, mine.id);
  REQUIRE(got);
  CHECK(got->status == segs::order_status::cancelled);
  CHECK(rows_in(raw, "market_orders", "north") == 1);
  CHECK(rows_in(raw, "market_orders", "south") == 0);
  // Someone else's order is not found, and still writes nothing of south's.
  CHECK(f.market().get_order(f.buyer, mine.id).error().code == errc::not_found);
  CHECK(rows_in(raw, "market_orders", "south") == 0);
}

TEST_CASE("market: clear, settle and configure each write one audit record, refused calls none") {
  market_fixture f;
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 1000, 200'000, s));
  const segs::request_context ctx{"203.0.113.7", "ops-console/1.0"};

  // Refused: no record.
  CHECK(f.market().clear(f.buyer, "north", s, ctx).error().code == errc::forbidden);
  CHECK(f.market().clear(f.op_south, "north", s, ctx).error().code == errc::forbidden);
  CHECK(f.market().settle(f.buyer, "north", s, std::vector<segs::delivery>{}, ctx).error().code ==
        errc::forbidden);
  segs::market_settings_update u;
  u.tick = price(200);
  CHECK(f.market().configure(f.op, "north", u, ctx).error().code == errc::forbidden);
  segs::market_settings_update bad;
  bad.slot_length = std::chrono::minutes{7};
  CHECK(f.market().configure(f.admin, "north", bad, ctx).error().code == errc::validation_error);
  CHECK(f.market().settle(f.op, "north", s, std::vector<segs::delivery>{}, ctx).error().code ==
        errc::conflict);  // the gate is still open
  CHECK(records(f, "market.").total == 0);

  const auto slot_text = segs::to_rfc3339(s);
  auto one = [&](const std::string& action, const segs::principal& actor) {
    const auto page = records(f, action);
    REQUIRE(page.total == 1);
    const auto& r = page.items.at(0);
    CHECK(r.action == action);
    CHECK(r.actor_kind == "user");
    CHECK(r.actor_id == actor.id.to_string());
    CHECK(r.outcome == "success");
    CHECK(r.target_id == "north");
    CHECK(r.ip == ctx.ip);
    CHECK(r.user_agent == ctx.user_agent);
    CHECK(r.details.find("\"region\":\"north\"") != std::string::npos);
    return r;
  };

  REQUIRE(f.market().clear(f.op, "north", s, ctx));
  CHECK(one("market.clear", f.op).details.find(slot_text) != std::string::npos);
  REQUIRE(f.market().clear(f.op, "north", s, ctx));  // answered again: nothing new
  CHECK(records(f, "market.clear").total == 1);

  REQUIRE(f.market().settle(f.op, "north", s, std::vector<segs::delivery>{}, ctx));
  CHECK(one("market.settle", f.op).details.find(slot_text) != std::string::npos);
  REQUIRE(f.market().settle(f.op, "north", s, std::vector<segs::delivery>{}, ctx));
  CHECK(records(f, "market.settle").total == 1);

  REQUIRE(f.market().configure(f.admin, "north", u, ctx));
  CHECK(one("market.configure", f.admin).details.find("tick") != std::string::npos);

  // The default context records no origin; the chain stays intact.
  REQUIRE(f.market().configure(f.admin, "south", u));
  const auto south = records(f, "market.configure");
  REQUIRE(south.total == 2);
  CHECK(south.items.at(0).target_id == "south");
  CHECK(south.items.at(0).ip.empty());
  CHECK(f.grid->audit().verify(f.admin)->intact);
}
