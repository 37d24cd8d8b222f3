// segs._segs: the native half of the `segs` Python package. The pure-Python
// package (segs/__init__.py, rest.py, wsgi.py) re-exports from here.
#include "common.hpp"
#include "services.hpp"

#include <segs/version.hpp>

namespace segs::python {
// Each capability's part of the binding, in the order they build on each other.
void register_region(py::module_& m);  // region.cpp
void register_market(py::module_& m);  // market.cpp
}

PYBIND11_MODULE(_segs, m) {
  namespace sp = segs::python;
  m.doc() = "libsegs native module (private: import `segs` instead).";
  m.attr("__version__") = segs::version_string;
  sp::register_errors(m);
  sp::register_types(m);
  sp::register_services(m);
  sp::register_grid(m);
  sp::register_region(m);
  sp::register_market(m);
  sp::register_rest(m);
}
