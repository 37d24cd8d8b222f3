// The SQLite backend of the storage port.
//
// Connections: a file database keeps a pool of at most `pool_size`
// connections, opened lazily (the first one at construction, so a bad path
// fails early); an in-memory database is private to its connection, so it has
// exactly one and every transaction waits for it. Each connection is opened
// with SQLITE_OPEN_NOMUTEX, since the pool already hands a connection to one
// thread at a time, and set up with WAL (files), synchronous=NORMAL,
// foreign_keys=ON and the busy timeout.
//
// Transactions: `write` runs BEGIN IMMEDIATE while holding an in-process
// writer gate for the transaction's whole life, so writers of this process
// queue in order instead of spinning on SQLITE_BUSY (other processes are
// kept out by SQLite's own lock and the busy timeout); `read` runs a deferred
// BEGIN. Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT)
// and cached by SQL text; $1..$N are bound by name, so the SQL the stores
// write for PostgreSQL runs unchanged.
//
// Errors map extended result codes to neutral codes (UNIQUE/PRIMARYKEY/
// FOREIGNKEY -> conflict, NOTNULL/CHECK -> validation_error, BUSY/LOCKED ->
// unavailable, the rest internal) with "sqlite <NAME> (<code>): <message>" as
// detail; SQLITE_BUSY_SNAPSHOT (a read transaction that tried to write after
// another commit) throws `transient_failure`. Messages never carry bound values.
//
// Thread-safety: the backend is safe to use from several threads; a
// transaction belongs to one thread at a time.
#pragma once

#include "storage/backend.hpp"

#include <memory>
#include <string>

namespace segs::storage {

enum class sqlite_open_mode {
  read_only,         ///< "mode=ro"
  read_write,        ///< "mode=rw": the file must exist
  read_write_create  ///< "mode=rwc" (default)
};

/// Opens a SQLite database: the file `path` or, when `memory`, a private
/// in-memory database (`path` ignored). Throws `unavailable` when the file
/// cannot be opened.
[[nodiscard]] std::unique_ptr<backend> make_sqlite_backend(
    std::string path, bool memory, const storage_settings& settings,
    sqlite_open_mode mode = sqlite_open_mode::read_write_create);

}  // namespace segs::storage
