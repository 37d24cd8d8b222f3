#include "telemetry/aggregate.hpp"

namespace segs::telemetry {

void value_stats::add(std::int64_t v) noexcept {
  ++n;
  sum += v;
  if (!min || v < *min) min = v;
  if (!max || v > *max) max = v;
}

void value_stats::merge(const value_stats& o) noexcept {
  n += o.n;
  sum += o.sum;
  if (o.min && (!min || *o.min < *min)) min = o.min;
  if (o.max && (!max || *o.max > *max)) max = o.max;
}

std::optional<milli> value_stats::mean() const {
  if (n == 0) return std::nullopt;
  return milli{divide(sum, n, rounding::half_even).value()};
}

void aggregate::add(const reading& r) noexcept {
  consumed_wh += r.consumed.wh;
  produced_wh += r.produced.wh;
  ++readings;
  if (r.power_kw) power.add(r.power_kw->value);
  if (r.voltage) voltage.add(r.voltage->value);
  if (r.current) current.add(r.current->value);
  if (r.power_factor) power_factor.add(r.power_factor->value);
  if (r.frequency) frequency.add(r.frequency->value);
  if (r.peak_demand_kw) {
    const auto v = r.peak_demand_kw->value;
    if (!peak_max || v > *peak_max || (v == *peak_max && r.time < *peak_at)) {
      peak_max = v;
      peak_at = r.time;
    }
  }
}

void aggregate::merge(const aggregate& o) noexcept {
  consumed_wh += o.consumed_wh;
  produced_wh += o.produced_wh;
  readings += o.readings;
  power.merge(o.power);
  voltage.merge(o.voltage);
  current.merge(o.current);
  power_factor.merge(o.power_factor);
  frequency.merge(o.frequency);
  if (o.peak_max &&
      (!peak_max || *o.peak_max > *peak_max || (*o.peak_max == *peak_max && *o.peak_at < *peak_at))) {
    peak_max = o.peak_max;
    peak_at = o.peak_at;
  }
}

bucket aggregate::to_bucket(timestamp start, timestamp end) const {
  auto opt = [](const std::optional<std::int64_t>& v) -> std::optional<milli> {
    if (!v) return std::nullopt;
    return milli{*v};
  };
  bucket b;
  b.start = start;
  b.end = end;
  b.consumed = energy{consumed_wh};
  b.produced = energy{produced_wh};
  b.reading_count = readings;
  b.min_power_kw = opt(power.min);
  b.avg_power_kw = power.mean();
  b.max_power_kw = opt(power.max);
  b.peak_demand_kw = opt(peak_max);
  b.voltage_min = opt(voltage.min);
  b.voltage_avg = voltage.mean();
  b.voltage_max = opt(voltage.max);
  b.current_avg = current.mean();
  b.power_factor_avg = power_factor.mean();
  b.frequency_avg = frequency.mean();
  return b;
}

timestamp quarter_of(timestamp t) noexcept {
  // (start, end]: an instant on a boundary belongs to the quarter it ends.
  constexpr std::int64_t q = std::chrono::microseconds(quarter).count();
  const std::int64_t us = to_micros(t) - 1;
  std::int64_t start = us / q * q;
  if (us < 0 && us % q != 0) start -= q;  // floor for instants before 1970
  return from_micros(start);
}

}  // namespace segs::telemetry
