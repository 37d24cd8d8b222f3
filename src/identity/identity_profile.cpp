// A user's own account: profile, wallet address, notification preferences.
#include "identity/identity_impl.hpp"

namespace segs {

using namespace identity_internal;

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
    detail::revocations gone{impl_->tokens};
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
      // Principals carry the region and department.
      if (up.region || up.department) gone.record(tx, uid, impl_->core.now());
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
    stored.security_channels = {};
    if (const auto& q = stored.quiet_hours) {
      if (q->start_minute < 0 || q->start_minute >= 24 * 60)
        fail(errc::validation_error, "quiet_hours.start must be a time of day (00:00 to 23:59)",
             "quiet_hours.start");
      if (q->end_minute < 0 || q->end_minute >= 24 * 60)
        fail(errc::validation_error, "quiet_hours.end must be a time of day (00:00 to 23:59)",
             "quiet_hours.end");
      if (q->start_minute == q->end_minute) stored.quiet_hours.reset();  // an empty window
    }
    stored.updated_at = impl_->core.now();
    impl_->core.write([&](transaction& tx) {
      store::put_preferences(tx, uid, stored);
      audit_append(impl_->core, tx, actor::of(who), ctx, {"user.set_preferences", uid.to_string()});
    });
    return stored;
  });
}

}  // namespace segs
