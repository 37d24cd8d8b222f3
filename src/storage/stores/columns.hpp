// Optional values into and out of rows, shared by the stores: an empty
// optional is NULL; times are microseconds since the epoch, ids UUID text
// (the port's conventions, backend.hpp).
#pragma once

#include "storage/backend.hpp"

#include <optional>

namespace segs::storage {

inline value nullable(const std::optional<timestamp>& t) { return t ? value(to_micros(*t)) : value(nullptr); }
inline value nullable(const std::optional<uuid>& u) { return u ? value(u->to_string()) : value(nullptr); }

inline std::optional<timestamp> time_at(const row& r, std::size_t i) {
  auto v = r.opt_i64(i);
  if (!v) return std::nullopt;
  return from_micros(*v);
}
inline std::optional<uuid> id_at(const row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.id(i);
}

}  // namespace segs::storage
