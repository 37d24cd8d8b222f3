// The migration runner; see migrations.hpp for the contract.
//
// Every step re-reads `schema_migrations` inside a write transaction that
// holds the migration lock, so two processes (or threads) opening a fresh
// database at once apply each migration exactly once: the second one finds
// the first one's record after waiting for the lock.
#include "storage/migrations.hpp"
#include "storage/run.hpp"

#include <sodium.h>

#include <chrono>
#include <map>
#include <string>

namespace segs::storage {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, "
    "checksum TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";

[[noreturn]] void mismatch(std::string message) {
  throw segs::exception(make_error(errc::schema_mismatch, std::move(message)));
}

std::string checksum(std::string_view sql) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(sql.data()), sql.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

struct applied_record {
  std::string name;
  std::string checksum;
};

std::map<std::int64_t, applied_record> read_applied(transaction& tx) {
  std::map<std::int64_t, applied_record> out;
  auto res = tx.exec("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  for (const auto& r : res.rows) out.emplace(r.i64(0), applied_record{r.text(1), r.text(2)});
  return out;
}

// Refuses a database this library cannot safely use; returns the first
// migration of `set` not applied yet, or null.
const migration* check(std::span<const migration> set, const std::map<std::int64_t, applied_record>& applied) {
  const int newest = set.empty() ? 0 : set.back().version;
  for (const auto& [version, rec] : applied) {
    if (version > newest)
      mismatch("database schema version " + std::to_string(version) +
               " is newer than this library (" + std::to_string(newest) + "); upgrade libsegs");
    const migration* known = nullptr;
    for (const auto& m : set)
      if (m.version == version) known = &m;
    if (!known)
      mismatch("database records migration " + rec.name + " (version " + std::to_string(version) +
               "), which this library does not have");
    const std::string sum = checksum(known->sql);
    if (sum != rec.checksum)
      mismatch("migration " + std::string(known->name) +
               " was changed after it was applied (checksum " + sum.substr(0, 12) +
               " differs from the recorded " + rec.checksum.substr(0, 12) + ")");
  }
  for (const auto& m : set)
    if (!applied.contains(m.version)) return &m;
  return nullptr;
}

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int migrate(backend& db, std::span<const migration> set, const migrate_options& opts) {
  for (std::size_t i = 1; i < set.size(); ++i)
    if (set[i].version <= set[i - 1].version)
      throw segs::exception(make_error(errc::internal, "embedded migrations are not in version order"));
  const int attempts = std::max(1, opts.max_attempts);

  if (!opts.apply) {
    // Check only, without writing: the database may be opened read-only.
    return run(db, tx_mode::read, attempts, [&](transaction& tx) {
      std::map<std::int64_t, applied_record> applied;
      try {
        applied = read_applied(tx);
      } catch (const segs::exception& e) {
        // No schema_migrations table: a database never migrated.
        if (e.code() != errc::internal) throw;
        if (set.empty()) return 0;
        mismatch("the database has no schema yet and migrations are disabled (" +
                 std::to_string(set.size()) + " pending, starting with " +
                 std::string(set.front().name) + ")");
      }
      if (const migration* next = check(set, applied))
        mismatch("the database schema is behind this library (next pending migration " +
                 std::string(next->name) + ") and migrations are disabled");
      return 0;
    });
  }

  int count = 0;
  for (;;) {
    const bool applied_one = run(db, tx_mode::write, attempts, [&](transaction& tx) {
      tx.lock_for_migration();
      tx.exec(kCreateTable);
      const migration* next = check(set, read_applied(tx));
      if (!next) return false;
      tx.exec_script(next->sql);
      tx.exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) "
              "VALUES ($1, $2, $3, $4)",
              {std::int64_t{next->version}, std::string(next->name), checksum(next->sql),
               now_micros()});
      return true;
    });
    if (!applied_one) return count;
    ++count;
  }
}

}  // namespace segs::storage
