// Internal: analytics' JSON on the wire — the query of every report and the
// views of the five reports. Used by routes_analytics.cpp.
//
// Wire names (docs/analytics.md defines each figure): every report carries
// {region, time_zone, currency, scope, user_id, from, to, start, end}
// (`from`/`to` local dates "YYYY-MM-DD", `start`/`end` RFC 3339 instants);
// energy in kWh (`consumption_kwh`, ...), money in currency units, both as
// JSON numbers (json_io.hpp); ratios JSON numbers with at most 4 decimals;
// absent values null.
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/analytics.hpp>

#include <boost/json.hpp>

namespace segs::rest::detail {

/// `region`, `from` and `to` of the query string: dates "YYYY-MM-DD"
/// (validation_error naming the parameter otherwise).
[[nodiscard]] analytics_query read_analytics_query(const call& c);

[[nodiscard]] boost::json::value view(const energy_analytics& a);
[[nodiscard]] boost::json::value view(const trading_analytics& a);
[[nodiscard]] boost::json::value view(const users_analytics& a);
[[nodiscard]] boost::json::value view(const market_analytics& a);
[[nodiscard]] boost::json::value view(const financial_analytics& a);

}  // namespace segs::rest::detail
