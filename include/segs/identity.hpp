// libsegs — identity & access: accounts, verification, passwords, sign-in,
// tokens, sessions, API keys and roles.
//
// Obtain the service from an open grid: `grid->identity()`. Every call that
// acts for someone takes the acting `principal` (see access.hpp) and checks it
// inside the library. Calls that reach storage are atomic: they either do all
// of their writes or none.
//
// Codes for email verification and password reset are never returned by this
// API or logged: they are written to the notification outbox (outbox.hpp),
// which the host drains and delivers.
//
// Thread-safety: `identity_service` is safe to call from several threads.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/page.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

class grid;
namespace storage {
class backend;
}
struct options;

namespace detail {
struct grid_core;
// Creates the grid's identity service (see grid.hpp); the only way to get one.
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

enum class user_status {
  pending_verification,  ///< registered, email not verified yet
  active,
  suspended,
  deleted,  ///< soft-deleted: kept for the audit trail, cannot sign in
};
[[nodiscard]] SEGS_EXPORT std::string_view to_string(user_status s) noexcept;

/// An account as callers see it (never the password hash).
struct user {
  uuid id;
  std::string email;
  std::optional<std::string> username;
  /// The display name.
  std::string name;
  /// Given and family name, when the account gave them (the SEGS seed asks
  /// for both); absent otherwise.
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::string role;
  std::string region;
  std::string department;
  /// A JSON object as text, e.g. {"student_id":"ENG2025001"}.
  std::string department_metadata = "{}";
  std::optional<std::string> wallet_address;
  bool email_verified = false;
  bool has_password = false;
  user_status status = user_status::pending_verification;
  /// Why the account was suspended/reactivated/deleted, when it was.
  std::optional<std::string> status_reason;
  timestamp created_at{};
  timestamp updated_at{};
  std::optional<timestamp> last_login_at;
};

/// What registration takes. `password` may be absent (SEGS flow: it is set
/// after verification with `set_password`); with one, verifying the email
/// activates the account (P2P flow). `role` must be a self-service role.
/// `first_name` and `last_name` are optional (at most 100 characters each,
/// trimmed; empty counts as absent); when `name` is empty it becomes
/// "first last" from them.
struct registration {
  std::string email;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string name;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::string role = "consumer";
  std::string region;
  std::string department;
  std::string department_metadata = "{}";
  std::optional<std::string> wallet_address;
};

/// Purposes of one-time codes.
enum class otp_purpose { verify_email, reset_password };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(otp_purpose p) noexcept;

/// Access + refresh token pair answered by login and refresh.
struct token_pair {
  std::string access_token;
  std::string refresh_token;
  std::string token_type = "Bearer";
  /// Seconds until the access token expires.
  std::int64_t expires_in = 0;
  uuid session_id;
  segs::user user;
};

/// What `verify_email` answers. `tokens` is set only for an account without a
/// password (SEGS flow), so that the new user can call `set_password`.
struct verification {
  segs::user user;
  std::optional<token_pair> tokens;
};

/// Sign-in by email or by username.
struct credentials {
  /// An email address or a username.
  std::string identifier;
  std::string password;
};

struct session_info {
  uuid id;
  timestamp created_at{};
  timestamp expires_at{};
  std::optional<timestamp> last_used_at;
  std::string ip;
  std::string user_agent;
  bool current = false;  ///< the session of the asking principal
};

/// Partial update of one's own profile; absent fields are left alone.
/// `first_name`/`last_name`: at most 100 characters, trimmed; an empty
/// string removes the value.
struct profile_update {
  std::optional<std::string> name;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> username;
  std::optional<std::string> department;
  std::optional<std::string> department_metadata;
  std::optional<std::string> region;
};

/// Partial update by an administrator or operator; absent fields are left
/// alone. `first_name`/`last_name` as in `profile_update`.
struct user_update {
  std::optional<std::string> name;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> email;
  std::optional<std::string> username;
  std::optional<std::string> region;
  std::optional<std::string> department;
  std::optional<std::string> department_metadata;
  std::optional<std::string> wallet_address;
};

/// Which channels a group of notifications goes by (notifications.hpp).
struct notification_channels {
  bool in_app = true;  ///< kept in the history (and pushed live by hosts that push)
  bool email = true;   ///< also sent by email, through the outbox
};

/// Quiet hours: a local wall-clock window (in the user's region's time
/// zone) during which only `critical` notifications go by email. `start`
/// after `end` spans midnight ("22:00"-"07:00"); equal means none.
struct quiet_hours {
  int start_minute = 0;  ///< minutes after local midnight, 0..1439
  int end_minute = 0;    ///< minutes after local midnight, 0..1439
};

/// Notification preferences of one user: master switches per channel,
/// switches per group, and the channels of each group. A notification of
/// group G goes in the app when `G` and `G_channels.in_app` are on, and by
/// email when `email`, `G` and `G_channels.email` are on and it is not
/// quiet time (or it is critical). `security` and its channels cannot be
/// switched off: setting them false is ignored.
struct notification_preferences {
  bool email = true;  ///< master switch of email
  bool sms = false;   ///< kept for hosts that send SMS; libsegs sends none
  bool push = true;   ///< master switch of live push (segs-server's WebSocket)
  bool alerts = true;
  bool billing = true;
  bool trading = true;
  bool security = true;  ///< security notices; cannot be turned off by the user
  notification_channels alerts_channels{};
  notification_channels billing_channels{};
  notification_channels trading_channels{.in_app = true, .email = false};
  notification_channels security_channels{};  ///< always both
  std::optional<segs::quiet_hours> quiet_hours{};
  timestamp updated_at{};
};

/// The events "identity.password_changed" (a password was changed or
/// reset) and "identity.api_key_created", in the user's region.
struct identity_event {
  enum class kind { password_changed, api_key_created };
  kind type = kind::password_changed;
  uuid user_id;  ///< whose account
  std::string region;
  std::string key_name;  ///< api_key_created: the key's name
  std::optional<uuid> key_id;  ///< api_key_created: the key's id
  timestamp at{};
};

/// Filters for listing users, and the page to answer (see page.hpp for the
/// paging rule).
struct user_query {
  std::string search;  ///< matches email, username or name (case-insensitive)
  std::optional<std::string> role;
  std::optional<std::string> region;
  std::optional<std::string> department;
  std::optional<user_status> status;
  bool include_deleted = false;
  int page = 1;       ///< from 1
  int per_page = 20;  ///< 1..100
};

/// Information about a department, from its users.
struct department_info {
  std::string name;
  std::int64_t user_count = 0;
  std::int64_t active_users = 0;
  std::vector<std::pair<std::string, std::int64_t>> users_by_role;
  std::vector<std::string> regions;
};

/// What an API key may do and where.
struct api_key_spec {
  std::string name;
  std::vector<std::string> scopes;  ///< permission strings, e.g. "telemetry:write"
  std::optional<std::string> region;
  std::vector<std::string> meter_ids;
  std::optional<timestamp> expires_at;
};

struct api_key_info {
  uuid id;
  std::string name;
  std::string prefix;  ///< the public part of the key, safe to show
  std::vector<std::string> scopes;
  std::optional<std::string> region;
  std::vector<std::string> meter_ids;
  uuid created_by;
  timestamp created_at{};
  std::optional<timestamp> expires_at;
  std::optional<timestamp> revoked_at;
  std::optional<timestamp> last_used_at;
};

/// A new key: `secret` is the whole key, shown this once and stored hashed.
struct created_api_key {
  api_key_info info;
  std::string secret;
};

/// Algorithm used to sign access tokens (JWS).
enum class token_algorithm {
  eddsa,  ///< Ed25519 (RFC 8037), the default: verifiers need only the public key
  hs256,  ///< HMAC-SHA-256 with a shared 32-byte secret
};

/// Identity & access settings. Durations follow the SEGS seed.
struct identity_options {
  std::chrono::seconds access_token_ttl{std::chrono::minutes(15)};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 7)};
  std::chrono::seconds session_ttl{std::chrono::hours(24 * 7)};
  std::chrono::seconds otp_ttl{std::chrono::minutes(10)};
  int otp_max_attempts = 5;
  std::chrono::seconds otp_resend_cooldown{std::chrono::seconds(60)};

  /// Failed logins tolerated within `lockout_window` before the account
  /// (or unknown identifier) is locked.
  int max_login_attempts = 5;
  std::chrono::seconds lockout_window{std::chrono::minutes(15)};
  /// The first lockout lasts this long; each further one doubles, up to
  /// `lockout_max`.
  std::chrono::seconds lockout_base{std::chrono::minutes(5)};
  std::chrono::seconds lockout_max{std::chrono::hours(24)};

  std::size_t password_min_length = 8;
  std::size_t password_max_length = 128;
  /// argon2id cost. Defaults are libsodium's "interactive" limits; a login
  /// whose stored hash used other limits is transparently rehashed.
  std::uint64_t argon2_opslimit = 2;
  std::size_t argon2_memlimit = 64u * 1024u * 1024u;

  token_algorithm algorithm = token_algorithm::eddsa;
  std::string issuer = "segs";
  std::string audience = "segs-api";
  /// 32 bytes: the Ed25519 seed (eddsa) or the HMAC key (hs256). Empty: the
  /// grid creates a random key on first open and keeps it in storage, so
  /// tokens stay valid across restarts.
  std::vector<std::uint8_t> signing_key;

  /// Access tokens `authenticate` has verified, kept in memory so that a
  /// token's signature, its session and its account are checked once rather
  /// than on every request. Entries are keyed by the token's SHA-256, hold
  /// the principal (a few hundred bytes), end with the token or its session,
  /// and are dropped at once by this process's logouts, suspensions,
  /// deletions, role, password and profile changes. 0 turns the cache off.
  std::size_t token_cache_entries = 10'000;
  /// The bound on revocations made by another process sharing the database
  /// (another grid on the same PostgreSQL database or SQLite file): this
  /// process reads the revocation log before serving a cached token when
  /// the last read is older than this, so such a token stops working here
  /// within this long. 0 reads the log before every cached answer.
  std::chrono::milliseconds revocation_sync_interval{1000};
};

/// Identity & access. Obtained from `grid::identity()`; lives as long as the
/// grid. Only the grid creates one: every service of a grid shares its
/// storage, clock and keys, so a second service over them would bypass the
/// grid's role cache and outbox listener.
class SEGS_EXPORT identity_service {
 public:
  ~identity_service();
  identity_service(const identity_service&) = delete;
  identity_service& operator=(const identity_service&) = delete;

  // --- registration and verification -------------------------------------

  /// Registers an account in `pending_verification` and queues a
  /// verification code for its email. Errors: validation_error (field named),
  /// conflict (email or username taken; the message says which).
  result<user> register_user(const registration& r, const request_context& ctx = {});
  /// Checks a verification code. At most `otp_max_attempts` tries per code;
  /// then a new code is needed. Errors: validation_error (field "otp": wrong,
  /// expired or used up), not_found never (unknown emails answer like a
  /// wrong code).
  result<verification> verify_email(std::string_view email, std::string_view code,
                                    const request_context& ctx = {});
  /// Queues a new code. Answers the same whether or not the email exists;
  /// rate_limited (with retry_after) inside the resend cooldown.
  result<void> resend_code(std::string_view email, otp_purpose purpose,
                           const request_context& ctx = {});

  /// Creates an active, verified account with any role (admins, operators,
  /// seeded demo users). Needs users:manage and roles:manage; hosts bootstrap
  /// their first admin with `principal::system()`. A password is required.
  result<user> create_user(const principal& who, const registration& r,
                           const request_context& ctx = {});

  // --- passwords ------------------------------------------------------------

  /// Sets the first password of a verified account that has none (SEGS
  /// flow). conflict when a password exists already.
  result<void> set_password(const principal& who, std::string_view password,
                            const request_context& ctx = {});
  /// Changes one's password; requires the current one. Ends every other
  /// session of the user.
  result<void> change_password(const principal& who, std::string_view current_password,
                               std::string_view new_password, const request_context& ctx = {});
  /// Queues a reset code when the email belongs to an account; answers the
  /// same either way.
  result<void> forgot_password(std::string_view email, const request_context& ctx = {});
  /// Sets a new password with a reset code, and ends every session.
  result<void> reset_password(std::string_view email, std::string_view code,
                              std::string_view new_password, const request_context& ctx = {});

  // --- sign-in, tokens, sessions -------------------------------------------

  /// Signs in by email or username. Unknown identifier and wrong password
  /// answer the same (unauthorized) after the same work; after
  /// `max_login_attempts` failures the identifier is locked (account_locked
  /// with retry_after), with a growing lock on repeated lockouts. Unverified
  /// and suspended accounts are refused (email_not_verified,
  /// account_suspended) only after a correct password.
  result<token_pair> login(const credentials& c, const request_context& ctx = {});
  /// Exchanges a refresh token for a new pair; the old refresh token stops
  /// working. Presenting an already-rotated token ends its whole session.
  result<token_pair> refresh(std::string_view refresh_token, const request_context& ctx = {});
  /// Verifies an access token (signature, algorithm, exp/nbf/iss/aud,
  /// revocation, session) and returns its principal. unauthorized otherwise.
  /// A token verified before is answered from memory
  /// (identity_options::token_cache_entries) until it or its session ends
  /// or it is revoked: at once for revocations by this grid, within
  /// identity_options::revocation_sync_interval for another process's.
  result<principal> authenticate(std::string_view access_token);
  /// Verifies an API key (from the X-API-Key header) and returns its principal.
  result<principal> authenticate_api_key(std::string_view key);
  /// Ends the principal's session and revokes its access token. A signed-in
  /// user (forbidden for API keys and the system, unauthorized anonymous).
  result<void> logout(const principal& who, const request_context& ctx = {});
  /// Ends every session of the principal's user. A signed-in user.
  result<void> logout_all(const principal& who, const request_context& ctx = {});
  /// The principal's open sessions. A signed-in user.
  result<std::vector<session_info>> sessions(const principal& who);

  // --- own profile ------------------------------------------------------------
  // A signed-in user (forbidden for API keys and the system, unauthorized
  // anonymous), with profile:read to read and profile:write to change.

  /// One's own account.
  result<user> profile(const principal& who);
  /// Changes what `u` names; validation_error naming the field (a region
  /// must be registered), conflict for a taken username. Audited.
  result<user> update_profile(const principal& who, const profile_update& u,
                              const request_context& ctx = {});
  /// Sets (or with nullopt removes) the principal's wallet address;
  /// validation_error "wallet_address". Audited.
  result<user> set_wallet(const principal& who, std::optional<std::string> address,
                          const request_context& ctx = {});
  /// One's notification preferences.
  result<notification_preferences> preferences(const principal& who);
  /// Replaces them (security stays on whatever is asked). Audited.
  result<notification_preferences> set_preferences(const principal& who,
                                                   const notification_preferences& p,
                                                   const request_context& ctx = {});

  // --- administration (scope-checked) ------------------------------------------
  // The role's scope narrows every call: an operator (scope region) reaches
  // the users of its region, an admin (scope all) everyone. A user outside
  // the caller's scope is not_found, never forbidden, so ids do not leak.

  /// Needs users:read; a filter outside the caller's scope is forbidden
  /// ("region"); validation_error "page"/"per_page" (page.hpp's rule).
  result<page<user>> list_users(const principal& who, const user_query& q);
  /// One's own account, or (users:read) one in scope; not_found otherwise.
  result<user> get_user(const principal& who, const uuid& id);
  /// Needs users:write over the user; validation_error naming the field,
  /// conflict for a taken email or username, forbidden for moving a user
  /// out of an operator's region. Audited.
  result<user> update_user(const principal& who, const uuid& id, const user_update& u,
                           const request_context& ctx = {});
  /// Suspends an account with a reason and ends its sessions. Needs
  /// users:manage over the user (not_found outside scope). Audited.
  result<user> suspend_user(const principal& who, const uuid& id, std::string_view reason,
                            const request_context& ctx = {});
  /// Reactivates a suspended account. Needs users:manage. Audited.
  result<user> activate_user(const principal& who, const uuid& id, std::string_view reason,
                             const request_context& ctx = {});
  /// Soft delete: the account is kept for the audit trail but cannot sign
  /// in, and its email and username become free again. Needs users:manage.
  /// Audited.
  result<void> delete_user(const principal& who, const uuid& id, const request_context& ctx = {});
  /// Gives a user another role. Needs roles:manage; validation_error "role"
  /// for an unknown role. Ends the user's sessions. Audited.
  result<user> change_role(const principal& who, const uuid& id, std::string_view role,
                           const request_context& ctx = {});
  /// Public information about a department (any principal, even
  /// `principal::anonymous()`): user counts by role and its regions.
  result<department_info> department(const principal& who, std::string_view name);

  // --- roles ----------------------------------------------------------------

  /// Every role, built-in and host-defined, by name. Unchecked: for the
  /// host itself (configuration, start-up); remote callers go through the
  /// overload below.
  result<std::vector<role_definition>> roles();
  /// Every role, for a principal holding roles:manage (forbidden otherwise).
  result<std::vector<role_definition>> roles(const principal& who);
  /// Adds or replaces a host-defined role. Needs roles:manage, and nobody
  /// grants a permission they do not hold (forbidden). Errors:
  /// validation_error "name" (1 to 32 of a-z, 0-9, '_'), conflict "name" for
  /// a built-in role (consumer, prosumer, operator, admin cannot change),
  /// validation_error "permissions" for a string not in
  /// `permission::catalogue()`, validation_error "scope" for a self-service
  /// role whose scope is not self (anyone may register into it). Audited as
  /// `role.define`.
  result<role_definition> define_role(const principal& who, const role_definition& r,
                                      const request_context& ctx = {});

  // --- API keys ---------------------------------------------------------------

  // Each needs api_keys:manage (forbidden otherwise).

  /// A key for a machine client; nobody grants a scope they do not hold
  /// (forbidden). validation_error naming the field (name, scopes, region:
  /// registered, meter_ids, expires_at: in the future). Audited.
  result<created_api_key> create_api_key(const principal& who, const api_key_spec& spec,
                                         const request_context& ctx = {});
  /// Every key, newest first (never a secret).
  result<std::vector<api_key_info>> list_api_keys(const principal& who);
  /// Revokes a key at once; not_found for an unknown id. Audited.
  result<void> revoke_api_key(const principal& who, const uuid& id, const request_context& ctx = {});

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>,
                                                          options);
  explicit identity_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
