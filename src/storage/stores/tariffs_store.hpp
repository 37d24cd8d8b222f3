// SQL of tariffs: a region's tariffs with their periods, schedule rules,
// holidays and tiers (child rows in their order), and price overrides.
#pragma once

#include "storage/backend.hpp"

#include <map>
#include <string>

#include <segs/tariffs.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace segs::storage::tariffs {

struct tariff_row {
  std::int64_t seq = 0;
  tariff t;
};

/// Stores `t` and its child rows; answers its seq.
std::int64_t insert_tariff(transaction& tx, const tariff& t);
/// Replaces every column and child row of the tariff `seq` with `t`'s.
void update_tariff(transaction& tx, std::int64_t seq, const tariff& t);
void set_effective_to(transaction& tx, std::int64_t seq, std::optional<timestamp> to);
std::optional<tariff_row> find_tariff(transaction& tx, const uuid& id);
/// The tariffs of `region` with [effective_from, effective_to) overlapping
/// [from, to) (`to` none: unbounded), ascending by effective_from.
std::vector<tariff_row> tariffs_overlapping(transaction& tx, std::string_view region, timestamp from,
                                            std::optional<timestamp> to);

void insert_override(transaction& tx, const tariff_override& o);
/// Writes the override's end and removed_at.
void update_override(transaction& tx, const tariff_override& o);
std::optional<tariff_override> find_override(transaction& tx, const uuid& id);
/// The overrides of `region` with [start, end) overlapping [from, to) (`to`
/// none: unbounded), ascending by start; one removed before it began (end
/// = start) overlaps nothing.
std::vector<tariff_override> overrides_overlapping(transaction& tx, std::string_view region, timestamp from,
                                                   std::optional<timestamp> to);

// --- counts (operations) ---
std::int64_t count_tariffs(transaction& tx);

}  // namespace segs::storage::tariffs
