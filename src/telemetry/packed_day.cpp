#include "telemetry/packed_day.hpp"

#include <array>
#include <chrono>

namespace segs::telemetry {

namespace {

constexpr std::int64_t quarter_us = std::chrono::microseconds(quarter).count();
constexpr std::int64_t second_us = 1'000'000;

// The fields in the table's column order; the nullable ones and their mask bit.
constexpr int n_fields = 19;
constexpr int peak_at_field = 8;
constexpr std::array<int, n_fields> null_bit{-1, -1, -1, -1, -1, 0, 1, 2, 3, -1, -1, 4, 5, -1, -1, -1, -1, -1, -1};
constexpr std::uint8_t seconds_bit = 1u << 6;

struct fields {
  std::array<std::int64_t, n_fields> v{};
  std::uint8_t mask = 0;  // bit k: the nullable field with null_bit k has a value
};

fields fields_of(const aggregate& a, std::int64_t start_us) {
  fields f;
  auto put = [&](int i, std::int64_t x) { f.v[static_cast<std::size_t>(i)] = x; };
  auto put_opt = [&](int i, const std::optional<std::int64_t>& x) {
    if (!x) return;
    f.mask = static_cast<std::uint8_t>(f.mask | (1u << null_bit[static_cast<std::size_t>(i)]));
    put(i, *x);
  };
  put(0, a.consumed_wh);
  put(1, a.produced_wh);
  put(2, a.readings);
  put(3, a.power.n);
  put(4, a.power.sum);
  put_opt(5, a.power.min);
  put_opt(6, a.power.max);
  put_opt(7, a.peak_max);
  if (a.peak_at) {
    // The offset from the quarter-hour's start, mod 2^64 (any time round-trips).
    const auto off = static_cast<std::int64_t>(static_cast<std::uint64_t>(to_micros(*a.peak_at)) -
                                               static_cast<std::uint64_t>(start_us));
    put_opt(8, off % second_us == 0 ? off / second_us : off);
    if (off % second_us == 0) f.mask |= seconds_bit;
  }
  put(9, a.voltage.n);
  put(10, a.voltage.sum);
  put_opt(11, a.voltage.min);
  put_opt(12, a.voltage.max);
  put(13, a.current.n);
  put(14, a.current.sum);
  put(15, a.power_factor.n);
  put(16, a.power_factor.sum);
  put(17, a.frequency.n);
  put(18, a.frequency.sum);
  return f;
}

aggregate aggregate_of(const fields& f, std::int64_t start_us) {
  auto get = [&](int i) { return f.v[static_cast<std::size_t>(i)]; };
  auto get_opt = [&](int i) -> std::optional<std::int64_t> {
    if (!(f.mask & (1u << null_bit[static_cast<std::size_t>(i)]))) return std::nullopt;
    return get(i);
  };
  aggregate a;
  a.consumed_wh = get(0);
  a.produced_wh = get(1);
  a.readings = get(2);
  a.power.n = get(3);
  a.power.sum = get(4);
  a.power.min = get_opt(5);
  a.power.max = get_opt(6);
  a.peak_max = get_opt(7);
  if (auto off = get_opt(8)) {
    const auto us = (f.mask & seconds_bit) ? static_cast<std::uint64_t>(*off) * second_us
                                           : static_cast<std::uint64_t>(*off);
    a.peak_at = from_micros(static_cast<std::int64_t>(static_cast<std::uint64_t>(start_us) + us));
  }
  a.voltage.n = get(9);
  a.voltage.sum = get(10);
  a.voltage.min = get_opt(11);
  a.voltage.max = get_opt(12);
  a.current.n = get(13);
  a.current.sum = get(14);
  a.power_factor.n = get(15);
  a.power_factor.sum = get(16);
  a.frequency.n = get(17);
  a.frequency.sum = get(18);
  return a;
}

bool present(const fields& f, int i) {
  const int bit = null_bit[static_cast<std::size_t>(i)];
  return bit < 0 || (f.mask & (1u << bit));
}

// Differences mod 2^64: any two values round-trip.
std::int64_t minus(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t plus(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

// What field k is written as a difference from: a minimum or maximum of
// power or voltage from its quarter-hour's mean (sum / n, the fields just
// before it: equal when the quarter-hour has one reading), any other field
// from its value in the previous quarter-hour that had one.
constexpr std::array<int, n_fields> mean_of{-1, -1, -1, -1, -1, 3, 3, -1, -1, -1, -1, 9, 9, -1, -1, -1, -1, -1, -1};
std::int64_t base_of(const std::array<std::int64_t, n_fields>& v, const std::array<std::int64_t, n_fields>& prev,
                     int k) {
  const int n = mean_of[static_cast<std::size_t>(k)];
  if (n < 0) return prev[static_cast<std::size_t>(k)];
  const auto count = v[static_cast<std::size_t>(n)], sum = v[static_cast<std::size_t>(n + 1)];
  return count > 0 ? sum / count : 0;
}

std::uint64_t zigzag(std::int64_t x) {
  return (static_cast<std::uint64_t>(x) << 1) ^ static_cast<std::uint64_t>(x >> 63);
}
std::int64_t unzigzag(std::uint64_t z) {
  return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

struct reader {
  std::span<const std::uint8_t> b;
  std::size_t at = 0;
  bool ok = true;

  std::uint8_t byte() {
    if (at >= b.size()) {
      ok = false;
      return 0;
    }
    return b[at++];
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t c = byte();
      if (!ok) return 0;
      // The tenth byte holds the top bit only.
      if (shift == 63 && c > 1) break;
      v |= std::uint64_t{c & 0x7fu} << shift;
      if (!(c & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
};

}  // namespace

std::optional<std::vector<std::uint8_t>> pack_day(timestamp day_start, int slots,
                                                 std::span<const packed_quarter> qs) {
  if (slots < 1 || slots > packed_day_max_slots) return std::nullopt;
  const std::int64_t day_us = to_micros(day_start);
  const auto map_bytes = static_cast<std::size_t>((slots + 7) / 8);
  std::vector<std::uint8_t> out;
  out.reserve(2 + map_bytes + qs.size() * 32);
  out.push_back(packed_day_version);
  out.push_back(static_cast<std::uint8_t>(slots));
  out.resize(2 + map_bytes, 0);
  int last = -1;
  std::array<std::int64_t, n_fields> prev{};
  for (const auto& q : qs) {
    const std::int64_t off = to_micros(q.start) - day_us;
    if (off < 0 || off % quarter_us != 0 || off / quarter_us >= slots) return std::nullopt;
    const int i = static_cast<int>(off / quarter_us);
    if (i <= last) return std::nullopt;  // not ascending, or twice
    last = i;
    out[2 + static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(1u << (i % 8));
    const auto f = fields_of(q.agg, to_micros(q.start));
    out.push_back(f.mask);
    for (int k = 0; k < n_fields; ++k) {
      if (!present(f, k)) continue;
      const auto ku = static_cast<std::size_t>(k);
      if (k == peak_at_field) {
        put_varint(out, zigzag(f.v[ku]));
        continue;
      }
      put_varint(out, zigzag(minus(f.v[ku], base_of(f.v, prev, k))));
      prev[ku] = f.v[ku];
    }
  }
  return out;
}

bool unpack_day(timestamp day_start, std::span<const std::uint8_t> bytes, std::vector<packed_quarter>& out) {
  reader r{bytes};
  if (r.byte() != packed_day_version || !r.ok) return false;
  const int slots = r.byte();
  if (!r.ok || slots < 1) return false;
  const auto map_bytes = static_cast<std::size_t>((slots + 7) / 8);
  if (bytes.size() < 2 + map_bytes) return false;
  const auto map = bytes.subspan(2, map_bytes);
  r.at = 2 + map_bytes;
  const std::int64_t day_us = to_micros(day_start);
  const std::size_t first = out.size();
  std::array<std::int64_t, n_fields> prev{};
  for (int i = 0; i < slots; ++i) {
    if (!(map[static_cast<std::size_t>(i / 8)] & (1u << (i % 8)))) continue;
    const std::int64_t start_us = day_us + i * quarter_us;
    fields f;
    f.mask = r.byte();
    if (f.mask & 0x80) r.ok = false;
    for (int k = 0; k < n_fields && r.ok; ++k) {
      if (!present(f, k)) continue;
      const auto ku = static_cast<std::size_t>(k);
      const auto z = unzigzag(r.varint());
      if (k == peak_at_field) {
        f.v[ku] = z;
        continue;
      }
      f.v[ku] = plus(base_of(f.v, prev, k), z);
      prev[ku] = f.v[ku];
    }
    if (!r.ok) break;
    out.push_back({from_micros(start_us), aggregate_of(f, start_us)});
  }
  // Bits past `slots` set, or bytes left over: not this encoding.
  const bool stray_bits = slots % 8 != 0 && (map.back() >> (slots % 8)) != 0;
  if (!r.ok || r.at != bytes.size() || stray_bits) {
    out.resize(first);
    return false;
  }
  return true;
}

}  // namespace segs::telemetry
