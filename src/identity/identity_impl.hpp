// Internal to identity: what the files of src/identity/ that implement
// `segs::identity_service` share — the helpers bound to the grid (codes,
// tokens, principals, loading users in scope) and the service's state.
//
// Shape of every public call: validate input (throwing validation errors
// before any write), do slow hashing outside transactions, then one
// transaction that re-reads what it depends on, writes, and appends to the
// audit log. Calls that must record a failure (a wrong password, a wrong
// code) commit that bookkeeping and then return the error.
//
// One file per responsibility: identity_registration.cpp (accounts and
// codes), identity_passwords.cpp, identity_sessions.cpp (sign-in, tokens,
// API key authentication), identity_profile.cpp, identity_admin.cpp (users
// in scope, roles), identity_keys.cpp (API keys), identity_service.cpp (the
// service's lifetime). Not installed.
#pragma once

#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jwt.hpp"
#include "crypto/random.hpp"
#include "grid_core.hpp"
#include "identity/roles.hpp"
#include "identity/token_cache.hpp"
#include "region/region_service.hpp"
#include "identity/validation.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/json_text.hpp"
#include "storage/stores/outbox_store.hpp"

#include <segs/identity.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

namespace segs {


// The names every identity file uses, brought in with one using-directive.
namespace identity_internal {

namespace store = storage::identity;
namespace rules = identity_rules;
using detail::actor;
using detail::audit_append;
using detail::fail;
using detail::guard;
using detail::region_of_registration;
using storage::transaction;

inline std::int64_t seconds_of(std::chrono::seconds s) { return s.count(); }

inline std::int64_t unix_seconds(timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

inline std::chrono::seconds ceil_seconds(std::chrono::microseconds d) {
  return std::chrono::ceil<std::chrono::seconds>(d);
}

inline storage::blob to_blob(const std::array<std::uint8_t, 32>& a) {
  return storage::blob(a.begin(), a.end());
}

/// A user's account answered to someone who may see it.
inline user public_view(const store::user_row& u) { return u.user; }

inline void require(const principal& who, std::string_view perm) {
  if (!who.can(perm))
    fail(errc::forbidden, "this needs the " + std::string(perm) + " permission");
}

inline const uuid& require_user(const principal& who) {
  if (who.type != principal::kind::user)
    fail(errc::forbidden, "this call acts on a signed-in user's own account");
  return who.id;
}

}  // namespace identity_internal

namespace detail {

using namespace identity_internal;

struct identity_ops {
  grid_core& core;

  const identity_options& opts() const { return core.opts.identity; }

  storage::blob code_hash(const uuid& user_id, std::string_view purpose, std::string_view code) const {
    std::string msg = user_id.to_string();
    msg += ':';
    msg += purpose;
    msg += ':';
    msg += code;
    return to_blob(crypto::hmac_sha256(core.code_key, msg));
  }

  /// Issues a fresh code (retiring older ones) and queues it in the outbox.
  void issue_code(transaction& tx, const user& u, otp_purpose purpose) {
    const auto now = core.now();
    const std::string p(to_string(purpose));
    store::retire_codes(tx, u.id, purpose, now);
    const std::string code = crypto::random_digits(6);
    store::otp_row row;
    row.id = core.new_id();
    row.user_id = u.id;
    row.purpose = purpose;
    row.code_hash = code_hash(u.id, p, code);
    row.created_at = now;
    row.expires_at = now + opts().otp_ttl;
    store::insert_code(tx, row);

    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(opts().otp_ttl).count();
    outbox_message m;
    m.id = core.new_id();
    m.to = u.email;
    m.purpose = p;
    m.code = code;
    m.created_at = now;
    if (purpose == otp_purpose::verify_email) {
      m.subject = "Verify your email address";
      m.body = "Your verification code is " + code + ". It expires in " +
               std::to_string(minutes) + " minutes.";
    } else {
      m.subject = "Reset your password";
      m.body = "Your password reset code is " + code + ". It expires in " +
               std::to_string(minutes) +
               " minutes. If you did not ask to reset your password, ignore this message.";
    }
    storage::outbox::insert(tx, m);
  }

  /// Checks a code; counts a failed attempt. Returns an error (to be
  /// returned after commit) or nothing on success (the code is consumed).
  std::optional<error> check_code(transaction& tx, const uuid& user_id, otp_purpose purpose,
                                  std::string_view code) {
    const std::string p(to_string(purpose));
    auto row = store::latest_code(tx, user_id, purpose);
    const auto now = core.now();
    auto invalid = make_error(errc::validation_error, "otp is invalid or has expired", "otp");
    if (!row || row->consumed_at || now >= row->expires_at) return invalid;
    if (row->attempts >= opts().otp_max_attempts)
      return make_error(errc::validation_error,
                        "otp: too many wrong attempts; request a new code", "otp");
    if (!crypto::constant_time_equal(row->code_hash, code_hash(user_id, p, code))) {
      store::count_failed_attempt(tx, row->id);
      return invalid;
    }
    store::consume_code(tx, row->id, now);
    return std::nullopt;
  }

  principal principal_for(const user& u) { return detail::principal_for(u, core.find_role(u.role)); }

  /// Opens a session and mints its first token pair (in `tx`).
  token_pair open_session(transaction& tx, const user& u, const request_context& ctx) {
    const auto now = core.now();
    store::session_row s;
    s.id = core.new_id();
    s.user_id = u.id;
    s.created_at = now;
    s.expires_at = now + opts().session_ttl;
    s.last_used_at = now;
    s.ip = ctx.ip;
    s.user_agent = ctx.user_agent;
    store::insert_session(tx, s);
    return mint(tx, u, s);
  }

  /// A new access token and a new refresh token for session `s`.
  token_pair mint(transaction& tx, const user& u, const store::session_row& s) {
    const auto now = core.now();
    token_pair t;
    t.refresh_token = crypto::random_token(32);
    store::refresh_row r;
    r.token_hash = to_blob(crypto::sha256(t.refresh_token));
    r.session_id = s.id;
    r.created_at = now;
    r.expires_at = std::min(now + opts().refresh_token_ttl, s.expires_at);
    store::insert_refresh(tx, r);

    crypto::jwt_claims c;
    c.sub = u.id.to_string();
    c.role = u.role;
    c.region = u.region;
    c.department = u.department;
    c.iss = opts().issuer;
    c.aud = opts().audience;
    c.jti = core.new_id().to_string();
    c.sid = s.id.to_string();
    c.iat = unix_seconds(now);
    c.nbf = c.iat;
    c.exp = c.iat + seconds_of(opts().access_token_ttl);
    t.access_token = crypto::encode_jwt(*core.token_key, c);
    t.expires_in = seconds_of(opts().access_token_ttl);
    t.session_id = s.id;
    t.user = u;
    return t;
  }

  store::user_row load_user(transaction& tx, const uuid& id) {
    auto u = store::find_user(tx, id);
    if (!u) fail(errc::not_found, "user not found", "id");
    return *u;
  }

  /// Loads a user the principal may see; out-of-scope users are "not found"
  /// so that ids do not leak.
  store::user_row load_visible(transaction& tx, const principal& who, const uuid& id) {
    auto u = store::find_user(tx, id);
    if (!u || !in_scope(who, u->user)) fail(errc::not_found, "user not found", "id");
    return *u;
  }

  /// Loads a user the principal may manage.
  store::user_row load_manageable(transaction& tx, const principal& who, const uuid& id) {
    auto u = load_visible(tx, who, id);
    auto role = core.find_role(u.user.role);
    const auto target_scope = role ? role->scope : role_scope::self;
    if (!outranks(who, target_scope))
      fail(errc::forbidden, "you cannot manage an account whose role reaches as far as yours");
    return u;
  }

  void ensure_unique(transaction& tx, std::string_view email, const std::optional<std::string>& username,
                     const std::optional<uuid>& self) {
    if (!email.empty()) {
      auto other = store::find_user_by_email(tx, rules::email_key(email));
      if (other && (!self || other->user.id != *self))
        fail(errc::conflict, "an account with this email already exists", "email");
    }
    if (username) {
      auto other = store::find_user_by_username(tx, rules::username_key(*username));
      if (other && (!self || other->user.id != *self))
        fail(errc::conflict, "this username is taken", "username");
    }
  }

  void check_role_name(std::string_view name, std::string_view field) {
    if (!core.find_role(name))
      fail(errc::validation_error, std::string(field) + ": unknown role '" + std::string(name) + "'",
           std::string(field));
  }
};

}  // namespace detail

namespace detail {

/// The revocations one call makes. Each is recorded in the call's
/// transaction (the log other processes replay) and, once this object goes
/// out of scope after the transaction, applied to this process's token
/// cache: after the commit, so that no authentication can read the old
/// state after the cache forgot it. Declared before the transaction runs;
/// a rolled-back call forgets too, which only costs a verification.
class revocations {
 public:
  explicit revocations(token_cache& cache) : cache_(cache) {}
  revocations(const revocations&) = delete;
  revocations& operator=(const revocations&) = delete;
  ~revocations() {
    if (everyone_) {
      cache_.forget_all();
      return;
    }
    for (const auto& u : users_) cache_.forget(u);
  }

  /// `user`'s tokens may no longer say what they said.
  void record(transaction& tx, const uuid& user, timestamp now) {
    store::record_revocation(tx, user, now);
    if (std::find(users_.begin(), users_.end(), user) == users_.end()) users_.push_back(user);
  }
  /// Nobody's tokens may (a role's permissions changed).
  void record_everyone(transaction& tx, timestamp now) {
    store::record_revocation(tx, std::nullopt, now);
    everyone_ = true;
  }

 private:
  token_cache& cache_;
  std::vector<uuid> users_;
  bool everyone_ = false;
};

}  // namespace detail

// The service's state lives here rather than in the header, so it can grow
// without changing the class layout hosts compile against.
struct identity_service::impl {
  explicit impl(detail::grid_core& c) : core(c), tokens(c.opts.identity.token_cache_entries) {}
  detail::grid_core& core;
  /// Verified access tokens (token_cache.hpp).
  detail::token_cache tokens;

  /// Replays the revocation log when its last replay is older than
  /// identity_options::revocation_sync_interval (identity_sessions.cpp).
  void replay_revocations();
  std::mutex replay_mu;
  /// Steady-clock time of the next replay, in the clock's ticks.
  std::atomic<std::int64_t> next_replay{0};
  std::int64_t replayed_epoch = -1;  ///< guarded by replay_mu; -1: never
};

}  // namespace segs
