// Internal: the operators' dashboard and reports on the wire (JSON and CSV),
// used by routes_operator.cpp.
//
// Wire names are fixed (issue 16, section 3; outside clients depend on
// them): the dashboard {regions, as_of, currency, users {total, active,
// suspended}, meters {total, active, reporting_last_15m}, load_kw,
// consumption_today_kwh, alerts_open {info, warning, critical}, invoices
// {outstanding, overdue_count, overdue_amount}, market {open_orders,
// volume_today_kwh, last_price}}; the reports {region, time_zone, currency,
// from, to, group_by, rows}, each row of consumption {period, consumed_kwh,
// produced_kwh, net_kwh, peak_load_kw, meters_reporting} and of revenue
// {period, invoiced, collected, outstanding, p2p_volume_kwh, market_fees}.
// Energy in kWh, power in kW, money in currency units, all JSON numbers;
// absent values null. As CSV a report is a header row of the row fields
// and one line per row, the same numbers, absent values empty.
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/operations.hpp>

#include <boost/json.hpp>

#include <string>

namespace segs::rest::detail {

/// `region`, `from`, `to` (dates "YYYY-MM-DD") and `group_by` (day|month,
/// default day) of the query string; validation_error naming the parameter.
[[nodiscard]] operator_report_query read_report_query(const call& c);

[[nodiscard]] boost::json::value view(const operator_dashboard& d);
[[nodiscard]] boost::json::value view(const consumption_report& r);
[[nodiscard]] boost::json::value view(const revenue_report& r);

/// The report's rows as CSV (header row: the row fields).
[[nodiscard]] std::string csv(const consumption_report& r);
[[nodiscard]] std::string csv(const revenue_report& r);

}  // namespace segs::rest::detail
