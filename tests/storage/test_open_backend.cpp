// open_backend: choosing and configuring a backend from a URL.
#include "storage/util.hpp"

#include <filesystem>
#include <random>

using segs::errc;
using segs::storage::open_backend;
using segs::storage::tx_mode;
using segs_test::error_of;
using segs_test::scalar;

namespace {

segs::error url_error(std::string_view url) {
  auto e = error_of([&] { (void)open_backend(url, {}); });
  CHECK(e.field == "url");
  return e;
}

// A private temporary directory, removed with its contents.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("segs-url-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("open_backend: bad URLs are validation errors naming the url field") {
  CHECK(url_error("").code == errc::validation_error);

  auto scheme = url_error("mysql://localhost/db");
  CHECK(scheme.code == errc::validation_error);
  CHECK(scheme.message == "unsupported storage scheme 'mysql' (use sqlite: or postgresql:)");

  auto option = url_error("sqlite::memory:?cache=shared");
  CHECK(option.code == errc::validation_error);
  CHECK(option.message.find("'cache'") != std::string::npos);
  CHECK(url_error("sqlite:x.db?journal_mode=delete").message.find("'journal_mode'") != std::string::npos);

  CHECK(url_error("sqlite:x.db?mode=rwx").message.find("mode") != std::string::npos);
  CHECK(url_error("sqlite:x.db?busy_timeout_ms=soon").message.find("busy_timeout_ms") != std::string::npos);
  CHECK(url_error("sqlite:x.db?busy_timeout_ms=-1").code == errc::validation_error);
  CHECK(url_error("sqlite:x.db?cache_mib=0").message.find("cache_mib") != std::string::npos);
  CHECK(url_error("sqlite:x.db?cache_mib=lots").code == errc::validation_error);
  CHECK(url_error("sqlite://somehost/x.db").code == errc::validation_error);
  CHECK(url_error("sqlite:").code == errc::validation_error);
  CHECK(url_error("not a url").code == errc::validation_error);
  CHECK(url_error("sqlite::memory:?mode=ro").code == errc::validation_error);
}

TEST_CASE("open_backend: messages never echo the URL") {
  auto e = url_error("mysql://admin:hunter2@localhost/db");
  CHECK(e.message.find("hunter2") == std::string::npos);
  CHECK(e.detail.find("hunter2") == std::string::npos);
}

TEST_CASE("open_backend: sqlite in memory") {
  auto a = open_backend("sqlite::memory:", {});
  auto b = open_backend("sqlite::memory:?busy_timeout_ms=100", {});
  CHECK(a->dialect() == "sqlite");
  // cache_mib sizes each connection's page cache; without it SQLite's default.
  CHECK(scalar(*open_backend("sqlite::memory:?cache_mib=64", {}), "PRAGMA cache_size") == -65536);
  CHECK(scalar(*a, "PRAGMA cache_size") == -2000);
  segs_test::script(*a, "CREATE TABLE only_in_a (id BIGINT)");
  // Each in-memory backend is its own database.
  CHECK(scalar(*a, "SELECT COUNT(*) FROM only_in_a") == 0);
  auto tx = b->begin(tx_mode::read);
  CHECK_THROWS_AS(tx->exec("SELECT COUNT(*) FROM only_in_a"), segs::exception);
}

TEST_CASE("open_backend: sqlite files by absolute or triple-slash or relative path") {
  temp_dir dir;
  const auto abs = (dir.path / "abs.db").string();
  {
    auto b = open_backend("sqlite:" + abs, {});
    segs_test::script(*b, "CREATE TABLE t (id BIGINT); INSERT INTO t (id) VALUES (7)");
  }
  CHECK(std::filesystem::exists(abs));
  {
    auto b = open_backend("sqlite://" + abs, {});  // sqlite:///abs/path
    CHECK(scalar(*b, "SELECT id FROM t") == 7);
  }
  {
    // Relative to the working directory.
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path);
    try {
      std::filesystem::create_directories("sub");
      auto b = open_backend("sqlite:sub/rel.db?mode=rwc&busy_timeout_ms=250", {});
      segs_test::script(*b, "CREATE TABLE r (id BIGINT)");
    } catch (...) {
      std::filesystem::current_path(cwd);
      throw;
    }
    std::filesystem::current_path(cwd);
    CHECK(std::filesystem::exists(dir.path / "sub" / "rel.db"));
  }
  {
    // Percent-encoded characters in the path are decoded.
    auto b = open_backend("sqlite:" + (dir.path / "with%20space.db").string(), {});
    segs_test::script(*b, "CREATE TABLE s (id BIGINT)");
    CHECK(std::filesystem::exists(dir.path / "with space.db"));
  }
}

TEST_CASE("open_backend: sqlite open modes") {
  temp_dir dir;
  const auto path = (dir.path / "m.db").string();
  // rw needs an existing file; the failure is the storage being unavailable.
  CHECK(error_of([&] { (void)open_backend("sqlite:" + path + "?mode=rw", {}); }).code == errc::unavailable);
  CHECK(error_of([&] { (void)open_backend("sqlite:" + path + "?mode=ro", {}); }).code == errc::unavailable);
  CHECK_FALSE(std::filesystem::exists(path));
  {
    auto b = open_backend("sqlite:" + path, {});
    segs_test::script(*b, "CREATE TABLE t (id BIGINT); INSERT INTO t (id) VALUES (1)");
  }
  auto ro = open_backend("sqlite:" + path + "?mode=ro", {});
  CHECK(scalar(*ro, "SELECT COUNT(*) FROM t") == 1);
  CHECK_THROWS_AS(
      {
        auto tx = ro->begin(tx_mode::write);
        tx->exec("INSERT INTO t (id) VALUES ($1)", {std::int64_t{2}});
        tx->commit();
      },
      segs::exception);
  auto rw = open_backend("sqlite:" + path + "?mode=rw", {});
  CHECK(scalar(*rw, "SELECT COUNT(*) FROM t") == 1);
}

TEST_CASE("open_backend: a bad pool size is refused") {
  segs::storage::storage_settings s;
  s.pool_size = 0;
  CHECK(error_of([&] { (void)open_backend("sqlite::memory:", s); }).code == errc::validation_error);
}
