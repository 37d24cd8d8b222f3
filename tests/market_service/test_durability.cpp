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
      CHECK(nth > 4);  // order, two trades, two makers, slot: every prefix failed first
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
      char line[128];
      const int n = std::snprintf(line, sizeof line, "%s %lld\n", r->id.to_string().c_str(),
                                  static_cast<long long>(r->filled.wh));
      if (::write(fds[1], line, static_cast<std::size_t>(n)) != n) ::_exit(5);
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
  std::size_t n_acked = 0;
  while (in >> id >> filled) {
    auto o = f.market().get_order(f.admin, segs::uuid::parse(id).value());
    REQUIRE_MESSAGE(o.has_value(), "acknowledged order " << id << " is missing");
    CHECK(o->filled.wh >= filled);
    ++n_acked;
  }
  CHECK(n_acked >= 300);

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
  for (const auto& t : f.market().matches(f.admin, s).value()) traded += t.quantity.wh;
  CHECK(bought == sold);
  CHECK(traded == bought);
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
  // Storage-backed reads work anywhere.
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
