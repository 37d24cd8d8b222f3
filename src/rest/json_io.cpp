#include "rest/json_io.hpp"

#include "identity/names.hpp"

#include <charconv>
#include <cmath>

#include <segs/error.hpp>

namespace segs::rest::detail {

namespace json = boost::json;

void invalid(std::string_view field, std::string message) {
  throw segs::exception(make_error(errc::validation_error, std::move(message), std::string(field)));
}

namespace {

/// The member, or null when absent or JSON null.
const json::value* member(const json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

}  // namespace

std::string required_string(const json::object& o, std::string_view field) {
  auto v = optional_string(o, field);
  if (!v) invalid(field, std::string(field) + " is required");
  return *v;
}

std::optional<std::string> optional_string(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (!v->is_string()) invalid(field, std::string(field) + " must be a string");
  return std::string(v->as_string());
}

std::optional<bool> optional_bool(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (!v->is_bool()) invalid(field, std::string(field) + " must be a boolean");
  return v->as_bool();
}

std::optional<std::string> optional_object_text(const json::object& o, std::string_view field) {
  const auto* v = member(o, field);
  if (!v) return std::nullopt;
  if (!v->is_object()) invalid(field, std::string(field) + " must be a JSON object");
  return json::serialize(*v);
}

std::vector<std::string> optional_string_list(const json::object& o, std::string_view field) {
  std::vector<std::string> out;
  const auto* v = member(o, field);
  if (!v) return out;
  if (!v->is_array()) invalid(field, std::string(field) + " must be an array of strings");
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) invalid(field, std::string(field) + " must be an array of strings");
    out.emplace_back(item.as_string());
  }
  return out;
}

std::optional<timestamp> optional_time(const json::object& o, std::string_view field) {
  auto text = optional_string(o, field);
  if (!text) return std::nullopt;
  return parse_time(*text, field);
}

timestamp parse_time(std::string_view text, std::string_view field) {
  auto t = parse_rfc3339(text, field);
  if (!t) invalid(field, std::string(field) + " must be an RFC 3339 date-time");
  return *t;
}

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

// --- views ------------------------------------------------------------------

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

json::value time_or_null(const std::optional<timestamp>& t) {
  if (!t) return nullptr;
  return json::string(to_rfc3339(*t));
}

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

json::value view(const notification_preferences& p) {
  return json::object{{"email", p.email},     {"sms", p.sms},         {"push", p.push},
                      {"alerts", p.alerts},   {"billing", p.billing}, {"trading", p.trading},
                      {"security", p.security}, {"updated_at", to_rfc3339(p.updated_at)}};
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

namespace {

void write_json(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {  // JSON has no such numbers
        out += "null";
        break;
      }
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
      break;
    }
    case json::kind::string: out += json::serialize(v.get_string()); break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_json(out, item);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(key));
        out += ':';
        write_json(out, item);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string to_json_text(const json::value& v) {
  std::string out;
  out.reserve(256);
  write_json(out, v);
  return out;
}

}  // namespace segs::rest::detail
