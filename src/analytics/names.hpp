// The name tables of analytics' enumerations (see core/names.hpp).
#pragma once

#include "core/names.hpp"

#include <segs/analytics.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<analytics_scope> {
  static constexpr std::array<name_entry<analytics_scope>, 2> table{
      {{analytics_scope::self, "self"}, {analytics_scope::region, "region"}}};
};
template <>
struct enum_names<analytics_grouping> {
  static constexpr std::array<name_entry<analytics_grouping>, 2> table{
      {{analytics_grouping::day, "day"}, {analytics_grouping::month, "month"}}};
};

}  // namespace segs::detail
