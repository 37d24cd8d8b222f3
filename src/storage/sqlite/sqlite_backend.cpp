// The SQLite backend; see sqlite_backend.hpp for the contract.
#include "storage/sqlite/sqlite_backend.hpp"

#include "storage/multi_row.hpp"

#include <fcntl.h>  // ownership locks (F_OFD_SETLK)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace segs::storage {
namespace {

std::string code_name(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE: return "SQLITE_CONSTRAINT_UNIQUE";
    case SQLITE_CONSTRAINT_PRIMARYKEY: return "SQLITE_CONSTRAINT_PRIMARYKEY";
    case SQLITE_CONSTRAINT_FOREIGNKEY: return "SQLITE_CONSTRAINT_FOREIGNKEY";
    case SQLITE_CONSTRAINT_NOTNULL: return "SQLITE_CONSTRAINT_NOTNULL";
    case SQLITE_CONSTRAINT_CHECK: return "SQLITE_CONSTRAINT_CHECK";
    case SQLITE_CONSTRAINT_TRIGGER: return "SQLITE_CONSTRAINT_TRIGGER";
    case SQLITE_CONSTRAINT_DATATYPE: return "SQLITE_CONSTRAINT_DATATYPE";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_BUSY_SNAPSHOT: return "SQLITE_BUSY_SNAPSHOT";
    case SQLITE_BUSY_RECOVERY: return "SQLITE_BUSY_RECOVERY";
    case SQLITE_BUSY_TIMEOUT: return "SQLITE_BUSY_TIMEOUT";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_LOCKED_SHAREDCACHE: return "SQLITE_LOCKED_SHAREDCACHE";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_MISUSE: return "SQLITE_MISUSE";
    case SQLITE_ERROR: return "SQLITE_ERROR";
  }
  // Other extended codes keep their primary name; the number says the rest.
  switch (code & 0xff) {
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_BUSY: return "SQLITE_BUSY";
  }
  return "SQLITE_" + std::to_string(code);
}

// Throws the neutral error for `code`; `what` is the library's own message
// (sqlite3_errmsg only names tables, columns and constraints, never values).
[[noreturn]] void fail(int code, const char* what) {
  error e;
  e.detail = "sqlite " + code_name(code) + " (" + std::to_string(code) + "): " +
             (what ? what : sqlite3_errstr(code));
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      e.code = errc::conflict;
      e.message = "a record with the same key already exists";
      break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      e.code = errc::conflict;
      e.message = "the record is referenced by, or refers to, a missing record";
      break;
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
      e.code = errc::validation_error;
      e.message = "a value violates a database constraint";
      break;
    default:
      switch (code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
          e.code = errc::unavailable;
          e.message = "the database is busy";
          break;
        case SQLITE_CANTOPEN:
          e.code = errc::unavailable;
          e.message = "the database file cannot be opened";
          break;
        default:
          e.code = errc::internal;
          e.message = "database error";
      }
  }
  // A read transaction that wants to write after another connection
  // committed can only succeed from a fresh snapshot: retry the whole unit.
  if (code == SQLITE_BUSY_SNAPSHOT) throw transient_failure(std::move(e));
  throw segs::exception(std::move(e));
}

[[noreturn]] void fail_db(sqlite3* db, int code) { fail(code, sqlite3_errmsg(db)); }

[[noreturn]] void misuse(std::string message) {
  throw segs::exception(make_error(errc::internal, std::move(message)));
}

// A cached statement, with the $N each of its parameter slots binds
// (computed once: SQLite looks parameter names up by a linear scan).
struct prepared_stmt {
  sqlite3_stmt* stmt = nullptr;
  std::vector<int> number;  // number[i - 1] = N of slot i's "$N"
};

// One open connection and its statement cache.
class connection {
 public:
  connection(const std::string& filename, int flags, int busy_timeout_ms, int cache_mib, bool file) {
    const int rc = sqlite3_open_v2(filename.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      // The handle exists even on failure and owns the message.
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      fail(rc, msg.c_str());
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    const bool read_only = (flags & SQLITE_OPEN_READONLY) != 0;
    try {
      // WAL lets readers run alongside the single writer. A read-only
      // connection cannot switch modes; it uses whatever the file has.
      if (file && !read_only) enable_wal(busy_timeout_ms);
      script("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
      // A negative size is in KiB. The number is ours, not the caller's text.
      if (cache_mib > 0) script("PRAGMA cache_size=-" + std::to_string(cache_mib * 1024));
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~connection() {
    for (auto& [sql, p] : cache_) sqlite3_finalize(p.stmt);
    sqlite3_close_v2(db_);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  sqlite3* handle() const noexcept { return db_; }

  // Switching to WAL takes locks for which SQLite does not call the busy
  // handler: a process opening the file while another migrates it gets
  // SQLITE_BUSY at once. Retry it within the busy timeout instead.
  void enable_wal(int busy_timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (int pause_ms = 1;; pause_ms = std::min(pause_ms * 2, 50)) {
      const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) fail_db(db_, rc);
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
  }

  void script(const std::string& sql) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
      std::string text = msg ? msg : sqlite3_errstr(rc);
      sqlite3_free(msg);
      fail(sqlite3_extended_errcode(db_) ? sqlite3_extended_errcode(db_) : rc, text.c_str());
    }
  }

  /// Runs one statement without parameters or rows (BEGIN, COMMIT) from the
  /// statement cache: sqlite3_exec would parse it again on every call.
  void run(std::string_view sql) {
    sqlite3_stmt* stmt = prepare(sql).stmt;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
      sqlite3_reset(stmt);
      return;
    }
    const int code = sqlite3_extended_errcode(db_);
    std::string text = sqlite3_errmsg(db_);
    sqlite3_reset(stmt);
    fail(code ? code : rc, text.c_str());
  }

  const prepared_stmt& prepare(std::string_view sql) {
    auto it = cache_.find(sql);  // heterogeneous: no string built per statement
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) fail_db(db_, rc);
    if (stmt == nullptr) misuse("empty SQL statement");
    if (tail != nullptr) {
      for (const char* p = tail; p < sql.data() + sql.size(); ++p) {
        if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
          sqlite3_finalize(stmt);
          misuse("exec() runs one statement; use exec_script() for several");
        }
      }
    }
    check_parameters(stmt);
    prepared_stmt p{stmt, {}};
    const int n = sqlite3_bind_parameter_count(stmt);
    p.number.reserve(static_cast<std::size_t>(n));
    for (int i = 1; i <= n; ++i) p.number.push_back(std::atoi(sqlite3_bind_parameter_name(stmt, i) + 1));
    return cache_.emplace(std::string(sql), std::move(p)).first->second;
  }

 private:
  // Only $1..$N placeholders are portable; anything else is a store bug.
  static void check_parameters(sqlite3_stmt* stmt) {
    const int n = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt, i);
      bool ok = name != nullptr && name[0] == '$' && name[1] >= '1' && name[1] <= '9';
      for (const char* p = name ? name + 1 : nullptr; ok && *p; ++p) ok = *p >= '0' && *p <= '9';
      if (!ok) {
        sqlite3_finalize(stmt);
        misuse(std::string("unsupported placeholder '") + (name ? name : "?") + "' (use $1..$N)");
      }
    }
  }

  sqlite3* db_ = nullptr;
  struct sql_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, prepared_stmt, sql_hash, std::equal_to<>> cache_;
};

// A gate that is not tied to a thread, unlike std::mutex: a transaction may
// be handed to another thread between begin and commit.
class writer_gate {
 public:
  void acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
    busy_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;
};

class sqlite_backend;

class sqlite_transaction final : public transaction {
 public:
  sqlite_transaction(sqlite_backend& owner, std::unique_ptr<connection> conn, bool holds_gate)
      : owner_(owner), conn_(std::move(conn)), holds_gate_(holds_gate) {}
  ~sqlite_transaction() override;

  exec_result exec(std::string_view sql, std::span<const value> params) override;
  void exec_script(std::string_view sql) override;
  void append(std::string_view table, std::span<const std::string_view> columns, std::span<const value> values,
              std::string_view on_conflict) override;
  // The write transaction already holds SQLite's write lock (BEGIN IMMEDIATE),
  // which excludes every other writer, in this process or another.
  void lock_for_migration() override { live(); }
  [[nodiscard]] std::string_view dialect() const noexcept override { return "sqlite"; }
  void commit() override;

 private:
  connection& live() {
    if (!conn_) misuse("the transaction is already finished");
    return *conn_;
  }
  void finish(bool healthy) noexcept;

  sqlite_backend& owner_;
  std::unique_ptr<connection> conn_;
  bool holds_gate_;
};

class sqlite_ownership final : public ownership {
 public:
  sqlite_ownership(sqlite_backend& owner, off_t offset) : owner_(owner), offset_(offset) {}
  ~sqlite_ownership() override;

 private:
  sqlite_backend& owner_;
  off_t offset_;
};

class sqlite_backend final : public backend {
 public:
  pool_stats pool_usage() const noexcept override {
    std::lock_guard lk(mu_);
    return {open_ - static_cast<int>(idle_.size()), max_};
  }
  std::optional<std::int64_t> size_bytes() noexcept override {
    try {
      auto tx = begin(tx_mode::read);
      auto r = tx->exec("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
      const auto bytes = r.rows.front().i64(0);
      tx->commit();
      return bytes;
    } catch (...) {
      return std::nullopt;
    }
  }

  sqlite_backend(std::string path, bool memory, const storage_settings& s, sqlite_open_mode mode)
      : filename_(memory ? std::string(":memory:") : std::move(path)),
        file_(!memory),
        max_(memory ? 1 : std::max(1, s.pool_size)),
        busy_timeout_ms_(std::max(0, s.busy_timeout_ms)),
        cache_mib_(std::max(0, s.sqlite_cache_mib)) {
    switch (mode) {
      case sqlite_open_mode::read_only: flags_ = SQLITE_OPEN_READONLY; break;
      case sqlite_open_mode::read_write: flags_ = SQLITE_OPEN_READWRITE; break;
      case sqlite_open_mode::read_write_create:
        flags_ = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        break;
    }
    // Open one connection now so a bad path fails at open, not at first use.
    idle_.push_back(open_one());
    open_ = 1;
  }

  std::string_view dialect() const noexcept override { return "sqlite"; }

  std::unique_ptr<ownership> try_own(std::string_view name) override {
    if (!file_) return std::make_unique<ownership>();  // a private database
    std::lock_guard lock(own_mu_);
    if (own_fd_ < 0) {
      const std::string path = filename_ + "-owners";
      own_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (own_fd_ < 0)
        throw segs::exception(make_error(errc::unavailable, "cannot open the ownership file beside the database"));
    }
    // One byte per name, far apart; open-file-description locks conflict
    // between descriptors even within one process and die with it.
    const auto offset = static_cast<off_t>(ownership_key(name) & ((std::uint64_t{1} << 40) - 1));
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = offset;
    fl.l_len = 1;
    if (::fcntl(own_fd_, F_OFD_SETLK, &fl) != 0) {
      if (errno == EAGAIN || errno == EACCES) return nullptr;
      throw segs::exception(make_error(errc::unavailable, "cannot lock the ownership file beside the database"));
    }
    return std::make_unique<sqlite_ownership>(*this, offset);
  }

  void release_ownership(off_t offset) noexcept {
    std::lock_guard lock(own_mu_);
    struct flock fl {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = offset;
    fl.l_len = 1;
    ::fcntl(own_fd_, F_OFD_SETLK, &fl);
  }

  std::unique_ptr<transaction> begin(tx_mode mode) override {
    const bool write = mode == tx_mode::write;
    if (write) gate_.acquire();
    std::unique_ptr<connection> conn;
    try {
      conn = acquire(std::nullopt);
      conn->run(write ? "BEGIN IMMEDIATE" : "BEGIN");
    } catch (...) {
      if (conn) release(std::move(conn), true);
      if (write) gate_.release();
      throw;
    }
    return std::make_unique<sqlite_transaction>(*this, std::move(conn), write);
  }

  bool ping() noexcept override {
    try {
      auto conn = acquire(std::chrono::milliseconds(busy_timeout_ms_));
      if (!conn) return false;
      bool ok = false;
      try {
        sqlite3_stmt* stmt = conn->prepare("SELECT 1").stmt;
        ok = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int64(stmt, 0) == 1;
        sqlite3_reset(stmt);
      } catch (...) {
      }
      release(std::move(conn), true);
      return ok;
    } catch (...) {
      return false;
    }
  }

  // Returns a connection to the pool; a connection in an unknown state
  // (rollback failed) is closed instead.
  void release(std::unique_ptr<connection> conn, bool healthy) noexcept {
    {
      std::lock_guard lock(mu_);
      if (healthy && sqlite3_get_autocommit(conn->handle())) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
    // `conn`, if still owned, closes here, outside the pool lock.
  }

  void release_gate() noexcept { gate_.release(); }

 private:
  std::unique_ptr<connection> open_one() {
    return std::make_unique<connection>(filename_, flags_, busy_timeout_ms_, cache_mib_, file_);
  }

  // Takes an idle connection or opens one while under the limit; waits
  // otherwise (forever, or until `wait` passes: then returns null).
  std::unique_ptr<connection> acquire(std::optional<std::chrono::milliseconds> wait) {
    std::unique_lock lock(mu_);
    auto ready = [&] { return !idle_.empty() || (file_ && open_ < max_); };
    if (wait) {
      if (!cv_.wait_for(lock, *wait, ready)) return nullptr;
    } else {
      cv_.wait(lock, ready);
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    try {
      return open_one();
    } catch (...) {
      lock.lock();
      --open_;
      lock.unlock();
      cv_.notify_one();
      throw;
    }
  }

  const std::string filename_;
  const bool file_;
  const int max_;
  const int busy_timeout_ms_;
  const int cache_mib_;
  int flags_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<connection>> idle_;
  int open_ = 0;  // idle + lent out
  writer_gate gate_;

  std::mutex own_mu_;
  int own_fd_ = -1;  // the ownership file, opened at the first try_own

 public:
  ~sqlite_backend() override {
    if (own_fd_ >= 0) ::close(own_fd_);
  }
};

sqlite_ownership::~sqlite_ownership() { owner_.release_ownership(offset_); }

// Resets the statement and drops its bindings however exec() leaves, so the
// cached statement is ready for the next use and holds no caller memory.
struct statement_guard {
  sqlite3_stmt* stmt;
  ~statement_guard() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

void bind(sqlite3_stmt* stmt, int index, const value& v) {
  int rc = SQLITE_OK;
  switch (v.index()) {
    case 0: rc = sqlite3_bind_null(stmt, index); break;
    case 1: rc = sqlite3_bind_int64(stmt, index, std::get<std::int64_t>(v)); break;
    case 2: rc = sqlite3_bind_double(stmt, index, std::get<double>(v)); break;
    case 3: {
      const auto& s = std::get<std::string>(v);
      // SQLITE_STATIC: the parameters outlive the statement's use, and the
      // guard clears the bindings before exec() returns.
      rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      break;
    }
    case 4: {
      const auto& b = std::get<blob>(v);
      // A null pointer would bind NULL, not an empty blob.
      rc = b.empty() ? sqlite3_bind_zeroblob(stmt, index, 0)
                     : sqlite3_bind_blob64(stmt, index, b.data(), b.size(), SQLITE_STATIC);
      break;
    }
  }
  if (rc != SQLITE_OK) fail_db(sqlite3_db_handle(stmt), rc);
}

value column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: return std::int64_t{sqlite3_column_int64(stmt, i)};
    case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
      return p ? blob(p, p + n) : blob();
    }
    default: return nullptr;
  }
}

sqlite_transaction::~sqlite_transaction() {
  if (!conn_) return;
  // Not committed: undo. If even that fails the connection is not reused.
  const bool ok = sqlite3_exec(conn_->handle(), "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK;
  finish(ok);
}

void sqlite_transaction::finish(bool healthy) noexcept {
  owner_.release(std::move(conn_), healthy);
  if (holds_gate_) {
    holds_gate_ = false;
    owner_.release_gate();
  }
}

exec_result sqlite_transaction::exec(std::string_view sql, std::span<const value> params) {
  auto& conn = live();
  sqlite3* db = conn.handle();
  const prepared_stmt& prep = conn.prepare(sql);
  sqlite3_stmt* stmt = prep.stmt;
  statement_guard guard{stmt};

  const int wanted = static_cast<int>(prep.number.size());
  std::vector<bool> used(params.size(), false);
  for (int i = 1; i <= wanted; ++i) {
    const int n = prep.number[static_cast<std::size_t>(i - 1)];
    if (static_cast<std::size_t>(n) > params.size())
      misuse("statement uses $" + std::to_string(n) + " but " + std::to_string(params.size()) +
             " parameter(s) were given");
    bind(stmt, i, params[static_cast<std::size_t>(n - 1)]);
    used[static_cast<std::size_t>(n - 1)] = true;
  }
  // PostgreSQL refuses a parameter it never sees; refuse it here too.
  for (std::size_t k = 0; k < used.size(); ++k)
    if (!used[k]) misuse("parameter $" + std::to_string(k + 1) + " is not used by the statement");

  exec_result out;
  const auto changes_before = sqlite3_total_changes64(db);
  const int ncols = sqlite3_column_count(stmt);
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail_db(db, rc);
    std::vector<value> cols;
    cols.reserve(static_cast<std::size_t>(ncols));
    for (int c = 0; c < ncols; ++c) cols.push_back(column(stmt, c));
    out.rows.emplace_back(std::move(cols));
  }
  // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE even
  // across other statements; only trust it when this statement changed rows.
  if (sqlite3_total_changes64(db) != changes_before) out.affected = sqlite3_changes64(db);
  return out;
}

void sqlite_transaction::exec_script(std::string_view sql) { live().script(std::string(sql)); }

// Multi-row INSERTs (or upserts) of the fixed sizes of multi_row.hpp, each
// size prepared once per connection and bound positionally ($1..$n are the
// columns of the rows in order). These are the statements the market store
// used to build for its orders and trades; one row per step measured no
// faster for them (segs-bench-market), so SQLite keeps fewer steps.
void sqlite_transaction::append(std::string_view table, std::span<const std::string_view> columns,
                                std::span<const value> values, std::string_view on_conflict) {
  auto& conn = live();
  check_whole_rows(columns, values);
  const std::size_t width = columns.size();
  multi_row_texts texts;
  for_multi_rows(values.size() / width, [&](std::size_t first, std::size_t n) {
    sqlite3_stmt* stmt =
        conn.prepare(texts.of(n, [&](std::size_t k) { return insert_statement(table, columns, values, on_conflict, k); }))
            .stmt;
    statement_guard guard{stmt};
    const auto chunk = values.subspan(first * width, n * width);
    for (std::size_t i = 0; i < chunk.size(); ++i) bind(stmt, static_cast<int>(i + 1), chunk[i]);
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) fail_db(conn.handle(), rc);
  });
}

void sqlite_transaction::commit() {
  auto& conn = live();
  conn.run("COMMIT");
  finish(true);
}

}  // namespace

std::unique_ptr<backend> make_sqlite_backend(std::string path, bool memory,
                                             const storage_settings& settings,
                                             sqlite_open_mode mode) {
  return std::make_unique<sqlite_backend>(std::move(path), memory, settings, mode);
}

}  // namespace segs::storage
