// Internal: identity's and the audit log's JSON views and enum readers.
#pragma once

#include "rest/json_io.hpp"

#include <segs/access.hpp>
#include <segs/audit.hpp>
#include <segs/identity.hpp>

#include <boost/json.hpp>

#include <string_view>

namespace segs::rest::detail {

/// "pending_verification", "active", ... from text; validation_error naming `field`.
[[nodiscard]] user_status parse_status(std::string_view text, std::string_view field);
/// "self", "department", "region" or "all"; validation_error naming `field`.
[[nodiscard]] role_scope parse_scope(std::string_view text, std::string_view field);

[[nodiscard]] boost::json::value view(const user& u);
/// access_token, refresh_token, token_type, expires_in, user.
[[nodiscard]] boost::json::object view(const token_pair& t);
[[nodiscard]] boost::json::value view(const session_info& s);
[[nodiscard]] boost::json::value view(const department_info& d);
/// name, permissions, scope, self_service, builtin.
[[nodiscard]] boost::json::value view(const role_definition& r);
[[nodiscard]] boost::json::value view(const api_key_info& k);
[[nodiscard]] boost::json::value view(const audit_record& r);
[[nodiscard]] boost::json::value view(const audit_verification& v);

}  // namespace segs::rest::detail
