// Overrides: their validation, and the sweep that resolves where each wins.
#include "tariffs/overrides.hpp"

#include "tariffs/schedule.hpp"

#include <algorithm>
#include <limits>
#include <queue>
#include <string>

namespace segs {

namespace {

using tariffs::invalid;

std::size_t characters(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

result<void> validate(const tariff_override& o) {
  if (o.price_per_kwh.has_value() == o.multiplier.has_value())
    return invalid("price_per_kwh", "or multiplier: exactly one must be set");
  if (o.price_per_kwh && o.price_per_kwh->micros < 0) return invalid("price_per_kwh", "must not be negative");
  if (o.multiplier && (o.multiplier->value < 0 || o.multiplier->value > 100'000))
    return invalid("multiplier", "must be 0 to 10");
  if (!tariffs::on_grid(o.start)) return invalid("start", "must be on the 15-minute grid");
  if (!tariffs::on_grid(o.end)) return invalid("end", "must be on the 15-minute grid");
  if (o.end <= o.start) return invalid("end", "must be after start");
  if (characters(o.reason) > 500) return invalid("reason", "must be at most 500 characters");
  return {};
}

namespace tariffs {

namespace {

// Where several overrides cover an instant, the most recently created wins.
bool older(const tariff_override& a, const tariff_override& b) {
  if (a.created_at != b.created_at) return a.created_at < b.created_at;
  return a.id < b.id;
}

}  // namespace

result<override_table> compile_overrides(const tariff& t, std::span<const tariff_override> overrides) {
  override_table out;
  std::vector<const tariff_override*> mine;
  std::vector<std::size_t> input_index;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const auto& o = overrides[i];
    if (o.region != t.region) continue;
    // Removed before it began: its end was shortened to its start, it covers nothing.
    if (o.removed_at && o.end <= o.start) continue;
    if (auto ok = validate(o); !ok) {
      auto e = ok.error();
      e.field = "overrides[" + std::to_string(i) + "]." + e.field;
      e.message = "overrides[" + std::to_string(i) + "]." + e.message;
      return e;
    }
    mine.push_back(&o);
    input_index.push_back(i);
  }
  const std::size_t n = t.periods.size();
  for (const auto& p : t.periods) out.prices.push_back(p.price_per_kwh);
  for (std::size_t j = 0; j < mine.size(); ++j) {
    const auto& o = *mine[j];
    out.ids.push_back(o.id);
    for (std::size_t p = 0; p < n; ++p) {
      if (o.price_per_kwh) {
        out.prices.push_back(*o.price_per_kwh);
        continue;
      }
      const wide v = round_half_even(static_cast<wide>(t.periods[p].price_per_kwh.micros) * o.multiplier->value, 10'000);
      if (v > std::numeric_limits<std::int64_t>::max())
        return invalid("overrides[" + std::to_string(input_index[j]) + "].multiplier", "makes a price out of range");
      out.prices.push_back(money{static_cast<std::int64_t>(v)});
    }
  }

  // Sweep the elementary intervals between all starts and ends, keeping the
  // covering overrides in a heap ordered by creation (ended ones leave lazily).
  std::vector<std::int64_t> points;
  std::vector<std::size_t> by_start(mine.size());
  for (std::size_t j = 0; j < mine.size(); ++j) {
    points.push_back(to_micros(mine[j]->start));
    points.push_back(to_micros(mine[j]->end));
    by_start[j] = j;
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::sort(by_start.begin(), by_start.end(), [&](std::size_t a, std::size_t b) { return mine[a]->start < mine[b]->start; });
  auto newer_on_top = [&](std::size_t a, std::size_t b) { return older(*mine[a], *mine[b]); };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(newer_on_top)> live(newer_on_top);
  std::size_t next = 0;
  for (std::size_t k = 0; k + 1 < points.size(); ++k) {
    const auto p = points[k];
    while (next < by_start.size() && to_micros(mine[by_start[next]]->start) <= p) live.push(by_start[next++]);
    while (!live.empty() && to_micros(mine[live.top()]->end) <= p) live.pop();
    if (live.empty()) continue;
    const auto row = static_cast<std::uint32_t>(live.top() + 1);
    if (!out.segments.empty() && out.segments.back().end == p && out.segments.back().row == row)
      out.segments.back().end = points[k + 1];
    else
      out.segments.push_back({p, points[k + 1], row});
  }
  return out;
}

}  // namespace tariffs

}  // namespace segs
