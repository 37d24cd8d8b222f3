// Exact conversions between text and the integer value types.
//
// Decimal text is parsed digit by digit into an unsigned magnitude, so no
// value ever passes through floating point, and rounding is decided from the
// dropped digits alone. Time conversions use the C++20 calendar types, which
// are pure arithmetic: no time_t, no gmtime, no process-wide state.
#include <segs/types.hpp>

#include <cstdio>
#include <limits>
#include <optional>

namespace segs {

namespace {

constexpr int max_scale = 18;  // 10^18 is the largest power of ten in int64
constexpr std::uint64_t int64_max_mag = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr std::uint64_t int64_min_mag = int64_max_mag + 1;

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr std::uint64_t pow10(int n) noexcept {
  std::uint64_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

error invalid(std::string_view field, std::string_view what) {
  std::string msg;
  if (!field.empty()) {
    msg.append(field);
    msg += ": ";
  }
  msg.append(what);
  return make_error(errc::validation_error, std::move(msg), std::string(field));
}

std::string places(int scale) {
  if (scale == 0) return "must be a whole number";
  return "at most " + std::to_string(scale) + (scale == 1 ? " decimal place" : " decimal places");
}

std::int64_t apply_sign(std::uint64_t mag, bool negative) noexcept {
  if (!negative) return static_cast<std::int64_t>(mag);
  if (mag == int64_min_mag) return std::numeric_limits<std::int64_t>::min();
  return -static_cast<std::int64_t>(mag);
}

}  // namespace

// ---------------------------------------------------------------- decimals

result<std::int64_t> parse_decimal(std::string_view text, int scale, rounding mode,
                                   std::string_view field) {
  if (scale < 0 || scale > max_scale) {
    return make_error(errc::internal, "parse_decimal: scale out of range", std::string(field));
  }
  // Grammar: -?[0-9]+(\.[0-9]+)?  — the JSON number grammar minus exponents,
  // but leading zeros are tolerated. ".5", "1.", "+1", " 1" are refused.
  const std::size_t n = text.size();
  std::size_t i = 0;
  const bool negative = i < n && text[i] == '-';
  if (negative) ++i;
  const std::size_t int_begin = i;
  while (i < n && is_digit(text[i])) ++i;
  const std::size_t int_end = i;
  std::size_t frac_begin = i;
  std::size_t frac_end = i;
  if (i < n && text[i] == '.') {
    ++i;
    frac_begin = i;
    while (i < n && is_digit(text[i])) ++i;
    frac_end = i;
    if (frac_end == frac_begin) return invalid(field, "not a decimal number");
  }
  if (int_end == int_begin || i != n) return invalid(field, "not a decimal number");

  const std::uint64_t limit = negative ? int64_min_mag : int64_max_mag;
  std::uint64_t mag = 0;
  auto push = [&](unsigned d) {
    if (mag > (limit - d) / 10) return false;
    mag = mag * 10 + d;
    return true;
  };
  for (std::size_t k = int_begin; k < int_end; ++k) {
    if (!push(static_cast<unsigned>(text[k] - '0'))) return invalid(field, "out of range");
  }
  const std::size_t frac_len = frac_end - frac_begin;
  const auto kept = static_cast<std::size_t>(scale);
  for (std::size_t k = 0; k < kept; ++k) {
    const unsigned d = k < frac_len ? static_cast<unsigned>(text[frac_begin + k] - '0') : 0U;
    if (!push(d)) return invalid(field, "out of range");
  }

  // What the dropped digits say: the first one, and whether any later one is
  // non-zero (a "sticky" bit that breaks ties).
  unsigned first_dropped = 0;
  bool sticky = false;
  if (frac_len > kept) {
    first_dropped = static_cast<unsigned>(text[frac_begin + kept] - '0');
    for (std::size_t k = frac_begin + kept + 1; k < frac_end; ++k) {
      if (text[k] != '0') {
        sticky = true;
        break;
      }
    }
  }
  bool round_up = false;
  switch (mode) {
    case rounding::exact:
      if (first_dropped != 0 || sticky) return invalid(field, places(scale));
      break;
    case rounding::down:
      break;
    case rounding::half_up:
      round_up = first_dropped >= 5;
      break;
    case rounding::half_even:
      round_up = first_dropped > 5 || (first_dropped == 5 && (sticky || (mag & 1U) != 0));
      break;
  }
  if (round_up) {
    if (mag == limit) return invalid(field, "out of range");
    ++mag;
  }
  return apply_sign(mag, negative);
}

std::string format_decimal(std::int64_t units, int scale) {
  if (scale < 0 || scale > max_scale) {
    throw segs::exception(make_error(errc::internal, "format_decimal: scale out of range"));
  }
  const bool negative = units < 0;
  const std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  const std::uint64_t p = pow10(scale);
  std::string s = negative ? "-" : "";
  s += std::to_string(mag / p);
  std::uint64_t frac = mag % p;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    std::string out(static_cast<std::size_t>(scale) - digits.size(), '0');
    out += digits;
    while (out.back() == '0') out.pop_back();
    s += '.';
    s += out;
  }
  return s;
}

result<std::int64_t> divide(std::int64_t value, std::int64_t divisor, rounding mode) {
  if (divisor <= 0) return make_error(errc::internal, "divide: divisor must be positive");
  // C++ division truncates towards zero and the remainder takes the sign of
  // `value`, so rounding works on magnitudes and then steps away from zero.
  std::int64_t q = value / divisor;
  const std::int64_t r = value % divisor;
  if (r == 0) return q;
  const std::int64_t abs_r = r < 0 ? -r : r;  // |r| < divisor, cannot overflow
  const std::int64_t rest = divisor - abs_r;  // compare 2|r| with divisor without overflow
  const std::int64_t away = value < 0 ? -1 : 1;
  switch (mode) {
    case rounding::exact:
      return make_error(errc::validation_error,
                        std::to_string(value) + " is not a multiple of " + std::to_string(divisor));
    case rounding::down:
      break;
    case rounding::half_up:
      if (abs_r >= rest) q += away;
      break;
    case rounding::half_even:
      if (abs_r > rest || (abs_r == rest && (q % 2) != 0)) q += away;
      break;
  }
  return q;  // r != 0 implies divisor >= 2, so |q| <= INT64_MAX / 2 and q += away is safe
}

// ------------------------------------------------------------ energy, money

result<energy> energy::from_kwh(std::string_view kwh, rounding mode, std::string_view field) {
  auto wh = parse_decimal(kwh, 3, mode, field);
  if (!wh) return wh.error();
  return energy{*wh};
}

std::string energy::to_kwh_string() const { return format_decimal(wh, 3); }

result<money> money::parse(std::string_view units, rounding mode, std::string_view field) {
  auto micros = parse_decimal(units, 6, mode, field);
  if (!micros) return micros.error();
  return money{*micros};
}

money money::round_to_minor(int minor_digits, rounding mode) const {
  if (minor_digits < 0 || minor_digits > 6) {
    throw segs::exception(make_error(errc::internal, "round_to_minor: minor_digits must be 0..6"));
  }
  const auto step = static_cast<std::int64_t>(pow10(6 - minor_digits));
  auto q = divide(micros, step, mode);
  if (!q) {
    throw segs::exception(invalid("amount", places(minor_digits)));
  }
  std::int64_t out = 0;
  if (__builtin_mul_overflow(*q, step, &out)) {
    throw segs::exception(invalid("amount", "out of range"));
  }
  return money{out};
}

std::string money::to_string() const { return format_decimal(micros, 6); }

// -------------------------------------------------------------------- time

std::string to_rfc3339(timestamp t) {
  // Every answer and every access-log line carries one: digits are written
  // by hand (snprintf was a visible share of a small request's time).
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{t - day};
  char buf[64];
  char* p = buf;
  auto put = [&p](long long v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {  // beyond four digits: rare, printed by snprintf
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", year,
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                static_cast<int>(hms.hours().count()),
                                static_cast<int>(hms.minutes().count()),
                                static_cast<int>(hms.seconds().count()));
    p = buf + n;
  } else {
    put(year, 4);
    *p++ = '-';
    put(static_cast<unsigned>(ymd.month()), 2);
    *p++ = '-';
    put(static_cast<unsigned>(ymd.day()), 2);
    *p++ = 'T';
    put(hms.hours().count(), 2);
    *p++ = ':';
    put(hms.minutes().count(), 2);
    *p++ = ':';
    put(hms.seconds().count(), 2);
  }
  if (auto us = hms.subseconds().count(); us != 0) {
    *p++ = '.';
    put(us, 6);
    while (p[-1] == '0') --p;
  }
  *p++ = 'Z';
  return std::string(buf, static_cast<std::size_t>(p - buf));
}

result<timestamp> parse_rfc3339(std::string_view text, std::string_view field) {
  using namespace std::chrono;
  auto bad = [&] { return invalid(field, "not an RFC 3339 date-time (e.g. 2025-01-31T12:00:00Z)"); };
  // Fixed-width digits at `pos`; nullopt when any is not a digit or out of text.
  auto num = [&](std::size_t pos, std::size_t count) -> std::optional<int> {
    if (pos + count > text.size()) return std::nullopt;
    int v = 0;
    for (std::size_t k = pos; k < pos + count; ++k) {
      if (!is_digit(text[k])) return std::nullopt;
      v = v * 10 + (text[k] - '0');
    }
    return v;
  };
  auto at = [&](std::size_t pos, char c) { return pos < text.size() && text[pos] == c; };

  // YYYY-MM-DDTHH:MM:SS
  const auto y = num(0, 4);
  const auto mo = num(5, 2);
  const auto d = num(8, 2);
  const auto h = num(11, 2);
  const auto mi = num(14, 2);
  const auto s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || !at(4, '-') || !at(7, '-') ||
      !(at(10, 'T') || at(10, 't')) || !at(13, ':') || !at(16, ':')) {
    return bad();
  }
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return invalid(field, "no such date");
  // Second 60 (a leap second) is refused: system_clock time has no room for it.
  if (*h > 23 || *mi > 59 || *s > 59) return invalid(field, "no such time of day");

  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (at(pos, '.')) {
    ++pos;
    const std::size_t begin = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    const std::size_t len = pos - begin;
    if (len == 0 || len > 9) return bad();
    // Digits beyond the microsecond are dropped (rounded down), so parsing
    // never moves an instant into the next second, minute or day.
    for (std::size_t k = 0; k < 6; ++k) {
      micros = micros * 10 + (k < len ? text[begin + k] - '0' : 0);
    }
  }

  minutes offset{0};
  if (at(pos, 'Z') || at(pos, 'z')) {
    ++pos;
  } else if (at(pos, '+') || at(pos, '-')) {
    const bool minus = text[pos] == '-';
    const auto oh = num(pos + 1, 2);
    const auto om = num(pos + 4, 2);
    if (!oh || !om || !at(pos + 3, ':')) return bad();
    if (*oh > 23 || *om > 59) return invalid(field, "offset out of range");
    offset = hours{*oh} + minutes{*om};
    if (minus) offset = -offset;
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();

  const auto local = sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*s} + microseconds{micros};
  return timestamp{local - offset};
}

// -------------------------------------------------------------------- uuid

std::string uuid::to_string() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[bytes[i] >> 4];
    s += hex[bytes[i] & 0xF];
  }
  return s;
}

result<uuid> uuid::parse(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return invalid(field, "not a UUID (expected 8-4-4-4-12 hex digits)");
  };
  if (text.size() != 36) return bad();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  uuid out;
  std::size_t b = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad();
      ++i;
      continue;
    }
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    out.bytes[b++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  return out;
}

}  // namespace segs

namespace segs {

std::string to_iso_date(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

result<std::chrono::year_month_day> parse_iso_date(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return make_error(errc::validation_error, std::string(field) + " must be a date YYYY-MM-DD",
                      std::string(field));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int y = 0, m = 0, d = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 7) continue;
    if (text[i] < '0' || text[i] > '9') return bad();
    const int digit = text[i] - '0';
    if (i < 4) y = y * 10 + digit;
    else if (i < 7) m = m * 10 + digit;
    else d = d * 10 + digit;
  }
  std::chrono::year_month_day out{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!out.ok()) return bad();
  return out;
}

}  // namespace segs
