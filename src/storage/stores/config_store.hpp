// SQL of the runtime configuration. Functions run inside a transaction the
// caller owns; they never commit.
#pragma once

#include "config/settings_table.hpp"
#include "storage/backend.hpp"

#include <string_view>
#include <vector>

namespace segs::storage::config {

[[nodiscard]] std::vector<detail::stored_setting> all(transaction& tx);
void upsert(transaction& tx, const detail::stored_setting& s);
void remove(transaction& tx, std::string_view key);

}  // namespace segs::storage::config
