#include "billing/text.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace segs::billing {

namespace {

/// The code points Windows-1252 places in 0x80-0x9F (Latin-1's C1 controls).
constexpr std::array<std::pair<char32_t, unsigned char>, 27> cp1252_extras{{
    {0x20AC, 0x80}, {0x201A, 0x82}, {0x0192, 0x83}, {0x201E, 0x84}, {0x2026, 0x85}, {0x2020, 0x86},
    {0x2021, 0x87}, {0x02C6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8A}, {0x2039, 0x8B}, {0x0152, 0x8C},
    {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92}, {0x201C, 0x93}, {0x201D, 0x94}, {0x2022, 0x95},
    {0x2013, 0x96}, {0x2014, 0x97}, {0x02DC, 0x98}, {0x2122, 0x99}, {0x0161, 0x9A}, {0x203A, 0x9B},
    {0x0153, 0x9C}, {0x017E, 0x9E}, {0x0178, 0x9F},
}};

void put(std::string& out, char32_t cp) {
  if (cp == U'\t' || cp == U'\n' || cp == U'\r') {
    out += ' ';
  } else if (cp >= 0x20 && cp < 0x7F) {
    out += static_cast<char>(cp);
  } else if (cp >= 0xA0 && cp <= 0xFF) {
    out += static_cast<char>(static_cast<unsigned char>(cp));
  } else {
    for (const auto& [code, byte] : cp1252_extras) {
      if (code == cp) {
        out += static_cast<char>(byte);
        return;
      }
    }
    out += '?';
  }
}

/// The most characters of one text the document takes: more than any of its
/// places shows (8 lines of a description), far below what libharu refuses
/// to measure or show (65,535 bytes).
constexpr std::size_t max_text = 2000;

constexpr std::int64_t pow10(int n) {
  std::int64_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

}  // namespace

std::string amount_text(money m, int digits) {
  const auto units = m.round_to_minor(digits).micros / pow10(6 - digits);
  const bool negative = units < 0;
  const std::uint64_t mag =
      negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  const auto p = static_cast<std::uint64_t>(pow10(digits));
  std::string s = negative ? "-" : "";
  s += std::to_string(mag / p);
  if (digits > 0) {
    const auto frac = std::to_string(mag % p);
    s += '.';
    s.append(static_cast<std::size_t>(digits) - frac.size(), '0');
    s += frac;
  }
  return s;
}

std::string instant_text(timestamp t, const tz::zone& z) {
  using namespace std::chrono;
  const auto local = z.to_local(t);
  std::string s = to_iso_date(local.date);
  if (local.since_midnight.count() == 0) return s;
  const hh_mm_ss<microseconds> hms{local.since_midnight};
  char buf[32];
  const auto sec = hms.seconds().count();
  if (sec == 0) {
    std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()));
  } else {
    std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(sec));
  }
  return s + buf;
}

std::string win_ansi(std::string_view s) {
  std::string out;
  out.reserve(std::min(s.size(), max_text));
  std::size_t i = 0;
  while (i < s.size() && out.size() < max_text) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      put(out, c);
      ++i;
      continue;
    }
    std::size_t n = 0;
    char32_t cp = 0;
    char32_t least = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1Fu, least = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0Fu, least = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07u, least = 0x10000;
    } else {
      out += '?';
      ++i;
      continue;
    }
    std::size_t k = 1;
    for (; k <= n && i + k < s.size(); ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0u) != 0x80u) break;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if (k <= n) {  // truncated sequence: one '?' for it
      out += '?';
      i += k;
      continue;
    }
    i += n + 1;
    if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out += '?';
    } else {
      put(out, cp);
    }
  }
  return out;
}

}  // namespace segs::billing
