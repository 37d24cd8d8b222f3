// The database under test. The conformance suite runs once per backend; the
// backend comes from the --segs-backend=NAME argument (see main.cpp):
//   sqlite-memory  a private in-memory database per fresh_database (default)
//   sqlite-file    a new file in a temporary directory
//   postgres       a new schema in the server named by SEGS_TEST_PG_URL
#pragma once

#include <string>

namespace segs_test {

/// "sqlite-memory", "sqlite-file" or "postgres".
[[nodiscard]] const std::string& current_backend();
/// Called once by main before any test runs.
void set_current_backend(std::string name);
/// The backends main accepts.
[[nodiscard]] bool is_known_backend(const std::string& name);

/// An empty database of the current backend, removed again on destruction.
/// Each sqlite-memory "database" is private to the backend that opens its
/// URL: two open_backend calls on "sqlite::memory:" see different data.
class fresh_database {
 public:
  fresh_database();
  ~fresh_database();
  fresh_database(const fresh_database&) = delete;
  fresh_database& operator=(const fresh_database&) = delete;

  /// The storage URL to pass to open_backend or grid::open.
  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::string file_;    // sqlite-file: the database file
  std::string schema_;  // postgres: the schema to drop
  std::string base_;    // postgres: the server URL without the schema
};

}  // namespace segs_test
