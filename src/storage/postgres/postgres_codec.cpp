#include "storage/postgres/postgres_codec.hpp"

#include <charconv>
#include <cmath>
#include <system_error>
#include <vector>

namespace segs::storage::pg {
namespace {

// Type OIDs from pg_type.h; stable across server versions.
constexpr std::uint32_t oid_bool = 16;
constexpr std::uint32_t oid_bytea = 17;
constexpr std::uint32_t oid_int8 = 20;
constexpr std::uint32_t oid_int2 = 21;
constexpr std::uint32_t oid_int4 = 23;
constexpr std::uint32_t oid_oid = 26;
constexpr std::uint32_t oid_float4 = 700;
constexpr std::uint32_t oid_float8 = 701;
constexpr std::uint32_t oid_numeric = 1700;

[[noreturn]] void malformed(const char* what) {
  throw segs::exception(
      make_error(errc::internal, std::string("PostgreSQL returned a malformed ") + what));
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + with.size())) {
    text.replace(pos, needle.size(), with);
  }
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

void append_copy_field(std::string& out, const value& v) {
  switch (v.index()) {
    case 0:
      out += "\\N";
      return;
    case 3: {
      for (char ch : std::get<std::string>(v)) {
        switch (ch) {
          case '\0':
            throw segs::exception(make_error(errc::validation_error, "text must not contain NUL bytes"));
          case '\\': out += "\\\\"; break;
          case '\t': out += "\\t"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          default: out += ch;
        }
      }
      return;
    }
    case 4: {
      static constexpr char digits[] = "0123456789abcdef";
      out += "\\\\x";  // bytea's \x, its backslash escaped for COPY
      for (auto b : std::get<blob>(v)) {
        out += digits[b >> 4];
        out += digits[b & 15];
      }
      return;
    }
    default:  // numbers: their parameter text has nothing to escape
      out += encode_param(v).text;
  }
}

encoded_param encode_param(const value& v) {
  encoded_param out;
  switch (v.index()) {
    case 0:
      out.is_null = true;
      break;
    case 1: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::get<std::int64_t>(v));
      out.text.assign(buf, end);
      break;
    }
    case 2: {
      const double d = std::get<double>(v);
      // Spelled so that both float8 and numeric accept them.
      if (std::isnan(d)) {
        out.text = "NaN";
      } else if (std::isinf(d)) {
        out.text = d > 0 ? "Infinity" : "-Infinity";
      } else {
        // Shortest round-trip form; unlike printf it ignores the C locale.
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
        out.text.assign(buf, end);
      }
      break;
    }
    case 3: {
      const auto& s = std::get<std::string>(v);
      if (s.find('\0') != std::string::npos) {
        throw segs::exception(
            make_error(errc::validation_error, "text values cannot contain NUL characters"));
      }
      out.text = s;
      break;
    }
    case 4: {
      const auto& b = std::get<blob>(v);
      out.binary = true;
      out.text.assign(reinterpret_cast<const char*>(b.data()), b.size());
      break;
    }
    default:
      break;
  }
  return out;
}

blob decode_bytea_hex(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    malformed("bytea value (expected hex format)");
  }
  blob out;
  out.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]);
    const int lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) malformed("bytea value");
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

value decode_column(std::uint32_t oid, const char* text, int length) {
  const std::string_view s(text, static_cast<std::size_t>(length));
  switch (oid) {
    case oid_bool:
      if (s == "t") return std::int64_t{1};
      if (s == "f") return std::int64_t{0};
      malformed("boolean");
    case oid_int8:
    case oid_int2:
    case oid_int4:
    case oid_oid: {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc{} || end != s.data() + s.size()) malformed("integer");
      return v;
    }
    case oid_float4:
    case oid_float8:
    case oid_numeric: {
      double v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      // from_chars spells infinity "inf"/"infinity" in any case, which
      // covers PostgreSQL's "Infinity"; out of range numeric saturates.
      if (ec == std::errc::result_out_of_range) {
        return s.starts_with('-') ? -HUGE_VAL : HUGE_VAL;
      }
      if (ec != std::errc{} || end != s.data() + s.size()) malformed("number");
      return v;
    }
    case oid_bytea:
      return decode_bytea_hex(s);
    default:
      return std::string(s);
  }
}

errc map_sqlstate(std::string_view sqlstate) noexcept {
  if (sqlstate.size() != 5) return errc::internal;
  const std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate == "23505" || sqlstate == "23503" || sqlstate == "23P01" || sqlstate == "23001") {
    return errc::conflict;  // unique, foreign key, exclusion, restrict
  }
  if (cls == "23" || cls == "22") return errc::validation_error;
  if (sqlstate == "40001" || sqlstate == "40P01") return errc::conflict;
  // Protocol violation: e.g. a wrong number of parameters, a bug in a store.
  if (sqlstate == "08P01") return errc::internal;
  if (sqlstate == "57014" || sqlstate == "55P03" || cls == "08" || cls == "53" ||
      sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return errc::unavailable;  // cancelled, lock timeout, connection, resources, shutdown
  }
  return errc::internal;
}

std::string sanitize_message(std::string_view sqlstate, std::string_view primary) {
  // libpq wraps its own messages over several indented lines; one line reads
  // better in a log or a REST body.
  std::string out;
  out.reserve(primary.size());
  for (char c : primary) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  // Data exceptions echo the rejected input ("invalid input syntax for type
  // bigint: \"abc\""), which may be a bound value.
  if (starts_with(sqlstate, "22")) {
    if (auto pos = out.find(": "); pos != std::string::npos) out.erase(pos);
  }
  return out;
}

void throw_sqlstate(std::string_view sqlstate, std::string_view primary, bool connection_bad) {
  std::string msg = sanitize_message(sqlstate, primary);
  errc code = map_sqlstate(sqlstate);
  if (sqlstate.empty() && connection_bad) code = errc::unavailable;
  if (msg.empty()) {
    msg = code == errc::unavailable ? "the PostgreSQL connection failed"
                                    : "PostgreSQL reported an error";
  }
  error e = make_error(code, msg);
  e.detail = sqlstate.empty() ? "postgres: " + msg
                              : "postgres SQLSTATE " + std::string(sqlstate) + ": " + msg;
  if (sqlstate == "40001" || sqlstate == "40P01") throw transient_failure(std::move(e));
  throw segs::exception(std::move(e));
}

std::string redact_conninfo_secrets(std::string message, std::string_view conninfo) {
  std::vector<std::string> secrets;
  // postgresql://user:secret@host/...
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!starts_with(conninfo, scheme)) continue;
    std::string_view rest = conninfo.substr(scheme.size());
    rest = rest.substr(0, rest.find_first_of("/?"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = rest.substr(0, at);
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
        secrets.emplace_back(userinfo.substr(colon + 1));
      }
    }
  }
  // password=secret, in a URL query or a keyword/value string.
  for (std::size_t pos = conninfo.find("password="); pos != std::string_view::npos;
       pos = conninfo.find("password=", pos + 1)) {
    std::string_view v = conninfo.substr(pos + 9);
    if (!v.empty() && v.front() == '\'') {
      v.remove_prefix(1);
      v = v.substr(0, v.find('\''));
    } else {
      v = v.substr(0, v.find_first_of("& \t\n"));
    }
    secrets.emplace_back(v);
  }
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    replace_all(message, s, "********");
    replace_all(message, percent_decode(s), "********");
  }
  return message;
}

}  // namespace segs::storage::pg
