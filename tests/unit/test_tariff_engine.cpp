// The tariff pricing engine (src/tariffs/): named cases with values worked
// out by hand, and randomized comparison with a reference pricer written
// plainly below (one time zone conversion per bucket, the rules walked in
// order, overrides by linear scan).
#include "core/time_zone.hpp"

#include <segs/tariffs.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono;
using namespace std::chrono_literals;
using segs::bill;
using segs::bucket_usage;
using segs::day_kind;
using segs::energy;
using segs::money;
using segs::tariff;
using segs::tariff_override;
using segs::tariff_pricer;
using segs::timestamp;

namespace {

constexpr microseconds quarter = 15min;
const std::vector<day_kind> every_day{day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu,
                                      day_kind::fri, day_kind::sat, day_kind::sun, day_kind::holiday};
const std::vector<day_kind> weekdays{day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri};

money M(const char* s) { return money::parse(s).value(); }
timestamp T(const char* s) { return segs::parse_rfc3339(s).value(); }
std::string S(timestamp t) { return segs::to_rfc3339(t); }
segs::uuid id_of(std::uint8_t n) {
  segs::uuid u;
  u.bytes[15] = n;
  return u;
}

tariff base_tariff() {
  tariff t;
  t.region = "north";
  t.name = "test";
  t.currency = "EUR";
  t.effective_from = T("2025-01-01T00:00:00Z");
  return t;
}

tariff_pricer compiled(const tariff& t, const char* zone = "Europe/Berlin",
                       std::vector<tariff_override> ovs = {}, int minor = 2) {
  auto p = tariff_pricer::compile(t, zone, ovs, minor);
  REQUIRE_MESSAGE(p.has_value(), (p.has_value() ? "" : p.error().message));
  return std::move(p).value();
}

std::string period_at(const tariff_pricer& p, const char* at) { return std::string(p.price_at(T(at)).value().period); }

template <class R>
std::string field_of(const R& r) {
  if (r.has_value()) return "(no error)";
  CHECK(r.error().code == segs::errc::validation_error);
  return r.error().field;
}

std::string show(const bill& b) {
  std::string s;
  for (const auto& l : b.by_period) s += l.period + ":" + std::to_string(l.consumed.wh) + ":" + l.amount.to_string() + " ";
  s += "| energy " + b.energy_charge.to_string() + " | tiers ";
  for (const auto& l : b.tiers)
    s += (l.up_to ? std::to_string(l.up_to->wh) : "-") + ":" + std::to_string(l.consumed.wh) + ":" +
         l.adder_per_kwh.to_string() + ":" + l.amount.to_string() + " ";
  s += "| tier " + b.tier_charge.to_string() + " | days " + std::to_string(b.days) + " fixed " +
       b.fixed_charge.to_string() + " | peak " + std::to_string(b.peak_consumed.wh) + " at " +
       (b.peak_at ? S(*b.peak_at) : "-") + " demand " + b.demand_charge.to_string() + " | exported " +
       std::to_string(b.exported.wh) + " credit " + b.export_credit.to_string() + " | taxable " +
       b.taxable.to_string() + " tax " + b.tax.to_string() + " total " + b.total.to_string();
  return s;
}

}  // namespace

TEST_CASE("tariffs: names of days and ten_thousandths") {
  CHECK(segs::to_string(day_kind::holiday) == "holiday");
  CHECK(segs::parse_day_kind("fri").value() == day_kind::fri);
  CHECK(field_of(segs::parse_day_kind("friday", "schedule[0].days")) == "schedule[0].days");
  CHECK(segs::ten_thousandths::parse("19.5", "tax_percent").value().value == 195000);
  CHECK(segs::ten_thousandths::parse("1.2345", "multiplier").value().value == 12345);
  CHECK(field_of(segs::ten_thousandths::parse("1.23456", "multiplier")) == "multiplier");
  CHECK(segs::ten_thousandths{195000}.to_string() == "19.5");
  CHECK(segs::ten_thousandths{12500}.to_string() == "1.25");
}

TEST_CASE("tariffs: validation names the member") {
  auto good = base_tariff();
  good.periods = {{"peak", M("0.32")}, {"off_peak", M("0.12")}, {"night", M("0.08")}};
  good.schedule = {{"peak", weekdays, 17h, 21h, {}},
                   {"night", every_day, 22h, 6h, {}},
                   {"off_peak", {day_kind::sat}, 8h, 24h, {1, 12}}};
  good.default_period = "off_peak";
  good.tiers = {{energy{100'000}, M("0")}, {energy{200'000}, M("0.02")}, {std::nullopt, M("0.05")}};
  REQUIRE(segs::validate(good).has_value());

  auto bad = [&](auto change) {
    auto t = good;
    change(t);
    return field_of(segs::validate(t));
  };
  CHECK(bad([](tariff& t) { t.name = ""; }) == "name");
  CHECK(bad([](tariff& t) { t.name = std::string(101, 'x'); }) == "name");
  CHECK(bad([](tariff& t) { t.name = std::string(100, 'x'); }) == "(no error)");
  CHECK(bad([](tariff& t) { t.periods.clear(); }) == "periods");
  CHECK(bad([](tariff& t) { t.periods[0].name = "Peak"; }) == "periods[0].name");
  CHECK(bad([](tariff& t) { t.periods[1].name = "peak"; }) == "periods[1].name");
  CHECK(bad([](tariff& t) { t.periods[2].price_per_kwh = money{-1}; }) == "periods[2].price_per_kwh");
  CHECK(bad([](tariff& t) { t.schedule[1].start = 22h + 10min; }) == "schedule[1].start");
  CHECK(bad([](tariff& t) { t.schedule[1].start = 24h; }) == "schedule[1].start");
  CHECK(bad([](tariff& t) { t.schedule[1].end = 24h + 15min; }) == "schedule[1].end");
  CHECK(bad([](tariff& t) { t.schedule[1].end = 0min; }) == "schedule[1].end");
  CHECK(bad([](tariff& t) { t.schedule[1].end = 22h; }) == "schedule[1].end");
  CHECK(bad([](tariff& t) { t.schedule[1].days.clear(); }) == "schedule[1].days");
  CHECK(bad([](tariff& t) { t.schedule[2].period = "evening"; }) == "schedule[2].period");
  CHECK(bad([](tariff& t) { t.schedule[2].months = {13}; }) == "schedule[2].months");
  CHECK(bad([](tariff& t) { t.schedule[2].months = {1, 1}; }) == "schedule[2].months");
  CHECK(bad([](tariff& t) { t.default_period = ""; }) == "default_period");
  CHECK(bad([](tariff& t) { t.default_period = "evening"; }) == "default_period");
  CHECK(bad([](tariff& t) { t.holidays = {2026y / 2 / 30}; }) == "holidays[0]");
  CHECK(bad([](tariff& t) { t.tiers[1].up_to = energy{100'000}; }) == "tiers[1].up_to");
  CHECK(bad([](tariff& t) { t.tiers[0].up_to = energy{0}; }) == "tiers[0].up_to");
  CHECK(bad([](tariff& t) { t.tiers[2].up_to = energy{300'000}; }) == "tiers[2].up_to");
  CHECK(bad([](tariff& t) { t.tiers[1].up_to.reset(); }) == "tiers[1].up_to");
  CHECK(bad([](tariff& t) { t.fixed_charge_per_day = money{-1}; }) == "fixed_charge_per_day");
  CHECK(bad([](tariff& t) { t.demand_charge_per_kw = money{-1}; }) == "demand_charge_per_kw");
  CHECK(bad([](tariff& t) { t.export_price_per_kwh = money{-1}; }) == "export_price_per_kwh");
  CHECK(bad([](tariff& t) { t.tax_percent = segs::ten_thousandths{1'000'001}; }) == "tax_percent");
  CHECK(bad([](tariff& t) { t.tax_percent = segs::ten_thousandths{1'000'000}; }) == "(no error)");
  CHECK(bad([](tariff& t) { t.effective_from += 1min; }) == "effective_from");
  CHECK(bad([](tariff& t) { t.effective_to = t.effective_from; }) == "effective_to");
  CHECK(bad([](tariff& t) { t.effective_to = t.effective_from + 1h + 1s; }) == "effective_to");

  tariff_override o;
  o.region = "north";
  o.start = T("2026-01-01T10:00:00Z");
  o.end = T("2026-01-01T11:00:00Z");
  o.multiplier = segs::ten_thousandths{15000};
  REQUIRE(segs::validate(o).has_value());
  auto bad_o = [&](auto change) {
    auto x = o;
    change(x);
    return field_of(segs::validate(x));
  };
  CHECK(bad_o([](tariff_override& x) { x.price_per_kwh = M("0.1"); }) == "price_per_kwh");
  CHECK(bad_o([](tariff_override& x) { x.multiplier.reset(); }) == "price_per_kwh");
  CHECK(bad_o([](tariff_override& x) { x.multiplier = segs::ten_thousandths{100'001}; }) == "multiplier");
  CHECK(bad_o([](tariff_override& x) {
          x.multiplier.reset();
          x.price_per_kwh = money{-1};
        }) == "price_per_kwh");
  CHECK(bad_o([](tariff_override& x) { x.start += 1min; }) == "start");
  CHECK(bad_o([](tariff_override& x) { x.end -= 1min; }) == "end");
  CHECK(bad_o([](tariff_override& x) { x.end = x.start; }) == "end");
  CHECK(bad_o([](tariff_override& x) { x.reason = std::string(501, 'r'); }) == "reason");

  CHECK(field_of(tariff_pricer::compile(good, "Mars/Olympus_Mons")) == "time_zone");
  auto broken = good;
  broken.schedule[1].start = 22h + 5min;
  CHECK(field_of(tariff_pricer::compile(broken, "Europe/Berlin")) == "schedule[1].start");
  auto both = o;
  both.price_per_kwh = M("0.1");
  CHECK(field_of(tariff_pricer::compile(good, "Europe/Berlin", std::vector{o, both})) == "overrides[1].price_per_kwh");
  both.region = "south";  // another region's override is not this tariff's concern
  CHECK(tariff_pricer::compile(good, "Europe/Berlin", std::vector{o, both}).has_value());
}

TEST_CASE("tariffs: 25- and 23-hour days price each bucket by its own wall time") {
  auto t = base_tariff();
  t.periods = {{"night", M("0.10")}, {"two", M("0.50")}, {"three", M("0.30")}};
  t.schedule = {{"two", every_day, 2h, 3h, {}}, {"three", every_day, 3h, 4h, {}}};
  t.default_period = "night";
  const auto p = compiled(t);

  // Berlin falls back 2026-10-25 03:00 CEST -> 02:00 CET: 02:00-03:00 occurs
  // twice (00:00Z-01:00Z and 01:00Z-02:00Z), both priced by the 02:00 rule.
  const auto from = T("2026-10-24T22:00:00Z");
  const auto to = T("2026-10-25T23:00:00Z");
  std::vector<std::uint16_t> periods(100);
  std::vector<money> prices(100);
  REQUIRE(p.price_buckets(from, to, periods, prices).has_value());
  for (std::size_t i = 0; i < 100; ++i) {
    CAPTURE(i);
    const std::uint16_t want = (i >= 8 && i < 16) ? 1 : (i >= 16 && i < 20) ? 2 : 0;
    CHECK(periods[i] == want);
  }
  CHECK(prices[8] == M("0.50"));
  CHECK(prices[15] == M("0.50"));
  auto spans = p.price_series(from, to).value();
  REQUIRE(spans.size() == 4);
  CHECK(S(spans[1].start) == "2026-10-25T00:00:00Z");
  CHECK(S(spans[1].end) == "2026-10-25T02:00:00Z");
  CHECK(spans[1].period == "two");
  CHECK(S(spans[2].end) == "2026-10-25T03:00:00Z");
  CHECK(spans[2].period == "three");
  CHECK(period_at(p, "2026-10-25T00:45:00Z") == "two");  // 02:45 CEST
  CHECK(period_at(p, "2026-10-25T01:00:00Z") == "two");  // 02:00 CET
  CHECK(period_at(p, "2026-10-25T02:00:00Z") == "three");

  // Spring forward 2026-03-29 02:00 CET -> 03:00 CEST: 92 buckets, no 02:xx.
  const auto f2 = T("2026-03-28T23:00:00Z");
  const auto t2 = T("2026-03-29T22:00:00Z");
  CHECK((t2 - f2) / quarter == 92);
  periods.assign(92, 9);
  prices.assign(92, money{});
  REQUIRE(p.price_buckets(f2, t2, periods, prices).has_value());
  CHECK(std::count(periods.begin(), periods.end(), std::uint16_t{1}) == 0);
  CHECK(std::count(periods.begin(), periods.end(), std::uint16_t{2}) == 4);
  CHECK(period_at(p, "2026-03-29T00:45:00Z") == "night");  // 01:45 CET
  CHECK(period_at(p, "2026-03-29T01:00:00Z") == "three");  // 03:00 CEST
  CHECK(field_of(p.price_buckets(f2, t2, std::span(periods).first(91), prices)) == "periods");
}

TEST_CASE("tariffs: Lord Howe's half-hour shift keeps wall slots on the grid") {
  auto t = base_tariff();
  t.periods = {{"off", M("0.10")}, {"early", M("0.20")}};
  t.schedule = {{"early", every_day, 1h + 30min, 2h + 15min, {}}};
  t.default_period = "off";
  const auto p = compiled(t, "Australia/Lord_Howe");
  // 2026-04-05 02:00 (+11) -> 01:30 (+10:30): 01:30-02:00 occurs twice.
  // 01:30 +11 is 14:30Z the day before; the repeat 01:30 +10:30 is 15:00Z.
  CHECK(period_at(p, "2026-04-04T14:15:00Z") == "off");    // 01:15 +11
  CHECK(period_at(p, "2026-04-04T14:30:00Z") == "early");  // 01:30 +11
  CHECK(period_at(p, "2026-04-04T14:45:00Z") == "early");  // 01:45 +11
  CHECK(period_at(p, "2026-04-04T15:00:00Z") == "early");  // 01:30 +10:30
  CHECK(period_at(p, "2026-04-04T15:30:00Z") == "early");  // 02:00 +10:30
  CHECK(period_at(p, "2026-04-04T15:45:00Z") == "off");    // 02:15 +10:30
  const auto spans = p.price_series(T("2026-04-04T13:30:00Z"), T("2026-04-04T16:30:00Z")).value();
  REQUIRE(spans.size() == 3);
  CHECK(S(spans[1].start) == "2026-04-04T14:30:00Z");
  CHECK(S(spans[1].end) == "2026-04-04T15:45:00Z");
}

TEST_CASE("tariffs: a rule that wraps midnight is matched on the day and month its window began") {
  auto t = base_tariff();
  t.periods = {{"day", M("0.20")}, {"night", M("0.10")}};
  t.schedule = {{"night", {day_kind::fri}, 22h, 6h, {7}}};
  t.default_period = "day";
  const auto july = compiled(t);
  // 2026-07-31 is a Friday, the last of July; Berlin is at +2.
  CHECK(period_at(july, "2026-07-31T19:45:00Z") == "day");    // Fri 21:45
  CHECK(period_at(july, "2026-07-31T20:00:00Z") == "night");  // Fri 22:00
  CHECK(period_at(july, "2026-07-31T22:00:00Z") == "night");  // Sat 1 Aug 00:00: July's Friday
  CHECK(period_at(july, "2026-08-01T03:45:00Z") == "night");  // Sat 05:45
  CHECK(period_at(july, "2026-08-01T04:00:00Z") == "day");    // Sat 06:00
  CHECK(period_at(july, "2026-07-30T20:00:00Z") == "day");    // Thu 22:00
  CHECK(period_at(july, "2026-08-07T20:00:00Z") == "day");    // Fri 7 Aug: not July
  CHECK(period_at(july, "2026-08-08T00:00:00Z") == "day");    // Sat 8 Aug 02:00

  t.schedule[0].months = {8};
  const auto august = compiled(t);
  CHECK(period_at(august, "2026-07-31T22:00:00Z") == "day");    // Sat 1 Aug 00:00: Friday was July
  CHECK(period_at(august, "2026-08-01T00:00:00Z") == "day");    // Sat 1 Aug 02:00
  CHECK(period_at(august, "2026-08-07T20:00:00Z") == "night");  // Fri 7 Aug 22:00
  CHECK(period_at(august, "2026-08-08T03:45:00Z") == "night");  // Sat 8 Aug 05:45
  CHECK(period_at(august, "2026-08-08T04:00:00Z") == "day");
}

TEST_CASE("tariffs: a holiday on a weekday is a holiday, not its weekday") {
  auto t = base_tariff();
  t.periods = {{"peak", M("0.30")}, {"off", M("0.10")}, {"special", M("0.05")}};
  t.schedule = {{"special", {day_kind::holiday}, 10h, 12h, {}}, {"peak", weekdays, 8h, 20h, {}}};
  t.default_period = "off";
  t.holidays = {2026y / 12 / 25};  // a Friday
  const auto p = compiled(t);       // Berlin at +1
  CHECK(period_at(p, "2026-12-24T11:00:00Z") == "peak");     // Thu 12:00
  CHECK(period_at(p, "2026-12-25T11:00:00Z") == "off");      // Fri 12:00, a holiday
  CHECK(period_at(p, "2026-12-25T09:00:00Z") == "special");  // Fri 10:00
  CHECK(period_at(p, "2026-12-26T09:00:00Z") == "off");      // Sat 10:00
  CHECK(period_at(p, "2026-12-28T09:00:00Z") == "peak");     // Mon 10:00
}

TEST_CASE("tariffs: overrides across a period change, the most recent winning") {
  auto t = base_tariff();
  t.periods = {{"peak", M("0.32")}, {"off", M("0.12")}};
  t.schedule = {{"peak", every_day, 17h, 21h, {}}};
  t.default_period = "off";
  std::vector<tariff_override> ovs(4);
  ovs[0].id = id_of(1);  // x1.5 over 16:00-18:00 local (Berlin at +1)
  ovs[0].start = T("2026-01-14T15:00:00Z");
  ovs[0].end = T("2026-01-14T17:00:00Z");
  ovs[0].multiplier = segs::ten_thousandths{15000};
  ovs[0].created_at = T("2026-01-01T00:00:00Z");
  ovs[1].id = id_of(4);  // 0.05 over 17:30-18:30, created later
  ovs[1].start = T("2026-01-14T16:30:00Z");
  ovs[1].end = T("2026-01-14T17:30:00Z");
  ovs[1].price_per_kwh = M("0.05");
  ovs[1].created_at = T("2026-01-02T00:00:00Z");
  ovs[2] = ovs[1];  // created at the same instant, a lower id: loses the tie
  ovs[2].id = id_of(3);
  ovs[2].price_per_kwh = M("0.99");
  ovs[3] = ovs[1];  // another region's, created last: ignored
  ovs[3].id = id_of(9);
  ovs[3].region = "south";
  ovs[3].price_per_kwh = M("0.77");
  ovs[3].created_at = T("2026-01-03T00:00:00Z");
  for (auto& o : ovs)
    if (o.region.empty()) o.region = "north";
  const auto p = compiled(t, "Europe/Berlin", ovs);

  const auto spans = p.price_series(T("2026-01-14T14:00:00Z"), T("2026-01-14T21:00:00Z")).value();
  REQUIRE(spans.size() == 6);
  struct want {
    const char* start;
    const char* period;
    const char* price;
    int ov;
  };
  const want w[] = {{"2026-01-14T14:00:00Z", "off", "0.12", 0},  {"2026-01-14T15:00:00Z", "off", "0.18", 1},
                    {"2026-01-14T16:00:00Z", "peak", "0.48", 1}, {"2026-01-14T16:30:00Z", "peak", "0.05", 4},
                    {"2026-01-14T17:30:00Z", "peak", "0.32", 0}, {"2026-01-14T20:00:00Z", "off", "0.12", 0}};
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(S(spans[i].start) == w[i].start);
    CHECK(spans[i].period == w[i].period);
    CHECK(spans[i].effective_price_per_kwh == M(w[i].price));
    CHECK(spans[i].override_id == (w[i].ov ? std::optional(id_of(static_cast<std::uint8_t>(w[i].ov))) : std::nullopt));
  }
  CHECK(spans[2].price_per_kwh == M("0.32"));
  CHECK(S(spans[5].end) == "2026-01-14T21:00:00Z");

  // A multiplied price rounds half to even to a micro-unit.
  t.periods = {{"peak", M("0.123457")}, {"off", M("0.123455")}};
  const auto r = compiled(t, "Europe/Berlin", ovs);
  CHECK(r.price_at(T("2026-01-14T16:00:00Z")).value().effective_price_per_kwh == M("0.185186"));  // 0.1851855
  CHECK(r.price_at(T("2026-01-14T15:00:00Z")).value().effective_price_per_kwh == M("0.185182"));  // 0.1851825
}

TEST_CASE("tariffs: the effective range bounds every call") {
  auto t = base_tariff();
  t.periods = {{"flat", M("0.2")}};
  t.default_period = "flat";
  t.effective_from = T("2026-01-01T00:00:00Z");
  t.effective_to = T("2026-02-01T00:00:00Z");
  const auto p = compiled(t);
  CHECK(p.price_at(T("2026-01-01T00:00:00Z")).value().period == "flat");
  CHECK(p.price_at(T("2026-01-31T23:45:00Z")).has_value());
  CHECK(field_of(p.price_at(T("2025-12-31T23:45:00Z"))) == "bucket_start");
  CHECK(field_of(p.price_at(T("2026-02-01T00:00:00Z"))) == "bucket_start");
  CHECK(field_of(p.price_at(T("2026-01-01T00:07:00Z"))) == "bucket_start");
  CHECK(field_of(p.price_series(T("2025-12-31T23:45:00Z"), T("2026-01-02T00:00:00Z"))) == "from");
  CHECK(field_of(p.price_series(T("2026-01-01T00:00:00Z"), T("2026-02-01T00:15:00Z"))) == "to");
  CHECK(field_of(p.price_series(T("2026-01-01T00:00:00Z"), T("2026-01-01T00:20:00Z"))) == "to");
  CHECK(field_of(p.price_series(T("2026-01-02T00:00:00Z"), T("2026-01-01T00:00:00Z"))) == "to");
  CHECK(p.price_series(T("2026-01-01T00:00:00Z"), T("2026-02-01T00:00:00Z")).value().size() == 1);
  CHECK(p.price_series(T("2026-01-05T00:00:00Z"), T("2026-01-05T00:00:00Z")).value().empty());

  const auto from = T("2026-01-05T00:00:00Z");
  const auto to = T("2026-01-06T00:00:00Z");
  std::vector<bucket_usage> u{{T("2026-01-06T00:00:00Z"), energy{1}, energy{0}}};
  CHECK(field_of(p.cost(from, to, u)) == "usage[0].start");
  u = {{from, energy{1}, energy{0}}, {from, energy{1}, energy{0}}};
  CHECK(field_of(p.cost(from, to, u)) == "usage[1].start");
  u = {{from + 1min, energy{1}, energy{0}}};
  CHECK(field_of(p.cost(from, to, u)) == "usage[0].start");
  u = {{from, energy{-1}, energy{0}}};
  CHECK(field_of(p.cost(from, to, u)) == "usage[0].consumed");
  u = {{from, energy{0}, energy{-1}}};
  CHECK(field_of(p.cost(from, to, u)) == "usage[0].produced");
}

TEST_CASE("tariffs: a demand-only tariff charges the highest quarter-hour") {
  auto t = base_tariff();
  t.periods = {{"flat", M("0")}};
  t.default_period = "flat";
  t.demand_charge_per_kw = M("12.50");
  t.tax_percent = segs::ten_thousandths{190000};
  const auto p = compiled(t, "UTC");
  const std::vector<bucket_usage> u{{T("2026-01-05T00:00:00Z"), energy{1000}, energy{0}},
                                    {T("2026-01-05T00:15:00Z"), energy{1234}, energy{0}},
                                    {T("2026-01-05T00:30:00Z"), energy{500}, energy{0}},
                                    {T("2026-01-05T01:00:00Z"), energy{1234}, energy{0}}};
  const auto b = p.cost(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"), u).value();
  // 1234 Wh in 0.25 h = 4.936 kW x 12.50 = 61.70; tax 19 % = 11.723.
  CHECK(b.peak_consumed.wh == 1234);
  CHECK(S(*b.peak_at) == "2026-01-05T00:15:00Z");
  CHECK(b.demand_charge == M("61.70"));
  REQUIRE(b.by_period.size() == 1);
  CHECK(b.by_period[0].consumed.wh == 3968);
  CHECK(b.by_period[0].amount == M("0"));
  CHECK(b.days == 1);
  CHECK(b.taxable == M("61.70"));
  CHECK(b.tax == M("11.72"));
  CHECK(b.total == M("73.42"));

  const auto none = p.cost(T("2026-01-05T00:00:00Z"), T("2026-01-05T00:00:00Z"), {}).value();
  CHECK_FALSE(none.peak_at.has_value());
  CHECK(none.days == 0);
  CHECK(none.total == M("0"));
}

TEST_CASE("tariffs: tier boundaries inside a day and inside a bucket") {
  auto t = base_tariff();
  t.periods = {{"flat", M("0.20")}};
  t.default_period = "flat";
  t.tiers = {{energy{10'000}, M("0.02")}, {energy{20'000}, M("0.05")}, {std::nullopt, M("0.10")}};
  const auto p = compiled(t, "UTC");
  // Running totals 3000, 7000, 11500 (crosses 10 kWh), 20500 (crosses 20 kWh).
  const std::vector<bucket_usage> u{{T("2026-01-05T00:00:00Z"), energy{3000}, energy{0}},
                                    {T("2026-01-05T00:15:00Z"), energy{4000}, energy{0}},
                                    {T("2026-01-05T00:30:00Z"), energy{4500}, energy{0}},
                                    {T("2026-01-05T01:00:00Z"), energy{9000}, energy{0}}};
  const auto b = p.cost(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"), u).value();
  CHECK(b.energy_charge == M("4.10"));
  REQUIRE(b.tiers.size() == 3);
  CHECK(b.tiers[0].consumed.wh == 10'000);
  CHECK(b.tiers[0].amount == M("0.20"));
  CHECK(b.tiers[1].consumed.wh == 10'000);
  CHECK(b.tiers[1].amount == M("0.50"));
  CHECK(b.tiers[2].consumed.wh == 500);
  CHECK_FALSE(b.tiers[2].up_to.has_value());
  CHECK(b.tiers[2].amount == M("0.05"));
  CHECK(b.tier_charge == M("0.75"));
  CHECK(b.total == M("4.85"));

  // Counted from `from`: without the first bucket, 17.5 kWh reach two tiers;
  // 7.5 kWh x 0.05 = 0.375 rounds half to even to 0.38.
  const auto later = p.cost(T("2026-01-05T00:15:00Z"), T("2026-01-06T00:00:00Z"), std::span(u).subspan(1)).value();
  REQUIRE(later.tiers.size() == 2);
  CHECK(later.tiers[1].consumed.wh == 7'500);
  CHECK(later.tiers[1].amount == M("0.38"));
  CHECK(later.tier_charge == M("0.58"));
}

TEST_CASE("tariffs: each line rounds half to even from its exact sum") {
  auto t = base_tariff();
  t.periods = {{"a", M("0.05")}, {"b", M("0.05")}};
  t.schedule = {{"b", every_day, 12h, 13h, {}}};
  t.default_period = "a";
  t.export_price_per_kwh = M("0.08");
  t.fixed_charge_per_day = M("0.333333");
  t.tax_percent = segs::ten_thousandths{190000};
  const auto p = compiled(t, "UTC");
  // a: 500 Wh x 0.05 = 0.025 -> 0.02. b: three buckets of 0.005 = 0.015 ->
  // 0.02 (rounded one by one they would be 0.00).
  const std::vector<bucket_usage> u{{T("2026-01-05T00:00:00Z"), energy{500}, energy{2500}},
                                    {T("2026-01-05T12:00:00Z"), energy{100}, energy{0}},
                                    {T("2026-01-05T12:15:00Z"), energy{100}, energy{0}},
                                    {T("2026-01-05T12:30:00Z"), energy{100}, energy{0}}};
  const auto b = p.cost(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"), u).value();
  CHECK(show(b) ==
        "a:500:0.02 b:300:0.02 | energy 0.04 | tiers | tier 0 | days 1 fixed 0.33 | peak 500 at "
        "2026-01-05T00:00:00Z demand 0 | exported 2500 credit -0.2 | taxable 0.37 tax 0.07 total 0.24");
}

TEST_CASE("tariffs: JPY rounds to whole yen, days count the local dates touched") {
  auto t = base_tariff();
  t.currency = "JPY";
  t.periods = {{"flat", M("30.5")}};
  t.default_period = "flat";
  t.tax_percent = segs::ten_thousandths{100000};
  const auto p = compiled(t, "Asia/Tokyo", {}, 0);
  const auto from = T("2026-01-05T00:00:00Z");
  const auto to = T("2026-01-05T01:00:00Z");
  auto b = p.cost(from, to, std::vector<bucket_usage>{{from, energy{1000}, energy{0}}}).value();
  CHECK(b.energy_charge == M("30"));  // 30.5 -> 30
  CHECK(b.tax == M("3"));
  CHECK(b.total == M("33"));
  b = p.cost(from, to, std::vector<bucket_usage>{{from, energy{3000}, energy{0}}}).value();
  CHECK(b.energy_charge == M("92"));  // 91.5 -> 92
  CHECK(b.tax == M("9"));             // 9.2
  CHECK(b.total == M("101"));

  auto daily = base_tariff();
  daily.periods = {{"flat", M("0")}};
  daily.default_period = "flat";
  daily.fixed_charge_per_day = M("1");
  const auto d = compiled(daily);  // Berlin at +1: 23:00 on the 5th to 01:00 on the 7th
  b = d.cost(T("2026-01-05T22:00:00Z"), T("2026-01-07T00:00:00Z"), {}).value();
  CHECK(b.days == 3);
  CHECK(b.fixed_charge == M("3"));
  b = d.cost(T("2026-01-05T23:00:00Z"), T("2026-01-06T23:00:00Z"), {}).value();
  CHECK(b.days == 1);
}

// ------------------------------------------------------------ the reference

namespace {

using segs::tz::zone;

struct ref_bucket {
  std::size_t period = 0;
  money effective;
  std::optional<segs::uuid> ov;
  year_month_day date;
};

std::size_t ref_index(const tariff& t, const std::string& name) {
  for (std::size_t i = 0; i < t.periods.size(); ++i)
    if (t.periods[i].name == name) return i;
  FAIL("unknown period " << name);
  return 0;
}

bool ref_rule_on(const segs::schedule_rule& r, const tariff& t, year_month_day d) {
  auto kind = static_cast<day_kind>(weekday{sys_days{d}}.iso_encoding() - 1);
  if (std::find(t.holidays.begin(), t.holidays.end(), d) != t.holidays.end()) kind = day_kind::holiday;
  const auto m = static_cast<int>(static_cast<unsigned>(d.month()));
  return std::find(r.days.begin(), r.days.end(), kind) != r.days.end() &&
         (r.months.empty() || std::find(r.months.begin(), r.months.end(), m) != r.months.end());
}

// One bucket, plainly: its wall time, the rules in order, the overrides by scan.
ref_bucket ref_price(const tariff& t, const zone& z, const std::vector<tariff_override>& ovs, timestamp b) {
  const auto lt = z.to_local(b);
  const auto now = floor<minutes>(lt.since_midnight);
  const year_month_day yesterday{sys_days{lt.date} - days{1}};
  ref_bucket out;
  out.date = lt.date;
  out.period = ref_index(t, t.default_period);
  for (const auto& r : t.schedule) {
    const bool hit = r.start < r.end ? ref_rule_on(r, t, lt.date) && now >= r.start && now < r.end
                                     : (ref_rule_on(r, t, lt.date) && now >= r.start) ||
                                           (ref_rule_on(r, t, yesterday) && now < r.end);
    if (hit) {
      out.period = ref_index(t, r.period);
      break;
    }
  }
  const tariff_override* win = nullptr;
  for (const auto& o : ovs) {
    if (o.region != t.region || b < o.start || b >= o.end) continue;
    if (!win || std::tie(o.created_at, o.id) > std::tie(win->created_at, win->id)) win = &o;
  }
  const auto base = t.periods[out.period].price_per_kwh;
  out.effective = base;
  if (win) {
    out.ov = win->id;
    out.effective = win->price_per_kwh ? *win->price_per_kwh
                                       : money{segs::divide(base.micros * win->multiplier->value, 10'000,
                                                            segs::rounding::half_even)
                                                   .value()};
  }
  return out;
}

std::int64_t pow10(int n) { return n == 0 ? 1 : 10 * pow10(n - 1); }
money ref_round(std::int64_t v, int scale, int minor) {
  return money{segs::divide(v, pow10(scale - minor), segs::rounding::half_even).value() * pow10(6 - minor)};
}

// The bill over a window whose buckets `all` were priced by ref_price.
bill ref_cost(const tariff& t, int minor, timestamp from, const std::vector<ref_bucket>& all,
              const std::vector<bucket_usage>& usage) {
  bill b;
  std::vector<std::int64_t> nano(t.periods.size()), wh(t.periods.size()), in_tier(t.tiers.size());
  std::int64_t run = 0;
  for (const auto& u : usage) {
    const auto& r = all[static_cast<std::size_t>((u.start - from) / quarter)];
    nano[r.period] += u.consumed.wh * r.effective.micros;
    wh[r.period] += u.consumed.wh;
    // The bucket's energy [run, run + consumed) split over the tiers' ranges.
    std::int64_t lo = 0;
    for (std::size_t i = 0; i < t.tiers.size(); ++i) {
      const auto hi = t.tiers[i].up_to ? t.tiers[i].up_to->wh : std::numeric_limits<std::int64_t>::max();
      in_tier[i] += std::max<std::int64_t>(0, std::min(hi, run + u.consumed.wh) - std::max(lo, run));
      lo = hi;
    }
    run += u.consumed.wh;
    if (u.consumed.wh > b.peak_consumed.wh) {
      b.peak_consumed = u.consumed;
      b.peak_at = u.start;
    }
    b.exported.wh += u.produced.wh;
  }
  for (std::size_t i = 0; i < t.periods.size(); ++i) {
    if (wh[i] == 0) continue;
    b.by_period.push_back({t.periods[i].name, energy{wh[i]}, ref_round(nano[i], 9, minor)});
    b.energy_charge.micros += b.by_period.back().amount.micros;
  }
  for (std::size_t i = 0; i < t.tiers.size(); ++i) {
    if (in_tier[i] == 0) continue;
    const auto amount = ref_round(in_tier[i] * t.tiers[i].adder_per_kwh.micros, 9, minor);
    b.tiers.push_back({t.tiers[i].up_to, energy{in_tier[i]}, t.tiers[i].adder_per_kwh, amount});
    b.tier_charge.micros += amount.micros;
  }
  std::set<year_month_day> dates;
  for (const auto& r : all) dates.insert(r.date);
  b.days = static_cast<int>(dates.size());
  b.fixed_charge = ref_round(b.days * t.fixed_charge_per_day.micros, 6, minor);
  b.demand_charge = ref_round(b.peak_consumed.wh * 4 * t.demand_charge_per_kw.micros, 9, minor);
  b.export_credit = money{-ref_round(b.exported.wh * t.export_price_per_kwh.micros, 9, minor).micros};
  b.taxable = b.energy_charge + b.tier_charge + b.fixed_charge + b.demand_charge;
  b.tax = ref_round(b.taxable.micros * t.tax_percent.value, 12, minor);
  b.total = b.taxable + b.export_credit + b.tax;
  return b;
}

struct random_source {
  std::mt19937_64 rng;
  int operator()(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
};

tariff random_tariff(random_source& pick, const zone& z, timestamp from, timestamp to) {
  auto t = base_tariff();
  t.effective_from = pick(0, 1) ? from : from - quarter * pick(1, 3000);
  if (pick(0, 2) == 0) t.effective_to = to + quarter * pick(0, 100);
  const int periods = pick(1, 4);
  for (int i = 0; i < periods; ++i) t.periods.push_back({"p" + std::to_string(i), money{pick(0, 400'000)}});
  t.default_period = "p" + std::to_string(pick(0, periods - 1));
  const auto first = z.date_of(from);
  const auto span_days = static_cast<int>((to - from) / days{1});
  for (int n = pick(0, 5); n > 0; --n) {
    segs::schedule_rule r;
    r.period = "p" + std::to_string(pick(0, periods - 1));
    for (int k = pick(1, 255), d = 0; d < 8; ++d)
      if (k & (1 << d)) r.days.push_back(static_cast<day_kind>(d));
    r.start = minutes{15 * pick(0, 95)};
    do r.end = minutes{15 * pick(1, 96)};
    while (r.end == r.start);
    if (pick(0, 1)) {
      // Months near the window's, so both sides of a month boundary show.
      const int here = static_cast<int>(static_cast<unsigned>(first.month()));
      for (int m = 1; m <= 12; ++m)
        if ((m == here && pick(0, 1)) || (m == here % 12 + 1 && pick(0, 1)) || pick(0, 9) == 0) r.months.push_back(m);
    }
    t.schedule.push_back(r);
  }
  for (int n = pick(0, 3); n > 0; --n) {
    const year_month_day h{sys_days{first} + days{pick(-1, span_days + 1)}};
    if (std::find(t.holidays.begin(), t.holidays.end(), h) == t.holidays.end()) t.holidays.push_back(h);
  }
  if (const int tiers = pick(0, 3); tiers > 0) {
    std::int64_t up = 0;
    for (int i = 0; i < tiers; ++i) {
      up += pick(1, 40'000);
      t.tiers.push_back({i + 1 < tiers ? std::optional(energy{up}) : std::nullopt, money{pick(-20'000, 50'000)}});
    }
  }
  t.fixed_charge_per_day = money{pick(0, 2'000'000)};
  t.demand_charge_per_kw = money{pick(0, 20'000'000)};
  t.export_price_per_kwh = money{pick(0, 100'000)};
  t.tax_percent = segs::ten_thousandths{pick(0, 250'000)};
  return t;
}

std::vector<tariff_override> random_overrides(random_source& pick, timestamp from, timestamp to) {
  std::vector<tariff_override> out;
  const auto buckets = static_cast<int>((to - from) / quarter);
  for (int n = pick(0, 4), i = 0; i < n; ++i) {
    tariff_override o;
    o.id = id_of(static_cast<std::uint8_t>(i + 1));  // distinct: (created_at, id) orders them all
    o.region = pick(0, 6) ? "north" : "south";
    o.start = from + quarter * pick(-50, buckets);
    o.end = o.start + quarter * pick(1, 400);
    if (pick(0, 1))
      o.price_per_kwh = money{pick(0, 500'000)};
    else
      o.multiplier = segs::ten_thousandths{pick(0, 3) ? pick(0, 100'000) : 5'000 * pick(0, 20)};
    o.created_at = T("2025-06-01T00:00:00Z") + seconds{pick(0, 3)};
    if (pick(0, 9) == 0) {  // removed before it began
      o.end = o.start;
      o.removed_at = o.created_at;
    }
    out.push_back(o);
  }
  return out;
}

// Every path of the pricer over [from, to) against the reference, bucket by bucket.
void compare(random_source& pick, const tariff& t, const char* zone_name, const std::vector<tariff_override>& ovs,
             timestamp from, timestamp to, int minor) {
  const auto z = *zone::find(zone_name);
  const auto p = compiled(t, zone_name, ovs, minor);
  const auto n = static_cast<std::size_t>((to - from) / quarter);
  std::vector<ref_bucket> ref(n);
  for (std::size_t i = 0; i < n; ++i) ref[i] = ref_price(t, z, ovs, from + quarter * static_cast<int>(i));

  std::vector<std::uint16_t> periods(n);
  std::vector<money> prices(n);
  REQUIRE(p.price_buckets(from, to, periods, prices).has_value());
  for (std::size_t i = 0; i < n; ++i) {
    if (periods[i] != ref[i].period || prices[i] != ref[i].effective) {
      FAIL_CHECK("price_buckets differs at " << S(from + quarter * static_cast<int>(i)) << ": period " << periods[i]
                                             << " vs " << ref[i].period << ", price " << prices[i].to_string()
                                             << " vs " << ref[i].effective.to_string());
      return;
    }
  }

  const auto spans = p.price_series(from, to).value();
  std::size_t i = 0;
  for (std::size_t s = 0; s < spans.size(); ++s) {
    const auto& sp = spans[s];
    CHECK(sp.start == from + quarter * static_cast<int>(i));
    if (s > 0 && sp.period == spans[s - 1].period && sp.effective_price_per_kwh == spans[s - 1].effective_price_per_kwh &&
        sp.override_id == spans[s - 1].override_id)
      FAIL_CHECK("price_series: span " << s << " is not maximal");
    for (auto at = sp.start; at < sp.end; at += quarter, ++i) {
      if (i >= n || sp.period != t.periods[ref[i].period].name || sp.effective_price_per_kwh != ref[i].effective ||
          sp.override_id != ref[i].ov || sp.price_per_kwh != t.periods[ref[i].period].price_per_kwh) {
        FAIL_CHECK("price_series differs at " << S(at));
        return;
      }
    }
  }
  CHECK(i == n);

  for (int k = 0; k < 8 && n > 0; ++k) {
    const auto j = static_cast<std::size_t>(pick(0, static_cast<int>(n) - 1));
    const auto b = p.price_at(from + quarter * static_cast<int>(j)).value();
    CHECK(b.period == t.periods[ref[j].period].name);
    CHECK(b.effective_price_per_kwh == ref[j].effective);
    CHECK(b.override_id == ref[j].ov);
  }

  std::vector<bucket_usage> usage;
  for (std::size_t j = 0; j < n; ++j) {
    if (pick(0, 9) < 3) continue;
    usage.push_back({from + quarter * static_cast<int>(j), energy{pick(0, 4) ? pick(0, 3000) : 0},
                     energy{pick(0, 9) ? 0 : pick(0, 2000)}});
  }
  CHECK(show(p.cost(from, to, usage).value()) == show(ref_cost(t, minor, from, ref, usage)));
}

}  // namespace

TEST_CASE("tariffs: randomized comparison with the reference pricer across DST changes") {
  constexpr std::uint64_t seed = 20260329;
  random_source pick{std::mt19937_64{seed}};
  struct place {
    const char* zone;
    std::vector<year_month_day> changes;
  };
  const std::vector<place> places{
      {"Europe/Berlin", {2025y / 3 / 30, 2025y / 10 / 26, 2026y / 3 / 29, 2026y / 10 / 25}},
      {"America/New_York", {2025y / 3 / 9, 2025y / 11 / 2, 2026y / 3 / 8, 2026y / 11 / 1}},
      {"Australia/Lord_Howe", {2025y / 4 / 6, 2025y / 10 / 5, 2026y / 4 / 5, 2026y / 10 / 4}}};
  const int minors[] = {0, 2, 2, 3};
  for (int c = 0; c < 240; ++c) {
    const auto& pl = places[static_cast<std::size_t>(c) % places.size()];
    const auto z = *zone::find(pl.zone);
    const auto change = pl.changes[static_cast<std::size_t>(pick(0, 3))];
    const auto from = z.start_of_day(year_month_day{sys_days{change} - days{pick(0, 10)}}) + quarter * pick(0, 95);
    const auto to = from + quarter * (96 * pick(2, 13) + pick(1, 95));
    const auto t = random_tariff(pick, z, from, to);
    const auto ovs = random_overrides(pick, from, to);
    INFO("seed " << seed << ", case " << c << ", " << pl.zone << " [" << S(from) << ", " << S(to) << ")");
    compare(pick, t, pl.zone, ovs, from, to, minors[pick(0, 3)]);
  }
  for (const char* name : {"Europe/Berlin", "Australia/Lord_Howe"}) {
    const auto z = *zone::find(name);
    const auto from = z.start_of_day(2026y / 1 / 1);
    const auto to = z.start_of_day(2027y / 1 / 1);
    const auto t = random_tariff(pick, z, from, to);
    const auto ovs = random_overrides(pick, from, to);
    INFO("seed " << seed << ", the year 2026 in " << name);
    compare(pick, t, name, ovs, from, to, 2);
  }
}

TEST_CASE("tariffs: the worked example of docs/tariffs.md") {
  tariff t = base_tariff();
  t.region = "berlin";
  t.name = "Berlin TOU";
  t.effective_from = T("2026-01-01T00:00:00+01:00");
  t.periods = {{"peak", M("0.32")}, {"off_peak", M("0.12")}, {"night", M("0.08")}};
  t.schedule = {{"peak", weekdays, 17h, 21h, {}}, {"night", every_day, 22h, 6h, {}}};
  t.default_period = "off_peak";
  t.holidays = {std::chrono::year{2026} / 10 / 3};  // German Unity Day, a Saturday in 2026
  t.tiers = {{energy{10'000}, M("0")}, {std::nullopt, M("0.03")}};
  t.fixed_charge_per_day = M("0.50");
  t.demand_charge_per_kw = M("2.00");
  t.export_price_per_kwh = M("0.08");
  t.tax_percent = segs::ten_thousandths{190'000};  // 19 %
  segs::tariff_override heat;
  heat.id = id_of(1);
  heat.region = "berlin";
  heat.start = T("2026-10-26T18:00:00+01:00");  // Monday, an hour of the evening peak
  heat.end = T("2026-10-26T19:00:00+01:00");
  heat.multiplier = segs::ten_thousandths{15'000};  // x 1.5
  heat.reason = "scarcity";
  const auto p = compiled(t, "Europe/Berlin", {heat});

  // Sunday 2026-10-25 is 25 hours long; the bill runs over it and Monday.
  const auto from = T("2026-10-25T00:00:00+02:00"), to = T("2026-10-27T00:00:00+01:00");
  std::vector<bucket_usage> usage{
      {T("2026-10-25T02:15:00+02:00"), energy{1'000}, energy{0}},   // night, first 02:15
      {T("2026-10-25T02:15:00+01:00"), energy{1'000}, energy{0}},   // night, the repeated 02:15
      {T("2026-10-25T13:00:00+01:00"), energy{500}, energy{3'000}},  // Sunday off-peak, exporting
      {T("2026-10-26T17:30:00+01:00"), energy{4'000}, energy{0}},   // peak
      {T("2026-10-26T18:30:00+01:00"), energy{6'000}, energy{0}},   // peak x 1.5, crosses the 10 kWh tier
  };
  const auto b = p.cost(from, to, usage).value();
  INFO(show(b));
  REQUIRE(b.by_period.size() == 3);
  CHECK(b.by_period[0].period == "peak");
  CHECK(b.by_period[0].consumed.wh == 10'000);
  CHECK(b.by_period[0].amount == M("4.16"));  // 4 x 0.32 + 6 x 0.48
  CHECK(b.by_period[1].period == "off_peak");
  CHECK(b.by_period[1].amount == M("0.06"));  // 0.5 x 0.12
  CHECK(b.by_period[2].period == "night");
  CHECK(b.by_period[2].amount == M("0.16"));  // 2 x 0.08
  CHECK(b.energy_charge == M("4.38"));
  CHECK(b.tier_charge == M("0.08"));  // 12.5 kWh: 2.5 above 10 at 0.03 = 0.075, half to even: 0.08
  CHECK(b.days == 2);
  CHECK(b.fixed_charge == M("1.00"));
  CHECK(b.peak_consumed.wh == 6'000);
  CHECK(b.demand_charge == M("48.00"));  // 6 kWh in 15 min = 24 kW x 2.00
  CHECK(b.export_credit == M("-0.24"));  // 3 kWh x 0.08
  CHECK(b.taxable == M("53.46"));  // 4.38 + 0.08 + 1.00 + 48.00
  CHECK(b.tax == M("10.16"));      // 19 % of 53.46 = 10.1574
  CHECK(b.total == M("63.38"));    // 53.46 - 0.24 + 10.16
}
