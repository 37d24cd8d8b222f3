// The name tables of telemetry's enumerations (see core/names.hpp).
#pragma once

#include "core/names.hpp"

#include <segs/telemetry.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<meter_kind> {
  static constexpr std::array<name_entry<meter_kind>, 6> table{
      {{meter_kind::smart_digital, "smart_digital"},
       {meter_kind::smart_analog, "smart_analog"},
       {meter_kind::net_meter, "net_meter"},
       {meter_kind::solar_inverter, "solar_inverter"},
       {meter_kind::battery, "battery"},
       {meter_kind::ev_charger, "ev_charger"}}};
};
template <>
struct enum_names<meter_status> {
  static constexpr std::array<name_entry<meter_status>, 4> table{
      {{meter_status::active, "active"},
       {meter_status::inactive, "inactive"},
       {meter_status::maintenance, "maintenance"},
       {meter_status::decommissioned, "decommissioned"}}};
};
template <>
struct enum_names<bucket_width> {
  static constexpr std::array<name_entry<bucket_width>, 4> table{
      {{bucket_width::quarter_hour, "15m"},
       {bucket_width::hour, "1h"},
       {bucket_width::day, "1d"},
       {bucket_width::month, "1mo"}}};
};
template <>
struct enum_names<compare_period> {
  static constexpr std::array<name_entry<compare_period>, 3> table{
      {{compare_period::day, "day"}, {compare_period::week, "week"}, {compare_period::month, "month"}}};
};

}  // namespace segs::detail
