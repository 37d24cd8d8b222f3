// SQL of the region registry.
#pragma once

#include "storage/backend.hpp"

#include <segs/region.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace segs::storage::regions {

[[nodiscard]] std::optional<region> find(transaction& tx, std::string_view code);
[[nodiscard]] bool exists(transaction& tx, std::string_view code);
/// Every region, by code.
[[nodiscard]] std::vector<region> all(transaction& tx);
/// Inserts `r`, or updates every column but created_at of the row with its
/// code.
void save(transaction& tx, const region& r, bool creating);

}  // namespace segs::storage::regions
