// segs-bench-export: the users' CSV export (issue 16, section 3) streamed
// through the REST layer, next to a bare keyset scan of the same rows.
//
//   segs-bench-export [--users N] [--rounds R] [--smoke]
//
// Setup (not timed): N users (default 100,000) in regions north and south of
// a SQLite file (8 MiB page cache a connection, so that the cache's own
// growth stays small beside what the export could hold), written through
// identity's store in one transaction, and an admin signed in. Timed, R
// rounds alternating, the export first (median):
//   - bare: the same columns read through the storage port a keyset page of
//     1,000 rows per read transaction ("WHERE id > $1 ORDER BY id LIMIT
//     1000"), each row's fields joined with commas into a chunk that is then
//     dropped: the reading the export cannot avoid;
//   - stream: GET /api/v1/admin/users/export through segs::rest::handler,
//     its body_stream pulled chunk by chunk and each chunk dropped, as a
//     streaming host sends it;
// with the peak resident set (VmHWM, reset before each run) above the RSS
// before it (the largest of the rounds; the first round's export also fills
// its connection's page cache). Last, once: the same export collected into one body
// (rest::collect_body, what a host without streaming does), for its peak.
#include "process_memory.hpp"
#include <segs/rest.hpp>
#include <segs/segs.hpp>

#include "storage/backend.hpp"
#include "storage/stores/identity_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace st = segs::storage;
using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

using segs_bench::memory;
using segs_bench::mib;
using segs_bench::read_memory;
using segs_bench::reset_peak_memory;

struct run_result {
  double seconds = 0;
  std::size_t rows = 0;
  std::size_t bytes = 0;
  long peak_growth_kib = 0;
};

template <class Fn>
run_result measured(Fn&& fn) {
  const auto before = read_memory();
  reset_peak_memory();
  const auto t0 = clock_type::now();
  run_result r = fn();
  r.seconds = since(t0);
  r.peak_growth_kib = read_memory().hwm_kib - before.rss_kib;
  return r;
}

const auto created = segs::from_micros(1'750'000'000'000'000);  // 2025-06-15

void load(const std::string& url, std::size_t users) {
  auto be = st::open_backend(url, {});
  auto tx = be->begin(st::tx_mode::write);
  for (std::size_t i = 0; i < users; ++i) {
    st::identity::user_row u;
    auto& user = u.user;
    char id[64];
    // Ids in an order unrelated to the insert order, as random v4 ids are.
    std::snprintf(id, sizeof id, "%08zx-0000-4000-8000-%012zx", (i * 2654435761u) % 0xffffffffu, i + 1);
    user.id = segs::uuid::parse(id).value();
    user.email = "user" + std::to_string(i) + "@bench.example";
    user.username = "user" + std::to_string(i);
    user.name = i % 50 == 0 ? "Doe, Jane \"JD\"" : "User " + std::to_string(i);
    user.role = i % 10 == 0 ? "prosumer" : "consumer";
    user.region = i % 4 == 0 ? "south" : "north";
    user.department = "Engineering";
    user.status = segs::user_status::active;
    user.email_verified = true;
    user.created_at = user.updated_at = created;
    if (i % 3 == 0) user.last_login_at = created + std::chrono::hours{1};
    st::identity::insert_user(*tx, u);
  }
  tx->commit();
}

run_result bare_scan(const std::string& url) {
  auto be = st::open_backend(url, {});
  return measured([&] {
    run_result r;
    std::string after;
    for (;;) {
      auto tx = be->begin(st::tx_mode::read);
      auto res = tx->exec(
          "SELECT id, email, username, name, role, region, department, status, created_at, last_login_at FROM users "
          "WHERE id > $1 AND status <> 'deleted' ORDER BY id LIMIT 1000",
          {after});
      tx->commit();
      std::string chunk;
      for (const auto& row : res.rows) {
        chunk += row.text(0);
        for (std::size_t c = 1; c < 8; ++c) {
          chunk += ',';
          if (!row.is_null(c)) chunk += row.text(c);
        }
        chunk += ',' + std::to_string(row.i64(8)) + ',';
        if (!row.is_null(9)) chunk += std::to_string(row.i64(9));
        chunk += "\r\n";
      }
      r.rows += res.rows.size();
      r.bytes += chunk.size();
      if (res.rows.size() < 1000) break;
      after = res.rows.back().text(0);
    }
    return r;
  });
}

std::size_t lines_in(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

run_result stream(segs::rest::handler& api, const std::string& token, bool collect) {
  return measured([&] {
    segs::rest::request req{"GET", "/api/v1/admin/users/export", {{"Authorization", "Bearer " + token}}, "", "127.0.0.1"};
    auto res = api.handle(req);
    if (res.status != 200) throw std::runtime_error("export answered " + std::to_string(res.status) + ": " + res.body);
    run_result r;
    if (collect) {
      segs::rest::collect_body(res);
      r.bytes = res.body.size();
      r.rows = lines_in(res.body);
    } else {
      r.bytes = res.body.size();
      while (auto chunk = res.body_stream()) {
        r.bytes += chunk->size();
        r.rows += lines_in(*chunk);
      }
    }
    if (r.rows) --r.rows;  // the header row
    return r;
  });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t users = 100'000;
  int rounds = 3;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") smoke = true;
    else if (a == "--users" && i + 1 < argc) users = std::stoul(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: segs-bench-export [--users N] [--rounds R] [--smoke]\n");
      return 2;
    }
  }
  if (smoke) {
    users = 2'500;
    rounds = 1;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("segs-bench-export-" + std::to_string(::getpid()));
  try {
    std::printf("segs-bench-export%s: %zu users, %d rounds\n", smoke ? " (smoke run: its numbers mean nothing)" : "",
                users, rounds);
    std::filesystem::create_directories(dir);
    const std::string url = "sqlite:" + (dir / "export.db").string() + "?cache_mib=8";
    segs::options o;
    o.clock = std::make_shared<segs::manual_clock>(created + std::chrono::hours{2});
    o.identity.argon2_opslimit = 1;
    o.identity.argon2_memlimit = 8192;
    for (const char* code : {"north", "south"}) {
      segs::region_spec r;
      r.time_zone = "UTC";
      r.currency = "EUR";
      o.regions.define.emplace(code, r);
    }
    std::string token;
    {
      auto g = segs::grid::open(url, o).value();
      segs::registration admin;
      admin.email = "root@bench.example";
      admin.password = "Tr0ub4dor&3-horse";
      admin.name = "Root";
      admin.role = "admin";
      admin.region = "north";
      if (auto u = g->identity().create_user(segs::principal::system(), admin); !u)
        throw std::runtime_error("admin: " + u.error().message);
    }
    auto t0 = clock_type::now();
    load(url, users);
    std::printf("loaded %zu users in %.1f s\n", users, since(t0));

    auto g = segs::grid::open(url, o).value();
    segs::rest::options ro;
    ro.rate_limits_enabled = false;
    segs::rest::handler api(*g, ro);
    auto t = g->identity().login({"root@bench.example", "Tr0ub4dor&3-horse"});
    if (!t) throw std::runtime_error("login: " + t.error().message);
    token = t->access_token;

    std::vector<double> bare_s, stream_s;
    long bare_peak = 0, stream_peak = 0;
    run_result last;
    for (int round = 0; round < rounds; ++round) {
      const auto s = stream(api, token, false);
      const auto b = bare_scan(url);
      if (s.rows != users + 1) throw std::runtime_error("the export held " + std::to_string(s.rows) + " rows");
      bare_s.push_back(b.seconds);
      stream_s.push_back(s.seconds);
      bare_peak = std::max(bare_peak, b.peak_growth_kib);
      stream_peak = std::max(stream_peak, s.peak_growth_kib);
      last = s;
      std::printf("round %d: bare %.3f s (%zu rows, peak +%.1f MiB), stream %.3f s (%zu rows, %.1f MB, peak +%.1f MiB)\n",
                  round + 1, b.seconds, b.rows, mib(b.peak_growth_kib), s.seconds, s.rows,
                  static_cast<double>(s.bytes) / 1e6, mib(s.peak_growth_kib));
    }
    const auto collected = stream(api, token, true);
    const double bs = median(bare_s), ss = median(stream_s);
    std::printf("\n| rows | bare scan (median) | streamed export (median) | export / bare | rows/s | peak RSS growth "
                "streamed | bare | collected into one body |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    std::printf("| %zu | %.3f s | %.3f s | **%.2f** | %.0f | %.1f MiB | %.1f MiB | %.1f MiB (%.1f MB body) |\n",
                last.rows, bs, ss, ss / bs, static_cast<double>(last.rows) / ss, mib(stream_peak), mib(bare_peak),
                mib(collected.peak_growth_kib), static_cast<double>(collected.bytes) / 1e6);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segs-bench-export: %s\n", e.what());
    std::filesystem::remove_all(dir);
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
