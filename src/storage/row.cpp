// Row accessors. A type mismatch means a store's SQL and its reading code
// disagree, which is a bug: it surfaces as `internal`, naming the column.
#include "storage/backend.hpp"

#include <string>

namespace segs::storage {
namespace {

const char* type_name(const value& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "integer";
    case 2: return "real";
    case 3: return "text";
    case 4: return "blob";
  }
  return "unknown";
}

[[noreturn]] void mismatch(std::size_t i, const char* wanted, const value& got) {
  throw segs::exception(make_error(errc::internal, "column " + std::to_string(i) + " is " +
                                                       type_name(got) + ", expected " + wanted));
}

}  // namespace

const value& row::at(std::size_t i) const {
  if (i >= cols_.size())
    throw segs::exception(make_error(errc::internal, "column " + std::to_string(i) +
                                                         " is out of range (row has " +
                                                         std::to_string(cols_.size()) + ")"));
  return cols_[i];
}

bool row::is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(at(i)); }

std::int64_t row::i64(std::size_t i) const {
  const auto& v = at(i);
  if (const auto* p = std::get_if<std::int64_t>(&v)) return *p;
  mismatch(i, "integer", v);
}

double row::f64(std::size_t i) const {
  const auto& v = at(i);
  if (const auto* p = std::get_if<double>(&v)) return *p;
  // SQLite stores a whole-valued REAL written as integer affinity; reading
  // an integer as a double is exact for the ranges stores use.
  if (const auto* p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  mismatch(i, "real", v);
}

const std::string& row::text(std::size_t i) const {
  const auto& v = at(i);
  if (const auto* p = std::get_if<std::string>(&v)) return *p;
  mismatch(i, "text", v);
}

const blob& row::bytes(std::size_t i) const {
  const auto& v = at(i);
  if (const auto* p = std::get_if<blob>(&v)) return *p;
  mismatch(i, "blob", v);
}

uuid row::id(std::size_t i) const {
  const auto& v = at(i);
  if (const auto* p = std::get_if<std::string>(&v))
    if (auto u = uuid::parse(*p)) return *u;
  mismatch(i, "uuid text", v);
}

std::optional<std::int64_t> row::opt_i64(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return i64(i);
}

std::optional<std::string> row::opt_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

}  // namespace segs::storage

namespace segs::storage {

void transaction::check_whole_rows(std::span<const std::string_view> columns, std::span<const value> values) {
  if (columns.empty() || values.size() % columns.size() != 0)
    throw segs::exception(make_error(errc::internal, "append: values do not fill whole rows"));
}

std::string transaction::insert_statement(std::string_view table, std::span<const std::string_view> columns,
                                          std::span<const value> values, std::string_view on_conflict,
                                          std::size_t rows) {
  check_whole_rows(columns, values);
  std::string sql = "INSERT INTO " + std::string(table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + std::string(columns[i]);
  sql += ") VALUES ";
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(++n);
    sql += ')';
  }
  if (!on_conflict.empty()) {
    sql += ' ';
    sql += on_conflict;
  }
  return sql;
}

void transaction::append(std::string_view table, std::span<const std::string_view> columns,
                         std::span<const value> values, std::string_view on_conflict) {
  const auto sql = insert_statement(table, columns, values, on_conflict);
  for (std::size_t at = 0; at < values.size(); at += columns.size()) exec(sql, values.subspan(at, columns.size()));
}

}  // namespace segs::storage
