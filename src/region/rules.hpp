// Validation of region codes and specs: pure, no storage, no clock.
#pragma once

#include <segs/region.hpp>

#include <string_view>

namespace segs::detail::regions {

/// A code for a new region: 1-64 of `A-Z a-z 0-9 _ . -`; validation_error
/// naming `field` otherwise.
void check_code(std::string_view code, std::string_view field = "code");

/// Applies `spec` to `r` (a new region when `creating`), validating every
/// given field; validation_error naming the first bad one. `r` is unchanged
/// when it throws.
void apply(region& r, const region_spec& spec, bool creating);

}  // namespace segs::detail::regions
