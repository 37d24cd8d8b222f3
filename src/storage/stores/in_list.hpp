// IN lists of bound parameters in a few fixed shapes, shared by the stores
// that look up many keys at once (telemetry, alerts).
#pragma once

#include "storage/backend.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
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

}  // namespace segs::storage
