// Internal: the one paging rule of every listing (see include/segs/page.hpp).
//
// Services check a listing's page here, before they read anything, so every
// listing refuses the same values with the same message and field.
#pragma once

#include <segs/page.hpp>

namespace segs::detail {

/// The largest page a listing answers: bounds the rows one call reads and
/// the size of one answer.
inline constexpr int max_per_page = 100;

/// Throws validation_error "page must be 1 or more" (field `page`) or
/// "per_page must be between 1 and 100" (field `per_page`).
void check_page(int page, int per_page);
inline void check_page(const page_request& r) { check_page(r.page, r.per_page); }

}  // namespace segs::detail
