// Passwords: setting, changing, and resetting with a mailed code.
#include "identity/identity_impl.hpp"

namespace segs {

using namespace identity_internal;

namespace {

// The account hears of a new password (a security notification), in the
// transaction that stores it.
void password_changed(detail::grid_core& core, transaction& tx, const user& u, detail::outgoing& events) {
  if (!core.wants("identity.password_changed")) return;
  events.add(u.region, identity_event{identity_event::kind::password_changed, u.id, u.region, {}, std::nullopt,
                                      core.now()});
  core.tell(tx, events);
}

}  // namespace

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
    detail::outgoing events;
    detail::revocations gone{impl_->tokens};
    impl_->core.write([&](transaction& tx) {
      events.clear();
      auto fresh = ops.load_user(tx, uid);
      fresh.password_hash = hash;
      fresh.user.updated_at = impl_->core.now();
      store::update_user(tx, fresh);
      // Other devices signed in with the old password are signed out.
      store::revoke_user_sessions(tx, uid, impl_->core.now(), "password_changed", who.session_id);
      gone.record(tx, uid, impl_->core.now());
      audit_append(impl_->core, tx, actor::of(who), ctx, {"auth.change_password", uid.to_string()});
      password_changed(impl_->core, tx, fresh.user, events);
    });
    impl_->core.publish(std::move(events));
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
    detail::outgoing events;
    detail::revocations gone{impl_->tokens};
    auto done = impl_->core.write([&](transaction& tx) -> result<void> {
      events.clear();
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
      gone.record(tx, u->user.id, impl_->core.now());
      store::clear_throttle(tx, rules::email_key(email));
      audit_append(impl_->core, tx, actor::user(u->user.id), ctx,
                   {"auth.reset_password", u->user.id.to_string()});
      password_changed(impl_->core, tx, u->user, events);
      return {};
    });
    if (done) impl_->core.publish(std::move(events));
    return done;
  });
}

}  // namespace segs
