// Internal: small HTTP text helpers.
#pragma once

#include <segs/rest.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace segs::rest::detail {

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
/// The first header called `name` (case-insensitive), or empty.
[[nodiscard]] std::string_view find_header(const std::vector<header>& headers,
                                           std::string_view name) noexcept;
/// Trims spaces and tabs at both ends.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

}  // namespace segs::rest::detail
