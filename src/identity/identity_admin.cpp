// Administration of users in scope (list, change, suspend, activate, delete,
// change role), departments, and role definitions.
#include "identity/identity_impl.hpp"

namespace segs {

using namespace identity_internal;

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
    detail::revocations gone{impl_->tokens};
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
      // Principals carry the region and department.
      if (up.region || up.department) gone.record(tx, id, impl_->core.now());
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
    detail::revocations gone{impl_->tokens};
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
      gone.record(tx, id, impl_->core.now());
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
    detail::revocations gone{impl_->tokens};
    impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      u.user.status = user_status::deleted;
      u.user.status_reason = "deleted";
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);  // frees the email and username keys
      store::revoke_user_sessions(tx, id, impl_->core.now(), "deleted");
      gone.record(tx, id, impl_->core.now());
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
    detail::revocations gone{impl_->tokens};
    return impl_->core.write([&](transaction& tx) {
      auto u = ops.load_manageable(tx, who, id);
      if (u.user.status == user_status::deleted) fail(errc::not_found, "user not found", "id");
      const std::string from = u.user.role;
      u.user.role = std::string(role);
      u.user.updated_at = impl_->core.now();
      store::update_user(tx, u);
      // Tokens carry the role; end sessions so the new role applies at once.
      store::revoke_user_sessions(tx, id, impl_->core.now(), "role_changed");
      gone.record(tx, id, impl_->core.now());
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
    detail::revocations gone{impl_->tokens};
    impl_->core.write([&](transaction& tx) {
      store::upsert_role(tx, stored, impl_->core.now());
      // Cached principals of the role hold its old permissions.
      gone.record_everyone(tx, impl_->core.now());
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"role.define", stored.name, "success",
                    detail::audit_details({{"permissions", storage::to_json_array(stored.permissions)},
                                  {"scope", to_string(stored.scope)}})});
    });
    impl_->core.reload_roles();
    return stored;
  });
}

}  // namespace segs
