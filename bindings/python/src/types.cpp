// Value types: read-only views of libsegs' result structs (plus the mutable
// NotificationPreferences), principals, pages and clocks.
#include "common.hpp"

#include "page.hpp"

namespace segs::python {

namespace {

std::string kind_name(principal::kind k) {
  switch (k) {
    case principal::kind::user: return "user";
    case principal::kind::api_key: return "api_key";
    case principal::kind::system: return "system";
    case principal::kind::anonymous: return "anonymous";
  }
  return "system";
}

py::object opt_str(const std::optional<std::string>& s) {
  return s ? py::object(py::str(*s)) : py::object(py::none());
}

}  // namespace

void register_types(py::module_& m) {
  // --- clocks ---------------------------------------------------------------------
  py::class_<segs::clock, std::shared_ptr<segs::clock>>(
      m, "Clock",
      "The source of \"now\" for a grid (expiry, lockouts). Pass a ManualClock to "
      "Grid.open to control time in tests; the default is the system clock.")
      .def(
          "now", [](const segs::clock& c) { return to_py(c.now()); },
          "The current instant as a timezone-aware UTC datetime.");

  py::class_<system_clock, segs::clock, std::shared_ptr<system_clock>>(
      m, "SystemClock", "The operating system's real-time clock (the default).")
      .def(py::init<>(), "Creates a system clock.");

  py::class_<manual_clock, segs::clock, std::shared_ptr<manual_clock>>(
      m, "ManualClock",
      "A clock that moves only when told to; thread-safe.\n\n"
      "    clock = segs.ManualClock(datetime(2025, 1, 1, tzinfo=timezone.utc))\n"
      "    grid = segs.Grid.open(\"sqlite::memory:\", clock=clock)\n"
      "    clock.advance(timedelta(minutes=11))  # codes issued before are expired")
      .def(py::init([](const py::object& start) {
             return std::make_shared<manual_clock>(timestamp_from_py(start, "start"));
           }),
           py::arg("start"), "Creates a clock standing at ``start`` (a timezone-aware datetime).")
      .def(
          "advance",
          [](manual_clock& c, const py::object& by) { c.advance(duration_from_py(by, "by")); },
          py::arg("by"),
          "Moves the clock forward (backward when negative) by a timedelta or seconds.")
      .def(
          "set", [](manual_clock& c, const py::object& t) { c.set(timestamp_from_py(t, "t")); },
          py::arg("t"), "Sets the clock to ``t`` (a timezone-aware datetime).");

  // --- principal --------------------------------------------------------------------
  py::class_<principal>(
      m, "Principal",
      "Who is acting: a signed-in user, an API key, the system or an anonymous "
      "caller. Obtained from Identity.authenticate / authenticate_api_key, or "
      "Principal.system() / Principal.anonymous(). Read-only.")
      .def_property_readonly(
          "type", [](const principal& p) { return kind_name(p.type); },
          "\"user\", \"api_key\", \"system\" or \"anonymous\".")
      .def_property_readonly(
          "id", [](const principal& p) { return to_py_or_none(p.id); },
          "The user's or API key's id (uuid.UUID); None for system/anonymous.")
      .def_readonly("role", &principal::role, "The role name (users).")
      .def_property_readonly(
          "scope", [](const principal& p) { return std::string(to_string(p.scope)); },
          "Whose data the principal reaches: \"self\", \"department\", \"region\" or \"all\".")
      .def_readonly("region", &principal::region, "The principal's region.")
      .def_readonly("department", &principal::department, "The principal's department.")
      .def_readonly("permissions", &principal::permissions,
                    "Permissions of the role (users) or scopes of the key (API keys).")
      .def_readonly("meter_ids", &principal::meter_ids,
                    "For API keys bound to meters: the meter ids they may act for.")
      .def_property_readonly(
          "session_id", [](const principal& p) { return to_py(p.session_id); },
          "The session behind the access token (users), or None.")
      .def_property_readonly(
          "expires_at", [](const principal& p) { return to_py(p.expires_at); },
          "When the access token expires (users), or None.")
      .def("can", &principal::can, py::arg("permission"),
           "True when the principal holds ``permission`` (e.g. \"users:read\").")
      .def_static("system", &principal::system,
                  "The system principal: every permission. For the host's own jobs; never "
                  "hand it to a remote caller.")
      .def_static("anonymous", &principal::anonymous,
                  "A caller with no credentials (for public operations such as "
                  "Identity.department).")
      .def("__repr__", [](const principal& p) {
        return repr_builder("Principal")
            .add("type", py::str(kind_name(p.type)))
            .add("id", to_py_or_none(p.id))
            .add("role", py::str(p.role))
            .add("scope", py::str(std::string(to_string(p.scope))))
            .str();
      });

  // --- user ---------------------------------------------------------------------------
  py::class_<user>(m, "User", "An account as callers see it (never the password hash). Read-only.")
      .def_property_readonly(
          "id", [](const user& u) { return to_py(u.id); }, "uuid.UUID")
      .def_readonly("email", &user::email, "The email address.")
      .def_readonly("username", &user::username, "The username, or None.")
      .def_readonly("name", &user::name, "The display name.")
      .def_readonly("first_name", &user::first_name, "The given name, or None.")
      .def_readonly("last_name", &user::last_name, "The family name, or None.")
      .def_readonly("role", &user::role, "The role name.")
      .def_readonly("region", &user::region, "The region.")
      .def_readonly("department", &user::department, "The department (may be empty).")
      .def_property_readonly(
          "department_metadata", [](const user& u) { return json_object_to_py(u.department_metadata); },
          "Department metadata as a dict (a fresh copy on each access).")
      .def_readonly("wallet_address", &user::wallet_address, "The wallet address, or None.")
      .def_readonly("email_verified", &user::email_verified, "Whether the email is verified.")
      .def_readonly("has_password", &user::has_password, "Whether a password is set.")
      .def_property_readonly(
          "status", [](const user& u) { return std::string(to_string(u.status)); },
          "\"pending_verification\", \"active\", \"suspended\" or \"deleted\".")
      .def_readonly("status_reason", &user::status_reason,
                    "Why the account was suspended/reactivated/deleted, or None.")
      .def_property_readonly(
          "created_at", [](const user& u) { return to_py(u.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "updated_at", [](const user& u) { return to_py(u.updated_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "last_login_at", [](const user& u) { return to_py(u.last_login_at); },
          "Aware UTC datetime of the last sign-in, or None.")
      .def("__repr__", [](const user& u) {
        return repr_builder("User")
            .add("id", to_py(u.id))
            .add("email", py::str(u.email))
            .add("name", py::str(u.name))
            .add("role", py::str(u.role))
            .add("status", py::str(std::string(to_string(u.status))))
            .str();
      });

  // --- tokens, verification, sessions ---------------------------------------------------
  py::class_<token_pair>(m, "TokenPair",
                         "Access + refresh tokens answered by login and refresh. Read-only; "
                         "repr() never shows the tokens.")
      .def_readonly("access_token", &token_pair::access_token, "The JWT access token.")
      .def_readonly("refresh_token", &token_pair::refresh_token, "The opaque refresh token.")
      .def_readonly("token_type", &token_pair::token_type, "Always \"Bearer\".")
      .def_readonly("expires_in", &token_pair::expires_in,
                    "Seconds until the access token expires.")
      .def_property_readonly(
          "session_id", [](const token_pair& t) { return to_py(t.session_id); }, "uuid.UUID")
      .def_readonly("user", &token_pair::user, "The signed-in User.")
      .def("__repr__", [](const token_pair& t) {
        return repr_builder("TokenPair")
            .add("token_type", py::str(t.token_type))
            .add("expires_in", py::int_(t.expires_in))
            .add("session_id", to_py(t.session_id))
            .add("user", py::cast(t.user))
            .str();
      });

  py::class_<verification>(m, "Verification", "What Identity.verify_email answers. Read-only.")
      .def_readonly("user", &verification::user, "The verified User.")
      .def_readonly("tokens", &verification::tokens,
                    "A TokenPair for an account without a password (so it can call "
                    "set_password), else None.")
      .def("__repr__", [](const verification& v) {
        return repr_builder("Verification")
            .add("user", py::cast(v.user))
            .add("tokens", v.tokens ? py::str("<TokenPair>") : py::object(py::none()))
            .str();
      });

  py::class_<session_info>(m, "Session", "An open session of a user. Read-only.")
      .def_property_readonly(
          "id", [](const session_info& s) { return to_py(s.id); }, "uuid.UUID")
      .def_property_readonly(
          "created_at", [](const session_info& s) { return to_py(s.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "expires_at", [](const session_info& s) { return to_py(s.expires_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "last_used_at", [](const session_info& s) { return to_py(s.last_used_at); },
          "Aware UTC datetime, or None.")
      .def_readonly("ip", &session_info::ip, "The client address at sign-in.")
      .def_readonly("user_agent", &session_info::user_agent, "The user agent at sign-in.")
      .def_readonly("current", &session_info::current, "True for the asking principal's session.")
      .def("__repr__", [](const session_info& s) {
        return repr_builder("Session")
            .add("id", to_py(s.id))
            .add("ip", py::str(s.ip))
            .add("current", py::bool_(s.current))
            .str();
      });

  // --- preferences (mutable) --------------------------------------------------------------
  py::class_<notification_preferences>(
      m, "NotificationPreferences",
      "Notification preferences of one user. Mutable: edit the fields and pass the "
      "object to Identity.set_preferences.")
      .def(py::init([](bool email, bool sms, bool push, bool alerts, bool billing, bool trading,
                       bool security) {
             notification_preferences p;
             p.email = email;
             p.sms = sms;
             p.push = push;
             p.alerts = alerts;
             p.billing = billing;
             p.trading = trading;
             p.security = security;
             return p;
           }),
           py::kw_only(), py::arg("email") = true, py::arg("sms") = false, py::arg("push") = true,
           py::arg("alerts") = true, py::arg("billing") = true, py::arg("trading") = true,
           py::arg("security") = true, "Creates preferences (the defaults of a new account).")
      .def_readwrite("email", &notification_preferences::email, "Email channel.")
      .def_readwrite("sms", &notification_preferences::sms, "SMS channel.")
      .def_readwrite("push", &notification_preferences::push, "Push channel.")
      .def_readwrite("alerts", &notification_preferences::alerts, "Alert notifications.")
      .def_readwrite("billing", &notification_preferences::billing, "Billing notifications.")
      .def_readwrite("trading", &notification_preferences::trading, "Trading notifications.")
      .def_readwrite("security", &notification_preferences::security,
                     "Security notices (cannot be turned off; the library keeps it on).")
      .def_property_readonly(
          "updated_at", [](const notification_preferences& p) { return to_py(p.updated_at); },
          "Aware UTC datetime of the last change.")
      .def("__repr__", [](const notification_preferences& p) {
        return repr_builder("NotificationPreferences")
            .add("email", py::bool_(p.email))
            .add("sms", py::bool_(p.sms))
            .add("push", py::bool_(p.push))
            .add("alerts", py::bool_(p.alerts))
            .add("billing", py::bool_(p.billing))
            .add("trading", py::bool_(p.trading))
            .add("security", py::bool_(p.security))
            .str();
      });

  // --- page -----------------------------------------------------------------------------------
  py::class_<py_page>(m, "Page",
                      "One page of a listing: ``items`` plus paging totals. Iterable and "
                      "sized over its items. Every listing takes ``page`` (from 1) and "
                      "``per_page`` (1 to 100); a page past the end has no items.")
      .def_readonly("items", &py_page::items, "The items of this page (a list).")
      .def_readonly("total", &py_page::total, "Number of matching items over all pages.")
      .def_readonly("page", &py_page::page, "This page's number (from 1).")
      .def_readonly("per_page", &py_page::per_page, "Items per page.")
      .def_readonly("total_pages", &py_page::total_pages, "Number of pages (0 when empty).")
      .def("__len__", [](const py_page& p) { return py::len(p.items); })
      .def("__iter__", [](const py_page& p) { return p.items.attr("__iter__")(); })
      .def("__repr__", [](const py_page& p) {
        return repr_builder("Page")
            .add("items", py::int_(py::len(p.items)))
            .add("total", py::int_(p.total))
            .add("page", py::int_(p.page))
            .add("per_page", py::int_(p.per_page))
            .str();
      });

  // --- departments, roles ---------------------------------------------------------------------
  py::class_<department_info>(m, "DepartmentInfo",
                              "Public information about a department. Read-only.")
      .def_readonly("name", &department_info::name, "The department.")
      .def_readonly("user_count", &department_info::user_count, "Its users.")
      .def_readonly("active_users", &department_info::active_users, "Its active users.")
      .def_property_readonly(
          "users_by_role",
          [](const department_info& d) {
            py::dict out;
            for (const auto& [role, n] : d.users_by_role) out[py::str(role)] = n;
            return out;
          },
          "Users per role name (a dict).")
      .def_readonly("regions", &department_info::regions, "Regions of its users.")
      .def("__repr__", [](const department_info& d) {
        return repr_builder("DepartmentInfo")
            .add("name", py::str(d.name))
            .add("user_count", py::int_(d.user_count))
            .add("active_users", py::int_(d.active_users))
            .str();
      });

  py::class_<role_definition>(m, "RoleDefinition", "A role: a named permission set. Read-only.")
      .def_readonly("name", &role_definition::name, "The role name.")
      .def_readonly("permissions", &role_definition::permissions, "Its permissions.")
      .def_property_readonly(
          "scope", [](const role_definition& r) { return std::string(to_string(r.scope)); },
          "\"self\", \"department\", \"region\" or \"all\".")
      .def_readonly("self_service", &role_definition::self_service,
                    "May users pick it at registration?")
      .def_readonly("builtin", &role_definition::builtin, "Built into the library?")
      .def("__repr__", [](const role_definition& r) {
        return repr_builder("RoleDefinition")
            .add("name", py::str(r.name))
            .add("scope", py::str(std::string(to_string(r.scope))))
            .add("permissions", py::cast(r.permissions))
            .str();
      });

  // --- API keys ----------------------------------------------------------------------------------
  py::class_<api_key_info>(m, "ApiKey", "An API key's public information. Read-only.")
      .def_property_readonly(
          "id", [](const api_key_info& k) { return to_py(k.id); }, "uuid.UUID")
      .def_readonly("name", &api_key_info::name, "The key's name.")
      .def_readonly("prefix", &api_key_info::prefix, "The public part of the key, safe to show.")
      .def_readonly("scopes", &api_key_info::scopes, "Permission strings.")
      .def_readonly("region", &api_key_info::region, "The region it is bound to, or None.")
      .def_readonly("meter_ids", &api_key_info::meter_ids, "Meters it is bound to.")
      .def_property_readonly(
          "created_by", [](const api_key_info& k) { return to_py_or_none(k.created_by); },
          "The creating user's id (uuid.UUID), or None when the system created it.")
      .def_property_readonly(
          "created_at", [](const api_key_info& k) { return to_py(k.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "expires_at", [](const api_key_info& k) { return to_py(k.expires_at); },
          "Aware UTC datetime, or None.")
      .def_property_readonly(
          "revoked_at", [](const api_key_info& k) { return to_py(k.revoked_at); },
          "Aware UTC datetime, or None.")
      .def_property_readonly(
          "last_used_at", [](const api_key_info& k) { return to_py(k.last_used_at); },
          "Aware UTC datetime, or None.")
      .def("__repr__", [](const api_key_info& k) {
        return repr_builder("ApiKey")
            .add("id", to_py(k.id))
            .add("name", py::str(k.name))
            .add("prefix", py::str(k.prefix))
            .add("scopes", py::cast(k.scopes))
            .str();
      });

  py::class_<created_api_key>(m, "CreatedApiKey",
                              "A new API key: ``secret`` is shown this once (repr() hides it).")
      .def_readonly("info", &created_api_key::info, "The ApiKey.")
      .def_readonly("secret", &created_api_key::secret, "The whole key, for the X-API-Key header.")
      .def("__repr__", [](const created_api_key& k) {
        return repr_builder("CreatedApiKey").add("info", py::cast(k.info)).str();
      });

  // --- audit ------------------------------------------------------------------------------------
  py::class_<audit_record>(m, "AuditRecord", "One hash-chained audit record. Read-only.")
      .def_readonly("seq", &audit_record::seq, "Position in the chain, from 1.")
      .def_property_readonly(
          "id", [](const audit_record& r) { return to_py(r.id); }, "uuid.UUID")
      .def_property_readonly(
          "at", [](const audit_record& r) { return to_py(r.at); }, "Aware UTC datetime.")
      .def_readonly("actor_kind", &audit_record::actor_kind,
                    "\"user\", \"api_key\", \"system\" or \"anonymous\".")
      .def_readonly("actor_id", &audit_record::actor_id, "The actor's id (text), or \"\".")
      .def_readonly("action", &audit_record::action, "E.g. \"auth.login\", \"user.suspend\".")
      .def_readonly("target_id", &audit_record::target_id, "What was acted on, or \"\".")
      .def_readonly("outcome", &audit_record::outcome, "\"success\" or \"failure\".")
      .def_readonly("ip", &audit_record::ip, "The client address, or \"\".")
      .def_readonly("user_agent", &audit_record::user_agent, "The user agent, or \"\".")
      .def_property_readonly(
          "details", [](const audit_record& r) { return json_object_to_py(r.details); },
          "Details as a dict (never secrets).")
      .def("__repr__", [](const audit_record& r) {
        return repr_builder("AuditRecord")
            .add("seq", py::int_(r.seq))
            .add("action", py::str(r.action))
            .add("outcome", py::str(r.outcome))
            .add("actor_id", py::str(r.actor_id))
            .add("target_id", py::str(r.target_id))
            .str();
      });

  py::class_<audit_verification>(m, "AuditVerification", "The result of Audit.verify. Read-only.")
      .def_readonly("intact", &audit_verification::intact, "True when every hash matches.")
      .def_readonly("records_checked", &audit_verification::records_checked, "Records walked.")
      .def_readonly("first_bad_seq", &audit_verification::first_bad_seq,
                    "The first record that does not match, or None.")
      .def_readonly("problem", &audit_verification::problem, "What is wrong, or \"\".")
      .def("__bool__", [](const audit_verification& v) { return v.intact; })
      .def("__repr__", [](const audit_verification& v) {
        return repr_builder("AuditVerification")
            .add("intact", py::bool_(v.intact))
            .add("records_checked", py::int_(v.records_checked))
            .add("first_bad_seq", v.first_bad_seq ? py::object(py::int_(*v.first_bad_seq))
                                                  : py::object(py::none()))
            .str();
      });

  // --- outbox -----------------------------------------------------------------------------------
  py::class_<outbox_message>(m, "OutboxMessage",
                             "A message for a person (verification or reset code). Read-only; "
                             "repr() never shows the code or body.")
      .def_readonly("seq", &outbox_message::seq, "Queue position.")
      .def_property_readonly(
          "id", [](const outbox_message& o) { return to_py(o.id); }, "uuid.UUID")
      .def_readonly("to", &outbox_message::to, "The recipient's email address.")
      .def_readonly("purpose", &outbox_message::purpose, "\"verify_email\" or \"reset_password\".")
      .def_readonly("subject", &outbox_message::subject, "The subject line.")
      .def_readonly("body", &outbox_message::body, "Plain text for a person.")
      .def_readonly("code", &outbox_message::code, "The one-time code.")
      .def_property_readonly(
          "created_at", [](const outbox_message& o) { return to_py(o.created_at); },
          "Aware UTC datetime.")
      .def("__repr__", [](const outbox_message& o) {
        return repr_builder("OutboxMessage")
            .add("seq", py::int_(o.seq))
            .add("to", py::str(o.to))
            .add("purpose", py::str(o.purpose))
            .str();
      });
}

}  // namespace segs::python
