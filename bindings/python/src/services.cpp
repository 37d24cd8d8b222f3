// Grid, Identity, Audit and Outbox. Each Python service object holds the
// grid holder (shared ownership), so dropping the Grid while keeping a
// service is safe; after Grid.close() every call raises ServiceUnavailable.
#include "common.hpp"
#include "page.hpp"
#include "services.hpp"

#include <Python.h>

namespace segs::python {

namespace {

using opt_str = std::optional<std::string>;

template <class Fn>
auto with_identity(const py_service& s, Fn&& fn) {
  auto g = s.holder->get();
  return released([&] { return fn(g->identity()); });
}

template <class Fn>
auto with_audit(const py_service& s, Fn&& fn) {
  auto g = s.holder->get();
  return released([&] { return fn(g->audit()); });
}

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

std::vector<std::string> strings_from_py(const py::object& o, const char* field) {
  if (py::isinstance<py::str>(o))
    throw py::type_error(std::string(field) + " must be a sequence of str, not a str");
  std::vector<std::string> out;
  for (auto item : o) out.push_back(item.cast<std::string>());
  return out;
}

std::optional<std::string> opt_id_text(const py::object& o, const char* field) {
  if (o.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  return uuid_from_py(o, field).to_string();
}


}  // namespace

void register_services(py::module_& m) {
  // --- Identity -------------------------------------------------------------------------
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

  // --- Audit ----------------------------------------------------------------------------------
  py::class_<py_audit>(m, "Audit",
                       "The hash-chained audit log. Obtained from Grid.audit; keeps its grid "
                       "alive. The GIL is released during every call.")
      .def(
          "query",
          [](const py_audit& s, const principal& who, const py::object& actor_id,
             const py::object& target_id, const py::object& involving, opt_str action,
             opt_str outcome, const py::object& from, const py::object& to, int page,
             int per_page) {
            audit_query q;
            q.actor_id = opt_id_text(actor_id, "actor_id");
            q.target_id = opt_id_text(target_id, "target_id");
            q.involving = opt_id_text(involving, "involving");
            q.action = std::move(action);
            q.outcome = std::move(outcome);
            q.from = opt_timestamp_from_py(from, "from_");
            q.to = opt_timestamp_from_py(to, "to");
            q.page = page;
            q.per_page = per_page;
            return to_py_page(with_audit(s, [&](audit_log& a) { return a.query(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("actor_id") = py::none(),
          py::arg("target_id") = py::none(), py::arg("involving") = py::none(),
          py::arg("action") = py::none(), py::arg("outcome") = py::none(),
          py::arg("from_") = py::none(), py::arg("to") = py::none(), py::arg("page") = 1,
          py::arg("per_page") = 50,
          "Records newest first, filtered (``action`` exact or a prefix ending in '.'; "
          "``from_`` inclusive, ``to`` exclusive). Needs audit:read. Answers a Page of "
          "AuditRecord.")
      .def(
          "activity",
          [](const py_audit& s, const principal& who, const py::object& user_id, int page,
             int per_page) {
            auto uid = uuid_from_py(user_id, "user_id");
            return to_py_page(
                with_audit(s, [&](audit_log& a) { return a.activity(who, uid, page, per_page); }));
          },
          py::arg("principal"), py::arg("user_id"), py::kw_only(), py::arg("page") = 1,
          py::arg("per_page") = 50,
          "A user's activity (as actor or target), newest first. Answers a Page of AuditRecord.")
      .def(
          "verify",
          [](const py_audit& s, const principal& who) {
            return with_audit(s, [&](audit_log& a) { return a.verify(who); });
          },
          py::arg("principal"),
          "Walks the whole chain and recomputes every hash (needs audit:read). Answers an "
          "AuditVerification.");

  // --- Outbox ---------------------------------------------------------------------------------
  py::class_<py_outbox>(m, "Outbox",
                        "The notification outbox: verification and reset codes to deliver. "
                        "Obtained from Grid.outbox; keeps its grid alive.")
      .def(
          "drain",
          [](const py_outbox& s, std::size_t max) {
            auto g = s.holder->get();
            return released([&] { return g->outbox().drain(max); });
          },
          py::arg("max") = 100,
          "Takes up to ``max`` undelivered messages, oldest first, and marks them "
          "delivered (a list of OutboxMessage).")
      .def(
          "pending",
          [](const py_outbox& s) {
            auto g = s.holder->get();
            return released([&] { return g->outbox().pending(); });
          },
          "Number of undelivered messages.")
      .def(
          "set_listener",
          [](const py_outbox& s, const py::object& fn) {
            auto g = s.holder->get();
            if (fn.is_none()) {
              py::gil_scoped_release nogil;
              g->outbox().set_listener({});
              return;
            }
            if (!PyCallable_Check(fn.ptr())) throw py::type_error("listener must be callable or None");
            auto cb = std::make_shared<py_callback>();
            cb->fn = fn;
            outbox::listener l = [cb](const outbox_message& msg) {
              py::gil_scoped_acquire gil;
              try {
                cb->fn(msg);
              } catch (py::error_already_set& e) {
                // A failing listener must not fail (or crash) the call that
                // queued the message: report it like an exception in __del__.
                e.discard_as_unraisable("segs outbox listener");
              } catch (const std::exception&) {
                // A C++ exception from a conversion: nothing sensible to do.
              }
            };
            py::gil_scoped_release nogil;
            g->outbox().set_listener(std::move(l));
          },
          py::arg("listener"),
          "Installs (or with None removes) a callable invoked with each OutboxMessage "
          "right after the call that queued it commits (and at once for messages "
          "already waiting). It runs on the calling thread with the GIL held; "
          "exceptions it raises are reported through sys.unraisablehook and ignored.");
}

}  // namespace segs::python
