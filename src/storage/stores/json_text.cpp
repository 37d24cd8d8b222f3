#include "storage/stores/json_text.hpp"

#include <segs/error.hpp>

#include <boost/json.hpp>

namespace segs::storage {

std::string to_json_array(const std::vector<std::string>& items) {
  boost::json::array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

std::vector<std::string> from_json_array(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array())
    throw segs::exception(make_error(errc::internal, "stored JSON array is corrupted"));
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) {
    if (!e.is_string())
      throw segs::exception(make_error(errc::internal, "stored JSON array holds a non-string"));
    out.emplace_back(e.as_string().c_str(), e.as_string().size());
  }
  return out;
}

bool is_json_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return !ec && v.is_object();
}

std::string json_quote(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace segs::storage
