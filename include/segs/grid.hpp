// libsegs — the grid: one open database and the services over it.
//
//     segs::options opts;                      // defaults of the SEGS seed
//     auto g = segs::grid::open("sqlite:var/grid.db", opts).value();
//     auto user = g->identity().register_user({.email = "ada@example.org", ...});
//
// `open` applies pending migrations and refuses a database whose schema is
// newer than the library or whose applied migrations were changed.
//
// Thread-safety: a grid and its services are safe to use from several threads
// at once. Destroying the grid while calls are running is undefined; services
// and references obtained from a grid must not outlive it.
#pragma once

#include <segs/audit.hpp>
#include <segs/error.hpp>
#include <segs/events.hpp>
#include <segs/export.hpp>
#include <segs/identity.hpp>
#include <segs/market.hpp>
#include <segs/options.hpp>
#include <segs/outbox.hpp>
#include <segs/region.hpp>
#include <segs/telemetry.hpp>
#include <segs/alerts.hpp>
#include <segs/billing.hpp>
#include <segs/notifications.hpp>
#include <segs/operations.hpp>
#include <segs/config.hpp>
#include <segs/tariffs.hpp>
#include <segs/analytics.hpp>

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace segs {

class grid;
namespace storage {
class backend;
}
namespace detail {
// Internal: opens a grid over an already-open storage backend (tests use it
// to inject faults). Not part of the public API.
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

/// What `grid::run_due_work` did, by capability.
struct due_work_report {
  /// The clock's now the work ran for.
  timestamp ran_at{};
  /// Market: the gates it closed (continuous: resting orders expired;
  /// epoch: the auction ran), oldest slot first.
  std::vector<clearing_result> gate_closures;
  /// Telemetry: raw readings deleted for being older than
  /// `telemetry_options::raw_retention` (their aggregates stay).
  std::int64_t readings_dropped = 0;
  /// Telemetry: settled local days (their end passed) whose quarter-hours
  /// were packed into the day's row, a bounded number per run, oldest
  /// first (docs/telemetry.md, "Packed days").
  std::int64_t days_packed = 0;
  /// Alerts: `meter_offline` alerts raised for meters silent past their limit.
  std::int64_t offline_alerts_raised = 0;
  /// Billing: invoices generated for regions with `auto_generate` whose
  /// cycle ended.
  std::int64_t invoices_generated = 0;
  /// Billing: invoices found past due with something due, now `overdue`.
  std::int64_t invoices_overdue = 0;
  /// Notifications: read ones removed for being older than
  /// `notification_options::retention`.
  std::int64_t notifications_removed = 0;
  /// Work that failed, each message prefixed with its capability
  /// ("market: ..."); the other capabilities' work still ran.
  std::vector<error> failures;
  /// True when nothing was due and nothing failed.
  [[nodiscard]] bool idle() const noexcept { return gate_closures.empty() && readings_dropped == 0 && days_packed == 0 && offline_alerts_raised == 0 && invoices_generated == 0 && invoices_overdue == 0 && notifications_removed == 0 && failures.empty(); }
};

class SEGS_EXPORT grid {
 public:
  /// Opens (creating when needed) the grid stored at `url`:
  ///   - "sqlite:PATH"      a SQLite file (created, WAL mode)
  ///   - "sqlite::memory:"  a private in-memory database
  ///     SQLite options: mode=ro|rw|rwc, busy_timeout_ms=N, cache_mib=N (each
  ///     connection's page cache; default SQLite's 2 MiB).
  ///   - "postgresql://user@host/db?sslmode=verify-full&..." any libpq URL;
  ///     libpq parameters pass through, unknown ones are refused.
  /// Errors: validation_error (field "url") for unknown schemes and options,
  /// unavailable when the database cannot be reached, schema_mismatch when
  /// migrations are refused.
  [[nodiscard]] static result<std::unique_ptr<grid>> open(std::string_view url, options opts = {});

  ~grid();
  grid(const grid&) = delete;
  grid& operator=(const grid&) = delete;

  [[nodiscard]] identity_service& identity() noexcept;
  [[nodiscard]] audit_log& audit() noexcept;
  [[nodiscard]] segs::outbox& outbox() noexcept;
  /// After-commit events of every capability (events.hpp).
  [[nodiscard]] event_hub& events() noexcept;
  /// The region registry (region.hpp).
  [[nodiscard]] region_service& regions() noexcept;
  /// The energy market (market.hpp).
  [[nodiscard]] market_service& market() noexcept;
  /// Meters and telemetry (telemetry.hpp).
  [[nodiscard]] telemetry_service& telemetry() noexcept;
  /// Alerts on readings and offline meters (alerts.hpp).
  [[nodiscard]] alerts_service& alerts() noexcept;
  /// Tariffs, overrides, prices and estimates (tariffs.hpp).
  [[nodiscard]] tariffs_service& tariffs() noexcept;
  /// Cycles, invoices, payments, disputes (billing.hpp).
  [[nodiscard]] billing_service& billing() noexcept;
  /// Energy, trading, users, market and financial reports (analytics.hpp).
  [[nodiscard]] analytics_service& analytics() noexcept;
  /// One's notifications: history, unread, marks (notifications.hpp).
  [[nodiscard]] notifications_service& notifications() noexcept;
  /// The deployment's health, information and statistics (operations.hpp).
  [[nodiscard]] operations_service& operations() noexcept;
  /// The runtime configuration (config.hpp).
  [[nodiscard]] config_service& config() noexcept;
  [[nodiscard]] const segs::clock& clock() const noexcept;
  /// Runs whatever is due at the clock's now, for every capability, and
  /// says what it did: market gate closures today; later capabilities add
  /// their own (offline meters, billing cycles, ...). Nothing runs in the
  /// background: a host calls this on a timer (the example server every
  /// second), a simulation after moving a manual clock. It acts as the
  /// system: a host's own maintenance, never a remote caller's. Runs are
  /// serialized; calling it again finds less or nothing to do. Errors: none
  /// of its own; a capability's failure is listed in `failures`.
  [[nodiscard]] result<due_work_report> run_due_work();
  /// "sqlite" or "postgres".
  [[nodiscard]] std::string_view backend_name() const noexcept;
  /// True when storage answers now (for readiness probes).
  [[nodiscard]] bool ready() const noexcept;
  /// The schema version (newest applied migration).
  [[nodiscard]] int schema_version() const noexcept;

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>,
                                                          options);
  grid();
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
