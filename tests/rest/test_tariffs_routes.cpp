// Tariffs through the handler: creating (201, the exact wire fields),
// reading and changing tariffs (partial updates of future tariffs, 409 on
// one in effect), the price now in a region (404 without a tariff), history,
// forecasts (spans, overrides, `hours`), estimates on a flat profile with
// exact amounts, analytics against metered consumption, overrides (created,
// removed, refused to others) and validation errors named by their wire
// path.
//
// The fixture's clock is 2025-06-15T15:06:40Z, a Sunday; the test regions
// are in UTC and pay EUR. The "north TOU" tariff used throughout is peak
// 0.32 on weekdays 17:00-21:00 and off_peak 0.12 otherwise, in effect from
// 2025-06-01.
#include "fixture.hpp"

#include <set>
#include <string>
#include <vector>

using namespace rest_test;
namespace json = boost::json;

namespace {

const std::string kNow = "2025-06-15T15:06:40Z";
const std::string kMissing = "0190a5a0-0000-7000-8000-000000000000";

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.insert(std::string(kv.key()));
  return out;
}

json::value data_of(const segs::rest::response& r) { return body_of(r).at("data"); }

double num(const json::value& v) { return v.to_number<double>(); }

const std::set<std::string> kTariffKeys{"id",
                                        "region",
                                        "name",
                                        "currency",
                                        "effective_from",
                                        "effective_to",
                                        "periods",
                                        "schedule",
                                        "default_period",
                                        "holidays",
                                        "tiers",
                                        "fixed_charge_per_day",
                                        "demand_charge_per_kw",
                                        "export_price_per_kwh",
                                        "tax_percent",
                                        "created_by",
                                        "created_at"};
const std::set<std::string> kOverrideKeys{"id",     "region",     "start",      "end",        "price_per_kwh",
                                          "multiplier", "reason", "created_by", "created_at", "removed_at"};
const std::set<std::string> kPeriodKeys{"name",        "price_per_kwh", "effective_price_per_kwh",
                                        "override_id", "starts_at",     "ends_at"};
const std::set<std::string> kSpanKeys{"start",         "end", "period", "price_per_kwh", "effective_price_per_kwh",
                                      "period_price_per_kwh", "override_id"};

/// The north TOU tariff's body.
json::object north_tou() {
  return json::object{
      {"region", "north"},
      {"name", "North TOU 2025"},
      {"effective_from", "2025-06-01T00:00:00Z"},
      {"periods", json::array{json::object{{"name", "peak"}, {"price_per_kwh", 0.32}},
                              json::object{{"name", "off_peak"}, {"price_per_kwh", 0.12}}}},
      {"schedule", json::array{json::object{{"period", "peak"},
                                            {"days", json::array{"mon", "tue", "wed", "thu", "fri"}},
                                            {"start", "17:00"},
                                            {"end", "21:00"}}}},
      {"default_period", "off_peak"},
      {"holidays", json::array{"2025-12-25"}},
      {"tiers", json::array{json::object{{"up_to_kwh", 100}, {"adder_per_kwh", 0}},
                            json::object{{"up_to_kwh", nullptr}, {"adder_per_kwh", 0.02}}}},
      {"fixed_charge_per_day", 0.5},
      {"demand_charge_per_kw", 0.1},
      {"export_price_per_kwh", 0.08},
      {"tax_percent", 19.5}};
}

/// A flat tariff of `region` from `from`.
json::object flat(const std::string& region, const std::string& from, double price) {
  return json::object{{"region", region},
                      {"name", "Flat"},
                      {"effective_from", from},
                      {"periods", json::array{json::object{{"name", "flat"}, {"price_per_kwh", price}}}},
                      {"default_period", "flat"}};
}

/// An admin (region global), operators of north and south, consumers of
/// north (ada, no meter) and south (sue).
struct tariff_fixture : fixture {
  segs::user admin_user, op_user;
  auth admin, op, op_south, ada, sue;

  tariff_fixture() {
    admin_user = make_user("root@example.org", "admin", "global");
    admin = auth{login("root@example.org"), {}};
    op_user = make_user("op@example.org", "operator", "north");
    op = auth{login("op@example.org"), {}};
    op_south = signed_in("ops@example.org", "operator", "south");
    ada = signed_in("ada@example.org", "consumer", "north");
    sue = signed_in("sue@example.org", "consumer", "south");
  }

  segs::rest::response patch(const std::string& target, const json::value& body, const auth& a) {
    return send("PATCH", target, json::serialize(body), a);
  }

  /// Creates a tariff as the admin; answers its JSON.
  json::value create(const json::object& body) {
    auto res = post("/api/v1/tariffs", body, admin);
    REQUIRE_MESSAGE(res.status == 201, res.body);
    return data_of(res);
  }

  /// Creates an override as `who`; answers its JSON.
  json::value override_(const json::object& body, const auth& who) {
    auto res = post("/api/v1/tariffs/override", body, who);
    REQUIRE_MESSAGE(res.status == 201, res.body);
    return data_of(res);
  }

  /// The data of a 200 GET.
  json::value ok_get(const std::string& target, const auth& a) {
    auto res = get(target, a);
    REQUIRE_MESSAGE(res.status == 200, target << ": " << res.body);
    return data_of(res);
  }
};

void check_400(const segs::rest::response& res, const std::string& field) {
  INFO(field << ": " << res.body);
  CHECK(res.status == 400);
  if (res.status < 400) return;  // no error envelope to read
  CHECK(code_of(res) == "VALIDATION_ERROR");
  CHECK(field_of(res) == field);
}

void check_status(const segs::rest::response& res, int status, const std::string& code) {
  INFO(res.body);
  CHECK(res.status == status);
  if (res.status < 400) return;
  CHECK(code_of(res) == code);
}

std::vector<std::string> ids_of(const json::value& items) {
  std::vector<std::string> out;
  for (const auto& v : items.as_array()) out.push_back(str(v.at("id")));
  return out;
}

}  // namespace

// --- tariffs ----------------------------------------------------------------------------

TEST_CASE("tariffs REST: an admin creates a tariff (201) and everyone signed in reads it back") {
  tariff_fixture f;
  auto res = f.post("/api/v1/tariffs", north_tou(), f.admin);
  REQUIRE_MESSAGE(res.status == 201, res.body);
  CHECK(str(body_of(res).at("message")) == "tariff created");
  auto t = data_of(res);
  CHECK(keys_of(t) == kTariffKeys);
  CHECK(t.at("id").is_string());
  CHECK(str(t.at("region")) == "north");
  CHECK(str(t.at("name")) == "North TOU 2025");
  CHECK(str(t.at("currency")) == "EUR");  // the region's
  CHECK(str(t.at("effective_from")) == "2025-06-01T00:00:00Z");
  CHECK(t.at("effective_to").is_null());
  REQUIRE(t.at("periods").as_array().size() == 2);
  CHECK(keys_of(t.at("periods").at(0)) == std::set<std::string>{"name", "price_per_kwh"});
  CHECK(str(t.at("periods").at(0).at("name")) == "peak");
  CHECK(num(t.at("periods").at(0).at("price_per_kwh")) == 0.32);
  CHECK(str(t.at("periods").at(1).at("name")) == "off_peak");
  CHECK(num(t.at("periods").at(1).at("price_per_kwh")) == 0.12);
  REQUIRE(t.at("schedule").as_array().size() == 1);
  const auto& rule = t.at("schedule").at(0);
  CHECK(keys_of(rule) == std::set<std::string>{"period", "days", "start", "end", "months"});
  CHECK(str(rule.at("period")) == "peak");
  CHECK(rule.at("days") == json::value(json::array{"mon", "tue", "wed", "thu", "fri"}));
  CHECK(str(rule.at("start")) == "17:00");
  CHECK(str(rule.at("end")) == "21:00");
  CHECK(rule.at("months").as_array().empty());
  CHECK(str(t.at("default_period")) == "off_peak");
  CHECK(t.at("holidays") == json::value(json::array{"2025-12-25"}));
  REQUIRE(t.at("tiers").as_array().size() == 2);
  CHECK(keys_of(t.at("tiers").at(0)) == std::set<std::string>{"up_to_kwh", "adder_per_kwh"});
  CHECK(num(t.at("tiers").at(0).at("up_to_kwh")) == 100);
  CHECK(num(t.at("tiers").at(0).at("adder_per_kwh")) == 0);
  CHECK(t.at("tiers").at(1).at("up_to_kwh").is_null());
  CHECK(num(t.at("tiers").at(1).at("adder_per_kwh")) == 0.02);
  CHECK(num(t.at("fixed_charge_per_day")) == 0.5);
  CHECK(num(t.at("demand_charge_per_kw")) == 0.1);
  CHECK(num(t.at("export_price_per_kwh")) == 0.08);
  CHECK(num(t.at("tax_percent")) == 19.5);
  CHECK(str(t.at("created_by")) == f.admin_user.id.to_string());
  CHECK(str(t.at("created_at")) == kNow);
  // Money and tax_percent are JSON numbers, whole ones as integers.
  CHECK(res.body.find(R"("tax_percent":19.5)") != std::string::npos);
  CHECK(res.body.find(R"("up_to_kwh":100,)") != std::string::npos);
  CHECK(res.body.find(R"("price_per_kwh":0.32)") != std::string::npos);

  const auto id = str(t.at("id"));
  for (const auto* who : {&f.ada, &f.sue, &f.op_south, &f.admin}) {
    auto got = f.get("/api/v1/tariffs/" + id, *who);
    REQUIRE_MESSAGE(got.status == 200, got.body);
    CHECK(data_of(got) == t);
  }
  check_status(f.get("/api/v1/tariffs/" + kMissing, f.ada), 404, "NOT_FOUND");
  check_400(f.get("/api/v1/tariffs/not-a-uuid", f.ada), "tariffId");
  CHECK(f.get("/api/v1/tariffs/" + id).status == 401);

  // Only admins create them; a wrong currency is refused naming it.
  auto by_op = flat("east", "2025-07-01T00:00:00Z", 0.2);
  check_status(f.post("/api/v1/tariffs", by_op, f.op), 403, "FORBIDDEN");
  check_status(f.post("/api/v1/tariffs", by_op, f.ada), 403, "FORBIDDEN");
  auto usd = flat("east", "2025-07-01T00:00:00Z", 0.2);
  usd["currency"] = "USD";
  check_400(f.post("/api/v1/tariffs", usd, f.admin), "currency");
  check_status(f.post("/api/v1/tariffs", flat("atlantis", "2025-07-01T00:00:00Z", 0.2), f.admin), 404,
               "NOT_FOUND");
  // Overlapping the tariff in effect from before it: a conflict.
  check_status(f.post("/api/v1/tariffs", flat("north", "2025-05-01T00:00:00Z", 0.2), f.admin), 409, "CONFLICT");
}

TEST_CASE("tariffs REST: PUT changes only the members sent, on a tariff that has not begun") {
  tariff_fixture f;
  auto now_tou = f.create(north_tou());
  auto summer = f.create(flat("north", "2025-07-01T00:00:00Z", 0.2));
  const auto now_id = str(now_tou.at("id"));
  const auto summer_id = str(summer.at("id"));
  // Starting inside the open-ended tariff in effect, the new one ended it.
  CHECK(str(f.ok_get("/api/v1/tariffs/" + now_id, f.ada).at("effective_to")) == "2025-07-01T00:00:00Z");

  auto res = f.put("/api/v1/tariffs/" + summer_id,
                   json::object{{"name", "Summer 2025"}, {"tax_percent", 7.25}, {"effective_to", "2025-09-01T00:00:00Z"}},
                   f.admin);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  CHECK(str(body_of(res).at("message")) == "tariff updated");
  auto changed = data_of(res);
  CHECK(keys_of(changed) == kTariffKeys);
  CHECK(str(changed.at("id")) == summer_id);
  CHECK(str(changed.at("name")) == "Summer 2025");
  CHECK(num(changed.at("tax_percent")) == 7.25);
  CHECK(str(changed.at("effective_to")) == "2025-09-01T00:00:00Z");
  // Untouched members keep their values.
  CHECK(str(changed.at("effective_from")) == "2025-07-01T00:00:00Z");
  CHECK(changed.at("periods") == summer.at("periods"));
  CHECK(str(changed.at("default_period")) == "flat");
  CHECK(num(changed.at("fixed_charge_per_day")) == 0);
  CHECK(str(changed.at("created_at")) == str(summer.at("created_at")));
  CHECK(f.ok_get("/api/v1/tariffs/" + summer_id, f.ada) == changed);

  // effective_to: null makes it open-ended; a member sent as null otherwise keeps its value.
  auto open = f.put("/api/v1/tariffs/" + summer_id, json::object{{"effective_to", nullptr}, {"name", nullptr}},
                    f.admin);
  REQUIRE_MESSAGE(open.status == 200, open.body);
  CHECK(data_of(open).at("effective_to").is_null());
  CHECK(str(data_of(open).at("name")) == "Summer 2025");

  // Moving its start moves the end of the tariff it ended.
  auto moved = f.put("/api/v1/tariffs/" + summer_id, json::object{{"effective_from", "2025-07-15T00:00:00Z"}},
                     f.admin);
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  CHECK(str(data_of(moved).at("effective_from")) == "2025-07-15T00:00:00Z");
  CHECK(str(f.ok_get("/api/v1/tariffs/" + now_id, f.ada).at("effective_to")) == "2025-07-15T00:00:00Z");

  // The tariff in effect cannot change: 409, and nothing changed.
  check_status(f.put("/api/v1/tariffs/" + now_id, json::object{{"name", "Renamed"}}, f.admin), 409, "CONFLICT");
  CHECK(str(f.ok_get("/api/v1/tariffs/" + now_id, f.ada).at("name")) == "North TOU 2025");

  // The region and currency never change; unknown members are refused; only admins change tariffs.
  check_400(f.put("/api/v1/tariffs/" + summer_id, json::object{{"region", "south"}}, f.admin), "region");
  check_400(f.put("/api/v1/tariffs/" + summer_id, json::object{{"currency", "USD"}}, f.admin), "currency");
  check_400(f.put("/api/v1/tariffs/" + summer_id, json::object{{"colour", "red"}}, f.admin), "colour");
  check_400(f.put("/api/v1/tariffs/" + summer_id, json::object{{"default_period", "peak"}}, f.admin),
            "default_period");
  check_status(f.put("/api/v1/tariffs/" + summer_id, json::object{{"name", "Mine"}}, f.op), 403, "FORBIDDEN");
  check_status(f.put("/api/v1/tariffs/" + kMissing, json::object{{"name", "x"}}, f.admin), 404, "NOT_FOUND");
}

// --- the price now ------------------------------------------------------------------------

TEST_CASE("tariffs REST: current answers the period in effect and when it changes, and 404 without a tariff") {
  tariff_fixture f;
  auto t = f.create(north_tou());

  auto res = f.get("/api/v1/tariffs/current/north", f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto c = data_of(res);
  CHECK(keys_of(c) == std::set<std::string>{"tariff", "now", "current_period", "next_change_at"});
  CHECK(c.at("tariff") == t);
  CHECK(str(c.at("now")) == kNow);
  const auto& p = c.at("current_period");
  CHECK(keys_of(p) == kPeriodKeys);
  // Sunday afternoon: off_peak since Friday's peak ended, until Monday's begins.
  CHECK(str(p.at("name")) == "off_peak");
  CHECK(num(p.at("price_per_kwh")) == 0.12);
  CHECK(num(p.at("effective_price_per_kwh")) == 0.12);
  CHECK(p.at("override_id").is_null());
  CHECK(str(p.at("starts_at")) == "2025-06-13T21:00:00Z");
  CHECK(str(p.at("ends_at")) == "2025-06-16T17:00:00Z");
  CHECK(str(c.at("next_change_at")) == "2025-06-16T17:00:00Z");

  // Without a region: the caller's.
  CHECK(f.ok_get("/api/v1/tariffs/current", f.ada) == c);

  // No tariff in south.
  check_status(f.get("/api/v1/tariffs/current/south", f.ada), 404, "NOT_FOUND");
  check_status(f.get("/api/v1/tariffs/current", f.sue), 404, "NOT_FOUND");
  CHECK(f.get("/api/v1/tariffs/current").status == 401);

  // Monday at 18:00 it is peak, until 21:00.
  f.clock->set(*segs::parse_rfc3339("2025-06-16T18:00:00Z"));
  f.ada = auth{f.login("ada@example.org"), {}};  // the first token has expired
  auto peak = f.ok_get("/api/v1/tariffs/current", f.ada);
  CHECK(str(peak.at("current_period").at("name")) == "peak");
  CHECK(num(peak.at("current_period").at("price_per_kwh")) == 0.32);
  CHECK(str(peak.at("current_period").at("starts_at")) == "2025-06-16T17:00:00Z");
  CHECK(str(peak.at("current_period").at("ends_at")) == "2025-06-16T21:00:00Z");
  CHECK(str(peak.at("next_change_at")) == "2025-06-16T21:00:00Z");
}

TEST_CASE("tariffs REST: history lists the tariffs and overrides overlapping the range, newest first") {
  tariff_fixture f;
  auto tou = f.create(north_tou());
  auto summer = f.create(flat("north", "2025-07-01T00:00:00Z", 0.2));
  auto o = f.override_(json::object{{"region", "north"},
                                    {"start", "2025-06-15T16:00:00Z"},
                                    {"end", "2025-06-15T17:00:00Z"},
                                    {"price_per_kwh", 0.05}},
                       f.op);
  f.create(flat("south", "2025-06-01T00:00:00Z", 0.15));

  auto h = f.ok_get("/api/v1/tariffs/history?region=north&from=2025-06-01T00:00:00Z&to=2025-08-01T00:00:00Z",
                    f.ada);
  CHECK(keys_of(h) == std::set<std::string>{"tariffs", "overrides"});
  CHECK(ids_of(h.at("tariffs")) == std::vector<std::string>{str(summer.at("id")), str(tou.at("id"))});
  CHECK(ids_of(h.at("overrides")) == std::vector<std::string>{str(o.at("id"))});
  CHECK(h.at("overrides").at(0) == o);
  CHECK(h.at("tariffs").at(0) == summer);

  // Half-open: the TOU tariff ends at 07-01, the override at 17:00.
  auto july = f.ok_get("/api/v1/tariffs/history?region=north&from=2025-07-01T00:00:00Z&to=2025-08-01T00:00:00Z",
                       f.ada);
  CHECK(ids_of(july.at("tariffs")) == std::vector<std::string>{str(summer.at("id"))});
  CHECK(july.at("overrides").as_array().empty());
  auto evening = f.ok_get(
      "/api/v1/tariffs/history?region=north&from=2025-06-15T17:00:00Z&to=2025-06-16T00:00:00Z", f.ada);
  CHECK(evening.at("overrides").as_array().empty());
  CHECK(ids_of(evening.at("tariffs")) == std::vector<std::string>{str(tou.at("id"))});

  // Without a region: the caller's (sue's south).
  auto south = f.ok_get("/api/v1/tariffs/history?from=2025-06-01T00:00:00Z&to=2025-08-01T00:00:00Z", f.sue);
  CHECK(south.at("tariffs").as_array().size() == 1);
  CHECK(str(south.at("tariffs").at(0).at("region")) == "south");

  check_400(f.get("/api/v1/tariffs/history?region=north&from=yesterday", f.ada), "from");
  check_400(f.get("/api/v1/tariffs/history?region=north&to=soon", f.ada), "to");
}

TEST_CASE("tariffs REST: forecast answers the spans of the next hours (default 24, at most 168)") {
  tariff_fixture f;
  f.create(north_tou());

  auto day = f.ok_get("/api/v1/tariffs/forecast?region=north", f.ada);
  CHECK(keys_of(day) == std::set<std::string>{"region", "from", "to", "prices"});
  CHECK(str(day.at("region")) == "north");
  CHECK(str(day.at("from")) == "2025-06-15T15:00:00Z");  // the current bucket's start
  CHECK(str(day.at("to")) == "2025-06-16T15:00:00Z");
  REQUIRE(day.at("prices").as_array().size() == 1);
  const auto& only = day.at("prices").at(0);
  CHECK(keys_of(only) == kSpanKeys);
  CHECK(str(only.at("start")) == "2025-06-15T15:00:00Z");
  CHECK(str(only.at("end")) == "2025-06-16T15:00:00Z");
  CHECK(str(only.at("period")) == "off_peak");
  CHECK(num(only.at("price_per_kwh")) == 0.12);
  CHECK(num(only.at("effective_price_per_kwh")) == 0.12);
  CHECK(num(only.at("period_price_per_kwh")) == 0.12);
  CHECK(only.at("override_id").is_null());
  // Without a region: the caller's.
  CHECK(f.ok_get("/api/v1/tariffs/forecast", f.ada) == day);

  auto longer = f.ok_get("/api/v1/tariffs/forecast?region=north&hours=30", f.ada);
  CHECK(str(longer.at("to")) == "2025-06-16T21:00:00Z");
  REQUIRE(longer.at("prices").as_array().size() == 2);
  CHECK(str(longer.at("prices").at(0).at("end")) == "2025-06-16T17:00:00Z");
  const auto& peak = longer.at("prices").at(1);
  CHECK(str(peak.at("start")) == "2025-06-16T17:00:00Z");
  CHECK(str(peak.at("end")) == "2025-06-16T21:00:00Z");
  CHECK(str(peak.at("period")) == "peak");
  CHECK(num(peak.at("price_per_kwh")) == 0.32);

  auto week = f.ok_get("/api/v1/tariffs/forecast?region=north&hours=168", f.ada);
  CHECK(str(week.at("to")) == "2025-06-22T15:00:00Z");
  CHECK(week.at("prices").as_array().size() == 11);  // off_peak, then 5 x (peak, off_peak)

  check_400(f.get("/api/v1/tariffs/forecast?region=north&hours=169", f.ada), "hours");
  check_400(f.get("/api/v1/tariffs/forecast?region=north&hours=0", f.ada), "hours");
  check_400(f.get("/api/v1/tariffs/forecast?region=north&hours=two", f.ada), "hours");
  // A region without a tariff has no known prices.
  auto south = f.ok_get("/api/v1/tariffs/forecast?region=south", f.ada);
  CHECK(south.at("prices").as_array().empty());
}

TEST_CASE("tariffs REST: estimate spreads the consumption flat without meters and prices it exactly") {
  tariff_fixture f;
  f.create(north_tou());

  // Monday 06-16: 96 buckets of 1.25 kWh; 16 peak buckets (17:00-21:00).
  auto e = f.ok_get("/api/v1/tariffs/estimate?consumption_kwh=120&from=2025-06-16T00:00:00Z&to=2025-06-17T00:00:00Z",
                    f.ada);
  CHECK(keys_of(e) == std::set<std::string>{"region", "currency", "from", "to", "consumption_kwh", "by_period",
                                            "energy_charge", "tier_charge", "fixed_charge", "demand_charge", "tax",
                                            "total"});
  CHECK(str(e.at("region")) == "north");
  CHECK(str(e.at("currency")) == "EUR");
  CHECK(str(e.at("from")) == "2025-06-16T00:00:00Z");
  CHECK(str(e.at("to")) == "2025-06-17T00:00:00Z");
  CHECK(num(e.at("consumption_kwh")) == 120);
  REQUIRE(e.at("by_period").as_array().size() == 2);  // in the order of the tariff's periods
  const auto& peak = e.at("by_period").at(0);
  CHECK(keys_of(peak) == std::set<std::string>{"period", "kwh", "amount"});
  CHECK(str(peak.at("period")) == "peak");
  CHECK(num(peak.at("kwh")) == 20);        // 16 x 1.25
  CHECK(num(peak.at("amount")) == 6.4);    // 20 x 0.32
  const auto& off = e.at("by_period").at(1);
  CHECK(str(off.at("period")) == "off_peak");
  CHECK(num(off.at("kwh")) == 100);        // 80 x 1.25
  CHECK(num(off.at("amount")) == 12);      // 100 x 0.12
  CHECK(num(e.at("energy_charge")) == 18.4);
  CHECK(num(e.at("tier_charge")) == 0.4);  // 100 kWh at +0, 20 kWh at +0.02
  CHECK(num(e.at("fixed_charge")) == 0.5);  // one day
  CHECK(num(e.at("demand_charge")) == 0.5);  // 1.25 kWh / 0.25 h = 5 kW x 0.1: shown, not added
  CHECK(num(e.at("tax")) == 3.76);         // 19.5 % of 18.40 + 0.40 + 0.50 = 19.30: 3.7635
  CHECK(num(e.at("total")) == 23.06);      // 19.30 + 3.76

  check_400(f.get("/api/v1/tariffs/estimate", f.ada), "consumption_kwh");
  check_400(f.get("/api/v1/tariffs/estimate?consumption_kwh=1.2345", f.ada), "consumption_kwh");
  check_400(f.get("/api/v1/tariffs/estimate?consumption_kwh=lots", f.ada), "consumption_kwh");
  check_400(f.get("/api/v1/tariffs/estimate?consumption_kwh=10&from=monday", f.ada), "from");
  // A range across a scheduled tariff change is refused naming `to`.
  f.create(flat("north", "2025-07-01T00:00:00Z", 0.2));
  check_400(f.get("/api/v1/tariffs/estimate?consumption_kwh=10&from=2025-06-30T00:00:00Z&to=2025-07-02T00:00:00Z",
                  f.ada),
            "to");
}

// --- operators and admins -----------------------------------------------------------------

TEST_CASE("tariffs REST: analytics price a region's metered consumption, and regions/all lists what regions pay") {
  tariff_fixture f;
  auto t = f.create(north_tou());
  // Bob's meter in north: 2 kWh in the off_peak bucket 09:45-10:00 and 1.5
  // kWh in the peak bucket 17:00-17:15 of Friday 06-13.
  auto bob = f.make_user("bob@example.org", "consumer", "north");
  auto m = f.post("/api/v1/admin/meters",
                  json::object{{"meter_id", "SM_BOB_001"}, {"region", "north"}, {"capacity_kw", 10},
                               {"user_id", bob.id.to_string()}},
                  f.admin);
  REQUIRE_MESSAGE(m.status == 201, m.body);
  for (const auto& [at, kwh] : std::vector<std::pair<std::string, double>>{{"2025-06-13T10:00:00Z", 2},
                                                                           {"2025-06-13T17:15:00Z", 1.5}}) {
    auto r = f.post("/api/v1/meters/SM_BOB_001/readings",
                    json::object{{"timestamp", at}, {"energy_consumed_kwh", kwh}, {"energy_produced_kwh", 0}},
                    f.admin);
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }

  const std::string range = "from=2025-06-13T00:00:00Z&to=2025-06-14T00:00:00Z";
  auto a = f.ok_get("/api/v1/tariffs/analytics?region=north&" + range, f.op);
  CHECK(keys_of(a) == std::set<std::string>{"region", "from", "to", "time_weighted_price_per_kwh",
                                            "consumption_weighted_price_per_kwh", "peak_to_off_peak_ratio",
                                            "overrides", "by_period"});
  CHECK(str(a.at("region")) == "north");
  CHECK(str(a.at("from")) == "2025-06-13T00:00:00Z");
  CHECK(str(a.at("to")) == "2025-06-14T00:00:00Z");
  CHECK(num(a.at("time_weighted_price_per_kwh")) == 0.153333);        // (16 x 0.32 + 80 x 0.12) / 96
  CHECK(num(a.at("consumption_weighted_price_per_kwh")) == 0.205714);  // (2 x 0.12 + 1.5 x 0.32) / 3.5
  CHECK(num(a.at("peak_to_off_peak_ratio")) == 2.6667);  // 0.32 / 0.12, to 4 decimals
  CHECK(a.at("overrides").as_int64() == 0);
  REQUIRE(a.at("by_period").as_array().size() == 2);
  const auto& off = a.at("by_period").at(0);  // met first, at midnight
  CHECK(keys_of(off) == std::set<std::string>{"period", "hours", "kwh", "amount"});
  CHECK(str(off.at("period")) == "off_peak");
  CHECK(num(off.at("hours")) == 20);
  CHECK(num(off.at("kwh")) == 2);
  CHECK(num(off.at("amount")) == 0.24);
  const auto& peak = a.at("by_period").at(1);
  CHECK(str(peak.at("period")) == "peak");
  CHECK(num(peak.at("hours")) == 4);
  CHECK(num(peak.at("kwh")) == 1.5);
  CHECK(num(peak.at("amount")) == 0.48);
  // Admins too; without a region the operator's own.
  CHECK(f.ok_get("/api/v1/tariffs/analytics?region=north&" + range, f.admin) == a);
  CHECK(f.ok_get("/api/v1/tariffs/analytics?" + range, f.op) == a);
  // A quarter of an hour counts as 0.25 h.
  auto quarter = f.ok_get("/api/v1/tariffs/analytics?region=north&from=2025-06-13T17:00:00Z&to=2025-06-13T17:15:00Z",
                          f.op);
  REQUIRE(quarter.at("by_period").as_array().size() == 1);
  CHECK(num(quarter.at("by_period").at(0).at("hours")) == 0.25);
  check_400(f.get("/api/v1/tariffs/analytics?region=north&from=2025-06-13T00:00:01Z&to=2025-06-14T00:00:00Z", f.op),
            "from");
  // Another region's operator, and users: 403.
  check_status(f.get("/api/v1/tariffs/analytics?region=north&" + range, f.op_south), 403, "FORBIDDEN");
  check_status(f.get("/api/v1/tariffs/analytics?region=north&" + range, f.ada), 403, "FORBIDDEN");

  // regions/all: what every region in scope pays now.
  auto all = f.ok_get("/api/v1/tariffs/regions/all", f.admin);
  CHECK(keys_of(all) == std::set<std::string>{"regions"});
  bool saw_north = false, saw_south = false;
  for (const auto& r : all.at("regions").as_array()) {
    CHECK(keys_of(r) == std::set<std::string>{"region", "tariff", "current_period"});
    if (str(r.at("region")) == "north") {
      saw_north = true;
      CHECK(r.at("tariff") == t);
      CHECK(keys_of(r.at("current_period")) == kPeriodKeys);
      CHECK(str(r.at("current_period").at("name")) == "off_peak");
      CHECK(str(r.at("current_period").at("ends_at")) == "2025-06-16T17:00:00Z");
    }
    if (str(r.at("region")) == "south") {
      saw_south = true;
      CHECK(r.at("tariff").is_null());
      CHECK(r.at("current_period").is_null());
    }
  }
  CHECK(saw_north);
  CHECK(saw_south);
  auto mine = f.ok_get("/api/v1/tariffs/regions/all", f.op);
  REQUIRE(mine.at("regions").as_array().size() == 1);
  CHECK(str(mine.at("regions").at(0).at("region")) == "north");
  check_status(f.get("/api/v1/tariffs/regions/all", f.ada), 403, "FORBIDDEN");
}

TEST_CASE("tariffs REST: operators create and remove overrides of their region, and forecasts and current follow") {
  tariff_fixture f;
  f.create(north_tou());

  // 16:00-18:00 at 1.5 x the period's price.
  auto res = f.post("/api/v1/tariffs/override",
                    json::object{{"region", "north"},
                                 {"start", "2025-06-15T16:00:00Z"},
                                 {"end", "2025-06-15T18:00:00Z"},
                                 {"multiplier", 1.5},
                                 {"reason", "heat wave"}},
                    f.op);
  REQUIRE_MESSAGE(res.status == 201, res.body);
  CHECK(str(body_of(res).at("message")) == "override created");
  auto later = data_of(res);
  CHECK(keys_of(later) == kOverrideKeys);
  CHECK(str(later.at("region")) == "north");
  CHECK(str(later.at("start")) == "2025-06-15T16:00:00Z");
  CHECK(str(later.at("end")) == "2025-06-15T18:00:00Z");
  CHECK(later.at("price_per_kwh").is_null());
  CHECK(num(later.at("multiplier")) == 1.5);
  CHECK(res.body.find(R"("multiplier":1.5)") != std::string::npos);
  CHECK(str(later.at("reason")) == "heat wave");
  CHECK(str(later.at("created_by")) == f.op_user.id.to_string());
  CHECK(str(later.at("created_at")) == kNow);
  CHECK(later.at("removed_at").is_null());
  const auto later_id = str(later.at("id"));

  // The forecast is what will be paid: price_per_kwh is the effective price.
  auto fc = f.ok_get("/api/v1/tariffs/forecast?region=north&hours=30", f.ada);
  REQUIRE(fc.at("prices").as_array().size() == 4);
  const auto& spans = fc.at("prices").as_array();
  CHECK(str(spans[0].at("end")) == "2025-06-15T16:00:00Z");
  CHECK(spans[0].at("override_id").is_null());
  CHECK(str(spans[1].at("start")) == "2025-06-15T16:00:00Z");
  CHECK(str(spans[1].at("end")) == "2025-06-15T18:00:00Z");
  CHECK(str(spans[1].at("period")) == "off_peak");
  CHECK(num(spans[1].at("price_per_kwh")) == 0.18);
  CHECK(num(spans[1].at("effective_price_per_kwh")) == 0.18);
  CHECK(num(spans[1].at("period_price_per_kwh")) == 0.12);
  CHECK(str(spans[1].at("override_id")) == later_id);
  CHECK(str(spans[2].at("start")) == "2025-06-15T18:00:00Z");
  CHECK(str(spans[2].at("end")) == "2025-06-16T17:00:00Z");
  CHECK(num(spans[2].at("price_per_kwh")) == 0.12);
  CHECK(str(spans[3].at("period")) == "peak");

  // One over the current bucket: now 0.05, until 16:00 where the other begins.
  auto now = f.override_(json::object{{"region", "north"},
                                      {"start", "2025-06-15T15:00:00Z"},
                                      {"end", "2025-06-15T16:00:00Z"},
                                      {"price_per_kwh", 0.05}},
                         f.admin);
  CHECK(now.at("multiplier").is_null());
  CHECK(num(now.at("price_per_kwh")) == 0.05);
  CHECK(str(now.at("reason")).empty());
  const auto now_id = str(now.at("id"));
  auto c = f.ok_get("/api/v1/tariffs/current/north", f.ada);
  const auto& p = c.at("current_period");
  CHECK(str(p.at("name")) == "off_peak");
  CHECK(num(p.at("price_per_kwh")) == 0.12);
  CHECK(num(p.at("effective_price_per_kwh")) == 0.05);
  CHECK(str(p.at("override_id")) == now_id);
  CHECK(str(p.at("starts_at")) == "2025-06-15T15:00:00Z");
  CHECK(str(p.at("ends_at")) == "2025-06-15T16:00:00Z");
  CHECK(str(c.at("next_change_at")) == "2025-06-15T16:00:00Z");

  // Others may not: another region's operator, users; nor may anyone start in the past.
  const json::object body{{"region", "north"},
                          {"start", "2025-06-15T19:00:00Z"},
                          {"end", "2025-06-15T20:00:00Z"},
                          {"price_per_kwh", 0.1}};
  check_status(f.post("/api/v1/tariffs/override", body, f.op_south), 403, "FORBIDDEN");
  check_status(f.post("/api/v1/tariffs/override", body, f.ada), 403, "FORBIDDEN");
  check_status(f.del("/api/v1/tariffs/override/" + later_id, f.op_south), 403, "FORBIDDEN");
  check_status(f.del("/api/v1/tariffs/override/" + later_id, f.ada), 403, "FORBIDDEN");
  CHECK(f.del("/api/v1/tariffs/override/" + later_id).status == 401);
  auto past = body;
  past["start"] = "2025-06-15T14:45:00Z";
  check_400(f.post("/api/v1/tariffs/override", past, f.op), "start");
  auto both = body;
  both["multiplier"] = 2;
  check_400(f.post("/api/v1/tariffs/override", both, f.op), "price_per_kwh");
  auto fine = body;
  fine.erase("price_per_kwh");
  fine["multiplier"] = 1.23456;
  check_400(f.post("/api/v1/tariffs/override", fine, f.op), "multiplier");
  auto no_end = body;
  no_end.erase("end");
  check_400(f.post("/api/v1/tariffs/override", no_end, f.op), "end");

  // Removing one that has begun ends it with the current bucket; one that has not is removed whole.
  auto gone = f.del("/api/v1/tariffs/override/" + now_id, f.op);
  REQUIRE_MESSAGE(gone.status == 200, gone.body);
  CHECK(str(body_of(gone).at("message")) == "override removed");
  auto removed = data_of(gone);
  CHECK(keys_of(removed) == kOverrideKeys);
  CHECK(str(removed.at("id")) == now_id);
  CHECK(str(removed.at("start")) == "2025-06-15T15:00:00Z");
  CHECK(str(removed.at("end")) == "2025-06-15T15:15:00Z");
  CHECK(str(removed.at("removed_at")) == kNow);
  auto whole = f.del("/api/v1/tariffs/override/" + later_id, f.op);
  REQUIRE_MESSAGE(whole.status == 200, whole.body);
  CHECK(str(data_of(whole).at("end")) == "2025-06-15T16:00:00Z");
  CHECK(str(data_of(whole).at("removed_at")) == kNow);
  check_status(f.del("/api/v1/tariffs/override/" + later_id, f.op), 409, "CONFLICT");
  check_status(f.del("/api/v1/tariffs/override/" + kMissing, f.op), 404, "NOT_FOUND");
  check_400(f.del("/api/v1/tariffs/override/nope", f.op), "tariffId");

  // The current bucket stays as it was priced; from 15:15 the period's price again.
  auto after = f.ok_get("/api/v1/tariffs/current/north", f.ada);
  CHECK(num(after.at("current_period").at("effective_price_per_kwh")) == 0.05);
  CHECK(str(after.at("current_period").at("ends_at")) == "2025-06-15T15:15:00Z");
  auto fc2 = f.ok_get("/api/v1/tariffs/forecast?region=north&hours=2", f.ada);
  REQUIRE(fc2.at("prices").as_array().size() == 2);
  CHECK(num(fc2.at("prices").at(0).at("price_per_kwh")) == 0.05);
  CHECK(str(fc2.at("prices").at(1).at("start")) == "2025-06-15T15:15:00Z");
  CHECK(num(fc2.at("prices").at(1).at("price_per_kwh")) == 0.12);
  CHECK(fc2.at("prices").at(1).at("override_id").is_null());
}

// --- validation ------------------------------------------------------------------------------

TEST_CASE("tariffs REST: bad tariffs are 400 naming the member's wire path") {
  tariff_fixture f;
  auto with = [](const char* key, json::value v) {
    auto b = north_tou();
    b[key] = std::move(v);
    return b;
  };
  auto rule = [](json::value start, json::value end, json::array days = {"sat"}) {
    return json::object{{"period", "peak"}, {"days", std::move(days)}, {"start", std::move(start)},
                        {"end", std::move(end)}};
  };
  const auto first = rule("17:00", "21:00", {"mon"});

  // Off the 15-minute grid: the library's check, named by the path.
  auto off_grid = f.post("/api/v1/tariffs", with("schedule", json::array{first, rule("10:10", "12:00")}), f.admin);
  check_400(off_grid, "schedule[1].start");
  CHECK(str(body_of(off_grid).at("error").at("message")).starts_with("schedule[1].start "));
  // Malformed wall times: the reader's.
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{rule("7pm", "21:00")}), f.admin),
            "schedule[0].start");
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{first, rule("10:00", "12:60")}), f.admin),
            "schedule[1].end");
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{rule(900, "21:00")}), f.admin),
            "schedule[0].start");
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{rule("24:00", "21:00")}), f.admin),
            "schedule[0].start");
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{rule("10:00", "24:15")}), f.admin),
            "schedule[0].end");
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{rule("10:00", "12:00", {"sat", "funday"})}),
                   f.admin),
            "schedule[0].days");
  auto unknown_period = rule("10:00", "12:00");
  unknown_period["period"] = "shoulder";
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{unknown_period}), f.admin), "schedule[0].period");
  auto months = rule("10:00", "12:00");
  months["months"] = json::array{1, 13};
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{months}), f.admin), "schedule[0].months");
  auto extra = rule("10:00", "12:00");
  extra["weekdays"] = true;
  check_400(f.post("/api/v1/tariffs", with("schedule", json::array{first, extra}), f.admin), "schedule[1].weekdays");

  // Tiers: up_to is up_to_kwh on the wire, in the field and the message.
  auto zero_tier = f.post("/api/v1/tariffs",
                          with("tiers", json::array{json::object{{"up_to_kwh", 0}, {"adder_per_kwh", 0}},
                                                    json::object{{"adder_per_kwh", 0.02}}}),
                          f.admin);
  check_400(zero_tier, "tiers[0].up_to_kwh");
  CHECK(str(body_of(zero_tier).at("error").at("message")).starts_with("tiers[0].up_to_kwh "));
  check_400(f.post("/api/v1/tariffs",
                   with("tiers", json::array{json::object{{"up_to_kwh", 1.2345}, {"adder_per_kwh", 0}},
                                             json::object{{"adder_per_kwh", 0.02}}}),
                   f.admin),
            "tiers[0].up_to_kwh");
  check_400(f.post("/api/v1/tariffs",
                   with("tiers", json::array{json::object{{"up_to_kwh", 100}, {"adder_per_kwh", 0}},
                                             json::object{{"up_to_kwh", 50}, {"adder_per_kwh", 0.02}}}),
                   f.admin),
            "tiers[1].up_to_kwh");
  check_400(f.post("/api/v1/tariffs", with("tiers", json::array{json::object{{"up_to_kwh", 100}}}), f.admin),
            "tiers[0].adder_per_kwh");

  // Scalars and lists.
  check_400(f.post("/api/v1/tariffs", with("tax_percent", 19.55555), f.admin), "tax_percent");
  check_400(f.post("/api/v1/tariffs", with("tax_percent", "19.5"), f.admin), "tax_percent");
  check_400(f.post("/api/v1/tariffs", with("tax_percent", 101), f.admin), "tax_percent");
  check_400(f.post("/api/v1/tariffs", with("fixed_charge_per_day", -1), f.admin), "fixed_charge_per_day");
  check_400(f.post("/api/v1/tariffs",
                   with("periods", json::array{json::object{{"name", "peak"}, {"price_per_kwh", "cheap"}}}), f.admin),
            "periods[0].price_per_kwh");
  check_400(f.post("/api/v1/tariffs",
                   with("periods", json::array{json::object{{"name", "Peak"}, {"price_per_kwh", 0.3}}}), f.admin),
            "periods[0].name");
  check_400(f.post("/api/v1/tariffs", with("holidays", json::array{"2025-13-01"}), f.admin), "holidays[0]");
  check_400(f.post("/api/v1/tariffs", with("effective_from", "2025-06-01T00:05:00Z"), f.admin), "effective_from");
  check_400(f.post("/api/v1/tariffs", with("colour", "red"), f.admin), "colour");
  auto no_start = north_tou();
  no_start.erase("effective_from");
  check_400(f.post("/api/v1/tariffs", no_start, f.admin), "effective_from");
  auto no_region = north_tou();
  no_region.erase("region");
  check_400(f.post("/api/v1/tariffs", no_region, f.admin), "region");
  // Nothing was stored.
  check_status(f.get("/api/v1/tariffs/current/north", f.ada), 404, "NOT_FOUND");

  // A day's end is 24:00, and months are kept.
  auto late = json::object{{"period", "peak"}, {"days", json::array{"sat", "sun", "holiday"}}, {"start", "21:00"},
                           {"end", "24:00"},   {"months", json::array{12, 1, 2}}};
  auto t = f.create(with("schedule", json::array{late}));
  CHECK(t.at("schedule").at(0) == json::value(late));
}
