// The Python-side service objects: each holds the grid holder, never a raw
// reference into the grid.
#pragma once

#include "common.hpp"

namespace segs::python {

struct py_service {
  holder_ptr holder;
};
struct py_identity : py_service {};
struct py_audit : py_service {};
struct py_outbox : py_service {};

/// The Python Grid object.
struct py_grid {
  holder_ptr holder;
};

void register_grid(py::module_& m);

}  // namespace segs::python
