// A grid with meters, a tariff and a market in region north (UTC, EUR) for
// the billing tests: alice (consumer) and bob (prosumer) each hold a meter.
#pragma once

#include "telemetry/telemetry_fixture.hpp"

#include <segs/billing.hpp>
#include <segs/market.hpp>
#include <segs/tariffs.hpp>

#include <chrono>

namespace segs_test {

using namespace std::chrono_literals;

inline segs::money M(const char* s) { return segs::money::parse(s).value(); }

struct billing_fixture : telemetry_fixture {
  billing_fixture() = default;
  explicit billing_fixture(void (*tweak)(segs::options&)) : telemetry_fixture(tweak) {}

  segs::billing_service& bill() { return grid->billing(); }

  /// Signs everyone in again (tokens expire when the clock moves far).
  void relogin() {
    admin = as("admin@example.org");
    op = as("op@example.org");
    alice = as("alice@example.org");
    bob = as("bob@example.org");
  }

  /// north's tariff from `from`: peak 17:00-21:00 every day at 0.30,
  /// off_peak 0.10; 0.50 a day; export 0.05; demand 2.00 per kW; 10 % tax.
  segs::tariff north_tariff(segs::timestamp from, const char* region = "north") {
    segs::tariff t;
    t.region = region;
    t.name = "North TOU";
    t.effective_from = from;
    t.periods = {{"peak", M("0.30")}, {"off_peak", M("0.10")}};
    using segs::day_kind;
    t.schedule = {{"peak",
                   {day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri, day_kind::sat,
                    day_kind::sun, day_kind::holiday},
                   17h,
                   21h,
                   {}}};
    t.default_period = "off_peak";
    t.fixed_charge_per_day = M("0.50");
    t.export_price_per_kwh = M("0.05");
    t.demand_charge_per_kw = M("2.00");
    t.tax_percent = segs::ten_thousandths{100'000};
    auto r = grid->tariffs().create(admin, t);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    return *r;
  }

  const segs::invoice_line* line(const segs::invoice& i, segs::line_kind k, const char* period = nullptr) {
    return line(i.lines, k, period);
  }
  const segs::invoice_line* line(const std::vector<segs::invoice_line>& lines, segs::line_kind k,
                                 const char* period = nullptr) {
    for (const auto& l : lines)
      if (l.kind == k && (!period || (l.period && *l.period == period))) return &l;
    return nullptr;
  }

  segs::invoice invoice_of(const segs::principal& who, const char* period) {
    segs::invoice_query q;
    q.period = period;
    auto page = bill().invoices(who, q);
    REQUIRE_MESSAGE(page.has_value(), (page ? "" : page.error().message));
    REQUIRE(page->items.size() == 1);
    return page->items.front();
  }
};

}  // namespace segs_test
