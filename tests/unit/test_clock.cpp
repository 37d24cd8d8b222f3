#include <segs/clock.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("manual_clock starts where told and moves only when told") {
  segs::manual_clock clk(segs::from_micros(1'000'000));
  CHECK(segs::to_micros(clk.now()) == 1'000'000);
  CHECK(segs::to_micros(clk.now()) == 1'000'000);

  clk.advance(11min);
  CHECK(segs::to_micros(clk.now()) == 1'000'000 + 660'000'000);

  clk.advance(-1s);
  CHECK(segs::to_micros(clk.now()) == 1'000'000 + 659'000'000);

  clk.advance(1us);
  CHECK(segs::to_micros(clk.now()) == 1'000'000 + 659'000'001);

  clk.set(segs::from_micros(-5));
  CHECK(segs::to_micros(clk.now()) == -5);
}

TEST_CASE("manual_clock through the clock interface") {
  std::shared_ptr<segs::clock> clk = std::make_shared<segs::manual_clock>(segs::from_micros(0));
  CHECK(clk->now() == segs::from_micros(0));
  std::static_pointer_cast<segs::manual_clock>(clk)->advance(2h);
  CHECK(clk->now() == segs::from_micros(0) + 2h);
}

TEST_CASE("manual_clock advances are not lost under concurrency") {
  segs::manual_clock clk(segs::from_micros(0));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) clk.advance(1us);
    });
  }
  for (auto& th : threads) th.join();
  CHECK(segs::to_micros(clk.now()) == 40'000);
}

TEST_CASE("system_clock follows the OS clock at microsecond resolution") {
  segs::system_clock clk;
  const auto before = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  const auto t = clk.now();
  const auto after = std::chrono::system_clock::now();
  CHECK(t >= before);
  CHECK(t <= after);
  // Some time after 2024-01-01T00:00:00Z.
  CHECK(segs::to_micros(t) > 1'704'067'200'000'000);
}
