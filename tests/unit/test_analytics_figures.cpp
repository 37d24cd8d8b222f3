// The pure arithmetic of the analytics (src/analytics/figures.hpp): half to
// even rounding, ratios, VWAP, self-sufficiency, savings and local days.
#include "analytics/figures.hpp"

#include <doctest/doctest.h>

using namespace segs::analytics;
using segs::energy;
using segs::money;

namespace {
segs::timestamp at(const char* s) { return segs::parse_rfc3339(s).value(); }
std::chrono::year_month_day D(const char* s) { return segs::parse_iso_date(s).value(); }
}  // namespace

TEST_CASE("analytics figures: division rounds half to even on both signs") {
  CHECK(div_half_even(5, 2) == 2);
  CHECK(div_half_even(7, 2) == 4);
  CHECK(div_half_even(-5, 2) == -2);
  CHECK(div_half_even(-7, 2) == -4);
  CHECK(div_half_even(-6, 4) == -2);  // -1.5
  CHECK(div_half_even(10, 3) == 3);
  CHECK(div_half_even(-10, 3) == -3);
  CHECK(div_half_even(2, 3) == 1);
  CHECK(div_half_even(0, 7) == 0);
}

TEST_CASE("analytics figures: ratios to 4 decimals, empty without a denominator") {
  CHECK(ratio(700, 1300) == 0.5385);
  CHECK(ratio(2500, 3500) == 0.7143);
  CHECK(ratio(1, 1) == 1.0);
  CHECK(ratio(1, 80000) == 0.0);     // 0.0000125 -> 0.0000
  CHECK(ratio(3, 80000) == 0.0);     // 0.0000375 -> 0.0000 (0.375 of a unit: down)
  CHECK(ratio(5, 20000) == 0.0002);  // 0.00025 -> 0.0002, half to even
  CHECK_FALSE(ratio(1, 0).has_value());
  CHECK(mean(7, 2) == money{4});
  CHECK_FALSE(mean(7, 0).has_value());
}

TEST_CASE("analytics figures: VWAP and self-sufficiency") {
  vwap_sum v;
  CHECK_FALSE(v.value().has_value());
  v.add(money{200'000}, energy{1000});
  v.add(money{220'000}, energy{2000});
  CHECK(v.value() == money{213'333});  // 640000 / 3
  self_sufficiency s;
  s.add_quarter(500, 3000);
  s.add_quarter(800, 200);
  s.add_quarter(0, 0);
  const auto f = s.figures();
  CHECK(f.consumed == energy{1300});
  CHECK(f.produced == energy{3200});
  CHECK(f.net == energy{-1900});
  CHECK(f.self_consumed == energy{700});
  CHECK(f.self_sufficiency == 0.5385);
  CHECK_FALSE(self_sufficiency{}.figures().self_sufficiency.has_value());
}

TEST_CASE("analytics figures: savings against import and export prices") {
  // 1 kWh bought at 0.20 where the tariff asks 0.10: -0.10.
  CHECK(to_money(buy_saving(money{100'000}, money{200'000}, 1000)) == money{-100'000});
  // 2 kWh bought at 0.22 at peak 0.30: 0.16.
  CHECK(to_money(buy_saving(money{300'000}, money{220'000}, 2000)) == money{160'000});
  // 2 kWh sold at 0.22 against an export price of 0.05: 0.34.
  CHECK(to_money(sell_saving(money{220'000}, money{50'000}, 2000)) == money{340'000});
  // 1 Wh at a difference of 0.0000005 per kWh: 5e-10 units, half to even to 0.
  CHECK(to_money(buy_saving(money{1}, money{0}, 1)).micros == 0);
  CHECK(to_money(1500).micros == 2);
  CHECK(to_money(2500).micros == 2);
  CHECK(to_money(-1500).micros == -2);
}

TEST_CASE("analytics figures: local days of a zone, with 23- and 25-hour days") {
  const auto berlin = segs::tz::zone::find("Europe/Berlin").value();
  const auto spring = local_days(berlin, D("2025-03-29"), D("2025-03-31"));
  REQUIRE(spring.size() == 3);
  CHECK(spring[1].start == at("2025-03-29T23:00:00Z"));
  CHECK(spring[1].end - spring[1].start == std::chrono::hours{23});
  const auto autumn = local_days(berlin, D("2025-10-26"), D("2025-10-26"));
  REQUIRE(autumn.size() == 1);
  CHECK(autumn[0].end - autumn[0].start == std::chrono::hours{25});
  CHECK(bucket_of(spring, at("2025-03-29T22:59:59Z")) == std::optional<std::size_t>{0});
  CHECK(bucket_of(spring, at("2025-03-29T23:00:00Z")) == std::optional<std::size_t>{1});
  CHECK(bucket_of(spring, at("2025-03-30T22:00:00Z")) == std::optional<std::size_t>{2});
  CHECK_FALSE(bucket_of(spring, at("2025-03-28T22:59:59Z")).has_value());
  CHECK_FALSE(bucket_of(spring, at("2025-03-31T22:00:00Z")).has_value());
}

TEST_CASE("analytics figures: days grouped by month, clipped to the range") {
  const auto utc = segs::tz::zone::utc();
  const auto days = local_days(utc, D("2025-06-29"), D("2025-07-02"));
  const auto months = group(days, segs::analytics_grouping::month);
  REQUIRE(months.size() == 2);
  CHECK(months[0].period == "2025-06");
  CHECK(months[0].start == at("2025-06-29T00:00:00Z"));
  CHECK(months[0].end == at("2025-07-01T00:00:00Z"));
  CHECK(months[1].period == "2025-07");
  CHECK(months[1].end == at("2025-07-03T00:00:00Z"));
  const auto each = group(days, segs::analytics_grouping::day);
  REQUIRE(each.size() == 4);
  CHECK(each[3].period == "2025-07-02");
}
