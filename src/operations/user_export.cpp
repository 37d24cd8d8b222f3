// The users' CSV export, a keyset page at a time (by id), so that a host
// streams 100,000 accounts in bounded memory: each page is one read
// transaction over at most `limit` rows of identity's store.
#include "core/csv.hpp"
#include "operations/operations_impl.hpp"
#include "storage/stores/identity_store.hpp"

namespace segs {

using detail::fail;

const std::vector<std::string_view>& user_export_columns() {
  static const std::vector<std::string_view> columns = {"id",   "email",  "username",   "name",   "role",
                                                        "region", "department", "status", "created_at",
                                                        "last_login_at"};
  return columns;
}

namespace {

constexpr int max_export_page = 10'000;

/// Whose accounts `who` exports (the scope of users:read).
storage::identity::export_scope scope_of(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (!who.can(permission::users_read)) fail(errc::forbidden, "exporting users needs users:read (operators, admins)");
  storage::identity::export_scope s;
  switch (who.scope) {
    case role_scope::all: break;
    case role_scope::region: s.region = who.region; break;
    case role_scope::department: s.department = who.department; break;
    case role_scope::self: fail(errc::forbidden, "exporting users needs a wider role");
  }
  return s;
}

std::string header_row() {
  std::string out;
  for (const auto c : user_export_columns()) {
    if (!out.empty()) out += ',';
    out += c;
  }
  return out + "\r\n";
}

}  // namespace

result<user_export_page> operations_service::export_users_page(const principal& who, std::string_view after,
                                                               int limit) {
  return detail::guard([&] {
    const auto scope = scope_of(who);
    if (limit < 1 || limit > max_export_page) fail(errc::validation_error, "limit must be 1 to 10000", "limit");
    if (!after.empty() && !uuid::parse(after)) fail(errc::validation_error, "after must be a user id", "after");
    return impl_->core.read([&](storage::transaction& tx) {
      user_export_page out;
      if (after.empty()) out.text = header_row();
      const auto users = storage::identity::users_after(tx, scope, after, limit);
      for (const auto& u : users) {
        out.text += u.id.to_string() + ',' + csv::text(u.email) + ',' + csv::text(u.username.value_or("")) + ',' +
                    csv::text(u.name) + ',' + csv::text(u.role) + ',' + csv::text(u.region) + ',' +
                    csv::text(u.department) + ',' + std::string(to_string(u.status)) + ',' +
                    to_rfc3339(u.created_at) + ',' + (u.last_login_at ? to_rfc3339(*u.last_login_at) : std::string()) +
                    "\r\n";
      }
      out.rows = static_cast<std::int64_t>(users.size());
      out.done = users.size() < static_cast<std::size_t>(limit);
      out.next_after = users.empty() ? std::string(after) : users.back().id.to_string();
      return out;
    });
  });
}

}  // namespace segs
