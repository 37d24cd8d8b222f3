// The names of the library's enumerations: one constant table per enum
// serves its public `to_string`, its `parse_*` and the stores, so a value's
// wire name, its parsing and its column text cannot drift apart.
//
// An enum joins by specialising `enum_names` once, beside its to_string
// (src/market/names.hpp, src/identity/names.hpp, or privately in a store):
//
//   template <> struct enum_names<order_side> {
//     static constexpr std::array<name_entry<order_side>, 2> table{{{order_side::buy, "buy"}, ...}};
//   };
//
// The tables are constexpr: no state, nothing built at run time.
#pragma once

#include <segs/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace segs::detail {

template <class E>
struct name_entry {
  E value;
  std::string_view name;
};

/// Specialised once per enum with a `static constexpr` array `table` of
/// name_entry<E>, every enumerator once, in declaration order.
template <class E>
struct enum_names;

/// The name of `v`; a value outside the enumeration (only reachable by a
/// cast) answers the first entry's name, as the switches before did.
template <class E>
[[nodiscard]] constexpr std::string_view name_of(E v) noexcept {
  for (const auto& e : enum_names<E>::table)
    if (e.value == v) return e.name;
  return enum_names<E>::table[0].name;
}

/// The enumerator named exactly `text`, or nothing.
template <class E>
[[nodiscard]] constexpr std::optional<E> parse_name(std::string_view text) noexcept {
  for (const auto& e : enum_names<E>::table)
    if (e.name == text) return e.value;
  return std::nullopt;
}

/// "a, b, c": the names in table order, for "must be one of ..." messages.
template <class E>
[[nodiscard]] std::string name_list() {
  std::string out;
  for (const auto& e : enum_names<E>::table) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

/// The enumerator named `text`, or a validation_error naming `field` that
/// lists the accepted names: every parse_* of the library.
template <class E>
[[nodiscard]] result<E> parse_enum(std::string_view text, std::string_view field) {
  if (auto v = parse_name<E>(text)) return *v;
  return make_error(errc::validation_error, std::string(field) + " must be one of " + name_list<E>(),
                    std::string(field));
}

}  // namespace segs::detail
