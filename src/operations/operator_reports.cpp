// Operators' dashboard and reports (issue 16, section 3): figures over the
// regions a caller operates, each read from the capability's store that
// holds it, and local days and months of each region (analytics' buckets).
#include "analytics/analytics_impl.hpp"
#include "billing/prices.hpp"
#include "operations/operations_impl.hpp"
#include "storage/stores/alerts_store.hpp"
#include "storage/stores/billing_store.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/market_store.hpp"
#include "storage/stores/region_store.hpp"
#include "storage/stores/telemetry_store.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace segs {

using detail::fail;

namespace {

/// The window of "now" figures: a reading this recent counts as current.
constexpr std::chrono::minutes current_window{15};
/// One quarter-hour's energy in Wh is its average power in W x 0.25 h.
milli quarter_load(std::int64_t wh) { return milli{wh * 4}; }

std::int64_t at(const std::map<std::string, std::int64_t>& m, std::string_view key) {
  const auto it = m.find(std::string(key));
  return it == m.end() ? 0 : it->second;
}

/// analytics:operate over `region` (the system principal operates all).
bool operates_region(const principal& who, std::string_view region) {
  if (who.type == principal::kind::system) return true;
  if (who.type != principal::kind::user || !who.can(permission::analytics_operate)) return false;
  return who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region);
}

}  // namespace

void operations_service::impl::require_operator(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (who.type == principal::kind::api_key) fail(errc::forbidden, "operators' views are read by users, not API keys");
  if (!who.can(permission::analytics_operate)) fail(errc::forbidden, "this needs analytics:operate (operators, admins)");
}

bool operations_service::impl::operates(const principal& who, std::string_view region) {
  return operates_region(who, region);
}

std::vector<region> operations_service::impl::operated_regions(storage::transaction& tx, const principal& who) {
  std::vector<region> out;
  for (auto& r : storage::regions::all(tx))
    if (operates(who, r.code)) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const region& a, const region& b) { return a.code < b.code; });
  return out;
}

// --- the dashboard ------------------------------------------------------------------------

result<operator_dashboard> operations_service::dashboard(const principal& who,
                                                         const std::optional<std::string>& only) {
  return detail::guard([&] {
    impl::require_operator(who);
    impl_->sync();
    auto& core = impl_->core;
    return core.read([&](storage::transaction& tx) {
      namespace tel = storage::telemetry;
      operator_dashboard d;
      d.as_of = core.now();
      auto regions = impl::operated_regions(tx, who);
      if (only) {
        if (!storage::regions::find(tx, *only))
          fail(errc::validation_error, "region " + *only + " is not registered", "region");
        if (!impl::operates(who, *only)) fail(errc::forbidden, "this needs analytics:operate in region " + *only, "region");
        std::erase_if(regions, [&](const region& r) { return r.code != *only; });
      }
      const auto open_orders = storage::market::open_orders_by_region(tx);
      std::set<std::string> currencies;
      money outstanding, overdue;
      std::optional<storage::market::last_trade> last;
      for (const auto& r : regions) {
        d.regions.push_back(r.code);
        currencies.insert(r.currency);
        const auto z = billing::zone_of(r);
        const auto midnight = z.start_of_day(z.date_of(d.as_of));
        const auto tomorrow =
            z.start_of_day(std::chrono::year_month_day{std::chrono::sys_days{z.date_of(d.as_of)} + std::chrono::days{1}});

        const auto users = storage::identity::users_by_status(tx, r.code);
        for (const auto& [status, n] : users) d.users.total += n;
        d.users.active += at(users, to_string(user_status::active));
        d.users.suspended += at(users, to_string(user_status::suspended));

        d.meters.total += tel::meters_in_service(tx, r.code);
        tel::meter_filter mf;
        mf.region = r.code;
        d.meters.active += tel::count_by_status(tx, mf).first;
        for (const auto& p : tel::latest_power(tx, r.code, d.as_of - current_window, d.as_of)) {
          ++d.meters.reporting_last_15m;
          if (p && *p > 0) d.load_kw.value += *p;
        }
        for (const auto& q : tel::region_quarters(tx, r.code, midnight, d.as_of))
          d.consumption_today = d.consumption_today + energy{q.consumed_wh};

        const auto alerts = storage::alerts::open_by_severity(tx, r.code);
        d.alerts_open.info += at(alerts, to_string(alert_severity::info));
        d.alerts_open.warning += at(alerts, to_string(alert_severity::warning));
        d.alerts_open.critical += at(alerts, to_string(alert_severity::critical));

        const auto owed = storage::billing::receivables_of(tx, r.code, d.as_of);
        outstanding = outstanding + owed.outstanding;
        overdue = overdue + owed.overdue_amount;
        d.invoices.overdue_count += owed.overdue_count;

        d.market.open_orders += at(open_orders, r.code);
        for (const auto& t : storage::market::trades_between(tx, r.code, midnight, tomorrow))
          d.market.volume_today = d.market.volume_today + t.quantity;
        if (auto t = storage::market::last_trade_of(tx, r.code); t && (!last || last->executed_at < t->executed_at))
          last = t;
      }
      if (currencies.size() <= 1) {
        if (!currencies.empty()) d.currency = *currencies.begin();
        d.invoices.outstanding = outstanding;
        d.invoices.overdue_amount = overdue;
        if (last) d.market.last_price = last->price;
      }
      return d;
    });
  });
}

// --- the reports --------------------------------------------------------------------------

namespace {

/// A report's region, header and periods.
struct report_target {
  operator_report_header header;
  std::vector<analytics::period_bucket> periods;
  timestamp start{};
  timestamp end{};
};

report_target resolve(storage::transaction& tx, const principal& who, const operator_report_query& q,
                      timestamp now) {
  const auto code = analytics::region_asked(tx, who, q.region);
  auto r = storage::regions::find(tx, code);
  if (!r) fail(errc::validation_error, "region " + code + " is not registered", "region");
  if (!operates_region(who, r->code))
    fail(errc::forbidden, "this needs analytics:operate in region " + r->code, "region");
  const auto z = billing::zone_of(*r);
  const auto [from, to] = analytics::local_range(q.from, q.to, z, now);
  report_target t;
  t.header.region = r->code;
  t.header.time_zone = r->time_zone;
  t.header.currency = r->currency;
  t.header.from = from;
  t.header.to = to;
  t.header.group_by = q.group_by;
  const auto days = analytics::local_days(z, from, to);
  t.periods = analytics::group(days, q.group_by);
  t.start = days.front().start;
  t.end = days.back().end;
  return t;
}

void check_grouping(analytics_grouping g) {
  if (g != analytics_grouping::day && g != analytics_grouping::month)
    fail(errc::validation_error, "group_by must be day or month", "group_by");
}

}  // namespace

result<consumption_report> operations_service::consumption(const principal& who, const operator_report_query& q) {
  return detail::guard([&] {
    impl::require_operator(who);
    check_grouping(q.group_by);
    auto& core = impl_->core;
    return core.read([&](storage::transaction& tx) {
      namespace tel = storage::telemetry;
      const auto t = resolve(tx, who, q, core.now());
      consumption_report out;
      out.header = t.header;
      for (const auto& p : t.periods) {
        consumption_row row;
        row.period = p.period;
        row.start = p.start;
        row.end = p.end;
        row.meters_reporting = tel::meters_reporting(tx, t.header.region, p.start, p.end);
        out.rows.push_back(std::move(row));
      }
      // Per quarter-hour the region's kept totals; the peak as telemetry's
      // region statistics take it (quarter-hours that had readings).
      std::vector<std::optional<std::int64_t>> peak(t.periods.size());
      for (const auto& qr : tel::region_quarters(tx, t.header.region, t.start, t.end)) {
        const auto i = analytics::period_of(t.periods, qr.start);
        if (!i) continue;
        auto& row = out.rows[*i];
        row.consumed = row.consumed + energy{qr.consumed_wh};
        row.produced = row.produced + energy{qr.produced_wh};
        const auto net = qr.consumed_wh - qr.produced_wh;
        if (qr.readings > 0 && (!peak[*i] || net > *peak[*i])) peak[*i] = net;
      }
      for (std::size_t i = 0; i < out.rows.size(); ++i) {
        auto& row = out.rows[i];
        row.net = row.consumed - row.produced;
        if (peak[i]) row.peak_load_kw = quarter_load(*peak[i]);
      }
      return out;
    });
  });
}

result<revenue_report> operations_service::revenue(const principal& who, const operator_report_query& q) {
  return detail::guard([&] {
    impl::require_operator(who);
    check_grouping(q.group_by);
    impl_->sync();
    auto& core = impl_->core;
    return core.read([&](storage::transaction& tx) {
      const auto t = resolve(tx, who, q, core.now());
      const auto& region = t.header.region;
      revenue_report out;
      out.header = t.header;
      for (const auto& p : t.periods) out.rows.push_back({p.period, p.start, p.end, {}, {}, {}, {}, {}});
      auto each = [&](timestamp when, auto&& fn) {
        if (const auto i = analytics::period_of(t.periods, when)) fn(out.rows[*i]);
      };
      for (const auto& inv : storage::billing::invoices_issued_between(tx, region, std::nullopt, t.start, t.end))
        each(inv.issued_at, [&](revenue_row& r) {
          r.invoiced = r.invoiced + inv.total;
          r.outstanding = r.outstanding + inv.due;
        });
      for (const auto& p : storage::billing::payments_between(tx, region, std::nullopt, t.start, t.end))
        each(p.paid_at, [&](revenue_row& r) { r.collected = r.collected + p.amount; });
      for (const auto& tr : storage::market::trades_between(tx, region, t.start, t.end))
        each(tr.delivery_slot, [&](revenue_row& r) {
          r.p2p_volume = r.p2p_volume + tr.quantity;
          r.market_fees = r.market_fees + tr.buyer_fee + tr.seller_fee;
        });
      return out;
    });
  });
}

}  // namespace segs
