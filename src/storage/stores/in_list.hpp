// IN lists of bound parameters in a few fixed shapes, shared by the stores
// that look up many keys at once (telemetry, alerts).
#pragma once

#include "storage/backend.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace segs::storage {

// Calls fn(first, count, size) for chunks of `items` items, each listed in a
// statement of `size` >= count entries, one of a few fixed sizes (the last
// entry repeated to fill it): a statement per batch size would be prepared
// anew for almost every batch, and a prepare of hundreds of parameters
// costs more than the batch's other statements together.
template <class Fn>
void in_chunks(std::size_t items, Fn&& fn) {
  constexpr std::array<std::size_t, 4> sizes{512, 64, 8, 1};
  std::size_t at = 0;
  for (; items - at >= sizes[0]; at += sizes[0]) fn(at, sizes[0], sizes[0]);
  if (at == items) return;
  std::size_t size = sizes[0];
  for (const auto s : sizes)
    if (s >= items - at) size = s;
  fn(at, items - at, size);
}

// Calls `fn(list, params)` for chunks of `items`, `list` being "$1, ..., $n"
// bound to `params` (see in_chunks).
template <class T, class Fn>
void in_lists(const std::vector<T>& items, Fn&& fn) {
  in_chunks(items.size(), [&](std::size_t at, std::size_t n, std::size_t size) {
    std::string list;
    std::vector<value> params;
    params.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
      if (i) list += ", ";
      list += "$" + std::to_string(i + 1);
      params.emplace_back(items[at + std::min(i, n - 1)]);
    }
    fn(list, params);
  });
}

// Calls `fn(list, params)` for chunks of `keys`, `list` being "(CAST($1 AS
// BIGINT), ..., CAST($N AS BIGINT)), ..." bound to `params`: a VALUES list of
// keys to join a table on (a row-value IN list is a full scan on SQLite).
// Chunks are filled to their fixed size (see in_chunks) with `pad`, or with
// their last key when none is given: a statement that aggregates over its
// keys must pad with a key that matches nothing, or it counts one twice.
template <std::size_t N, class Fn>
void values_lists(const std::vector<std::array<std::int64_t, N>>& keys, Fn&& fn,
                  const std::type_identity_t<std::optional<std::array<std::int64_t, N>>>& pad = std::nullopt) {
  in_chunks(keys.size(), [&](std::size_t at, std::size_t n, std::size_t size) {
    std::string list;
    std::vector<value> params;
    params.reserve(N * size);
    for (std::size_t i = 0; i < size; ++i) {
      list += i ? ", (" : "(";
      const auto& key = i < n ? keys[at + i] : (pad ? *pad : keys[at + n - 1]);
      for (std::size_t c = 0; c < N; ++c) {
        list += (c ? ", CAST($" : "CAST($") + std::to_string(N * i + c + 1) + " AS BIGINT)";
        params.emplace_back(key[c]);
      }
      list += ")";
    }
    fn(list, params);
  });
}

// Calls `fn(condition, params)` to select the rows of `keys` (ascending,
// distinct) by `column`: when they are numbered closely (the range holds at
// most twice as many values as there are keys) and the backend is SQLite,
// once with "column BETWEEN $1 AND $2" -- a range scan reads at most the rows
// of as many keys again, and costs less than a seek a key; otherwise with
// "column IN (...)" lists (see in_lists). PostgreSQL keeps the IN lists: a
// generic plan made while a table was small must not turn a range into a
// scan of the whole table. The caller drops the rows of a range that are not
// its keys (`std::binary_search` over `keys`).
template <class Fn>
void select_keys(transaction& tx, std::string_view column, const std::vector<std::int64_t>& keys, Fn&& fn) {
  if (keys.empty()) return;
  const std::string col(column);
  if (tx.dialect() != "postgres" && keys.size() >= 8 &&
      keys.back() - keys.front() < 2 * static_cast<std::int64_t>(keys.size())) {
    fn(col + " BETWEEN $1 AND $2", std::vector<value>{keys.front(), keys.back()});
    return;
  }
  in_lists(keys, [&](const std::string& list, const std::vector<value>& params) { fn(col + " IN (" + list + ")", params); });
}

}  // namespace segs::storage
