// CSV cells (RFC 4180) for the library's exports: billing's invoices and
// operations' users.
#pragma once

#include <string>
#include <string_view>

namespace segs::csv {

/// An RFC 4180 field: quoted when it holds a comma, a quote or a line break
/// (quotes doubled).
inline std::string field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// A field of free text someone typed (names, emails): as `field`, and a
/// text starting with =, +, -, @, a tab or a carriage return gets a leading
/// ' first, so that a spreadsheet opening the file shows it instead of
/// running it as a formula (OWASP, "CSV injection").
inline std::string text(std::string_view s) {
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos)
    return field("'" + std::string(s));
  return field(s);
}

}  // namespace segs::csv
