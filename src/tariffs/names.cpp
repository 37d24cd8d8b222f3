// to_string and parse of day_kind, and ten_thousandths' decimal text.
#include "tariffs/names.hpp"

#include <string>

namespace segs {

std::string_view to_string(day_kind d) noexcept { return detail::name_of(d); }

result<day_kind> parse_day_kind(std::string_view text, std::string_view field) {
  return detail::parse_enum<day_kind>(text, field);
}

result<ten_thousandths> ten_thousandths::parse(std::string_view text, std::string_view field) {
  auto v = parse_decimal(text, 4, rounding::exact, field);
  if (!v) {
    auto e = v.error();
    e.message = std::string(field) + " must be a number with at most 4 decimals";
    return e;
  }
  return ten_thousandths{*v};
}

std::string ten_thousandths::to_string() const { return format_decimal(value, 4); }

}  // namespace segs
