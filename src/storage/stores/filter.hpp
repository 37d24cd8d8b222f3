// Building the WHERE clause of a listing from optional filters, with every
// value bound as a numbered parameter: filter values never become SQL text.
#pragma once

#include "storage/backend.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace segs::storage {

class filter {
 public:
  /// Adds " AND <fragment>", where every '?' in `fragment` stands for `v`
  /// (bound once as the next $N, however often it appears).
  void add(std::string_view fragment, value v) {
    params_.push_back(std::move(v));
    const std::string n = "$" + std::to_string(params_.size());
    std::string f(fragment);
    for (std::size_t pos = f.find('?'); pos != std::string::npos; pos = f.find('?', pos + n.size()))
      f.replace(pos, 1, n);
    where_ += " AND " + f;
  }
  /// Binds `v` as the next $N and answers "$N", for a fragment of several
  /// values (then added with the overload below).
  [[nodiscard]] std::string bind(value v) {
    params_.push_back(std::move(v));
    return "$" + std::to_string(params_.size());
  }
  /// Adds a condition without a value.
  void add(std::string_view fragment) { where_ += " AND " + std::string(fragment); }

  /// " WHERE 1 = 1 AND ..." (always valid, even with no filter).
  [[nodiscard]] const std::string& where() const noexcept { return where_; }
  [[nodiscard]] const std::vector<value>& params() const noexcept { return params_; }

 private:
  std::string where_ = " WHERE 1 = 1";
  std::vector<value> params_;
};

}  // namespace segs::storage
