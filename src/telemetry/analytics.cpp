#include "telemetry/analytics.hpp"

#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace segs::telemetry {

using namespace std::chrono;

namespace {

// num / den rounded half to even to 4 decimals.
std::optional<double> ratio(std::int64_t num, std::int64_t den, std::int64_t scale = 1) {
  if (den == 0) return std::nullopt;
  const auto units = divide(num * scale * 10'000, den, rounding::half_even).value();
  return static_cast<double>(units) / 10'000.0;
}

double round4(double v) {
  // For quantities that are not ratios of integers (kWh x a factor).
  const double scaled = v * 10'000.0;
  const double r = std::nearbyint(scaled);  // the default mode rounds half to even
  return r / 10'000.0;
}

std::string hh(int h) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:00", h % 24);
  return buf;
}

}  // namespace

std::vector<std::string> hour_ranges(std::vector<int> hours) {
  std::sort(hours.begin(), hours.end());
  hours.erase(std::unique(hours.begin(), hours.end()), hours.end());
  std::vector<std::string> out;
  if (hours.empty()) return out;
  if (hours.size() == 24) return {"00:00-00:00"};
  std::set<int> in(hours.begin(), hours.end());
  // A run starts at an hour whose predecessor (cyclically) is not in the set.
  for (int h : hours) {
    if (in.count((h + 23) % 24)) continue;
    int end = h;
    while (in.count((end + 1) % 24)) end = (end + 1) % 24;
    out.push_back(hh(h) + "-" + hh(end + 1));
  }
  return out;
}

meter_analytics analyze(const std::vector<storage::telemetry::stored_bucket>& quarters,
                        const tz::zone& z, const time_range& range, double emission_factor) {
  meter_analytics a;
  a.range = range;
  std::int64_t sum_c = 0, sum_p = 0, self = 0, peak_q = -1;
  std::array<std::int64_t, 24> hour_sum{};
  std::array<std::set<std::int64_t>, 24> hour_days{};  // local dates (days since epoch) seen per hour
  std::map<std::int64_t, std::int64_t> day_consumed;   // local date -> Wh
  for (const auto& q : quarters) {
    const auto c = q.agg.consumed_wh, p = q.agg.produced_wh;
    sum_c += c;
    sum_p += p;
    self += std::min(c, p);
    peak_q = std::max(peak_q, c);
    const auto local = z.to_local(q.start);
    const int hour = static_cast<int>(duration_cast<hours>(local.since_midnight).count()) % 24;
    const auto day = sys_days{local.date}.time_since_epoch().count();
    hour_sum[static_cast<std::size_t>(hour)] += c;
    hour_days[static_cast<std::size_t>(hour)].insert(day);
    day_consumed[day] += c;
  }
  a.consumed = energy{sum_c};
  a.produced = energy{sum_p};

  // Local days of the period: the dates of its first and last instants and between.
  const auto first_day = z.date_of(range.start), last_day = z.date_of(range.end - microseconds{1});
  const auto n_days = (sys_days{last_day} - sys_days{first_day}).count() + 1;
  a.average_daily_consumption_kwh = *ratio(sum_c, n_days * 1000);
  if (peak_q >= 0) a.peak_consumption_kw = static_cast<double>(peak_q * 4) / 1000.0;
  a.efficiency_rating = ratio(self, sum_p);
  a.grid_independence_score = ratio(self, sum_c);
  a.renewable_energy_percent = ratio(std::min(sum_p, sum_c), sum_c, 100);
  a.carbon_offset_kg = round4(static_cast<double>(sum_p) / 1000.0 * emission_factor);

  // Peak and off-peak hours: the hours of day with data, by mean consumption.
  struct hour_mean {
    int hour;
    std::int64_t sum, days;
  };
  std::vector<hour_mean> means;
  for (int h = 0; h < 24; ++h)
    if (!hour_days[static_cast<std::size_t>(h)].empty())
      means.push_back({h, hour_sum[static_cast<std::size_t>(h)],
                       static_cast<std::int64_t>(hour_days[static_cast<std::size_t>(h)].size())});
  // Compare sum_a / days_a with sum_b / days_b exactly (cross products).
  std::stable_sort(means.begin(), means.end(), [](const hour_mean& x, const hour_mean& y) {
    const auto l = x.sum * y.days, r = y.sum * x.days;
    return l != r ? l > r : x.hour < y.hour;
  });
  std::vector<int> top, bottom;
  for (std::size_t i = 0; i < means.size() && i < 6; ++i) top.push_back(means[i].hour);
  for (std::size_t i = means.size(); i > 6 && means.size() - i < 6; --i) bottom.push_back(means[i - 1].hour);
  a.peak_hours = hour_ranges(top);
  a.off_peak_hours = hour_ranges(bottom);

  // Weekend vs weekday: complete local days inside the range.
  std::int64_t we_sum = 0, we_n = 0, wd_sum = 0, wd_n = 0;
  for (auto d = sys_days{first_day}; d <= sys_days{last_day}; d += days{1}) {
    const year_month_day ymd{d};
    if (z.start_of_day(ymd) < range.start || z.start_of_day(year_month_day{d + days{1}}) > range.end) continue;
    const auto it = day_consumed.find(d.time_since_epoch().count());
    const auto c = it == day_consumed.end() ? 0 : it->second;
    const auto wd = weekday{d};
    if (wd == Saturday || wd == Sunday) {
      we_sum += c;
      ++we_n;
    } else {
      wd_sum += c;
      ++wd_n;
    }
  }
  if (we_n > 0 && wd_n > 0) a.weekend_vs_weekday_ratio = ratio(we_sum * wd_n, wd_sum * we_n);
  return a;
}

}  // namespace segs::telemetry
