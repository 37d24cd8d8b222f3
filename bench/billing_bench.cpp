// Billing (issue 15, section 5): a month's invoice generation for N
// customers (default 10,000), each holding one meter with a month of
// 15-minute data (June 2025: 2,880 buckets a meter, 28.8 million in all),
// next to a bare SQL scan that sums the same bucket rows per meter, in the
// same run, on a SQLite file and on PostgreSQL (--pg URL, or
// SEGS_TEST_PG_URL as scripts/with-postgres.sh sets it). Then the CSV export
// of the invoices: rows per second.
//
//   segs-bench-billing [--smoke] [--customers N] [--rounds R] [--pg URL] [--no-sqlite]
//
// Setup (not timed): users, meters and their holdings are written through
// the stores in one transaction; the quarter-hours go straight into
// meter_quarters through `transaction::append` (what ingestion's aggregates
// would have written: consumption 50-450 Wh, production 0-300 Wh in the
// day's middle, deterministic); a time-of-use tariff with a tier, export,
// fixed and demand charges and tax; then due work packs the settled days,
// as it would have done each night (docs/telemetry.md, "Packed days"),
// and billing reads them in that form. Measured, R rounds (default 3) each
// alternating: (1) the bare scan, `SELECT meter, SUM(consumed_wh),
// SUM(produced_wh) FROM meter_quarters WHERE <the month's hour blocks> AND
// <the month> GROUP BY meter` through the same storage port; (2)
// `billing().generate` for the month (then its invoices are deleted for
// the next round). Medians are printed with their ratio (aim: generation
// within 2x of the scan).
#include <segs/segs.hpp>

#include "storage/backend.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/telemetry_blocks.hpp"
#include "storage/stores/telemetry_store.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <unistd.h>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace st = segs::storage;

constexpr std::int64_t quarter_us = 900'000'000;
const segs::timestamp month_start = segs::parse_rfc3339("2025-06-01T00:00:00Z").value();

double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct settings {
  bool smoke = false;
  std::size_t customers = 10'000;
  int days = 30;
  int rounds = 3;
  bool sqlite = true;
  std::string pg;
};

segs::tariff bench_tariff() {
  auto m = [](const char* s) { return segs::money::parse(s).value(); };
  segs::tariff t;
  t.region = "bench";
  t.name = "Bench TOU";
  t.effective_from = month_start;
  t.periods = {{"peak", m("0.32")}, {"shoulder", m("0.21")}, {"off_peak", m("0.12")}};
  using segs::day_kind;
  const std::vector<day_kind> weekdays{day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri};
  t.schedule = {{"peak", weekdays, 17h, 21h, {}}, {"shoulder", weekdays, 7h, 17h, {}}};
  t.default_period = "off_peak";
  t.tiers = {{segs::energy{300'000}, m("0")}, {std::nullopt, m("0.02")}};
  t.fixed_charge_per_day = m("0.45");
  t.demand_charge_per_kw = m("1.10");
  t.export_price_per_kwh = m("0.07");
  t.tax_percent = segs::ten_thousandths{190'000};
  return t;
}

// Users, meters, holdings; then the month's quarter-hours.
void load(const std::string& url, const settings& s) {
  auto be = st::open_backend(url, {});
  std::vector<std::int64_t> seqs;
  {
    auto tx = be->begin(st::tx_mode::write);
    for (std::size_t i = 0; i < s.customers; ++i) {
      st::identity::user_row u;
      auto& user = u.user;
      char id[64];
      std::snprintf(id, sizeof id, "01900000-0000-7000-8000-%012zx", i + 1);
      user.id = segs::uuid::parse(id).value();
      user.email = "c" + std::to_string(i) + "@bench.example";
      user.name = "Customer " + std::to_string(i);
      user.role = "consumer";
      user.region = "bench";
      user.status = segs::user_status::active;
      user.email_verified = true;
      user.created_at = user.updated_at = month_start - 24h;
      st::identity::insert_user(*tx, u);
      segs::meter m;
      std::snprintf(id, sizeof id, "01900000-0000-7000-9000-%012zx", i + 1);
      m.id = segs::uuid::parse(id).value();
      m.meter_id = "BENCH-" + std::to_string(i);
      m.region = "bench";
      m.user_id = user.id;
      m.capacity_kw = segs::milli{20'000};
      m.created_at = m.updated_at = month_start - 24h;
      const auto seq = st::telemetry::insert_meter(*tx, m);
      st::telemetry::open_holding(*tx, seq, user.id, std::nullopt);
      seqs.push_back(seq);
    }
    tx->commit();
  }
  static constexpr std::array<std::string_view, 22> cols{
      "block",     "meter",      "start",       "consumed_wh", "produced_wh", "readings",  "power_n",   "power_sum",
      "power_min", "power_max",  "peak_max",    "peak_at",     "voltage_n",   "voltage_sum", "voltage_min",
      "voltage_max", "current_n", "current_sum", "pf_n",        "pf_sum",      "freq_n",    "freq_sum"};
  const std::int64_t buckets = static_cast<std::int64_t>(s.days) * 96;
  // Each meter-day's sums, for its meter_days row (what packing reads).
  std::vector<std::array<std::int64_t, 2>> day_sums(seqs.size() * static_cast<std::size_t>(s.days));
  std::vector<st::value> v;
  std::size_t rows = 0;
  auto flush = [&] {
    if (v.empty()) return;
    auto tx = be->begin(st::tx_mode::write);
    tx->append("meter_quarters", cols, v);
    tx->commit();
    v.clear();
    rows = 0;
  };
  // Time order, meter by meter within a bucket, as ingestion writes them.
  for (std::int64_t b = 0; b < buckets; ++b) {
    const std::int64_t start = segs::to_micros(month_start) + b * quarter_us;
    const auto q = b % 96;  // quarter of the day
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const auto h = static_cast<std::int64_t>((i * 2654435761u + static_cast<std::size_t>(b) * 40503u) % 401);
      const std::int64_t consumed = 50 + h;
      const std::int64_t produced = (q >= 36 && q < 64 && i % 3 == 0) ? (h * 3) % 301 : 0;
      auto& d = day_sums[i * static_cast<std::size_t>(s.days) + static_cast<std::size_t>(b / 96)];
      d[0] += consumed;
      d[1] += produced;
      for (st::value x : std::initializer_list<st::value>{
               st::telemetry::block_of(start, st::telemetry::quarter_block_us), seqs[i], start, consumed, produced,
               std::int64_t{1}, std::int64_t{0}, std::int64_t{0}, nullptr, nullptr, nullptr, nullptr, std::int64_t{0},
               std::int64_t{0}, nullptr, nullptr, std::int64_t{0}, std::int64_t{0}, std::int64_t{0}, std::int64_t{0},
               std::int64_t{0}, std::int64_t{0}})
        v.push_back(std::move(x));
      if (++rows == 20'000) flush();
    }
  }
  flush();
  // The days, as the aggregates would have stored them.
  static constexpr std::array<std::string_view, 23> day_cols{
      "block",       "meter",     "start",       "day_end", "consumed_wh", "produced_wh", "readings", "power_n",
      "power_sum",   "power_min", "power_max",   "peak_max", "peak_at",    "voltage_n",   "voltage_sum",
      "voltage_min", "voltage_max", "current_n", "current_sum", "pf_n",    "pf_sum",      "freq_n",   "freq_sum"};
  std::vector<st::value> dv;
  for (std::size_t i = 0; i < seqs.size(); ++i)
    for (int d = 0; d < s.days; ++d) {
      const std::int64_t start = segs::to_micros(month_start) + d * 96 * quarter_us;
      const auto& sum = day_sums[i * static_cast<std::size_t>(s.days) + static_cast<std::size_t>(d)];
      for (st::value x : std::initializer_list<st::value>{
               st::telemetry::block_of(start, st::telemetry::day_block_us), seqs[i], start, start + 96 * quarter_us,
               sum[0], sum[1], std::int64_t{96}, std::int64_t{0}, std::int64_t{0}, nullptr, nullptr, nullptr, nullptr,
               std::int64_t{0}, std::int64_t{0}, nullptr, nullptr, std::int64_t{0}, std::int64_t{0}, std::int64_t{0},
               std::int64_t{0}, std::int64_t{0}, std::int64_t{0}})
        dv.push_back(std::move(x));
    }
  auto tx = be->begin(st::tx_mode::write);
  tx->append("meter_days", day_cols, dv);
  tx->commit();
}

double bare_scan(const std::string& url, const settings& s, std::size_t& groups) {
  auto be = st::open_backend(url, {});
  const auto t0 = clock_type::now();
  auto tx = be->begin(st::tx_mode::read);
  const auto from = month_start;
  const auto to = month_start + std::chrono::days{s.days};
  auto res = tx->exec("SELECT meter, SUM(consumed_wh), SUM(produced_wh) FROM meter_quarters WHERE " +
                          st::telemetry::in_blocks("block", 1, 2) + " AND start >= $3 AND start < $4 GROUP BY meter",
                      {st::telemetry::block_of(from, st::telemetry::quarter_block_us),
                       st::telemetry::block_of(to, st::telemetry::quarter_block_us), segs::to_micros(from),
                       segs::to_micros(to)});
  tx->commit();
  groups = res.rows.size();
  return since(t0);
}

void drop_invoices(const std::string& url) {
  auto be = st::open_backend(url, {});
  auto tx = be->begin(st::tx_mode::write);
  for (const char* t : {"DELETE FROM invoice_lines", "DELETE FROM invoices", "DELETE FROM invoice_numbers"}) tx->exec(t);
  tx->commit();
}

void run(const std::string& label, const std::string& url, const settings& s) {
  segs::options o;
  auto clk = std::make_shared<segs::manual_clock>(month_start - 24h);
  o.clock = clk;
  segs::region_spec r;
  r.time_zone = "UTC";
  r.currency = "EUR";
  o.regions.define.emplace("bench", r);
  {
    auto g = segs::grid::open(url, o).value();
    auto t = g->tariffs().create(segs::principal::system(), bench_tariff());
    if (!t) throw std::runtime_error("tariff: " + t.error().message);
  }
  auto t0 = clock_type::now();
  load(url, s);
  std::printf("%s: loaded %zu customers x %d days (%zu quarter-hours) in %.1f s\n", label.c_str(), s.customers, s.days,
              s.customers * static_cast<std::size_t>(s.days) * 96, since(t0));
  clk->set(month_start + std::chrono::days{s.days} + 6h);
  {
    // Due work packs the settled days (2,000 a run), as it would have done
    // day by day: what billing reads of a past month.
    auto g = segs::grid::open(url, o).value();
    t0 = clock_type::now();
    std::int64_t packed = 0;
    for (;;) {
      auto due = g->run_due_work();
      if (!due) throw std::runtime_error("due work: " + due.error().message);
      if (due->days_packed == 0) break;
      packed += due->days_packed;
    }
    std::printf("%s: due work packed %lld meter-days in %.1f s\n", label.c_str(), static_cast<long long>(packed),
                since(t0));
  }
  const auto period = std::string("2025-06");
  std::vector<double> scans, gens;
  std::int64_t generated = 0;
  segs::money total;
  for (int round = 0; round < s.rounds; ++round) {
    std::size_t groups = 0;
    scans.push_back(bare_scan(url, s, groups));
    if (groups != s.customers) throw std::runtime_error("the scan found " + std::to_string(groups) + " meters");
    auto g = segs::grid::open(url, o).value();
    t0 = clock_type::now();
    auto out = g->billing().generate(segs::principal::system(), period, "bench");
    gens.push_back(since(t0));
    if (!out) throw std::runtime_error("generate: " + out.error().message);
    generated = out->generated;
    total = out->total_amount;
    if (round + 1 < s.rounds) {
      g.reset();
      drop_invoices(url);
    } else {
      // The export of what the last round generated.
      std::size_t bytes = 0;
      t0 = clock_type::now();
      auto rows = g->billing().export_csv(segs::principal::system(), "bench", period, [&](std::string_view c) {
        bytes += c.size();
        return true;
      });
      const double e = since(t0);
      if (!rows) throw std::runtime_error("export: " + rows.error().message);
      std::printf("%s: CSV export %lld rows (%.1f MB) in %.3f s: %.0f rows/s\n", label.c_str(),
                  static_cast<long long>(*rows), static_cast<double>(bytes) / 1e6, e, static_cast<double>(*rows) / e);
    }
  }
  const double scan = median(scans);
  const double gen = median(gens);
  std::printf("%s: bare scan %.3f s (median of %d), generation %.3f s (%lld invoices, total %s EUR): %.2fx the scan; "
              "%.0f invoices/s, %.1f M buckets/s\n",
              label.c_str(), scan, s.rounds, gen, static_cast<long long>(generated), total.to_string().c_str(),
              gen / scan, static_cast<double>(generated) / gen,
              static_cast<double>(s.customers) * s.days * 96 / gen / 1e6);
  for (int i = 0; i < s.rounds; ++i) std::printf("  round %d: scan %.3f s, generation %.3f s\n", i + 1, scans[i], gens[i]);
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  if (const char* e = std::getenv("SMOKE"); e && *e && std::strcmp(e, "0") != 0) s.smoke = true;
  if (const char* e = std::getenv("SEGS_TEST_PG_URL"); e && *e) s.pg = e;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--smoke") s.smoke = true;
    else if (a == "--customers") s.customers = std::stoul(next());
    else if (a == "--rounds") s.rounds = std::stoi(next());
    else if (a == "--pg") s.pg = next();
    else if (a == "--no-sqlite") s.sqlite = false;
    else {
      std::fprintf(stderr, "usage: segs-bench-billing [--smoke] [--customers N] [--rounds R] [--pg URL] [--no-sqlite]\n");
      return 2;
    }
  }
  if (s.smoke) {
    s.customers = 20;
    s.rounds = 1;
  }
  try {
    std::printf("segs-bench-billing%s: %zu customers, %d days, %d rounds\n", s.smoke ? " (smoke run: its numbers mean nothing)" : "",
                s.customers, s.days, s.rounds);
    if (s.sqlite) {
      const auto dir = std::filesystem::temp_directory_path() / ("segs-bench-billing-" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir);
      const auto file = dir / "billing.db";
      run("SQLite file", "sqlite:" + file.string() + "?cache_mib=64", s);
      std::filesystem::remove_all(dir);
    }
    if (!s.pg.empty()) {
      // A fresh schema of its own, dropped afterwards.
      PGconn* admin = PQconnectdb(s.pg.c_str());
      if (PQstatus(admin) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(admin));
      const std::string schema = "segs_bench_bill_" + std::to_string(::getpid());
      auto sql = [&](const std::string& q) {
        PGresult* r = PQexec(admin, q.c_str());
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) throw std::runtime_error(PQerrorMessage(admin));
      };
      sql("SET client_min_messages = warning");
      sql("CREATE SCHEMA " + schema);
      const auto url = s.pg + (s.pg.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
      try {
        run("PostgreSQL", url, s);
      } catch (...) {
        sql("DROP SCHEMA " + schema + " CASCADE");
        PQfinish(admin);
        throw;
      }
      sql("DROP SCHEMA " + schema + " CASCADE");
      PQfinish(admin);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segs-bench-billing: %s\n", e.what());
    return 1;
  }
  return 0;
}
