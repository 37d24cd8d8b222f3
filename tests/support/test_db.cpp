#include "support/test_db.hpp"

#include "storage/backend.hpp"

#include <boost/url.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace segs_test {
namespace {

std::string& backend_name() {
  static std::string name = "sqlite-memory";
  return name;
}

std::string random_hex(int bytes) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(gen() & 0xff);
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

// Adds `options=-csearch_path=<schema>` to a libpq URL, percent-encoding the
// '=' that libpq would otherwise take for a second separator.
std::string with_search_path(const std::string& base, const std::string& schema) {
  const std::string param = "options=-csearch_path%3D" + schema;
  auto parsed = boost::urls::parse_uri(base);
  if (parsed) {
    boost::urls::url u(*parsed);
    u.encoded_params().append({"options", "-csearch_path%3D" + schema});
    return std::string(u.buffer());
  }
  // Multi-host URLs are not RFC 3986; append by hand.
  return base + (base.find('?') == std::string::npos ? "?" : "&") + param;
}

void exec_on(const std::string& url, const std::string& sql) {
  auto db = segs::storage::open_backend(url, {});
  auto tx = db->begin(segs::storage::tx_mode::write);
  tx->exec_script(sql);
  tx->commit();
}

}  // namespace

const std::string& current_backend() { return backend_name(); }

void set_current_backend(std::string name) { backend_name() = std::move(name); }

bool is_known_backend(const std::string& name) {
  return name == "sqlite-memory" || name == "sqlite-file" || name == "postgres";
}

fresh_database::fresh_database() {
  const auto& b = current_backend();
  if (b == "sqlite-memory") {
    url_ = "sqlite::memory:";
  } else if (b == "sqlite-file") {
    const auto dir = std::filesystem::temp_directory_path() / ("segs-test-" + random_hex(8));
    std::filesystem::create_directories(dir);
    file_ = (dir / "test.db").string();
    url_ = "sqlite:" + file_;
  } else if (b == "postgres") {
    const char* env = std::getenv("SEGS_TEST_PG_URL");
    if (!env || !*env) throw std::runtime_error("SEGS_TEST_PG_URL is not set");
    base_ = env;
    schema_ = "segs_t_" + random_hex(8);
    exec_on(base_, "CREATE SCHEMA " + schema_);
    url_ = with_search_path(base_, schema_);
  } else {
    throw std::runtime_error("unknown test backend '" + b + "'");
  }
}

fresh_database::~fresh_database() {
  try {
    if (!file_.empty()) {
      const std::filesystem::path p(file_);
      std::error_code ec;
      std::filesystem::remove_all(p.parent_path(), ec);
    }
    if (!schema_.empty()) exec_on(base_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  } catch (const std::exception& e) {
    // A leftover schema or file is untidy, not a test failure.
    std::fprintf(stderr, "warning: could not remove the test database: %s\n", e.what());
  }
}

}  // namespace segs_test
