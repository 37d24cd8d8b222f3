// Chooses a backend from a storage URL.
//
// Messages name the scheme or option at fault but never echo the URL: a
// PostgreSQL URL may carry a password.
#include "storage/backend.hpp"
#include "storage/postgres/postgres_backend.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

#include <boost/url.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <string>

namespace segs::storage {
namespace {

[[noreturn]] void bad_url(std::string message) {
  throw segs::exception(make_error(errc::validation_error, std::move(message), "url"));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

std::unique_ptr<backend> open_sqlite(const boost::urls::url_view& u, storage_settings settings) {
  if (u.has_authority() && !u.encoded_host().empty())
    bad_url("a sqlite: URL names a file, not a host (use sqlite:/abs/path or sqlite:relative/path)");
  if (u.has_fragment()) bad_url("a sqlite: URL takes no fragment");
  const std::string path = u.path();
  const bool memory = path == ":memory:";
  if (path.empty()) bad_url("a sqlite: URL needs a file path or :memory:");

  auto mode = sqlite_open_mode::read_write_create;
  for (const auto& p : u.params()) {
    if (p.key == "mode") {
      if (memory) bad_url("option 'mode' does not apply to an in-memory sqlite database");
      if (p.value == "ro") {
        mode = sqlite_open_mode::read_only;
      } else if (p.value == "rw") {
        mode = sqlite_open_mode::read_write;
      } else if (p.value == "rwc") {
        mode = sqlite_open_mode::read_write_create;
      } else {
        bad_url("option 'mode' must be ro, rw or rwc");
      }
    } else if (p.key == "busy_timeout_ms") {
      int ms = -1;
      const auto* first = p.value.data();
      const auto* last = first + p.value.size();
      auto [end, ec] = std::from_chars(first, last, ms);
      if (!p.has_value || ec != std::errc() || end != last || ms < 0)
        bad_url("option 'busy_timeout_ms' must be a whole number of milliseconds (0 or more)");
      settings.busy_timeout_ms = ms;
    } else if (p.key == "cache_mib") {
      int mib = -1;
      const auto* first = p.value.data();
      const auto* last = first + p.value.size();
      auto [end, ec] = std::from_chars(first, last, mib);
      if (!p.has_value || ec != std::errc() || end != last || mib < 1 || mib > 65536)
        bad_url("option 'cache_mib' must be a whole number of MiB from 1 to 65536");
      settings.sqlite_cache_mib = mib;
    } else {
      bad_url("unknown sqlite option '" + p.key + "' (known: mode, busy_timeout_ms, cache_mib)");
    }
  }
  return make_sqlite_backend(memory ? std::string() : path, memory, settings, mode);
}

}  // namespace

std::unique_ptr<backend> open_backend(std::string_view url, const storage_settings& settings) {
  if (url.empty()) bad_url("the storage URL is empty (use sqlite:PATH, sqlite::memory: or postgresql://...)");
  if (settings.pool_size < 1) bad_url("pool_size must be 1 or more");

  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    // libpq accepts URLs that RFC 3986 does not, such as several hosts
    // ("postgresql://h1:5432,h2:5433/db"); libpq checks those itself.
    if (starts_with_ci(url, "postgresql://") || starts_with_ci(url, "postgres://"))
      return make_postgres_backend(std::string(url), settings);
    bad_url("the storage URL is malformed (use sqlite:PATH, sqlite::memory: or postgresql://...; "
            "percent-encode spaces and reserved characters)");
  }
  const std::string scheme = lower(parsed->scheme());
  if (scheme == "sqlite") return open_sqlite(*parsed, settings);
  if (scheme == "postgresql" || scheme == "postgres")
    return make_postgres_backend(std::string(url), settings);
  bad_url("unsupported storage scheme '" + scheme + "' (use sqlite: or postgresql:)");
}

}  // namespace segs::storage
