// The fault-injecting wrapper, and all-or-nothing transactions under faults.
#include "storage/fault_injection.hpp"
#include "storage/run.hpp"
#include "storage/util.hpp"

using segs::errc;
using segs::storage::faulty_backend;
using segs::storage::tx_mode;
using segs_test::error_of;
using segs_test::fresh_database;
using segs_test::scalar;

namespace {

void write_three(segs::storage::backend& b) {
  segs::storage::run(b, tx_mode::write, 3, [](segs::storage::transaction& tx) {
    tx.exec("INSERT INTO ft (id) VALUES ($1)", {std::int64_t{1}});
    tx.exec("INSERT INTO ft (id) VALUES ($1)", {std::int64_t{2}});
    tx.exec("UPDATE ft SET id = id + 10 WHERE id = $1", {std::int64_t{1}});
  });
}

}  // namespace

TEST_CASE("faults: a failure at the 2nd of 3 statements leaves nothing written") {
  fresh_database db;
  faulty_backend f(segs_test::open(db));
  segs_test::script(f, "CREATE TABLE ft (id BIGINT PRIMARY KEY)");
  CHECK(f.statements() == 1);
  CHECK(f.dialect() == f.inner().dialect());

  f.fail_at(f.statements() + 2);
  auto e = error_of([&] { write_three(f); });
  CHECK(e.code == errc::unavailable);
  CHECK(e.message == "injected fault");
  CHECK(f.faults() == 1);
  CHECK(f.statements() == 3);  // the 3rd statement was never reached
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 0);

  // The fault fires once; the same unit then succeeds in full.
  write_three(f);
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 2);
  CHECK(scalar(f, "SELECT MAX(id) FROM ft") == 11);
}

TEST_CASE("faults: every position of a multi-statement unit is all-or-nothing") {
  fresh_database db;
  faulty_backend f(segs_test::open(db));
  segs_test::script(f, "CREATE TABLE ft (id BIGINT PRIMARY KEY)");
  for (int nth = 1; nth <= 3; ++nth) {
    CAPTURE(nth);
    f.fail_at(f.statements() + nth);
    CHECK(error_of([&] { write_three(f); }).code == errc::unavailable);
    CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 0);
  }
  f.disarm();
}

TEST_CASE("faults: failing on a statement by its SQL") {
  fresh_database db;
  faulty_backend f(segs_test::open(db));
  segs_test::script(f, "CREATE TABLE ft (id BIGINT PRIMARY KEY)");
  f.fail_on("UPDATE ft");
  CHECK(error_of([&] { write_three(f); }).code == errc::unavailable);
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 0);
  write_three(f);  // one-shot
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 2);
}

TEST_CASE("faults: a failed commit rolls back and disarm restores service") {
  fresh_database db;
  faulty_backend f(segs_test::open(db));
  segs_test::script(f, "CREATE TABLE ft (id BIGINT PRIMARY KEY)");
  f.fail_commit();
  CHECK(error_of([&] { write_three(f); }).code == errc::unavailable);
  CHECK(error_of([&] { write_three(f); }).code == errc::unavailable);  // until disarmed
  f.disarm();
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 0);
  write_three(f);
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 2);
  CHECK(f.faults() == 2);
}

TEST_CASE("faults: an armed fault that is disarmed never fires") {
  fresh_database db;
  faulty_backend f(segs_test::open(db));
  segs_test::script(f, "CREATE TABLE ft (id BIGINT PRIMARY KEY)");
  f.fail_at(f.statements() + 1);
  f.fail_on("INSERT");
  f.disarm();
  write_three(f);
  CHECK(f.faults() == 0);
  CHECK(scalar(f, "SELECT COUNT(*) FROM ft") == 2);
}
