// Matching engine throughput and latency, in memory, one core.
//
//   segs-bench-engine            the full run (build in Release)
//   segs-bench-engine --smoke    a tiny run (well under a second) for CI
//
// (a) continuous trading: a book kept near 10,000 resting orders receives the
//     issue's mix (about 60% adds, 25% cancels, 5% modifies, 10% marketable
//     orders) around a slowly moving mid. The operations are generated first
//     (by running them once on a scratch book, so cancels and modifies target
//     orders that really rest) and then replayed on a fresh book: once timed
//     as a whole (throughput) and once with a steady_clock read around every
//     operation (latency percentiles; the clock read adds ~20-40 ns).
// (b) epoch clearing: run_auction on one slot of 10k, 100k and 1M orders.
//
// Results go to stdout as Markdown tables.
#include "market/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

namespace m = segs::market;
using clock_type = std::chrono::steady_clock;

enum class op_kind : std::uint8_t { add, cancel, modify, marketable };

struct op {
  op_kind kind = op_kind::add;
  m::order_request order;  // add, marketable
  m::order_id target = 0;  // cancel, modify
  std::optional<m::qty_t> new_quantity;
  std::optional<m::price_t> new_price;
};

// Counts events and remembers which resting orders left the book, so the
// generator can keep its list of live ids.
class tracking_sink final : public m::event_sink {
 public:
  void on_fill(const m::fill& f) override {
    ++fills;
    touched.push_back(f.maker);
  }
  void on_cancel(m::order_id id, m::qty_t, m::cancel_reason) override {
    ++cancels;
    touched.push_back(id);
  }
  void on_rest(m::order_id id, m::qty_t, m::price_t) override {
    ++rests;
    rested.push_back(id);
  }
  std::uint64_t fills = 0;
  std::uint64_t cancels = 0;
  std::uint64_t rests = 0;
  std::vector<m::order_id> touched;
  std::vector<m::order_id> rested;
};

// The sink used while measuring: as cheap as a real one can be.
class counting_sink final : public m::event_sink {
 public:
  void on_fill(const m::fill& f) override { volume += f.quantity; }
  void on_cancel(m::order_id, m::qty_t, m::cancel_reason) override { ++cancels; }
  void on_rest(m::order_id, m::qty_t, m::price_t) override { ++rests; }
  std::int64_t volume = 0;
  std::uint64_t cancels = 0;
  std::uint64_t rests = 0;
};

struct workload {
  std::vector<op> warmup;
  std::vector<op> measured;
};

constexpr m::price_t tick = 100;  // 0.0001 currency units per kWh, in micro-units

workload generate(std::size_t resting_target, std::size_t n_ops, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  m::book scratch;
  tracking_sink sink;
  std::vector<m::order_id> live;
  std::unordered_map<m::order_id, std::size_t> where;
  where.reserve(resting_target * 4);
  m::order_id next_id = 1;
  m::price_t mid = 2'500 * tick;  // 0.25 per kWh

  auto add_live = [&](m::order_id id) {
    if (where.count(id) != 0U) return;
    where[id] = live.size();
    live.push_back(id);
  };
  auto drop_live = [&](m::order_id id) {
    const auto it = where.find(id);
    if (it == where.end()) return;
    const std::size_t i = it->second;
    where[live.back()] = i;
    live[i] = live.back();
    live.pop_back();
    where.erase(it);
  };
  auto apply = [&](const op& o) {
    sink.touched.clear();
    sink.rested.clear();
    switch (o.kind) {
      case op_kind::add:
      case op_kind::marketable: scratch.submit(o.order, sink); break;
      case op_kind::cancel: scratch.cancel(o.target, sink); break;
      case op_kind::modify: scratch.modify(o.target, o.new_quantity, o.new_price, sink); break;
    }
    for (const auto id : sink.touched) {
      if (!scratch.find(id)) drop_live(id);
    }
    for (const auto id : sink.rested) add_live(id);
  };
  auto make_add = [&] {
    op o;
    o.kind = op_kind::add;
    o.order.id = next_id++;
    o.order.owner = static_cast<m::owner_id>(uniform(1, 5'000));
    o.order.side = uniform(0, 1) == 0 ? m::side::buy : m::side::sell;
    // Most orders near the touch, a tail further out.
    const auto depth = std::min<std::int64_t>(
        static_cast<std::int64_t>(std::exponential_distribution<double>(1.0 / 12.0)(rng)), 200);
    o.order.price = o.order.side == m::side::buy ? mid - (1 + depth) * tick : mid + (1 + depth) * tick;
    o.order.quantity = uniform(1, 20) * 100;  // Wh
    return o;
  };

  workload w;
  w.warmup.reserve(resting_target);
  while (live.size() < resting_target) {
    w.warmup.push_back(make_add());
    apply(w.warmup.back());
  }
  w.measured.reserve(n_ops);
  for (std::size_t i = 0; i < n_ops; ++i) {
    if (i % 1'000 == 0) mid += uniform(-1, 1) * tick;  // the mid drifts slowly
    const auto roll = uniform(1, 100);
    op o;
    if (roll <= 60 || live.empty()) {
      o = make_add();
    } else if (roll <= 85) {
      o.kind = op_kind::cancel;
      o.target = live[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(live.size()) - 1))];
    } else if (roll <= 90) {
      o.kind = op_kind::modify;
      o.target = live[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(live.size()) - 1))];
      const auto current = scratch.find(o.target);
      if (uniform(0, 1) == 0 && current->quantity > 100) {
        o.new_quantity = current->quantity - 100;  // keeps priority
      } else {
        o.new_price = current->price + (current->side == m::side::buy ? -tick : tick);
      }
    } else {
      o.kind = op_kind::marketable;
      o.order.id = next_id++;
      o.order.owner = static_cast<m::owner_id>(uniform(1, 5'000));
      o.order.side = uniform(0, 1) == 0 ? m::side::buy : m::side::sell;
      // Sized to take a few resting orders; more when the book is above its
      // target, fewer below, so it stays near the target size.
      const double excess =
          (static_cast<double>(live.size()) - static_cast<double>(resting_target)) / 500.0;
      const double orders_taken = std::clamp(3.5 + excess, 0.5, 20.0);
      o.order.quantity = static_cast<m::qty_t>(orders_taken * 1'050.0);
      if (uniform(0, 3) == 0) {
        o.order.type = m::order_type::market;
        o.order.tif = m::time_in_force::ioc;
      } else {
        o.order.type = m::order_type::limit;
        o.order.tif = m::time_in_force::ioc;
        o.order.price = o.order.side == m::side::buy ? mid + 10 * tick : mid - 10 * tick;
      }
    }
    w.measured.push_back(o);
    apply(o);
  }
  return w;
}

template <class Sink>
void run_op(m::book& b, const op& o, Sink& sink) {
  switch (o.kind) {
    case op_kind::add:
    case op_kind::marketable: b.submit(o.order, sink); break;
    case op_kind::cancel: b.cancel(o.target, sink); break;
    case op_kind::modify: b.modify(o.target, o.new_quantity, o.new_price, sink); break;
  }
}

struct continuous_result {
  double ops_per_second = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
  std::size_t resting_after = 0;
  std::int64_t volume = 0;
};

continuous_result bench_continuous(const workload& w) {
  continuous_result r;
  {
    m::book b;
    counting_sink sink;
    for (const auto& o : w.warmup) run_op(b, o, sink);
    const auto start = clock_type::now();
    for (const auto& o : w.measured) run_op(b, o, sink);
    const std::chrono::duration<double> took = clock_type::now() - start;
    r.ops_per_second = static_cast<double>(w.measured.size()) / took.count();
    r.resting_after = b.size();
    r.volume = sink.volume;
  }
  {
    m::book b;
    counting_sink sink;
    for (const auto& o : w.warmup) run_op(b, o, sink);
    std::vector<std::uint32_t> ns(w.measured.size());
    for (std::size_t i = 0; i < w.measured.size(); ++i) {
      const auto t0 = clock_type::now();
      run_op(b, w.measured[i], sink);
      const auto t1 = clock_type::now();
      ns[i] = static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
    std::sort(ns.begin(), ns.end());
    auto pct = [&](double q) {
      const auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
      return static_cast<double>(ns[i]);
    };
    r.p50 = pct(0.50);
    r.p99 = pct(0.99);
    r.p999 = pct(0.999);
    r.max = static_cast<double>(ns.back());
  }
  return r;
}

std::vector<m::resting_order> auction_slot(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<m::resting_order> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& o = out[i];
    o.id = i + 1;
    o.owner = static_cast<m::owner_id>(uniform(1, 50'000));
    o.side = uniform(0, 1) == 0 ? m::side::buy : m::side::sell;
    o.type = uniform(1, 100) <= 5 ? m::order_type::market : m::order_type::limit;
    // Buys spread below and above 0.25/kWh, sells likewise: a real crossing.
    o.price = (2'500 + uniform(-400, 400)) * tick;
    o.quantity = uniform(1, 50) * 100;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && std::strcmp(argv[1], "--smoke") == 0;
  const std::size_t resting = smoke ? 1'000 : 10'000;
  const std::size_t n_ops = smoke ? 20'000 : 5'000'000;

  const auto w = generate(resting, n_ops, 42);
  std::size_t counts[4] = {0, 0, 0, 0};
  for (const auto& o : w.measured) ++counts[static_cast<int>(o.kind)];
  const auto r = bench_continuous(w);

  std::printf("## Continuous book (one core%s)\n\n", smoke ? ", smoke run" : "");
  std::printf("%zu operations after %zu warm-up adds: %.1f%% add, %.1f%% cancel, %.1f%% modify, "
              "%.1f%% marketable; %zu orders rest at the end.\n\n",
              w.measured.size(), w.warmup.size(),
              100.0 * static_cast<double>(counts[0]) / static_cast<double>(n_ops),
              100.0 * static_cast<double>(counts[1]) / static_cast<double>(n_ops),
              100.0 * static_cast<double>(counts[2]) / static_cast<double>(n_ops),
              100.0 * static_cast<double>(counts[3]) / static_cast<double>(n_ops), r.resting_after);
  std::printf("| ops/s | p50 | p99 | p99.9 | max |\n| ---: | ---: | ---: | ---: | ---: |\n");
  std::printf("| %.2f M | %.0f ns | %.0f ns | %.0f ns | %.0f ns |\n\n", r.ops_per_second / 1e6,
              r.p50, r.p99, r.p999, r.max);

  std::printf("## Epoch clearing (run_auction, one slot)\n\n");
  std::printf("| orders | time per clearing | clearing price | volume (Wh) | fills |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: |\n");
  const std::vector<std::size_t> sizes =
      smoke ? std::vector<std::size_t>{1'000, 10'000}
            : std::vector<std::size_t>{10'000, 100'000, 1'000'000};
  for (const auto n : sizes) {
    const auto slot = auction_slot(n, n);
    const int reps = n <= 10'000 ? 20 : n <= 100'000 ? 5 : 3;
    m::auction_result last;
    const auto start = clock_type::now();
    for (int i = 0; i < reps; ++i) last = m::run_auction(slot, tick);
    const std::chrono::duration<double, std::milli> took = clock_type::now() - start;
    std::printf("| %zu | %.2f ms | %lld | %lld | %zu |\n", n, took.count() / reps,
                static_cast<long long>(last.price.value_or(0)),
                static_cast<long long>(last.volume), last.fills.size());
  }
  return 0;
}
