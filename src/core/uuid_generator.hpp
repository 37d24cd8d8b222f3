// Generator of RFC 9562 version 7 UUIDs for new rows.
//
// Layout (big-endian): 48-bit Unix time in milliseconds | version 7 |
// 12-bit rand_a used as a sequence counter (RFC 9562 §6.2, method 1) |
// variant 0b10 | 62 random bits from libsodium.
//
// Ids from one generator are strictly increasing (bytewise, hence also in
// text and in database indexes), even when the clock stands still or steps
// back: the generator never goes below the last millisecond it used, and when
// the 12-bit counter runs out it borrows the next millisecond.
//
// Thread-safety: `next` may be called from several threads (a mutex).
#pragma once

#include <segs/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace segs::detail {

class uuid_generator {
 public:
  /// Initializes libsodium (idempotent); throws segs::exception (internal)
  /// if it cannot be initialized.
  uuid_generator();
  uuid_generator(const uuid_generator&) = delete;
  uuid_generator& operator=(const uuid_generator&) = delete;

  /// A new version 7 id for the instant `now`. Instants before 1970 count as
  /// 1970; the embedded time may run ahead of `now` by the milliseconds
  /// borrowed on counter overflow or after the clock stepped back.
  [[nodiscard]] uuid next(timestamp now);

 private:
  // Random bytes drawn from the kernel a pool at a time: one getrandom()
  // per id cost more than the rest of placing an order. REQUIRES mu_.
  void take_random(std::uint8_t* out, std::size_t n);
  std::uint16_t random_seq_start();

  std::mutex mu_;
  std::int64_t last_ms_ = -1;  // -1: nothing generated yet
  std::uint16_t seq_ = 0;      // 12 bits
  std::array<std::uint8_t, 4096> pool_{};
  std::size_t pool_used_ = 4096;  // all used: refill before the first id
  long pool_pid_ = 0;             // a forked child refills: it must not repeat its parent's bytes
};

}  // namespace segs::detail
