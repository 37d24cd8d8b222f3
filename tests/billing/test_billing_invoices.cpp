// Billing (issue 15) on every backend: an invoice computed by hand for a
// customer with time-of-use energy, a P2P purchase with a fee and an
// imbalance refund, and for the seller with export, a P2P sale, a fee and an
// imbalance charge; generation's idempotence and numbering; previews.
#include "billing/billing_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using segs::errc;
using segs::line_kind;

namespace {

// June 2025 in north (UTC), the clock starting on 15 June 15:06:40:
//   alice: 2 kWh in the 18:00 bucket of 2 June (peak), 4 kWh at 03:00 on
//     3 June (off-peak), 1.5 kWh in the 16:00 bucket of 15 June, when she
//     bought 1 kWh from bob at 0.20 of which bob delivered 0.6 kWh;
//   bob: 3 kWh produced at 12:00 on 4 June, 0.6 kWh in the 16:00 bucket.
// The market charges each side 0.01 per kWh traded.
struct june : billing_fixture {
  segs::meter alice_meter, bob_meter;
  segs::timestamp slot = at("2025-06-15T16:00:00Z");

  june() {
    north_tariff(at("2025-06-01T00:00:00Z"));
    alice_meter = meter("ALICE-1", "north", &alice_user);
    bob_meter = meter("BOB-1", "north", &bob_user);
    segs::market_settings_update u;
    u.fee_per_kwh = M("0.01");
    REQUIRE(grid->market().configure(admin, "north", u).has_value());
    segs::order_spec sell;
    sell.side = segs::order_side::sell;
    sell.quantity = segs::energy{1000};
    sell.price = M("0.20");
    sell.delivery_slot = slot;
    REQUIRE(grid->market().submit(bob, sell).has_value());
    auto buy = sell;
    buy.side = segs::order_side::buy;
    REQUIRE(grid->market().submit(alice, buy).has_value());
    advance(75min);  // 16:21:40: the slot has been delivered
    REQUIRE(grid->run_due_work().has_value());
    relogin();
    REQUIRE(grid->market().settle(op, "north", slot, std::vector<segs::delivery>{{bob_user.id, segs::energy{600}}})
                .has_value());
    ingest({{"ALICE-1", reading_at(at("2025-06-02T18:15:00Z"), 2000), {}},
            {"ALICE-1", reading_at(at("2025-06-03T03:15:00Z"), 4000), {}},
            {"ALICE-1", reading_at(at("2025-06-15T16:15:00Z"), 1500), {}},
            {"BOB-1", reading_at(at("2025-06-04T12:15:00Z"), 0, 3000), {}},
            {"BOB-1", reading_at(at("2025-06-15T16:15:00Z"), 0, 600), {}}});
  }

  void to_july() {
    clock->set(at("2025-07-01T06:00:00Z"));
    relogin();
  }
};

}  // namespace

TEST_CASE("billing: a month's invoices computed by hand, with TOU energy, export, P2P, fees and imbalance") {
  june f;
  f.to_july();
  // Due work packs the settled days: the invoices read them in that form
  // (the other cases read the quarter-hour rows).
  auto due = f.grid->run_due_work();
  REQUIRE(due.has_value());
  CHECK(due->days_packed >= 5);
  auto run = f.bill().generate(f.op, "2025-06", "north");
  REQUIRE_MESSAGE(run.has_value(), (run ? "" : run.error().message));
  CHECK(run->generated == 2);
  CHECK(run->skipped_existing == 0);
  CHECK(run->regions == std::vector<std::string>{"north"});
  CHECK(run->total_amount == M("69.27"));

  const auto a = f.invoice_of(f.alice, "2025-06");
  CHECK(a.number == "INV-NORTH-2025-000001");  // alice's meter came first
  CHECK(a.currency == "EUR");
  CHECK(a.cycle_start == at("2025-06-01T00:00:00Z"));
  CHECK(a.cycle_end == at("2025-07-01T00:00:00Z"));
  CHECK(a.due_at == a.issued_at + std::chrono::hours{24 * 14});
  CHECK(a.status == segs::invoice_status::issued);
  // peak: 2 kWh x 0.30
  REQUIRE(f.line(a, line_kind::energy, "peak"));
  CHECK(f.line(a, line_kind::energy, "peak")->amount == M("0.60"));
  CHECK(f.line(a, line_kind::energy, "peak")->quantity.value == 2000);
  CHECK(f.line(a, line_kind::energy, "peak")->unit_price == M("0.30"));
  // off-peak: 4 kWh + (1.5 - 0.6 delivered by the market) kWh, x 0.10
  REQUIRE(f.line(a, line_kind::energy, "off_peak"));
  CHECK(f.line(a, line_kind::energy, "off_peak")->quantity.value == 4900);
  CHECK(f.line(a, line_kind::energy, "off_peak")->amount == M("0.49"));
  // 30 days x 0.50
  REQUIRE(f.line(a, line_kind::fixed_charge));
  CHECK(f.line(a, line_kind::fixed_charge)->quantity.value == 30'000);
  CHECK(f.line(a, line_kind::fixed_charge)->amount == M("15.00"));
  // the highest bucket, 4 kWh in 15 minutes: 16 kW x 2.00
  REQUIRE(f.line(a, line_kind::demand_charge));
  CHECK(f.line(a, line_kind::demand_charge)->quantity.value == 16'000);
  CHECK(f.line(a, line_kind::demand_charge)->amount == M("32.00"));
  // the market: 1 kWh at 0.20, a fee of 0.01, 0.4 kWh refunded at 0.20
  REQUIRE(f.line(a, line_kind::p2p_purchase));
  CHECK(f.line(a, line_kind::p2p_purchase)->amount == M("0.20"));
  CHECK(f.line(a, line_kind::p2p_purchase)->unit_price == M("0.20"));
  CHECK(f.line(a, line_kind::market_fee)->amount == M("0.01"));
  CHECK(f.line(a, line_kind::imbalance_refund)->amount == M("-0.08"));
  CHECK(f.line(a, line_kind::imbalance_refund)->quantity.value == 400);
  CHECK_FALSE(f.line(a, line_kind::export_credit));
  // 10 % of 0.60 + 0.49 + 15.00 + 32.00 = 48.09 is 4.809 -> 4.81
  REQUIRE(f.line(a, line_kind::tax));
  CHECK(f.line(a, line_kind::tax)->quantity.value == 48'090);
  CHECK(f.line(a, line_kind::tax)->unit == "EUR");
  CHECK(f.line(a, line_kind::tax)->unit_price == M("0.1"));
  CHECK(a.tax == M("4.81"));
  CHECK(a.subtotal == M("48.22"));
  CHECK(a.total == M("53.03"));
  CHECK(a.amount_due == M("53.03"));
  CHECK(a.consumed.wh == 7500);
  CHECK(a.lines.back().kind == line_kind::tax);

  const auto b = f.invoice_of(f.bob, "2025-06");
  CHECK(b.number == "INV-NORTH-2025-000002");
  // 3 kWh exported x 0.05; the 0.6 kWh of the slot went to the market
  REQUIRE(f.line(b, line_kind::export_credit));
  CHECK(f.line(b, line_kind::export_credit)->quantity.value == 3000);
  CHECK(f.line(b, line_kind::export_credit)->amount == M("-0.15"));
  CHECK(f.line(b, line_kind::p2p_sale)->amount == M("-0.20"));
  CHECK(f.line(b, line_kind::market_fee)->amount == M("0.01"));
  CHECK(f.line(b, line_kind::imbalance_charge)->amount == M("0.08"));
  CHECK_FALSE(f.line(b, line_kind::energy, "peak"));
  CHECK_FALSE(f.line(b, line_kind::demand_charge));
  CHECK(b.tax == M("1.50"));
  CHECK(b.subtotal == M("14.74"));
  CHECK(b.total == M("16.24"));

  // Another customer's invoice does not exist for them.
  CHECK(f.bill().get(f.bob, a.id).error().code == errc::not_found);
  CHECK(f.bill().get(f.op, a.id).has_value());  // the region's operator
}

TEST_CASE("billing: generation is idempotent, numbers are gapless, and a cycle that has not ended is refused") {
  june f;
  auto early = f.bill().generate(f.op, "2025-06", "north");
  REQUIRE_FALSE(early.has_value());
  CHECK(early.error().code == errc::conflict);
  CHECK(early.error().field == "period");
  CHECK(f.bill().generate(f.alice, "2025-06", "north").error().code == errc::forbidden);
  CHECK(f.bill().generate(f.op, "2025-6", "north").error().field == "period");

  f.to_july();
  REQUIRE(f.bill().generate(f.op, "2025-06", "north").has_value());
  auto again = f.bill().generate(f.admin, "2025-06");
  REQUIRE(again.has_value());
  CHECK(again->generated == 0);
  CHECK(again->skipped_existing == 2);
  CHECK(again->total_amount == segs::money{});

  // The next month continues the year's numbers.
  f.clock->set(at("2025-08-01T06:00:00Z"));
  f.relogin();
  auto july = f.bill().generate(f.op, "2025-07", "north");
  REQUIRE(july.has_value());
  CHECK(july->generated == 2);  // they still hold their meters: the fixed charge
  CHECK(f.invoice_of(f.alice, "2025-07").number == "INV-NORTH-2025-000003");
  CHECK(f.invoice_of(f.bob, "2025-07").number == "INV-NORTH-2025-000004");
  CHECK(f.invoice_of(f.alice, "2025-07").total == M("17.05"));  // 31 x 0.50 + 10 %
}

TEST_CASE("billing: the current cycle and its projection") {
  june f;
  auto now = f.bill().current_cycle(f.alice);
  REQUIRE_MESSAGE(now.has_value(), (now ? "" : now.error().message));
  CHECK(now->period == "2025-06");
  CHECK(now->days_total == 30);
  CHECK(now->days_elapsed == 15);
  CHECK_FALSE(now->projected);
  CHECK(now->consumed.wh == 7500);
  REQUIRE(f.line(now->lines, line_kind::fixed_charge));
  CHECK(f.line(now->lines, line_kind::fixed_charge)->amount == M("7.50"));
  auto est = f.bill().estimate(f.alice);
  REQUIRE(est.has_value());
  CHECK(est->projected);
  // energy x 30 / 15; the fixed charge for 30 days; demand as it stands
  CHECK(f.line(est->lines, line_kind::energy, "peak")->amount == M("1.20"));
  CHECK(f.line(est->lines, line_kind::fixed_charge)->amount == M("15.00"));
  CHECK(f.line(est->lines, line_kind::demand_charge)->amount == M("32.00"));
}

TEST_CASE("billing: a month with a 25-hour day in Europe/Berlin") {
  billing_fixture f;
  const auto carol_user = f.made("carol@example.org", "consumer", "berlin");
  segs::tariff t;
  t.region = "berlin";
  t.name = "Night peak";
  t.effective_from = at("2025-09-30T22:00:00Z");  // 1 October, local midnight
  t.periods = {{"peak", M("0.30")}, {"off_peak", M("0.10")}};
  using segs::day_kind;
  t.schedule = {{"peak",
                 {day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri, day_kind::sat,
                  day_kind::sun, day_kind::holiday},
                 2h,
                 3h,
                 {}}};
  t.default_period = "off_peak";
  t.fixed_charge_per_day = M("0.50");
  t.demand_charge_per_kw = M("2.00");
  t.tax_percent = segs::ten_thousandths{100'000};
  f.clock->set(at("2025-09-30T12:00:00Z"));
  f.relogin();
  REQUIRE(f.grid->tariffs().create(f.admin, t).has_value());
  f.meter("CAROL-1", "berlin", &carol_user);
  f.clock->set(at("2025-10-31T12:00:00Z"));
  // 02:00-02:15 local on 26 October happens twice: 00:00Z (CEST) and 01:00Z (CET).
  f.ingest({{"CAROL-1", f.reading_at(at("2025-10-26T00:15:00Z"), 1000), {}},
            {"CAROL-1", f.reading_at(at("2025-10-26T01:15:00Z"), 1000), {}},
            {"CAROL-1", f.reading_at(at("2025-10-10T10:15:00Z"), 1000), {}}});
  f.clock->set(at("2025-11-01T00:00:00Z"));  // 01:00 local: the cycle has ended
  f.relogin();
  auto run = f.bill().generate(f.admin, "2025-10", "berlin");
  REQUIRE_MESSAGE(run.has_value(), (run ? "" : run.error().message));
  CHECK(run->generated == 1);
  const auto carol = f.as("carol@example.org");
  const auto i = f.invoice_of(carol, "2025-10");
  CHECK(i.number == "INV-BERLIN-2025-000001");
  CHECK(i.cycle_start == at("2025-09-30T22:00:00Z"));
  CHECK(i.cycle_end == at("2025-10-31T23:00:00Z"));  // 31 days and an hour
  REQUIRE(f.line(i, line_kind::energy, "peak"));
  CHECK(f.line(i, line_kind::energy, "peak")->quantity.value == 2000);  // both 02:00s
  CHECK(f.line(i, line_kind::energy, "peak")->amount == M("0.60"));
  CHECK(f.line(i, line_kind::energy, "off_peak")->amount == M("0.10"));
  CHECK(f.line(i, line_kind::fixed_charge)->quantity.value == 31'000);
  CHECK(f.line(i, line_kind::fixed_charge)->amount == M("15.50"));
  CHECK(f.line(i, line_kind::demand_charge)->amount == M("8.00"));  // 1 kWh in 15 minutes: 4 kW
  CHECK(i.tax == M("2.42"));
  CHECK(i.total == M("26.62"));
}
