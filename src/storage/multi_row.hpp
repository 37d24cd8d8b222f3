// How the backends split many rows into multi-row statements: a few fixed
// sizes, largest first, so that a connection's statement cache holds a
// handful of shapes, not one per row count. Used by transaction::append's
// overrides (SQLite always, PostgreSQL for upserts, where COPY cannot go).
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace segs::storage {

inline constexpr std::array<std::size_t, 4> multi_row_sizes{64, 16, 4, 1};

/// Calls fn(first_row, row_count) for consecutive chunks covering `rows`.
template <class Fn>
void for_multi_rows(std::size_t rows, Fn&& fn) {
  std::size_t done = 0;
  for (const std::size_t n : multi_row_sizes)
    for (; rows - done >= n; done += n) fn(done, n);
}

/// The statement text of each size, built at most once per call: a call of
/// 1,000 rows steps 15 times through the 64-row statement, whose text is long.
class multi_row_texts {
 public:
  template <class Build>
  const std::string& of(std::size_t n, Build&& build) {
    std::size_t i = 0;
    while (i + 1 < multi_row_sizes.size() && multi_row_sizes[i] != n) ++i;
    if (text_[i].empty()) text_[i] = build(n);
    return text_[i];
  }

 private:
  std::array<std::string, multi_row_sizes.size()> text_;
};

}  // namespace segs::storage
