// Shared helpers of the storage conformance tests.
#pragma once

#include "storage/backend.hpp"
#include "support/test_db.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

namespace segs_test {

/// True when two backends opened on the same URL share their data (every
/// backend but sqlite-memory, whose database is private to its connection).
inline bool shared_database() { return current_backend() != "sqlite-memory"; }

/// Opens the backend under test on `db`.
inline std::unique_ptr<segs::storage::backend> open(const fresh_database& db,
                                                    segs::storage::storage_settings s = {}) {
  return segs::storage::open_backend(db.url(), s);
}

/// Runs `sql` (parameterless statements) in its own committed write transaction.
inline void script(segs::storage::backend& b, const std::string& sql) {
  auto tx = b.begin(segs::storage::tx_mode::write);
  tx->exec_script(sql);
  tx->commit();
}

/// The single integer a query returns.
inline std::int64_t scalar(segs::storage::backend& b, const std::string& sql) {
  auto tx = b.begin(segs::storage::tx_mode::read);
  auto res = tx->exec(sql);
  REQUIRE(res.rows.size() == 1);
  return res.rows[0].i64(0);
}

/// Runs `fn`, which must throw segs::exception; returns its error.
template <class Fn>
segs::error error_of(Fn&& fn) {
  try {
    fn();
  } catch (const segs::exception& e) {
    return e.err();
  }
  FAIL("expected a segs::exception");
  return {};
}

}  // namespace segs_test
