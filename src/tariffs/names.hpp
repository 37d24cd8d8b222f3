// The name table of day_kind (see core/names.hpp): one table serves
// to_string, parse_day_kind and any store that writes the names.
#pragma once

#include "core/names.hpp"

#include <segs/tariffs.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<day_kind> {
  static constexpr std::array<name_entry<day_kind>, 8> table{{{day_kind::mon, "mon"},
                                                               {day_kind::tue, "tue"},
                                                               {day_kind::wed, "wed"},
                                                               {day_kind::thu, "thu"},
                                                               {day_kind::fri, "fri"},
                                                               {day_kind::sat, "sat"},
                                                               {day_kind::sun, "sun"},
                                                               {day_kind::holiday, "holiday"}}};
};

}  // namespace segs::detail
