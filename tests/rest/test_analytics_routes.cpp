// Analytics through the handler: the five reports' answers (their members
// and exact values for a small case computed by hand), the query's local
// dates (an RFC 3339 instant is 400 naming the parameter), group_by, and who
// may read what (a consumer's own figures; 403 for another region and for
// users analytics; operators their region; the admin names one).
//
// The fixture's clock starts at 2025-06-15T15:06:40Z; the test regions are
// in UTC and pay EUR. North's tariff from 2025-06-01: a flat 0.20 per kWh,
// export 0.05. Ada consumed 1.5 kWh in the 10:00 quarter-hour of 14 June
// and bought 2 kWh from Bob (a prosumer) at 0.15 for the 16:00 slot of 15
// June: she saved (0.20 - 0.15) x 2 = 0.10, Bob earned (0.15 - 0.05) x 2 =
// 0.20 more than the export price.
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

const std::set<std::string> kHeader{"region", "time_zone", "currency", "scope", "user_id",
                                    "from",   "to",        "start",    "end"};

std::set<std::string> with(std::set<std::string> s, std::initializer_list<const char*> more) {
  for (const char* m : more) s.insert(m);
  return s;
}

void check_status(const segs::rest::response& res, int status, const std::string& code = {},
                  const std::string& field = {}) {
  INFO(res.body);
  CHECK(res.status == status);
  if (res.status < 400) return;
  if (!code.empty()) CHECK(code_of(res) == code);
  if (!field.empty()) CHECK(field_of(res) == field);
}

struct analytics_fixture : north_day_fixture {
  analytics_fixture() : north_day_fixture(true) {}
};

const std::string kDays = "from=2025-06-14&to=2025-06-15";

}  // namespace

TEST_CASE("REST analytics: energy of a consumer, per local day") {
  analytics_fixture f;
  auto r = f.get("/api/v1/analytics/energy?" + kDays, f.ada);
  check_status(r, 200);
  const auto d = data_of(r);
  CHECK(keys_of(d) == with(kHeader, {"days", "total"}));
  CHECK(str(d.at("region")) == "north");
  CHECK(str(d.at("scope")) == "self");
  CHECK(str(d.at("user_id")) == f.ada_user.id.to_string());
  CHECK(str(d.at("from")) == "2025-06-14");
  CHECK(str(d.at("start")) == "2025-06-14T00:00:00Z");
  CHECK(str(d.at("end")) == "2025-06-16T00:00:00Z");
  const auto& days = d.at("days").as_array();
  REQUIRE(days.size() == 2);
  CHECK(keys_of(days[0]) == std::set<std::string>{"date", "start", "end", "consumption_kwh", "production_kwh",
                                                  "net_kwh", "self_consumed_kwh", "self_sufficiency"});
  CHECK(str(days[0].at("date")) == "2025-06-14");
  CHECK(num(days[0].at("consumption_kwh")) == 1.5);
  CHECK(num(days[0].at("self_sufficiency")) == 0.0);
  CHECK(days[1].at("self_sufficiency").is_null());
  CHECK(num(d.at("total").at("net_kwh")) == 1.5);

  // The operator: the region's figures.
  auto o = f.get("/api/v1/analytics/energy?" + kDays, f.op);
  check_status(o, 200);
  CHECK(str(data_of(o).at("scope")) == "region");
  CHECK(data_of(o).at("user_id").is_null());
}

TEST_CASE("REST analytics: trading savings, the market and financial figures") {
  analytics_fixture f;
  const std::string day = "from=2025-06-15&to=2025-06-15";
  auto a = f.get("/api/v1/analytics/trading?" + day, f.ada);
  check_status(a, 200);
  const auto t = data_of(a).at("total");
  CHECK(keys_of(t) == std::set<std::string>{"bought_kwh", "sold_kwh", "buy_trades", "sell_trades", "spent", "earned",
                                            "average_buy_price", "average_sell_price", "fees", "savings",
                                            "unpriced_kwh"});
  CHECK(num(t.at("bought_kwh")) == 2);
  CHECK(num(t.at("spent")) == 0.3);
  CHECK(num(t.at("average_buy_price")) == 0.15);
  CHECK(t.at("average_sell_price").is_null());
  CHECK(num(t.at("savings")) == 0.1);
  auto b = f.get("/api/v1/analytics/trading?" + day, f.bob);
  check_status(b, 200);
  CHECK(num(data_of(b).at("total").at("savings")) == 0.2);

  auto m = f.get("/api/v1/analytics/market?region=north&" + day, f.ada);
  check_status(m, 200);
  const auto mt = data_of(m).at("total");
  CHECK(num(mt.at("volume_kwh")) == 2);
  CHECK(num(mt.at("vwap")) == 0.15);
  CHECK(mt.at("participants").as_int64() == 2);
  CHECK(mt.at("mean_clearing_price").is_null());

  auto fin = f.get("/api/v1/analytics/financial?group_by=day&" + day, f.ada);
  check_status(fin, 200);
  const auto fd = data_of(fin);
  CHECK(str(fd.at("group_by")) == "day");
  REQUIRE(fd.at("periods").as_array().size() == 1);
  const auto& p = fd.at("periods").as_array()[0];
  CHECK(str(p.at("period")) == "2025-06-15");
  CHECK(num(p.at("spend")) == 0.3);
  CHECK(num(p.at("net")) == -0.3);
  auto month = f.get("/api/v1/analytics/financial?" + day, f.ada);
  check_status(month, 200);
  CHECK(str(data_of(month).at("periods").as_array()[0].at("period")) == "2025-06");
}

TEST_CASE("REST analytics: users, for operators and admins only") {
  analytics_fixture f;
  auto r = f.get("/api/v1/analytics/users?from=2025-06-01&to=2025-06-15", f.op);
  check_status(r, 200);
  const auto d = data_of(r);
  CHECK(d.at("total_users").as_int64() == 3);  // op, ada, bob
  CHECK(d.at("by_role").at("consumer").as_int64() == 1);
  CHECK(d.at("by_department").at("Engineering").as_int64() == 3);
  CHECK(d.at("days").as_array().size() == 15);
  auto all = f.get("/api/v1/analytics/users?from=2025-06-01&to=2025-06-15", f.admin);
  check_status(all, 200);
  CHECK(data_of(all).at("region").is_null());
  CHECK(data_of(all).at("by_region").at("south").as_int64() == 1);
  check_status(f.get("/api/v1/analytics/users", f.ada), 403, "FORBIDDEN");
  check_status(f.get("/api/v1/analytics/users?region=north", f.op_south), 403, "FORBIDDEN", "region");
}

TEST_CASE("REST analytics: scope, dates and group_by refused with the parameter named") {
  analytics_fixture f;
  check_status(f.get("/api/v1/analytics/energy"), 401, "UNAUTHORIZED");
  check_status(f.get("/api/v1/analytics/energy?region=south", f.ada), 403, "FORBIDDEN", "region");
  check_status(f.get("/api/v1/analytics/market?region=north", f.op_south), 403, "FORBIDDEN", "region");
  check_status(f.get("/api/v1/analytics/energy", f.admin), 400, "VALIDATION_ERROR", "region");
  check_status(f.get("/api/v1/analytics/energy?region=atlantis", f.admin), 404, "NOT_FOUND", "region");
  check_status(f.get("/api/v1/analytics/energy?from=2025-06-14T00:00:00Z", f.ada), 400, "VALIDATION_ERROR", "from");
  check_status(f.get("/api/v1/analytics/energy?to=2025-13-01", f.ada), 400, "VALIDATION_ERROR", "to");
  check_status(f.get("/api/v1/analytics/energy?from=2025-06-15&to=2025-06-01", f.ada), 400, "VALIDATION_ERROR",
               "from");
  check_status(f.get("/api/v1/analytics/financial?group_by=week", f.ada), 400, "VALIDATION_ERROR", "group_by");
  // Defaults: the 30 days ending with the region's today.
  auto d = f.get("/api/v1/analytics/energy", f.ada);
  check_status(d, 200);
  CHECK(str(data_of(d).at("from")) == "2025-05-17");
  CHECK(str(data_of(d).at("to")) == "2025-06-15");
}
