#include "analytics/figures.hpp"

#include <algorithm>
#include <cstdio>

namespace segs::analytics {

std::int64_t div_half_even(wide num, wide den) {
  wide q = num / den;
  wide rem = num % den;
  if (rem < 0) {  // floor division, so the tie rule is the same on both signs
    rem += den;
    q -= 1;
  }
  if (2 * rem > den || (2 * rem == den && (q & 1) != 0)) ++q;
  return static_cast<std::int64_t>(q);
}

std::optional<double> ratio(std::int64_t num, std::int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(div_half_even(static_cast<wide>(num) * 10'000, den)) / 10'000.0;
}

std::optional<money> mean(wide sum, std::int64_t count) {
  if (count <= 0) return std::nullopt;
  return money{div_half_even(sum, count)};
}

void vwap_sum::add(money price, energy q) noexcept {
  notional += static_cast<wide>(price.micros) * q.wh;
  wh += q.wh;
}

std::optional<money> vwap_sum::value() const {
  if (wh <= 0) return std::nullopt;
  return money{div_half_even(notional, wh)};
}

void self_sufficiency::add_quarter(std::int64_t c, std::int64_t p) noexcept {
  consumed += c;
  produced += p;
  covered += std::min(c, p);
}

energy_figures self_sufficiency::figures() const {
  energy_figures f;
  f.consumed = energy{consumed};
  f.produced = energy{produced};
  f.net = energy{consumed - produced};
  f.self_consumed = energy{covered};
  f.self_sufficiency = ratio(covered, consumed);
  return f;
}

wide buy_saving(money import, money trade, std::int64_t wh) noexcept {
  return static_cast<wide>(import.micros - trade.micros) * wh;
}

wide sell_saving(money trade, money export_price, std::int64_t wh) noexcept {
  return static_cast<wide>(trade.micros - export_price.micros) * wh;
}

money to_money(wide nanos) { return money{div_half_even(nanos, 1000)}; }

std::vector<day_bucket> local_days(const tz::zone& z, std::chrono::year_month_day from,
                                   std::chrono::year_month_day to) {
  std::vector<day_bucket> out;
  const auto last = std::chrono::sys_days{to};
  for (auto d = std::chrono::sys_days{from}; d <= last; d += std::chrono::days{1}) {
    const std::chrono::year_month_day date{d};
    out.push_back({date, z.start_of_day(date), z.start_of_day(std::chrono::year_month_day{d + std::chrono::days{1}})});
  }
  return out;
}

std::optional<std::size_t> bucket_of(std::span<const day_bucket> buckets, timestamp t) {
  const auto it = std::upper_bound(buckets.begin(), buckets.end(), t,
                                   [](timestamp v, const day_bucket& b) { return v < b.start; });
  if (it == buckets.begin()) return std::nullopt;
  const auto i = static_cast<std::size_t>(it - buckets.begin()) - 1;
  if (!(t < buckets[i].end)) return std::nullopt;
  return i;
}

std::vector<period_bucket> group(std::span<const day_bucket> days, analytics_grouping g) {
  std::vector<period_bucket> out;
  for (const auto& d : days) {
    if (g == analytics_grouping::day) {
      out.push_back({to_iso_date(d.date), d.start, d.end});
      continue;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(d.date.year()),
                  static_cast<unsigned>(d.date.month()));
    if (!out.empty() && out.back().period == buf) {
      out.back().end = d.end;
      continue;
    }
    out.push_back({buf, d.start, d.end});
  }
  return out;
}

std::optional<std::size_t> period_of(std::span<const period_bucket> periods, timestamp t) {
  const auto it = std::upper_bound(periods.begin(), periods.end(), t,
                                   [](timestamp v, const period_bucket& p) { return v < p.start; });
  if (it == periods.begin()) return std::nullopt;
  const auto i = static_cast<std::size_t>(it - periods.begin()) - 1;
  if (!(t < periods[i].end)) return std::nullopt;
  return i;
}

}  // namespace segs::analytics
