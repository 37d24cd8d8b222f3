// libsegs — operations: the deployment's health, what it is, and what it
// holds.
//
//     auto h = grid->operations().health(admin).value();
//     if (h.status != segs::health_status::healthy) page_someone(h);
//     auto info = grid->operations().info(admin).value();
//     auto stats = grid->operations().stats(admin).value();
//
// `health` checks the parts a deployment depends on, each `healthy`,
// `degraded` or `unhealthy` (docs/operations.md, "Health"):
//   - database: a trivial query's round trip (degraded above 100 ms;
//     unhealthy when it fails);
//   - migrations: the schema's version against the newest this build
//     knows (unhealthy when they differ);
//   - due_work: the time since grid::run_due_work last ran in this process
//     (degraded when it never ran or above 60 s; unhealthy above 600 s);
//   - event_hub: events waiting in subscribers' queues (degraded when a
//     queue has dropped events since the grid opened);
//   - storage: the connection pool (degraded when every connection is in
//     use).
// The overall status is the worst of them. `info` says what runs (version,
// build, backend, uptime, schema, regions); `stats` counts what the
// deployment holds per capability and region, and its database's size. No
// answer carries a secret: no URL, key or password.
//
// Authorization: `system:read` (admins) for health, info and stats;
// FORBIDDEN otherwise, UNAUTHORIZED for anonymous callers.
//
// Operators' views (issue 16, section 3; docs/operations.md, "Operators'
// dashboard and reports"):
//
//     auto d = grid->operations().dashboard(op).value();        // the operator's region(s)
//     auto c = grid->operations().consumption(op, {.group_by = segs::analytics_grouping::month}).value();
//     auto r = grid->operations().revenue(admin, {.region = "north"}).value();
//     for (std::string after;;) {                                // a CSV of users, a page at a time
//       auto p = grid->operations().export_users_page(op, after, 1000).value();
//       write(p.text);
//       if (p.done) break;
//       after = p.next_after;
//     }
//
// `dashboard` and the reports need `analytics:operate` (operators over their
// region, admins over every region); `export_users_page` needs `users:read`
// and covers the caller's scope (region: its region; department: its
// department; all: everyone; self: FORBIDDEN). API keys read none of them.
// Reports over a region the caller does not operate are FORBIDDEN naming
// `region`; an unknown region, a bad range or grouping are
// VALIDATION_ERROR naming `region`, `from`, `to` or `group_by`.
//
// Thread-safety: the service is safe to use from several threads; it lives
// as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/analytics.hpp>
#include <segs/error.hpp>
#include <segs/telemetry.hpp>
#include <segs/export.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs {

enum class health_status { healthy, degraded, unhealthy };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(health_status s) noexcept;

struct health_report {
  health_status status = health_status::healthy;  ///< the worst of the checks
  struct database_check {
    health_status status = health_status::healthy;
    double latency_ms = 0;  ///< a trivial query's round trip
  } database;
  struct migrations_check {
    health_status status = health_status::healthy;
    int version = 0;  ///< the schema's
    int latest = 0;   ///< the newest this build knows
  } migrations;
  struct due_work_check {
    health_status status = health_status::healthy;
    std::optional<double> lag_s;          ///< since the last run; none: never ran here
    std::optional<timestamp> last_run_at;  ///< the clock's now of that run
  } due_work;
  struct event_hub_check {
    health_status status = health_status::healthy;
    std::int64_t queued = 0;       ///< events waiting in subscribers' queues
    std::int64_t dropped = 0;      ///< events queues dropped (full) since open
    std::int64_t subscribers = 0;  ///< callbacks and queues
  } event_hub;
  struct storage_check {
    health_status status = health_status::healthy;
    int pool_in_use = 0;
    int pool_size = 0;
  } storage;
};

/// What runs.
struct system_info {
  std::string version;  ///< the library's ("0.1.0")
  std::string build;    ///< compiler, build type and optional parts
  std::string backend;  ///< "sqlite" or "postgres"
  double uptime_s = 0;  ///< since the grid opened (steady time)
  timestamp started_at{};  ///< the clock's now when it opened
  int schema_version = 0;
  std::vector<std::string> regions;  ///< registered region codes
  /// Readings stored (new ones and corrections) since the grid opened, in
  /// this process: a counter for /metrics.
  std::int64_t readings_ingested = 0;
};

/// What the deployment holds.
struct deployment_stats {
  struct region_counts {
    std::string region;
    std::int64_t users = 0;
    std::int64_t meters = 0;
    std::int64_t open_alerts = 0;
    std::int64_t open_orders = 0;
    std::int64_t invoices = 0;
  };
  std::int64_t users = 0;          ///< not deleted
  std::int64_t meters = 0;
  std::int64_t readings = 0;       ///< raw rows kept
  std::int64_t open_alerts = 0;    ///< active or acknowledged
  std::int64_t tariffs = 0;
  std::int64_t open_orders = 0;    ///< open or partially filled
  std::int64_t trades = 0;
  std::int64_t invoices = 0;
  std::int64_t notifications = 0;
  std::int64_t audit_records = 0;
  std::vector<region_counts> regions;  ///< by code
  std::optional<std::int64_t> database_bytes;  ///< none where the backend cannot tell
};

/// An operator's dashboard over the regions it covers (`regions`). "today"
/// is each region's own local day, by the grid's clock. Energy in whole Wh,
/// power in thousandths of a kW, money in micro-units of `currency`.
struct operator_dashboard {
  std::vector<std::string> regions;  ///< the region codes covered, sorted
  timestamp as_of{};                 ///< the grid clock's now
  /// The covered regions' currency; none when they use several, and then
  /// every money figure below is none too (sums across currencies mean nothing).
  std::optional<std::string> currency;
  struct user_counts {
    std::int64_t total = 0;      ///< accounts not deleted
    std::int64_t active = 0;     ///< status active
    std::int64_t suspended = 0;  ///< status suspended
  } users;
  struct meter_counts {
    std::int64_t total = 0;               ///< not decommissioned
    std::int64_t active = 0;              ///< status active
    std::int64_t reporting_last_15m = 0;  ///< with a reading in (now - 15 min, now]
  } meters;
  /// Sum over the meters of their latest reading's power in (now - 15 min,
  /// now], positive (consuming) ones only: what telemetry's realtime view
  /// calls load_kw, summed over the regions.
  milli load_kw;
  /// Consumption of the quarter-hours starting from each region's local
  /// midnight to now.
  energy consumption_today;
  struct alert_counts {
    std::int64_t info = 0;
    std::int64_t warning = 0;
    std::int64_t critical = 0;
  } alerts_open;  ///< active or acknowledged, by severity
  struct invoice_figures {
    /// What is still due (total - paid - credited) on the invoices not void.
    std::optional<money> outstanding;
    /// Invoices with something due whose due date has passed.
    std::int64_t overdue_count = 0;
    std::optional<money> overdue_amount;  ///< what is due on those
  } invoices;
  struct market_figures {
    std::int64_t open_orders = 0;  ///< open or partially filled
    energy volume_today;           ///< traded for delivery slots of the local day
    /// The price of the latest trade (by execution time) of the regions; none
    /// without trades.
    std::optional<money> last_price;
  } market;
};

/// What the operators' reports take. Without `region`: the caller's own,
/// or for admins the only registered region (VALIDATION_ERROR naming
/// `region` when there are several). `from` and `to` are local dates of the
/// region, both included (defaults as analytics: 30 days ending today; at
/// most 366 days).
struct operator_report_query {
  std::optional<std::string> region;
  std::optional<std::chrono::year_month_day> from;
  std::optional<std::chrono::year_month_day> to;
  analytics_grouping group_by = analytics_grouping::day;
};

/// Which region, zone and local range a report covers.
struct operator_report_header {
  std::string region;
  std::string time_zone;
  std::string currency;
  std::chrono::year_month_day from{};
  std::chrono::year_month_day to{};
  analytics_grouping group_by = analytics_grouping::day;
};

/// A local day or month of the region's consumption, from telemetry's
/// quarter-hours.
struct consumption_row {
  std::string period;  ///< "YYYY-MM-DD" or "YYYY-MM"
  timestamp start{};
  timestamp end{};
  energy consumed;
  energy produced;
  energy net;  ///< consumed - produced
  /// The highest quarter-hour net load (consumed - produced) / 0.25 h, as
  /// telemetry's region statistics define peak_load_kw; none without readings.
  std::optional<milli> peak_load_kw;
  std::int64_t meters_reporting = 0;  ///< meters with a quarter-hour in the period
};

struct consumption_report {
  operator_report_header header;
  std::vector<consumption_row> rows;  ///< every period the range touches, oldest first
};

/// A local day or month of the region's revenue.
struct revenue_row {
  std::string period;
  timestamp start{};
  timestamp end{};
  money invoiced;     ///< totals of the invoices issued in the period (void left out)
  money collected;    ///< payments received in the period
  money outstanding;  ///< what is still due now on the invoices issued in the period
  energy p2p_volume;  ///< traded for delivery slots starting in the period
  money market_fees;  ///< both sides' fees on those trades
};

struct revenue_report {
  operator_report_header header;
  std::vector<revenue_row> rows;
};

/// A page of the users' CSV export.
struct user_export_page {
  std::string text;        ///< CSV lines (the header row first on the first page)
  std::int64_t rows = 0;   ///< users in `text`
  std::string next_after;  ///< pass as `after` for the next page
  bool done = false;       ///< no page follows
};

/// The users export's columns, in order.
[[nodiscard]] SEGS_EXPORT const std::vector<std::string_view>& user_export_columns();

/// What `operations_service::seed` creates (docs/operations.md, "Seeding").
struct seed_request {
  /// The generator's seed: the same seed on an empty database at the same
  /// clock time seeds the same users, meters, readings and trades. >= 0.
  std::uint64_t seed = 42;
  /// Household accounts (prosumers and consumers, each with a meter),
  /// 1..1000. An admin and one operator per seeded region come on top.
  int users = 10;
  /// Whole UTC days of 15-minute readings before today, 0..90.
  int days = 7;
};

/// A demo account's sign-in, answered once by `seed` and stored nowhere in
/// clear (only its password hash is kept).
struct demo_credential {
  std::string email;
  std::string password;  ///< random (not derived from the seed)
  std::string role;
};

/// What one seeding created.
struct seed_report {
  /// Which seeding of this database this was, from 1; the emails carry it.
  int run = 1;
  std::int64_t regions = 0;   ///< regions registered (existing ones are reused)
  std::int64_t users = 0;     ///< accounts created, every role
  std::int64_t meters = 0;
  std::int64_t tariffs = 0;
  std::int64_t readings = 0;  ///< 15-minute readings stored
  std::int64_t orders = 0;    ///< orders accepted by the market
  std::int64_t trades = 0;
  std::int64_t settled_slots = 0;  ///< delivery slots settled
  std::vector<demo_credential> credentials;  ///< every account created
};

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
struct grid_core;
}  // namespace detail

class SEGS_EXPORT operations_service {
 public:
  ~operations_service();
  operations_service(const operations_service&) = delete;
  operations_service& operator=(const operations_service&) = delete;

  /// The checks of the header's comment. Needs `system:read`.
  result<health_report> health(const principal& who);
  /// What runs. Needs `system:read`.
  result<system_info> info(const principal& who);
  /// Counts per capability and region. Needs `system:read`.
  result<deployment_stats> stats(const principal& who);

  /// The dashboard of the regions the caller operates. Needs
  /// `analytics:operate` (operators: their region; admins: every region).
  /// `region` narrows it to one of them (VALIDATION_ERROR naming `region`
  /// when it is not registered, FORBIDDEN naming it when not operated).
  result<operator_dashboard> dashboard(const principal& who, const std::optional<std::string>& region = {});
  /// Consumption, production, net, peak load and reporting meters per local
  /// day or month of a region. Needs `analytics:operate` over the region.
  result<consumption_report> consumption(const principal& who, const operator_report_query& q = {});
  /// Invoiced, collected, outstanding, P2P volume and market fees per local
  /// day or month of a region. Needs `analytics:operate` over the region.
  result<revenue_report> revenue(const principal& who, const operator_report_query& q = {});
  /// The users in the caller's scope as CSV (columns: user_export_columns),
  /// by id: up to `limit` (1-10,000) users with id after `after` ("" for the
  /// first page, which starts with the header row). Deleted accounts are
  /// left out. Cells are quoted where they hold a comma, quote or line
  /// break, and a cell starting with =, +, -, @, tab or carriage return
  /// gets a leading ' so that spreadsheets do not run it as a formula.
  /// Needs `users:read`; VALIDATION_ERROR naming `limit` or `after`.
  result<user_export_page> export_users_page(const principal& who, std::string_view after = {}, int limit = 1000);
  /// Seeds demo data through the other services (docs/operations.md,
  /// "Seeding"): regions, users of every role, meters, tariffs, `days` of
  /// synthetic 15-minute readings, market orders and a settled day, derived
  /// from `r.seed`. Each call is a new run: its accounts' emails carry the
  /// run number, so seeding again adds a fresh batch. Needs `system:read`
  /// (admins) and a grid opened with `options::development_mode`
  /// (forbidden otherwise, even for admins; nothing is written).
  /// validation_error naming `users` or `days`.
  result<seed_report> seed(const principal& who, const seed_request& r);

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit operations_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
