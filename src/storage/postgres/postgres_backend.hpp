// The PostgreSQL backend of the storage port, over libpq.
//
// Connections: a pool of at most `settings.pool_size` PGconn, opened lazily.
// A transaction holds one connection from `begin` to commit/rollback; `begin`
// blocks while all are busy. A connection that libpq reports broken is closed
// and replaced, never handed out again.
//
// Statements are prepared once per connection (named by a hash of the SQL
// text) and executed with text parameters (blobs binary). Columns come back
// by type: bool and integer types as int64, float and numeric as double,
// bytea as blob, NULL as nullptr, anything else as text.
//
// Errors map SQLSTATE to neutral codes (23505/23503 -> conflict, 23502/23514/
// 22xxx -> validation_error, 57014/55P03/08xxx -> unavailable, the rest
// internal) with "postgres SQLSTATE <code>: <message>" as detail; 40001 and
// 40P01 throw `transient_failure` so `storage::run` retries. Messages never
// carry bound parameter values or the connection password.
//
// Thread-safety: the backend (pool, ping) is safe to use from several
// threads; a transaction, like its connection, belongs to one thread at a time.
#pragma once

#include "storage/backend.hpp"

#include <memory>
#include <string>

namespace segs::storage {

/// Opens a PostgreSQL backend. `conninfo` is a libpq URL ("postgresql://...")
/// or keyword/value string; every libpq parameter passes through. The string
/// is parsed now (an unknown or malformed parameter throws validation_error
/// with field "url"); no connection is opened until the first `begin`/`ping`.
/// Connection failures surface from `begin` as `unavailable`.
[[nodiscard]] std::unique_ptr<backend> make_postgres_backend(const std::string& conninfo,
                                                             const storage_settings& settings);

}  // namespace segs::storage
