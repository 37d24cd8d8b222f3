// Synthetic household profiles for seeding (pure: no storage, no clock).
//
// Every value comes from the raw output of a seeded std::mt19937_64, whose
// sequence the C++ standard fixes; no std:: distribution is used (their
// algorithms differ between standard libraries), so a seed gives the same
// numbers everywhere.
//
// Curves, in local (standard) time of day, for one 15-minute quarter:
//   - household load: a base load plus a morning peak (about 07:30) and a
//     larger evening peak (about 19:00), each a Gaussian bump;
//   - PV production: a bell, sin(pi * (t - 06:00) / 14 h)^2 between 06:00
//     and 20:00 (peak at 13:00), zero at night, scaled by the day's
//     cloudiness (0.35..1);
//   - noise: each quarter's energy is multiplied by 1 + u, u uniform in
//     [-noise, +noise].
#pragma once

#include <array>
#include <cstdint>
#include <random>

namespace segs::detail::synthetic {

/// Deterministic numbers from a seeded mt19937_64.
class rng {
 public:
  explicit rng(std::uint64_t seed) : e_(seed) {}
  /// Uniform in [0, 1), from the engine's top 53 bits.
  double uniform();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), n > 0 (the engine's output modulo n; the
  /// bias is below 2^-50 for the small n used here).
  std::uint64_t below(std::uint64_t n);

 private:
  std::mt19937_64 e_;
};

/// One household: how much it uses, and its PV plant (none for consumers).
struct household {
  double load_kw = 0.4;    ///< mean household load over a day, kW
  double pv_peak_kw = 0;   ///< the PV plant's peak output on a clear day, kW; 0: none
  double noise = 0.15;     ///< relative noise of each quarter's energy
};

/// A household drawn from `r`: loads 0.25..0.65 kW; prosumers' PV peaks
/// 3..9 kW.
household make_household(rng& r, bool prosumer);

/// The relative load shape at local hour `h` (0..24): mean 1 over a day
/// (within 1%).
double load_shape(double h);
/// The PV shape at local hour `h`: 0..1, 0 at night.
double pv_shape(double h);

/// Energy of one quarter-hour, whole Wh.
struct quarter {
  std::int64_t consumed_wh = 0;
  std::int64_t produced_wh = 0;
};

/// A UTC day's 96 quarters (the first ends at 00:15 UTC) for `h`, with the
/// local time `utc_offset_min` minutes ahead of UTC. Draws the day's
/// cloudiness, then each quarter's noise, from `r`.
std::array<quarter, 96> day(rng& r, const household& h, int utc_offset_min);

}  // namespace segs::detail::synthetic
