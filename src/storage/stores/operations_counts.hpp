// What the deployment holds, counted by each capability's store.
#pragma once

#include "storage/backend.hpp"

#include <segs/operations.hpp>

namespace segs::storage::counts {

/// Every count of `deployment_stats` but `database_bytes`.
[[nodiscard]] deployment_stats of_deployment(transaction& tx);

}  // namespace segs::storage::counts
