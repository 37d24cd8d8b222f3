// Sign-in, sessions and tokens: login with throttling, refresh with rotation,
// access-token and API-key authentication, logout.
#include "identity/identity_impl.hpp"

namespace segs {

using namespace identity_internal;

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
    detail::revocations gone{impl_->tokens};
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
        gone.record(tx, s->user_id, now);
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
    auto& tokens = impl_->tokens;
    const auto now = impl_->core.now();
    // A token verified before is answered from memory (token_cache.hpp),
    // once other processes' revocations are known (replay_revocations).
    // Oversized tokens are refused by decode_jwt before any hashing.
    std::optional<detail::token_cache::digest> digest;
    if (tokens.enabled() && access_token.size() <= 8 * 1024) {
      impl_->replay_revocations();
      digest = tokens.key_of(access_token);
      if (auto hit = tokens.find(*digest, now)) return std::move(*hit);
    }
    const auto generation = tokens.generation();

    auto claims = crypto::decode_jwt(
        *impl_->core.token_key, access_token,
        crypto::jwt_expectations{ops.opts().issuer, ops.opts().audience, unix_seconds(now), 0});
    if (!claims) return claims.error();
    auto sub = uuid::parse(claims->sub);
    auto sid = uuid::parse(claims->sid);
    auto invalid = make_error(errc::unauthorized, "access token is no longer valid");
    if (!sub || !sid) return invalid;
    timestamp session_end{};
    auto verified = impl_->core.read([&](transaction& tx) -> result<principal> {
      if (store::token_id_revoked(tx, claims->jti)) return invalid;
      auto s = store::find_session(tx, *sid);
      if (!s || s->revoked_at || now >= s->expires_at || s->user_id != *sub) return invalid;
      auto u = store::find_user(tx, *sub);
      if (!u || u->user.status != user_status::active) return invalid;
      auto p = ops.principal_for(u->user);
      p.session_id = *sid;
      p.token_id = claims->jti;
      p.expires_at = from_micros(claims->exp * 1'000'000);
      session_end = s->expires_at;
      return p;
    });
    if (verified && digest)
      tokens.put(*digest, *verified,
                 {from_micros(claims->nbf * 1'000'000), std::min(*verified->expires_at, session_end)},
                 now, generation);
    return verified;
  });
}

void identity_service::impl::replay_revocations() {
  using steady = std::chrono::steady_clock;
  if (steady::now().time_since_epoch().count() < next_replay.load(std::memory_order_acquire)) return;
  std::lock_guard lock(replay_mu);
  // Another thread may have replayed while this one waited.
  if (steady::now().time_since_epoch().count() < next_replay.load(std::memory_order_relaxed)) return;
  struct log {
    std::int64_t epoch = 0;
    std::vector<std::optional<uuid>> gone;
  };
  const auto seen = replayed_epoch;
  auto l = core.read([&](transaction& tx) {
    log out;
    out.epoch = store::revocation_epoch(tx);
    if (seen >= 0 && out.epoch > seen) out.gone = store::revocations_between(tx, seen, out.epoch);
    return out;
  });
  // Never replayed, or entries pruned past us: nothing cached can be vouched for.
  bool everyone = seen < 0 || static_cast<std::int64_t>(l.gone.size()) != l.epoch - seen;
  for (const auto& user : l.gone) {
    if (!user) everyone = true;
    else if (!everyone) tokens.forget(*user);
  }
  if (everyone) {
    // "Everyone" is a role's change: this process's copy of the roles is
    // old. Reloaded first: an entry put after the drop must be built from
    // the new roles.
    if (seen >= 0) core.reload_roles();
    tokens.forget_all();
  }
  replayed_epoch = l.epoch;
  const auto interval = std::chrono::duration_cast<steady::duration>(
      core.opts.identity.revocation_sync_interval);
  next_replay.store((steady::now() + interval).time_since_epoch().count(), std::memory_order_release);
}

result<void> identity_service::logout(const principal& who, const request_context& ctx) {
  return guard([&] {
    const auto& uid = require_user(who);
    detail::revocations gone{impl_->tokens};
    impl_->core.write([&](transaction& tx) {
      const auto now = impl_->core.now();
      if (who.session_id) store::revoke_session(tx, *who.session_id, now, "logout");
      if (!who.token_id.empty())
        store::revoke_token_id(tx, who.token_id, who.expires_at.value_or(now));
      gone.record(tx, uid, now);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"auth.logout", uid.to_string()});
    });
  });
}

result<void> identity_service::logout_all(const principal& who, const request_context& ctx) {
  return guard([&] {
    const auto& uid = require_user(who);
    detail::revocations gone{impl_->tokens};
    impl_->core.write([&](transaction& tx) {
      const auto now = impl_->core.now();
      auto n = store::revoke_user_sessions(tx, uid, now, "logout_all");
      gone.record(tx, uid, now);
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

}  // namespace segs
