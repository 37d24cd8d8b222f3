#include "config.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace segs_server {
namespace {

struct setting {
  const char* env;
  const char* flag;  // without the leading "--"
  const char* fallback;  // nullptr: unset unless given
  const char* help;
};

// The one list of settings: the environment, the flags, the defaults and
// --help all come from it, so they cannot drift apart.
constexpr setting settings[] = {
    {"SEGS_DB_URL", "db-url", "sqlite:var/segs.db",
     "database URL: sqlite:PATH, sqlite::memory: or postgresql://..."},
    {"SEGS_LISTEN", "listen", "127.0.0.1:8080", "HOST:PORT to listen on; port 0 picks a free one"},
    {"SEGS_THREADS", "threads", nullptr, "I/O threads (default: cores, clamped to 2..4)"},
    {"SEGS_SIGNING_KEY_FILE", "signing-key-file", nullptr,
     "token signing key file (default: segs-signing.key beside a SQLite database, else "
     "var/segs-signing.key); created with mode 0600 on first run"},
    {"SEGS_TOKEN_ALGORITHM", "token-algorithm", "eddsa", "eddsa or hs256"},
    {"JWT_ACCESS_EXPIRY", "jwt-access-expiry", "15m", "access token lifetime (30s, 15m, 2h, 7d)"},
    {"JWT_REFRESH_EXPIRY", "jwt-refresh-expiry", "7d", "refresh token lifetime"},
    {"OTP_EXPIRY_MINUTES", "otp-expiry-minutes", "10", "one-time code lifetime, minutes"},
    {"SESSION_EXPIRY_DAYS", "session-expiry-days", "7", "session lifetime, days"},
    {"MAX_LOGIN_ATTEMPTS", "max-login-attempts", "5", "failed logins before lockout"},
    {"SEGS_CORS_ORIGINS", "cors-origins", "", "comma-separated allowed origins; * allows any"},
    {"SEGS_RATE_LIMITS", "rate-limits", "on", "on or off"},
    {"SEGS_RATE_LIMIT_ANONYMOUS", "rate-limit-anonymous", "100/1h",
     "N or N/PERIOD per client address without credentials (N alone: per hour)"},
    {"SEGS_RATE_LIMIT_AUTHENTICATED", "rate-limit-authenticated", "1000/1h", "per user or API key"},
    {"SEGS_RATE_LIMIT_ADMIN", "rate-limit-admin", "10000/1h", "per admin"},
    {"SEGS_RATE_LIMIT_AUTH", "rate-limit-auth", "20/15m",
     "per client address on login/register/verify/reset routes"},
    {"SEGS_MAX_BODY_BYTES", "max-body-bytes", "10485760", "largest request body; larger: 413"},
    {"SEGS_LIVE_AUTH_TIMEOUT", "live-auth-timeout", "10s",
     "WebSocket (/api/v1/ws): time to authenticate before the socket is closed (4401)"},
    {"SEGS_LIVE_RECHECK_MS", "live-recheck-ms", "5000",
     "WebSocket: how often each socket's credentials are checked again, milliseconds"},
    {"SEGS_LIVE_MAX_QUEUED_BYTES", "live-max-queued-bytes", "1048576",
     "WebSocket: bytes waiting for a slow client before it is dropped (4429)"},
    {"SEGS_TOKEN_CACHE_ENTRIES", "token-cache-entries", "10000",
     "verified access tokens kept in memory (0: verify every request)"},
    {"SEGS_REVOCATION_SYNC_MS", "revocation-sync-ms", "1000",
     "bound on revocations made by another server on the same database reaching this one, milliseconds"},
    {"SEGS_BILLING", "billing", "on",
     "on or off (also 1/0, true/false): serve the /api/v1/billing routes; off: they answer 404"},
    {"ENABLE_BILLING", "enable-billing", nullptr, "the seed's name of SEGS_BILLING (used when that one is not given)"},
    {"SEGS_MAIL_SINK", "mail-sink", "log", "log (one line on stderr, no code) or file:PATH"},
    {"SEGS_ADMIN_EMAIL", "admin-email", nullptr, "create this verified admin when none exists"},
    {"SEGS_ADMIN_PASSWORD", "admin-password", nullptr,
     "its password (prefer the variable: flags show in ps)"},
    {"SEGS_ROLES", "roles", nullptr,
     "roles of the deployment, defined at start: a JSON array such as "
     "[{\"name\":\"student\",\"permissions\":[\"profile:read\"],\"scope\":\"self\",\"self_service\":true}], "
     "or the path of a file holding one"},
    {"SEGS_SEED_DEMO", "seed-demo", nullptr,
     "1: create demo users of each role and print their credentials"},
    {"SEGS_DEV_MODE", "dev-mode", "off",
     "on or off (also 1/0, true/false): development mode (segs::options::development_mode), "
     "which allows POST /api/v1/admin/data/seed; never on in production"},
    // The market of every region without settings of its own (admins change
    // a region's with PUT /api/v1/trading/markets/:region).
    {"SEGS_MARKET_MECHANISM", "market-mechanism", "continuous", "continuous or epoch"},
    {"SEGS_MARKET_SLOT_MINUTES", "market-slot-minutes", "15", "delivery slot length; divides a day"},
    {"SEGS_MARKET_OPEN_MINUTES_AHEAD", "market-open-minutes-ahead", "2880",
     "trading for a slot opens this long before it"},
    {"SEGS_MARKET_GATE_CLOSURE_MINUTES", "market-gate-closure-minutes", "5",
     "trading for a slot closes this long before it"},
    {"SEGS_MARKET_TICK", "market-tick", "0.0001", "price step, currency per kWh"},
    {"SEGS_MARKET_FEE_PER_KWH", "market-fee-per-kwh", "0", "grid fee per kWh, each side"},
    {"SEGS_MARKET_FEE_PERCENT", "market-fee-percent", "0", "fee in percent of a trade's amount, each side"},
    {"SEGS_MARKET_IMBALANCE_PRICE", "market-imbalance-price", nullptr,
     "price per kWh of a seller's shortfall (default: the slot's highest trade price)"},
    {"SEGS_MARKET_SELF_TRADE_PREVENTION", "market-self-trade-prevention", "cancel_newest",
     "cancel_newest, cancel_oldest or cancel_both"},
    {"SEGS_REGIONS", "regions", nullptr,
     "regions created or updated at start, e.g. \"north:time_zone=Europe/Berlin,currency=EUR,name=North;"
     "ny:time_zone=America/New_York,currency=USD,nominal_voltage_v=120,nominal_frequency_hz=60\" "
     "(names as in PUT /api/v1/regions/:code)"},
    {"SEGS_DEFAULT_REGION", "default-region", "default",
     "the region of registrations that name none (\"default\" is created in UTC when missing; "
     "any other must be in SEGS_REGIONS or already registered)"},
    {"SEGS_MARKET_REGIONS", "market-regions", nullptr,
     "per-region settings applied at start, e.g. \"south:mechanism=epoch,tick=0.01;east:fee_percent=0.5\" "
     "(names as in PUT /api/v1/trading/markets/:region)"},
    {"SEGS_DUE_WORK_INTERVAL_MS", "due-work-interval-ms", "1000",
     "how often the grid's due work runs (grid::run_due_work: market gate closures, which also write "
     "waiting table rows; later capabilities add theirs)"},
    {"SEGS_MARKET_GATE_INTERVAL_MS", "market-gate-interval-ms", nullptr,
     "deprecated name of SEGS_DUE_WORK_INTERVAL_MS (used when that one is not given)"},
    {"SEGS_MARKET_PROJECTION_BATCH", "market-projection-batch", "5000",
     "journaled order and trade rows written to their tables at once (smaller: lower p99, fewer orders/s)"},
    {"SEGS_TELEMETRY_RAW_RETENTION_HOURS", "telemetry-raw-retention-hours", nullptr,
     "raw meter readings older than this many hours are deleted by the due work; aggregates are kept "
     "(default: raw readings are kept for ever)"},
};

const setting* find_flag(std::string_view flag) {
  for (const auto& s : settings)
    if (flag == s.flag) return &s;
  return nullptr;
}

[[noreturn]] void bad(const setting& s, const std::string& why) {
  throw config_error(std::string(s.env) + " (--" + s.flag + "): " + why);
}

/// A switch: on/1/true or off/0/false, in any case.
bool parse_switch(const setting& s, const std::string& text) {
  std::string t = text;
  for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (t == "on" || t == "1" || t == "true") return true;
  if (t == "off" || t == "0" || t == "false") return false;
  bad(s, "expected on or off (1/0, true/false), got \"" + text + "\"");
}

template <class Int>
Int parse_int(const setting& s, const std::string& text, Int lo, Int hi) {
  Int v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    bad(s, "expected a whole number, got \"" + text + "\"");
  if (v < lo || v > hi)
    bad(s, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

std::string trim(std::string_view t) {
  const auto b = t.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return std::string(t.substr(b, t.find_last_not_of(" \t") - b + 1));
}

// The library's reading, so that the environment and the runtime
// configuration (rate_limits.* of /api/v1/admin/config) take the same text.
segs::rest::rate_limit parse_rate(const setting& s, const std::string& text) {
  if (auto r = segs::rest::parse_rate_limit(text)) return *r;
  bad(s, "expected N or N/PERIOD such as 100/1h or 20/15m (N from 1 to 100000000), got \"" + text + "\"");
}

std::string default_key_file(const std::string& db_url) {
  constexpr std::string_view scheme = "sqlite:";
  if (db_url.starts_with(scheme) && db_url != "sqlite::memory:") {
    auto path = std::filesystem::path(db_url.substr(scheme.size(), db_url.find('?') - scheme.size()));
    auto dir = path.parent_path();
    return (dir.empty() ? std::filesystem::path(".") : dir) / "segs-signing.key";
  }
  return "var/segs-signing.key";
}

}  // namespace

std::chrono::seconds parse_duration(const std::string& text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data() || n <= 0) throw std::invalid_argument(text);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else throw std::invalid_argument(text);
  if (n > std::int64_t{10} * 365 * 86400 / scale) throw std::invalid_argument(text);
  return std::chrono::seconds(n * scale);
}

std::string usage() {
  std::ostringstream out;
  out << "usage: segs-server [--FLAG=VALUE | --FLAG VALUE]... [--seed-demo] [--help]\n"
         "Each setting is read from its environment variable; a flag overrides it.\n\n";
  for (const auto& s : settings) {
    out << "  --" << s.flag << "  (" << s.env << ")";
    if (s.fallback && *s.fallback) out << "  default: " << s.fallback;
    out << "\n      " << s.help << "\n";
  }
  return out.str();
}

namespace {

// "CODE:key=value,key=value;CODE:..." -> region definitions by code.
std::map<std::string, segs::region_spec> parse_regions(const setting& s, const std::string& v) {
  std::map<std::string, segs::region_spec> out;
  std::istringstream items(v);
  for (std::string item; std::getline(items, item, ';');) {
    item = trim(item);
    if (item.empty()) continue;
    const auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) bad(s, "expected CODE:key=value,..., got \"" + item + "\"");
    const std::string code = trim(item.substr(0, colon));
    segs::region_spec spec;
    std::istringstream pairs(item.substr(colon + 1));
    for (std::string kv; std::getline(pairs, kv, ',');) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) bad(s, code + ": expected key=value, got \"" + kv + "\"");
      const std::string key = trim(kv.substr(0, eq)), val = trim(kv.substr(eq + 1));
      auto number = [&] {
        double d = 0;
        auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), d);
        if (ec != std::errc{} || end != val.data() + val.size() || val.empty())
          bad(s, code + ": " + key + " expects a number, got \"" + val + "\"");
        return d;
      };
      if (key == "name") spec.name = val;
      else if (key == "time_zone") spec.time_zone = val;
      else if (key == "currency") spec.currency = val;
      else if (key == "nominal_voltage_v") spec.nominal_voltage_v = number();
      else if (key == "nominal_frequency_hz") spec.nominal_frequency_hz = number();
      else if (key == "emission_factor_kg_per_kwh") spec.emission_factor_kg_per_kwh = number();
      else bad(s, code + ": unknown key \"" + key + "\"");
    }
    // Validated by the library at open, which names the region and field.
    out[code] = std::move(spec);
  }
  return out;
}

// "REGION:key=value,key=value;REGION:..." -> partial settings per region.
std::vector<std::pair<std::string, segs::market_settings_update>> parse_market_regions(const setting& s,
                                                                                       const std::string& v) {
  std::vector<std::pair<std::string, segs::market_settings_update>> out;
  std::istringstream regions(v);
  for (std::string item; std::getline(regions, item, ';');) {
    item = trim(item);
    if (item.empty()) continue;
    const auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) bad(s, "expected REGION:key=value,..., got \"" + item + "\"");
    segs::market_settings_update u;
    const std::string region = trim(item.substr(0, colon));
    std::istringstream pairs(item.substr(colon + 1));
    for (std::string kv; std::getline(pairs, kv, ',');) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) bad(s, region + ": expected key=value, got \"" + kv + "\"");
      const std::string key = trim(kv.substr(0, eq)), val = trim(kv.substr(eq + 1));
      auto money_of = [&](const std::string& text) {
        auto r = segs::money::parse(text, segs::rounding::exact, key);
        if (!r) bad(s, region + ": " + key + " expects a decimal amount, got \"" + text + "\"");
        return *r;
      };
      auto minutes_of = [&](const std::string& text) {
        return std::chrono::minutes(parse_int<int>(s, text, 0, 31 * 1440));
      };
      if (key == "mechanism") {
        auto r = segs::parse_mechanism(val);
        if (!r) bad(s, region + ": " + r.error().message);
        u.mechanism = *r;
      } else if (key == "slot_minutes") {
        u.slot_length = minutes_of(val);
      } else if (key == "open_minutes_ahead") {
        u.open_ahead = minutes_of(val);
      } else if (key == "gate_closure_minutes") {
        u.gate_closure = minutes_of(val);
      } else if (key == "tick") {
        u.tick = money_of(val);
      } else if (key == "fee_per_kwh") {
        u.fee_per_kwh = money_of(val);
      } else if (key == "fee_percent") {
        auto r = segs::parse_decimal(val, 4, segs::rounding::exact, key);
        if (!r) bad(s, region + ": fee_percent expects a percentage such as 0.5, got \"" + val + "\"");
        u.fee_ppm = *r;
      } else if (key == "imbalance_price_per_kwh") {
        u.imbalance_price = val == "none" ? std::optional<segs::money>{} : std::optional<segs::money>{money_of(val)};
      } else if (key == "self_trade_prevention") {
        auto r = segs::parse_self_trade_prevention(val);
        if (!r) bad(s, region + ": " + r.error().message);
        u.stp = *r;
      } else {
        bad(s, region + ": unknown setting \"" + key + "\"");
      }
    }
    out.emplace_back(region, u);
  }
  return out;
}

// SEGS_ROLES: a JSON array of {name, permissions, scope, self_service?}, or
// the path of a file holding one (a deployment's roles are easier to keep in
// a file than in one line of environment). Only the shape is checked here;
// names and permissions are the library's to judge when the server defines
// them at start.
std::vector<segs::role_definition> parse_roles(const setting& s, const std::string& v) {
  std::string text = v;
  if (const auto t = trim(v); !t.starts_with("[") && !t.starts_with("{")) {
    std::ifstream in(v);
    if (!in) bad(s, "expected a JSON array or the path of a readable file, got \"" + v + "\"");
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
  }
  boost::system::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec) bad(s, "not valid JSON: " + ec.message());
  if (!doc.is_array()) bad(s, "expected a JSON array of roles");
  std::vector<segs::role_definition> out;
  for (std::size_t i = 0; i < doc.as_array().size(); ++i) {
    const auto& item = doc.as_array()[i];
    const std::string where = "roles[" + std::to_string(i) + "]";
    if (!item.is_object()) bad(s, where + ": expected an object");
    const auto& o = item.as_object();
    for (const auto& kv : o)
      if (kv.key() != "name" && kv.key() != "permissions" && kv.key() != "scope" &&
          kv.key() != "self_service")
        bad(s, where + ": unknown field \"" + std::string(kv.key()) + "\"");
    segs::role_definition r;
    const auto* name = o.if_contains("name");
    if (!name || !name->is_string()) bad(s, where + ".name: expected a string");
    r.name = std::string(name->as_string());
    const auto* perms = o.if_contains("permissions");
    if (!perms || !perms->is_array()) bad(s, where + ".permissions: expected an array of strings");
    for (const auto& p : perms->as_array()) {
      if (!p.is_string()) bad(s, where + ".permissions: expected an array of strings");
      r.permissions.emplace_back(p.as_string());
    }
    const auto* scope = o.if_contains("scope");
    if (!scope || !scope->is_string()) bad(s, where + ".scope: expected self, department, region or all");
    const std::string sc(scope->as_string());
    if (sc == "self") r.scope = segs::role_scope::self;
    else if (sc == "department") r.scope = segs::role_scope::department;
    else if (sc == "region") r.scope = segs::role_scope::region;
    else if (sc == "all") r.scope = segs::role_scope::all;
    else bad(s, where + ".scope: expected self, department, region or all, got \"" + sc + "\"");
    if (const auto* ss = o.if_contains("self_service"); ss && !ss->is_null()) {
      if (!ss->is_bool()) bad(s, where + ".self_service: expected true or false");
      r.self_service = ss->as_bool();
    }
    out.push_back(std::move(r));
  }
  return out;
}

// One SEGS_MARKET_* setting into the deployment's market defaults.
void load_market_setting(config& cfg, const setting& s, const std::string& name, const std::string& v) {
  auto& m = cfg.grid.market.defaults;
  auto money_of = [&](const std::string& text) {
    auto r = segs::money::parse(text, segs::rounding::exact, s.env);
    if (!r) bad(s, "expected a decimal amount such as 0.0001, got \"" + text + "\"");
    return *r;
  };
  if (name == "SEGS_MARKET_MECHANISM") {
    auto r = segs::parse_mechanism(v);
    if (!r) bad(s, "expected continuous or epoch, got \"" + v + "\"");
    m.mechanism = *r;
  } else if (name == "SEGS_MARKET_SLOT_MINUTES") {
    m.slot_length = std::chrono::minutes(parse_int<int>(s, v, 1, 1440));
  } else if (name == "SEGS_MARKET_OPEN_MINUTES_AHEAD") {
    m.open_ahead = std::chrono::minutes(parse_int<int>(s, v, 1, 31 * 1440));
  } else if (name == "SEGS_MARKET_GATE_CLOSURE_MINUTES") {
    m.gate_closure = std::chrono::minutes(parse_int<int>(s, v, 0, 7 * 1440));
  } else if (name == "SEGS_MARKET_TICK") {
    m.tick = money_of(v);
  } else if (name == "SEGS_MARKET_FEE_PER_KWH") {
    m.fee_per_kwh = money_of(v);
  } else if (name == "SEGS_MARKET_FEE_PERCENT") {
    auto r = segs::parse_decimal(v, 4, segs::rounding::exact, s.env);  // percent with 4 decimals = ppm
    if (!r) bad(s, "expected a percentage such as 0.5, got \"" + v + "\"");
    m.fee_ppm = *r;
  } else if (name == "SEGS_MARKET_IMBALANCE_PRICE") {
    m.imbalance_price = money_of(v);
  } else if (name == "SEGS_MARKET_SELF_TRADE_PREVENTION") {
    auto r = segs::parse_self_trade_prevention(v);
    if (!r) bad(s, "expected cancel_newest, cancel_oldest or cancel_both, got \"" + v + "\"");
    m.stp = *r;
  } else if (name == "SEGS_MARKET_REGIONS") {
    cfg.market_regions = parse_market_regions(s, v);
  } else if (name == "SEGS_MARKET_GATE_INTERVAL_MS") {
    if (!cfg.due_work_interval_given)
      cfg.due_work_interval = std::chrono::milliseconds(parse_int<int>(s, v, 10, 3'600'000));
  } else if (name == "SEGS_MARKET_PROJECTION_BATCH") {
    cfg.grid.market.projection_batch = static_cast<std::size_t>(parse_int<int>(s, v, 1, 10'000'000));
  }
}

}  // namespace

config load_config(int argc, char** argv) {
  std::map<std::string, std::string> given;  // env name -> value
  for (const auto& s : settings)
    if (const char* v = std::getenv(s.env)) given[s.env] = v;

  config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      cfg.help = true;
      continue;
    }
    if (!arg.starts_with("--")) throw config_error("unexpected argument \"" + arg + "\" (see --help)");
    arg.erase(0, 2);
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.erase(eq);
    }
    const setting* s = find_flag(arg);
    if (!s) throw config_error("unknown flag --" + arg + " (see --help)");
    if (arg == "seed-demo" && !value) value = "1";
    // --dev-mode alone means on; --dev-mode off (or on) takes a value.
    if (arg == "dev-mode" && !value && (i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--")))
      value = "on";
    if (!value) {
      if (i + 1 >= argc) throw config_error(std::string("--") + s->flag + " needs a value");
      value = argv[++i];
    }
    given[s->env] = *value;
  }

  auto get = [&](const setting& s) -> std::optional<std::string> {
    if (auto it = given.find(s.env); it != given.end()) return it->second;
    if (s.fallback) return std::string(s.fallback);
    return std::nullopt;
  };
  auto& id = cfg.grid.identity;
  for (const auto& s : settings) {
    const std::string name = s.env;
    const auto v = get(s);
    if (!v) continue;
    if (name == "SEGS_DB_URL") {
      if (v->empty()) bad(s, "must not be empty");
      cfg.db_url = *v;
    } else if (name == "SEGS_LISTEN") {
      const auto colon = v->rfind(':');
      if (colon == std::string::npos) bad(s, "expected HOST:PORT, got \"" + *v + "\"");
      cfg.listen_host = v->substr(0, colon);
      if (cfg.listen_host.size() >= 2 && cfg.listen_host.front() == '[' && cfg.listen_host.back() == ']')
        cfg.listen_host = cfg.listen_host.substr(1, cfg.listen_host.size() - 2);
      if (cfg.listen_host.empty()) bad(s, "the host is missing in \"" + *v + "\"");
      cfg.listen_port = parse_int<std::uint16_t>(s, v->substr(colon + 1), 0, 65535);
    } else if (name == "SEGS_THREADS") {
      cfg.threads = parse_int<int>(s, *v, 1, 64);
    } else if (name == "SEGS_SIGNING_KEY_FILE") {
      if (v->empty()) bad(s, "must not be empty");
      cfg.signing_key_file = *v;
    } else if (name == "SEGS_TOKEN_ALGORITHM") {
      if (*v == "eddsa") id.algorithm = segs::token_algorithm::eddsa;
      else if (*v == "hs256") id.algorithm = segs::token_algorithm::hs256;
      else bad(s, "expected eddsa or hs256, got \"" + *v + "\"");
    } else if (name == "JWT_ACCESS_EXPIRY" || name == "JWT_REFRESH_EXPIRY") {
      std::chrono::seconds d{};
      try {
        d = parse_duration(*v);
      } catch (const std::invalid_argument&) {
        bad(s, "expected a duration such as 30s, 15m, 2h or 7d, got \"" + *v + "\"");
      }
      (name == "JWT_ACCESS_EXPIRY" ? id.access_token_ttl : id.refresh_token_ttl) = d;
    } else if (name == "OTP_EXPIRY_MINUTES") {
      id.otp_ttl = std::chrono::minutes(parse_int<int>(s, *v, 1, 24 * 60));
    } else if (name == "SESSION_EXPIRY_DAYS") {
      id.session_ttl = std::chrono::hours(24 * parse_int<int>(s, *v, 1, 3650));
    } else if (name == "MAX_LOGIN_ATTEMPTS") {
      id.max_login_attempts = parse_int<int>(s, *v, 1, 1000);
    } else if (name == "SEGS_CORS_ORIGINS") {
      std::istringstream in(*v);
      for (std::string item; std::getline(in, item, ',');)
        if (auto o = trim(item); !o.empty()) cfg.rest.cors_origins.push_back(o);
    } else if (name == "SEGS_RATE_LIMITS") {
      if (*v == "on") cfg.rest.rate_limits_enabled = true;
      else if (*v == "off") cfg.rest.rate_limits_enabled = false;
      else bad(s, "expected on or off, got \"" + *v + "\"");
    } else if (name == "SEGS_RATE_LIMIT_ANONYMOUS") {
      cfg.rest.anonymous = parse_rate(s, *v);
    } else if (name == "SEGS_RATE_LIMIT_AUTHENTICATED") {
      cfg.rest.authenticated = parse_rate(s, *v);
    } else if (name == "SEGS_RATE_LIMIT_ADMIN") {
      cfg.rest.admin = parse_rate(s, *v);
    } else if (name == "SEGS_RATE_LIMIT_AUTH") {
      cfg.rest.auth_routes = parse_rate(s, *v);
    } else if (name == "SEGS_MAX_BODY_BYTES") {
      cfg.rest.max_body_bytes = parse_int<std::size_t>(s, *v, 1, std::size_t{1} << 30);
    } else if (name == "SEGS_LIVE_AUTH_TIMEOUT") {
      try {
        cfg.rest.live.auth_timeout = parse_duration(*v);
      } catch (const std::invalid_argument&) {
        bad(s, "expected a duration such as 10s or 1m, got \"" + *v + "\"");
      }
    } else if (name == "SEGS_LIVE_RECHECK_MS") {
      cfg.rest.live.recheck = std::chrono::milliseconds(parse_int<int>(s, *v, 10, 3'600'000));
    } else if (name == "SEGS_LIVE_MAX_QUEUED_BYTES") {
      cfg.rest.live.max_queued_bytes = parse_int<std::size_t>(s, *v, 1024, std::size_t{1} << 30);
    } else if (name == "SEGS_TOKEN_CACHE_ENTRIES") {
      cfg.grid.identity.token_cache_entries = parse_int<std::size_t>(s, *v, 0, 10'000'000);
    } else if (name == "SEGS_REVOCATION_SYNC_MS") {
      cfg.grid.identity.revocation_sync_interval =
          std::chrono::milliseconds(parse_int<int>(s, *v, 0, 60'000));
    } else if (name == "SEGS_DEV_MODE") {
      cfg.grid.development_mode = parse_switch(s, *v);
    } else if (name == "SEGS_BILLING") {
      cfg.rest.billing = parse_switch(s, *v);
    } else if (name == "ENABLE_BILLING") {
      if (!given.contains("SEGS_BILLING")) cfg.rest.billing = parse_switch(s, *v);
    } else if (name == "SEGS_MAIL_SINK") {
      if (*v != "log" && !(v->starts_with("file:") && v->size() > 5))
        bad(s, "expected log or file:PATH, got \"" + *v + "\"");
      cfg.mail_sink = *v;
    } else if (name == "SEGS_ADMIN_EMAIL") {
      cfg.admin_email = *v;
    } else if (name == "SEGS_ADMIN_PASSWORD") {
      cfg.admin_password = *v;
    } else if (name == "SEGS_DUE_WORK_INTERVAL_MS") {
      cfg.due_work_interval = std::chrono::milliseconds(parse_int<int>(s, *v, 10, 3'600'000));
      cfg.due_work_interval_given = given.count(s.env) > 0;
    } else if (name == "SEGS_REGIONS") {
      cfg.grid.regions.define = parse_regions(s, *v);
    } else if (name == "SEGS_DEFAULT_REGION") {
      cfg.grid.regions.default_region = *v;
    } else if (name.starts_with("SEGS_MARKET_")) {
      load_market_setting(cfg, s, name, *v);
    } else if (name == "SEGS_ROLES") {
      cfg.roles = parse_roles(s, *v);
    } else if (name == "SEGS_TELEMETRY_RAW_RETENTION_HOURS") {
      cfg.grid.telemetry.raw_retention = std::chrono::hours(parse_int<int>(s, *v, 1, 1'000'000));
    } else if (name == "SEGS_SEED_DEMO") {
      if (*v != "1" && *v != "0" && *v != "true" && *v != "false") bad(s, "expected 1 or 0");
      cfg.seed_demo = (*v == "1" || *v == "true");
    }
  }
  if (!given.contains("SEGS_THREADS"))
    cfg.threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 2, 4);
  if (cfg.admin_email.has_value() != cfg.admin_password.has_value())
    throw config_error("SEGS_ADMIN_EMAIL and SEGS_ADMIN_PASSWORD must be set together");
  if (cfg.signing_key_file.empty()) cfg.signing_key_file = default_key_file(cfg.db_url);
  return cfg;
}

std::vector<std::uint8_t> load_signing_key(const std::string& path) {
  const std::string where = "SEGS_SIGNING_KEY_FILE (" + path + "): ";
  std::vector<std::uint8_t> key(32);
  if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  // O_EXCL: when two servers start at once, one creates the key and the
  // other reads it, instead of each writing its own.
  if (int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
    if (::getrandom(key.data(), key.size(), 0) != static_cast<ssize_t>(key.size())) {
      ::close(fd);
      throw config_error(where + "cannot get random bytes");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    for (auto b : key) {
      text += hex[b >> 4];
      text += hex[b & 15];
    }
    text += '\n';
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok) throw config_error(where + "cannot write: " + std::strerror(errno));
    return key;
  } else if (errno != EEXIST) {
    throw config_error(where + "cannot create: " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    std::cerr << "segs-server: warning: " << path
              << " is readable by group or others; chmod 600 it\n";
  std::ifstream in(path);
  std::string text;
  in >> text;
  if (!in && !in.eof()) throw config_error(where + "cannot read");
  if (text.size() != 64) throw config_error(where + "expected 64 hexadecimal digits (32 bytes)");
  for (std::size_t i = 0; i < 32; ++i) {
    auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, key[i], 16);
    if (ec != std::errc{} || end != text.data() + 2 * i + 2)
      throw config_error(where + "expected 64 hexadecimal digits (32 bytes)");
  }
  return key;
}

}  // namespace segs_server
