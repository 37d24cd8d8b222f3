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
//     operation (latency percentiles, overall and per kind of operation).
//     The percentiles include one clock read; the cost of an empty interval
//     is measured and printed next to them rather than subtracted. The
//     generator also prints what the mix did (how many adds and marketable
//     orders traded, fills per marketable order, the mid's range, the
//     book's size and levels), so the stated mix can be checked, not just
//     trusted.
// (b) epoch clearing: run_auction on one slot of 10k, 100k and 1M orders
//     (mean and best of several runs; each run allocates its own buffers).
//
// Results go to stdout as Markdown tables.
#include "market/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
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
    volume += f.quantity;
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
  std::int64_t volume = 0;
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
  // What the measured operations did on the scratch book, per op_kind.
  std::uint64_t traded[4] = {0, 0, 0, 0};  // operations that caused at least one fill
  std::uint64_t fills[4] = {0, 0, 0, 0};
  std::int64_t mid_low = 0;
  std::int64_t mid_high = 0;
  std::size_t min_resting = 0;
  std::size_t max_resting = 0;
  std::size_t bid_levels = 0;  // at the end
  std::size_t ask_levels = 0;
  std::size_t resting_end = 0;
  std::int64_t volume = 0;  // traded by the measured operations
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
  w.mid_low = w.mid_high = mid;
  w.min_resting = w.max_resting = live.size();
  w.measured.reserve(n_ops);
  for (std::size_t i = 0; i < n_ops; ++i) {
    if (i % 1'000 == 0) {
      mid += uniform(-1, 1) * tick;  // the mid drifts slowly
      w.mid_low = std::min(w.mid_low, mid);
      w.mid_high = std::max(w.mid_high, mid);
    }
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
    const auto fills_before = sink.fills;
    const auto volume_before = sink.volume;
    apply(o);
    w.volume += sink.volume - volume_before;
    const auto k = static_cast<std::size_t>(o.kind);
    w.fills[k] += sink.fills - fills_before;
    if (sink.fills > fills_before) ++w.traded[k];
    w.min_resting = std::min(w.min_resting, live.size());
    w.max_resting = std::max(w.max_resting, live.size());
  }
  w.bid_levels = scratch.bids(std::numeric_limits<std::size_t>::max()).size();
  w.ask_levels = scratch.asks(std::numeric_limits<std::size_t>::max()).size();
  w.resting_end = scratch.size();
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

struct percentiles {
  std::size_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
};

percentiles percentiles_of(std::vector<std::uint32_t>& ns) {
  percentiles p;
  p.count = ns.size();
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
    return static_cast<double>(ns[i]);
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(ns.back());
  return p;
}

struct continuous_result {
  double ops_per_second = 0;
  percentiles all;
  percentiles by_kind[4];
  percentiles timer;  // an empty interval: what one clock read adds
  std::size_t resting_after = 0;
  std::int64_t volume = 0;
  // The same of the latency pass: both replays must end where generation did.
  std::size_t resting_after_timed = 0;
  std::int64_t volume_timed = 0;
};

std::uint32_t to_ns(clock_type::duration d) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

continuous_result bench_continuous(const workload& w) {
  continuous_result r;
  {
    m::book b;
    counting_sink sink;
    for (const auto& o : w.warmup) run_op(b, o, sink);
    sink.volume = 0;  // compared with what the measured operations traded
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
    sink.volume = 0;
    std::vector<std::uint32_t> ns(w.measured.size());
    for (std::size_t i = 0; i < w.measured.size(); ++i) {
      const auto t0 = clock_type::now();
      run_op(b, w.measured[i], sink);
      const auto t1 = clock_type::now();
      ns[i] = to_ns(t1 - t0);
    }
    std::vector<std::uint32_t> kind_ns[4];
    for (std::size_t i = 0; i < w.measured.size(); ++i) {
      kind_ns[static_cast<std::size_t>(w.measured[i].kind)].push_back(ns[i]);
    }
    for (std::size_t k = 0; k < 4; ++k) r.by_kind[k] = percentiles_of(kind_ns[k]);
    r.all = percentiles_of(ns);
    r.resting_after_timed = b.size();
    r.volume_timed = sink.volume;
  }
  {
    std::vector<std::uint32_t> ns(std::min<std::size_t>(w.measured.size(), 1'000'000));
    for (auto& x : ns) {
      const auto t0 = clock_type::now();
      const auto t1 = clock_type::now();
      x = to_ns(t1 - t0);
    }
    r.timer = percentiles_of(ns);
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
  int failures = 0;
  // The numbers mean something only if the replays did what generation did
  // (the engine is deterministic); this is also what the smoke test checks.
  if (r.resting_after != w.resting_end || r.resting_after_timed != w.resting_end ||
      r.volume != w.volume || r.volume_timed != w.volume) {
    std::fprintf(stderr,
                 "FAIL: replays diverged: %zu / %zu / %zu orders rest, %lld / %lld / %lld Wh traded "
                 "(generation / throughput pass / latency pass)\n",
                 w.resting_end, r.resting_after, r.resting_after_timed,
                 static_cast<long long>(w.volume), static_cast<long long>(r.volume),
                 static_cast<long long>(r.volume_timed));
    ++failures;
  }

  std::printf("## Continuous book (one core%s)\n\n", smoke ? ", smoke run" : "");
  auto share = [&](std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  };
  std::printf("%zu operations after %zu warm-up adds: %.1f%% add, %.1f%% cancel, %.1f%% modify, "
              "%.1f%% marketable; %zu to %zu orders rest during the run, %zu at the end, "
              "in %zu bid and %zu ask levels.\n",
              w.measured.size(), w.warmup.size(), share(counts[0], n_ops),
              share(counts[1], n_ops), share(counts[2], n_ops), share(counts[3], n_ops),
              w.min_resting, w.max_resting, r.resting_after, w.bid_levels, w.ask_levels);
  std::printf("Adds that traded on arrival: %.2f%%. Marketable orders that traded: %.2f%%, "
              "%.2f fills each. Mid between %.4f and %.4f per kWh.\n\n",
              share(w.traded[0], counts[0]), share(w.traded[3], counts[3]),
              counts[3] == 0 ? 0.0
                             : static_cast<double>(w.fills[3]) / static_cast<double>(counts[3]),
              static_cast<double>(w.mid_low) / 1e6, static_cast<double>(w.mid_high) / 1e6);
  std::printf("Throughput: %.2f M ops/s (%.1f ns per operation, untimed loop).\n\n",
              r.ops_per_second / 1e6, 1e9 / r.ops_per_second);
  std::printf("| latency (one clock read included) | count | p50 | p99 | p99.9 | max |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
  auto row = [](const char* name, const percentiles& p) {
    std::printf("| %s | %zu | %.0f ns | %.0f ns | %.0f ns | %.0f ns |\n", name, p.count, p.p50,
                p.p99, p.p999, p.max);
  };
  row("all operations", r.all);
  row("add", r.by_kind[0]);
  row("cancel", r.by_kind[1]);
  row("modify", r.by_kind[2]);
  row("marketable (IOC / market)", r.by_kind[3]);
  row("empty interval (timer cost)", r.timer);
  std::printf("\n");

  std::printf("## Epoch clearing (run_auction, one slot)\n\n");
  std::printf("| orders | mean | best | runs | clearing price (micro/kWh) | volume (Wh) | fills |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  const std::vector<std::size_t> sizes =
      smoke ? std::vector<std::size_t>{1'000, 10'000}
            : std::vector<std::size_t>{10'000, 100'000, 1'000'000};
  for (const auto n : sizes) {
    const auto slot = auction_slot(n, n);
    const int reps = n <= 10'000 ? 20 : n <= 100'000 ? 10 : 5;
    m::auction_result last;
    double total_ms = 0;
    double best_ms = 0;
    for (int i = 0; i < reps; ++i) {
      const auto start = clock_type::now();
      auto result = m::run_auction(slot, tick);
      const std::chrono::duration<double, std::milli> took = clock_type::now() - start;
      last = std::move(result);  // freeing the previous result stays outside the timing
      total_ms += took.count();
      best_ms = i == 0 ? took.count() : std::min(best_ms, took.count());
    }
    std::printf("| %zu | %.2f ms | %.2f ms | %d | %lld | %lld | %zu |\n", n, total_ms / reps,
                best_ms, reps, static_cast<long long>(last.price.value_or(0)),
                static_cast<long long>(last.volume), last.fills.size());
    // These slots always cross: a clearing must trade, every fill at the one
    // price, and the fills must add up to the volume.
    m::qty_t filled = 0;
    bool one_price = true;
    for (const auto& f : last.fills) {
      filled += f.quantity;
      one_price = one_price && last.price && f.price == *last.price;
    }
    if (!last.price || last.volume <= 0 || filled != last.volume || !one_price) {
      std::fprintf(stderr, "FAIL: clearing of %zu orders: volume %lld, fills add up to %lld%s\n", n,
                   static_cast<long long>(last.volume), static_cast<long long>(filled),
                   one_price ? "" : ", not all at the clearing price");
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
