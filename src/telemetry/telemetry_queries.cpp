// Queries over the stored aggregates: a meter's buckets at four widths, its
// totals, local days and months, period comparisons, and a region's totals,
// top consumers and live load. Nothing here reads raw readings except the
// live load, which is about the latest ones.
//
// Ranges are (start, end] and select the buckets that overlap them: the
// bucket holding the range's first instant (start + 1 us) through the one
// holding `end` (a bucket holds the instants (its start, its end]).
#include "telemetry/analytics.hpp"
#include "telemetry/rules.hpp"
#include "telemetry/telemetry_impl.hpp"

#include "storage/stores/region_store.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace segs {

using detail::fail;
using detail::meter_access;
namespace store = storage::telemetry;
using telemetry::aggregate;
using namespace std::chrono;

namespace {

constexpr microseconds one_us{1};

timestamp hour_of(timestamp x) {  // the start of the hour holding instant x
  const auto us = to_micros(x - one_us);
  const std::int64_t h = duration_cast<microseconds>(hours{1}).count();
  return from_micros((us >= 0 ? us / h : (us - h + 1) / h) * h);
}

year_month month_of(const tz::zone& z, timestamp x) {
  const auto d = z.date_of(x - one_us);
  return d.year() / d.month();
}

// Quarter-hours overlapping the range: [first start, last start + 15 min).
std::pair<timestamp, timestamp> quarter_span(const time_range& r) {
  return {telemetry::quarter_of(r.start + one_us), telemetry::quarter_of(r.end) + telemetry::quarter};
}

// Whole local days inside [from, to): [d0, d1), empty (d0 == d1 == to) when none.
std::pair<timestamp, timestamp> whole_days(const tz::zone& z, timestamp from, timestamp to) {
  auto first = detail::day_of(z, from + one_us);
  timestamp d0 = first.start == from ? from : first.end;
  auto last = detail::day_of(z, to);
  timestamp d1 = last.end == to ? to : last.start;
  if (d0 >= d1) return {to, to};
  return {d0, d1};
}

std::optional<milli> load_kw(std::int64_t net_wh) { return milli{net_wh * 4}; }  // Wh per 0.25 h = W

}  // namespace

result<std::vector<bucket>> telemetry_service::history(const principal& who, std::string_view meter,
                                                       time_range range, bucket_width width) {
  return detail::guard([&] {
    telemetry::check_range(range);
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      std::vector<bucket> out;
      switch (width) {
        case bucket_width::quarter_hour: {
          auto [from, to] = quarter_span(range);
          for (const auto& q : store::quarters(tx, m.seq, from, to)) out.push_back(q.agg.to_bucket(q.start, q.end));
          break;
        }
        case bucket_width::hour: {
          const auto from = hour_of(range.start + one_us), to = hour_of(range.end) + hours{1};
          std::map<timestamp, aggregate> by_hour;
          for (const auto& q : store::quarters(tx, m.seq, from, to)) by_hour[hour_of(q.start + one_us)].merge(q.agg);
          for (const auto& [h, a] : by_hour) out.push_back(a.to_bucket(h, h + hours{1}));
          break;
        }
        case bucket_width::day: {
          const auto z = detail::zone_of(tx, m.m.region);
          const auto from = detail::day_of(z, range.start + one_us).start, to = detail::day_of(z, range.end).end;
          for (const auto& d : store::days(tx, m.seq, from, to)) out.push_back(d.agg.to_bucket(d.start, d.end));
          break;
        }
        case bucket_width::month: {
          const auto z = detail::zone_of(tx, m.m.region);
          const auto first = month_of(z, range.start + one_us), last = month_of(z, range.end);
          std::map<year_month, aggregate> by_month;
          for (const auto& d : store::days(tx, m.seq, z.start_of_month(first), z.start_of_month(last + months{1})))
            by_month[month_of(z, d.end)].merge(d.agg);
          for (const auto& [mo, a] : by_month)
            out.push_back(a.to_bucket(z.start_of_month(mo), z.start_of_month(mo + months{1})));
          break;
        }
      }
      return out;
    });
  });
}

result<meter_stats> telemetry_service::stats(const principal& who, std::string_view meter, time_range range) {
  return detail::guard([&] {
    telemetry::check_range(range);
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      auto [from, to] = quarter_span(range);
      aggregate a;
      for (const auto& q : store::quarters(tx, m.seq, from, to)) a.merge(q.agg);
      meter_stats s;
      s.meter_id = m.m.meter_id;
      s.range = range;
      s.totals = a.to_bucket(range.start, range.end);
      s.peak_at = a.peak_at;
      return s;
    });
  });
}

result<std::vector<day_total>> telemetry_service::daily(const principal& who, std::string_view meter,
                                                        time_range range) {
  return detail::guard([&] {
    telemetry::check_range(range);
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      const auto z = detail::zone_of(tx, m.m.region);
      const auto from = detail::day_of(z, range.start + one_us).start, to = detail::day_of(z, range.end).end;
      std::vector<day_total> out;
      for (const auto& d : store::days(tx, m.seq, from, to)) {
        std::optional<milli> peak;
        if (d.agg.peak_max) peak = milli{*d.agg.peak_max};
        out.push_back({z.date_of(d.start), energy{d.agg.consumed_wh}, energy{d.agg.produced_wh}, peak});
      }
      return out;
    });
  });
}

result<std::vector<month_total>> telemetry_service::monthly(const principal& who, std::string_view meter,
                                                            int year) {
  return detail::guard([&] {
    if (year < 1970 || year > 9999) fail(errc::validation_error, "year must be between 1970 and 9999", "year");
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      const auto z = detail::zone_of(tx, m.m.region);
      const std::chrono::year y{year};
      std::map<year_month, month_total> by_month;
      for (const auto& d : store::days(tx, m.seq, z.start_of_month(y / January), z.start_of_month((y + years{1}) / January))) {
        auto& t = by_month[month_of(z, d.end)];
        t.month = month_of(z, d.end);
        t.consumed = t.consumed + energy{d.agg.consumed_wh};
        t.produced = t.produced + energy{d.agg.produced_wh};
      }
      std::vector<month_total> out;
      for (auto& [k, v] : by_month) out.push_back(v);
      return out;
    });
  });
}

result<period_comparison> telemetry_service::compare(const principal& who, std::string_view meter,
                                                     compare_period period,
                                                     std::optional<year_month_day> date) {
  return detail::guard([&] {
    if (date && !date->ok()) fail(errc::validation_error, "date must be a valid date", "date");
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      const auto z = detail::zone_of(tx, m.m.region);
      const year_month_day d = date.value_or(z.date_of(impl_->core.now()));
      // The local period containing d, as [first day, day after the last).
      sys_days first{d}, next{d};
      switch (period) {
        case compare_period::day: next = first + days{1}; break;
        case compare_period::week:
          first = sys_days{d} - (weekday{sys_days{d}} - Monday);
          next = first + days{7};
          break;
        case compare_period::month:
          first = sys_days{d.year() / d.month() / 1};
          next = sys_days{(d.year() / d.month() + months{1}) / 1};
          break;
      }
      sys_days prev_first = period == compare_period::month
                                ? sys_days{(year_month_day{first}.year() / year_month_day{first}.month() - months{1}) / 1}
                                : first - (next - first);
      auto total = [&](sys_days a, sys_days b) {
        period_total t;
        t.range = {z.start_of_day(year_month_day{a}), z.start_of_day(year_month_day{b})};
        for (const auto& x : store::days(tx, m.seq, t.range.start, t.range.end)) {
          t.consumed = t.consumed + energy{x.agg.consumed_wh};
          t.produced = t.produced + energy{x.agg.produced_wh};
        }
        return t;
      };
      period_comparison c;
      c.meter_id = m.m.meter_id;
      c.period = period;
      c.current = total(first, next);
      c.previous = total(prev_first, first);
      c.change = c.current.consumed - c.previous.consumed;
      if (c.previous.consumed.wh != 0) {
        auto pct = divide(c.change.wh * 10000, c.previous.consumed.wh, rounding::half_even).value();
        c.change_percent = static_cast<double>(pct) / 100.0;
      }
      return c;
    });
  });
}

namespace {

void require_region_reader(const principal& who, std::string_view region) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  // Scope self never reaches a region: users read their own meters only.
  if (!detail::reaches_region(who, region, permission::telemetry_read) &&
      !detail::reaches_region(who, region, permission::meters_manage))
    fail(errc::forbidden, "region telemetry is for the region's operators and admins");
}

}  // namespace

result<region_stats> telemetry_service::stats_of_region(const principal& who, std::string_view region,
                                                        time_range range) {
  return detail::guard([&] {
    require_region_reader(who, region);
    telemetry::check_range(range);
    return impl_->core.read([&](storage::transaction& tx) {
      if (!storage::regions::exists(tx, region)) fail(errc::not_found, "no region " + std::string(region), "region");
      auto [from, to] = quarter_span(range);
      region_stats s;
      s.region = std::string(region);
      s.range = range;
      s.meters_total = store::meters_in_service(tx, region);
      s.meters_reporting = store::meters_reporting(tx, region, from, to);
      std::optional<std::int64_t> peak;
      for (const auto& q : store::region_quarters(tx, region, from, to)) {
        s.consumed = s.consumed + energy{q.consumed_wh};
        s.produced = s.produced + energy{q.produced_wh};
        const auto net = q.consumed_wh - q.produced_wh;
        if (q.readings > 0 && (!peak || net > *peak)) {
          peak = net;
          s.peak_at = q.start + telemetry::quarter;
        }
      }
      if (peak) s.peak_load_kw = load_kw(*peak);
      return s;
    });
  });
}

result<std::vector<top_consumer>> telemetry_service::top_consumers(const principal& who,
                                                                   std::string_view region,
                                                                   time_range range, int limit) {
  return detail::guard([&] {
    require_region_reader(who, region);
    telemetry::check_range(range);
    if (limit < 1 || limit > 100) fail(errc::validation_error, "limit must be between 1 and 100", "limit");
    return impl_->core.read([&](storage::transaction& tx) {
      if (!storage::regions::exists(tx, region)) fail(errc::not_found, "no region " + std::string(region), "region");
      const auto z = detail::zone_of(tx, region);
      auto [from, to] = quarter_span(range);
      auto [d0, d1] = whole_days(z, from, to);
      return store::top_consumers(tx, region, from, d0, d1, to, limit);
    });
  });
}

result<region_realtime> telemetry_service::realtime(const principal& who, std::string_view region) {
  return detail::guard([&] {
    require_region_reader(who, region);
    return impl_->core.read([&](storage::transaction& tx) {
      if (!storage::regions::exists(tx, region)) fail(errc::not_found, "no region " + std::string(region), "region");
      region_realtime r;
      r.region = std::string(region);
      r.as_of = impl_->core.now();
      r.meters_total = store::meters_in_service(tx, region);
      for (const auto& p : store::latest_power(tx, region, r.as_of - minutes{r.window_minutes}, r.as_of)) {
        ++r.meters_reporting;
        if (!p) continue;
        if (*p > 0) r.load_kw.value += *p;
        else r.generation_kw.value -= *p;
      }
      r.net_load_kw = milli{r.load_kw.value - r.generation_kw.value};
      return r;
    });
  });
}

result<meter_analytics> telemetry_service::analytics(const principal& who, std::string_view meter,
                                                     time_range range) {
  return detail::guard([&] {
    telemetry::check_range(range);
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      const auto reg = storage::regions::find(tx, m.m.region);
      if (!reg) fail(errc::internal, "meter " + m.m.meter_id + " names no registered region");
      auto [from, to] = quarter_span(range);
      auto a = telemetry::analyze(store::quarters(tx, m.seq, from, to), detail::zone_of(*reg), range,
                                  reg->emission_factor_kg_per_kwh);
      a.meter_id = m.m.meter_id;
      return a;
    });
  });
}

}  // namespace segs
