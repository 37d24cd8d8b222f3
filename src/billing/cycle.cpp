#include "billing/cycle.hpp"

#include <algorithm>
#include <cstdio>

namespace segs::billing {

using namespace std::chrono;

std::string cycle::period() const { return period_text(month); }

std::optional<year_month> parse_period(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  int y = 0;
  int m = 0;
  for (std::size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    (i < 4 ? y : m) = (i < 4 ? y : m) * 10 + (text[i] - '0');
  }
  if (m < 1 || m > 12 || y < 1970) return std::nullopt;
  return year{y} / month{static_cast<unsigned>(m)};
}

std::string period_text(year_month m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(m.year()), static_cast<unsigned>(m.month()));
  return buf;
}

cycle cycle_of(const tz::zone& z, year_month m, int cycle_day) {
  const auto d = day{static_cast<unsigned>(cycle_day)};
  const year_month_day first{m / d};
  const year_month_day next{(m + months{1}) / d};
  cycle c;
  c.month = m;
  c.start = z.start_of_day(first);
  c.end = z.start_of_day(next);
  c.days = static_cast<int>((sys_days{next} - sys_days{first}).count());
  return c;
}

cycle cycle_at(const tz::zone& z, timestamp at, int cycle_day) {
  const auto local = z.date_of(at);
  year_month m{local.year(), local.month()};
  if (static_cast<unsigned>(local.day()) < static_cast<unsigned>(cycle_day)) m -= months{1};
  auto c = cycle_of(z, m, cycle_day);
  // A gap that swallowed midnight can put `at` a moment before its date's start.
  if (at < c.start) c = cycle_of(z, m - months{1}, cycle_day);
  return c;
}

int days_started(const tz::zone& z, const cycle& c, timestamp at) {
  if (!(c.start < at)) return 1;
  const auto first = sys_days{z.date_of(c.start)};
  const auto today = sys_days{z.date_of(std::min(at, c.end - microseconds{1}))};
  return std::clamp(static_cast<int>((today - first).count()) + 1, 1, c.days);
}

}  // namespace segs::billing
