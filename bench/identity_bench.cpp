// Identity throughput: how many registrations, sign-ins and token checks a
// grid serves per second on one thread, per backend.
//
//   segs-bench-identity [URL ...]     (default: sqlite::memory: and a temp file)
//
// Sign-in cost is dominated by argon2id by design; it is measured both at the
// library's default cost and at libsodium's minimum, so the storage overhead
// around it is visible. Results go to stdout as a Markdown table.
#include <segs/segs.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct measurement {
  std::string what;
  int ops;
  double seconds;
};

measurement measure(std::string what, int ops, const std::function<void(int)>& fn) {
  const auto start = clock_type::now();
  for (int i = 0; i < ops; ++i) fn(i);
  const std::chrono::duration<double> took = clock_type::now() - start;
  return {std::move(what), ops, took.count()};
}

void run(const std::string& url, bool cheap_hash, std::vector<measurement>& out) {
  segs::options o;
  if (cheap_hash) {
    o.identity.argon2_opslimit = 1;
    o.identity.argon2_memlimit = 8192;
  }
  auto g = segs::grid::open(url, o).value();
  auto& id = g->identity();
  const std::string cost = cheap_hash ? "argon2id min" : "argon2id default";
  const std::string label = std::string(g->backend_name()) + " (" +
                            (url.find(":memory:") != std::string::npos ? "memory" : "file") +
                            "), " + cost;
  const int n = cheap_hash ? 300 : 20;
  const std::string password = "bench-Passw0rd-long-enough";

  out.push_back(measure(label + ": register_user", n, [&](int i) {
    segs::registration r;
    r.email = "u" + std::to_string(i) + "@bench.example";
    r.password = password;
    r.name = "Bench";
    // the default region
    id.register_user(r).value();
  }));
  for (const auto& m : g->outbox().drain(10000).value()) id.verify_email(m.to, m.code).value();

  std::vector<std::string> tokens;
  out.push_back(measure(label + ": login", n, [&](int i) {
    tokens.push_back(id.login({"u" + std::to_string(i) + "@bench.example", password}).value().access_token);
  }));
  const int checks = 5000;
  out.push_back(measure(label + ": authenticate (JWT + session check)", checks, [&](int i) {
    (void)id.authenticate(tokens[static_cast<std::size_t>(i) % tokens.size()]).value();
  }));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) urls.emplace_back(argv[i]);
  std::filesystem::path tmp;
  if (urls.empty()) {
    tmp = std::filesystem::temp_directory_path() / "segs-bench-identity";
    std::filesystem::remove_all(tmp);
    std::filesystem::create_directories(tmp);
    urls = {"sqlite::memory:", "sqlite:" + (tmp / "a.db").string()};
  }
  std::vector<measurement> results;
  int k = 0;
  for (const auto& url : urls) {
    for (bool cheap : {true, false}) {
      // A fresh database per run: same starting point for every row.
      std::string u = url;
      if (url.rfind("sqlite:", 0) == 0 && url.find(":memory:") == std::string::npos)
        u = url + "." + std::to_string(k++);
      run(u, cheap, results);
    }
  }
  std::printf("| operation | ops | seconds | ops/s | µs/op |\n|---|---:|---:|---:|---:|\n");
  for (const auto& m : results)
    std::printf("| %s | %d | %.3f | %.0f | %.1f |\n", m.what.c_str(), m.ops, m.seconds,
                m.ops / m.seconds, 1e6 * m.seconds / m.ops);
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
}
