// The storage port: the only way libsegs reaches a database.
//
// A backend hands out transactions; a transaction runs parameterized
// statements written in the library's portable SQL subset:
//   - placeholders are $1..$N (SQLite binds them by name, PostgreSQL natively);
//   - integers are BIGINT/INTEGER, booleans are integers 0/1, timestamps are
//     integer microseconds since the epoch, identifiers are UUID text, binary
//     data is BLOB/BYTEA, JSON is TEXT;
//   - a parameter whose type PostgreSQL cannot infer is cast: CAST($1 AS TEXT).
// Statements live in src/storage/*_store.cpp, never in domain code; DDL lives
// in migrations/<dialect>/.
//
// Errors: every method throws `segs::exception` with a neutral code (a unique
// violation is `conflict` on every backend; the original code stays in
// `error::detail`). A failure that a retry of the whole transaction may cure
// (PostgreSQL serialization failure or deadlock) throws `transient_failure`.
//
// Thread-safety: `backend` is safe to use from several threads. A
// `transaction` belongs to one thread at a time.
#pragma once

#include <segs/error.hpp>
#include <segs/types.hpp>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace segs::storage {

using blob = std::vector<std::uint8_t>;

/// A bound parameter or a column value.
using value = std::variant<std::nullptr_t, std::int64_t, double, std::string, blob>;

/// Thrown for failures that a fresh attempt of the transaction may cure.
class transient_failure : public segs::exception {
 public:
  using segs::exception::exception;
};

/// One result row. Accessors throw `segs::exception(internal)` on a type
/// mismatch, which is always a bug in a store.
class row {
 public:
  row() = default;
  explicit row(std::vector<value> cols) : cols_(std::move(cols)) {}

  [[nodiscard]] std::size_t size() const noexcept { return cols_.size(); }
  [[nodiscard]] const value& at(std::size_t i) const;
  [[nodiscard]] bool is_null(std::size_t i) const;
  [[nodiscard]] std::int64_t i64(std::size_t i) const;
  [[nodiscard]] bool boolean(std::size_t i) const { return i64(i) != 0; }
  [[nodiscard]] double f64(std::size_t i) const;
  [[nodiscard]] const std::string& text(std::size_t i) const;
  [[nodiscard]] const blob& bytes(std::size_t i) const;
  /// An identifier column (UUID text, the port's convention).
  [[nodiscard]] uuid id(std::size_t i) const;
  [[nodiscard]] std::optional<std::int64_t> opt_i64(std::size_t i) const;
  [[nodiscard]] std::optional<std::string> opt_text(std::size_t i) const;

 private:
  std::vector<value> cols_;
};

/// The outcome of one statement.
struct exec_result {
  std::vector<row> rows;
  /// Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t affected = 0;
};

enum class tx_mode {
  read,   ///< a consistent snapshot; writes are an error on some backends
  write,  ///< serialized with other writers where the backend needs it
};

/// A database transaction. Destroying it without `commit()` rolls back.
class transaction {
 public:
  virtual ~transaction() = default;
  transaction() = default;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  /// Runs one statement with $1..$N bound to `params`.
  virtual exec_result exec(std::string_view sql, std::span<const value> params) = 0;
  exec_result exec(std::string_view sql, std::initializer_list<value> params = {}) {
    return exec(sql, std::span<const value>(params.begin(), params.size()));
  }
  /// Runs several parameterless statements (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  /// Appends rows to `table`: `values` holds them one after another, one
  /// value per column. The default runs one INSERT per row; SQLite steps
  /// prepared multi-row INSERTs of a few fixed sizes (storage/multi_row.hpp);
  /// PostgreSQL uses COPY for more than a few rows, one round trip for all
  /// of them. This is the stores' one way to write many rows.
  /// REQUIRES: `table` and `columns` are the library's own identifiers,
  /// never input (they are spliced into the statement).
  void append(std::string_view table, std::span<const std::string_view> columns,
              std::span<const value> values) {
    append(table, columns, values, {});
  }
  /// As above, with `on_conflict` (when not empty) closing each INSERT, e.g.
  /// "ON CONFLICT (id) DO UPDATE SET ...": many rows as one upsert. COPY
  /// takes no such clause, so PostgreSQL sends an upsert of many rows as
  /// the multi-row INSERTs SQLite uses.
  /// REQUIRES: `on_conflict` is the library's own text, never input.
  virtual void append(std::string_view table, std::span<const std::string_view> columns,
                      std::span<const value> values, std::string_view on_conflict);

 protected:
  /// "INSERT INTO table (c1, ..., cn) VALUES ($1, ..., $n)[, ($n+1, ...)]
  /// [on_conflict]" for `rows` rows; throws internal when `values` does not
  /// fill whole rows of `columns`.
  /// Throws internal unless `values` fills whole rows of `columns`.
  static void check_whole_rows(std::span<const std::string_view> columns, std::span<const value> values);
  static std::string insert_statement(std::string_view table, std::span<const std::string_view> columns,
                                      std::span<const value> values, std::string_view on_conflict = {},
                                      std::size_t rows = 1);

 public:
  /// Blocks until this transaction holds the database-wide migration lock,
  /// held until commit or rollback (PostgreSQL: an advisory lock; SQLite: the
  /// write lock every write transaction already holds).
  virtual void lock_for_migration() = 0;
  /// Makes the writes durable. After commit the transaction is finished.
  virtual void commit() = 0;
  /// The backend's SQL dialect, as backend::dialect(): for the few
  /// statements a store must write differently per backend.
  [[nodiscard]] virtual std::string_view dialect() const noexcept = 0;
};

/// Exclusive ownership of a named resource of a database among the
/// processes (and grids) that use it, such as the market of a region. Held
/// until the handle is destroyed or the process dies; handles must not
/// outlive their backend.
class ownership {
 public:
  virtual ~ownership() = default;
};

/// A database, as a source of transactions.
class backend {
 public:
  virtual ~backend() = default;
  /// "sqlite" or "postgres": selects the migration set and nothing else.
  [[nodiscard]] virtual std::string_view dialect() const noexcept = 0;
  /// Starts a transaction; may block while the pool is exhausted.
  [[nodiscard]] virtual std::unique_ptr<transaction> begin(tx_mode mode) = 0;
  /// True when the database answers a trivial query now.
  [[nodiscard]] virtual bool ping() noexcept = 0;
  /// Takes ownership of `name` in this database, or answers null when
  /// someone else holds it (PostgreSQL: a session advisory lock on a
  /// connection of its own, keyed by schema and name; SQLite file: an
  /// open-file-description lock on a byte of a lock file beside the
  /// database; in memory: always granted, the database is private).
  [[nodiscard]] virtual std::unique_ptr<ownership> try_own(std::string_view name) = 0;
  /// The connection pool now: connections lent out, and the most it opens.
  struct pool_stats {
    int in_use = 0;
    int size = 0;
  };
  [[nodiscard]] virtual pool_stats pool_usage() const noexcept = 0;
  /// The database's size on disk in bytes, when the backend can tell.
  [[nodiscard]] virtual std::optional<std::int64_t> size_bytes() noexcept = 0;
};

/// 64-bit FNV-1a of `text`: the key of an ownership.
[[nodiscard]] constexpr std::uint64_t ownership_key(std::string_view text) noexcept {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

/// Opens a backend for a URL: "sqlite:PATH", "sqlite::memory:",
/// "postgresql://..." / "postgres://..." (libpq URLs and parameters pass
/// through). Unknown schemes and unknown options throw `validation_error`
/// naming the `url` field. Defined in open_backend.cpp.
struct storage_settings {
  int pool_size = 4;
  int busy_timeout_ms = 5000;
  /// SQLite: each connection's page cache in MiB (0: SQLite's default, 2).
  int sqlite_cache_mib = 0;
};
[[nodiscard]] std::unique_ptr<backend> open_backend(std::string_view url,
                                                    const storage_settings& settings);

}  // namespace segs::storage
