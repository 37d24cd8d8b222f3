// Reports over the alerts a caller sees: the open summary, stats of a range
// with local days, and operators' analytics. Counted in C++ over the rows
// of the range (a range is at most 366 days).
#include "alerts/alerts_impl.hpp"

#include "core/time_zone.hpp"
#include "storage/stores/region_store.hpp"
#include "telemetry/rules.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>

namespace segs {

using detail::fail;
namespace store = storage::alerts;

namespace {

struct means {
  double ack_sum = 0, resolve_sum = 0;
  std::int64_t acks = 0, resolves = 0;
  void add(const alert& a) {
    if (a.acknowledged_at) {
      ack_sum += std::chrono::duration<double>(*a.acknowledged_at - a.first_seen_at).count();
      ++acks;
    }
    if (a.resolved_at) {
      resolve_sum += std::chrono::duration<double>(*a.resolved_at - a.first_seen_at).count();
      ++resolves;
    }
  }
  [[nodiscard]] std::optional<double> ack() const {
    return acks ? std::optional<double>(ack_sum / static_cast<double>(acks)) : std::nullopt;
  }
  [[nodiscard]] std::optional<double> resolve() const {
    return resolves ? std::optional<double>(resolve_sum / static_cast<double>(resolves)) : std::nullopt;
  }
};

void check_range(timestamp from, timestamp to) {
  if (!(from < to)) fail(errc::validation_error, "from must be before to", "from");
  if (to - from > std::chrono::days{366}) fail(errc::validation_error, "a range spans at most 366 days", "to");
}

bool in(timestamp t, timestamp from, timestamp to) { return t >= from && t < to; }

}  // namespace

result<alert_summary> alerts_service::summary(const principal& who) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      store::alert_filter f;
      f.who = impl::visibility_of(who);
      f.open_only = true;
      alert_summary s;
      for (const auto& r : store::report_rows(tx, f, std::nullopt, std::nullopt)) {
        const auto& a = r.a;
        ++s.total_open;
        (a.status == alert_status::active ? s.active : s.acknowledged) += 1;
        ++s.by_severity[static_cast<std::size_t>(a.severity)];
        ++s.by_type[a.type];
        if (!s.oldest_open_at || a.first_seen_at < *s.oldest_open_at) s.oldest_open_at = a.first_seen_at;
      }
      return s;
    });
  });
}

result<alert_stats> alerts_service::stats(const principal& who, timestamp from, timestamp to) {
  return detail::guard([&] {
    check_range(from, to);
    return impl_->core.read([&](storage::transaction& tx) {
      alert_stats s;
      s.from = from;
      s.to = to;
      auto zone = tz::zone::utc();
      if (who.type == principal::kind::user && !who.region.empty())
        if (auto r = storage::regions::find(tx, who.region)) zone = detail::zone_of(*r);
      s.time_zone = std::string(zone.name());
      // Every local day the range touches.
      const auto first = std::chrono::sys_days{zone.date_of(from)};
      const auto last = std::chrono::sys_days{zone.date_of(to - std::chrono::microseconds{1})};
      for (auto d = first; d <= last; d += std::chrono::days{1}) s.per_day.push_back({std::chrono::year_month_day{d}});
      auto day = [&](timestamp t) -> alert_day& {
        const auto i = (std::chrono::sys_days{zone.date_of(t)} - first).count();
        return s.per_day.at(static_cast<std::size_t>(i));
      };
      store::alert_filter f;
      f.who = impl::visibility_of(who);
      f.from = from;
      f.to = to;
      means m;
      for (const auto& r : store::report_rows(tx, f, from, to)) {
        const auto& a = r.a;
        if (in(a.first_seen_at, from, to)) {
          ++s.raised;
          ++day(a.first_seen_at).raised;
          m.add(a);
        }
        if (a.resolved_at && in(*a.resolved_at, from, to)) {
          ++s.resolved;
          if (a.resolution == alert_resolution::automatic) ++s.auto_resolved;
          ++day(*a.resolved_at).resolved;
        }
      }
      s.mean_time_to_acknowledge_s = m.ack();
      s.mean_time_to_resolve_s = m.resolve();
      return s;
    });
  });
}

result<alert_analytics> alerts_service::analytics(const principal& who, timestamp from, timestamp to,
                                                  std::optional<std::string_view> region) {
  return detail::guard([&] {
    if (!who.can(permission::alerts_manage)) fail(errc::forbidden, "alert analytics need alerts:manage");
    check_range(from, to);
    return impl_->core.read([&](storage::transaction& tx) {
      if (region) {
        if (!storage::regions::exists(tx, *region)) fail(errc::not_found, "no region " + std::string(*region), "region");
        const auto v = impl::visibility_of(who);
        if (!v.all && v.region != *region)
          fail(errc::forbidden, "alert analytics of region " + std::string(*region) + " need alerts:manage there");
      }
      alert_analytics out;
      out.from = from;
      out.to = to;
      store::alert_filter f;
      f.who = impl::visibility_of(who);
      if (region) f.region = std::string(*region);
      f.from = from;
      f.to = to;
      means m;
      std::map<std::string, std::int64_t> per_meter;
      for (const auto& r : store::report_rows(tx, f, std::nullopt, std::nullopt)) {
        const auto& a = r.a;
        ++out.by_type[a.type];
        ++out.by_severity[static_cast<std::size_t>(a.severity)];
        ++out.by_region[a.region];
        ++per_meter[a.meter_id];
        m.add(a);
      }
      std::vector<meter_alert_count> top;
      for (const auto& [id, n] : per_meter) top.push_back({id, n});
      std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.alerts != b.alerts ? a.alerts > b.alerts : a.meter_id < b.meter_id;
      });
      if (top.size() > 10) top.resize(10);
      out.top_meters = std::move(top);
      out.mean_time_to_acknowledge_s = m.ack();
      out.mean_time_to_resolve_s = m.resolve();
      store::alert_filter open;
      open.who = f.who;
      open.region = f.region;
      open.open_only = true;
      out.open_now = store::list_alerts(tx, open, {1, 1}, false).total;
      return out;
    });
  });
}

}  // namespace segs
