// Internal: what other capabilities and the grid ask of the region registry.
#pragma once

#include "grid_core.hpp"

#include <string>
#include <string_view>

namespace segs::detail {

/// At open: applies region_options::define and registers the default
/// region when it is "default" and missing; validation_error otherwise.
void open_regions(grid_core& core);

/// The region a registration (or a profile change) names: the deployment's
/// default when `asked` is empty, else `asked` when registered;
/// validation_error naming `field` otherwise.
[[nodiscard]] std::string region_of_registration(storage::transaction& tx, const grid_core& core,
                                                 std::string_view asked,
                                                 std::string_view field = "region");

}  // namespace segs::detail
