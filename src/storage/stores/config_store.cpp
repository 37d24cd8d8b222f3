#include "storage/stores/config_store.hpp"

#include <string>

namespace segs::storage::config {

std::vector<detail::stored_setting> all(transaction& tx) {
  const auto res = tx.exec("SELECT key, type, value, updated_at, updated_by FROM runtime_config ORDER BY key", {});
  std::vector<detail::stored_setting> out;
  out.reserve(res.rows.size());
  for (const auto& r : res.rows) {
    detail::stored_setting s;
    s.key = r.text(0);
    const auto type = r.text(1);
    // A row of a type this build does not know is skipped, not trusted.
    if (type == "flag") s.type = setting_type::flag;
    else if (type == "integer") s.type = setting_type::integer;
    else if (type == "text") s.type = setting_type::text;
    else continue;
    s.value = r.text(2);
    s.updated_at = from_micros(r.i64(3));
    if (!r.is_null(4)) s.updated_by = r.id(4);
    out.push_back(std::move(s));
  }
  return out;
}

void upsert(transaction& tx, const detail::stored_setting& s) {
  tx.exec("INSERT INTO runtime_config (key, type, value, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (key) DO UPDATE SET type = excluded.type, value = excluded.value, "
          "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
          {s.key, std::string(to_string(s.type)), s.value, to_micros(s.updated_at),
           s.updated_by ? value(s.updated_by->to_string()) : value(nullptr)});
}

void remove(transaction& tx, std::string_view key) {
  tx.exec("DELETE FROM runtime_config WHERE key = $1", {std::string(key)});
}

}  // namespace segs::storage::config
