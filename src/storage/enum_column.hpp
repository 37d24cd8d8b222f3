// How a store reads an enum column: through the enum's name table
// (core/names.hpp). Text the table does not know is a database the library
// did not write (a hand edit, a newer version's value): reading it is
// `internal` naming the column, never a silent default, so the row is not
// acted on as something it is not.
#pragma once

#include "core/names.hpp"
#include "storage/backend.hpp"

#include <segs/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace segs::storage {

/// `text` as an E, or internal "<table>.<column> holds an unknown value:
/// <text>" with field = the column. `column` is "table.column".
template <class E>
[[nodiscard]] E enum_value(std::string_view text, std::string_view column) {
  if (auto v = detail::parse_name<E>(text)) return *v;
  const auto dot = column.rfind('.');
  const auto field = dot == std::string_view::npos ? column : column.substr(dot + 1);
  throw segs::exception(make_error(
      errc::internal, std::string(column) + " holds an unknown value: " + std::string(text),
      std::string(field)));
}

/// Column `i` of `r` (NOT NULL text) as an E; see enum_value.
template <class E>
[[nodiscard]] E enum_column(const row& r, std::size_t i, std::string_view column) {
  return enum_value<E>(r.text(i), column);
}

/// A nullable enum column: nothing for NULL, otherwise as enum_column.
template <class E>
[[nodiscard]] std::optional<E> opt_enum_column(const row& r, std::size_t i,
                                               std::string_view column) {
  if (r.is_null(i)) return std::nullopt;
  return enum_value<E>(r.text(i), column);
}

}  // namespace segs::storage
