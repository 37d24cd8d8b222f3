// SQL of alerts: the alerts, the rules' durable counts, the settings rows.
// Functions run inside a transaction the caller owns.
#pragma once

#include "storage/backend.hpp"

#include <map>
#include <string>

#include <segs/alerts.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace segs::storage::alerts {

/// An alert and the compact key of its meter.
struct alert_row {
  std::int64_t seq = 0;
  std::int64_t meter = 0;
  segs::alert a;
};
/// Inserts `r.a`; answers its seq.
std::int64_t insert_alert(transaction& tx, const alert_row& r);
/// Writes every mutable column of the alert with `r.seq`.
void update_alert(transaction& tx, const alert_row& r);
std::optional<alert_row> find_alert(transaction& tx, const uuid& id);
/// The open (active or acknowledged) alerts of `meters` (ascending, distinct).
std::vector<alert_row> open_alerts_of(transaction& tx, const std::vector<std::int64_t>& meters);
/// The meters of `region` with an open alert of `type`.
std::vector<std::int64_t> meters_with_open(transaction& tx, std::string_view region, alert_type type);

/// Whose alerts a caller sees: everyone's (both empty), or those raised for
/// `user` or in `region` (either may be empty).
struct visibility {
  bool all = false;
  std::optional<uuid> user;
  std::optional<std::string> region;
};
struct alert_filter {
  visibility who;
  std::optional<alert_status> status;
  bool open_only = false;
  std::optional<alert_severity> severity;
  std::optional<alert_type> type;
  std::optional<std::int64_t> meter;
  std::optional<std::string> region;
  std::optional<timestamp> from;  ///< first_seen_at >= from
  std::optional<timestamp> to;    ///< first_seen_at < to
};
page<alert_row> list_alerts(transaction& tx, const alert_filter& f, page_request p, bool oldest_first);
/// Every alert of `f` (no paging), plus those resolved in [resolved_from,
/// resolved_to) when given: the rows reports count.
std::vector<alert_row> report_rows(transaction& tx, const alert_filter& f, std::optional<timestamp> resolved_from,
                                   std::optional<timestamp> resolved_to);

// --- the rules' counts ----------------------------------------------------------
struct state_row {
  std::int64_t meter = 0;
  alert_type type = alert_type::over_voltage;
  std::int64_t meeting = 0;
  std::int64_t clearing = 0;
  timestamp last{};
};
/// The stored counts of `meters` (ascending, distinct).
std::vector<state_row> states_of(transaction& tx, const std::vector<std::int64_t>& meters);
void put_states(transaction& tx, const std::vector<state_row>& rows);
void drop_states(transaction& tx, const std::vector<std::pair<std::int64_t, alert_type>>& keys);

// --- settings -------------------------------------------------------------------
/// The rows (name, value) of `region`'s settings (meter 0) or of a meter's.
using setting_rows = std::vector<std::pair<std::string, std::int64_t>>;
setting_rows settings_of(transaction& tx, std::string_view region, std::int64_t meter);
/// Meter overrides of the meters of `region` that have any: (meter, rows).
std::vector<std::pair<std::int64_t, setting_rows>> meter_settings_of(transaction& tx, std::string_view region);
void put_settings(transaction& tx, std::string_view region, std::int64_t meter, const setting_rows& rows);

// --- counts (operations) ---
/// Active or acknowledged alerts by region.
std::map<std::string, std::int64_t> open_by_region(transaction& tx);
/// Active or acknowledged alerts of `region` by severity ("info", ...).
std::map<std::string, std::int64_t> open_by_severity(transaction& tx, std::string_view region);

}  // namespace segs::storage::alerts
