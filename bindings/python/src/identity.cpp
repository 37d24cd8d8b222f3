// segs.Identity (Grid.identity): accounts, verification, passwords, sign-in,
// tokens, sessions, roles and API keys, plus the read-only values it answers
// (User, TokenPair, Verification, Session, NotificationPreferences,
// DepartmentInfo, RoleDefinition, ApiKey, CreatedApiKey). Principal is in
// types.cpp: every capability takes one.
#include "common.hpp"
#include "grid.hpp"
#include "page.hpp"

namespace segs::python {

namespace {

struct py_identity {
  holder_ptr holder;
};

template <class Fn>
auto with_identity(const py_identity& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> identity_service& { return g.identity(); },
                      std::forward<Fn>(fn));
}

using opt_str = std::optional<std::string>;

user_status status_from_str(const std::string& s) {
  for (auto st : {user_status::pending_verification, user_status::active, user_status::suspended,
                  user_status::deleted})
    if (to_string(st) == s) return st;
  raise_error(errc::validation_error,
              "status must be pending_verification, active, suspended or deleted", "status");
}

role_scope scope_from_str(const std::string& s) {
  for (auto sc : {role_scope::self, role_scope::department, role_scope::region, role_scope::all})
    if (to_string(sc) == s) return sc;
  raise_error(errc::validation_error, "scope must be self, department, region or all", "scope");
}

otp_purpose purpose_from_str(const std::string& s) {
  if (s == "verify_email") return otp_purpose::verify_email;
  if (s == "reset_password") return otp_purpose::reset_password;
  raise_error(errc::validation_error, "purpose must be verify_email or reset_password", "purpose");
}

registration make_registration(std::string email, opt_str password, std::string name,
                               opt_str first_name, opt_str last_name, opt_str username, std::string role, std::string region,
                               std::string department, const py::object& metadata,
                               opt_str wallet_address) {
  registration r;
  r.email = std::move(email);
  r.password = std::move(password);
  r.name = std::move(name);
  r.first_name = std::move(first_name);
  r.last_name = std::move(last_name);
  r.username = std::move(username);
  r.role = std::move(role);
  r.region = std::move(region);
  r.department = std::move(department);
  r.department_metadata = json_object_from_py(metadata, "department_metadata");
  r.wallet_address = std::move(wallet_address);
  return r;
}

std::optional<std::string> opt_json(const py::object& o, const char* field) {
  if (o.is_none()) return std::nullopt;
  return json_object_from_py(o, field);
}

}  // namespace

void register_identity(py::module_& m) {
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

  // --- the service -----------------------------------------------------------------------
  py::class_<py_identity>(
      m, "Identity",
      "Identity & access: accounts, verification, passwords, sign-in, tokens, "
      "sessions, API keys and roles. Obtained from Grid.identity; keeps its grid "
      "alive. Thread-safe; the GIL is released during every call. Errors raise "
      "segs.Error subclasses.")
      .def(
          "register_user",
          [](const py_identity& s, std::string email, opt_str password, std::string name,
             opt_str first_name, opt_str last_name, opt_str username, std::string role,
             std::string region, std::string department, const py::object& department_metadata,
             opt_str wallet_address, const opt_str& ip, const opt_str& user_agent) {
            auto r = make_registration(std::move(email), std::move(password), std::move(name),
                                       std::move(first_name), std::move(last_name),
                                       std::move(username), std::move(role), std::move(region),
                                       std::move(department), department_metadata,
                                       std::move(wallet_address));
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(s, [&](identity_service& id) { return id.register_user(r, ctx); });
          },
          py::kw_only(), py::arg("email"), py::arg("password") = py::none(),
          py::arg("name") = "", py::arg("first_name") = py::none(),
          py::arg("last_name") = py::none(), py::arg("username") = py::none(), py::arg("role") = "consumer", py::arg("region") = "",
          py::arg("department") = "", py::arg("department_metadata") = py::dict(),
          py::arg("wallet_address") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Registers an account (status pending_verification) and queues a verification "
          "code to the outbox. With a password, verifying the email activates it; without "
          "one, set_password completes it. first_name/last_name are optional (at most 100 "
          "characters); without a name, the name is \"first last\". Raises ValidationError "
          "(field named) or Conflict.")
      .def(
          "verify_email",
          [](const py_identity& s, std::string email, std::string code, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.verify_email(email, code, ctx); });
          },
          py::arg("email"), py::arg("code"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Checks a verification code; answers a Verification. Raises ValidationError "
          "(field \"otp\") for a wrong, expired or used-up code.")
      .def(
          "resend_code",
          [](const py_identity& s, std::string email, const std::string& purpose,
             const opt_str& ip, const opt_str& user_agent) {
            auto p = purpose_from_str(purpose);
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.resend_code(email, p, ctx);
            });
          },
          py::arg("email"), py::arg("purpose") = "verify_email", py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Queues a new code (purpose \"verify_email\" or \"reset_password\"). Raises "
          "RateLimited (with retry_after) inside the resend cooldown.")
      .def(
          "create_user",
          [](const py_identity& s, const principal& who, std::string email, std::string password,
             std::string name, opt_str first_name, opt_str last_name, opt_str username,
             std::string role, std::string region, std::string department,
             const py::object& department_metadata, opt_str wallet_address, const opt_str& ip,
             const opt_str& user_agent) {
            auto r = make_registration(std::move(email), std::move(password), std::move(name),
                                       std::move(first_name), std::move(last_name),
                                       std::move(username), std::move(role), std::move(region),
                                       std::move(department), department_metadata,
                                       std::move(wallet_address));
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(s,
                                 [&](identity_service& id) { return id.create_user(who, r, ctx); });
          },
          py::arg("principal"), py::kw_only(), py::arg("email"), py::arg("password"),
          py::arg("name") = "", py::arg("first_name") = py::none(),
          py::arg("last_name") = py::none(), py::arg("username") = py::none(), py::arg("role") = "consumer",
          py::arg("region") = "", py::arg("department") = "",
          py::arg("department_metadata") = py::dict(), py::arg("wallet_address") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Creates an active, verified account with any role. Needs users:manage and "
          "roles:manage (bootstrap the first admin with Principal.system()).")
      .def(
          "set_password",
          [](const py_identity& s, const principal& who, std::string password, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.set_password(who, password, ctx);
            });
          },
          py::arg("principal"), py::arg("password"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Sets the first password of a verified account without one. Raises Conflict "
          "when a password exists already.")
      .def(
          "change_password",
          [](const py_identity& s, const principal& who, std::string current_password,
             std::string new_password, const opt_str& ip, const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.change_password(who, current_password,
                                                                          new_password, ctx);
            });
          },
          py::arg("principal"), py::arg("current_password"), py::arg("new_password"),
          py::kw_only(), py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Changes one's password (the current one is required) and ends every other session.")
      .def(
          "forgot_password",
          [](const py_identity& s, std::string email, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.forgot_password(email, ctx); });
          },
          py::arg("email"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Queues a reset code when the email belongs to an account; answers the same either way.")
      .def(
          "reset_password",
          [](const py_identity& s, std::string email, std::string code, std::string new_password,
             const opt_str& ip, const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.reset_password(email, code, new_password,
                                                                         ctx);
            });
          },
          py::arg("email"), py::arg("code"), py::arg("new_password"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Sets a new password with a reset code and ends every session.")
      .def(
          "login",
          [](const py_identity& s, std::string identifier, std::string password,
             const opt_str& ip, const opt_str& user_agent) {
            credentials c{std::move(identifier), std::move(password)};
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(s, [&](identity_service& id) { return id.login(c, ctx); });
          },
          py::arg("identifier"), py::arg("password"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Signs in by email or username; answers a TokenPair. Raises Unauthorized, "
          "AccountLocked (retry_after) after too many failures, EmailNotVerified or "
          "AccountSuspended (after a correct password).")
      .def(
          "refresh",
          [](const py_identity& s, std::string refresh_token, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.refresh(refresh_token, ctx); });
          },
          py::arg("refresh_token"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Exchanges a refresh token for a new TokenPair; the old one stops working.")
      .def(
          "authenticate",
          [](const py_identity& s, std::string token) {
            return with_identity(s, [&](identity_service& id) { return id.authenticate(token); });
          },
          py::arg("access_token"),
          "Verifies an access token and answers its Principal. Raises Unauthorized.")
      .def(
          "authenticate_api_key",
          [](const py_identity& s, std::string key) {
            return with_identity(s,
                                 [&](identity_service& id) { return id.authenticate_api_key(key); });
          },
          py::arg("key"), "Verifies an API key and answers its Principal. Raises Unauthorized.")
      .def(
          "logout",
          [](const py_identity& s, const principal& who, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.logout(who, ctx); });
          },
          py::arg("principal"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Ends the principal's session and revokes its access token.")
      .def(
          "logout_all",
          [](const py_identity& s, const principal& who, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.logout_all(who, ctx); });
          },
          py::arg("principal"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(), "Ends every session of the principal's user.")
      .def(
          "sessions",
          [](const py_identity& s, const principal& who) {
            return with_identity(s, [&](identity_service& id) { return id.sessions(who); });
          },
          py::arg("principal"), "The principal's open sessions (a list of Session).")
      .def(
          "profile",
          [](const py_identity& s, const principal& who) {
            return with_identity(s, [&](identity_service& id) { return id.profile(who); });
          },
          py::arg("principal"), "The principal's own User.")
      .def(
          "update_profile",
          [](const py_identity& s, const principal& who, opt_str name, opt_str first_name,
             opt_str last_name, opt_str username, opt_str department,
             const py::object& department_metadata, opt_str region, const opt_str& ip,
             const opt_str& user_agent) {
            profile_update u;
            u.name = std::move(name);
            u.first_name = std::move(first_name);
            u.last_name = std::move(last_name);
            u.username = std::move(username);
            u.department = std::move(department);
            u.department_metadata = opt_json(department_metadata, "department_metadata");
            u.region = std::move(region);
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.update_profile(who, u, ctx); });
          },
          py::arg("principal"), py::kw_only(), py::arg("name") = py::none(),
          py::arg("first_name") = py::none(), py::arg("last_name") = py::none(),
          py::arg("username") = py::none(), py::arg("department") = py::none(),
          py::arg("department_metadata") = py::none(), py::arg("region") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Updates one's own profile; fields left as None are unchanged (an empty "
          "first_name/last_name removes it). Answers the User.")
      .def(
          "set_wallet",
          [](const py_identity& s, const principal& who, opt_str address, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.set_wallet(who, address, ctx); });
          },
          py::arg("principal"), py::arg("address"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Sets (or with None removes) the principal's wallet address. Answers the User.")
      .def(
          "preferences",
          [](const py_identity& s, const principal& who) {
            return with_identity(s, [&](identity_service& id) { return id.preferences(who); });
          },
          py::arg("principal"), "The principal's NotificationPreferences.")
      .def(
          "set_preferences",
          [](const py_identity& s, const principal& who, const notification_preferences& p,
             const opt_str& ip, const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.set_preferences(who, p, ctx); });
          },
          py::arg("principal"), py::arg("preferences"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Stores the principal's NotificationPreferences and answers them as stored.")
      .def(
          "list_users",
          [](const py_identity& s, const principal& who, std::string search, opt_str role,
             opt_str region, opt_str department, const opt_str& status, bool include_deleted,
             int page, int per_page) {
            user_query q;
            q.search = std::move(search);
            q.role = std::move(role);
            q.region = std::move(region);
            q.department = std::move(department);
            if (status) q.status = status_from_str(*status);
            q.include_deleted = include_deleted;
            q.page = page;
            q.per_page = per_page;
            return to_py_page(
                with_identity(s, [&](identity_service& id) { return id.list_users(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("search") = "", py::arg("role") = py::none(),
          py::arg("region") = py::none(), py::arg("department") = py::none(),
          py::arg("status") = py::none(), py::arg("include_deleted") = false, py::arg("page") = 1,
          py::arg("per_page") = 20,
          "Lists users within the principal's scope; answers a Page of User. Needs users:read.")
      .def(
          "get_user",
          [](const py_identity& s, const principal& who, const py::object& user_id) {
            auto uid = uuid_from_py(user_id, "user_id");
            return with_identity(s, [&](identity_service& id) { return id.get_user(who, uid); });
          },
          py::arg("principal"), py::arg("user_id"),
          "One user in the principal's scope. Raises NotFound or Forbidden.")
      .def(
          "update_user",
          [](const py_identity& s, const principal& who, const py::object& user_id, opt_str name,
             opt_str first_name, opt_str last_name, opt_str email, opt_str username,
             opt_str region, opt_str department, const py::object& department_metadata,
             opt_str wallet_address, const opt_str& ip, const opt_str& user_agent) {
            auto uid = uuid_from_py(user_id, "user_id");
            user_update u;
            u.name = std::move(name);
            u.first_name = std::move(first_name);
            u.last_name = std::move(last_name);
            u.email = std::move(email);
            u.username = std::move(username);
            u.region = std::move(region);
            u.department = std::move(department);
            u.department_metadata = opt_json(department_metadata, "department_metadata");
            u.wallet_address = std::move(wallet_address);
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.update_user(who, uid, u, ctx); });
          },
          py::arg("principal"), py::arg("user_id"), py::kw_only(), py::arg("name") = py::none(),
          py::arg("first_name") = py::none(), py::arg("last_name") = py::none(),
          py::arg("email") = py::none(), py::arg("username") = py::none(),
          py::arg("region") = py::none(), py::arg("department") = py::none(),
          py::arg("department_metadata") = py::none(), py::arg("wallet_address") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Updates another user (needs users:write and scope); None fields are unchanged.")
      .def(
          "suspend_user",
          [](const py_identity& s, const principal& who, const py::object& user_id,
             std::string reason, const opt_str& ip, const opt_str& user_agent) {
            auto uid = uuid_from_py(user_id, "user_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.suspend_user(who, uid, reason, ctx); });
          },
          py::arg("principal"), py::arg("user_id"), py::arg("reason"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Suspends an account with a reason and ends its sessions (needs users:manage).")
      .def(
          "activate_user",
          [](const py_identity& s, const principal& who, const py::object& user_id,
             std::string reason, const opt_str& ip, const opt_str& user_agent) {
            auto uid = uuid_from_py(user_id, "user_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.activate_user(who, uid, reason, ctx); });
          },
          py::arg("principal"), py::arg("user_id"), py::arg("reason"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Reactivates a suspended account (needs users:manage).")
      .def(
          "delete_user",
          [](const py_identity& s, const principal& who, const py::object& user_id,
             const opt_str& ip, const opt_str& user_agent) {
            auto uid = uuid_from_py(user_id, "user_id");
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.delete_user(who, uid, ctx); });
          },
          py::arg("principal"), py::arg("user_id"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Soft-deletes an account: kept for the audit trail, cannot sign in, and its "
          "email and username become free again.")
      .def(
          "change_role",
          [](const py_identity& s, const principal& who, const py::object& user_id,
             std::string role, const opt_str& ip, const opt_str& user_agent) {
            auto uid = uuid_from_py(user_id, "user_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.change_role(who, uid, role, ctx); });
          },
          py::arg("principal"), py::arg("user_id"), py::arg("role"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Changes a user's role (needs roles:manage). Answers the User.")
      .def(
          "department",
          [](const py_identity& s, const principal& who, std::string name) {
            return with_identity(s,
                                 [&](identity_service& id) { return id.department(who, name); });
          },
          py::arg("principal"), py::arg("name"),
          "Public information about a department (any principal, even "
          "Principal.anonymous()).")
      .def(
          "roles",
          [](const py_identity& s) {
            return with_identity(s, [&](identity_service& id) { return id.roles(); });
          },
          "Every role (a list of RoleDefinition).")
      .def(
          "define_role",
          [](const py_identity& s, const principal& who, std::string name,
             const py::object& permissions, const std::string& scope, bool self_service,
             const opt_str& ip, const opt_str& user_agent) {
            role_definition r;
            r.name = std::move(name);
            r.permissions = strings_from_py(permissions, "permissions");
            r.scope = scope_from_str(scope);
            r.self_service = self_service;
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(s,
                                 [&](identity_service& id) { return id.define_role(who, r, ctx); });
          },
          py::arg("principal"), py::arg("name"), py::arg("permissions"), py::kw_only(),
          py::arg("scope") = "self", py::arg("self_service") = false, py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Adds or replaces a host-defined role (built-in roles cannot change). Needs "
          "roles:manage. Answers the RoleDefinition.")
      .def(
          "create_api_key",
          [](const py_identity& s, const principal& who, std::string name,
             const py::object& scopes, opt_str region, const py::object& meter_ids,
             const py::object& expires_at, const opt_str& ip, const opt_str& user_agent) {
            api_key_spec spec;
            spec.name = std::move(name);
            spec.scopes = strings_from_py(scopes, "scopes");
            spec.region = std::move(region);
            spec.meter_ids = strings_from_py(meter_ids, "meter_ids");
            spec.expires_at = opt_timestamp_from_py(expires_at, "expires_at");
            auto ctx = make_ctx(ip, user_agent);
            return with_identity(
                s, [&](identity_service& id) { return id.create_api_key(who, spec, ctx); });
          },
          py::arg("principal"), py::arg("name"), py::arg("scopes"), py::kw_only(),
          py::arg("region") = py::none(), py::arg("meter_ids") = py::tuple(),
          py::arg("expires_at") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Creates an API key (needs api_keys:manage). The CreatedApiKey's secret is "
          "shown this once.")
      .def(
          "list_api_keys",
          [](const py_identity& s, const principal& who) {
            return with_identity(s, [&](identity_service& id) { return id.list_api_keys(who); });
          },
          py::arg("principal"), "Every API key (a list of ApiKey; needs api_keys:manage).")
      .def(
          "revoke_api_key",
          [](const py_identity& s, const principal& who, const py::object& key_id,
             const opt_str& ip, const opt_str& user_agent) {
            auto kid = uuid_from_py(key_id, "key_id");
            auto ctx = make_ctx(ip, user_agent);
            with_identity(s, [&](identity_service& id) { return id.revoke_api_key(who, kid, ctx); });
          },
          py::arg("principal"), py::arg("key_id"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(), "Revokes an API key (needs api_keys:manage).");

  add_grid_service<py_identity>(m, "identity", "The Identity service.");
}

}  // namespace segs::python
