// libsegs — alerts: rules evaluated on every stored reading, offline meters,
// and the lifecycle of what they raise.
//
//     auto open = grid->alerts().list(operator_principal, {.status = segs::alert_status::active});
//     grid->alerts().acknowledge(operator_principal, open->items.front().id, "crew sent");
//     segs::alert_settings_patch p;
//     p.voltage_band = segs::milli{30};              // 3 %
//     p.rules[segs::alert_type::low_power_factor].fire_after = 5;
//     grid->alerts().update_settings(admin, "north", p);
//
// Rules. Every reading telemetry stores is evaluated in the transaction that
// stores it, so a stored reading is never unevaluated, even after a crash.
// The instantaneous rules (voltage, frequency, power factor, capacity) follow
// each meter's readings in time order: while a rule is counting (or its
// alert is open), a reading not newer than the newest one it counted moves
// no count. A rule at rest keeps nothing, so a late reading that meets it
// then counts like any other: the condition did occur, at its time.
// `high_consumption` is evaluated on every quarter-hour a batch changed,
// late ones included. `meter_offline` is found by due work
// (`grid::run_due_work`): an active meter with no reading for longer than
// the limit (since its creation when it never reported); its next reading
// clears it.
//
// Hysteresis. A condition raises after `fire_after` consecutive evaluated
// readings that meet it and clears after `clear_after` consecutive ones that
// do not. One alert is open per (meter, type): a repeat increments
// `occurrences`, moves `last_seen_at` and keeps the worst severity (a worse
// one publishes `escalated`); `value`, `threshold` and `message` describe
// the latest observation at that severity. Clearing resolves an alert nobody resolved
// (`resolution` automatic, `resolved_by` none). The counters are stored,
// so a reopened grid continues where it stopped.
//
// Lifecycle: active -> acknowledged -> resolved, or active -> resolved.
// Acknowledging an acknowledged alert answers it unchanged; acknowledging
// or resolving a resolved one is a conflict. Both are audited.
//
// Authorization (inside the library; what a caller may not see is
// not_found, so alert ids do not leak):
//   - A user sees the alerts raised on their meters while they held them
//     (`telemetry:read`) and may acknowledge and resolve those.
//   - `alerts:manage` with scope region (operators) sees, acknowledges and
//     resolves the alerts of its region; with scope all (admins), every
//     alert. `unresolved`, `acknowledge_many` and `analytics` need it
//     (forbidden otherwise).
//   - `alerts:configure` (admins) changes the rule settings; anyone who sees
//     a region's alerts may read its settings.
//
// Units: `value` and `threshold` are decimals in the rule's unit: volts,
// hertz, a power factor, kilowatts (over_capacity), kilowatt-hours of a
// quarter-hour (high_consumption), minutes (meter_offline).
//
// Errors: validation_error naming the C++ member, not_found, conflict (a
// resolved alert), forbidden (a permission the operation needs).
//
// Thread-safety: safe from several threads. Lifetime: from `grid::alerts()`,
// lives as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/page.hpp>
#include <segs/telemetry.hpp>
#include <segs/types.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

enum class alert_type {
  over_voltage,
  under_voltage,
  frequency_deviation,
  low_power_factor,
  over_capacity,
  high_consumption,
  meter_offline,
};
inline constexpr std::size_t alert_type_count = 7;
enum class alert_severity { info, warning, critical };
enum class alert_status { active, acknowledged, resolved };
/// `automatic` is "auto" on the wire.
enum class alert_resolution { manual, automatic };

[[nodiscard]] SEGS_EXPORT std::string_view to_string(alert_type t) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(alert_severity s) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(alert_status s) noexcept;
/// "manual" or "auto".
[[nodiscard]] SEGS_EXPORT std::string_view to_string(alert_resolution r) noexcept;
[[nodiscard]] SEGS_EXPORT result<alert_type> parse_alert_type(std::string_view text);
[[nodiscard]] SEGS_EXPORT result<alert_severity> parse_alert_severity(std::string_view text);
[[nodiscard]] SEGS_EXPORT result<alert_status> parse_alert_status(std::string_view text);

struct alert {
  uuid id;
  std::string meter_id;  ///< the meter's serial
  uuid meter_uuid;
  std::optional<uuid> user_id;  ///< the meter's owner when the alert was raised
  std::string region;
  alert_type type = alert_type::over_voltage;
  alert_severity severity = alert_severity::warning;  ///< the worst seen while open
  alert_status status = alert_status::active;
  std::string message;  ///< with the measured value and the limit
  milli value;          ///< the latest observation at `severity`
  milli threshold;      ///< the limit that observation crossed
  std::int64_t occurrences = 1;
  timestamp first_seen_at{};
  timestamp last_seen_at{};
  std::optional<timestamp> acknowledged_at;
  std::optional<uuid> acknowledged_by;
  std::string acknowledge_note;
  std::optional<timestamp> resolved_at;
  std::optional<uuid> resolved_by;  ///< none when resolved automatically
  std::optional<alert_resolution> resolution;
  std::string resolution_note;
};

/// The events "alerts.raised", "alerts.escalated" (an open alert's
/// severity went up), "alerts.acknowledged", "alerts.resolved"; `alert` as
/// it is after the change.
struct alert_event {
  enum class kind { raised, escalated, acknowledged, resolved };
  kind type = kind::raised;
  segs::alert alert;
};

/// Listing filters; `from`/`to` bound `first_seen_at` as [from, to).
struct alert_query {
  std::optional<alert_status> status;
  std::optional<alert_severity> severity;
  std::optional<alert_type> type;
  std::optional<std::string> meter;   ///< serial or UUID
  std::optional<std::string> region;
  std::optional<timestamp> from;
  std::optional<timestamp> to;
  int page = 1;
  int per_page = 20;  ///< 1..100
};

struct alert_summary {
  std::int64_t total_open = 0;
  std::int64_t active = 0;
  std::int64_t acknowledged = 0;
  std::array<std::int64_t, 3> by_severity{};  ///< indexed by alert_severity
  std::map<alert_type, std::int64_t> by_type;  ///< types with open alerts
  std::optional<timestamp> oldest_open_at;
};

struct alert_day {
  std::chrono::year_month_day date;  ///< a local date
  std::int64_t raised = 0;
  std::int64_t resolved = 0;
};

struct alert_stats {
  timestamp from{};
  timestamp to{};
  std::int64_t raised = 0;         ///< first seen in [from, to)
  std::int64_t resolved = 0;       ///< resolved in [from, to)
  std::int64_t auto_resolved = 0;  ///< of `resolved`, automatically
  std::optional<double> mean_time_to_acknowledge_s;  ///< of those raised; none when none acknowledged
  std::optional<double> mean_time_to_resolve_s;
  std::string time_zone;  ///< of `per_day`'s dates
  std::vector<alert_day> per_day;  ///< every local day of the range
};

struct meter_alert_count {
  std::string meter_id;
  std::int64_t alerts = 0;
};

struct alert_analytics {
  timestamp from{};
  timestamp to{};
  std::map<alert_type, std::int64_t> by_type;
  std::array<std::int64_t, 3> by_severity{};
  std::map<std::string, std::int64_t> by_region;
  std::vector<meter_alert_count> top_meters;  ///< most alerts first, then serial; at most 10
  std::optional<double> mean_time_to_acknowledge_s;
  std::optional<double> mean_time_to_resolve_s;
  std::int64_t open_now = 0;
};

struct bulk_acknowledge_report {
  std::vector<uuid> acknowledged;
  std::vector<uuid> already_acknowledged;
  std::vector<uuid> not_found;  ///< unknown, or not visible to the caller
  std::vector<uuid> conflict;   ///< resolved
};

/// How one rule behaves.
struct alert_rule {
  bool enabled = true;
  int fire_after = 1;   ///< 1..100 consecutive readings that meet it
  int clear_after = 3;  ///< 1..100 consecutive readings that do not
};

/// The settings in effect for a region, or a meter of it.
struct alert_settings {
  milli nominal_voltage_v{230'000};   ///< default: the region's nominal voltage
  milli voltage_band{50};             ///< 0.050: warning beyond nominal x (1 +- band)
  milli nominal_frequency_hz{50'000};  ///< default: the region's nominal frequency
  milli frequency_limit_hz{500};      ///< |frequency - nominal| above it
  milli power_factor_min{850};        ///< power factor below it
  milli high_consumption_factor{3'000};  ///< x the mean of the local hour's quarter-hours
  std::int64_t offline_after_minutes = 30;
  /// Indexed by alert_type. low_power_factor fires after 3 by default.
  std::array<alert_rule, alert_type_count> rules{
      alert_rule{}, alert_rule{}, alert_rule{}, alert_rule{true, 3, 3},
      alert_rule{}, alert_rule{}, alert_rule{}};
};

/// A partial update: absent members keep their value. For a meter, a member
/// set here overrides the region's.
struct alert_rule_patch {
  std::optional<bool> enabled;
  std::optional<int> fire_after;
  std::optional<int> clear_after;
};
struct alert_settings_patch {
  std::optional<milli> nominal_voltage_v;   ///< > 0
  std::optional<milli> voltage_band;        ///< (0, 0.5]
  std::optional<milli> nominal_frequency_hz;  ///< > 0
  std::optional<milli> frequency_limit_hz;  ///< > 0
  std::optional<milli> power_factor_min;    ///< [0, 1]
  std::optional<milli> high_consumption_factor;  ///< >= 1
  std::optional<std::int64_t> offline_after_minutes;  ///< 1..10080
  std::map<alert_type, alert_rule_patch> rules;
};

/// Alert settings of a deployment.
struct alerts_options {
  /// False: readings are stored without the rules (loading history, or
  /// measuring what the rules cost); the offline sweep still runs.
  bool evaluate_readings = true;
};

class SEGS_EXPORT alerts_service {
 public:
  ~alerts_service();
  alerts_service(const alerts_service&) = delete;
  alerts_service& operator=(const alerts_service&) = delete;

  /// The alerts the caller sees (see the banner), newest first. Filters
  /// name a region or meter the caller does not see: an empty page.
  result<page<alert>> list(const principal& who, const alert_query& q = {});
  /// `alerts:manage`: open alerts (active, acknowledged) the caller sees,
  /// oldest first.
  result<page<alert>> unresolved(const principal& who, page_request p = {});
  result<alert> get(const principal& who, const uuid& id);
  /// not_found (unknown or not visible), conflict (resolved).
  result<alert> acknowledge(const principal& who, const uuid& id, std::string_view note = {},
                            const request_context& ctx = {});
  result<alert> resolve(const principal& who, const uuid& id, std::string_view note = {},
                        const request_context& ctx = {});
  /// `alerts:manage`. At most 500 ids, each acknowledged as `acknowledge`
  /// would; one transaction.
  result<bulk_acknowledge_report> acknowledge_many(const principal& who, std::span<const uuid> ids,
                                                   std::string_view note = {}, const request_context& ctx = {});

  /// Over the caller's open alerts.
  result<alert_summary> summary(const principal& who);
  /// Over the alerts the caller sees; days in the caller's region's zone
  /// (UTC without one). At most 366 days.
  result<alert_stats> stats(const principal& who, timestamp from, timestamp to);
  /// `alerts:manage` (operators, admins): over [from, to), optionally one
  /// region (not_found when unknown, forbidden outside the caller's scope).
  result<alert_analytics> analytics(const principal& who, timestamp from, timestamp to,
                                    std::optional<std::string_view> region = {});

  /// The settings in effect for `region`, or for `meter` of it.
  result<alert_settings> settings(const principal& who, std::string_view region,
                                  std::optional<std::string_view> meter = {});
  /// `alerts:configure`; audited. Answers the settings now in effect.
  result<alert_settings> update_settings(const principal& who, std::string_view region,
                                         const alert_settings_patch& patch, const request_context& ctx = {});
  result<alert_settings> update_meter_settings(const principal& who, std::string_view region,
                                               std::string_view meter, const alert_settings_patch& patch,
                                               const request_context& ctx = {});

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit alerts_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
