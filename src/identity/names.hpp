// The name tables of identity's enumerations (see core/names.hpp): the
// names of to_string, of the REST layer's parsing, and of their columns.
#pragma once

#include "core/names.hpp"

#include <segs/access.hpp>
#include <segs/identity.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<user_status> {
  static constexpr std::array<name_entry<user_status>, 4> table{
      {{user_status::pending_verification, "pending_verification"},
       {user_status::active, "active"},
       {user_status::suspended, "suspended"},
       {user_status::deleted, "deleted"}}};
};
template <>
struct enum_names<otp_purpose> {
  static constexpr std::array<name_entry<otp_purpose>, 2> table{
      {{otp_purpose::verify_email, "verify_email"}, {otp_purpose::reset_password, "reset_password"}}};
};
template <>
struct enum_names<role_scope> {
  static constexpr std::array<name_entry<role_scope>, 4> table{{{role_scope::self, "self"},
                                                                {role_scope::department, "department"},
                                                                {role_scope::region, "region"},
                                                                {role_scope::all, "all"}}};
};

}  // namespace segs::detail
