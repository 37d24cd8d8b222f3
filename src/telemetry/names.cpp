// to_string and parse_* of telemetry's enums, and milli's decimal text.
#include "telemetry/names.hpp"

namespace segs {

using detail::parse_enum;

std::string_view to_string(meter_kind k) noexcept { return detail::name_of(k); }
std::string_view to_string(meter_status s) noexcept { return detail::name_of(s); }
std::string_view to_string(bucket_width w) noexcept { return detail::name_of(w); }
std::string_view to_string(compare_period p) noexcept { return detail::name_of(p); }
result<meter_kind> parse_meter_kind(std::string_view text) { return parse_enum<meter_kind>(text, "meter_type"); }
result<meter_status> parse_meter_status(std::string_view text) { return parse_enum<meter_status>(text, "status"); }
result<bucket_width> parse_bucket_width(std::string_view text) { return parse_enum<bucket_width>(text, "interval"); }
result<compare_period> parse_compare_period(std::string_view text) { return parse_enum<compare_period>(text, "period"); }

result<milli> milli::parse(std::string_view text, std::string_view field) {
  auto v = parse_decimal(text, 3, rounding::exact, field);
  if (!v) {
    auto e = v.error();
    e.message = std::string(field) + " must be a number with at most 3 decimals";
    return e;
  }
  return milli{*v};
}

std::string milli::to_string() const { return format_decimal(value, 3); }

}  // namespace segs
