// Registration and verification: new accounts, their codes, and resending them.
#include "identity/identity_impl.hpp"

namespace segs {

using namespace identity_internal;

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

}  // namespace segs
