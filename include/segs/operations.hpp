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
// Authorization: `system:read` (admins) for every call; FORBIDDEN otherwise,
// UNAUTHORIZED for anonymous callers.
//
// Thread-safety: the service is safe to use from several threads; it lives
// as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/types.hpp>

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
