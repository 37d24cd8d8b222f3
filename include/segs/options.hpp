// libsegs — configuration, with the defaults of the SEGS seed.
//
// Every value has a documented default and may be overridden before
// `segs::grid::open`. Options are copied into the grid at open; changing the
// struct afterwards has no effect.
#pragma once

#include <segs/alerts.hpp>
#include <segs/billing.hpp>
#include <segs/clock.hpp>
#include <segs/identity.hpp>
#include <segs/market.hpp>
#include <segs/notifications.hpp>
#include <segs/region.hpp>
#include <segs/telemetry.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace segs {

/// Storage settings common to every backend.
struct storage_options {
  /// Connections kept by the backend (SQLite files and PostgreSQL); an
  /// in-memory SQLite database always uses one.
  int pool_size = 4;
  /// How long a statement waits for a lock before failing with `unavailable`.
  std::chrono::milliseconds busy_timeout{5000};
  /// Attempts for a transaction that failed with a serialization failure or
  /// a deadlock (PostgreSQL) before the error is returned.
  int max_retries = 5;
  /// Apply pending migrations at open (the default). When false, a database
  /// that is behind the library is refused with `schema_mismatch`.
  bool migrate = true;
};

/// Everything `grid::open` accepts besides the URL.
struct options {
  /// The clock; null means the system clock.
  std::shared_ptr<segs::clock> clock;
  identity_options identity;
  storage_options storage;
  /// The deployment's regions and its default region (region.hpp).
  region_options regions;
  market_options market;
  /// Raw reading retention (telemetry.hpp).
  telemetry_options telemetry;
  /// Whether the rules run on ingest (alerts.hpp).
  alerts_options alerts;
  /// How invoices are generated (billing.hpp).
  billing_options billing;
  /// How long read notifications are kept (notifications.hpp).
  notification_options notifications;
  /// Development mode: allows what only a developer's or a demo's grid
  /// may do, today `operations_service::seed` (synthetic regions, users,
  /// meters, readings and trades; docs/operations.md, "Seeding"). Never on
  /// in production: a seeded grid holds demo accounts whose passwords were
  /// shown once to whoever seeded it.
  bool development_mode = false;
};

}  // namespace segs
