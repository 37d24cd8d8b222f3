// The name tables of the alerts' enumerations (see core/names.hpp).
#pragma once

#include "core/names.hpp"

#include <segs/alerts.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<alert_type> {
  static constexpr std::array<name_entry<alert_type>, alert_type_count> table{
      {{alert_type::over_voltage, "over_voltage"},
       {alert_type::under_voltage, "under_voltage"},
       {alert_type::frequency_deviation, "frequency_deviation"},
       {alert_type::low_power_factor, "low_power_factor"},
       {alert_type::over_capacity, "over_capacity"},
       {alert_type::high_consumption, "high_consumption"},
       {alert_type::meter_offline, "meter_offline"}}};
};
template <>
struct enum_names<alert_severity> {
  static constexpr std::array<name_entry<alert_severity>, 3> table{
      {{alert_severity::info, "info"}, {alert_severity::warning, "warning"}, {alert_severity::critical, "critical"}}};
};
template <>
struct enum_names<alert_status> {
  static constexpr std::array<name_entry<alert_status>, 3> table{
      {{alert_status::active, "active"},
       {alert_status::acknowledged, "acknowledged"},
       {alert_status::resolved, "resolved"}}};
};
template <>
struct enum_names<alert_resolution> {
  static constexpr std::array<name_entry<alert_resolution>, 2> table{
      {{alert_resolution::manual, "manual"}, {alert_resolution::automatic, "auto"}}};
};

}  // namespace segs::detail
