// Synthetic household profiles (see synthetic.hpp).
#include "operations/synthetic.hpp"

#include <cmath>
#include <numbers>

namespace segs::detail::synthetic {

double rng::uniform() { return static_cast<double>(e_() >> 11) * 0x1.0p-53; }

std::uint64_t rng::below(std::uint64_t n) { return e_() % n; }

household make_household(rng& r, bool prosumer) {
  household h;
  h.load_kw = r.uniform(0.25, 0.65);
  h.pv_peak_kw = prosumer ? r.uniform(3.0, 9.0) : 0.0;
  return h;
}

namespace {

double bump(double h, double centre, double width) {
  const double d = (h - centre) / width;
  return std::exp(-0.5 * d * d);
}

}  // namespace

double load_shape(double h) {
  // 0.55 base + morning (07:30, 1 h wide) + evening (19:00, 1.5 h wide):
  // the bumps' areas are 0.9 * 2.5066 and 1.3 * 1.5 * 2.5066, so the mean over
  // 24 h is 0.55 + (2.256 + 4.888) / 24 = 0.8477; scaled to a mean of 1.
  constexpr double scale = 1.0 / 0.8477;
  return scale * (0.55 + 0.9 * bump(h, 7.5, 1.0) + 1.3 * bump(h, 19.0, 1.5));
}

double pv_shape(double h) {
  if (h <= 6.0 || h >= 20.0) return 0.0;
  const double s = std::sin(std::numbers::pi * (h - 6.0) / 14.0);
  return s * s;
}

std::array<quarter, 96> day(rng& r, const household& hh, int utc_offset_min) {
  std::array<quarter, 96> out{};
  const double clouds = r.uniform(0.35, 1.0);
  for (int q = 0; q < 96; ++q) {
    // The quarter's middle, in local hours.
    double local = (q * 15.0 + 7.5 + utc_offset_min) / 60.0;
    local = std::fmod(std::fmod(local, 24.0) + 24.0, 24.0);
    const double load_noise = 1.0 + r.uniform(-hh.noise, hh.noise);
    const double pv_noise = 1.0 + r.uniform(-hh.noise, hh.noise);
    // kW over a quarter-hour: kW * 250 Wh.
    out[q].consumed_wh = std::llround(hh.load_kw * load_shape(local) * load_noise * 250.0);
    out[q].produced_wh = std::llround(hh.pv_peak_kw * clouds * pv_shape(local) * pv_noise * 250.0);
  }
  return out;
}

}  // namespace segs::detail::synthetic
