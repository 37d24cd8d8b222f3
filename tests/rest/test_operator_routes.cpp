// The operators' routes through the handler (issue 16, section 3): the
// dashboard's members, the reports as JSON and as CSV (Accept: text/csv),
// 400 naming the field for a bad group_by, a reversed range and an unknown
// region, and the users' CSV export streamed a page per chunk, every user
// once and in order. The RBAC rows of these routes are in test_rbac.cpp.
//
// The fixture's clock starts at 2025-06-15T15:06:40Z; the test regions are
// in UTC and pay EUR. Ada (north) consumed 1.5 kWh in the 10:00 quarter-hour
// of 14 June and bought 2 kWh from Bob at 0.15 for the 16:00 slot of 15 June.
#include "north_day_fixture.hpp"

#include <set>
#include <string>

using namespace rest_test;
namespace json = boost::json;

namespace {

json::value data_of(const segs::rest::response& r) { return body_of(r).at("data"); }
double num(const json::value& v) { return v.to_number<double>(); }

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.insert(std::string(kv.key()));
  return out;
}

void check_status(const segs::rest::response& res, int status, const std::string& code = {},
                  const std::string& field = {}) {
  INFO(res.body);
  CHECK(res.status == status);
  if (res.status < 400) return;
  if (!code.empty()) CHECK(code_of(res) == code);
  if (!field.empty()) CHECK(field_of(res) == field);
}

std::vector<std::string> csv_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

const std::vector<segs::rest::header> kCsv{{"Accept", "text/csv"}};

struct operator_fixture : north_day_fixture {
  operator_fixture() : north_day_fixture(false) {}
};

const std::string kReport = "region=north&from=2025-06-14&to=2025-06-15";

}  // namespace

TEST_CASE("REST operator: the dashboard's members over the operator's region") {
  operator_fixture f;
  auto r = f.get("/api/v1/operator/dashboard/stats", f.op);
  check_status(r, 200);
  const auto d = data_of(r);
  CHECK(keys_of(d) == std::set<std::string>{"regions", "as_of", "currency", "users", "meters", "load_kw",
                                            "consumption_today_kwh", "alerts_open", "invoices", "market"});
  CHECK(d.at("regions") == json::array{"north"});
  CHECK(keys_of(d.at("users")) == std::set<std::string>{"total", "active", "suspended"});
  CHECK(keys_of(d.at("meters")) == std::set<std::string>{"total", "active", "reporting_last_15m"});
  CHECK(keys_of(d.at("alerts_open")) == std::set<std::string>{"info", "warning", "critical"});
  CHECK(keys_of(d.at("invoices")) == std::set<std::string>{"outstanding", "overdue_count", "overdue_amount"});
  CHECK(keys_of(d.at("market")) == std::set<std::string>{"open_orders", "volume_today_kwh", "last_price"});
  CHECK(d.at("users").at("total").as_int64() == 3);  // op, ada, bob
  CHECK(d.at("meters").at("total").as_int64() == 1);
  CHECK(num(d.at("market").at("volume_today_kwh")) == 2.0);
  CHECK(num(d.at("market").at("last_price")) == 0.15);
  CHECK(str(d.at("currency")) == "EUR");

  // The admin covers every region, or names one.
  auto all = f.get("/api/v1/operator/dashboard/stats", f.admin);
  check_status(all, 200);
  CHECK(data_of(all).at("regions").as_array().size() >= 5);
  auto south = f.get("/api/v1/operator/dashboard/stats?region=south", f.admin);
  check_status(south, 200);
  CHECK(data_of(south).at("regions") == json::array{"south"});
  check_status(f.get("/api/v1/operator/dashboard/stats?region=north", f.op_south), 403, "FORBIDDEN", "region");
  check_status(f.get("/api/v1/operator/dashboard/stats?region=atlantis", f.admin), 400, "VALIDATION_ERROR", "region");
}

TEST_CASE("REST operator: the consumption report as JSON and as CSV") {
  operator_fixture f;
  auto r = f.get("/api/v1/operator/reports/consumption?" + kReport, f.op);
  check_status(r, 200);
  const auto d = data_of(r);
  CHECK(keys_of(d) == std::set<std::string>{"region", "time_zone", "currency", "from", "to", "group_by", "rows"});
  CHECK(str(d.at("group_by")) == "day");
  const auto& rows = d.at("rows").as_array();
  REQUIRE(rows.size() == 2);
  CHECK(keys_of(rows[0]) == std::set<std::string>{"period", "consumed_kwh", "produced_kwh", "net_kwh",
                                                  "peak_load_kw", "meters_reporting"});
  CHECK(str(rows[0].at("period")) == "2025-06-14");
  CHECK(num(rows[0].at("consumed_kwh")) == 1.5);
  CHECK(num(rows[0].at("net_kwh")) == 1.5);
  CHECK(num(rows[0].at("peak_load_kw")) == 6.0);  // 1.5 kWh in a quarter-hour
  CHECK(rows[0].at("meters_reporting").as_int64() == 1);
  CHECK(rows[1].at("peak_load_kw").is_null());

  auto c = f.send("GET", "/api/v1/operator/reports/consumption?" + kReport, {}, f.op, kCsv);
  check_status(c, 200);
  CHECK(c.header_value("Content-Type") == "text/csv; charset=utf-8");
  const auto lines = csv_lines(c.body);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "period,consumed_kwh,produced_kwh,net_kwh,peak_load_kw,meters_reporting");
  CHECK(lines[1] == "2025-06-14,1.5,0,1.5,6,1");
  CHECK(lines[2] == "2025-06-15,0,0,0,,0");

  auto m = f.get("/api/v1/operator/reports/consumption?region=north&from=2025-06-01&to=2025-06-30&group_by=month",
                 f.op);
  check_status(m, 200);
  REQUIRE(data_of(m).at("rows").as_array().size() == 1);
  CHECK(str(data_of(m).at("rows").as_array()[0].at("period")) == "2025-06");
}

TEST_CASE("REST operator: the revenue report as JSON and as CSV") {
  operator_fixture f;
  auto r = f.get("/api/v1/operator/reports/revenue?" + kReport, f.admin);
  check_status(r, 200);
  const auto d = data_of(r);
  const auto& rows = d.at("rows").as_array();
  REQUIRE(rows.size() == 2);
  CHECK(keys_of(rows[1]) == std::set<std::string>{"period", "invoiced", "collected", "outstanding",
                                                  "p2p_volume_kwh", "market_fees"});
  CHECK(num(rows[1].at("p2p_volume_kwh")) == 2.0);
  CHECK(num(rows[1].at("invoiced")) == 0.0);

  auto c = f.send("GET", "/api/v1/operator/reports/revenue?" + kReport, {}, f.op,
                  {{"accept", "text/csv, application/json;q=0.5"}});
  check_status(c, 200);
  CHECK(c.header_value("Content-Type") == "text/csv; charset=utf-8");
  const auto lines = csv_lines(c.body);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "period,invoiced,collected,outstanding,p2p_volume_kwh,market_fees");
  CHECK(lines[2] == "2025-06-15,0,0,0,2,0");
}

TEST_CASE("REST operator: reports answer 400 naming the field") {
  operator_fixture f;
  for (const char* report : {"consumption", "revenue"}) {
    const std::string base = std::string("/api/v1/operator/reports/") + report + "?";
    check_status(f.get(base + kReport + "&group_by=week", f.op), 400, "VALIDATION_ERROR", "group_by");
    check_status(f.get(base + "region=north&from=2025-06-15&to=2025-06-14", f.op), 400, "VALIDATION_ERROR", "from");
    check_status(f.get(base + "region=atlantis&from=2025-06-14&to=2025-06-15", f.admin), 400, "VALIDATION_ERROR",
                 "region");
    check_status(f.get(base + "region=north&from=2025-06-14T00:00:00Z", f.op), 400, "VALIDATION_ERROR", "from");
    check_status(f.get(base + kReport, f.op_south), 403, "FORBIDDEN", "region");
    check_status(f.get(base + kReport, f.ada), 403, "FORBIDDEN");
    check_status(f.get(base + kReport), 401);
    // A refusal is JSON even when CSV was asked for.
    auto refused = f.send("GET", base + kReport + "&group_by=week", {}, f.op, kCsv);
    CHECK(refused.status == 400);
    CHECK(refused.header_value("Content-Type").find("application/json") != std::string_view::npos);
  }
}

TEST_CASE("REST operator: the users export streams every user once, in order, a page per chunk") {
  operator_fixture f;
  constexpr int extra = 2'500;
  for (int i = 0; i < extra; ++i) {
    segs::registration r;
    r.email = "user" + std::to_string(i) + "@example.org";
    r.name = i == 7 ? "Smith, \"Jo\" Jr" : i == 8 ? "@SUM(A1:A9)" : "User " + std::to_string(i);
    r.password = kPassword;
    r.role = "consumer";
    r.region = i % 4 == 0 ? "south" : "north";
    REQUIRE(f.grid->identity().create_user(segs::principal::system(), r).has_value());
  }

  for (const char* path : {"/api/v1/admin/users/export", "/api/v1/operator/export/users"}) {
    auto res = f.send_raw("GET", path, {}, f.admin);
    REQUIRE(res.status == 200);
    CHECK(res.header_value("Content-Type") == "text/csv; charset=utf-8");
    REQUIRE(static_cast<bool>(res.body_stream));
    std::string body;
    int chunks = 0;
    while (auto chunk = res.body_stream()) {
      CHECK(chunk->size() < 400'000);  // one page of 1000 users, never the whole export
      body += *chunk;
      ++chunks;
    }
    CHECK(chunks >= 3);
    // Records end with CRLF outside quotes (a quoted cell may hold one).
    std::vector<std::string> records;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '"') quoted = !quoted;
      if (!quoted && body.compare(i, 2, "\r\n") == 0) {
        records.push_back(cur);
        cur.clear();
        ++i;
        continue;
      }
      cur += body[i];
    }
    CHECK(cur.empty());
    REQUIRE(records.size() == 1 + 5 + extra);
    CHECK(records[0] == "id,email,username,name,role,region,department,status,created_at,last_login_at");
    std::vector<std::string> ids;
    for (std::size_t i = 1; i < records.size(); ++i) ids.push_back(records[i].substr(0, 36));
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
    CHECK(body.find(",\"Smith, \"\"Jo\"\" Jr\",consumer,") != std::string::npos);
    CHECK(body.find(",'@SUM(A1:A9),consumer,") != std::string::npos);
  }

  // The operator of north: north's users only (op, ada, bob and 3 of 4 extra).
  auto north = f.send("GET", "/api/v1/operator/export/users", {}, f.op);
  check_status(north, 200);
  CHECK(north.body.find(",south,") == std::string::npos);

  // Refusals are JSON envelopes, not streams.
  auto refused = f.send_raw("GET", "/api/v1/operator/export/users", {}, f.ada);
  CHECK(refused.status == 403);
  CHECK_FALSE(static_cast<bool>(refused.body_stream));
  check_status(f.get("/api/v1/admin/users/export"), 401);
}
