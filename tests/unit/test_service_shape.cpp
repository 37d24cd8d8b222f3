// Every service has the one shape of docs/architecture.md: the grid creates
// it (private constructor), nobody copies it. Checked at compile time.
#include <segs/segs.hpp>

#include <type_traits>

namespace segs::detail {
struct grid_core;
}

namespace {

template <class Service>
constexpr bool grid_only() {
  return !std::is_constructible_v<Service, segs::detail::grid_core&> &&
         !std::is_default_constructible_v<Service> && !std::is_copy_constructible_v<Service> &&
         !std::is_copy_assignable_v<Service>;
}

static_assert(grid_only<segs::identity_service>());
static_assert(grid_only<segs::region_service>());
static_assert(grid_only<segs::market_service>());
static_assert(grid_only<segs::telemetry_service>());
static_assert(grid_only<segs::alerts_service>());
static_assert(grid_only<segs::tariffs_service>());
static_assert(grid_only<segs::analytics_service>());
static_assert(grid_only<segs::billing_service>());
static_assert(grid_only<segs::notifications_service>());
static_assert(grid_only<segs::operations_service>());
static_assert(grid_only<segs::audit_log>());
static_assert(grid_only<segs::outbox>());
static_assert(grid_only<segs::event_hub>());

}  // namespace
