// Durability of the market: books rebuilt on open, failed writes leave no
// trace, and a process killed mid-stream loses nothing it acknowledged.
#include "market_service/market_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

using namespace segs_test;
using segs::errc;
using segs::order_side;
using segs::order_status;

namespace {

bool same_levels(const std::vector<segs::book_level>& a, const std::vector<segs::book_level>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].price != b[i].price || a[i].quantity != b[i].quantity || a[i].orders != b[i].orders) return false;
  return true;
}

// Every order of `who`, all pages.
std::vector<segs::order> all_orders(segs::market_service& m, const segs::principal& who) {
  std::vector<segs::order> out;
  segs::order_query q;
  q.per_page = 100;
  for (q.page = 1;; ++q.page) {
    auto p = m.orders(who, q).value();
    out.insert(out.end(), p.items.begin(), p.items.end());
    if (q.page >= p.total_pages()) break;
  }
  return out;
}

// The depth implied by stored live orders, to compare with the book.
std::pair<std::vector<segs::book_level>, std::vector<segs::book_level>> depth_of(
    const std::vector<segs::order>& orders) {
  std::map<std::int64_t, segs::book_level, std::greater<>> bids;
  std::map<std::int64_t, segs::book_level> asks;
  for (const auto& o : orders) {
    if (o.remaining.wh == 0) continue;
    auto& l = o.side == order_side::buy ? bids[o.price->micros] : asks[o.price->micros];
    l.price = *o.price;
    l.quantity.wh += o.remaining.wh;
    ++l.orders;
  }
  std::pair<std::vector<segs::book_level>, std::vector<segs::book_level>> out;
  for (auto& [p, l] : bids) out.first.push_back(l);
  for (auto& [p, l] : asks) out.second.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("market: reopening the grid rebuilds every book exactly, priorities included") {
  if (current_backend() == "sqlite-memory") return;  // a private database per open
  market_fixture f;
  f.made("seller-south@example.org", "prosumer", "south");
  auto seller_south = f.as("seller-south@example.org");
  segs::market_settings_update epoch;
  epoch.mechanism = segs::market_mechanism::epoch;
  REQUIRE(f.market().configure(f.admin, "south", epoch));
  const auto s = f.slot();

  auto a = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  auto b = f.place(f.seller2, f.limit(order_side::sell, 1000, 200'000, s));
  auto c = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.seller2, f.limit(order_side::sell, 700, 210'000, s));
  f.place(f.buyer, f.limit(order_side::buy, 300, 200'000, s));                 // a: 700 left
  REQUIRE(f.market().modify(f.seller, a.id, {segs::energy{900}, std::nullopt}));  // a loses priority
  REQUIRE(f.market().modify(f.seller2, b.id, {segs::energy{800}, std::nullopt})); // b keeps it
  auto gone = f.place(f.buyer2, f.limit(order_side::buy, 500, 190'000, s));
  REQUIRE(f.market().cancel(f.buyer2, gone.id));
  f.place(f.buyer2, f.limit(order_side::buy, 400, 180'000, s));
  f.place(seller_south, f.limit(order_side::sell, 1000, 150'000, s));
  f.place(f.consumer_south, f.limit(order_side::buy, 600, 300'000, s));

  const auto north = f.market().book(f.buyer, s, std::nullopt, 100).value();
  const auto south = f.market().book(f.consumer_south, s, std::nullopt, 100).value();
  const auto tape = f.market().matches(f.admin, s).value();

  f.grid.reset();
  f.grid = f.open();

  const auto north2 = f.market().book(f.buyer, s, std::nullopt, 100).value();
  const auto south2 = f.market().book(f.consumer_south, s, std::nullopt, 100).value();
  CHECK(same_levels(north.bids, north2.bids));
  CHECK(same_levels(north.asks, north2.asks));
  CHECK(north.sequence == north2.sequence);
  CHECK(same_levels(south.bids, south2.bids));
  CHECK(same_levels(south.asks, south2.asks));
  CHECK(south.sequence == south2.sequence);
  CHECK(f.market().matches(f.admin, s)->size() == tape.size());

  // Time priority survived: at 0.20, b (800) then c (1000) then a (900).
  auto sweep = f.place(f.buyer, f.limit(order_side::buy, 2700, 200'000, s));
  REQUIRE(sweep.trades.size() == 3);
  CHECK(sweep.trades[0].quantity == segs::energy{800});
  CHECK(sweep.trades[1].quantity == segs::energy{1000});
  CHECK(sweep.trades[2].quantity == segs::energy{900});
  CHECK(f.market().get_order(f.seller, a.id)->status == order_status::filled);
  CHECK(f.market().get_order(f.seller, c.id)->status == order_status::filled);
  // The epoch slot still clears after the reopen.
  auto r = f.market().clear(f.admin, "south", s).value();
  CHECK(r.cleared == segs::energy{600});
  CHECK(r.clearing_price == segs::money{225'000});  // the middle of [0.15, 0.30]
}

TEST_CASE("market: a failure at any statement of a crossing order leaves book and storage as they were") {
  market_fixture f(grid_fixture::with_faults);
  const auto s = f.slot();
  auto resting = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  f.place(f.seller2, f.limit(order_side::sell, 1000, 210'000, s));
  for (int nth = 1;; ++nth) {
    CAPTURE(nth);
    REQUIRE(nth < 40);
    f.fault->fail_at(f.fault->statements() + nth);
    auto r = f.market().submit(f.buyer, f.limit(order_side::buy, 1500, 210'000, s));
    f.fault->disarm();
    if (r) {
      CHECK(r->status == order_status::filled);
      CHECK(r->trades.size() == 2);
      CHECK(nth > 1);  // the journal entry, then the commit: each failed first
      break;
    }
    CHECK(r.error().code == errc::unavailable);
    auto book = f.market().book(f.buyer, s).value();
    REQUIRE(book.asks.size() == 2);
    CHECK(book.asks[0].quantity == segs::energy{1000});
    CHECK(book.asks[1].quantity == segs::energy{1000});
    CHECK(book.bids.empty());
    CHECK(f.market().get_order(f.seller, resting.id)->remaining == segs::energy{1000});
    CHECK(f.market().history(f.buyer, {})->total == 0);
    CHECK(f.market().orders(f.buyer, {})->total == 0);
  }
  // The order is in the journal; its rows are written by the next read. A
  // failure at any statement of that write fails the read and loses nothing.
  const auto fills_of = [&] {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& t : f.market().history(f.buyer, {}).value().items)
      out.emplace_back(t.id.to_string(), t.quantity.wh);
    return out;
  };
  std::vector<std::pair<std::string, std::int64_t>> expected;
  for (int nth = 1;; ++nth) {
    CAPTURE(nth);
    REQUIRE(nth < 40);
    f.fault->fail_at(f.fault->statements() + nth);
    auto h = f.market().history(f.buyer, {});
    f.fault->disarm();
    if (h) {
      CHECK(nth > 5);  // slot, order, makers, trades, mark, journal trim: each failed first
      REQUIRE(h->total == 2);
      for (const auto& t : h->items) expected.emplace_back(t.id.to_string(), t.quantity.wh);
      break;
    }
    CHECK(h.error().code == errc::unavailable);
  }
  CHECK(f.market().book(f.buyer, s)->asks.size() == 1);
  CHECK(f.market().get_order(f.seller, resting.id)->status == order_status::filled);
  CHECK(fills_of() == expected);
  // A failed commit of a clearing leaves the slot open; the next one closes it.
  f.fault->fail_commit(true);
  CHECK_FALSE(f.market().clear(f.op, "north", s));
  f.fault->fail_commit(false);
  CHECK(f.market().book(f.buyer, s)->asks.size() == 1);
  CHECK(f.market().clear(f.op, "north", s));
  CHECK(f.market().book(f.buyer, s)->asks.empty());
}

TEST_CASE("market: a process killed mid-stream loses nothing it acknowledged") {
  if (current_backend() == "sqlite-memory") return;  // nothing outlives the process
  market_fixture f;
  const auto s = f.slot();
  f.grid.reset();  // the child process owns the market while it runs

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto g = segs::grid::open(f.db.url(), f.opts);
    if (!g) ::_exit(3);
    std::mt19937_64 rng(42);
    const segs::principal* traders[] = {&f.seller, &f.seller2, &f.buyer, &f.buyer2};
    for (int i = 0; i < 100'000; ++i) {
      const auto& who = *traders[rng() % 4];
      const auto side = who.role == "prosumer" ? order_side::sell : order_side::buy;
      auto o = f.limit(side, 100 + static_cast<std::int64_t>(rng() % 900),
                       (195'000 + static_cast<std::int64_t>(rng() % 100) * 100), s);
      auto r = (*g)->market().submit(who, o);
      if (!r) ::_exit(4);
      // Acknowledged: the caller now knows of the order and its fills.
      std::string line = r->id.to_string() + " " + std::to_string(r->filled.wh) + " " +
                         std::to_string(r->trades.size());
      for (const auto& t : r->trades) line += " " + t.id.to_string() + " " + std::to_string(t.quantity.wh);
      line += "\n";
      if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(5);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string acked;
  char buf[4096];
  while (std::count(acked.begin(), acked.end(), '\n') < 300) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<std::size_t>(n));
  }
  {
    // While the child runs north's market, another grid may not.
    auto probe = f.open();
    auto r = probe->market().submit(f.buyer, f.limit(order_side::buy, 100, 200'000, s));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::unavailable);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (;;) {  // what the child wrote before it died was acknowledged too
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  REQUIRE(WIFSIGNALED(status));

  f.grid = f.open();
  std::istringstream in(acked);
  std::string id;
  long long filled = 0;
  std::size_t n_acked = 0, n_fills = 0;
  std::map<std::string, std::int64_t> acked_trades;  // id -> Wh, as the child was answered
  while (in >> id >> filled >> n_fills) {
    for (std::size_t i = 0; i < n_fills; ++i) {
      std::string tid;
      long long q = 0;
      in >> tid >> q;
      acked_trades.emplace(tid, q);
    }
    if (!in) break;  // the last line may be cut short by the kill
    auto o = f.market().get_order(f.admin, segs::uuid::parse(id).value());
    REQUIRE_MESSAGE(o.has_value(), "acknowledged order " << id << " is missing");
    CHECK(o->filled.wh >= filled);
    ++n_acked;
  }
  CHECK(n_acked >= 300);
  CHECK(acked_trades.size() >= 100);

  std::vector<segs::order> stored;
  for (const auto* who : {&f.seller, &f.seller2, &f.buyer, &f.buyer2}) {
    auto mine = all_orders(f.market(), *who);
    stored.insert(stored.end(), mine.begin(), mine.end());
  }
  // At most the order in flight when the process died was stored unacknowledged.
  CHECK(stored.size() - n_acked <= 1);
  // The rebuilt book is exactly the stored live orders; bought = sold.
  const auto book = f.market().book(f.admin, s, std::nullopt, 1000).value();
  const auto [bids, asks] = depth_of(stored);
  CHECK(same_levels(book.bids, bids));
  CHECK(same_levels(book.asks, asks));
  std::int64_t bought = 0, sold = 0, traded = 0;
  for (const auto& o : stored) {
    CHECK(o.filled.wh + o.remaining.wh <= o.quantity.wh);
    (o.side == order_side::buy ? bought : sold) += o.filled.wh;
  }
  std::map<std::string, std::int64_t> tape;
  for (const auto& t : f.market().matches(f.admin, s).value()) {
    traded += t.quantity.wh;
    tape.emplace(t.id.to_string(), t.quantity.wh);
  }
  CHECK(bought == sold);
  CHECK(traded == bought);
  // Every fill the child was told of is on the tape, under the same id.
  for (const auto& [tid, q] : acked_trades) {
    auto it = tape.find(tid);
    REQUIRE_MESSAGE(it != tape.end(), "acknowledged trade " << tid << " is missing");
    CHECK(it->second == q);
  }
  // And trading goes on where it stopped.
  CHECK(f.market().submit(f.buyer, f.limit(order_side::buy, 100, 200'000, s)));
}

TEST_CASE("market: one grid runs a region's market at a time, and another takes over when it is gone") {
  if (current_backend() == "sqlite-memory") return;  // a private database per grid
  market_fixture f;
  const auto s = f.slot();
  f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));  // this grid now runs north
  auto second = f.open();
  auto refused = second->market().submit(f.buyer, f.limit(order_side::buy, 100, 200'000, s));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::unavailable);
  CHECK(refused.error().field == "region");
  CHECK(second->market().book(f.buyer, s).error().code == errc::unavailable);
  // Storage-backed reads work anywhere, on what the owner has written of
  // its journal: its own reads, its gate sweeps and full batches write it.
  CHECK(second->market().orders(f.seller, {})->total == 0);
  REQUIRE(f.market().close_due_gates());
  CHECK(second->market().orders(f.seller, {})->total == 1);
  // Regions are owned one by one: the second grid takes south.
  CHECK(second->market().submit(f.consumer_south, f.limit(order_side::buy, 100, 200'000, s)));
  CHECK(f.market().book(f.consumer_south, s).error().code == errc::unavailable);
  // When the first grid closes, the second takes north over, as storage has it.
  f.grid.reset();
  auto bought = second->market().submit(f.buyer, f.limit(order_side::buy, 400, 200'000, s));
  REQUIRE(bought);
  CHECK(bought->filled == wh(400));
  CHECK(second->market().book(f.buyer, s)->asks.at(0).quantity == wh(600));
}

TEST_CASE("market: a reopen replays the journal: the same orders, trade ids, book and tape") {
  if (current_backend() == "sqlite-memory") return;  // nothing outlives the grid
  market_fixture f(grid_fixture::with_faults);
  const auto s = f.slot();
  auto a = f.place(f.seller, f.limit(order_side::sell, 1000, 200'000, s));
  auto b = f.place(f.seller2, f.limit(order_side::sell, 700, 199'000, s));
  auto c = f.place(f.buyer, f.limit(order_side::buy, 1200, 200'000, s));  // takes b, then 500 of a
  REQUIRE(c.trades.size() == 2);
  auto a2 = f.market().modify(f.seller, a.id, {wh(300), std::nullopt}).value();
  auto d = f.place(f.buyer2, f.limit(order_side::buy, 100, 195'000, s));
  auto d2 = f.market().cancel(f.buyer2, d.id).value();
  auto e = f.place(f.seller2, f.limit(order_side::sell, 200, 201'000, s));
  // The grid goes away without writing its tables (every commit fails from
  // here on): what it answered is in the journal only.
  f.fault->fail_commit(true);
  f.fault = nullptr;
  f.grid.reset();
  f.grid = f.open();

  auto same = [&](const segs::order& answered) {
    auto now = f.market().get_order(f.admin, answered.id).value();
    CHECK(now.status == answered.status);
    CHECK(now.filled == answered.filled);
    CHECK(now.remaining == answered.remaining);
    CHECK(now.quantity == answered.quantity);
    CHECK(now.price == answered.price);
    CHECK(now.created_at == answered.created_at);
    CHECK(now.updated_at == answered.updated_at);
  };
  same(a2);
  same(d2);
  same(e);
  same(c);
  CHECK(f.market().get_order(f.admin, b.id)->status == order_status::filled);
  CHECK(a2.remaining == wh(300));
  CHECK(d2.status == order_status::cancelled);

  // The buyer's history is the fills it was answered with, ids included.
  auto h = f.market().history(f.buyer, {}).value();
  REQUIRE(h.total == 2);
  std::set<std::string> answered_ids{c.trades[0].id.to_string(), c.trades[1].id.to_string()};
  std::set<std::string> stored_ids{h.items[0].id.to_string(), h.items[1].id.to_string()};
  CHECK(stored_ids == answered_ids);
  const auto book = f.market().book(f.buyer, s).value();
  REQUIRE(book.asks.size() == 2);
  CHECK(book.asks[0].price == segs::money{200'000});
  CHECK(book.asks[0].quantity == wh(300));
  CHECK(book.asks[1].quantity == wh(200));
  CHECK(book.bids.empty());

  // Trading goes on: new trades get new ids, the old ones stay.
  auto more = f.place(f.buyer, f.limit(order_side::buy, 400, 201'000, s));
  REQUIRE(more.trades.size() == 2);
  CHECK_FALSE(answered_ids.count(more.trades[0].id.to_string()));
  CHECK(f.market().history(f.buyer, {})->total == 4);
}

TEST_CASE("market: the tables trail the journal by at most market_options::projection_batch rows") {
  if (current_backend() == "sqlite-memory") return;  // a private database per grid
  market_fixture f;
  f.opts.market.projection_batch = 10;
  f.grid = f.open();
  const auto s = f.slot();
  auto reader = f.open();  // another grid: it sees only the written tables
  for (int i = 0; i < 25; ++i) f.place(f.seller, f.limit(order_side::sell, 100, 200'000 + i * 100, s));
  const auto seen = reader->market().orders(f.seller, {});
  REQUIRE(seen);
  CHECK(seen->total >= 25 - 10);
  CHECK(seen->total < 25);
  // The owner's own reads write the rest first.
  CHECK(f.market().orders(f.seller, {})->total == 25);
  CHECK(reader->market().orders(f.seller, {})->total == 25);
}
