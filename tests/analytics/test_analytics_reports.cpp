// Analytics on every backend: each report's figures computed by hand from
// the fixture's readings, trades, settlement and invoices
// (analytics_fixture.hpp), the scope rules, and a DST day in Berlin.
#include "analytics/analytics_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using segs::errc;
using segs::energy;

TEST_CASE("analytics: energy per local day for a user and for the region, with self-sufficiency") {
  analytics_fixture f;
  f.readings();

  // alice: 2 + 1 kWh on the 14th, nothing produced.
  const auto a = must(f.an().energy(f.alice, analytics_fixture::range("2025-06-14", "2025-06-15")));
  CHECK(a.header.scope == segs::analytics_scope::self);
  CHECK(a.header.user_id == f.alice_user.id);
  CHECK(a.header.region == "north");
  CHECK(a.header.start == at("2025-06-14T00:00:00Z"));
  CHECK(a.header.end == at("2025-06-16T00:00:00Z"));
  REQUIRE(a.days.size() == 2);
  CHECK(a.days[0].figures.consumed == energy{3000});
  CHECK(a.days[0].figures.self_sufficiency == 0.0);
  CHECK(a.days[1].figures.consumed == energy{0});
  CHECK_FALSE(a.days[1].figures.self_sufficiency.has_value());
  CHECK(a.total.net == energy{3000});

  // bob: quarter-hours (c, p) = (500, 3000) and (800, 200): min sums to 700.
  const auto b = must(f.an().energy(f.bob, analytics_fixture::range("2025-06-14", "2025-06-15")));
  CHECK(b.total.consumed == energy{1300});
  CHECK(b.total.produced == energy{3200});
  CHECK(b.total.net == energy{-1900});
  CHECK(b.total.self_consumed == energy{700});
  CHECK(b.total.self_sufficiency == 0.5385);  // 700 / 1300
  CHECK(b.days[1].figures.self_sufficiency == 0.25);

  // The region (the operator): quarters (2500, 3000), (1000, 0), (800, 200).
  const auto r = must(f.an().energy(f.op, analytics_fixture::range("2025-06-14", "2025-06-15")));
  CHECK(r.header.scope == segs::analytics_scope::region);
  CHECK_FALSE(r.header.user_id.has_value());
  CHECK(r.days[0].figures.consumed == energy{3500});
  CHECK(r.days[0].figures.produced == energy{3000});
  CHECK(r.days[0].figures.self_consumed == energy{2500});
  CHECK(r.days[0].figures.self_sufficiency == 0.7143);  // 2500 / 3500
  CHECK(r.days[1].figures.self_sufficiency == 0.25);    // 200 / 800
  CHECK(r.total.consumed == energy{4300});
  CHECK(r.total.self_consumed == energy{2700});
  CHECK(r.total.self_sufficiency == 0.6279);  // 2700 / 4300
  CHECK(r.total.net == energy{1100});

  // The admin names the region (there are several).
  const auto all = must(f.an().energy(f.admin, analytics_fixture::range("2025-06-14", "2025-06-15", "north")));
  CHECK(all.total.consumed == energy{4300});
}

TEST_CASE("analytics: trading with savings against the tariff's import and export prices") {
  analytics_fixture f;
  f.readings();
  f.trades();
  const auto day = analytics_fixture::range("2025-06-15", "2025-06-15");

  // alice bought 1 kWh at 0.20 in an off-peak bucket (0.10) and 2 kWh at
  // 0.22 in a peak one (0.30): (0.10 - 0.20) x 1 + (0.30 - 0.22) x 2 = 0.06.
  const auto a = must(f.an().trading(f.alice, day));
  CHECK(a.total.bought == energy{3000});
  CHECK(a.total.sold == energy{0});
  CHECK(a.total.buy_trades == 2);
  CHECK(a.total.spent == M("0.64"));
  CHECK(a.total.average_buy_price == M("0.213333"));  // 0.64 / 3, half to even
  CHECK_FALSE(a.total.average_sell_price.has_value());
  CHECK(a.total.fees == M("0.03"));
  CHECK(a.total.savings == M("0.06"));
  CHECK(a.total.unpriced == energy{0});
  REQUIRE(a.days.size() == 1);
  CHECK(a.days[0].figures.savings == M("0.06"));

  // bob sold them against the export price 0.05: 0.15 x 1 + 0.17 x 2 = 0.49.
  const auto b = must(f.an().trading(f.bob, day));
  CHECK(b.total.sold == energy{3000});
  CHECK(b.total.sell_trades == 2);
  CHECK(b.total.earned == M("0.64"));
  CHECK(b.total.average_sell_price == M("0.213333"));
  CHECK(b.total.fees == M("0.03"));
  CHECK(b.total.savings == M("0.49"));

  // The region: both sides of every trade.
  const auto r = must(f.an().trading(f.op, day));
  CHECK(r.total.bought == energy{3000});
  CHECK(r.total.sold == energy{3000});
  CHECK(r.total.fees == M("0.06"));
  CHECK(r.total.savings == M("0.55"));

  // Outside the range: nothing.
  const auto before = must(f.an().trading(f.alice, analytics_fixture::range("2025-06-14", "2025-06-14")));
  CHECK(before.total.bought == energy{0});
  CHECK(before.total.savings == M("0"));
}

TEST_CASE("analytics: the market per day, with the bid-ask spread recorded at gate closure") {
  analytics_fixture f;
  f.readings();
  f.trades();
  // A user reads their region's market.
  const auto m = must(f.an().market(f.alice, analytics_fixture::range("2025-06-15", "2025-06-15")));
  CHECK(m.header.scope == segs::analytics_scope::region);
  const auto& t = m.total;
  CHECK(t.volume == energy{3000});
  CHECK(t.trade_count == 2);
  CHECK(t.vwap == M("0.213333"));
  CHECK(t.high == M("0.22"));
  CHECK(t.low == M("0.20"));
  CHECK(t.slots_closed == 2);
  CHECK(t.cleared_slots == 0);
  CHECK_FALSE(t.mean_clearing_price.has_value());
  CHECK(t.mean_spread_at_gate == M("0.13"));  // 0.28 - 0.15 at the 16:00 gate; the 17:00 book was empty
  CHECK(t.spread_slots == 1);
  CHECK(t.participants == 2);
  CHECK(m.days[0].figures.volume == energy{3000});
}

TEST_CASE("analytics: an epoch market's clearing price and its crossed book at gate closure") {
  analytics_fixture f;
  f.made("carol@example.org", "prosumer", "south");
  f.made("dave@example.org", "consumer", "south");
  const auto carol = f.as("carol@example.org");
  const auto dave = f.as("dave@example.org");
  segs::market_settings_update u;
  u.mechanism = segs::market_mechanism::epoch;
  REQUIRE(f.grid->market().configure(f.admin, "south", u).has_value());
  const auto slot = at("2025-06-15T16:00:00Z");
  f.order(carol, segs::order_side::sell, 1000, "0.18", slot);
  f.order(dave, segs::order_side::buy, 1000, "0.24", slot);
  f.advance(std::chrono::minutes{60});
  const auto due = f.grid->run_due_work();
  REQUIRE(due.has_value());
  std::optional<segs::money> price;
  for (const auto& c : due->gate_closures)
    if (c.region == "south") price = c.clearing_price;
  REQUIRE(price.has_value());
  f.relogin();
  const auto m = must(f.an().market(f.admin, analytics_fixture::range("2025-06-15", "2025-06-15", "south")));
  CHECK(m.total.cleared_slots == 1);
  CHECK(m.total.mean_clearing_price == price);
  CHECK(m.total.vwap == price);
  CHECK(m.total.mean_spread_at_gate == M("-0.06"));  // ask 0.18 - bid 0.24: the book crossed
  CHECK(m.total.volume == energy{1000});
}

TEST_CASE("analytics: financial figures per month and per day, with invoices and payments") {
  analytics_fixture f;
  f.readings();
  f.trades();
  const auto [inv, bob_inv] = f.june_invoices();

  const auto a = must(f.an().financial(f.alice, analytics_fixture::range("2025-06-01", "2025-07-01")));
  CHECK(a.group_by == segs::analytics_grouping::month);
  REQUIRE(a.periods.size() == 2);
  CHECK(a.periods[0].period == "2025-06");
  CHECK(a.periods[0].start == at("2025-06-01T00:00:00Z"));
  CHECK(a.periods[1].period == "2025-07");
  CHECK(a.periods[1].end == at("2025-07-02T00:00:00Z"));  // clipped to the range
  const auto& june = a.periods[0].figures;
  CHECK(june.spend == M("0.64"));
  CHECK(june.earnings == M("0"));
  CHECK(june.fees == M("0.03"));
  CHECK(june.imbalance == M("-0.08"));  // refunded 0.4 kWh at 0.20
  CHECK(june.net == M("-0.59"));        // 0 - 0.64 - 0.03 + 0.08
  CHECK(june.invoiced == M("0"));
  const auto& july = a.periods[1].figures;
  CHECK(july.invoiced == inv.total);
  CHECK(july.paid == M("10.00"));
  CHECK(july.outstanding == inv.total - M("10.00"));
  CHECK(a.total.net == M("-0.59"));
  CHECK(a.total.paid == M("10.00"));

  const auto b = must(f.an().financial(f.bob, analytics_fixture::range("2025-06-01", "2025-07-01")));
  CHECK(b.total.earnings == M("0.64"));
  CHECK(b.total.imbalance == M("0.08"));
  CHECK(b.total.net == M("0.53"));  // 0.64 - 0.03 - 0.08

  // The region by day: the trades on the 15th, the invoices on 1 July.
  const auto r = must(f.an().financial(f.op, analytics_fixture::range("2025-06-15", "2025-07-01"),
                                       segs::analytics_grouping::day));
  REQUIRE(r.periods.size() == 17);
  CHECK(r.periods[0].period == "2025-06-15");
  CHECK(r.periods[0].figures.spend == M("0.64"));
  CHECK(r.periods[0].figures.earnings == M("0.64"));
  CHECK(r.periods[0].figures.fees == M("0.06"));
  CHECK(r.periods[0].figures.imbalance == M("0"));
  CHECK(r.periods[16].figures.invoiced == inv.total + bob_inv.total);
  CHECK(r.periods[16].figures.paid == M("10.00"));
  CHECK(r.total.outstanding == inv.total + bob_inv.total - M("10.00"));
}

TEST_CASE("analytics: user analytics for operators and admins") {
  analytics_fixture f;
  f.made("carol@example.org", "prosumer", "south");
  (void)f.as("carol@example.org");
  const auto q = analytics_fixture::range("2025-06-01", "2025-06-15");

  // north: the admin, the operator, alice and bob, all created and signed
  // in on the 15th.
  const auto n = must(f.an().users(f.op, q));
  CHECK(n.header.region == "north");
  CHECK(n.regions == std::vector<std::string>{"north"});
  CHECK(n.total_users == 4);
  CHECK(n.registrations == 4);
  CHECK(n.active_users == 4);
  CHECK(n.by_role.at("consumer") == 1);
  CHECK(n.by_role.at("prosumer") == 1);
  CHECK(n.by_role.at("operator") == 1);
  CHECK(n.by_role.at("admin") == 1);
  CHECK(n.by_department.at("Engineering") == 4);
  CHECK(n.by_status.at("active") == 4);
  REQUIRE(n.days.size() == 15);
  CHECK(n.days[14].registrations == 4);
  CHECK(n.days[14].sign_ins == 4);
  CHECK(n.days[0].registrations == 0);

  // A suspended user is counted but not active.
  REQUIRE(f.id().suspend_user(f.admin, f.alice_user.id, "audit").has_value());
  const auto after = must(f.an().users(f.op, q));
  CHECK(after.active_users == 3);
  CHECK(after.by_status.at("suspended") == 1);

  // The admin without a region: every region.
  const auto all = must(f.an().users(f.admin, q));
  CHECK(all.header.region.empty());
  CHECK(all.by_region.at("north") == 4);
  CHECK(all.by_region.at("south") == 1);
  CHECK(all.total_users == 5);

  // Users may not; an operator only in their region.
  refused(f.an().users(f.alice, q), errc::forbidden);
  refused(f.an().users(f.op, analytics_fixture::range("2025-06-01", "2025-06-15", "south")), errc::forbidden, "region");
}

TEST_CASE("analytics: scope refusals and range validation") {
  analytics_fixture f;
  const auto q = analytics_fixture::range("2025-06-01", "2025-06-15");
  auto south = q;
  south.region = "south";
  // A user may not read another region, nor may an operator.
  refused(f.an().energy(f.alice, south), errc::forbidden, "region");
  refused(f.an().trading(f.alice, south), errc::forbidden, "region");
  refused(f.an().market(f.alice, south), errc::forbidden, "region");
  refused(f.an().financial(f.alice, south), errc::forbidden, "region");
  refused(f.an().energy(f.op, south), errc::forbidden, "region");
  // The admin reads any region, but must name one when there are several.
  CHECK(f.an().energy(f.admin, south).has_value());
  refused(f.an().energy(f.admin, q), errc::validation_error, "region");
  auto nowhere = q;
  nowhere.region = "atlantis";
  refused(f.an().energy(f.admin, nowhere), errc::not_found, "region");
  refused(f.an().energy(segs::principal::anonymous(), q), errc::unauthorized);
  // Ranges.
  refused(f.an().energy(f.alice, analytics_fixture::range("2025-06-15", "2025-06-01")), errc::validation_error, "from");
  refused(f.an().energy(f.alice, analytics_fixture::range("2024-06-01", "2025-06-15")), errc::validation_error, "to");
  CHECK(f.an().energy(f.alice, analytics_fixture::range("2024-06-15", "2025-06-15")).has_value());  // 366 days
  // Defaults: the 30 local days ending today.
  const auto d = must(f.an().energy(f.alice));
  CHECK(d.header.to == D("2025-06-15"));
  CHECK(d.header.from == D("2025-05-17"));
  CHECK(d.days.size() == 30);
}

TEST_CASE("analytics: local days of a non-UTC region across a DST change") {
  analytics_fixture f;
  const auto erik_user = f.made("erik@example.org", "consumer", "berlin");
  const auto erik = f.as("erik@example.org");
  f.meter("ERIK-1", "berlin", &erik_user);
  // Berlin moves to CEST at 02:00 on 30 March 2025: that local day is
  // [29 Mar 23:00Z, 30 Mar 22:00Z), 23 hours.
  f.ingest({{"ERIK-1", f.reading_at(at("2025-03-29T22:45:00Z"), 800), {}},    // 23:15-23:30 CET, the 29th
            {"ERIK-1", f.reading_at(at("2025-03-29T23:15:00Z"), 100), {}},    // 00:00-00:15 CET, the 30th
            {"ERIK-1", f.reading_at(at("2025-03-30T21:45:00Z"), 200), {}},    // 23:15-23:30 CEST, the 30th
            {"ERIK-1", f.reading_at(at("2025-03-30T22:15:00Z"), 400), {}}});  // 00:00-00:15 CEST, the 31st
  const auto e = must(f.an().energy(erik, analytics_fixture::range("2025-03-29", "2025-03-31")));
  CHECK(e.header.region == "berlin");
  CHECK(e.header.time_zone == "Europe/Berlin");
  REQUIRE(e.days.size() == 3);
  CHECK(e.days[0].start == at("2025-03-28T23:00:00Z"));
  CHECK(e.days[1].start == at("2025-03-29T23:00:00Z"));
  CHECK(e.days[1].end == at("2025-03-30T22:00:00Z"));
  CHECK(e.days[1].end - e.days[1].start == std::chrono::hours{23});
  CHECK(e.days[0].figures.consumed == energy{800});
  CHECK(e.days[1].figures.consumed == energy{300});
  CHECK(e.days[2].figures.consumed == energy{400});
  CHECK(e.total.consumed == energy{1500});
}

TEST_CASE("analytics: savings of an hour's slot spread over its quarter-hours, an override included") {
  analytics_fixture f;
  f.north_tariff(at("2025-06-01T00:00:00Z"));
  segs::market_settings_update u;
  u.slot_length = std::chrono::minutes{60};
  REQUIRE(f.grid->market().configure(f.admin, "north", u).has_value());
  // 16:30-17:00 costs 0.40 instead of the off-peak 0.10.
  segs::tariff_override o;
  o.region = "north";
  o.start = at("2025-06-15T16:30:00Z");
  o.end = at("2025-06-15T17:00:00Z");
  o.price_per_kwh = M("0.40");
  o.reason = "scarcity";
  REQUIRE(f.grid->tariffs().create_override(f.op, o).has_value());
  const auto slot = at("2025-06-15T16:00:00Z");
  f.order(f.bob, segs::order_side::sell, 1001, "0.20", slot);
  f.order(f.alice, segs::order_side::buy, 1001, "0.20", slot);
  const auto day = analytics_fixture::range("2025-06-15", "2025-06-15");
  // 1001 Wh over four quarter-hours: 251, 250, 250, 250 Wh. Bought:
  // (0.10 - 0.20) x (0.251 + 0.250) + (0.40 - 0.20) x (0.250 + 0.250) = 0.0499.
  const auto a = must(f.an().trading(f.alice, day));
  CHECK(a.total.bought == energy{1001});
  CHECK(a.total.savings == M("0.0499"));
  // Sold against the export price, whatever the override: (0.20 - 0.05) x 1.001.
  const auto b = must(f.an().trading(f.bob, day));
  CHECK(b.total.savings == M("0.15015"));
  CHECK(b.total.earned == M("0.2002"));
}
