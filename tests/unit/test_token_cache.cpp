// The verified-token cache on its own (identity/token_cache.hpp): entries end
// on time, stale puts are refused, forgetting is per user or total, and the
// size stays within the capacity.
#include "identity/token_cache.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using segs::detail::token_cache;

namespace {

const segs::timestamp t0 = segs::from_micros(1'750'000'000'000'000);

token_cache::digest key(int n) {
  static const token_cache namer(1);
  return namer.key_of("token-" + std::to_string(n));
}

segs::principal user(std::uint8_t id_byte) {
  segs::principal p;
  p.type = segs::principal::kind::user;
  p.id.bytes[15] = id_byte;
  p.role = "consumer";
  return p;
}

}  // namespace

TEST_CASE("token cache: an entry is found within its validity only") {
  token_cache c(10);
  const auto end = t0 + std::chrono::minutes(15);
  c.put(key(1), user(1), {t0, end}, t0, c.generation());
  auto hit = c.find(key(1), t0);
  REQUIRE(hit);
  CHECK(hit->id == user(1).id);
  CHECK(c.find(key(1), end - std::chrono::microseconds(1)));
  CHECK_FALSE(c.find(key(1), end));
  CHECK_FALSE(c.find(key(1), t0 - std::chrono::microseconds(1)));  // a clock set back
  CHECK_FALSE(c.find(key(2), t0));
}

TEST_CASE("token cache: a put whose checks began before a forget is refused") {
  token_cache c(10);
  const auto end = t0 + std::chrono::minutes(15);
  const auto seen = c.generation();
  c.forget(user(9).id);  // a revocation committed while the checks ran
  c.put(key(1), user(1), {t0, end}, t0, seen);
  CHECK_FALSE(c.find(key(1), t0));
  c.put(key(1), user(1), {t0, end}, t0, c.generation());
  CHECK(c.find(key(1), t0));
}

TEST_CASE("token cache: forget drops one user's entries, forget_all every entry") {
  token_cache c(10);
  const auto end = t0 + std::chrono::minutes(15);
  c.put(key(1), user(1), {t0, end}, t0, c.generation());
  c.put(key(2), user(1), {t0, end}, t0, c.generation());
  c.put(key(3), user(2), {t0, end}, t0, c.generation());
  c.forget(user(1).id);
  CHECK_FALSE(c.find(key(1), t0));
  CHECK_FALSE(c.find(key(2), t0));
  CHECK(c.find(key(3), t0));
  c.forget_all();
  CHECK_FALSE(c.find(key(3), t0));
  CHECK(c.size() == 0);
}

TEST_CASE("token cache: never more entries than its capacity, expired ones leave first") {
  token_cache c(100);
  const auto soon = t0 + std::chrono::seconds(1);
  const auto later = t0 + std::chrono::minutes(15);
  for (int i = 0; i < 50; ++i) c.put(key(i), user(1), {t0, soon}, t0, c.generation());
  for (int i = 50; i < 100; ++i) c.put(key(i), user(2), {t0, later}, t0, c.generation());
  CHECK(c.size() == 100);
  // Full at a time when the first fifty have ended: they make the room.
  const auto now = t0 + std::chrono::seconds(2);
  c.put(key(1000), user(3), {t0, later}, now, c.generation());
  CHECK(c.size() == 51);
  for (int i = 50; i < 100; ++i) CHECK(c.find(key(i), now));
  for (int i = 0; i < 10'000; ++i) {
    c.put(key(2000 + i), user(4), {t0, later}, now, c.generation());
    REQUIRE(c.size() <= 100);
  }
  CHECK(c.find(key(11'999), now));  // the newest is always kept
}

TEST_CASE("token cache: capacity 0 keeps nothing") {
  token_cache c(0);
  CHECK_FALSE(c.enabled());
  c.put(key(1), user(1), {t0, t0 + std::chrono::minutes(1)}, t0, c.generation());
  CHECK_FALSE(c.find(key(1), t0));
  CHECK(c.size() == 0);
}

TEST_CASE("token cache: concurrent finds, puts and forgets keep the bound (run under tsan too)") {
  token_cache c(64);
  const auto end = t0 + std::chrono::minutes(15);
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const int k = (i * 7 + t) % 200;
        if (!c.find(key(k), t0))
          c.put(key(k), user(static_cast<std::uint8_t>(k % 5)), {t0, end}, t0, c.generation());
      }
    });
  std::thread revoker([&] {
    for (int i = 0; !stop; ++i) {
      if (i % 10 == 0) c.forget_all();
      else c.forget(user(static_cast<std::uint8_t>(i % 5)).id);
      std::this_thread::yield();
    }
  });
  for (auto& th : pool) th.join();
  stop = true;
  revoker.join();
  CHECK(c.size() <= 64);
  // After the last forget of a user, none of its entries answer.
  c.forget(user(3).id);
  for (int k = 3; k < 200; k += 5) CHECK_FALSE(c.find(key(k), t0));
}
