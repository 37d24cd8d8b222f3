#include "storage/stores/identity_store.hpp"
#include "storage/stores/counts.hpp"

#include "identity/names.hpp"
#include "storage/enum_column.hpp"
#include "storage/stores/filter.hpp"
#include "storage/stores/in_list.hpp"
#include "storage/stores/json_text.hpp"
#include "storage/stores/listing.hpp"

#include <algorithm>
#include <string>

namespace segs::storage::identity {
namespace {

value opt(const std::optional<std::string>& s) {
  return s ? value(*s) : value(nullptr);
}
value opt(const std::optional<timestamp>& t) {
  return t ? value(to_micros(*t)) : value(nullptr);
}
std::optional<timestamp> opt_time(const row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return from_micros(r.i64(i));
}
value id(const uuid& u) { return u.to_string(); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

constexpr std::string_view kUserColumns =
    "id, email, username, name, role, region, department, department_metadata, wallet_address, "
    "password_hash, email_verified, status, status_reason, created_at, updated_at, last_login_at, "
    "first_name, last_name";

user_row read_user(const row& r) {
  user_row u;
  u.user.id = r.id(0);
  u.user.email = r.text(1);
  u.user.username = r.opt_text(2);
  u.user.name = r.text(3);
  u.user.role = r.text(4);
  u.user.region = r.text(5);
  u.user.department = r.text(6);
  u.user.department_metadata = r.text(7);
  u.user.wallet_address = r.opt_text(8);
  u.password_hash = r.opt_text(9);
  u.user.has_password = u.password_hash.has_value();
  u.user.email_verified = r.boolean(10);
  u.user.status = enum_column<user_status>(r, 11, "users.status");
  u.user.status_reason = r.opt_text(12);
  u.user.created_at = from_micros(r.i64(13));
  u.user.updated_at = from_micros(r.i64(14));
  u.user.last_login_at = opt_time(r, 15);
  u.user.first_name = r.opt_text(16);
  u.user.last_name = r.opt_text(17);
  return u;
}

std::optional<user_row> one_user(transaction& tx, std::string_view where, value key) {
  std::string sql = "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + std::string(where);
  auto res = tx.exec(sql, {std::move(key)});
  if (res.rows.empty()) return std::nullopt;
  return read_user(res.rows.front());
}

// Keys freed by a soft delete so the email and username can be used again.
std::string email_key_of(const user_row& u) {
  return u.user.status == user_status::deleted ? "deleted:" + u.user.id.to_string()
                                               : lower(u.user.email);
}
value username_key_of(const user_row& u) {
  if (!u.user.username || u.user.status == user_status::deleted) return nullptr;
  return lower(*u.user.username);
}

std::string like_pattern(std::string_view search) {
  std::string p = "%";
  for (char c : lower(search)) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  p += '%';
  return p;
}

}  // namespace

blob get_or_create_secret(transaction& tx, std::string_view name, const blob& fresh,
                          timestamp now) {
  tx.exec(
      "INSERT INTO grid_secrets (name, value, created_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO NOTHING",
      {std::string(name), fresh, to_micros(now)});
  auto res = tx.exec("SELECT value FROM grid_secrets WHERE name = $1", {std::string(name)});
  return res.rows.at(0).bytes(0);
}

void upsert_role(transaction& tx, const role_definition& r, timestamp now) {
  tx.exec(
      "INSERT INTO roles (name, permissions, scope, self_service, builtin, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $6) "
      "ON CONFLICT (name) DO UPDATE SET permissions = $2, scope = $3, self_service = $4, "
      "builtin = $5, updated_at = $6",
      {r.name, to_json_array(r.permissions), std::string(to_string(r.scope)),
       std::int64_t{r.self_service}, std::int64_t{r.builtin}, to_micros(now)});
}

std::vector<role_definition> load_roles(transaction& tx) {
  auto res = tx.exec(
      "SELECT name, permissions, scope, self_service, builtin FROM roles ORDER BY name");
  std::vector<role_definition> out;
  for (const auto& r : res.rows) {
    out.push_back({r.text(0), from_json_array(r.text(1)), enum_column<role_scope>(r, 2, "roles.scope"),
                   r.boolean(3), r.boolean(4)});
  }
  return out;
}

void insert_user(transaction& tx, const user_row& u) {
  const auto& x = u.user;
  tx.exec(
      "INSERT INTO users (id, email, email_key, username, username_key, name, role, region, "
      "department, department_metadata, wallet_address, password_hash, email_verified, status, "
      "status_reason, created_at, updated_at, last_login_at, first_name, last_name) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
      "$19, $20)",
      {id(x.id), x.email, email_key_of(u), opt(x.username), username_key_of(u), x.name, x.role,
       x.region, x.department, x.department_metadata, opt(x.wallet_address), opt(u.password_hash),
       std::int64_t{x.email_verified}, std::string(to_string(x.status)), opt(x.status_reason),
       to_micros(x.created_at), to_micros(x.updated_at), opt(x.last_login_at), opt(x.first_name),
       opt(x.last_name)});
}

void update_user(transaction& tx, const user_row& u) {
  const auto& x = u.user;
  tx.exec(
      "UPDATE users SET email = $2, email_key = $3, username = $4, username_key = $5, name = $6, "
      "role = $7, region = $8, department = $9, department_metadata = $10, wallet_address = $11, "
      "password_hash = $12, email_verified = $13, status = $14, status_reason = $15, "
      "updated_at = $16, last_login_at = $17, first_name = $18, last_name = $19 WHERE id = $1",
      {id(x.id), x.email, email_key_of(u), opt(x.username), username_key_of(u), x.name, x.role,
       x.region, x.department, x.department_metadata, opt(x.wallet_address), opt(u.password_hash),
       std::int64_t{x.email_verified}, std::string(to_string(x.status)), opt(x.status_reason),
       to_micros(x.updated_at), opt(x.last_login_at), opt(x.first_name), opt(x.last_name)});
}

std::map<uuid, std::string> emails_of(transaction& tx, const std::vector<uuid>& ids) {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(id.to_string());
  std::map<uuid, std::string> out;
  in_lists(keys, [&](const std::string& list, const std::vector<value>& params) {
    for (const auto& r : tx.exec("SELECT id, email FROM users WHERE id IN (" + list + ")", params).rows)
      out.emplace(r.id(0), r.text(1));
  });
  return out;
}

std::optional<user_row> find_user(transaction& tx, const uuid& uid) {
  return one_user(tx, "id = $1", id(uid));
}
std::optional<user_row> find_user_by_email(transaction& tx, std::string_view key) {
  return one_user(tx, "email_key = $1", std::string(key));
}
std::optional<user_row> find_user_by_username(transaction& tx, std::string_view key) {
  return one_user(tx, "username_key = $1", std::string(key));
}

bool admin_exists(transaction& tx) {
  auto res = tx.exec("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status <> 'deleted'");
  return res.rows.at(0).i64(0) > 0;
}

std::vector<std::string> user_regions(transaction& tx) {
  auto res = tx.exec("SELECT DISTINCT region FROM users WHERE status <> 'deleted' ORDER BY region");
  std::vector<std::string> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(r.text(0));
  return out;
}

page<user> list_users(transaction& tx, const user_query& q) {
  filter f;
  if (!q.search.empty())
    f.add("(LOWER(email) LIKE ? ESCAPE '\\' OR COALESCE(username_key, '') LIKE ? ESCAPE '\\' "
          "OR LOWER(name) LIKE ? ESCAPE '\\')",
          like_pattern(q.search));
  if (q.role) f.add("role = ?", *q.role);
  if (q.region) f.add("region = ?", *q.region);
  if (q.department) f.add("department = ?", *q.department);
  if (q.status) f.add("status = ?", std::string(to_string(*q.status)));
  if (!q.include_deleted && !q.status) f.add("status <> 'deleted'");

  auto rows = fetch_page(tx,
                         {.select = std::string(kUserColumns),
                          .from = "users" + f.where(),
                          .params = f.params(),
                          .order_by = "created_at, id"},
                         {.page = q.page, .per_page = q.per_page});
  return to_page<user>(std::move(rows), [](const row& r) { return read_user(r).user; });
}

std::optional<department_info> department(transaction& tx, std::string_view name) {
  auto by_role = tx.exec(
      "SELECT role, COUNT(*), SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) FROM users "
      "WHERE department = $1 AND status <> 'deleted' GROUP BY role ORDER BY role",
      {std::string(name)});
  if (by_role.rows.empty()) return std::nullopt;
  department_info d;
  d.name = std::string(name);
  for (const auto& r : by_role.rows) {
    d.users_by_role.emplace_back(r.text(0), r.i64(1));
    d.user_count += r.i64(1);
    d.active_users += r.i64(2);
  }
  auto regions = tx.exec(
      "SELECT DISTINCT region FROM users WHERE department = $1 AND status <> 'deleted' "
      "ORDER BY region",
      {std::string(name)});
  for (const auto& r : regions.rows) d.regions.push_back(r.text(0));
  return d;
}

namespace {

// The preference columns, in the order preferences_at reads them.
constexpr const char* preference_columns =
    "p.email, p.sms, p.push, p.alerts, p.billing, p.trading, p.security, p.updated_at, "
    "p.alerts_in_app, p.alerts_email, p.billing_in_app, p.billing_email, p.trading_in_app, "
    "p.trading_email, p.quiet_start, p.quiet_end";

notification_preferences preferences_at(const row& r, std::size_t i) {
  notification_preferences p;
  p.email = r.boolean(i + 0);
  p.sms = r.boolean(i + 1);
  p.push = r.boolean(i + 2);
  p.alerts = r.boolean(i + 3);
  p.billing = r.boolean(i + 4);
  p.trading = r.boolean(i + 5);
  p.security = r.boolean(i + 6);
  p.updated_at = from_micros(r.i64(i + 7));
  p.alerts_channels = {r.boolean(i + 8), r.boolean(i + 9)};
  p.billing_channels = {r.boolean(i + 10), r.boolean(i + 11)};
  p.trading_channels = {r.boolean(i + 12), r.boolean(i + 13)};
  if (!r.is_null(i + 14) && !r.is_null(i + 15))
    p.quiet_hours = segs::quiet_hours{static_cast<int>(r.i64(i + 14)), static_cast<int>(r.i64(i + 15))};
  return p;
}

}  // namespace

std::optional<notification_preferences> find_preferences(transaction& tx, const uuid& user_id) {
  auto res = tx.exec(std::string("SELECT ") + preference_columns +
                         " FROM user_preferences p WHERE p.user_id = $1",
                     {id(user_id)});
  if (res.rows.empty()) return std::nullopt;
  return preferences_at(res.rows.front(), 0);
}

void put_preferences(transaction& tx, const uuid& user_id, const notification_preferences& p) {
  const auto quiet = [&](bool start) -> value {
    if (!p.quiet_hours) return nullptr;
    return std::int64_t{start ? p.quiet_hours->start_minute : p.quiet_hours->end_minute};
  };
  auto b = [](bool v) { return value(std::int64_t{v}); };
  tx.exec(
      "INSERT INTO user_preferences (user_id, email, sms, push, alerts, billing, trading, "
      "security, updated_at, alerts_in_app, alerts_email, billing_in_app, billing_email, "
      "trading_in_app, trading_email, quiet_start, quiet_end) VALUES ($1, $2, $3, $4, $5, $6, "
      "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
      "ON CONFLICT (user_id) DO UPDATE SET email = $2, sms = $3, push = $4, alerts = $5, "
      "billing = $6, trading = $7, security = $8, updated_at = $9, alerts_in_app = $10, "
      "alerts_email = $11, billing_in_app = $12, billing_email = $13, trading_in_app = $14, "
      "trading_email = $15, quiet_start = $16, quiet_end = $17",
      {id(user_id), b(p.email), b(p.sms), b(p.push), b(p.alerts), b(p.billing), b(p.trading),
       b(p.security), to_micros(p.updated_at), b(p.alerts_channels.in_app),
       b(p.alerts_channels.email), b(p.billing_channels.in_app), b(p.billing_channels.email),
       b(p.trading_channels.in_app), b(p.trading_channels.email), quiet(true), quiet(false)});
}

std::vector<recipient_row> recipients(transaction& tx, const std::vector<uuid>& ids) {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const auto& u : ids) keys.push_back(u.to_string());
  std::vector<recipient_row> out;
  in_lists(keys, [&](const std::string& list, const std::vector<value>& params) {
    const auto res = tx.exec(
        std::string("SELECT u.id, u.email, u.region, u.status, p.user_id, ") + preference_columns +
            " FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id WHERE u.id IN (" +
            list + ")",
        params);
    for (const auto& r : res.rows) {
      recipient_row c;
      c.id = r.id(0);
      c.email = r.text(1);
      c.region = r.text(2);
      c.status = enum_column<user_status>(r, 3, "users.status");
      if (!r.is_null(4)) c.prefs = preferences_at(r, 5);
      out.push_back(std::move(c));
    }
  });
  return out;
}

std::vector<uuid> holders_in_region(transaction& tx, std::string_view region, std::string_view permission) {
  // roles.permissions is a JSON array of strings: match the quoted name.
  const auto res = tx.exec(
      "SELECT u.id FROM users u JOIN roles r ON r.name = u.role WHERE u.region = $1 "
      "AND u.status = 'active' AND r.scope = 'region' AND r.permissions LIKE $2 "
      "ORDER BY u.id",
      {std::string(region), "%" + json_quote(permission) + "%"});
  std::vector<uuid> out;
  for (const auto& r : res.rows) out.push_back(r.id(0));
  return out;
}

void retire_codes(transaction& tx, const uuid& user_id, otp_purpose purpose, timestamp now) {
  tx.exec(
      "UPDATE otp_codes SET consumed_at = $3 WHERE user_id = $1 AND purpose = $2 "
      "AND consumed_at IS NULL",
      {id(user_id), std::string(to_string(purpose)), to_micros(now)});
}

void insert_code(transaction& tx, const otp_row& c) {
  tx.exec(
      "INSERT INTO otp_codes (id, user_id, purpose, code_hash, created_at, expires_at, attempts, "
      "consumed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {id(c.id), id(c.user_id), std::string(to_string(c.purpose)), c.code_hash, to_micros(c.created_at),
       to_micros(c.expires_at), std::int64_t{c.attempts}, opt(c.consumed_at)});
}

std::optional<otp_row> latest_code(transaction& tx, const uuid& user_id, otp_purpose purpose) {
  auto res = tx.exec(
      "SELECT id, user_id, purpose, code_hash, created_at, expires_at, attempts, consumed_at "
      "FROM otp_codes WHERE user_id = $1 AND purpose = $2 ORDER BY created_at DESC, id DESC "
      "LIMIT 1",
      {id(user_id), std::string(to_string(purpose))});
  if (res.rows.empty()) return std::nullopt;
  const auto& r = res.rows.front();
  return otp_row{r.id(0),
                 r.id(1),
                 enum_column<otp_purpose>(r, 2, "otp_codes.purpose"),
                 r.bytes(3),
                 from_micros(r.i64(4)),
                 from_micros(r.i64(5)),
                 static_cast<int>(r.i64(6)),
                 opt_time(r, 7)};
}

void count_failed_attempt(transaction& tx, const uuid& code_id) {
  tx.exec("UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1", {id(code_id)});
}

void consume_code(transaction& tx, const uuid& code_id, timestamp now) {
  tx.exec("UPDATE otp_codes SET consumed_at = $2 WHERE id = $1", {id(code_id), to_micros(now)});
}

namespace {
constexpr std::string_view kSessionColumns =
    "id, user_id, created_at, expires_at, last_used_at, revoked_at, ip, user_agent";
session_row read_session(const row& r) {
  return session_row{r.id(0),     r.id(1), from_micros(r.i64(2)),
                     from_micros(r.i64(3)), opt_time(r, 4), opt_time(r, 5),
                     r.text(6),         r.text(7)};
}
}  // namespace

void insert_session(transaction& tx, const session_row& s) {
  tx.exec(
      "INSERT INTO sessions (id, user_id, created_at, expires_at, last_used_at, revoked_at, ip, "
      "user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {id(s.id), id(s.user_id), to_micros(s.created_at), to_micros(s.expires_at),
       opt(s.last_used_at), opt(s.revoked_at), s.ip, s.user_agent});
}

std::optional<session_row> find_session(transaction& tx, const uuid& sid) {
  auto res = tx.exec("SELECT " + std::string(kSessionColumns) + " FROM sessions WHERE id = $1",
                     {id(sid)});
  if (res.rows.empty()) return std::nullopt;
  return read_session(res.rows.front());
}

void touch_session(transaction& tx, const uuid& sid, timestamp now) {
  tx.exec("UPDATE sessions SET last_used_at = $2 WHERE id = $1", {id(sid), to_micros(now)});
}

void revoke_session(transaction& tx, const uuid& sid, timestamp now, std::string_view reason) {
  tx.exec(
      "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
      {id(sid), to_micros(now), std::string(reason)});
}

std::int64_t revoke_user_sessions(transaction& tx, const uuid& user_id, timestamp now,
                                  std::string_view reason, std::optional<uuid> keep) {
  return tx
      .exec(
          "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE user_id = $1 "
          "AND revoked_at IS NULL AND id <> $4",
          {id(user_id), to_micros(now), std::string(reason), keep ? id(*keep) : value("")})
      .affected;
}

std::vector<session_row> open_sessions(transaction& tx, const uuid& user_id, timestamp now) {
  auto res = tx.exec("SELECT " + std::string(kSessionColumns) +
                         " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL "
                         "AND expires_at > $2 ORDER BY created_at DESC, id DESC",
                     {id(user_id), to_micros(now)});
  std::vector<session_row> out;
  for (const auto& r : res.rows) out.push_back(read_session(r));
  return out;
}

void insert_refresh(transaction& tx, const refresh_row& r) {
  tx.exec(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, rotated_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      {r.token_hash, id(r.session_id), to_micros(r.created_at), to_micros(r.expires_at),
       opt(r.rotated_at)});
}

std::optional<refresh_row> find_refresh(transaction& tx, const blob& token_hash) {
  auto res = tx.exec(
      "SELECT token_hash, session_id, created_at, expires_at, rotated_at FROM refresh_tokens "
      "WHERE token_hash = $1",
      {token_hash});
  if (res.rows.empty()) return std::nullopt;
  const auto& r = res.rows.front();
  return refresh_row{r.bytes(0), r.id(1), from_micros(r.i64(2)), from_micros(r.i64(3)),
                     opt_time(r, 4)};
}

bool rotate_refresh(transaction& tx, const blob& token_hash, timestamp now) {
  return tx
             .exec(
                 "UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 "
                 "AND rotated_at IS NULL",
                 {token_hash, to_micros(now)})
             .affected == 1;
}

void revoke_token_id(transaction& tx, std::string_view jti, timestamp expires_at) {
  tx.exec(
      "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
      {std::string(jti), to_micros(expires_at)});
}

bool token_id_revoked(transaction& tx, std::string_view jti) {
  return !tx.exec("SELECT 1 FROM revoked_tokens WHERE jti = $1", {std::string(jti)}).rows.empty();
}

// How many epochs of the revocation log are kept: a reader more than this
// far behind forgets every token it holds instead of reading them.
constexpr std::int64_t kRevocationsKept = 10'000;

std::int64_t record_revocation(transaction& tx, const std::optional<uuid>& user, timestamp now) {
  // The UPDATE takes the row's lock until commit (PostgreSQL; SQLite writes
  // one at a time anyway), so epochs commit in order and without gaps.
  tx.exec("UPDATE revocation_epoch SET epoch = epoch + 1 WHERE id = 1");
  const auto epoch = tx.exec("SELECT epoch FROM revocation_epoch WHERE id = 1").rows.at(0).i64(0);
  tx.exec("INSERT INTO token_revocations (epoch, user_id, revoked_at) VALUES ($1, $2, $3)",
          {epoch, user ? id(*user) : value(nullptr), to_micros(now)});
  if (epoch % 1000 == 0)
    tx.exec("DELETE FROM token_revocations WHERE epoch <= $1", {epoch - kRevocationsKept});
  return epoch;
}

std::int64_t revocation_epoch(transaction& tx) {
  return tx.exec("SELECT epoch FROM revocation_epoch WHERE id = 1").rows.at(0).i64(0);
}

std::vector<std::optional<uuid>> revocations_between(transaction& tx, std::int64_t after,
                                                     std::int64_t upto) {
  auto res = tx.exec(
      "SELECT user_id FROM token_revocations WHERE epoch > $1 AND epoch <= $2 ORDER BY epoch",
      {after, upto});
  std::vector<std::optional<uuid>> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(r.is_null(0) ? std::nullopt : std::optional<uuid>(r.id(0)));
  return out;
}

std::optional<throttle_row> find_throttle(transaction& tx, std::string_view identifier) {
  auto res = tx.exec(
      "SELECT identifier, failures, window_start, locked_until, lockouts FROM login_throttle "
      "WHERE identifier = $1",
      {std::string(identifier)});
  if (res.rows.empty()) return std::nullopt;
  const auto& r = res.rows.front();
  return throttle_row{r.text(0), static_cast<int>(r.i64(1)), from_micros(r.i64(2)),
                      opt_time(r, 3), static_cast<int>(r.i64(4))};
}

void put_throttle(transaction& tx, const throttle_row& t) {
  tx.exec(
      "INSERT INTO login_throttle (identifier, failures, window_start, locked_until, lockouts) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (identifier) DO UPDATE SET failures = $2, "
      "window_start = $3, locked_until = $4, lockouts = $5",
      {t.identifier, std::int64_t{t.failures}, to_micros(t.window_start), opt(t.locked_until),
       std::int64_t{t.lockouts}});
}

void clear_throttle(transaction& tx, std::string_view identifier) {
  tx.exec("DELETE FROM login_throttle WHERE identifier = $1", {std::string(identifier)});
}

namespace {
constexpr std::string_view kKeyColumns =
    "id, name, prefix, scopes, region, meter_ids, created_by, created_at, expires_at, revoked_at, "
    "last_used_at, secret_hash";
api_key_info read_key(const row& r) {
  api_key_info k;
  k.id = r.id(0);
  k.name = r.text(1);
  k.prefix = r.text(2);
  k.scopes = from_json_array(r.text(3));
  k.region = r.opt_text(4);
  k.meter_ids = from_json_array(r.text(5));
  k.created_by = r.id(6);
  k.created_at = from_micros(r.i64(7));
  k.expires_at = opt_time(r, 8);
  k.revoked_at = opt_time(r, 9);
  k.last_used_at = opt_time(r, 10);
  return k;
}
}  // namespace

void insert_api_key(transaction& tx, const api_key_info& k, const blob& secret_hash) {
  tx.exec(
      "INSERT INTO api_keys (id, name, prefix, scopes, region, meter_ids, created_by, created_at, "
      "expires_at, revoked_at, last_used_at, secret_hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      {id(k.id), k.name, k.prefix, to_json_array(k.scopes), opt(k.region),
       to_json_array(k.meter_ids), id(k.created_by), to_micros(k.created_at), opt(k.expires_at),
       opt(k.revoked_at), opt(k.last_used_at), secret_hash});
}

std::optional<std::pair<api_key_info, blob>> find_api_key(transaction& tx, std::string_view prefix) {
  auto res = tx.exec("SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE prefix = $1",
                     {std::string(prefix)});
  if (res.rows.empty()) return std::nullopt;
  const auto& r = res.rows.front();
  return std::make_pair(read_key(r), r.bytes(11));
}

std::vector<api_key_info> list_api_keys(transaction& tx) {
  auto res = tx.exec("SELECT " + std::string(kKeyColumns) +
                     " FROM api_keys ORDER BY created_at DESC, id DESC");
  std::vector<api_key_info> out;
  for (const auto& r : res.rows) out.push_back(read_key(r));
  return out;
}

bool revoke_api_key(transaction& tx, const uuid& kid, timestamp now) {
  return tx
             .exec("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                   {id(kid), to_micros(now)})
             .affected == 1;
}

void touch_api_key(transaction& tx, const uuid& kid, timestamp now) {
  tx.exec("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", {id(kid), to_micros(now)});
}

// --- what analytics counts --------------------------------------------------------

std::vector<user_fact> user_facts(transaction& tx, const std::optional<std::string>& region) {
  filter w;
  w.add("status <> 'deleted'");
  if (region) w.add("region = ?", *region);
  auto res = tx.exec("SELECT id, role, region, department, status, created_at FROM users" + w.where() + " ORDER BY id",
                     w.params());
  std::vector<user_fact> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows)
    out.push_back({r.id(0), r.text(1), r.text(2), r.text(3), enum_column<user_status>(r, 4, "users.status"),
                   from_micros(r.i64(5))});
  return out;
}

std::vector<sign_in> sign_ins_between(transaction& tx, const std::optional<std::string>& region, timestamp from,
                                      timestamp to) {
  filter w;
  w.add("s.created_at >= ?", to_micros(from));
  w.add("s.created_at < ?", to_micros(to));
  w.add("u.status <> 'deleted'");
  if (region) w.add("u.region = ?", *region);
  auto res = tx.exec("SELECT s.user_id, s.created_at FROM sessions s JOIN users u ON u.id = s.user_id" + w.where() +
                         " ORDER BY s.created_at, s.user_id",
                     w.params());
  std::vector<sign_in> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back({r.id(0), from_micros(r.i64(1))});
  return out;
}

std::map<std::string, std::int64_t> users_by_region(transaction& tx) {
  return counts_by_region(tx, "SELECT region, COUNT(*) FROM users WHERE status <> 'deleted' GROUP BY region");
}

std::map<std::string, std::int64_t> users_by_status(transaction& tx, std::string_view region) {
  return counts_by_key(tx, "SELECT status, COUNT(*) FROM users WHERE region = $1 AND status <> 'deleted' GROUP BY status",
                       {std::string(region)});
}

std::vector<user> users_after(transaction& tx, const export_scope& scope, std::string_view after, int limit) {
  filter f;
  f.add("id > ?", std::string(after));
  f.add("status <> 'deleted'");
  if (scope.region) f.add("region = ?", *scope.region);
  if (scope.department) f.add("department = ?", *scope.department);
  auto params = f.params();
  params.emplace_back(std::int64_t{limit});
  auto res = tx.exec("SELECT " + std::string(kUserColumns) + " FROM users" + f.where() + " ORDER BY id LIMIT $" +
                         std::to_string(params.size()),
                     std::span<const value>(params));
  std::vector<user> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) out.push_back(read_user(r).user);
  return out;
}

}  // namespace segs::storage::identity
