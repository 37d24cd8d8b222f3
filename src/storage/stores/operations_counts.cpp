#include "storage/stores/operations_counts.hpp"

#include "storage/stores/alerts_store.hpp"
#include "storage/stores/audit_store.hpp"
#include "storage/stores/billing_store.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/market_store.hpp"
#include "storage/stores/notifications_store.hpp"
#include "storage/stores/region_store.hpp"
#include "storage/stores/tariffs_store.hpp"
#include "storage/stores/telemetry_store.hpp"

#include <map>
#include <set>

namespace segs::storage::counts {

deployment_stats of_deployment(transaction& tx) {
  deployment_stats s;
  const auto users = identity::users_by_region(tx);
  const auto meters = telemetry::meters_by_region(tx);
  const auto alerts = alerts::open_by_region(tx);
  const auto orders = market::open_orders_by_region(tx);
  const auto invoices = billing::invoices_by_region(tx);
  std::set<std::string> codes;
  for (const auto& r : regions::all(tx)) codes.insert(r.code);
  for (const auto* m : {&users, &meters, &alerts, &orders, &invoices})
    for (const auto& [code, n] : *m) codes.insert(code);
  auto at = [](const std::map<std::string, std::int64_t>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? std::int64_t{0} : it->second;
  };
  for (const auto& code : codes) {
    deployment_stats::region_counts c;
    c.region = code;
    c.users = at(users, code);
    c.meters = at(meters, code);
    c.open_alerts = at(alerts, code);
    c.open_orders = at(orders, code);
    c.invoices = at(invoices, code);
    s.users += c.users;
    s.meters += c.meters;
    s.open_alerts += c.open_alerts;
    s.open_orders += c.open_orders;
    s.invoices += c.invoices;
    s.regions.push_back(std::move(c));
  }
  s.readings = telemetry::count_readings(tx);
  s.tariffs = tariffs::count_tariffs(tx);
  s.trades = market::count_trades(tx);
  s.notifications = notifications::count(tx);
  s.audit_records = audit::count(tx);
  return s;
}

}  // namespace segs::storage::counts
