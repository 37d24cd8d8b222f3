#include "storage/stores/outbox_store.hpp"

namespace segs::storage::outbox {

void insert(transaction& tx, const outbox_message& m) {
  tx.exec(
      "INSERT INTO outbox (id, recipient, purpose, subject, body, code, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {m.id.to_string(), m.to, m.purpose, m.subject, m.body, m.code, to_micros(m.created_at)});
}

std::vector<outbox_message> pending(transaction& tx, std::size_t limit) {
  auto res = tx.exec(
      "SELECT seq, id, recipient, purpose, subject, body, code, created_at FROM outbox "
      "WHERE delivered_at IS NULL ORDER BY seq LIMIT $1",
      {static_cast<std::int64_t>(limit)});
  std::vector<outbox_message> out;
  for (const auto& r : res.rows) {
    out.push_back({r.i64(0), r.id(1), r.text(2), r.text(3), r.text(4),
                   r.text(5), r.text(6), from_micros(r.i64(7))});
  }
  return out;
}

bool mark_delivered(transaction& tx, std::int64_t seq, timestamp now) {
  return tx
             .exec(
                 "UPDATE outbox SET delivered_at = $2, body = '', code = '' "
                 "WHERE seq = $1 AND delivered_at IS NULL",
                 {seq, to_micros(now)})
             .affected == 1;
}

std::int64_t count_pending(transaction& tx) {
  return tx.exec("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").rows.at(0).i64(0);
}

}  // namespace segs::storage::outbox
