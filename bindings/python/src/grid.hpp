// segs.Grid as the parts of the binding see it: each capability's part
// attaches its service to Grid (Grid.identity in identity.cpp, Grid.market
// in market.cpp, ...), so that a capability's binding stays in one file.
#pragma once

#include "common.hpp"

namespace segs::python {

/// The Python Grid object.
struct py_grid {
  holder_ptr holder;
};

/// Adds the read-only property `name` to segs.Grid (registered by
/// grid.cpp), answering `Service{holder}`: a Python service object holds the
/// grid holder (shared ownership, never a reference into the grid), so
/// dropping the Grid while keeping a service is safe, and after Grid.close()
/// the property and every call through a service raise ServiceUnavailable.
template <class Service>
void add_grid_service(py::module_& m, const char* name, const char* doc) {
  py::class_<py_grid>(m.attr("Grid"))
      .def_property_readonly(
          name,
          [](const py_grid& g) {
            (void)g.holder->get();
            return Service{g.holder};
          },
          doc);
}

}  // namespace segs::python
