#include "core/paging.hpp"

#include <segs/error.hpp>

#include <string>

namespace segs::detail {

void check_page(int page, int per_page) {
  if (page < 1)
    throw segs::exception(make_error(errc::validation_error, "page must be 1 or more", "page"));
  if (per_page < 1 || per_page > max_per_page)
    throw segs::exception(make_error(
        errc::validation_error,
        "per_page must be between 1 and " + std::to_string(max_per_page), "per_page"));
}

}  // namespace segs::detail
