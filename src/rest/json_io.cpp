#include "rest/json_io.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <cmath>

#include <segs/error.hpp>

namespace segs::rest::detail {

namespace json = boost::json;

void invalid(std::string_view field, std::string message) {
  throw segs::exception(make_error(errc::validation_error, std::move(message), std::string(field)));
}

const json::value* member(const json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

namespace {

/// Unwraps a library result for the reader that asked.
template <class T>
T unwrap(result<T> r) {
  if (!r) throw segs::exception(r.error());
  return std::move(r).value();
}

}  // namespace

std::string required_string(const json::object& o, std::string_view field) {
  auto v = optional_string(o, field);
  if (!v) invalid(field, std::string(field) + " is required");
  return *v;
}

std::optional<std::string> optional_string(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (!v->is_string()) invalid(field, std::string(field) + " must be a string");
  return std::string(v->as_string());
}

std::optional<bool> optional_bool(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (!v->is_bool()) invalid(field, std::string(field) + " must be a boolean");
  return v->as_bool();
}

std::optional<std::string> optional_object_text(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (!v->is_object()) invalid(field, std::string(field) + " must be a JSON object");
  return json::serialize(*v);
}

std::vector<std::string> optional_string_list(const json::object& o, std::string_view field) {
  std::vector<std::string> out;
  const auto* v = member(o, field);
  if (!v) return out;
  if (!v->is_array()) invalid(field, std::string(field) + " must be an array of strings");
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) invalid(field, std::string(field) + " must be an array of strings");
    out.emplace_back(item.as_string());
  }
  return out;
}

std::optional<timestamp> optional_time(const json::object& o, std::string_view field) {
  auto text = optional_string(o, field);
  if (!text) return std::nullopt;
  return parse_time(*text, field);
}

timestamp parse_time(std::string_view text, std::string_view field) {
  auto t = parse_rfc3339(text, field);
  if (!t) invalid(field, std::string(field) + " must be an RFC 3339 date-time");
  return *t;
}

// --- numbers: decimal kWh and money ------------------------------------------

/// A JSON number as decimal text: integers as they are, doubles in their
/// shortest round-trip fixed form (0.245 -> "0.245", 1e-7 -> "0.0000001").
std::string number_text(const json::value& v, std::string_view field) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (!v.is_double()) invalid(field, std::string(field) + " must be a number");
  const double d = v.get_double();
  if (!std::isfinite(d)) invalid(field, std::string(field) + " must be a finite number");
  // The fixed form of the largest double has 309 digits before the point.
  std::array<char, 400> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
  if (ec != std::errc{}) invalid(field, std::string(field) + " is out of range");
  return {buf.data(), end};
}

energy to_energy(const json::value& v, std::string_view field) {
  return unwrap(energy::from_kwh(number_text(v, field), rounding::exact, field));
}

money to_money(const json::value& v, std::string_view field) {
  return unwrap(money::parse(number_text(v, field), rounding::exact, field));
}

std::optional<energy> optional_energy(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  return to_energy(*v, field);
}

std::optional<money> optional_money(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  return to_money(*v, field);
}

/// A whole number of minutes (slot_minutes, ...); ranges are the library's.
std::optional<std::chrono::minutes> optional_minutes(const json::object& o,
                                                     std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  auto n = unwrap(parse_decimal(number_text(*v, field), 0, rounding::exact, field));
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
    invalid(field, std::string(field) + " is out of range");
  return std::chrono::minutes{n};
}

std::optional<std::int64_t> optional_whole(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  const std::string name(field);
  if (!v->is_number()) invalid(field, name + " must be a whole number");
  auto n = parse_decimal(number_text(*v, field), 0, rounding::exact, field);
  if (!n) invalid(field, name + " must be a whole number");
  return *n;
}

std::optional<double> optional_number(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  invalid(field, std::string(field) + " must be a number");
}


/// units x 10^-scale as a JSON number: an integer when whole (1.5 kWh, but 2
/// rather than 2E0), else the double nearest to the exact decimal text.
json::value decimal_number(std::int64_t units, int scale) {
  std::int64_t one = 1;
  for (int i = 0; i < scale; ++i) one *= 10;
  if (units % one == 0) return units / one;
  const auto text = format_decimal(units, scale);
  double d = 0;
  std::from_chars(text.data(), text.data() + text.size(), d);
  return d;
}

json::value number(money m) { return decimal_number(m.micros, 6); }
json::value number(energy e) { return decimal_number(e.wh, 3); }
json::value number_or_null(const std::optional<money>& m) {
  if (!m) return nullptr;
  return number(*m);
}
json::value number_or_null(const std::optional<energy>& e) {
  if (!e) return nullptr;
  return number(*e);
}
json::value id_or_null(const std::optional<uuid>& id) {
  if (!id) return nullptr;
  return json::string(id->to_string());
}


json::value time_or_null(const std::optional<timestamp>& t) {
  if (!t) return nullptr;
  return json::string(to_rfc3339(*t));
}

void append_json_string(std::string& out, std::string_view v) {
  // RFC 8259 escaping, as Boost.JSON's serializer does it, without a
  // temporary string per value.
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the run not yet copied
  // true for the bytes that need an escape: controls, '"' and '\\'.
  static constexpr auto needs_escape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
    t['"'] = t['\\'] = true;
    return t;
  }();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (!needs_escape[c]) continue;
    out.append(v.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(v.data() + plain, v.size() - plain);
  out += '"';
}

void append_json(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_int64());
      out.append(buf, r.ptr);
      break;
    }
    case json::kind::uint64: {
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      out.append(buf, r.ptr);
      break;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {  // JSON has no such numbers
        out += "null";
        break;
      }
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
      break;
    }
    case json::kind::string: append_json_string(out, v.get_string()); break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_json(out, item);
      }
      out += '}';
      break;
    }
  }
}

std::string to_json_text(const json::value& v) {
  std::string out;
  out.reserve(256);
  append_json(out, v);
  return out;
}

}  // namespace segs::rest::detail
