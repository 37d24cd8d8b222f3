// How the backends split many rows into multi-row statements: a few fixed
// sizes, largest first, so that a connection's statement cache holds a
// handful of shapes, not one per row count. Used by transaction::append's
// overrides (SQLite always, PostgreSQL for upserts, where COPY cannot go).
#pragma once

#include <array>
#include <cstddef>

namespace segs::storage {

inline constexpr std::array<std::size_t, 4> multi_row_sizes{64, 16, 4, 1};

/// Calls fn(first_row, row_count) for consecutive chunks covering `rows`.
template <class Fn>
void for_multi_rows(std::size_t rows, Fn&& fn) {
  std::size_t done = 0;
  for (const std::size_t n : multi_row_sizes)
    for (; rows - done >= n; done += n) fn(done, n);
}

}  // namespace segs::storage
