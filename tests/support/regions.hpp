// The regions the test suites register users and markets in. Since regions
// are a registry, a fixture defines them before anyone names them.
#pragma once

#include <segs/options.hpp>

#include <initializer_list>
#include <string>

namespace segs_test {

inline void define_test_regions(segs::options& o) {
  for (const char* code : {"north", "south", "east", "west", "global"}) {
    segs::region_spec s;
    s.time_zone = "UTC";
    s.currency = "EUR";
    o.regions.define.emplace(code, s);
  }
}

}  // namespace segs_test
