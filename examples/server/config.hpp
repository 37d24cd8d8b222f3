// segs-server — configuration from the environment and matching flags.
//
// Every setting has an environment variable (SEGS_DB_URL, ...) and a flag
// derived from it (--db-url). Flags win over the environment. A bad value is
// reported as a config_error naming the variable and the flag; main() prints
// it and exits with status 2.
#pragma once

#include <segs/access.hpp>
#include <segs/options.hpp>
#include <segs/rest.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace segs_server {

/// A configuration mistake; `what()` names the variable and says why.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct config {
  std::string db_url = "sqlite:var/segs.db";
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  int threads = 2;
  std::string signing_key_file;  ///< resolved: explicit, or beside the database
  std::string mail_sink = "log";  ///< "log" or "file:PATH"
  std::optional<std::string> admin_email;
  std::optional<std::string> admin_password;
  bool seed_demo = false;
  bool help = false;
  /// Per-region market settings applied (and persisted) at start.
  std::vector<std::pair<std::string, segs::market_settings_update>> market_regions;
  /// Roles of the deployment (SEGS_ROLES), defined (or replaced) at start.
  std::vector<segs::role_definition> roles;
  /// How often the server runs the grid's due work (grid::run_due_work).
  std::chrono::milliseconds due_work_interval{1000};
  /// SEGS_DUE_WORK_INTERVAL_MS was given (its deprecated alias is ignored then).
  bool due_work_interval_given = false;
  segs::options grid;         ///< identity and market settings; signing_key filled by load_signing_key
  segs::rest::options rest;
};

/// Reads the environment, then `argv`. Throws config_error.
[[nodiscard]] config load_config(int argc, char** argv);

/// The --help text: every variable, its flag and its default.
[[nodiscard]] std::string usage();

/// Reads the 32-byte signing key from `path` (64 hex digits), creating it
/// with fresh random bytes and mode 0600 when it does not exist. Throws
/// config_error (naming SEGS_SIGNING_KEY_FILE) when it cannot.
[[nodiscard]] std::vector<std::uint8_t> load_signing_key(const std::string& path);

/// "15m", "7d", "3600" (seconds), "2h", "30s" -> seconds. Throws
/// std::invalid_argument on anything else (exposed for its unit of use in
/// load_config; the caller names the variable).
[[nodiscard]] std::chrono::seconds parse_duration(const std::string& text);

}  // namespace segs_server
