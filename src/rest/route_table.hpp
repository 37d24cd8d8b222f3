// Internal: the list of routed (method, pattern) pairs, for the test that
// compares it with the OpenAPI document. Kept free of Boost so tests and
// tools can include it cheaply.
#pragma once

#include <segs/export.hpp>

#include <string>
#include <utility>
#include <vector>

namespace segs::rest::detail {

/// (method, pattern) of every route, e.g. ("GET", "/api/v1/users/:id").
[[nodiscard]] SEGS_EXPORT std::vector<std::pair<std::string, std::string>> route_table();

}  // namespace segs::rest::detail
