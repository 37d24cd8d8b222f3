// JSON text helpers for the columns that hold small JSON documents. Kept in
// one translation unit so Boost.JSON's heavy headers stay out of the rest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace segs::storage {

/// ["a","b"] from a list of strings.
std::string to_json_array(const std::vector<std::string>& items);
/// A list of strings from a JSON array of strings; throws segs::exception
/// (internal) on anything else, which would mean a corrupted row.
std::vector<std::string> from_json_array(std::string_view text);
/// True when `text` parses as a JSON object.
bool is_json_object(std::string_view text);
/// Escapes a string as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace segs::storage
