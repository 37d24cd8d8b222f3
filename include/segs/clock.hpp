// libsegs — the injectable clock.
//
// Every expiry, lockout, epoch and billing cycle in libsegs reads time from a
// `segs::clock` given in `segs::options`. The default is the system clock;
// tests and simulations pass a `manual_clock` and move it forward themselves.
//
// Thread-safety: both implementations are safe to call from several threads.
#pragma once

#include <segs/export.hpp>
#include <segs/types.hpp>

#include <atomic>
#include <chrono>
#include <memory>

namespace segs {

/// The source of "now". Implementations must be thread-safe.
class SEGS_EXPORT clock {
 public:
  virtual ~clock();
  /// The current UTC instant.
  [[nodiscard]] virtual timestamp now() const = 0;
};

/// The operating system's real-time clock.
class SEGS_EXPORT system_clock final : public clock {
 public:
  [[nodiscard]] timestamp now() const override;
};

/// A clock that moves only when told to. Starts at `start`.
///
///     auto clk = std::make_shared<segs::manual_clock>(segs::from_micros(0));
///     clk->advance(std::chrono::minutes(11));   // an OTP issued at 0 is now expired
class SEGS_EXPORT manual_clock final : public clock {
 public:
  explicit manual_clock(timestamp start);
  [[nodiscard]] timestamp now() const override;
  /// Moves the clock forward (or back, with a negative duration).
  void advance(std::chrono::microseconds by) noexcept;
  /// Sets the clock to `t`.
  void set(timestamp t) noexcept;

 private:
  std::atomic<std::int64_t> micros_;
};

}  // namespace segs
