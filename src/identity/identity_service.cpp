// Identity & access: the flows of identity.hpp over the stores.
//
// Shape of every public call: validate input (throwing validation errors
// before any write), do slow hashing outside transactions, then one
// transaction that re-reads what it depends on, writes, and appends to the
// audit log. Calls that must record a failure (a wrong password, a wrong
// code) commit that bookkeeping and then return the error.
#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jwt.hpp"
#include "crypto/random.hpp"
#include "grid_core.hpp"
#include "identity/roles.hpp"
#include "region/region_service.hpp"
#include "identity/validation.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/json_text.hpp"
#include "storage/stores/outbox_store.hpp"

#include <segs/identity.hpp>

#include <algorithm>
#include <chrono>

namespace segs {

namespace store = storage::identity;
namespace rules = identity_rules;
using detail::actor;
using detail::audit_append;
using detail::fail;
using detail::guard;
using detail::region_of_registration;
using storage::transaction;

namespace {

std::int64_t seconds_of(std::chrono::seconds s) { return s.count(); }

std::int64_t unix_seconds(timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::chrono::seconds ceil_seconds(std::chrono::microseconds d) {
  return std::chrono::ceil<std::chrono::seconds>(d);
}

storage::blob to_blob(const std::array<std::uint8_t, 32>& a) {
  return storage::blob(a.begin(), a.end());
}

/// A user's account answered to someone who may see it.
user public_view(const store::user_row& u) { return u.user; }

void require(const principal& who, std::string_view perm) {
  if (!who.can(perm))
    fail(errc::forbidden, "this needs the " + std::string(perm) + " permission");
}

const uuid& require_user(const principal& who) {
  if (who.type != principal::kind::user)
    fail(errc::forbidden, "this call acts on a signed-in user's own account");
  return who.id;
}

}  // namespace

// ---------------------------------------------------------------------------
// Internal helpers bound to the grid: codes, tokens, principals.
// ---------------------------------------------------------------------------
namespace detail {

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

  principal principal_for(const user& u) {
    auto role = core.find_role(u.role);
    principal p;
    p.type = principal::kind::user;
    p.id = u.id;
    p.role = u.role;
    p.region = u.region;
    p.department = u.department;
    if (role) {
      p.permissions = role->permissions;
      p.scope = role->scope;
    } else {
      p.scope = role_scope::self;  // a role removed under us grants nothing
    }
    return p;
  }

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

// The service's state lives here rather than in the header, so it can grow
// without changing the class layout hosts compile against.
struct identity_service::impl {
  explicit impl(detail::grid_core& c) : core(c) {}
  detail::grid_core& core;
};

identity_service::identity_service(detail::grid_core& core)
    : impl_(std::make_unique<impl>(core)) {}
identity_service::~identity_service() = default;

// ---------------------------------------------------------------------------
// Registration and verification
// ---------------------------------------------------------------------------

namespace {

store::user_row new_account(detail::grid_core& core, const registration& r) {
  const auto& o = core.opts.identity;
  rules::check_email(rules::trim(r.email));
  if (r.username) rules::check_username(rules::trim(*r.username));
  if (r.first_name) rules::check_person_name(*r.first_name, "first_name");
  if (r.last_name) rules::check_person_name(*r.last_name, "last_name");
  const auto first = rules::person_name(r.first_name);
  const auto last = rules::person_name(r.last_name);
  // Clients that ask for given and family name only (the SEGS seed) still
  // get a display name: "first last".
  std::string name = r.name;
  if (rules::trim(name).empty() && (first || last))
    name = first && last ? *first + " " + *last : first.value_or(last.value_or(""));
  rules::check_name(name);
  // Empty: the deployment's default region (resolved in the transaction).
  if (!rules::trim(r.region).empty()) rules::check_region(r.region);
  rules::check_department(r.department);
  rules::check_department_metadata(r.department_metadata);
  if (r.wallet_address) rules::check_wallet_address(*r.wallet_address);
  if (r.password)
    rules::check_password_strength(*r.password, r.email, r.username.value_or(""), o);

  store::user_row u;
  const auto now = core.now();
  u.user.id = core.new_id();
  u.user.email = rules::trim(r.email);
  if (r.username) u.user.username = rules::trim(*r.username);
  u.user.name = rules::trim(name);
  u.user.first_name = first;
  u.user.last_name = last;
  u.user.role = r.role;
  u.user.region = rules::trim(r.region);
  u.user.department = rules::trim(r.department);
  u.user.department_metadata = r.department_metadata;
  u.user.wallet_address = r.wallet_address;
  u.user.created_at = now;
  u.user.updated_at = now;
  // Hash before the transaction: argon2id is deliberately slow and must not
  // hold the write lock.
  if (r.password) u.password_hash = core.passwords.hash(*r.password);
  u.user.has_password = u.password_hash.has_value();
  return u;
}

}  // namespace

result<user> identity_service::register_user(const registration& r, const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    auto role = impl_->core.find_role(r.role);
    if (!role) fail(errc::validation_error, "role: unknown role '" + r.role + "'", "role");
    if (!role->self_service)
      fail(errc::validation_error, "role: '" + r.role + "' cannot be chosen at registration",
           "role");
    auto u = new_account(impl_->core, r);
    u.user.status = user_status::pending_verification;
    impl_->core.write([&](transaction& tx) {
      u.user.region = region_of_registration(tx, impl_->core, u.user.region);
      ops.ensure_unique(tx, u.user.email, u.user.username, std::nullopt);
      store::insert_user(tx, u);
      store::put_preferences(tx, u.user.id, notification_preferences{.updated_at = impl_->core.now()});
      ops.issue_code(tx, u.user, otp_purpose::verify_email);
      audit_append(impl_->core, tx, actor::user(u.user.id), ctx,
                   {"user.register", u.user.id.to_string(), "success",
                    detail::audit_details({{"role", u.user.role}, {"region", u.user.region}})});
    });
    impl_->core.notify_outbox();
    return public_view(u);
  });
}

result<user> identity_service::create_user(const principal& who, const registration& r,
                                           const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    require(who, permission::users_manage);
    require(who, permission::roles_manage);
    ops.check_role_name(r.role, "role");
    if (!r.password) fail(errc::validation_error, "password is required", "password");
    auto u = new_account(impl_->core, r);
    u.user.status = user_status::active;
    u.user.email_verified = true;
    impl_->core.write([&](transaction& tx) {
      u.user.region = region_of_registration(tx, impl_->core, u.user.region);
      ops.ensure_unique(tx, u.user.email, u.user.username, std::nullopt);
      store::insert_user(tx, u);
      store::put_preferences(tx, u.user.id, notification_preferences{.updated_at = impl_->core.now()});
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"user.create", u.user.id.to_string(), "success",
                    detail::audit_details({{"role", u.user.role}})});
    });
    return public_view(u);
  });
}

result<verification> identity_service::verify_email(std::string_view email, std::string_view code,
                                                    const request_context& ctx) {
  return guard([&]() -> result<verification> {
    detail::identity_ops ops{impl_->core};
    rules::check_email(rules::trim(email));
    rules::check_otp_format(code);
    auto invalid = make_error(errc::validation_error, "otp is invalid or has expired", "otp");
    return impl_->core.write([&](transaction& tx) -> result<verification> {
      auto u = store::find_user_by_email(tx, rules::email_key(email));
      // Unknown, deleted and already verified accounts answer like a wrong
      // code, so this call cannot be used to probe which emails exist.
      if (!u || u->user.status == user_status::deleted || u->user.email_verified) return invalid;
      if (auto err = ops.check_code(tx, u->user.id, otp_purpose::verify_email, code)) {
        audit_append(impl_->core, tx, actor::anonymous(), ctx,
                     {"auth.verify_email", u->user.id.to_string(), "failure", "{}"});
        return *err;
      }
      u->user.email_verified = true;
      if (u->user.status == user_status::pending_verification) u->user.status = user_status::active;
      u->user.updated_at = impl_->core.now();
      store::update_user(tx, *u);
      audit_append(impl_->core, tx, actor::user(u->user.id), ctx,
                   {"auth.verify_email", u->user.id.to_string(), "success", "{}"});
      verification v{public_view(*u), std::nullopt};
      // SEGS flow: an account without a password is signed in so that it
      // can set one; the P2P flow signs in with the password it has.
      if (!u->password_hash) v.tokens = ops.open_session(tx, u->user, ctx);
      return v;
    });
  });
}

result<void> identity_service::resend_code(std::string_view email, otp_purpose purpose,
                                           const request_context& ctx) {
  return guard([&]() -> result<void> {
    detail::identity_ops ops{impl_->core};
    rules::check_email(rules::trim(email));
    auto outcome = impl_->core.write([&](transaction& tx) -> result<bool> {
      auto u = store::find_user_by_email(tx, rules::email_key(email));
      // Unknown, deleted or (for verification) already verified accounts get
      // the same answer as everyone else, and no message.
      if (!u || u->user.status == user_status::deleted) return false;
      if (purpose == otp_purpose::verify_email && u->user.email_verified) return false;
      if (purpose == otp_purpose::reset_password && !u->user.email_verified) return false;
      auto last = store::latest_code(tx, u->user.id, purpose);
      const auto now = impl_->core.now();
      if (last && now < last->created_at + ops.opts().otp_resend_cooldown) {
        error e = make_error(errc::rate_limited, "a code was sent recently; try again shortly",
                             "email");
        e.retry_after = ceil_seconds(last->created_at + ops.opts().otp_resend_cooldown - now);
        return e;
      }
      ops.issue_code(tx, u->user, purpose);
      audit_append(impl_->core, tx, actor::anonymous(), ctx,
                   {"auth.resend_code", u->user.id.to_string(), "success",
                    detail::audit_details({{"purpose", to_string(purpose)}})});
      return true;
    });
    if (!outcome) return outcome.error();
    if (*outcome) impl_->core.notify_outbox();
    return {};
  });
}

// ---------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------

result<void> identity_service::set_password(const principal& who, std::string_view password,
                                            const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    const auto& uid = require_user(who);
    auto current = impl_->core.read([&](transaction& tx) { return ops.load_user(tx, uid); });
    if (current.password_hash)
      fail(errc::conflict, "a password is already set; use change-password", "password");
    if (!current.user.email_verified)
      fail(errc::email_not_verified, "verify your email address first");
    rules::check_password_strength(password, current.user.email,
                                   current.user.username.value_or(""), ops.opts());
    auto hash = impl_->core.passwords.hash(password);
    impl_->core.write([&](transaction& tx) {
      auto u = ops.load_user(tx, uid);
      if (u.password_hash)
        fail(errc::conflict, "a password is already set; use change-password", "password");
      u.password_hash = hash;
      u.user.has_password = true;
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"auth.set_password", uid.to_string()});
    });
  });
}

result<void> identity_service::change_password(const principal& who,
                                               std::string_view current_password,
                                               std::string_view new_password,
                                               const request_context& ctx) {
  return guard([&]() -> result<void> {
    detail::identity_ops ops{impl_->core};
    const auto& uid = require_user(who);
    if (current_password.empty())
      fail(errc::validation_error, "current_password is required", "current_password");
    auto u = impl_->core.read([&](transaction& tx) { return ops.load_user(tx, uid); });
    if (!u.password_hash || !impl_->core.passwords.verify(*u.password_hash, current_password)) {
      impl_->core.write([&](transaction& tx) {
        audit_append(impl_->core, tx, actor::of(who), ctx,
                     {"auth.change_password", uid.to_string(), "failure", "{}"});
      });
      return make_error(errc::unauthorized, "current_password is wrong", "current_password");
    }
    rules::check_password_strength(new_password, u.user.email, u.user.username.value_or(""),
                                   ops.opts(), "new_password");
    if (new_password == current_password)
      fail(errc::validation_error, "new_password must differ from the current one", "new_password");
    auto hash = impl_->core.passwords.hash(new_password);
    impl_->core.write([&](transaction& tx) {
      auto fresh = ops.load_user(tx, uid);
      fresh.password_hash = hash;
      fresh.user.updated_at = impl_->core.now();
      store::update_user(tx, fresh);
      // Other devices signed in with the old password are signed out.
      store::revoke_user_sessions(tx, uid, impl_->core.now(), "password_changed", who.session_id);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"auth.change_password", uid.to_string()});
    });
    return {};
  });
}

result<void> identity_service::forgot_password(std::string_view email, const request_context& ctx) {
  return guard([&]() -> result<void> {
    rules::check_email(rules::trim(email));
    auto r = resend_code(email, otp_purpose::reset_password, ctx);
    // The cooldown answer would reveal that the account exists; everyone
    // gets the same success instead.
    if (!r && r.error().code != errc::rate_limited) return r.error();
    return {};
  });
}

result<void> identity_service::reset_password(std::string_view email, std::string_view code,
                                              std::string_view new_password,
                                              const request_context& ctx) {
  return guard([&]() -> result<void> {
    detail::identity_ops ops{impl_->core};
    rules::check_email(rules::trim(email));
    rules::check_otp_format(code);
    rules::check_password_strength(new_password, email, "", ops.opts(), "new_password");
    // Hash first (outside the transaction); unknown emails pay the same.
    auto hash = impl_->core.passwords.hash(new_password);
    auto invalid = make_error(errc::validation_error, "otp is invalid or has expired", "otp");
    return impl_->core.write([&](transaction& tx) -> result<void> {
      auto u = store::find_user_by_email(tx, rules::email_key(email));
      if (!u || u->user.status == user_status::deleted) return invalid;
      if (auto err = ops.check_code(tx, u->user.id, otp_purpose::reset_password, code)) {
        audit_append(impl_->core, tx, actor::anonymous(), ctx,
                     {"auth.reset_password", u->user.id.to_string(), "failure", "{}"});
        return *err;
      }
      if (u->user.username &&
          rules::username_key(*u->user.username) == rules::username_key(new_password))
        fail(errc::validation_error, "new_password must not be your username", "new_password");
      u->password_hash = hash;
      u->user.has_password = true;
      u->user.updated_at = impl_->core.now();
      store::update_user(tx, *u);
      store::revoke_user_sessions(tx, u->user.id, impl_->core.now(), "password_reset");
      store::clear_throttle(tx, rules::email_key(email));
      audit_append(impl_->core, tx, actor::user(u->user.id), ctx,
                   {"auth.reset_password", u->user.id.to_string()});
      return {};
    });
  });
}

// ---------------------------------------------------------------------------
// Sign-in, tokens, sessions
// ---------------------------------------------------------------------------

result<token_pair> identity_service::login(const credentials& c, const request_context& ctx) {
  return guard([&]() -> result<token_pair> {
    detail::identity_ops ops{impl_->core};
    const auto& o = ops.opts();
    const std::string ident = rules::email_key(c.identifier);
    if (ident.empty()) fail(errc::validation_error, "email or username is required", "email");
    if (c.password.empty()) fail(errc::validation_error, "password is required", "password");
    if (ident.size() > 254) fail(errc::validation_error, "identifier is too long", "email");

    auto locked = [&](timestamp until, timestamp now) {
      error e = make_error(errc::account_locked,
                           "too many failed sign-in attempts; try again later");
      e.retry_after = ceil_seconds(until - now);
      return e;
    };

    // 1. Read the throttle and the account (short read transaction).
    struct lookup {
      std::optional<store::user_row> user;
      std::optional<store::throttle_row> throttle;
    };
    auto found = impl_->core.read([&](transaction& tx) {
      lookup l;
      l.throttle = store::find_throttle(tx, ident);
      l.user = ident.find('@') != std::string::npos ? store::find_user_by_email(tx, ident)
                                                    : store::find_user_by_username(tx, ident);
      return l;
    });
    const auto start = impl_->core.now();
    if (found.throttle && found.throttle->locked_until && start < *found.throttle->locked_until)
      return locked(*found.throttle->locked_until, start);

    // 2. Verify outside any transaction. Unknown accounts cost the same work.
    bool ok = false;
    if (found.user && found.user->password_hash && found.user->user.status != user_status::deleted) {
      ok = impl_->core.passwords.verify(*found.user->password_hash, c.password);
    } else {
      impl_->core.passwords.burn_equivalent_work(c.password);
    }

    // 3. Record the outcome.
    return impl_->core.write([&](transaction& tx) -> result<token_pair> {
      const auto now = impl_->core.now();
      const std::string target = found.user ? found.user->user.id.to_string() : "";
      if (!ok) {
        auto t = store::find_throttle(tx, ident).value_or(store::throttle_row{ident, 0, now, {}, 0});
        if (now - t.window_start >= o.lockout_window) {
          t.failures = 0;
          t.window_start = now;
        }
        ++t.failures;
        std::optional<error> answer;
        if (t.failures >= o.max_login_attempts) {
          ++t.lockouts;
          auto lock = o.lockout_base;
          for (int i = 1; i < t.lockouts && lock < o.lockout_max; ++i) lock *= 2;
          lock = std::min(lock, o.lockout_max);
          t.locked_until = now + lock;
          t.failures = 0;
          t.window_start = now;
          answer = locked(*t.locked_until, now);
        }
        store::put_throttle(tx, t);
        audit_append(impl_->core, tx, actor::anonymous(), ctx,
                     {"auth.login", target, "failure",
                      detail::audit_details({{"reason", answer ? "locked" : "bad_credentials"}})});
        if (answer) return *answer;
        return make_error(errc::unauthorized, "invalid email/username or password");
      }
      auto u = ops.load_user(tx, found.user->user.id);
      if (u.user.status == user_status::pending_verification || !u.user.email_verified) {
        audit_append(impl_->core, tx, actor::anonymous(), ctx,
                     {"auth.login", target, "failure", detail::audit_details({{"reason", "unverified"}})});
        return make_error(errc::email_not_verified,
                          "verify your email address before signing in");
      }
      if (u.user.status == user_status::suspended) {
        audit_append(impl_->core, tx, actor::anonymous(), ctx,
                     {"auth.login", target, "failure", detail::audit_details({{"reason", "suspended"}})});
        return make_error(errc::account_suspended, "this account is suspended");
      }
      store::clear_throttle(tx, ident);
      if (impl_->core.passwords.needs_rehash(*u.password_hash)) {
        // Limits changed since this hash was made: upgrade it now that we
        // hold the password. (Cheap enough to do inside: one hash per
        // changed setting per user.)
        u.password_hash = impl_->core.passwords.hash(c.password);
      }
      u.user.last_login_at = now;
      u.user.updated_at = now;
      store::update_user(tx, u);
      auto pair = ops.open_session(tx, u.user, ctx);
      audit_append(impl_->core, tx, actor::user(u.user.id), ctx, {"auth.login", target});
      return pair;
    });
  });
}

result<token_pair> identity_service::refresh(std::string_view refresh_token,
                                             const request_context& ctx) {
  return guard([&]() -> result<token_pair> {
    detail::identity_ops ops{impl_->core};
    if (refresh_token.empty() || refresh_token.size() > 256)
      fail(errc::validation_error, "refresh_token is required", "refresh_token");
    auto invalid = make_error(errc::unauthorized, "refresh token is invalid or expired");
    const auto hash = to_blob(crypto::sha256(refresh_token));
    return impl_->core.write([&](transaction& tx) -> result<token_pair> {
      const auto now = impl_->core.now();
      auto r = store::find_refresh(tx, hash);
      if (!r) return invalid;
      auto s = store::find_session(tx, r->session_id);
      if (!s) return invalid;
      if (r->rotated_at) {
        // A rotated token came back: someone holds a copy. End the session
        // so neither holder can continue.
        store::revoke_session(tx, s->id, now, "refresh_token_reuse");
        audit_append(impl_->core, tx, actor::anonymous(), ctx,
                     {"auth.refresh_reuse", s->user_id.to_string(), "failure",
                      detail::audit_details({{"session_id", s->id.to_string()}})});
        return make_error(errc::unauthorized,
                          "refresh token was already used; the session has been ended");
      }
      if (s->revoked_at || now >= s->expires_at || now >= r->expires_at) return invalid;
      auto u = store::find_user(tx, s->user_id);
      if (!u || u->user.status != user_status::active) return invalid;
      if (!store::rotate_refresh(tx, hash, now)) return invalid;
      store::touch_session(tx, s->id, now);
      return ops.mint(tx, u->user, *s);
    });
  });
}

result<principal> identity_service::authenticate(std::string_view access_token) {
  return guard([&]() -> result<principal> {
    detail::identity_ops ops{impl_->core};
    const auto now = impl_->core.now();
    auto claims = crypto::decode_jwt(
        *impl_->core.token_key, access_token,
        crypto::jwt_expectations{ops.opts().issuer, ops.opts().audience, unix_seconds(now), 0});
    if (!claims) return claims.error();
    auto sub = uuid::parse(claims->sub);
    auto sid = uuid::parse(claims->sid);
    auto invalid = make_error(errc::unauthorized, "access token is no longer valid");
    if (!sub || !sid) return invalid;
    return impl_->core.read([&](transaction& tx) -> result<principal> {
      if (store::token_id_revoked(tx, claims->jti)) return invalid;
      auto s = store::find_session(tx, *sid);
      if (!s || s->revoked_at || now >= s->expires_at || s->user_id != *sub) return invalid;
      auto u = store::find_user(tx, *sub);
      if (!u || u->user.status != user_status::active) return invalid;
      auto p = ops.principal_for(u->user);
      p.session_id = *sid;
      p.token_id = claims->jti;
      p.expires_at = from_micros(claims->exp * 1'000'000);
      return p;
    });
  });
}

result<void> identity_service::logout(const principal& who, const request_context& ctx) {
  return guard([&] {
    const auto& uid = require_user(who);
    impl_->core.write([&](transaction& tx) {
      const auto now = impl_->core.now();
      if (who.session_id) store::revoke_session(tx, *who.session_id, now, "logout");
      if (!who.token_id.empty())
        store::revoke_token_id(tx, who.token_id, who.expires_at.value_or(now));
      audit_append(impl_->core, tx, actor::of(who), ctx, {"auth.logout", uid.to_string()});
    });
  });
}

result<void> identity_service::logout_all(const principal& who, const request_context& ctx) {
  return guard([&] {
    const auto& uid = require_user(who);
    impl_->core.write([&](transaction& tx) {
      const auto now = impl_->core.now();
      auto n = store::revoke_user_sessions(tx, uid, now, "logout_all");
      if (!who.token_id.empty())
        store::revoke_token_id(tx, who.token_id, who.expires_at.value_or(now));
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"auth.logout_all", uid.to_string(), "success",
                    detail::audit_details({{"sessions", std::to_string(n)}})});
    });
  });
}

result<std::vector<session_info>> identity_service::sessions(const principal& who) {
  return guard([&] {
    const auto& uid = require_user(who);
    return impl_->core.read([&](transaction& tx) {
      std::vector<session_info> out;
      for (const auto& s : store::open_sessions(tx, uid, impl_->core.now())) {
        out.push_back({s.id, s.created_at, s.expires_at, s.last_used_at, s.ip, s.user_agent,
                       who.session_id && *who.session_id == s.id});
      }
      return out;
    });
  });
}

result<principal> identity_service::authenticate_api_key(std::string_view key) {
  return guard([&]() -> result<principal> {
    auto invalid = make_error(errc::unauthorized, "API key is invalid, expired or revoked");
    // Format: segs_<prefix>.<secret>; the prefix finds the row, the secret
    // is compared by hash in constant time.
    constexpr std::string_view kLead = "segs_";
    if (key.size() > 200 || key.substr(0, kLead.size()) != kLead) return invalid;
    const auto dot = key.find('.');
    if (dot == std::string_view::npos) return invalid;
    const auto prefix = key.substr(kLead.size(), dot - kLead.size());
    const auto secret = key.substr(dot + 1);
    return impl_->core.write([&](transaction& tx) -> result<principal> {
      auto found = store::find_api_key(tx, prefix);
      const auto presented = to_blob(crypto::sha256(secret));
      if (!found) return invalid;
      const auto& [info, hash] = *found;
      if (!crypto::constant_time_equal(hash, presented)) return invalid;
      const auto now = impl_->core.now();
      if (info.revoked_at || (info.expires_at && now >= *info.expires_at)) return invalid;
      store::touch_api_key(tx, info.id, now);
      principal p;
      p.type = principal::kind::api_key;
      p.id = info.id;
      p.role = "api_key";
      p.scope = info.region ? role_scope::region : role_scope::all;
      p.region = info.region.value_or("");
      p.permissions = info.scopes;
      p.meter_ids = info.meter_ids;
      return p;
    });
  });
}

// ---------------------------------------------------------------------------
// Own profile
// ---------------------------------------------------------------------------

result<user> identity_service::profile(const principal& who) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    const auto& uid = require_user(who);
    require(who, permission::profile_read);
    return impl_->core.read([&](transaction& tx) { return public_view(ops.load_user(tx, uid)); });
  });
}

result<user> identity_service::update_profile(const principal& who, const profile_update& up,
                                              const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    const auto& uid = require_user(who);
    require(who, permission::profile_write);
    if (up.name) rules::check_name(*up.name);
    if (up.first_name) rules::check_person_name(*up.first_name, "first_name");
    if (up.last_name) rules::check_person_name(*up.last_name, "last_name");
    if (up.username) rules::check_username(rules::trim(*up.username));
    if (up.department) rules::check_department(*up.department);
    if (up.department_metadata) rules::check_department_metadata(*up.department_metadata);
    if (up.region) rules::check_region(*up.region);
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_user(tx, uid);
      if (up.username) {
        ops.ensure_unique(tx, "", rules::trim(*up.username), uid);
        u.user.username = rules::trim(*up.username);
      }
      if (up.name) u.user.name = rules::trim(*up.name);
      if (up.first_name) u.user.first_name = rules::person_name(up.first_name);
      if (up.last_name) u.user.last_name = rules::person_name(up.last_name);
      if (up.department) u.user.department = rules::trim(*up.department);
      if (up.department_metadata) u.user.department_metadata = *up.department_metadata;
      if (up.region) u.user.region = region_of_registration(tx, impl_->core, rules::trim(*up.region));
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"user.update_profile", uid.to_string()});
      return public_view(u);
    });
  });
}

result<user> identity_service::set_wallet(const principal& who, std::optional<std::string> address,
                                          const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    const auto& uid = require_user(who);
    require(who, permission::profile_write);
    if (address) rules::check_wallet_address(*address);
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_user(tx, uid);
      u.user.wallet_address = address;
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {address ? "user.set_wallet" : "user.remove_wallet", uid.to_string()});
      return public_view(u);
    });
  });
}

result<notification_preferences> identity_service::preferences(const principal& who) {
  return guard([&] {
    const auto& uid = require_user(who);
    require(who, permission::profile_read);
    return impl_->core.read([&](transaction& tx) {
      return store::find_preferences(tx, uid).value_or(notification_preferences{});
    });
  });
}

result<notification_preferences> identity_service::set_preferences(
    const principal& who, const notification_preferences& p, const request_context& ctx) {
  return guard([&] {
    const auto& uid = require_user(who);
    require(who, permission::profile_write);
    auto stored = p;
    stored.security = true;  // security notices are not optional
    stored.updated_at = impl_->core.now();
    impl_->core.write([&](transaction& tx) {
      store::put_preferences(tx, uid, stored);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"user.set_preferences", uid.to_string()});
    });
    return stored;
  });
}

// ---------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------

result<page<user>> identity_service::list_users(const principal& who, const user_query& query) {
  return guard([&] {
    require(who, permission::users_read);
    detail::check_page(query.page, query.per_page);
    if (query.search.size() > 200)
      fail(errc::validation_error, "search is longer than 200 characters", "search");
    auto q = query;
    // The scope narrows every listing; asking for another region or
    // department outside it is refused rather than silently emptied.
    switch (who.scope) {
      case role_scope::all: break;
      case role_scope::region:
        if (q.region && *q.region != who.region)
          fail(errc::forbidden, "you can list users of your own region only", "region");
        q.region = who.region;
        break;
      case role_scope::department:
        if (q.department && *q.department != who.department)
          fail(errc::forbidden, "you can list users of your own department only", "department");
        q.department = who.department;
        break;
      case role_scope::self: fail(errc::forbidden, "listing users needs a wider role");
    }
    return impl_->core.read([&](transaction& tx) { return store::list_users(tx, q); });
  });
}

result<user> identity_service::get_user(const principal& who, const uuid& id) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    const bool own = who.type == principal::kind::user && who.id == id;
    if (!own) require(who, permission::users_read);
    return impl_->core.read([&](transaction& tx) { return public_view(ops.load_visible(tx, who, id)); });
  });
}

result<user> identity_service::update_user(const principal& who, const uuid& id,
                                           const user_update& up, const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    require(who, permission::users_write);
    if (up.name) rules::check_name(*up.name);
    if (up.first_name) rules::check_person_name(*up.first_name, "first_name");
    if (up.last_name) rules::check_person_name(*up.last_name, "last_name");
    if (up.email) rules::check_email(rules::trim(*up.email));
    if (up.username) rules::check_username(rules::trim(*up.username));
    if (up.region) rules::check_region(*up.region);
    if (up.department) rules::check_department(*up.department);
    if (up.department_metadata) rules::check_department_metadata(*up.department_metadata);
    if (up.wallet_address) rules::check_wallet_address(*up.wallet_address);
    if (up.region && who.scope == role_scope::region && *up.region != who.region)
      fail(errc::forbidden, "you cannot move a user out of your region", "region");
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      std::optional<std::string> new_username;
      if (up.username) new_username = rules::trim(*up.username);
      ops.ensure_unique(tx, up.email ? rules::trim(*up.email) : "", new_username, id);
      if (up.name) u.user.name = rules::trim(*up.name);
      if (up.first_name) u.user.first_name = rules::person_name(up.first_name);
      if (up.last_name) u.user.last_name = rules::person_name(up.last_name);
      if (up.email) u.user.email = rules::trim(*up.email);
      if (new_username) u.user.username = new_username;
      if (up.region) u.user.region = region_of_registration(tx, impl_->core, rules::trim(*up.region));
      if (up.department) u.user.department = rules::trim(*up.department);
      if (up.department_metadata) u.user.department_metadata = *up.department_metadata;
      if (up.wallet_address) u.user.wallet_address = up.wallet_address;
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"user.update", id.to_string()});
      return public_view(u);
    });
  });
}

namespace {

void check_reason(std::string_view reason) {
  if (rules::trim(reason).empty()) fail(errc::validation_error, "reason is required", "reason");
  if (reason.size() > 500) fail(errc::validation_error, "reason is longer than 500 characters", "reason");
}

void not_self(const principal& who, const uuid& id, std::string_view what) {
  if (who.type == principal::kind::user && who.id == id)
    fail(errc::conflict, "you cannot " + std::string(what) + " your own account", "id");
}

}  // namespace

result<user> identity_service::suspend_user(const principal& who, const uuid& id,
                                            std::string_view reason, const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    require(who, permission::users_manage);
    check_reason(reason);
    not_self(who, id, "suspend");
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      if (u.user.status == user_status::suspended)
        fail(errc::conflict, "the account is already suspended", "id");
      u.user.status = user_status::suspended;
      u.user.status_reason = rules::trim(reason);
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      store::revoke_user_sessions(tx, id, impl_->core.now(), "suspended");
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"user.suspend", id.to_string(), "success",
                    detail::audit_details({{"reason", rules::trim(reason)}})});
      return public_view(u);
    });
  });
}

result<user> identity_service::activate_user(const principal& who, const uuid& id,
                                             std::string_view reason, const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    require(who, permission::users_manage);
    check_reason(reason);
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      if (u.user.status != user_status::suspended)
        fail(errc::conflict, "only a suspended account can be activated", "id");
      u.user.status = u.user.email_verified ? user_status::active : user_status::pending_verification;
      u.user.status_reason = rules::trim(reason);
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"user.activate", id.to_string(), "success",
                    detail::audit_details({{"reason", rules::trim(reason)}})});
      return public_view(u);
    });
  });
}

result<void> identity_service::delete_user(const principal& who, const uuid& id,
                                           const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    require(who, permission::users_manage);
    not_self(who, id, "delete");
    impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      u.user.status = user_status::deleted;
      u.user.status_reason = "deleted";
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);  // frees the email and username keys
      store::revoke_user_sessions(tx, id, impl_->core.now(), "deleted");
      audit_append(impl_->core, tx, actor::of(who), ctx, {"user.delete", id.to_string()});
    });
  });
}

result<user> identity_service::change_role(const principal& who, const uuid& id,
                                           std::string_view role, const request_context& ctx) {
  return guard([&] {
    detail::identity_ops ops{impl_->core};
    require(who, permission::roles_manage);
    ops.check_role_name(role, "role");
    not_self(who, id, "change the role of");
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      const std::string from = u.user.role;
      u.user.role = std::string(role);
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      // Tokens carry the role; end sessions so the new role applies at once.
      store::revoke_user_sessions(tx, id, impl_->core.now(), "role_changed");
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"user.change_role", id.to_string(), "success",
                    detail::audit_details({{"from", from}, {"to", role}})});
      return public_view(u);
    });
  });
}

result<department_info> identity_service::department(const principal& who, std::string_view name) {
  return guard([&] {
    (void)who;  // public information (the P2P seed's public department route)
    if (rules::trim(name).empty())
      fail(errc::validation_error, "department is required", "department");
    rules::check_department(name);
    return impl_->core.read([&](transaction& tx) {
      auto d = store::department(tx, name);
      if (!d) fail(errc::not_found, "no department named '" + std::string(name) + "'", "department");
      return *d;
    });
  });
}

// ---------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------

result<std::vector<role_definition>> identity_service::roles() {
  return guard([&] { return impl_->core.read([&](transaction& tx) { return store::load_roles(tx); }); });
}

result<std::vector<role_definition>> identity_service::roles(const principal& who) {
  return guard([&] {
    require(who, permission::roles_manage);
    return impl_->core.read([&](transaction& tx) { return store::load_roles(tx); });
  });
}

result<role_definition> identity_service::define_role(const principal& who,
                                                      const role_definition& r,
                                                      const request_context& ctx) {
  return guard([&] {
    require(who, permission::roles_manage);
    if (r.name.empty() || r.name.size() > 32 ||
        !std::all_of(r.name.begin(), r.name.end(),
                     [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_'; }))
      fail(errc::validation_error, "name must be 1 to 32 lower-case letters, digits or '_'", "name");
    for (const auto& b : detail::builtin_roles())
      if (b.name == r.name) fail(errc::conflict, "built-in role '" + r.name + "' cannot change", "name");
    const auto& cat = permission::catalogue();
    for (const auto& p : r.permissions)
      if (std::find(cat.begin(), cat.end(), p) == cat.end())
        fail(errc::validation_error, "permissions: unknown permission '" + p + "'", "permissions");
    // Anyone may register into a self-service role: it must not reach past
    // the registrant's own account.
    if (r.self_service && r.scope != role_scope::self)
      fail(errc::validation_error,
           "scope must be self for a role people choose at registration (self_service)", "scope");
    // Nobody hands out more than they hold.
    for (const auto& p : r.permissions)
      if (!who.can(p)) fail(errc::forbidden, "you cannot grant '" + p + "' which you do not hold");
    role_definition stored = r;
    stored.builtin = false;
    impl_->core.write([&](transaction& tx) {
      store::upsert_role(tx, stored, impl_->core.now());
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"role.define", stored.name, "success",
                    detail::audit_details({{"permissions", storage::to_json_array(stored.permissions)},
                                  {"scope", to_string(stored.scope)}})});
    });
    impl_->core.reload_roles();
    return stored;
  });
}

// ---------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------

result<created_api_key> identity_service::create_api_key(const principal& who,
                                                         const api_key_spec& spec,
                                                         const request_context& ctx) {
  return guard([&] {
    require(who, permission::api_keys_manage);
    if (rules::trim(spec.name).empty() || spec.name.size() > 100)
      fail(errc::validation_error, "name must be 1 to 100 characters", "name");
    if (spec.scopes.empty()) fail(errc::validation_error, "scopes must not be empty", "scopes");
    const auto& cat = permission::catalogue();
    for (const auto& s : spec.scopes) {
      if (std::find(cat.begin(), cat.end(), s) == cat.end())
        fail(errc::validation_error, "scopes: unknown scope '" + s + "'", "scopes");
      if (!who.can(s)) fail(errc::forbidden, "you cannot grant '" + s + "' which you do not hold");
    }
    if (spec.region) rules::check_region(*spec.region);
    if (spec.meter_ids.size() > 10000)
      fail(errc::validation_error, "meter_ids holds more than 10000 entries", "meter_ids");
    for (const auto& m : spec.meter_ids)
      if (m.empty() || m.size() > 64)
        fail(errc::validation_error, "meter_ids entries must be 1 to 64 characters", "meter_ids");
    if (spec.expires_at && *spec.expires_at <= impl_->core.now())
      fail(errc::validation_error, "expires_at must be in the future", "expires_at");

    created_api_key out;
    auto& k = out.info;
    k.id = impl_->core.new_id();
    k.name = rules::trim(spec.name);
    // 96 random bits of public prefix (for lookup) and 256 of secret.
    k.prefix = crypto::random_token(12);
    std::replace(k.prefix.begin(), k.prefix.end(), '.', '_');
    k.scopes = spec.scopes;
    k.region = spec.region;
    k.meter_ids = spec.meter_ids;
    k.created_by = who.id;
    k.created_at = impl_->core.now();
    k.expires_at = spec.expires_at;
    const std::string secret = crypto::random_token(32);
    out.secret = "segs_" + k.prefix + "." + secret;
    impl_->core.write([&](transaction& tx) {
      if (k.region) k.region = region_of_registration(tx, impl_->core, *k.region);
      store::insert_api_key(tx, k, to_blob(crypto::sha256(secret)));
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"api_key.create", k.id.to_string(), "success",
                    detail::audit_details({{"name", k.name}, {"scopes", storage::to_json_array(k.scopes)}})});
    });
    return out;
  });
}

result<std::vector<api_key_info>> identity_service::list_api_keys(const principal& who) {
  return guard([&] {
    require(who, permission::api_keys_manage);
    return impl_->core.read([&](transaction& tx) { return store::list_api_keys(tx); });
  });
}

result<void> identity_service::revoke_api_key(const principal& who, const uuid& id,
                                              const request_context& ctx) {
  return guard([&] {
    require(who, permission::api_keys_manage);
    impl_->core.write([&](transaction& tx) {
      if (!store::revoke_api_key(tx, id, impl_->core.now()))
        fail(errc::not_found, "no active API key with this id", "id");
      audit_append(impl_->core, tx, actor::of(who), ctx, {"api_key.revoke", id.to_string()});
    });
  });
}

}  // namespace segs
