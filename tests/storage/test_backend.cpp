// The storage port's contract, run against every backend.
#include "storage/run.hpp"
#include "storage/util.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

using segs::errc;
using segs::storage::blob;
using segs::storage::tx_mode;
using segs::storage::value;
using segs_test::error_of;
using segs_test::fresh_database;
using segs_test::scalar;
using segs_test::script;

namespace {

std::string blob_type(const segs::storage::backend& b) {
  return b.dialect() == "postgres" ? "BYTEA" : "BLOB";
}

}  // namespace

TEST_CASE("storage: the dialect names the backend") {
  fresh_database db;
  auto b = segs_test::open(db);
  const auto& name = segs_test::current_backend();
  CHECK(b->dialect() == (name == "postgres" ? "postgres" : "sqlite"));
  CHECK(b->ping());
}

TEST_CASE("storage: values round-trip unchanged") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT, b " +
                 blob_type(*b) + ")");

  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::string tricky = "it's \"quoted\"; 'x' \\ ünïcødé ⚡ 日本 '; DROP TABLE vals; --";
  const blob bytes{0x00, 0x01, 0x00, 0xff, 0x27, 0x5c, 0x00};
  {
    auto tx = b->begin(tx_mode::write);
    tx->exec("INSERT INTO vals (id, i, d, t, b) VALUES ($1, $2, $3, $4, $5)",
             {std::int64_t{1}, nullptr, nullptr, nullptr, nullptr});
    tx->exec("INSERT INTO vals (id, i, d, t, b) VALUES ($1, $2, $3, $4, $5)",
             {std::int64_t{2}, lo, 0.1, tricky, bytes});
    tx->exec("INSERT INTO vals (id, i, d, t, b) VALUES ($1, $2, $3, $4, $5)",
             {std::int64_t{3}, hi, -1.5e300, std::string(), blob()});
    tx->exec("INSERT INTO vals (id, i, d, t, b) VALUES ($1, $2, $3, $4, $5)",
             {std::int64_t{4}, std::int64_t{0}, 0.0, std::string("plain"), blob{0}});
    tx->commit();
  }
  auto tx = b->begin(tx_mode::read);
  auto res = tx->exec("SELECT id, i, d, t, b FROM vals ORDER BY id");
  REQUIRE(res.rows.size() == 4);

  const auto& r1 = res.rows[0];
  CHECK(r1.i64(0) == 1);
  for (std::size_t c = 1; c < 5; ++c) CHECK(r1.is_null(c));
  CHECK_FALSE(r1.opt_i64(1).has_value());
  CHECK_FALSE(r1.opt_text(3).has_value());

  const auto& r2 = res.rows[1];
  CHECK(r2.i64(1) == lo);
  CHECK(r2.f64(2) == 0.1);
  CHECK(r2.text(3) == tricky);
  CHECK(r2.bytes(4) == bytes);
  CHECK(r2.opt_i64(1) == lo);

  const auto& r3 = res.rows[2];
  CHECK(r3.i64(1) == hi);
  CHECK(r3.f64(2) == -1.5e300);
  CHECK(r3.text(3).empty());
  CHECK_FALSE(r3.is_null(3));  // an empty string is not NULL
  CHECK(r3.bytes(4).empty());
  CHECK_FALSE(r3.is_null(4));

  const auto& r4 = res.rows[3];
  CHECK(r4.bytes(4) == blob{0});
  CHECK(r4.i64(1) == 0);

  // The table survived the text that looks like SQL.
  CHECK(tx->exec("SELECT COUNT(*) FROM vals").rows.at(0).i64(0) == 4);
}

TEST_CASE("storage: append writes rows exactly, in few rows and in many, all or nothing") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE app (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT, b " + blob_type(*b) + ")");
  static constexpr std::array<std::string_view, 5> cols{"id", "i", "d", "t", "b"};
  const std::string tricky = "tab\there\nnew line\r\\N back\\slash \\x00 'q' ünï ⚡";
  const blob bytes{0x00, 0x5c, 0x78, 0xff, 0x09, 0x0a};
  auto rows_of = [&](std::int64_t first, std::int64_t n) {
    std::vector<value> v;
    for (std::int64_t k = first; k < first + n; ++k) {
      v.emplace_back(k);
      v.push_back(k % 2 ? value{nullptr} : value{std::numeric_limits<std::int64_t>::min() + k});
      v.push_back(k % 3 ? value{0.1 * static_cast<double>(k)} : value{nullptr});
      v.push_back(k % 5 ? value{tricky + std::to_string(k)} : value{std::string()});
      v.push_back(k % 7 ? value{bytes} : value{blob()});
    }
    return v;
  };
  {
    auto tx = b->begin(tx_mode::write);
    tx->append("app", cols, rows_of(1, 2));     // a few: one INSERT each
    tx->append("app", cols, rows_of(3, 500));   // many: PostgreSQL's COPY
    tx->commit();
  }
  {
    auto tx = b->begin(tx_mode::read);
    auto res = tx->exec("SELECT id, i, d, t, b FROM app ORDER BY id");
    const auto want = rows_of(1, 502);
    REQUIRE(res.rows.size() == 502);
    for (std::size_t r = 0; r < res.rows.size(); ++r)
      for (std::size_t c = 0; c < cols.size(); ++c) {
        const auto& w = want[r * cols.size() + c];
        CAPTURE(r);
        CAPTURE(c);
        if (std::holds_alternative<std::nullptr_t>(w))
          CHECK(res.rows[r].is_null(c));
        else if (c == 2)
          CHECK(res.rows[r].f64(c) == std::get<double>(w));
        else if (c == 3)
          CHECK(res.rows[r].text(c) == std::get<std::string>(w));
        else if (c == 4)
          CHECK(res.rows[r].bytes(c) == std::get<blob>(w));
        else
          CHECK(res.rows[r].i64(c) == std::get<std::int64_t>(w));
      }
  }
  // A conflict anywhere in the rows fails the append; the transaction writes nothing.
  {
    auto tx = b->begin(tx_mode::write);
    CHECK_THROWS_AS(tx->append("app", cols, rows_of(450, 100)), segs::exception);  // 450..502 exist
  }
  {
    auto tx = b->begin(tx_mode::write);
    auto clash = rows_of(2000, 100);
    auto again = rows_of(2050, 1);
    clash.insert(clash.end(), again.begin(), again.end());
    CHECK_THROWS_AS(tx->append("app", cols, clash), segs::exception);
  }
  CHECK(scalar(*b, "SELECT COUNT(*) FROM app") == 502);
}

TEST_CASE("storage: append with a conflict clause upserts many rows") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE up (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, t TEXT NOT NULL)");
  static constexpr std::array<std::string_view, 3> cols{"id", "n", "t"};
  constexpr std::string_view clause = "ON CONFLICT (id) DO UPDATE SET n = excluded.n, t = excluded.t";
  auto rows_of = [](std::int64_t first, std::int64_t count, std::int64_t n) {
    std::vector<value> v;
    for (std::int64_t k = first; k < first + count; ++k) {
      v.emplace_back(k);
      v.emplace_back(n);
      v.emplace_back("row " + std::to_string(k) + " of " + std::to_string(n));
    }
    return v;
  };
  {
    auto tx = b->begin(tx_mode::write);
    tx->append("up", cols, rows_of(1, 100, 1));
    tx->commit();
  }
  {
    // 151 rows, 51 of them new: every chunk size of PostgreSQL's multi-row
    // INSERTs (64, 16, 4, 1) is used; a few rows go one INSERT each.
    auto tx = b->begin(tx_mode::write);
    tx->append("up", cols, rows_of(50, 151, 2), clause);
    tx->append("up", cols, rows_of(1, 2, 3), clause);
    tx->commit();
  }
  CHECK(scalar(*b, "SELECT COUNT(*) FROM up") == 200);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM up WHERE n = 3") == 2);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM up WHERE n = 2") == 151);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM up WHERE n = 1") == 47);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM up WHERE t = 'row ' || CAST(id AS TEXT) || ' of ' || CAST(n AS TEXT)") ==
        200);
}

TEST_CASE("storage: text with an embedded NUL is refused or kept exactly") {
  // PostgreSQL text cannot hold NUL; SQLite keeps it. Either way, never a
  // silently shortened string.
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE t (s TEXT)");
  const std::string with_nul = std::string("a\0b", 3);
  auto tx = b->begin(tx_mode::write);
  try {
    tx->exec("INSERT INTO t (s) VALUES ($1)", {with_nul});
  } catch (const segs::exception&) {
    CHECK(b->dialect() == "postgres");
    return;
  }
  CHECK(tx->exec("SELECT s FROM t").rows.at(0).text(0) == with_nul);
}

TEST_CASE("storage: $N parameters may appear out of order and repeated") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE kv (k TEXT PRIMARY KEY, a BIGINT NOT NULL, b BIGINT NOT NULL)");
  auto tx = b->begin(tx_mode::write);
  tx->exec("INSERT INTO kv (k, a, b) VALUES ($3, $2, $1)", {std::int64_t{10}, std::int64_t{20}, std::string("x")});
  tx->exec("INSERT INTO kv (k, a, b) VALUES ($1, $2, $2)", {std::string("y"), std::int64_t{7}});
  auto res = tx->exec("SELECT k, a, b FROM kv WHERE a = $1 OR b = $1 ORDER BY k", {std::int64_t{7}});
  REQUIRE(res.rows.size() == 1);
  CHECK(res.rows[0].text(0) == "y");
  CHECK(res.rows[0].i64(1) == 7);
  CHECK(res.rows[0].i64(2) == 7);
  auto x = tx->exec("SELECT a, b FROM kv WHERE k = $1", {std::string("x")});
  REQUIRE(x.rows.size() == 1);
  CHECK(x.rows[0].i64(0) == 20);
  CHECK(x.rows[0].i64(1) == 10);
  // The same statement text again, with other values (prepared-statement reuse).
  CHECK(tx->exec("SELECT a, b FROM kv WHERE k = $1", {std::string("y")}).rows.at(0).i64(0) == 7);
  CHECK(tx->exec("SELECT a, b FROM kv WHERE k = $1", {std::string("none")}).rows.empty());
  tx->commit();
}

TEST_CASE("storage: a parameter count that does not match the statement is refused") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE p (a BIGINT)");
  {
    auto tx = b->begin(tx_mode::write);
    CHECK_THROWS_AS(tx->exec("INSERT INTO p (a) VALUES ($1)"), segs::exception);
  }
  {
    auto tx = b->begin(tx_mode::write);
    CHECK_THROWS_AS(tx->exec("INSERT INTO p (a) VALUES ($2)", {std::int64_t{1}}), segs::exception);
  }
  if (b->dialect() == "sqlite") {
    auto tx = b->begin(tx_mode::write);
    auto e = error_of([&] { tx->exec("INSERT INTO p (a) VALUES ($1)", {std::int64_t{1}, std::int64_t{2}}); });
    CHECK(e.code == errc::internal);
    CHECK(e.message.find("$2") != std::string::npos);
    // Non-portable placeholders are a store bug.
    auto q = error_of([&] { tx->exec("INSERT INTO p (a) VALUES (?)", {std::int64_t{1}}); });
    CHECK(q.code == errc::internal);
  }
  CHECK(scalar(*b, "SELECT COUNT(*) FROM p") == 0);
}

TEST_CASE("storage: affected counts") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE a (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
  auto tx = b->begin(tx_mode::write);
  for (std::int64_t i = 1; i <= 3; ++i)
    CHECK(tx->exec("INSERT INTO a (id, v) VALUES ($1, $2)", {i, i % 2}).affected == 1);
  CHECK(tx->exec("UPDATE a SET v = 5 WHERE v = $1", {std::int64_t{1}}).affected == 2);
  // A statement that changes nothing reports 0, even right after one that did.
  CHECK(tx->exec("UPDATE a SET v = 6 WHERE id = $1", {std::int64_t{99}}).affected == 0);
  CHECK(tx->exec("UPDATE a SET v = 7 WHERE id = $1", {std::int64_t{1}}).affected == 1);
  CHECK(tx->exec("SELECT id FROM a").affected == 0);
  CHECK(tx->exec("DELETE FROM a WHERE id >= $1", {std::int64_t{2}}).affected == 2);
  CHECK(tx->exec("DELETE FROM a WHERE id >= $1", {std::int64_t{2}}).affected == 0);
  tx->commit();
}

TEST_CASE("storage: RETURNING gives back rows") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE r (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
  auto tx = b->begin(tx_mode::write);
  auto ins = tx->exec("INSERT INTO r (id, n) VALUES ($1, $2) RETURNING id, n", {std::int64_t{1}, std::int64_t{41}});
  REQUIRE(ins.rows.size() == 1);
  CHECK(ins.rows[0].i64(0) == 1);
  CHECK(ins.rows[0].i64(1) == 41);
  CHECK(ins.affected == 1);
  tx->exec("INSERT INTO r (id, n) VALUES ($1, $2)", {std::int64_t{2}, std::int64_t{1}});
  auto upd = tx->exec("UPDATE r SET n = n + 1 RETURNING n");
  CHECK(upd.affected == 2);
  REQUIRE(upd.rows.size() == 2);
  std::vector<std::int64_t> ns{upd.rows[0].i64(0), upd.rows[1].i64(0)};
  std::sort(ns.begin(), ns.end());
  CHECK(ns == std::vector<std::int64_t>{2, 42});
  auto none = tx->exec("DELETE FROM r WHERE id = $1 RETURNING id", {std::int64_t{9}});
  CHECK(none.rows.empty());
  CHECK(none.affected == 0);
  tx->commit();
}

TEST_CASE("storage: constraint violations map to neutral codes") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b,
         "CREATE TABLE parent (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
         "  n BIGINT CHECK (n >= 0));"
         "CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parent (id))");
  {
    auto tx = b->begin(tx_mode::write);
    tx->exec("INSERT INTO parent (id, email, n) VALUES ($1, $2, $3)",
             {std::int64_t{1}, std::string("a@example.org"), std::int64_t{0}});
    tx->commit();
  }
  const std::string dialect(b->dialect());

  SUBCASE("unique") {
    auto tx = b->begin(tx_mode::write);
    auto e = error_of([&] {
      tx->exec("INSERT INTO parent (id, email) VALUES ($1, $2)", {std::int64_t{2}, std::string("a@example.org")});
    });
    CHECK(e.code == errc::conflict);
    CHECK(e.detail.find(dialect) == 0);
    CHECK(e.detail.find(dialect == "sqlite" ? "SQLITE_CONSTRAINT_UNIQUE" : "23505") != std::string::npos);
    // No bound value leaks into the error.
    CHECK(e.detail.find("a@example.org") == std::string::npos);
    CHECK(e.message.find("a@example.org") == std::string::npos);
  }
  SUBCASE("primary key") {
    auto tx = b->begin(tx_mode::write);
    auto e = error_of([&] {
      tx->exec("INSERT INTO parent (id, email) VALUES ($1, $2)", {std::int64_t{1}, std::string("b@example.org")});
    });
    CHECK(e.code == errc::conflict);
    CHECK(e.detail.find(dialect) == 0);
  }
  SUBCASE("not null") {
    auto tx = b->begin(tx_mode::write);
    auto e = error_of([&] { tx->exec("INSERT INTO parent (id, email) VALUES ($1, $2)", {std::int64_t{3}, nullptr}); });
    CHECK(e.code == errc::validation_error);
    CHECK(e.detail.find(dialect) == 0);
  }
  SUBCASE("check") {
    auto tx = b->begin(tx_mode::write);
    auto e = error_of([&] {
      tx->exec("INSERT INTO parent (id, email, n) VALUES ($1, $2, $3)",
               {std::int64_t{4}, std::string("c@example.org"), std::int64_t{-1}});
    });
    CHECK(e.code == errc::validation_error);
  }
  SUBCASE("foreign key") {
    auto tx = b->begin(tx_mode::write);
    auto e = error_of([&] {
      tx->exec("INSERT INTO child (id, parent_id) VALUES ($1, $2)", {std::int64_t{1}, std::int64_t{99}});
    });
    CHECK(e.code == errc::conflict);
    CHECK(e.detail.find(dialect) == 0);
  }
  SUBCASE("syntax error is internal") {
    auto tx = b->begin(tx_mode::write);
    CHECK(error_of([&] { tx->exec("SELEKT 1"); }).code == errc::internal);
  }
  // Whatever failed was rolled back with its transaction.
  CHECK(scalar(*b, "SELECT COUNT(*) FROM parent") == 1);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM child") == 0);
}

TEST_CASE("storage: a transaction dropped without commit rolls back") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE rb (id BIGINT PRIMARY KEY)");
  {
    auto tx = b->begin(tx_mode::write);
    tx->exec("INSERT INTO rb (id) VALUES ($1)", {std::int64_t{1}});
    CHECK(tx->exec("SELECT COUNT(*) FROM rb").rows.at(0).i64(0) == 1);  // its own write
  }
  CHECK(scalar(*b, "SELECT COUNT(*) FROM rb") == 0);
  // An exception inside storage::run rolls back too.
  CHECK_THROWS_AS(segs::storage::run(*b, tx_mode::write, 3,
                                     [](segs::storage::transaction& tx) {
                                       tx.exec("INSERT INTO rb (id) VALUES ($1)", {std::int64_t{2}});
                                       throw segs::exception(segs::make_error(errc::conflict, "stop"));
                                     }),
                  segs::exception);
  CHECK(scalar(*b, "SELECT COUNT(*) FROM rb") == 0);
  // The backend is still usable afterwards.
  segs::storage::run(*b, tx_mode::write, 3, [](segs::storage::transaction& tx) {
    tx.exec("INSERT INTO rb (id) VALUES ($1)", {std::int64_t{3}});
  });
  CHECK(scalar(*b, "SELECT COUNT(*) FROM rb") == 1);
}

TEST_CASE("storage: a finished transaction refuses further use") {
  fresh_database db;
  auto b = segs_test::open(db);
  auto tx = b->begin(tx_mode::write);
  tx->exec("CREATE TABLE f (id BIGINT)");
  tx->commit();
  CHECK_THROWS_AS(tx->exec("SELECT COUNT(*) FROM f"), segs::exception);
  CHECK_THROWS_AS(tx->commit(), segs::exception);
}

TEST_CASE("storage: committed writes are visible to later transactions") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE vis (id BIGINT PRIMARY KEY, s TEXT NOT NULL)");
  {
    auto tx = b->begin(tx_mode::write);
    tx->exec("INSERT INTO vis (id, s) VALUES ($1, $2)", {std::int64_t{1}, std::string("one")});
    tx->commit();
  }
  {
    auto tx = b->begin(tx_mode::read);
    auto res = tx->exec("SELECT s FROM vis WHERE id = $1", {std::int64_t{1}});
    REQUIRE(res.rows.size() == 1);
    CHECK(res.rows[0].text(0) == "one");
  }
  if (!segs_test::shared_database()) return;

  // Another backend on the same database: uncommitted writes stay invisible
  // to it, committed ones appear.
  auto other = segs_test::open(db);
  auto writer = b->begin(tx_mode::write);
  writer->exec("INSERT INTO vis (id, s) VALUES ($1, $2)", {std::int64_t{2}, std::string("two")});
  CHECK(scalar(*other, "SELECT COUNT(*) FROM vis") == 1);
  writer->commit();
  CHECK(scalar(*other, "SELECT COUNT(*) FROM vis") == 2);
}

TEST_CASE("storage: a read transaction sees one snapshot") {
  fresh_database db;
  if (!segs_test::shared_database()) return;  // one connection: no concurrent writer possible
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE snap (id BIGINT PRIMARY KEY); INSERT INTO snap (id) VALUES (1)");
  auto reader = b->begin(tx_mode::read);
  CHECK(reader->exec("SELECT COUNT(*) FROM snap").rows.at(0).i64(0) == 1);
  {
    auto w = b->begin(tx_mode::write);
    w->exec("INSERT INTO snap (id) VALUES ($1)", {std::int64_t{2}});
    w->commit();
  }
  CHECK(reader->exec("SELECT COUNT(*) FROM snap").rows.at(0).i64(0) == 1);
  reader->commit();
  CHECK(scalar(*b, "SELECT COUNT(*) FROM snap") == 2);
}

TEST_CASE("storage: concurrent writers lose no update") {
  fresh_database db;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
             "INSERT INTO counter (id, n) VALUES (1, 0)");
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::vector<std::int64_t>> seen(kThreads);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          auto n = segs::storage::run(*b, tx_mode::write, 10, [](segs::storage::transaction& tx) {
            auto res = tx.exec("UPDATE counter SET n = n + 1 WHERE id = $1 RETURNING n", {std::int64_t{1}});
            return res.rows.at(0).i64(0);
          });
          seen[static_cast<std::size_t>(t)].push_back(n);
        } catch (const std::exception& e) {
          ++errors;
          MESSAGE(e.what());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(errors.load() == 0);
  CHECK(scalar(*b, "SELECT n FROM counter WHERE id = 1") == kThreads * kEach);
  // Every increment saw a distinct value: the writers were serialized.
  std::vector<std::int64_t> all;
  for (const auto& v : seen) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i] == static_cast<std::int64_t>(i + 1));
}

TEST_CASE("storage: readers run while a writer holds its transaction") {
  fresh_database db;
  if (!segs_test::shared_database()) return;
  auto b = segs_test::open(db);
  script(*b, "CREATE TABLE rw (id BIGINT PRIMARY KEY); INSERT INTO rw (id) VALUES (1)");
  auto writer = b->begin(tx_mode::write);
  writer->exec("INSERT INTO rw (id) VALUES ($1)", {std::int64_t{2}});
  std::int64_t seen = -1;
  std::thread reader([&] { seen = scalar(*b, "SELECT COUNT(*) FROM rw"); });
  reader.join();
  CHECK(seen == 1);
  writer->commit();
}

TEST_CASE("storage: exec_script runs several statements") {
  fresh_database db;
  auto b = segs_test::open(db);
  auto tx = b->begin(tx_mode::write);
  tx->exec_script(
      "CREATE TABLE s1 (id BIGINT PRIMARY KEY);\n"
      "-- a comment; with a semicolon\n"
      "INSERT INTO s1 (id) VALUES (1);\n"
      "INSERT INTO s1 (id) VALUES (2);\n");
  CHECK(tx->exec("SELECT COUNT(*) FROM s1").rows.at(0).i64(0) == 2);
  CHECK(error_of([&] { tx->exec_script("INSERT INTO s1 (id) VALUES (3); INSERT INTO s1 (id) VALUES (1);"); }).code ==
        errc::conflict);
}

TEST_CASE("storage: row accessors refuse the wrong type") {
  const segs::storage::row r({value{std::int64_t{5}}, value{std::string("x")}, value{nullptr}, value{1.5},
                              value{blob{1, 2}}});
  CHECK(r.size() == 5);
  CHECK(r.i64(0) == 5);
  CHECK(r.boolean(0));
  CHECK(r.text(1) == "x");
  CHECK(r.is_null(2));
  CHECK(r.f64(3) == 1.5);
  CHECK(r.bytes(4) == blob{1, 2});
  CHECK(r.opt_text(1) == std::string("x"));
  CHECK_FALSE(r.opt_i64(2).has_value());

  auto e = error_of([&] { (void)r.i64(1); });
  CHECK(e.code == errc::internal);
  CHECK(e.message.find("column 1") != std::string::npos);
  CHECK(error_of([&] { (void)r.text(0); }).message.find("column 0") != std::string::npos);
  CHECK(error_of([&] { (void)r.bytes(1); }).code == errc::internal);
  CHECK(error_of([&] { (void)r.i64(2); }).code == errc::internal);  // NULL is not an integer
  CHECK(error_of([&] { (void)r.opt_i64(1); }).code == errc::internal);
  CHECK(error_of([&] { (void)r.at(5); }).message.find("column 5") != std::string::npos);
  // Identifiers: UUID text, anything else is refused naming the column.
  const auto u = segs::uuid::parse("0190a1b2-0000-7000-8000-000000000001").value();
  const segs::storage::row ids({value{u.to_string()}, value{std::string("not-a-uuid")}});
  CHECK(ids.id(0) == u);
  CHECK(error_of([&] { (void)ids.id(1); }).message.find("column 1") != std::string::npos);
  CHECK(error_of([&] { (void)r.id(0); }).code == errc::internal);
}
