// Counting rows per region, for the deployment's figures (operations): each
// store counts its own tables with these, so no store reads another's.
#pragma once

#include "storage/backend.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace segs::storage {

/// Runs `sql`, a "SELECT region, COUNT(*) ... GROUP BY region", and answers
/// the counts by region.
inline std::map<std::string, std::int64_t> counts_by_region(transaction& tx, std::string_view sql) {
  std::map<std::string, std::int64_t> out;
  for (const auto& r : tx.exec(sql).rows) out[r.text(0)] = r.i64(1);
  return out;
}

/// Runs `sql`, a "SELECT key, COUNT(*) ... WHERE ... $1 ... GROUP BY key"
/// with `params`, and answers the counts by key.
inline std::map<std::string, std::int64_t> counts_by_key(transaction& tx, std::string_view sql,
                                                         std::vector<value> params) {
  std::map<std::string, std::int64_t> out;
  for (const auto& r : tx.exec(sql, std::span<const value>(params)).rows) out[r.text(0)] = r.i64(1);
  return out;
}

/// Runs `sql`, a "SELECT COUNT(*) ...", and answers the count.
inline std::int64_t count_of(transaction& tx, std::string_view sql) {
  return tx.exec(sql).rows.front().i64(0);
}

}  // namespace segs::storage
