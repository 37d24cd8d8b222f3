// Meters and telemetry through the handler: readings (single, bulk,
// corrections, signed), the registry (admin, operator, signed registration),
// the my-meter and meter queries and the region routes — status codes, the
// exact field names, and errors in the wire's words.
#include "fixture.hpp"

#include <sodium.h>

#include <cstring>
#include <optional>
#include <set>
#include <string>

using namespace rest_test;
namespace json = boost::json;

namespace {

// The fixture's clock is 2025-06-15T15:06:40Z.
const std::string kDay = "2025-06-15";

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.insert(std::string(kv.key()));
  return out;
}

json::value data_of(const segs::rest::response& r) { return body_of(r).at("data"); }

double num(const json::value& v) { return v.to_number<double>(); }

/// An Ed25519 device key.
struct device {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES]{};
  unsigned char sk[crypto_sign_SECRETKEYBYTES]{};
  device() {
    REQUIRE(sodium_init() >= 0);
    crypto_sign_keypair(pk, sk);
  }
  static std::string b64(const unsigned char* p, std::size_t n) {
    std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
  }
  std::string public_key() const { return b64(pk, sizeof pk); }
  std::string sign(const std::string& msg) const {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                         msg.size(), sk);
    return b64(sig, sizeof sig);
  }
};

const std::set<std::string> kReadingKeys{
    "meter_id", "timestamp", "energy_consumed_kwh", "energy_produced_kwh", "power_kw",
    "peak_demand_kw", "voltage", "current", "power_factor", "frequency", "metadata",
    "received_at"};
const std::set<std::string> kLatestKeys{"meter_id", "timestamp", "energy_consumed_kwh",
                                        "energy_produced_kwh", "power_kw", "voltage", "current",
                                        "power_factor", "frequency", "received_at"};
const std::set<std::string> kMeterKeys{
    "id", "meter_id", "user_id", "region", "meter_type", "status", "location", "capacity_kw",
    "installation_date", "public_key", "metadata", "created_at", "updated_at", "last_reading",
    "total_energy_consumed", "total_energy_produced"};
const std::set<std::string> kBucketKeys{
    "start", "end", "consumed_kwh", "produced_kwh", "net_kwh", "reading_count",
    "min_power_kw", "avg_power_kw", "max_power_kw", "peak_demand_kw", "voltage_min",
    "voltage_avg", "voltage_max", "current_avg", "power_factor_avg", "frequency_avg"};

/// A grid with an admin, an operator of north and two consumers of north.
struct tel_fixture : fixture {
  auth admin, op, ada, bob;
  segs::user ada_user, bob_user;

  tel_fixture() {
    admin = signed_in("root@example.org", "admin", "global");
    op = signed_in("op@example.org", "operator", "north");
    ada_user = make_user("ada@example.org", "consumer", "north");
    ada = auth{login("ada@example.org"), {}};
    bob_user = make_user("bob@example.org", "prosumer", "north");
    bob = auth{login("bob@example.org"), {}};
  }

  /// Registers a meter through REST; answers its JSON.
  json::value meter(const std::string& serial, const std::string& region = "north",
                    const segs::user* owner = nullptr, json::object extra = {}) {
    json::object body{{"meter_id", serial}, {"region", region}, {"capacity_kw", 10}};
    if (owner) body["user_id"] = owner->id.to_string();
    for (auto& kv : extra) body[kv.key()] = kv.value();
    auto res = post("/api/v1/admin/meters", body, admin);
    REQUIRE_MESSAGE(res.status == 201, res.body);
    return data_of(res);
  }

  static json::object reading(const std::string& ts, double consumed, double produced = 0) {
    return json::object{{"timestamp", ts},
                        {"energy_consumed_kwh", consumed},
                        {"energy_produced_kwh", produced}};
  }

  segs::rest::response submit(const std::string& meter, const json::value& r, const auth& a) {
    return post("/api/v1/meters/" + meter + "/readings", r, a);
  }
};

}  // namespace

// --- single readings ---------------------------------------------------------------

TEST_CASE("telemetry REST: a reading is 201, an exact repeat 200 with duplicate, other values 409") {
  tel_fixture f;
  auto m = f.meter("SM_ADA_001", "north", &f.ada_user);
  auto r = tel_fixture::reading(kDay + "T14:15:00Z", 1.25, 0.1);
  r["voltage"] = 230.5;
  r["power_kw"] = -1.5;
  r["metadata"] = json::object{{"source", "gateway"}};

  auto first = f.submit("SM_ADA_001", r, f.ada);
  REQUIRE_MESSAGE(first.status == 201, first.body);
  auto d = data_of(first);
  auto expected = kReadingKeys;
  expected.insert("duplicate");
  CHECK(keys_of(d) == expected);
  CHECK(str(d.at("meter_id")) == "SM_ADA_001");
  CHECK(str(d.at("timestamp")) == kDay + "T14:15:00Z");
  CHECK(num(d.at("energy_consumed_kwh")) == 1.25);
  CHECK(num(d.at("energy_produced_kwh")) == 0.1);
  CHECK(num(d.at("voltage")) == 230.5);
  CHECK(num(d.at("power_kw")) == -1.5);
  CHECK(d.at("current").is_null());
  CHECK(str(d.at("metadata").at("source")) == "gateway");
  CHECK(d.at("duplicate").as_bool() == false);

  // By UUID, the same values: a duplicate, 200.
  auto again = f.submit(str(m.at("id")), r, f.ada);
  REQUIRE_MESSAGE(again.status == 200, again.body);
  CHECK(data_of(again).at("duplicate").as_bool() == true);

  auto changed = r;
  changed["energy_consumed_kwh"] = 1.3;
  auto conflict = f.submit("SM_ADA_001", changed, f.ada);
  CHECK(conflict.status == 409);
  CHECK(code_of(conflict) == "CONFLICT");
  CHECK(field_of(conflict) == "timestamp");

  // Decimal strings are read exactly too.
  auto text = tel_fixture::reading(kDay + "T14:30:00Z", 0);
  text["energy_consumed_kwh"] = "0.125";
  text["frequency"] = "50.01";
  auto stored = f.submit("SM_ADA_001", text, f.ada);
  REQUIRE_MESSAGE(stored.status == 201, stored.body);
  CHECK(num(data_of(stored).at("energy_consumed_kwh")) == 0.125);
  CHECK(num(data_of(stored).at("frequency")) == 50.01);

  // Someone else's meter does not exist for a consumer.
  auto theirs = f.submit("SM_ADA_001", tel_fixture::reading(kDay + "T14:45:00Z", 1), f.bob);
  CHECK(theirs.status == 404);
  CHECK(f.submit("SM_ADA_001", r, {}).status == 401);
}

TEST_CASE("telemetry REST: bad readings are 400 naming the wire field") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  auto base = tel_fixture::reading(kDay + "T14:15:00Z", 1);
  auto check = [&](json::object r, const std::string& field) {
    auto res = f.submit("SM_ADA_001", r, f.ada);
    INFO(res.body);
    CHECK(res.status == 400);
    CHECK(code_of(res) == "VALIDATION_ERROR");
    CHECK(field_of(res) == field);
    return res;
  };
  auto r = base;
  r["colour"] = "blue";
  auto unknown = check(r, "colour");
  CHECK(str(body_of(unknown).at("error").at("message")).find("unknown field colour") != std::string::npos);
  r = base; r["power_kw"] = 1.2345; check(r, "power_kw");
  r = base; r["energy_consumed_kwh"] = 0.0005; check(r, "energy_consumed_kwh");
  r = base; r["energy_produced_kwh"] = "1.2345"; check(r, "energy_produced_kwh");
  r = base; r["voltage"] = 1000.001; check(r, "voltage");
  r = base; r["power_factor"] = 1.5; check(r, "power_factor");
  r = base; r["frequency"] = 39.9; check(r, "frequency");
  r = base; r["current"] = "lots"; check(r, "current");
  r = base; r["metadata"] = json::array{1}; check(r, "metadata");
  r = base; r["energy_consumed_kwh"] = -1; 
  auto negative = check(r, "energy_consumed_kwh");
  CHECK(str(body_of(negative).at("error").at("message")).starts_with("energy_consumed_kwh must"));
  r = base; r.erase("timestamp"); check(r, "timestamp");
  r = base; r.erase("energy_consumed_kwh"); check(r, "energy_consumed_kwh");
  r = base; r["timestamp"] = "yesterday"; check(r, "timestamp");
  // More than 5 minutes ahead of the clock: the library's `time`, in wire words.
  r = base; r["timestamp"] = kDay + "T15:12:00Z";
  auto ahead = check(r, "timestamp");
  CHECK(str(body_of(ahead).at("error").at("message")).starts_with("timestamp must"));
}

// --- bulk --------------------------------------------------------------------------

TEST_CASE("telemetry REST: bulk rows are independent and reported by index with wire fields") {
  tel_fixture f;
  auto api_key = [&] {
    auto res = f.post("/api/v1/admin/api-keys",
                      {{"name", "head-end"}, {"scopes", json::array{"telemetry:write"}}}, f.admin);
    REQUIRE_MESSAGE(res.status == 201, res.body);
    return auth{{}, str(data_of(res).at("api_key"))};
  }();
  auto a = f.meter("SM_BULK_A", "north", &f.ada_user);
  f.meter("SM_BULK_B", "south");
  f.submit("SM_BULK_A", tel_fixture::reading(kDay + "T13:00:00Z", 1), f.admin);

  auto row = [](const std::string& meter, const std::string& ts, double c) {
    auto r = tel_fixture::reading(ts, c);
    r["meter_id"] = meter;
    return r;
  };
  json::array rows;
  rows.push_back(row("SM_BULK_A", kDay + "T13:15:00Z", 0.5));          // 0 stored
  rows.push_back(row(str(a.at("id")), kDay + "T13:30:00Z", 0.25));     // 1 stored, by UUID
  rows.push_back(row("SM_BULK_A", kDay + "T13:00:00Z", 1));            // 2 duplicate of stored
  rows.push_back(row("SM_BULK_A", kDay + "T13:00:00Z", 2));            // 3 conflict
  rows.push_back(row("SM_NOPE", kDay + "T13:00:00Z", 1));              // 4 unknown meter
  auto bad_decimal = row("SM_BULK_A", kDay + "T13:45:00Z", 0.0001);    // 5 JSON-level: decimals
  rows.push_back(bad_decimal);
  auto unknown = row("SM_BULK_A", kDay + "T14:00:00Z", 1);             // 6 JSON-level: unknown field
  unknown["temperature"] = 20;
  rows.push_back(unknown);
  auto no_time = row("SM_BULK_A", kDay + "T14:00:00Z", 1);             // 7 JSON-level: no timestamp
  no_time.erase("timestamp");
  rows.push_back(no_time);
  auto negative = row("SM_BULK_B", kDay + "T14:00:00Z", -1);           // 8 library: range
  rows.push_back(negative);
  rows.push_back(row("SM_BULK_B", kDay + "T14:15:00Z", 3));            // 9 stored
  rows.push_back(json::string("not an object"));                        // 10 JSON-level

  auto res = f.post("/api/v1/telemetry/readings", {{"readings", rows}}, api_key);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto d = data_of(res);
  CHECK(keys_of(d) == std::set<std::string>{"accepted", "duplicates", "rejected"});
  CHECK(d.at("accepted").as_int64() == 3);
  CHECK(d.at("duplicates").as_int64() == 1);
  const auto& rejected = d.at("rejected").as_array();
  REQUIRE(rejected.size() == 7);
  struct want {
    std::int64_t index;
    const char* field;
    const char* code;
  };
  const want expected[] = {{3, "timestamp", "CONFLICT"},
                           {4, "meter_id", "NOT_FOUND"},
                           {5, "energy_consumed_kwh", "VALIDATION_ERROR"},
                           {6, "temperature", "VALIDATION_ERROR"},
                           {7, "timestamp", "VALIDATION_ERROR"},
                           {8, "energy_consumed_kwh", "VALIDATION_ERROR"},
                           {10, "readings", "VALIDATION_ERROR"}};
  for (std::size_t i = 0; i < rejected.size(); ++i) {
    INFO(json::serialize(rejected[i]));
    CHECK(keys_of(rejected[i]) == std::set<std::string>{"index", "field", "code", "message"});
    CHECK(rejected[i].at("index").as_int64() == expected[i].index);
    CHECK(str(rejected[i].at("field")) == expected[i].field);
    CHECK(str(rejected[i].at("code")) == expected[i].code);
  }

  // What was stored is in the aggregates.
  auto h = f.get("/api/v1/telemetry/meters/SM_BULK_A/history?start=" + kDay +
                     "T12:00:00Z&end=" + kDay + "T15:00:00Z&interval=1h",
                 f.admin);
  REQUIRE_MESSAGE(h.status == 200, h.body);
  // A reading belongs to the bucket (start, end] holding it: 13:00 ends 12:00-13:00.
  const auto hd = data_of(h);
  const auto& buckets = hd.at("buckets").as_array();
  REQUIRE(buckets.size() == 2);
  CHECK(str(buckets[0].at("start")) == kDay + "T12:00:00Z");
  CHECK(num(buckets[0].at("consumed_kwh")) == 1);
  CHECK(num(buckets[1].at("consumed_kwh")) == 0.75);
  CHECK(buckets[1].at("reading_count").as_int64() == 2);
}

TEST_CASE("telemetry REST: a bulk request whose every row is bad is still 200, more than 10000 rows is 413") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  json::array rows;
  for (int i = 0; i < 3; ++i)
    rows.push_back(json::object{{"meter_id", "SM_NOPE"},
                                {"timestamp", kDay + "T14:00:00Z"},
                                {"energy_consumed_kwh", 1},
                                {"energy_produced_kwh", 0}});
  rows.push_back(json::object{{"meter_id", "SM_ADA_001"}, {"timestamp", "soon"}});
  auto res = f.post("/api/v1/telemetry/readings", {{"readings", rows}}, f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  CHECK(data_of(res).at("accepted").as_int64() == 0);
  CHECK(data_of(res).at("rejected").as_array().size() == 4);

  auto empty = f.post("/api/v1/telemetry/readings", {{"readings", json::array{}}}, f.ada);
  CHECK(empty.status == 200);

  json::array many;
  const json::object one{{"meter_id", "SM_ADA_001"}};
  for (int i = 0; i < 10'001; ++i) many.push_back(one);
  auto big = f.post("/api/v1/telemetry/readings", {{"readings", many}}, f.ada);
  CHECK(big.status == 413);
  CHECK(code_of(big) == "PAYLOAD_TOO_LARGE");
  CHECK(field_of(big) == "readings");

  auto not_array = f.post("/api/v1/telemetry/readings", {{"readings", 5}}, f.ada);
  CHECK(not_array.status == 400);
  CHECK(field_of(not_array) == "readings");
  auto extra = f.post("/api/v1/telemetry/readings", {{"readings", json::array{}}, {"batch", 1}}, f.ada);
  CHECK(extra.status == 400);
  CHECK(field_of(extra) == "batch");
}

// --- signed meters -------------------------------------------------------------------

TEST_CASE("telemetry REST: a signed meter's readings need a valid signature (401, bulk UNAUTHORIZED)") {
  tel_fixture f;
  device dev;
  f.meter("SM_SIG_001", "north", &f.ada_user, {{"public_key", dev.public_key()}});
  // The timestamp exactly as sent, with an offset: the signature covers that text.
  const std::string ts = kDay + "T16:15:00+02:00";
  auto r = tel_fixture::reading(ts, 1.5, 0.25);

  auto missing = f.submit("SM_SIG_001", r, f.ada);
  CHECK(missing.status == 401);
  CHECK(field_of(missing) == "signature");

  r["signature"] = dev.sign("SM_SIG_001|" + ts + "|1500|251");
  auto wrong = f.submit("SM_SIG_001", r, f.ada);
  CHECK(wrong.status == 401);
  CHECK(code_of(wrong) == "UNAUTHORIZED");

  r["signature"] = dev.sign("SM_SIG_001|" + ts + "|1500|250");
  auto good = f.submit("SM_SIG_001", r, f.ada);
  REQUIRE_MESSAGE(good.status == 201, good.body);
  CHECK(str(data_of(good).at("timestamp")) == kDay + "T14:15:00Z");

  auto row = tel_fixture::reading(kDay + "T14:30:00Z", 1);
  row["meter_id"] = "SM_SIG_001";
  row["signature"] = dev.sign("SM_SIG_001|" + kDay + "T14:30:00Z|999|0");
  auto bulk = f.post("/api/v1/telemetry/readings", {{"readings", json::array{row}}}, f.ada);
  REQUIRE(bulk.status == 200);
  const auto bd = data_of(bulk);
  const auto& rej = bd.at("rejected").as_array();
  REQUIRE(rej.size() == 1);
  CHECK(str(rej[0].at("code")) == "UNAUTHORIZED");
  CHECK(str(rej[0].at("field")) == "signature");
}

TEST_CASE("telemetry REST: a device registers its meter signed over the meter's text as sent") {
  tel_fixture f;
  device dev;
  // Odd spacing, member order and number spelling: the text as sent is signed.
  const std::string meter_text =
      R"({ "capacity_kw" : 5.50,  "meter_id":"SM_DEV_\u0030001", "location": {"building": "B {1}", "coordinates": {"latitude": 52.5, "longitude": 13.4}} })";
  auto body = [&](const std::string& text, const std::string& sig) {
    return R"({"signature": ")" + sig + R"(", "meter":)" + text + R"(, "public_key": ")" +
           dev.public_key() + R"(", "note_in_a_string": "\"meter\": {}"})";
  };
  // An unknown top-level member is refused first.
  auto unknown = f.send("POST", "/api/v1/meters/signed", body(meter_text, dev.sign(meter_text)), f.ada);
  CHECK(unknown.status == 400);
  CHECK(field_of(unknown) == "note_in_a_string");

  auto clean = [&](const std::string& text, const std::string& sig) {
    return R"({"signature": ")" + sig + R"(", "meter":)" + text + R"(, "public_key": ")" +
           dev.public_key() + R"("})";
  };
  // Tampered: the signature is of other text (the same meter re-serialized).
  auto reformatted = json::serialize(json::parse(meter_text));
  auto tampered = f.send("POST", "/api/v1/meters/signed", clean(meter_text, dev.sign(reformatted)), f.ada);
  CHECK(tampered.status == 401);
  CHECK(field_of(tampered) == "signature");

  auto made = f.send("POST", "/api/v1/meters/signed", clean(meter_text, dev.sign(meter_text)), f.ada);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  auto m = data_of(made);
  CHECK(keys_of(m) == kMeterKeys);
  CHECK(str(m.at("meter_id")) == "SM_DEV_0001");
  CHECK(str(m.at("user_id")) == f.ada_user.id.to_string());
  CHECK(str(m.at("region")) == "north");
  CHECK(str(m.at("public_key")) == dev.public_key());
  CHECK(num(m.at("capacity_kw")) == 5.5);
  CHECK(str(m.at("location").at("building")) == "B {1}");
  CHECK(num(m.at("location").at("latitude")) == 52.5);
  CHECK(num(m.at("location").at("longitude")) == 13.4);

  // Errors about the meter name its member inside `meter`.
  const std::string bad_text = R"({"meter_id":"SM_DEV_2","capacity_kw":1,"colour":"red"})";
  auto bad = f.send("POST", "/api/v1/meters/signed", clean(bad_text, dev.sign(bad_text)), f.ada);
  CHECK(bad.status == 400);
  CHECK(field_of(bad) == "meter.colour");
  const std::string no_cap = R"({"meter_id":"SM_DEV_3"})";
  auto missing = f.send("POST", "/api/v1/meters/signed", clean(no_cap, dev.sign(no_cap)), f.ada);
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "meter.capacity_kw");
  // A key given twice is ambiguous.
  const std::string twice = R"({"meter":{"meter_id":"SM_X_1","capacity_kw":1},"meter":)" + no_cap +
                            R"(,"public_key":")" + dev.public_key() + R"(","signature":")" +
                            dev.sign(no_cap) + R"("})";
  auto dup = f.send("POST", "/api/v1/meters/signed", twice, f.ada);
  CHECK(dup.status == 400);
  CHECK(field_of(dup) == "meter");
}

// --- corrections ---------------------------------------------------------------------

TEST_CASE("telemetry REST: operators correct readings with PUT, and aggregates follow") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  REQUIRE(f.submit("SM_ADA_001", tel_fixture::reading(kDay + "T14:15:00Z", 1), f.ada).status == 201);
  const json::object fix{
      {"readings", json::array{tel_fixture::reading(kDay + "T14:15:00Z", 2),
                               tel_fixture::reading(kDay + "T14:30:00Z", 0.5)}},
      {"reason", "meter swapped"}};
  CHECK(f.put("/api/v1/meters/SM_ADA_001/readings", fix, f.ada).status == 403);
  auto res = f.put("/api/v1/meters/SM_ADA_001/readings", fix, f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  CHECK(data_of(res).at("accepted").as_int64() == 2);
  CHECK(data_of(res).at("rejected").as_array().empty());
  auto stats = f.get("/api/v1/telemetry/my-meter/stats?start=" + kDay + "T14:00:00Z&end=" + kDay +
                         "T15:00:00Z",
                     f.ada);
  REQUIRE_MESSAGE(stats.status == 200, stats.body);
  CHECK(num(data_of(stats).at("total_consumed_kwh")) == 2.5);

  auto no_reason = f.put("/api/v1/meters/SM_ADA_001/readings",
                         {{"readings", json::array{tel_fixture::reading(kDay + "T14:15:00Z", 3)}}}, f.op);
  CHECK(no_reason.status == 400);
  CHECK(field_of(no_reason) == "reason");
  auto bad_row = f.put("/api/v1/meters/SM_ADA_001/readings",
                       {{"readings", json::array{tel_fixture::reading(kDay + "T14:15:00Z", 0.0001)}},
                        {"reason", "x"}},
                       f.op);
  CHECK(bad_row.status == 400);
  CHECK(field_of(bad_row) == "readings[0].energy_consumed_kwh");
}

// --- my meter --------------------------------------------------------------------------

TEST_CASE("telemetry REST: my-meter acts on the caller's only meter, or on ?meter_id= among several") {
  tel_fixture f;
  auto none = f.get("/api/v1/telemetry/my-meter", f.ada);
  CHECK(none.status == 404);
  f.meter("SM_ADA_001", "north", &f.ada_user);
  auto no_reading = f.get("/api/v1/telemetry/my-meter", f.ada);
  CHECK(no_reading.status == 404);

  auto r = tel_fixture::reading(kDay + "T14:15:00Z", 1.25, 0.5);
  r["power_kw"] = 2;
  r["voltage"] = 231;
  r["peak_demand_kw"] = 3.5;
  REQUIRE(f.submit("SM_ADA_001", r, f.ada).status == 201);
  auto r2 = tel_fixture::reading(kDay + "T14:30:00Z", 0.75);
  r2["power_kw"] = 4;
  r2["voltage"] = 229;
  REQUIRE(f.submit("SM_ADA_001", r2, f.ada).status == 201);

  auto latest = f.get("/api/v1/telemetry/my-meter", f.ada);
  REQUIRE_MESSAGE(latest.status == 200, latest.body);
  CHECK(keys_of(data_of(latest)) == kLatestKeys);
  CHECK(str(data_of(latest).at("timestamp")) == kDay + "T14:30:00Z");
  CHECK(num(data_of(latest).at("power_kw")) == 4);

  const std::string range = "start=" + kDay + "T14:00:00Z&end=" + kDay + "T15:00:00Z";
  auto hist = f.get("/api/v1/telemetry/my-meter/history?" + range + "&interval=15m", f.ada);
  REQUIRE_MESSAGE(hist.status == 200, hist.body);
  auto h = data_of(hist);
  CHECK(keys_of(h) == std::set<std::string>{"meter_id", "interval", "buckets"});
  CHECK(str(h.at("interval")) == "15m");
  REQUIRE(h.at("buckets").as_array().size() == 2);  // empty buckets omitted
  const auto& b0 = h.at("buckets").as_array()[0];
  CHECK(keys_of(b0) == kBucketKeys);
  CHECK(str(b0.at("start")) == kDay + "T14:00:00Z");
  CHECK(str(b0.at("end")) == kDay + "T14:15:00Z");
  CHECK(num(b0.at("net_kwh")) == 0.75);
  CHECK(b0.at("current_avg").is_null());
  auto hourly = data_of(f.get("/api/v1/telemetry/my-meter/history?" + range, f.ada));
  CHECK(str(hourly.at("interval")) == "1h");  // the default
  REQUIRE(hourly.at("buckets").as_array().size() == 1);
  CHECK(num(hourly.at("buckets").as_array()[0].at("voltage_avg")) == 230);
  CHECK(num(hourly.at("buckets").as_array()[0].at("avg_power_kw")) == 3);

  auto stats = f.get("/api/v1/telemetry/my-meter/stats?" + range, f.ada);
  REQUIRE_MESSAGE(stats.status == 200, stats.body);
  auto s = data_of(stats);
  CHECK(keys_of(s) == std::set<std::string>{"meter_id", "start", "end", "total_consumed_kwh",
                                            "total_produced_kwh", "net_kwh", "reading_count",
                                            "min_power_kw", "avg_power_kw", "max_power_kw",
                                            "peak_demand_kw", "peak_at", "voltage_avg",
                                            "current_avg", "power_factor_avg"});
  CHECK(num(s.at("total_consumed_kwh")) == 2);
  CHECK(num(s.at("net_kwh")) == 1.5);
  CHECK(s.at("reading_count").as_int64() == 2);
  CHECK(num(s.at("min_power_kw")) == 2);
  CHECK(num(s.at("peak_demand_kw")) == 3.5);
  CHECK(str(s.at("peak_at")) == kDay + "T14:15:00Z");

  auto daily = f.get("/api/v1/telemetry/my-meter/daily?start=" + kDay + "T00:00:00Z&end=" + kDay +
                         "T23:00:00Z",
                     f.ada);
  REQUIRE_MESSAGE(daily.status == 200, daily.body);
  auto dd = data_of(daily);
  CHECK(keys_of(dd) == std::set<std::string>{"meter_id", "time_zone", "days"});
  CHECK(str(dd.at("time_zone")) == "UTC");
  REQUIRE(dd.at("days").as_array().size() == 1);
  CHECK(keys_of(dd.at("days").as_array()[0]) ==
        std::set<std::string>{"date", "consumed_kwh", "produced_kwh", "net_kwh", "peak_demand_kw"});
  CHECK(str(dd.at("days").as_array()[0].at("date")) == kDay);

  auto monthly = f.get("/api/v1/telemetry/my-meter/monthly", f.ada);  // this year by default
  REQUIRE_MESSAGE(monthly.status == 200, monthly.body);
  auto mo = data_of(monthly);
  CHECK(keys_of(mo) == std::set<std::string>{"meter_id", "year", "months"});
  CHECK(mo.at("year").as_int64() == 2025);
  REQUIRE(mo.at("months").as_array().size() == 1);
  CHECK(str(mo.at("months").as_array()[0].at("month")) == "2025-06");
  CHECK(num(mo.at("months").as_array()[0].at("consumed_kwh")) == 2);
  CHECK(data_of(f.get("/api/v1/telemetry/my-meter/monthly?year=2024", f.ada)).at("months").as_array().empty());

  auto cmp = f.get("/api/v1/telemetry/my-meter/compare?period=day", f.ada);
  REQUIRE_MESSAGE(cmp.status == 200, cmp.body);
  auto c = data_of(cmp);
  CHECK(keys_of(c) == std::set<std::string>{"meter_id", "period", "current", "previous",
                                            "change_kwh", "change_percent"});
  CHECK(keys_of(c.at("current")) ==
        std::set<std::string>{"start", "end", "consumed_kwh", "produced_kwh"});
  CHECK(str(c.at("current").at("start")) == kDay + "T00:00:00Z");
  CHECK(num(c.at("change_kwh")) == 2);
  CHECK(c.at("change_percent").is_null());  // nothing consumed the day before
  CHECK(f.get("/api/v1/telemetry/my-meter/compare?period=year", f.ada).status == 400);

  // A second meter: the caller must name one.
  f.meter("SM_ADA_002", "north", &f.ada_user);
  auto several = f.get("/api/v1/telemetry/my-meter/stats?" + range, f.ada);
  CHECK(several.status == 400);
  CHECK(field_of(several) == "meter_id");
  CHECK(f.get("/api/v1/telemetry/my-meter", f.ada).status == 400);
  auto named = f.get("/api/v1/telemetry/my-meter/stats?" + range + "&meter_id=SM_ADA_001", f.ada);
  REQUIRE_MESSAGE(named.status == 200, named.body);
  CHECK(str(data_of(named).at("meter_id")) == "SM_ADA_001");
  CHECK(f.get("/api/v1/telemetry/my-meter?meter_id=SM_ADA_002", f.ada).status == 404);  // no reading
}

TEST_CASE("telemetry REST: ranges and intervals are checked naming the parameter") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  auto check = [&](const std::string& query, const std::string& field) {
    auto res = f.get("/api/v1/telemetry/my-meter/history?" + query, f.ada);
    INFO(query << ": " << res.body);
    CHECK(res.status == 400);
    CHECK(field_of(res) == field);
  };
  check("start=yesterday", "start");
  check("end=2025-13-01T00:00:00Z", "end");
  check("start=2025-06-15T12:00:00Z&end=2025-06-15T12:00:00Z", "end");
  check("start=2025-06-15T12:00:00Z&end=2025-06-14T12:00:00Z", "end");
  check("start=2024-06-13T00:00:00Z&end=2025-06-15T00:00:00Z", "end");  // 367 days
  check("interval=5m", "interval");
  CHECK(f.get("/api/v1/telemetry/my-meter/history?start=2024-06-14T00:00:00Z&end=2025-06-15T00:00:00Z",
              f.ada).status == 200);  // 366 days
  CHECK(field_of(f.get("/api/v1/telemetry/my-meter/monthly?year=abc", f.ada)) == "year");
  CHECK(field_of(f.get("/api/v1/telemetry/my-meter/compare?date=2025-02-30", f.ada)) == "date");
}

// --- meters (P2P seed) ------------------------------------------------------------------

TEST_CASE("telemetry REST: GET /meters lists the caller's reach with totals and status counts") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  f.meter("SM_BOB_001", "north", &f.bob_user);
  f.meter("SM_SOUTH_1", "south");
  REQUIRE(f.submit("SM_ADA_001", tel_fixture::reading(kDay + "T14:15:00Z", 1.5, 0.25), f.ada).status == 201);
  REQUIRE(f.submit("SM_ADA_001", tel_fixture::reading(kDay + "T14:30:00Z", 1), f.ada).status == 201);
  REQUIRE(f.put("/api/v1/operator/meters/SM_BOB_001/status",
                {{"status", "maintenance"}, {"reason", "ladder"}}, f.op).status == 200);

  auto mine = f.get("/api/v1/meters", f.ada);
  REQUIRE_MESSAGE(mine.status == 200, mine.body);
  auto d = data_of(mine);
  CHECK(keys_of(d) == std::set<std::string>{"meters", "total", "page", "per_page", "total_pages",
                                            "active_meters", "inactive_meters"});
  CHECK(d.at("total").as_int64() == 1);
  const auto& m = d.at("meters").as_array()[0];
  CHECK(keys_of(m) == kMeterKeys);
  CHECK(str(m.at("meter_id")) == "SM_ADA_001");
  CHECK(keys_of(m.at("location")) ==
        std::set<std::string>{"building", "room", "address", "latitude", "longitude"});
  CHECK(keys_of(m.at("last_reading")) ==
        std::set<std::string>{"timestamp", "energy_consumed_kwh", "energy_produced_kwh"});
  CHECK(str(m.at("last_reading").at("timestamp")) == kDay + "T14:30:00Z");
  CHECK(num(m.at("total_energy_consumed")) == 2.5);
  CHECK(num(m.at("total_energy_produced")) == 0.25);

  auto region = data_of(f.get("/api/v1/meters", f.op));
  CHECK(region.at("total").as_int64() == 2);
  CHECK(region.at("active_meters").as_int64() == 1);
  CHECK(region.at("inactive_meters").as_int64() == 1);
  auto all = data_of(f.get("/api/v1/meters?per_page=1&page=2", f.admin));
  CHECK(all.at("total").as_int64() == 3);
  CHECK(all.at("total_pages").as_int64() == 3);
  CHECK(all.at("meters").as_array().size() == 1);
  auto filtered = data_of(f.get("/api/v1/meters?status=maintenance&region=north", f.admin));
  CHECK(filtered.at("total").as_int64() == 1);
  CHECK(str(filtered.at("meters").as_array()[0].at("meter_id")) == "SM_BOB_001");
  CHECK(field_of(f.get("/api/v1/meters?status=broken", f.admin)) == "status");
  CHECK(field_of(f.get("/api/v1/meters?per_page=1000", f.admin)) == "per_page");
  auto op_list = f.get("/api/v1/operator/meters?region=north", f.op);
  REQUIRE(op_list.status == 200);
  CHECK(data_of(op_list).at("total").as_int64() == 2);

  auto one = f.get("/api/v1/meters/SM_ADA_001", f.ada);
  REQUIRE(one.status == 200);
  CHECK(num(data_of(one).at("total_energy_consumed")) == 2.5);
  CHECK(f.get("/api/v1/meters/SM_ADA_001", f.bob).status == 404);
  CHECK(f.get("/api/v1/operator/meters/SM_SOUTH_1", f.op).status == 404);
  CHECK(f.get("/api/v1/operator/meters/SM_ADA_001", f.op).status == 200);
}

TEST_CASE("telemetry REST: a meter's raw readings are paged oldest first") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  for (const char* t : {"T14:45:00Z", "T14:15:00Z", "T14:30:00Z"})
    REQUIRE(f.submit("SM_ADA_001", tel_fixture::reading(kDay + t, 1), f.ada).status == 201);
  auto res = f.get("/api/v1/meters/SM_ADA_001/readings?per_page=2&start=" + kDay + "T14:00:00Z", f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto d = data_of(res);
  CHECK(keys_of(d) == std::set<std::string>{"readings", "total", "page", "per_page", "total_pages"});
  CHECK(d.at("total").as_int64() == 3);
  const auto& items = d.at("readings").as_array();
  REQUIRE(items.size() == 2);
  CHECK(keys_of(items[0]) == kReadingKeys);
  CHECK(str(items[0].at("timestamp")) == kDay + "T14:15:00Z");
  CHECK(str(items[1].at("timestamp")) == kDay + "T14:30:00Z");
  auto page2 = data_of(f.get("/api/v1/meters/SM_ADA_001/readings?per_page=2&page=2&start=" + kDay +
                                 "T14:00:00Z",
                             f.ada));
  CHECK(str(page2.at("readings").as_array()[0].at("timestamp")) == kDay + "T14:45:00Z");
}

TEST_CASE("telemetry REST: a meter's analytics has the P2P seed's nested shape") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  REQUIRE(f.submit("SM_ADA_001", tel_fixture::reading(kDay + "T14:15:00Z", 1, 0.5), f.ada).status == 201);
  auto res = f.get("/api/v1/meters/SM_ADA_001/analytics?start=" + kDay + "T00:00:00Z&end=" + kDay +
                       "T15:00:00Z",
                   f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto a = data_of(res);
  CHECK(keys_of(a) == std::set<std::string>{"meter_id", "period", "consumption_analytics",
                                            "usage_patterns", "environmental_impact"});
  CHECK(keys_of(a.at("period")) == std::set<std::string>{"start", "end"});
  CHECK(keys_of(a.at("consumption_analytics")) ==
        std::set<std::string>{"total_consumed_kwh", "total_produced_kwh", "net_consumption_kwh",
                              "average_daily_consumption", "peak_consumption_kw",
                              "efficiency_rating"});
  CHECK(keys_of(a.at("usage_patterns")) ==
        std::set<std::string>{"peak_hours", "off_peak_hours", "weekend_vs_weekday_ratio"});
  CHECK(keys_of(a.at("environmental_impact")) ==
        std::set<std::string>{"carbon_offset_kg", "renewable_energy_percent",
                              "grid_independence_score"});
  const auto& ca = a.at("consumption_analytics");
  CHECK(num(ca.at("total_consumed_kwh")) == 1);
  CHECK(num(ca.at("net_consumption_kwh")) == 0.5);
  CHECK(num(ca.at("peak_consumption_kw")) == 4);  // 1 kWh in a quarter-hour
  CHECK(num(ca.at("efficiency_rating")) == 1);     // all 0.5 kWh produced used on site
  CHECK(num(a.at("environmental_impact").at("grid_independence_score")) == 0.5);
  CHECK(a.at("usage_patterns").at("peak_hours").is_array());
}

// --- regions ----------------------------------------------------------------------------

TEST_CASE("telemetry REST: region stats, top consumers and realtime for the region's operators") {
  tel_fixture f;
  f.meter("SM_ADA_001", "north", &f.ada_user);
  f.meter("SM_BOB_001", "north", &f.bob_user);
  auto r = tel_fixture::reading(kDay + "T15:00:00Z", 1, 0);
  r["power_kw"] = 4;
  REQUIRE(f.submit("SM_ADA_001", r, f.ada).status == 201);
  auto b = tel_fixture::reading(kDay + "T15:00:00Z", 0.25, 1.25);
  b["power_kw"] = -4;
  REQUIRE(f.submit("SM_BOB_001", b, f.bob).status == 201);
  const std::string range = "start=" + kDay + "T14:00:00Z&end=" + kDay + "T15:05:00Z";

  CHECK(f.get("/api/v1/telemetry/region/north/stats?" + range, f.ada).status == 403);
  auto stats = f.get("/api/v1/telemetry/region/north/stats?" + range, f.op);
  REQUIRE_MESSAGE(stats.status == 200, stats.body);
  auto s = data_of(stats);
  CHECK(keys_of(s) == std::set<std::string>{"region", "start", "end", "meters_total",
                                            "meters_reporting", "total_consumed_kwh",
                                            "total_produced_kwh", "net_kwh", "peak_load_kw",
                                            "peak_at"});
  CHECK(s.at("meters_total").as_int64() == 2);
  CHECK(s.at("meters_reporting").as_int64() == 2);
  CHECK(num(s.at("total_consumed_kwh")) == 1.25);
  CHECK(num(s.at("net_kwh")) == 0);
  CHECK(num(s.at("peak_load_kw")) == 0);
  CHECK(str(s.at("peak_at")) == kDay + "T15:00:00Z");

  auto top = f.get("/api/v1/telemetry/region/north/top-consumers?" + range + "&limit=5", f.admin);
  REQUIRE_MESSAGE(top.status == 200, top.body);
  auto t = data_of(top);
  CHECK(keys_of(t) == std::set<std::string>{"region", "consumers"});
  const auto& cs = t.at("consumers").as_array();
  REQUIRE(cs.size() == 2);
  CHECK(keys_of(cs[0]) == std::set<std::string>{"rank", "meter_id", "user_id", "consumed_kwh"});
  CHECK(cs[0].at("rank").as_int64() == 1);
  CHECK(str(cs[0].at("meter_id")) == "SM_ADA_001");
  CHECK(str(cs[0].at("user_id")) == f.ada_user.id.to_string());
  CHECK(field_of(f.get("/api/v1/telemetry/region/north/top-consumers?limit=101", f.admin)) == "limit");

  auto rt = f.get("/api/v1/telemetry/region/north/realtime", f.op);
  REQUIRE_MESSAGE(rt.status == 200, rt.body);
  auto x = data_of(rt);
  CHECK(keys_of(x) == std::set<std::string>{"region", "as_of", "window_minutes", "load_kw",
                                            "generation_kw", "net_load_kw", "meters_reporting",
                                            "meters_total"});
  CHECK(x.at("window_minutes").as_int64() == 15);
  CHECK(num(x.at("load_kw")) == 4);
  CHECK(num(x.at("generation_kw")) == 4);
  CHECK(num(x.at("net_load_kw")) == 0);
  CHECK(x.at("meters_reporting").as_int64() == 2);

  auto opS = f.signed_in("ops@example.org", "operator", "south");
  CHECK(f.get("/api/v1/telemetry/region/north/realtime", opS).status == 403);
  CHECK(f.get("/api/v1/telemetry/region/atlantis/realtime", f.admin).status == 404);
}

// --- administration ------------------------------------------------------------------------

TEST_CASE("telemetry REST: admins and operators register, change, assign and decommission meters") {
  tel_fixture f;
  const json::object spec{{"meter_id", "SM_ENG_001_2025"},
                          {"region", "north"},
                          {"meter_type", "net_meter"},
                          {"capacity_kw", 12.5},
                          {"installation_date", "2025-01-31"},
                          {"metadata", json::object{{"vendor", "acme"}}},
                          {"location", json::object{{"building", "Engineering"},
                                                    {"room", "B12"},
                                                    {"coordinates", json::object{{"latitude", 13.75},
                                                                                 {"longitude", 100.5}}}}}};
  CHECK(f.post("/api/v1/admin/meters", spec, f.ada).status == 403);
  auto made = f.post("/api/v1/admin/meters", spec, f.op);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  auto m = data_of(made);
  CHECK(keys_of(m) == kMeterKeys);
  CHECK(str(m.at("meter_type")) == "net_meter");
  CHECK(str(m.at("status")) == "active");
  CHECK(num(m.at("capacity_kw")) == 12.5);
  CHECK(str(m.at("installation_date")) == "2025-01-31");
  CHECK(str(m.at("metadata").at("vendor")) == "acme");
  CHECK(num(m.at("location").at("latitude")) == 13.75);
  CHECK(m.at("location").at("address").is_null());
  CHECK(m.at("user_id").is_null());
  CHECK(m.at("public_key").is_null());
  CHECK(m.at("last_reading").is_null());

  auto taken = f.post("/api/v1/admin/meters", spec, f.admin);
  CHECK(taken.status == 409);
  CHECK(field_of(taken) == "meter_id");
  auto check400 = [&](json::object body, const std::string& field) {
    auto res = f.post("/api/v1/admin/meters", body, f.admin);
    INFO(res.body);
    CHECK(res.status == 400);
    CHECK(field_of(res) == field);
  };
  check400({{"meter_id", "SM_X_1"}, {"capacity_kw", 1.2345}}, "capacity_kw");
  check400({{"meter_id", "SM_X_1"}, {"capacity_kw", 1}, {"serial", "x"}}, "serial");
  check400({{"meter_id", "SM_X_1"}, {"capacity_kw", 1}, {"meter_type", "toaster"}}, "meter_type");
  check400({{"meter_id", "SM_X_1"}, {"capacity_kw", 1}, {"location", json::object{{"latitude", 91}}}},
           "location.latitude");
  check400({{"meter_id", "SM_X_1"}, {"capacity_kw", 1}, {"location", json::object{{"floor", 2}}}},
           "location.floor");
  check400({{"meter_id", "S"}, {"capacity_kw", 1}}, "meter_id");
  check400({{"meter_id", "SM_X_1"}, {"capacity_kw", 1}, {"installation_date", "31.01.2025"}},
           "installation_date");

  auto upd = f.put("/api/v1/admin/meters/SM_ENG_001_2025",
                   {{"capacity_kw", 15}, {"location", json::object{{"address", "1 Main St"}}}}, f.op);
  REQUIRE_MESSAGE(upd.status == 200, upd.body);
  CHECK(num(data_of(upd).at("capacity_kw")) == 15);
  CHECK(str(data_of(upd).at("location").at("address")) == "1 Main St");
  CHECK(field_of(f.put("/api/v1/admin/meters/SM_ENG_001_2025", {{"meter_id", "SM_NEW"}}, f.op)) ==
        "meter_id");

  // Assign, refuse a second owner, unassign.
  auto assign = f.post("/api/v1/admin/assign-meter",
                       {{"meter_id", "SM_ENG_001_2025"}, {"user_id", f.ada_user.id.to_string()}}, f.admin);
  REQUIRE_MESSAGE(assign.status == 200, assign.body);
  CHECK(str(data_of(assign).at("user_id")) == f.ada_user.id.to_string());
  auto held = f.post("/api/v1/admin/assign-meter",
                     {{"meter_id", "SM_ENG_001_2025"}, {"user_id", f.bob_user.id.to_string()}}, f.admin);
  CHECK(held.status == 409);
  CHECK(field_of(f.post("/api/v1/admin/assign-meter", {{"meter_id", "SM_ENG_001_2025"}, {"user_id", "x"}},
                        f.admin)) == "user_id");
  CHECK(f.get("/api/v1/meters/SM_ENG_001_2025", f.ada).status == 200);
  auto un = f.post("/api/v1/admin/meters/SM_ENG_001_2025/unassign", json::object{}, f.admin);
  REQUIRE_MESSAGE(un.status == 200, un.body);
  CHECK(data_of(un).at("user_id").is_null());
  CHECK(f.get("/api/v1/meters/SM_ENG_001_2025", f.ada).status == 404);

  // Status changes, then decommissioning: readings are refused (409).
  auto st = f.put("/api/v1/operator/meters/SM_ENG_001_2025/status",
                  {{"status", "inactive"}, {"reason", "vacant"}}, f.op);
  REQUIRE_MESSAGE(st.status == 200, st.body);
  CHECK(str(data_of(st).at("status")) == "inactive");
  CHECK(field_of(f.put("/api/v1/operator/meters/SM_ENG_001_2025/status", {{"status", "gone"}}, f.op)) ==
        "status");
  auto gone = f.del("/api/v1/admin/meters/SM_ENG_001_2025", f.admin);
  REQUIRE_MESSAGE(gone.status == 200, gone.body);
  CHECK(str(data_of(gone).at("status")) == "decommissioned");
  auto late = f.submit("SM_ENG_001_2025", tel_fixture::reading(kDay + "T14:15:00Z", 1), f.admin);
  CHECK(late.status == 409);
  CHECK(f.put("/api/v1/operator/meters/SM_ENG_001_2025/status", {{"status", "active"}}, f.admin).status == 409);
}

TEST_CASE("telemetry REST: assign-meter takes effective_from, and a meter's assignments list its holders") {
  tel_fixture f;
  f.meter("SM_HELD_001", "north");
  const auto ada = f.ada_user.id.to_string();
  const auto bob = f.bob_user.id.to_string();
  auto assign = [&](const std::string& user, std::optional<json::value> from) {
    json::object body{{"meter_id", "SM_HELD_001"}, {"user_id", user}};
    if (from) body["effective_from"] = *from;
    return f.post("/api/v1/admin/assign-meter", body, f.admin);
  };
  CHECK(field_of(assign(ada, json::value("yesterday"))) == "effective_from");
  CHECK(field_of(assign(ada, json::value(1750000000))) == "effective_from");
  CHECK(field_of(assign(ada, json::value(kDay + "T15:06:41Z"))) == "effective_from");  // after now
  auto backdated = assign(ada, json::value(kDay + "T10:00:00Z"));
  REQUIRE_MESSAGE(backdated.status == 200, backdated.body);
  CHECK(str(data_of(backdated).at("user_id")) == ada);
  REQUIRE(f.post("/api/v1/admin/meters/SM_HELD_001/unassign", json::object{}, f.admin).status == 200);
  auto overlap = assign(bob, json::value(kDay + "T09:00:00Z"));
  CHECK(overlap.status == 409);
  CHECK(field_of(overlap) == "effective_from");
  REQUIRE(assign(bob, json::value(nullptr)).status == 200);  // null: the default, now

  auto listed = f.get("/api/v1/admin/meters/SM_HELD_001/assignments", f.admin);
  REQUIRE_MESSAGE(listed.status == 200, listed.body);
  const auto data = data_of(listed);
  CHECK(keys_of(data) == std::set<std::string>{"assignments"});
  const auto& rows = data.at("assignments").as_array();
  REQUIRE(rows.size() == 2);
  CHECK(keys_of(rows[0]) == std::set<std::string>{"user_id", "effective_from", "effective_to"});
  CHECK(str(rows[0].at("user_id")) == ada);
  CHECK(str(rows[0].at("effective_from")) == kDay + "T10:00:00Z");
  CHECK(str(rows[0].at("effective_to")) == kDay + "T15:06:40Z");
  CHECK(str(rows[1].at("user_id")) == bob);
  CHECK(str(rows[1].at("effective_from")) == kDay + "T15:06:40Z");
  CHECK(rows[1].at("effective_to").is_null());
  // The holder and the region's operator read it; the former holder no longer sees the meter.
  CHECK(f.get("/api/v1/admin/meters/SM_HELD_001/assignments", f.bob).status == 200);
  CHECK(f.get("/api/v1/admin/meters/SM_HELD_001/assignments", f.op).status == 200);
  CHECK(f.get("/api/v1/admin/meters/SM_HELD_001/assignments", f.ada).status == 404);
  // A meter created with an owner and no installation date: held since its beginning.
  f.meter("SM_HELD_002", "north", &f.ada_user);
  auto first = f.get("/api/v1/admin/meters/SM_HELD_002/assignments", f.admin);
  REQUIRE_MESSAGE(first.status == 200, first.body);
  CHECK(data_of(first).at("assignments").as_array().at(0).at("effective_from").is_null());
  f.meter("SM_HELD_003", "north");
  CHECK(data_of(f.get("/api/v1/admin/meters/SM_HELD_003/assignments", f.admin)).at("assignments").as_array().empty());
}

TEST_CASE("telemetry REST: an API key of another region writes none of this region's meters") {
  tel_fixture f;
  f.meter("SM_NORTH_1", "north", &f.ada_user);
  f.meter("SM_SOUTH_1", "south");
  auto key = f.post("/api/v1/admin/api-keys",
                    {{"name", "south head-end"}, {"scopes", json::array{"telemetry:write"}}, {"region", "south"}},
                    f.admin);
  REQUIRE_MESSAGE(key.status == 201, key.body);
  const auth south{{}, str(data_of(key).at("api_key"))};
  json::array rows;
  for (const char* m : {"SM_NORTH_1", "SM_SOUTH_1"}) {
    auto r = tel_fixture::reading(kDay + "T14:15:00Z", 1);
    r["meter_id"] = m;
    rows.push_back(r);
  }
  auto res = f.post("/api/v1/telemetry/readings", {{"readings", rows}}, south);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  const auto d = data_of(res);
  CHECK(d.at("accepted").as_int64() == 1);
  REQUIRE(d.at("rejected").as_array().size() == 1);
  CHECK(d.at("rejected").as_array()[0].at("index").as_int64() == 0);
  CHECK(str(d.at("rejected").as_array()[0].at("field")) == "meter_id");
  CHECK(str(d.at("rejected").as_array()[0].at("code")) == "NOT_FOUND");
  CHECK(f.submit("SM_NORTH_1", tel_fixture::reading(kDay + "T14:30:00Z", 1), south).status == 404);
  CHECK(f.get("/api/v1/meters/SM_NORTH_1", south).status == 404);
  auto listed = data_of(f.get("/api/v1/meters", south));
  CHECK(listed.at("total").as_int64() == 1);
}
