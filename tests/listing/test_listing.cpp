// The store helper of every listing (src/storage/stores/listing.hpp) on a
// real table of the backend under test: the total, full and partial pages,
// a page past the end, a stable order across pages, and derived tables
// with parameters of their own (the shape of the market's trade listing).
#include "storage/stores/filter.hpp"
#include "storage/stores/listing.hpp"
#include "storage/util.hpp"

#include <segs/error.hpp>
#include <segs/page.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

using segs::page_request;
using segs::storage::fetch_page;
using segs::storage::filter;
using segs::storage::listing_query;
using segs::storage::row;
using segs::storage::to_page;
using segs::storage::tx_mode;
using segs_test::error_of;
using segs_test::fresh_database;

namespace {

struct probe {
  std::int64_t id = 0;
  std::int64_t score = 0;
};

/// 23 rows: odd ids in group "a" (12 rows), even ids in group "b" (11);
/// scores repeat every 5 ids, so ordering by score alone would tie.
void fill(segs::storage::backend& b) {
  segs_test::script(b,
                    "CREATE TABLE listing_probe (id BIGINT PRIMARY KEY, grp TEXT NOT NULL, "
                    "score BIGINT NOT NULL)");
  auto tx = b.begin(tx_mode::write);
  for (std::int64_t id = 1; id <= 23; ++id)
    tx->exec("INSERT INTO listing_probe (id, grp, score) VALUES ($1, $2, $3)",
             {id, std::string(id % 2 ? "a" : "b"), id % 5});
  tx->commit();
}

/// Group `grp`, by score and then id (unique: ties never reorder).
listing_query of_group(const std::string& grp) {
  filter f;
  f.add("grp = ?", grp);
  return {.select = "id, score",
          .from = "listing_probe" + f.where(),
          .params = f.params(),
          .order_by = "score, id"};
}

segs::page<probe> read(segs::storage::backend& b, const listing_query& q, page_request r) {
  auto tx = b.begin(tx_mode::read);
  return to_page<probe>(fetch_page(*tx, q, r),
                        [](const row& x) { return probe{x.i64(0), x.i64(1)}; });
}

std::vector<std::int64_t> ids(const segs::page<probe>& p) {
  std::vector<std::int64_t> out;
  for (const auto& x : p.items) out.push_back(x.id);
  return out;
}

}  // namespace

TEST_CASE("listing: total, full pages, the last partial page and a page past the end") {
  fresh_database db;
  auto b = segs_test::open(db);
  fill(*b);
  const auto q = of_group("a");

  auto first = read(*b, q, {.page = 1, .per_page = 5});
  CHECK(first.total == 12);
  CHECK(first.page == 1);
  CHECK(first.per_page == 5);
  CHECK(first.total_pages() == 3);
  // Scores of the odd ids: 1,3,0,2,4,1,3,0,2,4,1,3 -> score 0 first (5, 15), ids break ties.
  CHECK(ids(first) == std::vector<std::int64_t>{5, 15, 1, 11, 21});

  auto second = read(*b, q, {.page = 2, .per_page = 5});
  CHECK(second.total == 12);
  CHECK(ids(second) == std::vector<std::int64_t>{7, 17, 3, 13, 23});

  auto last = read(*b, q, {.page = 3, .per_page = 5});
  CHECK(last.total == 12);
  CHECK(last.page == 3);
  CHECK(ids(last) == std::vector<std::int64_t>{9, 19});

  auto past = read(*b, q, {.page = 4, .per_page = 5});
  CHECK(past.items.empty());
  CHECK(past.total == 12);
  CHECK(past.page == 4);
  CHECK(past.total_pages() == 3);
  auto far = read(*b, q, {.page = 1'000'000, .per_page = 100});
  CHECK(far.items.empty());
  CHECK(far.total == 12);
}

TEST_CASE("listing: pages in order are the whole listing, each row once, every time") {
  fresh_database db;
  auto b = segs_test::open(db);
  fill(*b);
  const auto q = of_group("b");
  auto whole = read(*b, q, {.page = 1, .per_page = 100});
  REQUIRE(whole.total == 11);
  REQUIRE(whole.items.size() == 11);
  for (std::size_t i = 1; i < whole.items.size(); ++i) {
    const auto& a = whole.items[i - 1];
    const auto& c = whole.items[i];
    CHECK((a.score < c.score || (a.score == c.score && a.id < c.id)));
  }
  for (int per_page : {1, 2, 3, 4, 10, 11}) {
    CAPTURE(per_page);
    std::vector<std::int64_t> joined;
    for (int page = 1; page <= (11 + per_page - 1) / per_page; ++page) {
      auto p = read(*b, q, {.page = page, .per_page = per_page});
      CHECK(p.total == 11);
      CHECK(p.items.size() <= static_cast<std::size_t>(per_page));
      // Asking again answers the same page.
      CHECK(ids(read(*b, q, {.page = page, .per_page = per_page})) == ids(p));
      for (auto id : ids(p)) joined.push_back(id);
    }
    CHECK(joined == ids(whole));
    CHECK(std::set<std::int64_t>(joined.begin(), joined.end()).size() == joined.size());
  }
}

TEST_CASE("listing: an empty listing has no rows and no pages") {
  fresh_database db;
  auto b = segs_test::open(db);
  fill(*b);
  auto none = read(*b, of_group("no such group"), {.page = 1, .per_page = 20});
  CHECK(none.total == 0);
  CHECK(none.items.empty());
  CHECK(none.total_pages() == 0);
}

TEST_CASE("listing: filter values are parameters, never SQL text") {
  fresh_database db;
  auto b = segs_test::open(db);
  fill(*b);
  auto hostile = read(*b, of_group("a' OR '1' = '1"), {.page = 1, .per_page = 20});
  CHECK(hostile.total == 0);
  CHECK(hostile.items.empty());
}

TEST_CASE("listing: a derived table with its own parameters (two rows per matching id)") {
  fresh_database db;
  auto b = segs_test::open(db);
  fill(*b);
  // Like the market's trade history: one row per side, $1 used in both
  // halves, a further filter as $2, and the LIMIT/OFFSET bound after them.
  const std::string half = " FROM listing_probe WHERE grp = $1 AND score >= $2";
  listing_query q{.select = "id, side",
                  .from = "(SELECT id, 'x' AS side" + half + " UNION ALL SELECT id, 'y' AS side" +
                          half + ") AS t",
                  .params = {std::string("b"), std::int64_t{3}},
                  .order_by = "id DESC, side"};
  // Group b with score >= 3: ids 4, 8, 14, 18 -> eight rows.
  auto tx = b->begin(tx_mode::read);
  auto p = fetch_page(*tx, q, {.page = 2, .per_page = 3});
  CHECK(p.total == 8);
  REQUIRE(p.rows.size() == 3);
  // 18x 18y 14x | 14y 8x 8y | 4x 4y
  CHECK(p.rows[0].i64(0) == 14);
  CHECK(p.rows[0].text(1) == "y");
  CHECK(p.rows[1].i64(0) == 8);
  CHECK(p.rows[1].text(1) == "x");
  CHECK(p.rows[2].i64(0) == 8);
  CHECK(p.rows[2].text(1) == "y");
  CHECK(p.request.page == 2);
  CHECK(p.request.per_page == 3);
}

TEST_CASE("listing: a page request that breaks the paging rule reads nothing") {
  fresh_database db;
  auto b = segs_test::open(db);
  fill(*b);
  auto tx = b->begin(tx_mode::read);
  const auto q = of_group("a");
  auto zero = error_of([&] { (void)fetch_page(*tx, q, {.page = 0, .per_page = 5}); });
  CHECK(zero.code == segs::errc::validation_error);
  CHECK(zero.field == "page");
  auto big = error_of([&] { (void)fetch_page(*tx, q, {.page = 1, .per_page = 101}); });
  CHECK(big.code == segs::errc::validation_error);
  CHECK(big.field == "per_page");
}
