#include "storage/stores/notifications_store.hpp"
#include "storage/stores/counts.hpp"

#include "notifications/names.hpp"
#include "storage/enum_column.hpp"
#include "storage/stores/filter.hpp"
#include "storage/stores/listing.hpp"

#include <array>
#include <string>
#include <string_view>

namespace segs::storage::notifications {
namespace {

constexpr const char* columns =
    "id, user_id, kind, severity, title, body, data, emailed, created_at, read_at";

notification decode(const row& r) {
  notification n;
  n.id = r.id(0);
  n.user_id = r.id(1);
  n.kind = enum_column<notification_kind>(r, 2, "notifications.kind");
  n.severity = enum_column<notification_severity>(r, 3, "notifications.severity");
  n.title = r.text(4);
  n.body = r.text(5);
  n.data = r.text(6);
  n.emailed = r.boolean(7);
  n.created_at = from_micros(r.i64(8));
  if (!r.is_null(9)) n.read_at = from_micros(r.i64(9));
  return n;
}

}  // namespace

void insert(transaction& tx, const std::vector<notification>& rows) {
  if (rows.empty()) return;
  std::vector<value> values;
  values.reserve(rows.size() * 10);
  for (const auto& n : rows) {
    values.emplace_back(n.id.to_string());
    values.emplace_back(n.user_id.to_string());
    values.emplace_back(std::string(to_string(n.kind)));
    values.emplace_back(std::string(to_string(n.severity)));
    values.emplace_back(n.title);
    values.emplace_back(n.body);
    values.emplace_back(n.data);
    values.emplace_back(std::int64_t{n.emailed});
    values.emplace_back(to_micros(n.created_at));
    values.emplace_back(n.read_at ? value(to_micros(*n.read_at)) : value(nullptr));
  }
  static constexpr std::array<std::string_view, 10> cols{"id",   "user_id", "kind",    "severity",   "title",
                                                        "body", "data",    "emailed", "created_at", "read_at"};
  tx.append("notifications", cols, values);
}

page<notification> history(transaction& tx, const uuid& user, const notification_query& q) {
  filter f;
  f.add("user_id = ?", user.to_string());
  if (q.unread_only) f.add("read_at IS NULL");
  if (q.kind) f.add("kind = ?", std::string(to_string(*q.kind)));
  auto rows = fetch_page(tx,
                         {.select = columns,
                          .from = "notifications" + f.where(),
                          .params = f.params(),
                          .order_by = "created_at DESC, id DESC"},
                         {q.page, q.per_page});
  return to_page<notification>(std::move(rows), decode);
}

std::int64_t unread(transaction& tx, const uuid& user) {
  const auto res = tx.exec("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
                           {user.to_string()});
  return res.rows.front().i64(0);
}

std::optional<notification> mark_read(transaction& tx, const uuid& user, const uuid& id, timestamp now) {
  tx.exec("UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL",
          {id.to_string(), user.to_string(), to_micros(now)});
  const auto res = tx.exec(std::string("SELECT ") + columns + " FROM notifications WHERE id = $1 AND user_id = $2",
                           {id.to_string(), user.to_string()});
  if (res.rows.empty()) return std::nullopt;
  return decode(res.rows.front());
}

std::int64_t mark_all_read(transaction& tx, const uuid& user, timestamp now) {
  return tx.exec("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
                 {user.to_string(), to_micros(now)})
      .affected;
}

std::int64_t remove_read_before(transaction& tx, timestamp before) {
  return tx.exec("DELETE FROM notifications WHERE read_at IS NOT NULL AND read_at < $1", {to_micros(before)})
      .affected;
}

std::int64_t count(transaction& tx) { return count_of(tx, "SELECT COUNT(*) FROM notifications"); }

}  // namespace segs::storage::notifications
