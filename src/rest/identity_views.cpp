// Identity's JSON views (accounts, tokens, sessions, preferences,
// departments, roles, API keys) and the audit log's, with the readers of
// identity's enums: the JSON shape of one capability in one place.
#include "rest/identity_views.hpp"

#include "identity/names.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

// Both from identity's name tables; the messages list the names in order
// ("pending_verification, active, suspended, deleted"; "self, department,
// region, all").
user_status parse_status(std::string_view text, std::string_view field) {
  if (auto s = segs::detail::parse_name<user_status>(text)) return *s;
  invalid(field, std::string(field) + " must be one of " + segs::detail::name_list<user_status>());
}

role_scope parse_scope(std::string_view text, std::string_view field) {
  if (auto s = segs::detail::parse_name<role_scope>(text)) return *s;
  invalid(field, std::string(field) + " must be one of " + segs::detail::name_list<role_scope>());
}

namespace {

json::value opt(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}

/// Stored JSON text embedded as JSON; text that is not JSON stays a string.
json::value embedded(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

}  // namespace


json::value view(const user& u) {
  return json::object{{"id", u.id.to_string()},
                      {"email", u.email},
                      {"username", opt(u.username)},
                      {"name", u.name},
                      {"first_name", opt(u.first_name)},
                      {"last_name", opt(u.last_name)},
                      {"role", u.role},
                      {"region", u.region},
                      {"department", u.department},
                      {"department_metadata", embedded(u.department_metadata)},
                      {"wallet_address", opt(u.wallet_address)},
                      {"blockchain_registered", u.wallet_address.has_value()},
                      {"email_verified", u.email_verified},
                      {"has_password", u.has_password},
                      {"status", to_string(u.status)},
                      {"status_reason", opt(u.status_reason)},
                      {"created_at", to_rfc3339(u.created_at)},
                      {"updated_at", to_rfc3339(u.updated_at)},
                      {"last_login_at", time_or_null(u.last_login_at)}};
}

json::object view(const token_pair& t) {
  return json::object{{"access_token", t.access_token},
                      {"refresh_token", t.refresh_token},
                      {"token_type", t.token_type},
                      {"expires_in", t.expires_in},
                      {"user", view(t.user)}};
}

json::value view(const session_info& s) {
  return json::object{{"id", s.id.to_string()},
                      {"created_at", to_rfc3339(s.created_at)},
                      {"expires_at", to_rfc3339(s.expires_at)},
                      {"last_used_at", time_or_null(s.last_used_at)},
                      {"ip", s.ip},
                      {"user_agent", s.user_agent},
                      {"current", s.current}};
}

json::value view(const department_info& d) {
  json::object by_role;
  for (const auto& [role, n] : d.users_by_role) by_role[role] = n;
  json::array regions;
  for (const auto& r : d.regions) regions.emplace_back(r);
  return json::object{{"name", d.name},
                      {"user_count", d.user_count},
                      {"active_users", d.active_users},
                      {"users_by_role", std::move(by_role)},
                      {"regions", std::move(regions)}};
}

json::value view(const role_definition& r) {
  json::array perms;
  for (const auto& p : r.permissions) perms.emplace_back(p);
  return json::object{{"name", r.name},
                      {"permissions", std::move(perms)},
                      {"scope", to_string(r.scope)},
                      {"self_service", r.self_service},
                      {"builtin", r.builtin}};
}

json::value view(const api_key_info& k) {
  json::array scopes;
  for (const auto& s : k.scopes) scopes.emplace_back(s);
  json::array meters;
  for (const auto& m : k.meter_ids) meters.emplace_back(m);
  return json::object{{"id", k.id.to_string()},
                      {"name", k.name},
                      {"prefix", k.prefix},
                      {"scopes", std::move(scopes)},
                      {"region", opt(k.region)},
                      {"meter_ids", std::move(meters)},
                      {"created_by", k.created_by.to_string()},
                      {"created_at", to_rfc3339(k.created_at)},
                      {"expires_at", time_or_null(k.expires_at)},
                      {"revoked_at", time_or_null(k.revoked_at)},
                      {"last_used_at", time_or_null(k.last_used_at)}};
}

json::value view(const audit_record& r) {
  auto empty_null = [](const std::string& s) -> json::value {
    if (s.empty()) return nullptr;
    return json::string(s);
  };
  return json::object{{"seq", r.seq},
                      {"id", r.id.to_string()},
                      {"at", to_rfc3339(r.at)},
                      {"actor_kind", r.actor_kind},
                      {"actor_id", empty_null(r.actor_id)},
                      {"action", r.action},
                      {"target_id", empty_null(r.target_id)},
                      {"outcome", r.outcome},
                      {"ip", r.ip},
                      {"user_agent", r.user_agent},
                      {"details", embedded(r.details.empty() ? "{}" : r.details)}};
}

json::value view(const audit_verification& v) {
  json::value bad = nullptr;
  if (v.first_bad_seq) bad = *v.first_bad_seq;
  return json::object{{"intact", v.intact},
                      {"records_checked", v.records_checked},
                      {"first_bad_seq", bad},
                      {"problem", v.problem}};
}

}  // namespace segs::rest::detail
