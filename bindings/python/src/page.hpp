// One page of a listing as Python sees it: a list of converted items.
#pragma once

#include "common.hpp"

#include <cstdint>

namespace segs::python {

struct py_page {
  py::list items;
  std::int64_t total = 0;
  int page = 1;
  int per_page = 20;
  /// From segs::page, so that Python counts pages as C++ does.
  std::int64_t total_pages = 0;
};

/// Converts a C++ page (REQUIRES: the GIL is held).
template <class T>
py_page to_py_page(segs::page<T>&& p) {
  py_page out;
  for (auto& item : p.items) out.items.append(py::cast(std::move(item)));
  out.total = p.total;
  out.page = p.page;
  out.per_page = p.per_page;
  out.total_pages = p.total_pages();
  return out;
}

}  // namespace segs::python
