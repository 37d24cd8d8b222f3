// The alert rules, pure: what one reading (or quarter-hour, or silence)
// shows for each rule, and how a rule's consecutive counts move. No
// storage, no clock; unit-tested alone (tests/alerts/test_alert_rules.cpp).
#pragma once

#include <segs/alerts.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace segs::alerts {

/// What one observation shows for one rule.
struct finding {
  bool met = false;
  alert_severity severity = alert_severity::warning;
  milli value;      ///< in the rule's unit (alerts.hpp)
  milli threshold;  ///< the limit crossed, or the nearest one when not met
};

/// The instantaneous rules (over/under voltage, frequency, power factor,
/// capacity) on one reading, indexed by alert_type. Empty where the reading
/// carries no value the rule reads, where the rule is disabled, and for the
/// other types.
using findings = std::array<std::optional<finding>, alert_type_count>;
[[nodiscard]] findings instantaneous(const alert_settings& s, const reading& r, milli capacity_kw);

/// `high_consumption` on a quarter-hour of `quarter_wh`, against the mean
/// Wh of the quarter-hours of the same local hour on the previous 7 days;
/// empty without a mean (fewer than 3 days of history) or when disabled.
[[nodiscard]] std::optional<finding> high_consumption(const alert_settings& s, std::int64_t quarter_wh,
                                                      std::optional<double> mean_wh);

/// `meter_offline` after `silent` without a reading (met when longer than
/// the limit; `value` in minutes, to the thousandth).
[[nodiscard]] finding offline(const alert_settings& s, std::chrono::microseconds silent);

/// A rule's durable counts for one meter (the alert_state row).
struct counts {
  std::int64_t meeting = 0;   ///< consecutive observations that met it
  std::int64_t clearing = 0;  ///< consecutive ones that did not, while open
  std::optional<timestamp> last;  ///< the newest observation counted
  [[nodiscard]] bool at_rest() const noexcept { return meeting == 0 && clearing == 0; }
};

enum class transition { none, raise, repeat, clear };

/// One observation at `at` of a rule (`open`: an alert of it is open).
/// An observation not newer than `c.last` moves no count; it is a `repeat`
/// when it meets an open alert's condition. `raise`: open an alert;
/// `repeat`: the open alert met it again; `clear`: resolve it.
[[nodiscard]] transition step(counts& c, bool open, const alert_rule& rule, bool met, timestamp at);

/// The alert's message: the measured value and the limit, in words.
[[nodiscard]] std::string message(alert_type t, const finding& f);

/// The larger severity.
[[nodiscard]] constexpr alert_severity worse(alert_severity a, alert_severity b) noexcept {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

/// Checks a patch's values (errors name the C++ member) and applies it.
[[nodiscard]] result<alert_settings> apply(alert_settings s, const alert_settings_patch& p);

}  // namespace segs::alerts
