// The built-in roles and the permission checks shared by every service.
#pragma once

#include <segs/access.hpp>
#include <segs/identity.hpp>

#include <optional>
#include <vector>

namespace segs::detail {

/// consumer, prosumer, operator, admin.
const std::vector<role_definition>& builtin_roles();

/// Does `who`'s scope reach the account `target`?
bool in_scope(const principal& who, const user& target);
/// May `who` manage (suspend, delete, change) an account whose role has
/// `target_scope`? Nobody manages an account of a wider or equal reach,
/// except principals of scope all.
bool outranks(const principal& who, role_scope target_scope);

/// The principal of a signed-in session of `u` whose role is `role` (none:
/// a role removed under us, which grants nothing), without the session's
/// token. Identity builds its sessions' principals with it; seeding acts
/// for the accounts it created with it.
principal principal_for(const user& u, const std::optional<role_definition>& role);

}  // namespace segs::detail
