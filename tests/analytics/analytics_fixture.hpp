// A grid for the analytics tests, built on billing's (region north in UTC,
// EUR, its peak/off-peak tariff from 1 June 2025; alice a consumer and bob a
// prosumer of north, an operator of north, an admin), with the figures of
// every report computed by hand in the comments.
//
// The clock starts on 15 June 2025 at 15:06:40 UTC.
//   Readings (a reading stamped t is the energy of the quarter-hour ending t):
//     14 June 10:00-10:15  alice consumes 2 kWh; bob consumes 0.5, produces 3
//     14 June 18:00-18:15  alice consumes 1 kWh
//     15 June 12:00-12:15  bob consumes 0.8, produces 0.2
//   Trades (continuous market, 0.01 per kWh fee on each side):
//     slot 15 June 16:00 (off-peak 0.10): bob sells alice 1 kWh at 0.20
//     slot 15 June 17:00 (peak 0.30):     bob sells alice 2 kWh at 0.22
//   Resting at the 16:00 gate (15:55): alice bids 0.15, bob asks 0.28.
//   Settlement of the 16:00 slot: bob delivered 0.6 kWh (0.4 short, at the
//   slot's highest price 0.20: bob is charged 0.08, alice refunded 0.08).
#pragma once

#include "billing/billing_fixture.hpp"

#include <segs/analytics.hpp>

#include <chrono>
#include <string>
#include <utility>

namespace segs_test {

inline std::chrono::year_month_day D(const char* s) { return segs::parse_iso_date(s).value(); }

struct analytics_fixture : billing_fixture {
  segs::meter alice_meter, bob_meter;
  segs::timestamp slot16 = at("2025-06-15T16:00:00Z");
  segs::timestamp slot17 = at("2025-06-15T17:00:00Z");

  segs::analytics_service& an() { return grid->analytics(); }

  static segs::analytics_query range(const char* from, const char* to, const char* region = nullptr) {
    segs::analytics_query q;
    q.from = D(from);
    q.to = D(to);
    if (region) q.region = region;
    return q;
  }

  void order(const segs::principal& who, segs::order_side side, std::int64_t wh, const char* price,
             segs::timestamp slot) {
    segs::order_spec o;
    o.side = side;
    o.quantity = segs::energy{wh};
    o.price = M(price);
    o.delivery_slot = slot;
    auto r = grid->market().submit(who, o);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  }

  /// The metering of the comment above.
  void readings() {
    north_tariff(at("2025-06-01T00:00:00Z"));
    alice_meter = meter("ALICE-1", "north", &alice_user);
    bob_meter = meter("BOB-1", "north", &bob_user);
    ingest({{"ALICE-1", reading_at(at("2025-06-14T10:15:00Z"), 2000), {}},
            {"BOB-1", reading_at(at("2025-06-14T10:15:00Z"), 500, 3000), {}},
            {"ALICE-1", reading_at(at("2025-06-14T18:15:00Z"), 1000), {}},
            {"BOB-1", reading_at(at("2025-06-15T12:15:00Z"), 800, 200), {}}});
  }

  /// The trades, the gates closing at 17:21:40, and the 16:00 settlement.
  void trades() {
    segs::market_settings_update u;
    u.fee_per_kwh = M("0.01");
    REQUIRE(grid->market().configure(admin, "north", u).has_value());
    using segs::order_side;
    order(bob, order_side::sell, 1000, "0.20", slot16);
    order(alice, order_side::buy, 1000, "0.20", slot16);
    order(bob, order_side::sell, 2000, "0.22", slot17);
    order(alice, order_side::buy, 2000, "0.22", slot17);
    order(alice, order_side::buy, 500, "0.15", slot16);
    order(bob, order_side::sell, 500, "0.28", slot16);
    advance(std::chrono::minutes{135});  // 17:21:40: both gates closed, 16:00 delivered
    REQUIRE(grid->run_due_work().has_value());
    relogin();
    auto s = grid->market().settle(op, "north", slot16, std::vector<segs::delivery>{{bob_user.id, segs::energy{600}}});
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  }

  /// On 1 July 2025 at 06:00 the operator generates north's June invoices
  /// and alice pays 10.00 of hers: alice's and bob's invoices.
  std::pair<segs::invoice, segs::invoice> june_invoices() {
    clock->set(at("2025-07-01T06:00:00Z"));
    relogin();
    REQUIRE(bill().generate(op, "2025-06", "north").has_value());
    auto mine = invoice_of(alice, "2025-06");
    segs::payment_request pay;
    pay.amount = M("10.00");
    REQUIRE(bill().pay(alice, mine.id, pay).has_value());
    return {mine, invoice_of(bob, "2025-06")};
  }
};

template <class T>
T must(segs::result<T> r) {
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message + " (" + r.error().field + ")"));
  return std::move(r).value();
}

template <class T>
void refused(const segs::result<T>& r, segs::errc code, const std::string& field = {}) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == code);
  if (!field.empty()) CHECK(r.error().field == field);
}

}  // namespace segs_test
