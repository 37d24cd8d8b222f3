#include "storage/stores/audit_store.hpp"
#include "storage/stores/counts.hpp"

#include "storage/stores/filter.hpp"
#include "storage/stores/listing.hpp"

namespace segs::storage::audit {
namespace {

constexpr std::string_view kColumns =
    "seq, id, at, actor_kind, actor_id, action, target_id, outcome, ip, user_agent, details, "
    "prev_hash, hash";

chained_record read(const row& r) {
  chained_record c;
  c.record.seq = r.i64(0);
  c.record.id = r.id(1);
  c.record.at = from_micros(r.i64(2));
  c.record.actor_kind = r.text(3);
  c.record.actor_id = r.text(4);
  c.record.action = r.text(5);
  c.record.target_id = r.text(6);
  c.record.outcome = r.text(7);
  c.record.ip = r.text(8);
  c.record.user_agent = r.text(9);
  c.record.details = r.text(10);
  c.prev_hash = r.text(11);
  c.hash = r.text(12);
  return c;
}

}  // namespace

std::pair<std::int64_t, std::string> advance_head(transaction& tx) {
  auto res = tx.exec("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash");
  const auto& r = res.rows.at(0);
  return {r.i64(0), r.text(1)};
}

void insert(transaction& tx, const audit_record& r, const std::string& prev_hash,
            const std::string& hash) {
  tx.exec("INSERT INTO audit_log (" + std::string(kColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
          {r.seq, r.id.to_string(), to_micros(r.at), r.actor_kind, r.actor_id, r.action,
           r.target_id, r.outcome, r.ip, r.user_agent, r.details, prev_hash, hash});
  tx.exec("UPDATE audit_head SET hash = $1 WHERE id = 1", {hash});
}

page<audit_record> query(transaction& tx, const audit_query& q) {
  filter f;
  if (q.actor_id) f.add("actor_id = ?", *q.actor_id);
  if (q.target_id) f.add("target_id = ?", *q.target_id);
  if (q.involving) f.add("(actor_id = ? OR target_id = ?)", *q.involving);
  if (q.action) {
    // "auth." selects a family of actions by prefix; anything else is exact.
    if (!q.action->empty() && q.action->back() == '.')
      f.add("SUBSTR(action, 1, " + std::to_string(q.action->size()) + ") = ?", *q.action);
    else
      f.add("action = ?", *q.action);
  }
  if (q.outcome) f.add("outcome = ?", *q.outcome);
  if (q.from) f.add("at >= ?", to_micros(*q.from));
  if (q.to) f.add("at < ?", to_micros(*q.to));

  // seq is unique: newest first, and pages never overlap.
  auto rows = fetch_page(tx,
                         {.select = std::string(kColumns),
                          .from = "audit_log" + f.where(),
                          .params = f.params(),
                          .order_by = "seq DESC"},
                         {.page = q.page, .per_page = q.per_page});
  return to_page<audit_record>(std::move(rows), [](const row& r) { return read(r).record; });
}

std::vector<chained_record> scan(transaction& tx, std::int64_t after, std::int64_t limit) {
  auto res = tx.exec("SELECT " + std::string(kColumns) +
                         " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                     {after, limit});
  std::vector<chained_record> out;
  for (const auto& r : res.rows) out.push_back(read(r));
  return out;
}

std::pair<std::int64_t, std::string> head(transaction& tx) {
  auto res = tx.exec("SELECT seq, hash FROM audit_head WHERE id = 1");
  const auto& r = res.rows.at(0);
  return {r.i64(0), r.text(1)};
}

std::int64_t count(transaction& tx) { return count_of(tx, "SELECT COUNT(*) FROM audit_log"); }

}  // namespace segs::storage::audit
