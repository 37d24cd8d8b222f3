// Internal: the tariffs' JSON on the wire — readers of a tariff, its
// partial update and an override; views of tariffs, overrides, the current
// price, history, estimates, forecasts, regions and analytics; the
// library's C++ member names in the wire's words. Used by
// routes_tariffs.cpp.
//
// Wire names: a tariff is {id, region, name, currency, effective_from,
// effective_to, periods: [{name, price_per_kwh}], schedule: [{period, days,
// start, end, months}], default_period, holidays, tiers: [{up_to_kwh,
// adder_per_kwh}], fixed_charge_per_day, demand_charge_per_kw,
// export_price_per_kwh, tax_percent, created_by, created_at}; an override
// {id, region, start, end, price_per_kwh, multiplier, reason, created_by,
// created_at, removed_at}. Money, kWh, tax_percent and multiplier are JSON
// numbers (money at most 6 decimals, kWh 3, the two others 4); wall times
// "HH:MM" (end may be "24:00"); days mon..sun, holiday; dates YYYY-MM-DD;
// instants RFC 3339; absent values null.
#pragma once

#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/tariffs.hpp>

#include <boost/json.hpp>

#include <vector>

namespace segs::rest::detail {

/// A library error in the wire's words: tiers[i].up_to -> tiers[i].up_to_kwh,
/// consumption -> consumption_kwh, with the message's leading word.
[[nodiscard]] segs::error tariffs_wire_words(segs::error e);

/// take() for the tariffs' answers: the error in the wire's words.
template <class T>
T answer_tariffs(result<T> r) {
  if (!r) throw segs::exception(tariffs_wire_words(r.error()));
  return std::move(r).value();
}

// --- readers ---------------------------------------------------------------

/// The body of POST /tariffs: `region` and `effective_from` required;
/// unknown members and values of the wrong type or form are 400 naming
/// their path (`schedule[1].start`, `tiers[0].up_to_kwh`). What the values
/// must be (ranges, the grid, names) is the library's to check.
[[nodiscard]] tariff read_tariff(const boost::json::object& body);

/// The body of PUT /tariffs/:tariffId: only the members present change
/// (null counts as absent), except `effective_to: null`, which makes the
/// tariff open-ended. `region` and `currency` cannot change (400 naming them).
[[nodiscard]] tariff_patch read_tariff_patch(const boost::json::object& body);

/// The body of POST /tariffs/override: `region`, `start` and `end` required,
/// one of `price_per_kwh` and `multiplier` (the library checks exactly one),
/// `reason` optional.
[[nodiscard]] tariff_override read_override(const boost::json::object& body);

// --- views -----------------------------------------------------------------

[[nodiscard]] boost::json::value view(const tariff& t);
[[nodiscard]] boost::json::value view(const tariff_override& o);
/// {name, price_per_kwh, effective_price_per_kwh, override_id, starts_at, ends_at}.
[[nodiscard]] boost::json::value view(const current_period& p);
/// {tariff, now, current_period, next_change_at}.
[[nodiscard]] boost::json::value view(const current_tariff& c);
/// {tariffs, overrides}, newest first.
[[nodiscard]] boost::json::value view(const tariff_history& h);
/// {region, currency, from, to, consumption_kwh, by_period: [{period, kwh,
/// amount}], energy_charge, tier_charge, fixed_charge, demand_charge, tax, total}.
[[nodiscard]] boost::json::value view(const tariff_estimate& e);
/// {region, from, to, prices: [{start, end, period, price_per_kwh (the
/// effective price), effective_price_per_kwh, period_price_per_kwh,
/// override_id}]}.
[[nodiscard]] boost::json::value view(const price_forecast& f);
/// {regions: [{region, tariff, current_period}]} (null where none is in effect).
[[nodiscard]] boost::json::value view(const std::vector<region_tariff>& regions);
/// {region, from, to, time_weighted_price_per_kwh,
/// consumption_weighted_price_per_kwh, peak_to_off_peak_ratio, overrides,
/// by_period: [{period, hours, kwh, amount}]}.
[[nodiscard]] boost::json::value view(const tariff_analytics& a);

}  // namespace segs::rest::detail
