#include "storage/postgres/postgres_backend.hpp"

#include "storage/postgres/postgres_codec.hpp"
#include "storage/multi_row.hpp"

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace segs::storage {
namespace {

// "SEGS" + 1: the advisory lock key serializing migrations across processes.
constexpr const char* migration_lock_sql = "SELECT pg_advisory_xact_lock(6000280500348911617)";

struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

/// One server connection and what it has prepared.
struct connection {
  explicit connection(PGconn* c) noexcept : conn(c) {}
  ~connection() { PQfinish(conn); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  [[nodiscard]] bool bad() const noexcept { return PQstatus(conn) == CONNECTION_BAD; }

  PGconn* conn;
  /// SQL text -> prepared statement name. Keyed by the full text, so a hash
  /// collision can only cost a longer name, never run the wrong statement.
  std::unordered_map<std::string, std::string> prepared;
  /// Every name allocated on the server, including `stale` ones.
  std::unordered_set<std::string> names;
  /// Names invalidated by a schema change, deallocated before the next
  /// transaction (an aborted transaction refuses DEALLOCATE).
  std::vector<std::string> stale;
};

/// Builds and throws the exception for a failed command on `c`. Only the
/// primary message of a server error is used: DETAIL may quote row values.
[[noreturn]] void fail(const connection& c, const PGresult* r) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message;
  if (primary != nullptr) {
    message = primary;
  } else {
    // A client-side failure (lost connection, out of memory): libpq's own
    // text, which never contains statement parameters.
    message = r != nullptr && *PQresultErrorMessage(r) != '\0' ? PQresultErrorMessage(r)
                                                               : PQerrorMessage(c.conn);
  }
  pg::throw_sqlstate(state != nullptr ? state : "", trim(std::move(message)), c.bad());
}

bool ok(const PGresult* r) noexcept {
  if (r == nullptr) return false;
  const auto s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

/// A fixed-size pool of lazily opened connections.
class pool {
 public:
  pool(std::string conninfo, int max) : conninfo_(std::move(conninfo)), max_(max) {}

  /// Connections lent out now, and the most it opens.
  [[nodiscard]] std::pair<int, int> usage() const {
    std::lock_guard lock(mu_);
    return {open_ - static_cast<int>(idle_.size()), max_};
  }

  /// Takes an idle connection or opens one, waiting while `max_` are in use.
  /// `reused` tells whether it had been used before (and may have gone stale
  /// while idle). Throws unavailable when a new connection fails.
  std::unique_ptr<connection> acquire(bool& reused) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return c;
    }
    ++open_;
    lock.unlock();
    try {
      reused = false;
      return open();
    } catch (...) {
      lock.lock();
      --open_;
      lock.unlock();
      cv_.notify_one();
      throw;
    }
  }

  /// A connection outside the pool (for ownership locks, which live as long
  /// as their session).
  std::unique_ptr<connection> dedicated() { return open(); }

  /// Returns a connection; a broken one, or one still inside a transaction,
  /// is closed instead so the next user gets a clean one.
  void release(std::unique_ptr<connection> c) noexcept {
    const bool healthy = c && !c->bad() && PQtransactionStatus(c->conn) == PQTRANS_IDLE;
    {
      std::lock_guard lock(mu_);
      if (healthy) {
        idle_.push_back(std::move(c));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
    c.reset();  // closes a discarded connection outside the lock
  }

 private:
  std::unique_ptr<connection> open() {
    // Defaults first, then the caller's string (expanded from "dbname"),
    // which may override them.
    const char* const keys[] = {"connect_timeout", "client_encoding", "dbname",
                                "fallback_application_name", nullptr};
    const char* const values[] = {"10", "UTF8", conninfo_.c_str(), "libsegs", nullptr};
    auto c = std::make_unique<connection>(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
    if (c->conn == nullptr) {
      throw segs::exception(
          make_error(errc::unavailable, "cannot connect to PostgreSQL: out of memory"));
    }
    if (PQstatus(c->conn) != CONNECTION_OK) {
      // libpq's message names host and user but not the password; redact in
      // case a malformed string made it echo a piece of the URL.
      std::string msg = pg::redact_conninfo_secrets(trim(PQerrorMessage(c->conn)), conninfo_);
      error e = make_error(errc::unavailable, "cannot connect to PostgreSQL: " + msg);
      e.detail = "postgres: connection failed: " + msg;
      throw segs::exception(std::move(e));
    }
    // libpq prints NOTICE/WARNING messages to stderr by default; a library
    // must not write to its host's stderr, and notices carry nothing the
    // port reports.
    PQsetNoticeReceiver(c->conn, [](void*, const PGresult*) {}, nullptr);
    return c;
  }

  const std::string conninfo_;
  const int max_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<connection>> idle_;
  int open_ = 0;  // idle plus in use
};

class pg_transaction final : public transaction {
 public:
  pg_transaction(pool& p, std::unique_ptr<connection> c) : pool_(p), conn_(std::move(c)) {}

  ~pg_transaction() override {
    if (!conn_) return;
    if (!conn_->bad() && PQtransactionStatus(conn_->conn) != PQTRANS_IDLE) {
      result_ptr r(PQexec(conn_->conn, "ROLLBACK"));  // errors: release() discards it
    }
    pool_.release(std::move(conn_));
  }

  exec_result exec(std::string_view sql, std::span<const value> params) override {
    connection& c = live();
    std::string key(sql);
    auto it = c.prepared.find(key);
    if (it == c.prepared.end()) {
      std::string name = statement_name(c, key);
      // nParams 0: the server infers every parameter type from the SQL.
      result_ptr r(PQprepare(c.conn, name.c_str(), key.c_str(), 0, nullptr));
      if (!ok(r.get())) fail(c, r.get());
      c.names.insert(name);
      it = c.prepared.emplace(std::move(key), std::move(name)).first;
    }

    std::vector<pg::encoded_param> enc;
    enc.reserve(params.size());
    for (const auto& p : params) enc.push_back(pg::encode_param(p));
    std::vector<const char*> values(enc.size());
    std::vector<int> lengths(enc.size());
    std::vector<int> formats(enc.size());
    for (std::size_t i = 0; i < enc.size(); ++i) {
      values[i] = enc[i].is_null ? nullptr : enc[i].text.data();
      lengths[i] = static_cast<int>(enc[i].text.size());
      formats[i] = enc[i].binary ? 1 : 0;
    }
    result_ptr r(PQexecPrepared(c.conn, it->second.c_str(), static_cast<int>(enc.size()),
                                values.data(), lengths.data(), formats.data(), /*text results*/ 0));
    if (!ok(r.get())) {
      forget_if_invalidated(c, it, r.get());
      fail(c, r.get());
    }
    return collect(r.get());
  }

  // COPY sends every row in one round trip; below a few rows the prepared
  // INSERTs of the default cost fewer.
  void append(std::string_view table, std::span<const std::string_view> columns, std::span<const value> values,
              std::string_view on_conflict) override {
    if (columns.empty() || values.size() % columns.size() != 0 || values.size() / columns.size() < 4) {
      transaction::append(table, columns, values, on_conflict);
      return;
    }
    if (!on_conflict.empty()) {
      upsert_rows(table, columns, values, on_conflict);
      return;
    }
    connection& c = live();
    std::string sql = "COPY " + std::string(table) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + std::string(columns[i]);
    sql += ") FROM STDIN";
    std::string data;
    data.reserve(values.size() * 24);
    for (std::size_t i = 0; i < values.size(); ++i) {
      pg::append_copy_field(data, values[i]);
      data += (i + 1) % columns.size() == 0 ? '\n' : '\t';
    }
    result_ptr start(PQexec(c.conn, sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) fail(c, start.get());
    if (PQputCopyData(c.conn, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(c.conn, nullptr) != 1)
      fail(c, nullptr);
    result_ptr done(PQgetResult(c.conn));
    // Drain: libpq answers null once the command is over.
    for (result_ptr extra(PQgetResult(c.conn)); extra; extra.reset(PQgetResult(c.conn))) {
    }
    if (!ok(done.get())) fail(c, done.get());
  }

  // COPY takes no conflict clause: an upsert of many rows goes as the
  // multi-row INSERTs of multi_row.hpp (few shapes to prepare).
  void upsert_rows(std::string_view table, std::span<const std::string_view> columns,
                   std::span<const value> values, std::string_view on_conflict) {
    const std::size_t width = columns.size();
    multi_row_texts texts;
    for_multi_rows(values.size() / width, [&](std::size_t first, std::size_t n) {
      exec(texts.of(n, [&](std::size_t k) { return insert_statement(table, columns, values, on_conflict, k); }),
           values.subspan(first * width, n * width));
    });
  }

  void exec_script(std::string_view sql) override {
    connection& c = live();
    // The simple query protocol runs several statements in one call.
    result_ptr r(PQexec(c.conn, std::string(sql).c_str()));
    if (!ok(r.get())) fail(c, r.get());
  }

  [[nodiscard]] std::string_view dialect() const noexcept override { return "postgres"; }

  void lock_for_migration() override {
    connection& c = live();
    result_ptr r(PQexec(c.conn, migration_lock_sql));
    if (!ok(r.get())) fail(c, r.get());
  }

  void commit() override {
    connection& c = live();
    result_ptr r(PQexec(c.conn, "COMMIT"));
    try {
      if (!ok(r.get())) fail(c, r.get());
      // COMMIT of a transaction aborted by an earlier error "succeeds" as
      // a rollback; the caller must not believe its writes landed.
      if (std::string_view(PQcmdStatus(r.get())) == "ROLLBACK") {
        error e = make_error(errc::internal,
                             "the transaction was rolled back because a statement in it failed");
        e.detail = "postgres: COMMIT of an aborted transaction";
        throw segs::exception(std::move(e));
      }
    } catch (...) {
      pool_.release(std::move(conn_));
      throw;
    }
    pool_.release(std::move(conn_));
  }

 private:
  connection& live() {
    if (!conn_) {
      throw segs::exception(make_error(errc::internal, "transaction used after commit"));
    }
    return *conn_;
  }

  static std::string statement_name(const connection& c, const std::string& sql) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "segs_%016llx",
                  static_cast<unsigned long long>(std::hash<std::string>{}(sql)));
    std::string name = buf;
    for (int n = 1; c.names.count(name) != 0; ++n) name = buf + ("_" + std::to_string(n));
    return name;
  }

  // A cached statement that no longer fits the schema (a migration changed
  // a result type) or that vanished from the server (DISCARD ALL) is
  // dropped from the cache, and the failure reported as transient: a fresh
  // attempt of the transaction prepares it again and succeeds.
  static void forget_if_invalidated(connection& c,
                                    std::unordered_map<std::string, std::string>::iterator it,
                                    const PGresult* r) {
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    if (state == nullptr) return;
    const std::string_view s(state);
    if (s != "0A000" && s != "26000") return;
    if (s == "0A000") {
      const char* why = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
      if (why == nullptr ||
          std::string_view(why).find("cached plan must not change result type") ==
              std::string_view::npos) {
        return;
      }
      c.stale.push_back(it->second);
    } else {
      c.names.erase(it->second);
    }
    c.prepared.erase(it);
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    error e = make_error(errc::internal, "a prepared statement was invalidated by a schema change");
    e.detail =
        "postgres SQLSTATE " + std::string(s) + ": " + trim(primary != nullptr ? primary : "");
    throw transient_failure(std::move(e));
  }

  static exec_result collect(const PGresult* r) {
    exec_result out;
    const int nrows = PQntuples(r);
    const int ncols = PQnfields(r);
    std::vector<Oid> types(static_cast<std::size_t>(ncols));
    for (int j = 0; j < ncols; ++j) types[static_cast<std::size_t>(j)] = PQftype(r, j);
    out.rows.reserve(static_cast<std::size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      std::vector<value> cols;
      cols.reserve(static_cast<std::size_t>(ncols));
      for (int j = 0; j < ncols; ++j) {
        if (PQgetisnull(r, i, j) != 0) {
          cols.emplace_back(nullptr);
        } else {
          cols.push_back(pg::decode_column(types[static_cast<std::size_t>(j)], PQgetvalue(r, i, j),
                                           PQgetlength(r, i, j)));
        }
      }
      out.rows.emplace_back(std::move(cols));
    }
    // PQcmdTuples also counts SELECT rows; `affected` is about changes only.
    const std::string_view tag = PQcmdStatus(const_cast<PGresult*>(r));
    const std::string_view n = PQcmdTuples(const_cast<PGresult*>(r));
    if (!n.empty() && (tag.starts_with("INSERT") || tag.starts_with("UPDATE") ||
                       tag.starts_with("DELETE") || tag.starts_with("MERGE"))) {
      out.affected = std::strtoll(std::string(n).c_str(), nullptr, 10);
    }
    return out;
  }

  pool& pool_;
  std::unique_ptr<connection> conn_;
};

class pg_backend;

class pg_ownership final : public ownership {
 public:
  pg_ownership(pg_backend& owner, std::string key) : owner_(owner), key_(std::move(key)) {}
  ~pg_ownership() override;

 private:
  pg_backend& owner_;
  std::string key_;
};

class pg_backend final : public backend {
 public:
  pg_backend(std::string conninfo, int pool_size)
      : pool_(std::move(conninfo), pool_size), max_(pool_size) {}

  [[nodiscard]] std::string_view dialect() const noexcept override { return "postgres"; }

  [[nodiscard]] pool_stats pool_usage() const noexcept override {
    const auto [in_use, size] = pool_.usage();
    return {in_use, size};
  }

  [[nodiscard]] std::optional<std::int64_t> size_bytes() noexcept override {
    try {
      auto tx = begin(tx_mode::read);
      auto r = tx->exec("SELECT CAST(pg_database_size(current_database()) AS BIGINT)");
      const auto bytes = r.rows.front().i64(0);
      tx->commit();
      return bytes;
    } catch (...) {
      return std::nullopt;
    }
  }

  [[nodiscard]] std::unique_ptr<transaction> begin(tx_mode mode) override {
    // Writers see each other's commits per statement and rely on row locks
    // and constraints; readers get one snapshot for the whole transaction.
    // Neither is READ ONLY, so a store that writes under `read` still works.
    const char* sql = mode == tx_mode::write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                             : "BEGIN ISOLATION LEVEL REPEATABLE READ";
    // An idle connection may have died with its server; replace it and try
    // again, at most once per pooled connection.
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      auto c = pool_.acquire(reused);
      deallocate_stale(*c);
      result_ptr r(PQexec(c->conn, sql));
      if (ok(r.get())) return std::make_unique<pg_transaction>(pool_, std::move(c));
      if (reused && c->bad() && attempt < max_) {
        pool_.release(std::move(c));
        continue;
      }
      try {
        fail(*c, r.get());
      } catch (...) {
        pool_.release(std::move(c));
        throw;
      }
    }
  }

  // Session advisory locks on a connection of their own: they die with the
  // process (its connection closes) and conflict between sessions. The key
  // includes the schema, so grids in different schemas do not collide.
  [[nodiscard]] std::unique_ptr<ownership> try_own(std::string_view name) override {
    std::lock_guard lock(own_mu_);
    if (!own_conn_ || PQstatus(own_conn_->conn) != CONNECTION_OK) {
      own_conn_ = pool_.dedicated();
      result_ptr r(PQexec(own_conn_->conn, "SELECT current_schema()"));
      if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(*own_conn_, r.get());
      own_schema_ = PQgetisnull(r.get(), 0, 0) ? "" : PQgetvalue(r.get(), 0, 0);
    }
    const auto key = std::to_string(static_cast<std::int64_t>(
        ownership_key(own_schema_ + "\x1f" + std::string(name))));
    const char* values[] = {key.c_str()};
    result_ptr r(PQexecParams(own_conn_->conn, "SELECT pg_try_advisory_lock(CAST($1 AS BIGINT))", 1,
                              nullptr, values, nullptr, nullptr, 0));
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(*own_conn_, r.get());
    if (std::string_view(PQgetvalue(r.get(), 0, 0)) != "t") return nullptr;
    return std::make_unique<pg_ownership>(*this, key);
  }

  void release_ownership(const std::string& key) noexcept {
    std::lock_guard lock(own_mu_);
    if (!own_conn_) return;
    const char* values[] = {key.c_str()};
    result_ptr r(PQexecParams(own_conn_->conn, "SELECT pg_advisory_unlock(CAST($1 AS BIGINT))", 1, nullptr,
                              values, nullptr, nullptr, 0));
  }

  [[nodiscard]] bool ping() noexcept override {
    try {
      bool reused = false;
      auto c = pool_.acquire(reused);
      result_ptr r(PQexec(c->conn, "SELECT 1"));
      const bool good = r && PQresultStatus(r.get()) == PGRES_TUPLES_OK;
      pool_.release(std::move(c));
      return good;
    } catch (...) {
      return false;
    }
  }

 private:
  static void deallocate_stale(connection& c) {
    for (const auto& name : c.stale) {
      result_ptr r(PQexec(c.conn, ("DEALLOCATE " + name).c_str()));  // failure: already gone
      c.names.erase(name);
    }
    c.stale.clear();
  }

  pool pool_;
  const int max_;
  std::mutex own_mu_;
  std::unique_ptr<connection> own_conn_;
  std::string own_schema_;
};

pg_ownership::~pg_ownership() { owner_.release_ownership(key_); }

}  // namespace

std::unique_ptr<backend> make_postgres_backend(const std::string& conninfo,
                                               const storage_settings& settings) {
  if (settings.pool_size < 1) {
    throw segs::exception(
        make_error(errc::validation_error, "pool_size must be at least 1", "pool_size"));
  }
  // Parse now, so a typo fails at open rather than at the first query.
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err != nullptr ? trim(err) : "out of memory";
    if (err != nullptr) PQfreemem(err);
    msg = pg::redact_conninfo_secrets(std::move(msg), conninfo);
    error e = make_error(errc::validation_error, "invalid PostgreSQL URL: " + msg, "url");
    e.detail = "postgres: " + msg;
    throw segs::exception(std::move(e));
  }
  PQconninfoFree(opts);
  return std::make_unique<pg_backend>(conninfo, settings.pool_size);
}

}  // namespace segs::storage
