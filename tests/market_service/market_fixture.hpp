// A grid with a few traders for the market service tests, on the backend
// under test, with a manual clock.
#pragma once

#include "identity/grid_fixture.hpp"

#include <chrono>
#include <numeric>

namespace segs_test {

using namespace std::chrono_literals;

inline segs::energy wh(std::int64_t v) { return segs::energy{v}; }
inline segs::money price(std::int64_t micros) { return segs::money{micros}; }

struct market_fixture : grid_fixture {
  segs::principal seller, seller2, buyer, buyer2, op, admin, op_south, consumer_south;

  explicit market_fixture(void (*tweak)(segs::options&) = nullptr) : grid_fixture(tweak) { people(); }
  explicit market_fixture(with_faults_t w) : grid_fixture(w) { people(); }

  void people() {
    made("seller@example.org", "prosumer");
    made("seller2@example.org", "prosumer");
    made("buyer@example.org", "consumer");
    made("buyer2@example.org", "consumer");
    made("op@example.org", "operator");
    made("admin@example.org", "admin");
    made("op-south@example.org", "operator", "south");
    made("consumer-south@example.org", "consumer", "south");
    relogin();
  }

  // Principals carry token expiry: sign everyone in again after moving the
  // clock far.
  void relogin() {
    seller = as("seller@example.org");
    seller2 = as("seller2@example.org");
    buyer = as("buyer@example.org");
    buyer2 = as("buyer2@example.org");
    op = as("op@example.org");
    admin = as("admin@example.org");
    op_south = as("op-south@example.org");
    consumer_south = as("consumer-south@example.org");
  }

  segs::market_service& market() { return grid->market(); }

  /// The start of the n-th quarter hour whose gate (5 min) is at least 10
  /// minutes away.
  segs::timestamp slot(int n = 0) const {
    const std::int64_t q = 15 * 60 * 1'000'000LL;
    const std::int64_t now = segs::to_micros(clock->now()) + 10 * 60 * 1'000'000LL;
    return segs::from_micros(((now + q - 1) / q + n) * q);
  }

  segs::order_spec limit(segs::order_side side, std::int64_t w, std::int64_t p, segs::timestamp s) {
    segs::order_spec o;
    o.side = side;
    o.quantity = wh(w);
    o.price = price(p);
    o.delivery_slot = s;
    return o;
  }

  segs::order place(const segs::principal& who, const segs::order_spec& o) {
    auto r = market().submit(who, o);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message + " [" + r.error().field + "]"));
    return *r;
  }
};

/// The sum of a settlement's amounts (must be zero).
inline std::int64_t total(const segs::settlement& s) {
  return std::accumulate(s.entries.begin(), s.entries.end(), std::int64_t{0},
                         [](std::int64_t a, const segs::ledger_entry& e) { return a + e.amount.micros; });
}

}  // namespace segs_test
