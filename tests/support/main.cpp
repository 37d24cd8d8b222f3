// The conformance suite's main: picks the backend under test from
// --segs-backend=NAME (removed before doctest sees the arguments) and, for
// postgres, makes sure a server is there. Without one the run fails under
// CI=true (a missing database must never pass as green) and is skipped
// (exit code 77, see tests/CMakeLists.txt) otherwise.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "storage/backend.hpp"
#include "support/test_db.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Listing and help need no database (doctest_discover_tests lists at build time).
bool only_lists(const std::vector<char*>& args) {
  for (const char* a : args) {
    const std::string_view s(a);
    for (std::string_view opt : {"--list-", "-ltc", "-lts", "-lr", "--help", "-h", "-?", "--version",
                                 "-v", "--count", "-c"}) {
      if (s == opt || (opt == "--list-" && s.starts_with(opt)) ||
          (opt != "--list-" && s.starts_with(std::string(opt) + "=")))
        return true;
    }
    if (s.starts_with("-dt-list") || s.starts_with("--dt-list") || s.starts_with("--dt-count"))
      return true;
  }
  return false;
}

int postgres_unavailable(const std::string& why) {
  const char* ci = std::getenv("CI");
  if (ci && std::string_view(ci) == "true") {
    std::cerr << "error: the postgres conformance run needs a server: " << why
              << " (set SEGS_TEST_PG_URL, e.g. via scripts/with-postgres.sh)\n";
    return 1;
  }
  std::cerr << "note: skipping the postgres conformance run: " << why << '\n';
  return 77;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  std::string backend = "sqlite-memory";
  for (int i = 0; i < argc; ++i) {
    constexpr std::string_view flag = "--segs-backend=";
    if (i > 0 && std::string_view(argv[i]).starts_with(flag)) {
      backend = std::string(argv[i] + flag.size());
    } else {
      args.push_back(argv[i]);
    }
  }
  if (!segs_test::is_known_backend(backend)) {
    std::cerr << "error: unknown --segs-backend '" << backend
              << "' (use sqlite-memory, sqlite-file or postgres)\n";
    return 2;
  }
  segs_test::set_current_backend(backend);

  if (backend == "postgres" && !only_lists(args)) {
    const char* url = std::getenv("SEGS_TEST_PG_URL");
    if (!url || !*url) return postgres_unavailable("SEGS_TEST_PG_URL is not set");
    try {
      auto db = segs::storage::open_backend(url, {});
      if (!db->ping()) return postgres_unavailable("the server at SEGS_TEST_PG_URL does not answer");
    } catch (const std::exception& e) {
      return postgres_unavailable(std::string("SEGS_TEST_PG_URL cannot be opened: ") + e.what());
    }
  }

  doctest::Context ctx;
  ctx.applyCommandLine(static_cast<int>(args.size()), args.data());
  return ctx.run();
}
