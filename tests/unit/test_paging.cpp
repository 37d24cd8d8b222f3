// The one paging rule of every listing (src/core/paging.hpp): page from 1,
// per_page 1..100, refused with a fixed message naming the field.
#include "core/paging.hpp"

#include <segs/error.hpp>
#include <segs/page.hpp>

#include <doctest/doctest.h>

#include <climits>
#include <string>

using segs::detail::check_page;

namespace {

/// The error check_page throws, or a default error when it accepts.
segs::error refusal(int page, int per_page) {
  try {
    check_page(page, per_page);
  } catch (const segs::exception& e) {
    return e.err();
  }
  return {};
}

}  // namespace

TEST_CASE("paging rule: per_page 1 and 100 are accepted, 0 and 101 are not") {
  CHECK_NOTHROW(check_page(1, 1));
  CHECK_NOTHROW(check_page(1, 100));
  CHECK_NOTHROW(check_page(1, 20));
  for (int bad : {0, 101, -1, INT_MIN, INT_MAX}) {
    CAPTURE(bad);
    auto e = refusal(1, bad);
    CHECK(e.code == segs::errc::validation_error);
    CHECK(e.field == "per_page");
    CHECK(e.message == "per_page must be between 1 and 100");
  }
}

TEST_CASE("paging rule: page 1 and beyond are accepted, 0 and below are not") {
  CHECK_NOTHROW(check_page(1, 20));
  CHECK_NOTHROW(check_page(2, 20));
  // A page past the end is not the rule's business: it answers no items.
  CHECK_NOTHROW(check_page(INT_MAX, 100));
  for (int bad : {0, -1, INT_MIN}) {
    CAPTURE(bad);
    auto e = refusal(bad, 20);
    CHECK(e.code == segs::errc::validation_error);
    CHECK(e.field == "page");
    CHECK(e.message == "page must be 1 or more");
  }
  // With both wrong, the page is named first.
  CHECK(refusal(0, 0).field == "page");
}

TEST_CASE("paging rule: a page_request's defaults pass, and it is checked like its fields") {
  segs::page_request r;
  CHECK(r.page == 1);
  CHECK(r.per_page == 20);
  CHECK_NOTHROW(check_page(r));
  r.per_page = 101;
  CHECK_THROWS_AS(check_page(r), segs::exception);
}

TEST_CASE("page: total_pages rounds up, and an empty listing has none") {
  segs::page<int> p;
  p.per_page = 10;
  CHECK(p.total_pages() == 0);
  p.total = 1;
  CHECK(p.total_pages() == 1);
  p.total = 10;
  CHECK(p.total_pages() == 1);
  p.total = 11;
  CHECK(p.total_pages() == 2);
}
