// A store reads an enum column through its name table: text the library
// never writes is `internal` naming the column, not a silent default.
#include "storage/migrations.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/market_store.hpp"
#include "storage/util.hpp"

#include <chrono>
#include <string>

using segs::errc;
using segs::storage::tx_mode;
using segs_test::error_of;
using segs_test::fresh_database;

namespace {

// The migrations give every enum column a CHECK of its names, so the bad
// value goes in around it: PostgreSQL drops the column's CHECK (named
// <table>_<column>_check, PostgreSQL's name for an inline one) and SQLite
// ignores CHECKs on this connection while it writes. What a hand edit or a
// newer library version could leave behind is then in the row.
void write_unchecked(segs::storage::backend& b, const std::string& table, const std::string& column,
                     const std::string& text) {
  auto tx = b.begin(tx_mode::write);
  const bool pg = b.dialect() == "postgres";
  if (pg)
    tx->exec_script("ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_" + column + "_check");
  else
    tx->exec_script("PRAGMA ignore_check_constraints = ON");
  tx->exec("UPDATE " + table + " SET " + column + " = $1", {text});
  if (!pg) tx->exec_script("PRAGMA ignore_check_constraints = OFF");
  tx->commit();
}

std::unique_ptr<segs::storage::backend> migrated(const fresh_database& db) {
  auto b = segs_test::open(db);
  segs::storage::migrate(*b, segs::storage::embedded_migrations(b->dialect()));
  return b;
}

}  // namespace

TEST_CASE("stores: an unknown users.status is internal naming the column") {
  fresh_database db;
  auto b = migrated(db);
  const auto now = segs::from_micros(1'750'000'000'000'000);
  segs::storage::identity::user_row u;
  u.user.id = segs::uuid::parse("01890a5d-ac96-774b-bcce-b302099a8057").value();
  u.user.email = "ada@example.com";
  u.user.name = "Ada";
  u.user.role = "consumer";
  u.user.region = "north";
  u.user.department = "eng";
  u.user.status = segs::user_status::active;
  u.user.created_at = u.user.updated_at = now;
  {
    auto tx = b->begin(tx_mode::write);
    segs::storage::identity::upsert_role(*tx, {"consumer", {}, segs::role_scope::self, true, true}, now);
    segs::storage::identity::insert_user(*tx, u);
    tx->commit();
  }
  write_unchecked(*b, "users", "status", "frozen");

  auto tx = b->begin(tx_mode::read);
  const auto err = error_of([&] { (void)segs::storage::identity::find_user(*tx, u.user.id); });
  CHECK(err.code == errc::internal);
  CHECK(err.field == "status");
  CHECK(err.message == "users.status holds an unknown value: frozen");
  // A listing decodes the same way: the row is refused, not shown as pending.
  segs::user_query q;
  q.include_deleted = true;
  CHECK(error_of([&] { (void)segs::storage::identity::list_users(*tx, q); }).field == "status");
}

TEST_CASE("stores: an unknown market_slots.state is internal naming the column") {
  fresh_database db;
  auto b = migrated(db);
  segs::detail::slot_record s;
  s.region = "north";
  s.start = segs::from_micros(1'750'000'000'000'000);
  s.gate_at = s.start - std::chrono::minutes(5);
  {
    auto tx = b->begin(tx_mode::write);
    segs::storage::market::insert_slot(*tx, s);
    tx->commit();
  }
  {
    // Before: the row reads back as written.
    auto tx = b->begin(tx_mode::read);
    auto found = segs::storage::market::find_slot(*tx, "north", s.start);
    REQUIRE(found);
    CHECK(found->state == segs::detail::slot_state::open);
  }
  write_unchecked(*b, "market_slots", "state", "paused");

  auto tx = b->begin(tx_mode::read);
  const auto err = error_of([&] { (void)segs::storage::market::find_slot(*tx, "north", s.start); });
  CHECK(err.code == errc::internal);
  CHECK(err.field == "state");
  CHECK(err.message == "market_slots.state holds an unknown value: paused");
}
