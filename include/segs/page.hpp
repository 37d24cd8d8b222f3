// libsegs — listings: one page of a listing, and what a caller asks for.
//
// Every listing of the library (users, the audit log, orders, trades) pages
// the same way, so a host writes its paging controls once.
#pragma once

#include <cstdint>
#include <vector>

namespace segs {

/// Which page of a listing to answer. The one rule, checked by every
/// listing call (validation_error naming the field otherwise): `page` is 1
/// or more, `per_page` is between 1 and 100. A page past the end is not an
/// error: it answers no items and the listing's total.
struct page_request {
  int page = 1;
  int per_page = 20;
};

/// One page of a listing: `items` of page `page` (from 1) at `per_page`
/// items per page, and `total`, the number of items of the whole listing.
template <class T>
struct page {
  std::vector<T> items;
  std::int64_t total = 0;
  int page = 1;
  int per_page = 20;
  /// Pages the listing has at `per_page` (0 when it is empty).
  [[nodiscard]] std::int64_t total_pages() const noexcept {
    return per_page > 0 ? (total + per_page - 1) / per_page : 0;
  }
};

}  // namespace segs
