#include "identity/validation.hpp"

#include "grid_core.hpp"
#include "storage/stores/json_text.hpp"

#include <algorithm>
#include <array>

namespace segs::identity_rules {
namespace {

using detail::fail;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// A short list of the passwords attackers try first. Compared
// case-insensitively; the length rule already rejects the shorter classics.
constexpr std::array<std::string_view, 40> kCommonPasswords = {
    "password",    "password1",  "password123", "passw0rd",   "12345678",   "123456789",
    "1234567890",  "qwerty123",  "qwertyuiop",  "iloveyou",   "11111111",   "00000000",
    "abc12345",    "abcd1234",   "letmein1",    "welcome1",   "welcome123", "admin123",
    "administrator", "changeme", "sunshine",    "football",   "baseball",   "princess",
    "trustno1",    "superman",   "starwars",    "whatever",   "dragon123",  "monkey123",
    "qwerty12",    "1q2w3e4r",   "1qaz2wsx",    "zaq12wsx",   "p@ssw0rd",   "p@ssword",
    "secret123",   "87654321",   "asdfghjk",    "securepassword123"};

}  // namespace

std::string trim(std::string_view s) {
  auto ws = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && ws(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string email_key(std::string_view email) { return lower(trim(email)); }
std::string username_key(std::string_view username) { return lower(trim(username)); }

void check_email(std::string_view email, std::string_view field) {
  const std::string f(field);
  if (email.empty()) fail(errc::validation_error, f + " is required", f);
  if (email.size() > 254) fail(errc::validation_error, f + " is longer than 254 characters", f);
  const auto at = email.find('@');
  const bool ok = at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
                  email.find('@', at + 1) == std::string_view::npos &&
                  email.find('.', at + 1) != std::string_view::npos && email.back() != '.' &&
                  email.find(' ') == std::string_view::npos && !has_control(email);
  if (!ok) fail(errc::validation_error, f + " is not a valid email address", f);
}

void check_username(std::string_view username, std::string_view field) {
  const std::string f(field);
  if (username.size() < 3 || username.size() > 32)
    fail(errc::validation_error, f + " must be 3 to 32 characters", f);
  for (unsigned char c : username) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-'))
      fail(errc::validation_error, f + " may contain only letters, digits, '.', '_' and '-'", f);
  }
  if (username.find('@') != std::string_view::npos)
    fail(errc::validation_error, f + " must not look like an email address", f);
}

void check_name(std::string_view name, std::string_view field) {
  const std::string f(field);
  if (trim(name).empty()) fail(errc::validation_error, f + " is required", f);
  if (name.size() > 200) fail(errc::validation_error, f + " is longer than 200 characters", f);
  if (has_control(name)) fail(errc::validation_error, f + " contains control characters", f);
}

void check_person_name(std::string_view name, std::string_view field) {
  const std::string f(field);
  const auto t = trim(name);
  // Characters, not bytes: a 100-letter name in a non-Latin script is fine.
  const auto chars = std::count_if(t.begin(), t.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; });
  if (chars > 100) fail(errc::validation_error, f + " is longer than 100 characters", f);
  if (has_control(t)) fail(errc::validation_error, f + " contains control characters", f);
}

std::optional<std::string> person_name(const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  auto t = trim(*name);
  if (t.empty()) return std::nullopt;
  return t;
}

void check_region(std::string_view region, std::string_view field) {
  const std::string f(field);
  if (trim(region).empty()) fail(errc::validation_error, f + " is required", f);
  if (region.size() > 64) fail(errc::validation_error, f + " is longer than 64 characters", f);
  if (has_control(region)) fail(errc::validation_error, f + " contains control characters", f);
}

void check_department(std::string_view department, std::string_view field) {
  const std::string f(field);
  if (department.size() > 100)
    fail(errc::validation_error, f + " is longer than 100 characters", f);
  if (has_control(department)) fail(errc::validation_error, f + " contains control characters", f);
}

void check_department_metadata(std::string_view json, std::string_view field) {
  const std::string f(field);
  if (json.size() > 16 * 1024) fail(errc::validation_error, f + " is larger than 16 KiB", f);
  if (!storage::is_json_object(json)) fail(errc::validation_error, f + " must be a JSON object", f);
}

void check_wallet_address(std::string_view address, std::string_view field) {
  const std::string f(field);
  static constexpr std::string_view kBase58 =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const bool ok = address.size() >= 32 && address.size() <= 44 &&
                  std::all_of(address.begin(), address.end(),
                              [](char c) { return kBase58.find(c) != std::string_view::npos; });
  if (!ok) fail(errc::validation_error, f + " must be a base58 address of 32 to 44 characters", f);
}

void check_otp_format(std::string_view code, std::string_view field) {
  const std::string f(field);
  if (code.size() != 6 || !std::all_of(code.begin(), code.end(),
                                       [](unsigned char c) { return std::isdigit(c); }))
    fail(errc::validation_error, f + " must be 6 digits", f);
}

void check_password_strength(std::string_view password, std::string_view email,
                             std::string_view username, const identity_options& o,
                             std::string_view field) {
  const std::string f(field);
  if (password.size() < o.password_min_length)
    fail(errc::validation_error,
         f + " must be at least " + std::to_string(o.password_min_length) + " characters", f);
  if (password.size() > o.password_max_length)
    fail(errc::validation_error,
         f + " must be at most " + std::to_string(o.password_max_length) + " characters", f);
  const auto pw = lower(password);
  if (!email.empty() && pw == email_key(email))
    fail(errc::validation_error, f + " must not be your email address", f);
  if (!username.empty() && pw == username_key(username))
    fail(errc::validation_error, f + " must not be your username", f);
  for (auto common : kCommonPasswords) {
    if (pw == common) fail(errc::validation_error, f + " is too common; choose another", f);
  }
}

}  // namespace segs::identity_rules
