// Alerts through the handler: alerts raised by readings posted over REST,
// the listing's filters and paging, one alert, acknowledge and resolve (200,
// idempotent acknowledge, 409 after resolution, 404 outside the caller's
// reach), the summary and stats, the operators' routes (403 for others),
// bulk acknowledge, analytics and the rule settings — status codes, the
// exact field names, and errors in the wire's words.
#include "fixture.hpp"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

using namespace rest_test;
namespace json = boost::json;

namespace {

// The fixture's clock is 2025-06-15T15:06:40Z; readings are stamped before it.
const std::string kDay = "2025-06-15";

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object())
    out.insert(std::string(kv.key()));
  return out;
}

json::value data_of(const segs::rest::response& r) {
  return body_of(r).at("data");
}

double num(const json::value& v) {
  return v.to_number<double>();
}

const std::set<std::string> kAlertKeys{"id",
                                       "meter_id",
                                       "meter_uuid",
                                       "user_id",
                                       "region",
                                       "type",
                                       "severity",
                                       "status",
                                       "message",
                                       "value",
                                       "threshold",
                                       "occurrences",
                                       "first_seen_at",
                                       "last_seen_at",
                                       "acknowledged_at",
                                       "acknowledged_by",
                                       "acknowledge_note",
                                       "resolved_at",
                                       "resolved_by",
                                       "resolution",
                                       "resolution_note"};
const std::set<std::string> kPageKeys{"alerts", "total", "page", "per_page", "total_pages"};
const std::set<std::string> kTypes{"over_voltage",     "under_voltage", "frequency_deviation",
                                   "low_power_factor", "over_capacity", "high_consumption",
                                   "meter_offline"};
const std::set<std::string> kSettingsKeys{"region",
                                          "meter_id",
                                          "nominal_voltage_v",
                                          "voltage_band",
                                          "nominal_frequency_hz",
                                          "frequency_limit_hz",
                                          "power_factor_min",
                                          "high_consumption_factor",
                                          "offline_after_minutes",
                                          "rules"};

/// An admin, operators of north and south, two consumers of north (ada,
/// bob) and one of south (sue), each consumer with a meter.
struct alert_fixture : fixture {
  auth admin, op, op_south, ada, bob, sue;
  segs::user ada_user, bob_user, sue_user;
  json::value ada_meter, bob_meter, sue_meter;

  alert_fixture() {
    admin = signed_in("root@example.org", "admin", "global");
    op = signed_in("op@example.org", "operator", "north");
    op_south = signed_in("ops@example.org", "operator", "south");
    ada_user = make_user("ada@example.org", "consumer", "north");
    ada = auth{login("ada@example.org"), {}};
    bob_user = make_user("bob@example.org", "prosumer", "north");
    bob = auth{login("bob@example.org"), {}};
    sue_user = make_user("sue@example.org", "consumer", "south");
    sue = auth{login("sue@example.org"), {}};
    ada_meter = meter("SM_ADA_001", "north", &ada_user);
    bob_meter = meter("SM_BOB_001", "north", &bob_user);
    sue_meter = meter("SM_SUE_001", "south", &sue_user);
  }

  /// Registers a meter through REST (capacity 10 kW); answers its JSON.
  json::value meter(const std::string& serial, const std::string& region, const segs::user* owner) {
    json::object body{{"meter_id", serial}, {"region", region}, {"capacity_kw", 10}};
    if (owner) body["user_id"] = owner->id.to_string();
    auto res = post("/api/v1/admin/meters", body, admin);
    REQUIRE_MESSAGE(res.status == 201, res.body);
    return data_of(res);
  }

  /// Stores a reading at kDay + `hhmm` carrying `extra` (voltage, ...).
  void reading(const std::string& serial, const std::string& hhmm, json::object extra) {
    json::object r{{"timestamp", kDay + "T" + hhmm + ":00Z"},
                   {"energy_consumed_kwh", 0.25},
                   {"energy_produced_kwh", 0}};
    for (auto& kv : extra)
      r[kv.key()] = kv.value();
    auto res = post("/api/v1/meters/" + serial + "/readings", r, admin);
    REQUIRE_MESSAGE(res.status == 201, res.body);
  }

  segs::rest::response patch(const std::string& target, const json::value& body, const auth& a) {
    return send("PATCH", target, json::serialize(body), a);
  }

  /// The data of a 200 GET.
  json::value ok_get(const std::string& target, const auth& a) {
    auto res = get(target, a);
    REQUIRE_MESSAGE(res.status == 200, target << ": " << res.body);
    return data_of(res);
  }

  /// The only alert of a listing.
  json::value only_alert(const std::string& target, const auth& a) {
    auto d = ok_get(target, a);
    REQUIRE_MESSAGE(d.at("alerts").as_array().size() == 1, d);
    return d.at("alerts").at(0);
  }
};

std::vector<std::string> ids_of(const json::value& page) {
  std::vector<std::string> out;
  for (const auto& a : page.at("alerts").as_array())
    out.push_back(str(a.at("id")));
  return out;
}

std::vector<std::string> strings(const json::value& array) {
  std::vector<std::string> out;
  for (const auto& v : array.as_array())
    out.push_back(str(v));
  return out;
}

void check_400(const segs::rest::response& res, const std::string& field) {
  INFO(field << ": " << res.body);
  CHECK(res.status == 400);
  if (res.status < 400) return;  // no error envelope to read
  CHECK(code_of(res) == "VALIDATION_ERROR");
  CHECK(field_of(res) == field);
}

}  // namespace

// --- one alert ---------------------------------------------------------------------

TEST_CASE(
    "alerts REST: a reading beyond the voltage band raises an alert with the exact wire fields") {
  alert_fixture f;
  f.reading("SM_ADA_001", "14:15", {{"voltage", 260}});

  auto page = f.ok_get("/api/v1/alerts", f.ada);
  CHECK(keys_of(page) == kPageKeys);
  CHECK(page.at("total").as_int64() == 1);
  CHECK(page.at("page").as_int64() == 1);
  CHECK(page.at("per_page").as_int64() == 20);
  CHECK(page.at("total_pages").as_int64() == 1);
  REQUIRE(page.at("alerts").as_array().size() == 1);
  auto a = page.at("alerts").at(0);
  CHECK(keys_of(a) == kAlertKeys);
  CHECK(str(a.at("meter_id")) == "SM_ADA_001");
  CHECK(str(a.at("meter_uuid")) == str(f.ada_meter.at("id")));
  CHECK(str(a.at("user_id")) == f.ada_user.id.to_string());
  CHECK(str(a.at("region")) == "north");
  CHECK(str(a.at("type")) == "over_voltage");
  CHECK(str(a.at("severity")) == "critical");  // above 230 V x 1.10
  CHECK(str(a.at("status")) == "active");
  CHECK(num(a.at("value")) == 260);
  CHECK(num(a.at("threshold")) == 253);
  CHECK(a.at("occurrences").as_int64() == 1);
  CHECK(str(a.at("message")).find("260") != std::string::npos);
  CHECK(str(a.at("first_seen_at")) == kDay + "T14:15:00Z");
  CHECK(str(a.at("last_seen_at")) == kDay + "T14:15:00Z");
  for (const char* k : {"acknowledged_at", "acknowledged_by", "acknowledge_note", "resolved_at",
                        "resolved_by", "resolution", "resolution_note"})
    CHECK_MESSAGE(a.at(k).is_null(), k);

  // A repeat counts, moves last_seen_at, keeps the worst severity and the
  // value and threshold of the latest observation at it.
  f.reading("SM_ADA_001", "14:30", {{"voltage", 245.5}});
  auto one = f.ok_get("/api/v1/alerts/" + str(a.at("id")), f.ada);
  CHECK(keys_of(one) == kAlertKeys);
  CHECK(str(one.at("id")) == str(a.at("id")));
  CHECK(one.at("occurrences").as_int64() == 2);
  CHECK(str(one.at("last_seen_at")) == kDay + "T14:30:00Z");
  CHECK(str(one.at("first_seen_at")) == kDay + "T14:15:00Z");
  CHECK(str(one.at("severity")) == "critical");
  CHECK(num(one.at("value")) == 260);
  CHECK(num(one.at("threshold")) == 253);
  f.reading("SM_ADA_001", "14:45", {{"voltage", 262.125}});
  auto worse = f.ok_get("/api/v1/alerts/" + str(a.at("id")), f.ada);
  CHECK(worse.at("occurrences").as_int64() == 3);
  CHECK(num(worse.at("value")) == 262.125);
  CHECK(str(worse.at("message")).find("262.125") != std::string::npos);

  // Someone else's alert does not exist for them; operators of the region see it.
  CHECK(f.get("/api/v1/alerts/" + str(a.at("id")), f.bob).status == 404);
  CHECK(f.get("/api/v1/alerts/" + str(a.at("id")), f.op_south).status == 404);
  CHECK(f.get("/api/v1/alerts/" + str(a.at("id")), f.op).status == 200);
  CHECK(f.get("/api/v1/alerts/" + str(a.at("id")), f.admin).status == 200);
  CHECK(f.ok_get("/api/v1/alerts", f.bob).at("total").as_int64() == 0);
  auto missing = f.get("/api/v1/alerts/0190a5a0-0000-7000-8000-000000000000", f.admin);
  CHECK(missing.status == 404);
  CHECK(code_of(missing) == "NOT_FOUND");
  check_400(f.get("/api/v1/alerts/not-a-uuid", f.ada), "alertId");
  CHECK(f.get("/api/v1/alerts/" + str(a.at("id")), {}).status == 401);
}

// --- the lifecycle -------------------------------------------------------------------

TEST_CASE(
    "alerts REST: acknowledge then resolve, acknowledging twice is 200 unchanged, a resolved alert "
    "is 409") {
  alert_fixture f;
  f.reading("SM_ADA_001", "14:15", {{"voltage", 245}});
  const auto id = str(f.only_alert("/api/v1/alerts", f.ada).at("id"));
  const auto ack = "/api/v1/alerts/" + id + "/acknowledge";
  const auto resolve = "/api/v1/alerts/" + id + "/resolve";

  // Bodies are checked before anything changes.
  check_400(f.patch(ack, json::object{{"reason", "x"}}, f.ada), "reason");
  check_400(f.patch(ack, json::object{{"resolution_note", "x"}}, f.ada), "resolution_note");
  check_400(f.patch(ack, json::object{{"note", 5}}, f.ada), "note");
  check_400(f.patch(resolve, json::object{{"note", "x"}}, f.ada), "note");
  check_400(f.patch(resolve, json::object{{"resolution_note", true}}, f.ada), "resolution_note");
  check_400(f.patch("/api/v1/alerts/nope/acknowledge", json::object{}, f.ada), "alertId");
  const std::string long_note(1001, 'x');
  check_400(f.patch(ack, json::object{{"note", long_note}}, f.ada), "note");
  check_400(f.patch(resolve, json::object{{"resolution_note", long_note}}, f.ada),
            "resolution_note");
  CHECK(str(f.ok_get("/api/v1/alerts/" + id, f.ada).at("status")) == "active");

  // Others: 404, whatever they send.
  CHECK(f.patch(ack, json::object{}, f.bob).status == 404);
  CHECK(f.patch(ack, json::object{}, f.op_south).status == 404);
  CHECK(f.patch(resolve, json::object{}, f.sue).status == 404);

  auto first = f.patch(ack, json::object{{"note", "looking into it"}}, f.ada);
  REQUIRE_MESSAGE(first.status == 200, first.body);
  auto a = data_of(first);
  CHECK(keys_of(a) == kAlertKeys);
  CHECK(str(a.at("status")) == "acknowledged");
  CHECK(str(a.at("acknowledged_by")) == f.ada_user.id.to_string());
  CHECK(str(a.at("acknowledge_note")) == "looking into it");
  CHECK(str(a.at("acknowledged_at")) == "2025-06-15T15:06:40Z");
  CHECK(a.at("resolved_at").is_null());

  // Again, later, with another note: 200 and nothing changes.
  f.clock->advance(std::chrono::minutes(1));
  auto again = f.patch(ack, json::object{{"note", "other"}}, f.op);
  REQUIRE_MESSAGE(again.status == 200, again.body);
  CHECK(data_of(again) == a);

  // The operator of the region resolves it (an empty body is fine).
  auto done = f.send("PATCH", resolve, "", f.op);
  REQUIRE_MESSAGE(done.status == 200, done.body);
  auto r = data_of(done);
  CHECK(str(r.at("status")) == "resolved");
  CHECK(str(r.at("resolution")) == "manual");
  CHECK(str(r.at("resolved_at")) == "2025-06-15T15:07:40Z");
  CHECK(r.at("resolved_by").is_string());
  CHECK(str(r.at("acknowledged_by")) == f.ada_user.id.to_string());  // kept
  CHECK(r.at("resolution_note").is_null());

  for (const auto& target : {ack, resolve}) {
    auto late = f.patch(target, json::object{}, f.ada);
    INFO(target << ": " << late.body);
    CHECK(late.status == 409);
    CHECK(code_of(late) == "CONFLICT");
  }
  CHECK(data_of(f.get("/api/v1/alerts/" + id, f.ada)) == r);
}

TEST_CASE(
    "alerts REST: the owner resolves an active alert with a note, clearing readings auto-resolve") {
  alert_fixture f;
  f.reading("SM_ADA_001", "14:00", {{"voltage", 245}});
  const auto id = str(f.only_alert("/api/v1/alerts", f.ada).at("id"));
  auto res = f.patch("/api/v1/alerts/" + id + "/resolve",
                     json::object{{"resolution_note", "loose neutral fixed"}}, f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto r = data_of(res);
  CHECK(str(r.at("status")) == "resolved");
  CHECK(str(r.at("resolution")) == "manual");
  CHECK(str(r.at("resolved_by")) == f.ada_user.id.to_string());
  CHECK(str(r.at("resolution_note")) == "loose neutral fixed");
  CHECK(r.at("acknowledged_at").is_null());

  // A new occurrence opens a new alert; three readings in the band clear it.
  f.reading("SM_BOB_001", "14:00", {{"voltage", 200}});  // under_voltage critical (below 207 V)
  auto bob_alert = f.only_alert("/api/v1/alerts", f.bob);
  CHECK(str(bob_alert.at("type")) == "under_voltage");
  CHECK(str(bob_alert.at("severity")) == "critical");
  f.reading("SM_BOB_001", "14:15", {{"voltage", 230}});
  f.reading("SM_BOB_001", "14:30", {{"voltage", 231}});
  CHECK(str(f.ok_get("/api/v1/alerts/" + str(bob_alert.at("id")), f.bob).at("status")) == "active");
  f.reading("SM_BOB_001", "14:45", {{"voltage", 229}});
  auto cleared = f.ok_get("/api/v1/alerts/" + str(bob_alert.at("id")), f.bob);
  CHECK(str(cleared.at("status")) == "resolved");
  CHECK(str(cleared.at("resolution")) == "auto");
  CHECK(cleared.at("resolved_by").is_null());
  CHECK(cleared.at("resolved_at").is_string());
}

// --- listings ----------------------------------------------------------------------

TEST_CASE(
    "alerts REST: the listing filters by status, severity, type, meter and first_seen_at, newest "
    "first, paged") {
  alert_fixture f;
  auto ada2 = f.meter("SM_ADA_002", "north", &f.ada_user);
  f.meter("SM_ADA_003", "north", &f.ada_user);
  f.reading("SM_ADA_001", "14:00", {{"voltage", 260}});      // over_voltage critical
  f.reading("SM_ADA_002", "14:15", {{"voltage", 245}});      // over_voltage warning
  f.reading("SM_ADA_003", "14:30", {{"voltage", 215}});      // under_voltage warning
  f.reading("SM_ADA_001", "14:45", {{"frequency", 50.75}});  // frequency_deviation warning
  f.reading("SM_BOB_001", "14:45", {{"voltage", 260}});      // bob's

  auto all = f.ok_get("/api/v1/alerts", f.ada);
  CHECK(all.at("total").as_int64() == 4);
  std::vector<std::string> firsts;
  for (const auto& a : all.at("alerts").as_array())
    firsts.push_back(str(a.at("first_seen_at")));
  CHECK(firsts == std::vector<std::string>{kDay + "T14:45:00Z", kDay + "T14:30:00Z",
                                           kDay + "T14:15:00Z", kDay + "T14:00:00Z"});
  const auto newest_first = ids_of(all);

  auto count = [&](const std::string& query) {
    return f.ok_get("/api/v1/alerts?" + query, f.ada).at("total").as_int64();
  };
  CHECK(count("severity=critical") == 1);
  CHECK(count("severity=warning") == 3);
  CHECK(count("severity=info") == 0);
  CHECK(count("type=over_voltage") == 2);
  CHECK(count("type=frequency_deviation") == 1);
  CHECK(count("type=over_voltage&severity=warning") == 1);
  CHECK(count("meter_id=SM_ADA_001") == 2);
  CHECK(count("meter_id=" + str(ada2.at("id"))) == 1);                         // by UUID too
  CHECK(count("meter_id=SM_BOB_001") == 0);                                    // not hers: nothing
  CHECK(count("from=" + kDay + "T14:15:00Z&to=" + kDay + "T14:45:00Z") == 2);  // [from, to)
  CHECK(count("from=" + kDay + "T14:45:00Z") == 1);
  CHECK(count("to=" + kDay + "T14:00:00Z") == 0);
  CHECK(count("status=active") == 4);

  auto acked = f.patch("/api/v1/alerts/" + newest_first[3] + "/acknowledge", json::object{}, f.ada);
  REQUIRE(acked.status == 200);
  CHECK(count("status=active") == 3);
  CHECK(count("status=acknowledged") == 1);
  CHECK(count("status=resolved") == 0);

  auto p2 = f.ok_get("/api/v1/alerts?page=2&per_page=3", f.ada);
  CHECK(p2.at("total").as_int64() == 4);
  CHECK(p2.at("page").as_int64() == 2);
  CHECK(p2.at("per_page").as_int64() == 3);
  CHECK(p2.at("total_pages").as_int64() == 2);
  CHECK(ids_of(p2) == std::vector<std::string>{newest_first[3]});
  CHECK(f.ok_get("/api/v1/alerts?page=3&per_page=3", f.ada).at("alerts").as_array().empty());

  // Admins see everyone's.
  CHECK(f.ok_get("/api/v1/alerts", f.admin).at("total").as_int64() == 5);

  check_400(f.get("/api/v1/alerts?status=open", f.ada), "status");
  check_400(f.get("/api/v1/alerts?severity=major", f.ada), "severity");
  check_400(f.get("/api/v1/alerts?type=brownout", f.ada), "type");
  check_400(f.get("/api/v1/alerts?from=yesterday", f.ada), "from");
  check_400(f.get("/api/v1/alerts?to=2025-13-01T00:00:00Z", f.ada), "to");
  check_400(f.get("/api/v1/alerts?from=" + kDay + "T14:30:00Z&to=" + kDay + "T14:30:00Z", f.ada),
            "from");
  check_400(f.get("/api/v1/alerts?page=0", f.ada), "page");
  check_400(f.get("/api/v1/alerts?per_page=101", f.ada), "per_page");
  check_400(f.get("/api/v1/alerts?per_page=ten", f.ada), "per_page");
}

// --- summary and stats ------------------------------------------------------------------

TEST_CASE("alerts REST: the summary counts the caller's open alerts by status, severity and type") {
  alert_fixture f;
  auto empty = f.ok_get("/api/v1/alerts/summary", f.ada);
  CHECK(keys_of(empty) == std::set<std::string>{"total_open", "by_status", "by_severity", "by_type",
                                                "oldest_open_at"});
  CHECK(empty.at("total_open").as_int64() == 0);
  CHECK(empty.at("oldest_open_at").is_null());
  CHECK(keys_of(empty.at("by_type")) == kTypes);

  f.meter("SM_ADA_002", "north", &f.ada_user);
  f.reading("SM_ADA_001", "14:00", {{"voltage", 260}});
  f.reading("SM_ADA_002", "14:15", {{"frequency", 49.25}});
  f.reading("SM_ADA_002", "14:30", {{"voltage", 215}});
  f.reading("SM_BOB_001", "13:45", {{"voltage", 260}});  // not hers
  auto page = f.ok_get("/api/v1/alerts?type=under_voltage", f.ada);
  REQUIRE(page.at("total").as_int64() == 1);
  REQUIRE(
      f.patch("/api/v1/alerts/" + ids_of(page)[0] + "/acknowledge", json::object{}, f.ada).status ==
      200);

  auto s = f.ok_get("/api/v1/alerts/summary", f.ada);
  CHECK(s.at("total_open").as_int64() == 3);
  CHECK(s.at("by_status") == json::value(json::object{{"active", 2}, {"acknowledged", 1}}));
  CHECK(s.at("by_severity") ==
        json::value(json::object{{"info", 0}, {"warning", 2}, {"critical", 1}}));
  CHECK(keys_of(s.at("by_type")) == kTypes);
  CHECK(s.at("by_type").at("over_voltage").as_int64() == 1);
  CHECK(s.at("by_type").at("under_voltage").as_int64() == 1);
  CHECK(s.at("by_type").at("frequency_deviation").as_int64() == 1);
  CHECK(s.at("by_type").at("low_power_factor").as_int64() == 0);
  CHECK(str(s.at("oldest_open_at")) == kDay + "T14:00:00Z");

  // Resolved alerts are not open.
  REQUIRE(f.patch("/api/v1/alerts/" + ids_of(page)[0] + "/resolve", json::object{}, f.ada).status ==
          200);
  CHECK(f.ok_get("/api/v1/alerts/summary", f.ada).at("total_open").as_int64() == 2);
  CHECK(f.ok_get("/api/v1/alerts/summary", f.admin).at("total_open").as_int64() == 3);
}

TEST_CASE("alerts REST: stats count raised and resolved alerts per local day of the range") {
  alert_fixture f;
  f.meter("SM_ADA_002", "north", &f.ada_user);
  f.reading("SM_ADA_001", "14:00", {{"voltage", 245}});
  f.reading("SM_ADA_002", "14:00", {{"voltage", 200}});
  // ADA_002 clears by itself; ADA_001 is acknowledged and resolved by hand.
  f.reading("SM_ADA_002", "14:15", {{"voltage", 230}});
  f.reading("SM_ADA_002", "14:30", {{"voltage", 230}});
  f.reading("SM_ADA_002", "14:45", {{"voltage", 230}});
  const auto id = ids_of(f.ok_get("/api/v1/alerts?meter_id=SM_ADA_001", f.ada)).at(0);
  REQUIRE(f.patch("/api/v1/alerts/" + id + "/acknowledge", json::object{}, f.ada).status == 200);
  REQUIRE(f.patch("/api/v1/alerts/" + id + "/resolve", json::object{}, f.ada).status == 200);

  auto s =
      f.ok_get("/api/v1/alerts/stats?from=2025-06-14T00:00:00Z&to=2025-06-16T00:00:00Z", f.ada);
  CHECK(keys_of(s) == std::set<std::string>{"from", "to", "raised", "resolved", "auto_resolved",
                                            "mean_time_to_acknowledge_s", "mean_time_to_resolve_s",
                                            "time_zone", "per_day"});
  CHECK(str(s.at("from")) == "2025-06-14T00:00:00Z");
  CHECK(str(s.at("to")) == "2025-06-16T00:00:00Z");
  CHECK(s.at("raised").as_int64() == 2);
  CHECK(s.at("resolved").as_int64() == 2);
  CHECK(s.at("auto_resolved").as_int64() == 1);
  CHECK(str(s.at("time_zone")) == "UTC");
  CHECK(s.at("mean_time_to_acknowledge_s").is_number());
  CHECK(s.at("mean_time_to_resolve_s").is_number());
  const auto& days = s.at("per_day").as_array();
  REQUIRE(days.size() == 2);
  CHECK(keys_of(days[0]) == std::set<std::string>{"date", "raised", "resolved"});
  CHECK(str(days[0].at("date")) == "2025-06-14");
  CHECK(days[0].at("raised").as_int64() == 0);
  CHECK(str(days[1].at("date")) == "2025-06-15");
  CHECK(days[1].at("raised").as_int64() == 2);
  CHECK(days[1].at("resolved").as_int64() == 2);

  // Someone with no alerts: zeros and no means.
  auto none =
      f.ok_get("/api/v1/alerts/stats?from=2025-06-14T00:00:00Z&to=2025-06-16T00:00:00Z", f.bob);
  CHECK(none.at("raised").as_int64() == 0);
  CHECK(none.at("mean_time_to_acknowledge_s").is_null());
  CHECK(none.at("mean_time_to_resolve_s").is_null());

  // Without from: the 30 days before to (default now).
  auto dflt = f.ok_get("/api/v1/alerts/stats", f.ada);
  CHECK(str(dflt.at("to")) == "2025-06-15T15:06:40Z");
  CHECK(str(dflt.at("from")) == "2025-05-16T15:06:40Z");
  CHECK(dflt.at("raised").as_int64() == 2);

  check_400(f.get("/api/v1/alerts/stats?from=last-week", f.ada), "from");
  check_400(f.get("/api/v1/alerts/stats?to=soon", f.ada), "to");
  check_400(f.get("/api/v1/alerts/stats?from=2025-06-16T00:00:00Z&to=2025-06-14T00:00:00Z", f.ada),
            "from");
  check_400(f.get("/api/v1/alerts/stats?from=2024-01-01T00:00:00Z&to=2025-06-14T00:00:00Z", f.ada),
            "to");
}

// --- operators and admins ----------------------------------------------------------------

TEST_CASE("alerts REST: the region, meter and unresolved listings are for operators and admins") {
  alert_fixture f;
  f.reading("SM_BOB_001", "14:00", {{"voltage", 245}});
  f.reading("SM_ADA_001", "14:15", {{"voltage", 260}});
  f.reading("SM_ADA_001", "14:30", {{"frequency", 51}});
  f.reading("SM_SUE_001", "14:45", {{"voltage", 260}});

  for (const auto* who : {&f.ada, &f.bob, &f.sue}) {
    for (const std::string target :
         {"/api/v1/alerts/region/north", "/api/v1/alerts/meter/SM_ADA_001",
          "/api/v1/alerts/unresolved"}) {
      auto res = f.get(target, *who);
      INFO(target << ": " << res.body);
      CHECK(res.status == 403);
      CHECK(code_of(res) == "FORBIDDEN");
    }
  }

  auto north = f.ok_get("/api/v1/alerts/region/north", f.op);
  CHECK(keys_of(north) == kPageKeys);
  CHECK(north.at("total").as_int64() == 3);
  for (const auto& a : north.at("alerts").as_array())
    CHECK(str(a.at("region")) == "north");
  CHECK(f.ok_get("/api/v1/alerts/region/north?type=over_voltage", f.op).at("total").as_int64() ==
        2);
  CHECK(f.ok_get("/api/v1/alerts/region/north?severity=critical", f.op).at("total").as_int64() ==
        1);
  CHECK(f.ok_get("/api/v1/alerts/region/north?meter_id=SM_BOB_001", f.op).at("total").as_int64() ==
        1);
  auto paged = f.ok_get("/api/v1/alerts/region/north?per_page=2&page=2", f.op);
  CHECK(paged.at("alerts").as_array().size() == 1);
  CHECK(paged.at("total_pages").as_int64() == 2);
  CHECK(f.ok_get("/api/v1/alerts/region/south", f.admin).at("total").as_int64() == 1);
  // Another region's alerts are not the operator's: none.
  CHECK(f.ok_get("/api/v1/alerts/region/north", f.op_south).at("total").as_int64() == 0);
  check_400(f.get("/api/v1/alerts/region/north?status=bogus", f.op), "status");

  auto meter = f.ok_get("/api/v1/alerts/meter/SM_ADA_001", f.op);
  CHECK(meter.at("total").as_int64() == 2);
  for (const auto& a : meter.at("alerts").as_array())
    CHECK(str(a.at("meter_id")) == "SM_ADA_001");
  CHECK(f.ok_get("/api/v1/alerts/meter/" + str(f.ada_meter.at("id")), f.admin)
            .at("total")
            .as_int64() == 2);
  CHECK(f.ok_get("/api/v1/alerts/meter/SM_ADA_001?type=frequency_deviation", f.op)
            .at("total")
            .as_int64() == 1);
  CHECK(f.ok_get("/api/v1/alerts/meter/SM_ADA_001", f.op_south).at("total").as_int64() == 0);

  // Unresolved: open alerts only, oldest first.
  const auto bob_id = ids_of(f.ok_get("/api/v1/alerts", f.bob)).at(0);
  REQUIRE(f.patch("/api/v1/alerts/" + bob_id + "/resolve", json::object{}, f.bob).status == 200);
  auto open = f.ok_get("/api/v1/alerts/unresolved", f.op);
  CHECK(keys_of(open) == kPageKeys);
  REQUIRE(open.at("total").as_int64() == 2);
  CHECK(str(open.at("alerts").at(0).at("first_seen_at")) == kDay + "T14:15:00Z");
  CHECK(str(open.at("alerts").at(1).at("first_seen_at")) == kDay + "T14:30:00Z");
  CHECK(f.ok_get("/api/v1/alerts/unresolved", f.admin).at("total").as_int64() == 3);
  CHECK(f.ok_get("/api/v1/alerts/unresolved", f.op_south).at("total").as_int64() == 1);
  auto first = f.ok_get("/api/v1/alerts/unresolved?per_page=1", f.admin);
  CHECK(first.at("total_pages").as_int64() == 3);
  CHECK(str(first.at("alerts").at(0).at("first_seen_at")) == kDay + "T14:15:00Z");
  check_400(f.get("/api/v1/alerts/unresolved?per_page=0", f.op), "per_page");
}

TEST_CASE("alerts REST: bulk acknowledge reports each id, at most 500") {
  alert_fixture f;
  f.meter("SM_ADA_002", "north", &f.ada_user);
  f.meter("SM_ADA_003", "north", &f.ada_user);
  f.reading("SM_ADA_001", "14:00", {{"voltage", 260}});
  f.reading("SM_ADA_002", "14:00", {{"voltage", 260}});
  f.reading("SM_ADA_003", "14:00", {{"voltage", 260}});
  f.reading("SM_SUE_001", "14:00", {{"voltage", 260}});
  auto id_on = [&](const std::string& serial) {
    return ids_of(f.ok_get("/api/v1/alerts?meter_id=" + serial, f.admin)).at(0);
  };
  const auto active = id_on("SM_ADA_001");
  const auto acked = id_on("SM_ADA_002");
  const auto resolved = id_on("SM_ADA_003");
  const auto south = id_on("SM_SUE_001");
  const std::string unknown = "0190a5a0-0000-7000-8000-000000000000";
  REQUIRE(f.patch("/api/v1/alerts/" + acked + "/acknowledge", json::object{}, f.ada).status == 200);
  REQUIRE(f.patch("/api/v1/alerts/" + resolved + "/resolve", json::object{}, f.ada).status == 200);

  const std::string bulk = "/api/v1/alerts/bulk/acknowledge";
  json::object body{{"alert_ids", json::array{active, acked, resolved, south, unknown}},
                    {"note", "storm front"}};
  auto denied = f.patch(bulk, body, f.ada);
  CHECK(denied.status == 403);
  CHECK(code_of(denied) == "FORBIDDEN");
  CHECK(str(f.ok_get("/api/v1/alerts/" + active, f.ada).at("status")) == "active");

  auto res = f.patch(bulk, body, f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto r = data_of(res);
  CHECK(keys_of(r) ==
        std::set<std::string>{"acknowledged", "already_acknowledged", "not_found", "conflict"});
  CHECK(strings(r.at("acknowledged")) == std::vector<std::string>{active});
  CHECK(strings(r.at("already_acknowledged")) == std::vector<std::string>{acked});
  CHECK(strings(r.at("conflict")) == std::vector<std::string>{resolved});
  auto not_found = strings(r.at("not_found"));
  CHECK(std::set<std::string>(not_found.begin(), not_found.end()) ==
        std::set<std::string>{south, unknown});
  auto now_acked = f.ok_get("/api/v1/alerts/" + active, f.ada);
  CHECK(str(now_acked.at("status")) == "acknowledged");
  CHECK(str(now_acked.at("acknowledge_note")) == "storm front");
  CHECK(str(f.ok_get("/api/v1/alerts/" + south, f.sue).at("status")) == "active");

  json::array many;  // distinct ids nobody has
  for (int i = 0; i < 501; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "0190a5a0-0000-7000-8000-%012d", i + 1);
    many.push_back(json::string(id));
  }
  check_400(f.patch(bulk, json::object{{"alert_ids", many}}, f.op), "alert_ids");
  many.pop_back();
  auto five_hundred = f.patch(bulk, json::object{{"alert_ids", many}}, f.op);
  REQUIRE_MESSAGE(five_hundred.status == 200, five_hundred.body);
  CHECK(data_of(five_hundred).at("not_found").as_array().size() == 500);
  check_400(f.patch(bulk, json::object{}, f.op), "alert_ids");
  check_400(f.patch(bulk, json::object{{"alert_ids", "all"}}, f.op), "alert_ids");
  check_400(f.patch(bulk, json::object{{"alert_ids", json::array{active, "nope"}}}, f.op),
            "alert_ids[1]");
  check_400(f.patch(bulk, json::object{{"alert_ids", json::array{active}}, {"notes", "x"}}, f.op),
            "notes");
}

TEST_CASE("alerts REST: analytics for operators and admins over a range and region") {
  alert_fixture f;
  f.meter("SM_ADA_002", "north", &f.ada_user);
  f.reading("SM_ADA_001", "14:00", {{"voltage", 260}});
  f.reading("SM_ADA_001", "14:15", {{"frequency", 51}});
  f.reading("SM_ADA_002", "14:15", {{"voltage", 245}});
  f.reading("SM_SUE_001", "14:30", {{"voltage", 215}});
  const std::string range = "from=2025-06-15T00:00:00Z&to=2025-06-16T00:00:00Z";

  CHECK(f.get("/api/v1/alerts/analytics?" + range, f.ada).status == 403);
  auto a = f.ok_get("/api/v1/alerts/analytics?" + range, f.admin);
  CHECK(keys_of(a) == std::set<std::string>{"from", "to", "by_type", "by_severity", "by_region",
                                            "top_meters", "mean_time_to_acknowledge_s",
                                            "mean_time_to_resolve_s", "open_now"});
  CHECK(keys_of(a.at("by_type")) == kTypes);
  CHECK(a.at("by_type").at("over_voltage").as_int64() == 2);
  CHECK(a.at("by_type").at("under_voltage").as_int64() == 1);
  CHECK(a.at("by_type").at("frequency_deviation").as_int64() == 1);
  CHECK(a.at("by_severity") ==
        json::value(json::object{{"info", 0}, {"warning", 3}, {"critical", 1}}));
  CHECK(a.at("by_region") == json::value(json::object{{"north", 3}, {"south", 1}}));
  const auto& top = a.at("top_meters").as_array();
  REQUIRE(top.size() == 3);
  CHECK(top[0] == json::value(json::object{{"meter_id", "SM_ADA_001"}, {"alerts", 2}}));
  CHECK(top[1] == json::value(json::object{{"meter_id", "SM_ADA_002"}, {"alerts", 1}}));
  CHECK(top[2] == json::value(json::object{{"meter_id", "SM_SUE_001"}, {"alerts", 1}}));
  CHECK(a.at("open_now").as_int64() == 4);
  CHECK(a.at("mean_time_to_acknowledge_s").is_null());

  auto south = f.ok_get("/api/v1/alerts/analytics?region=south&" + range, f.admin);
  CHECK(south.at("by_region") == json::value(json::object{{"south", 1}}));
  CHECK(south.at("open_now").as_int64() == 1);

  // An operator's analytics cover their region.
  auto op = f.ok_get("/api/v1/alerts/analytics?" + range, f.op);
  CHECK(op.at("by_region") == json::value(json::object{{"north", 3}}));
  CHECK(op.at("top_meters").as_array().size() == 2);

  // Nothing before the readings.
  auto early = f.ok_get(
      "/api/v1/alerts/analytics?from=2025-06-01T00:00:00Z&to=2025-06-15T00:00:00Z", f.admin);
  CHECK(early.at("by_severity") ==
        json::value(json::object{{"info", 0}, {"warning", 0}, {"critical", 0}}));
  CHECK(early.at("top_meters").as_array().empty());
  check_400(f.get("/api/v1/alerts/analytics?from=then", f.admin), "from");
}

// --- rule settings ------------------------------------------------------------------------

TEST_CASE(
    "alerts REST: rule settings read as one document, change partially, and drive the rules") {
  alert_fixture f;
  auto d = f.ok_get("/api/v1/alerts/rules?region=north", f.admin);
  CHECK(keys_of(d) == kSettingsKeys);
  CHECK(str(d.at("region")) == "north");
  CHECK(d.at("meter_id").is_null());
  CHECK(num(d.at("nominal_voltage_v")) == 230);
  CHECK(num(d.at("voltage_band")) == 0.05);
  CHECK(num(d.at("nominal_frequency_hz")) == 50);
  CHECK(num(d.at("frequency_limit_hz")) == 0.5);
  CHECK(num(d.at("power_factor_min")) == 0.85);
  CHECK(num(d.at("high_consumption_factor")) == 3);
  CHECK(d.at("offline_after_minutes").as_int64() == 30);
  CHECK(keys_of(d.at("rules")) == kTypes);
  for (const auto& t : kTypes) {
    const auto& r = d.at("rules").at(t);
    CHECK(keys_of(r) == std::set<std::string>{"enabled", "fire_after", "clear_after"});
    CHECK(r.at("enabled").as_bool());
    CHECK(r.at("fire_after").as_int64() == (t == "low_power_factor" ? 3 : 1));
    CHECK(r.at("clear_after").as_int64() == 3);
  }
  // The caller's own region without ?region=.
  CHECK(str(f.ok_get("/api/v1/alerts/rules", f.op).at("region")) == "north");

  // Admins change them partially; the answer is the settings now in effect.
  CHECK(f.put("/api/v1/alerts/rules/north", json::object{{"voltage_band", 0.03}}, f.op).status ==
        403);
  auto res = f.put(
      "/api/v1/alerts/rules/north",
      json::object{{"voltage_band", 0.03},
                   {"rules", json::object{{"low_power_factor", json::object{{"fire_after", 5}}},
                                          {"over_capacity", json::object{{"enabled", false}}}}}},
      f.admin);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto u = data_of(res);
  CHECK(keys_of(u) == kSettingsKeys);
  CHECK(num(u.at("voltage_band")) == 0.03);
  CHECK(num(u.at("nominal_voltage_v")) == 230);
  CHECK(u.at("rules").at("low_power_factor").at("fire_after").as_int64() == 5);
  CHECK(u.at("rules").at("low_power_factor").at("clear_after").as_int64() == 3);
  CHECK(u.at("rules").at("over_capacity").at("enabled").as_bool() == false);
  CHECK(u.at("rules").at("over_voltage") == d.at("rules").at("over_voltage"));
  auto later =
      f.put("/api/v1/alerts/rules/north", json::object{{"offline_after_minutes", 45}}, f.admin);
  REQUIRE_MESSAGE(later.status == 200, later.body);
  CHECK(num(data_of(later).at("voltage_band")) == 0.03);
  CHECK(data_of(later).at("offline_after_minutes").as_int64() == 45);
  CHECK(f.ok_get("/api/v1/alerts/rules?region=north", f.op) == data_of(later));
  // South keeps the defaults.
  CHECK(num(f.ok_get("/api/v1/alerts/rules?region=south", f.admin).at("voltage_band")) == 0.05);

  // The document GET answered goes back as it is.
  auto whole = f.put("/api/v1/alerts/rules/north", data_of(later), f.admin);
  REQUIRE_MESSAGE(whole.status == 200, whole.body);
  CHECK(data_of(whole) == data_of(later));

  // 240 V is beyond 230 V x 1.03 now.
  f.reading("SM_ADA_001", "14:00", {{"voltage", 240}});
  auto a = f.only_alert("/api/v1/alerts", f.ada);
  CHECK(str(a.at("type")) == "over_voltage");
  CHECK(num(a.at("threshold")) == 236.9);
}

TEST_CASE("alerts REST: a meter's settings override its region's") {
  alert_fixture f;
  const std::string path = "/api/v1/alerts/rules/north/meters/SM_ADA_001";
  CHECK(f.put(path, json::object{{"nominal_voltage_v", 240}}, f.op).status == 403);
  auto res = f.put(path, json::object{{"nominal_voltage_v", 240}}, f.admin);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto m = data_of(res);
  CHECK(keys_of(m) == kSettingsKeys);
  CHECK(str(m.at("region")) == "north");
  CHECK(str(m.at("meter_id")) == "SM_ADA_001");
  CHECK(num(m.at("nominal_voltage_v")) == 240);
  CHECK(f.ok_get("/api/v1/alerts/rules?region=north&meter_id=SM_ADA_001", f.admin) == m);
  CHECK(num(f.ok_get("/api/v1/alerts/rules?region=north", f.admin).at("nominal_voltage_v")) == 230);

  // 250 V: within 240 V x 1.05 for ada's meter, beyond 230 V x 1.05 for bob's.
  f.reading("SM_ADA_001", "14:00", {{"voltage", 250}});
  f.reading("SM_BOB_001", "14:00", {{"voltage", 250}});
  CHECK(f.ok_get("/api/v1/alerts", f.ada).at("total").as_int64() == 0);
  CHECK(f.ok_get("/api/v1/alerts", f.bob).at("total").as_int64() == 1);

  // The meter's document back as it is; its meter_id must be the path's.
  CHECK(f.put(path, m, f.admin).status == 200);
  auto other = m.as_object();
  other["meter_id"] = "SM_BOB_001";
  check_400(f.put(path, other, f.admin), "meter_id");
  // A meter not of the region: 404 naming the meter as the route takes it.
  auto elsewhere = f.put("/api/v1/alerts/rules/north/meters/SM_SUE_001",
                         json::object{{"nominal_voltage_v", 240}}, f.admin);
  CHECK(elsewhere.status == 404);
  CHECK(field_of(elsewhere) == "meterId");
  auto elsewhere_get = f.get("/api/v1/alerts/rules?region=north&meter_id=SM_SUE_001", f.admin);
  CHECK(elsewhere_get.status == 404);
  CHECK(field_of(elsewhere_get) == "meter_id");
  // The owner reads their meter's settings, not their region's.
  CHECK(f.ok_get("/api/v1/alerts/rules?region=north&meter_id=SM_ADA_001", f.ada) == m);
  CHECK(f.get("/api/v1/alerts/rules?region=north", f.ada).status == 403);
  CHECK(f.get("/api/v1/alerts/rules?region=north&meter_id=SM_ADA_001", f.bob).status == 404);

  // A meter's document is not a region's.
  check_400(f.put("/api/v1/alerts/rules/north", m, f.admin), "meter_id");
  CHECK(num(f.ok_get("/api/v1/alerts/rules?region=north", f.admin).at("nominal_voltage_v")) == 230);
}

TEST_CASE("alerts REST: bad rule settings are 400 naming the wire field") {
  alert_fixture f;
  const std::string path = "/api/v1/alerts/rules/north";
  auto check = [&](json::object body, const std::string& field) {
    auto res = f.put(path, body, f.admin);
    check_400(res, field);
    return res;
  };
  auto unknown = check({{"colour", "blue"}}, "colour");
  CHECK(str(body_of(unknown).at("error").at("message")).find("unknown field colour") !=
        std::string::npos);
  check({{"rules", json::object{{"brownout", json::object{}}}}}, "rules.brownout");
  check({{"rules", json::object{{"over_voltage", json::object{{"fire_afer", 2}}}}}},
        "rules.over_voltage.fire_afer");
  check({{"rules", json::array{}}}, "rules");
  check({{"rules", json::object{{"over_voltage", 2}}}}, "rules.over_voltage");
  check({{"rules", json::object{{"over_voltage", json::object{{"enabled", "yes"}}}}}},
        "rules.over_voltage.enabled");
  check({{"rules", json::object{{"over_voltage", json::object{{"fire_after", 1.5}}}}}},
        "rules.over_voltage.fire_after");
  // The library's range checks, in the wire's words.
  auto range = check({{"rules", json::object{{"under_voltage", json::object{{"clear_after", 0}}}}}},
                     "rules.under_voltage.clear_after");
  CHECK(str(body_of(range).at("error").at("message"))
            .starts_with("rules.under_voltage.clear_after "));
  check({{"rules", json::object{{"low_power_factor", json::object{{"fire_after", 101}}}}}},
        "rules.low_power_factor.fire_after");
  check({{"voltage_band", 0.0005}}, "voltage_band");  // more than 3 decimals
  auto band = check({{"voltage_band", 0.6}}, "voltage_band");
  CHECK(str(body_of(band).at("error").at("message")).starts_with("voltage_band must be"));
  check({{"voltage_band", "0.03"}}, "voltage_band");
  check({{"power_factor_min", 1.5}}, "power_factor_min");
  check({{"nominal_voltage_v", 0}}, "nominal_voltage_v");
  check({{"frequency_limit_hz", -1}}, "frequency_limit_hz");
  check({{"high_consumption_factor", 0.5}}, "high_consumption_factor");
  check({{"offline_after_minutes", 0}}, "offline_after_minutes");
  check({{"offline_after_minutes", 2.5}}, "offline_after_minutes");
  check({{"region", "south"}}, "region");
  check({{"meter_id", "SM_ADA_001"}}, "meter_id");
  // Nothing changed.
  auto d = f.ok_get("/api/v1/alerts/rules?region=north", f.admin);
  CHECK(num(d.at("voltage_band")) == 0.05);
  CHECK(d.at("rules").at("under_voltage").at("clear_after").as_int64() == 3);

  CHECK(f.put("/api/v1/alerts/rules/atlantis", json::object{{"voltage_band", 0.03}}, f.admin)
            .status == 404);
  CHECK(f.get("/api/v1/alerts/rules?region=atlantis", f.admin).status == 404);
}
