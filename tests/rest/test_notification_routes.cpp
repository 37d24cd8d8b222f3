// Notifications through the handler (issue 16, section 1), with the exact
// routes and shapes: the history (newest first, `unread` and `kind`
// filters, paging), `{unread}`, a test notification (201), marking one and
// all read (`{marked}`), and the preferences document shared with
// /api/v1/user/notifications/settings, with its quiet hours.
#include "fixture.hpp"

#include <set>
#include <string>

using namespace rest_test;
namespace json = boost::json;

namespace {

json::value data_of(const segs::rest::response& r) { return body_of(r).at("data"); }

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.insert(std::string(kv.key()));
  return out;
}

void check_400(const segs::rest::response& res, const std::string& field) {
  INFO(field << ": " << res.body);
  CHECK(res.status == 400);
  CHECK(str(body_of(res).at("error").at("details").at("field")) == field);
}

}  // namespace

TEST_CASE("notification routes: test, history, unread count, mark read and read all") {
  fixture f;
  auto ada = f.signed_in("ada@example.org", "consumer");
  auto bob = f.signed_in("bob@example.org", "consumer");

  auto made = f.post("/api/v1/notifications/test", {{"title", "hello"}, {"severity", "warning"}}, ada);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  const auto n = data_of(made);
  CHECK(keys_of(n) == std::set<std::string>{"id", "user_id", "kind", "severity", "title", "body", "data", "emailed",
                                            "read", "created_at", "read_at"});
  CHECK(str(n.at("kind")) == "test");
  CHECK(str(n.at("severity")) == "warning");
  CHECK(str(n.at("title")) == "hello");
  CHECK(n.at("data").is_object());
  CHECK(n.at("read") == false);
  CHECK(n.at("read_at").is_null());
  const auto first_id = str(n.at("id"));
  f.clock->advance(std::chrono::seconds(1));
  REQUIRE(f.post("/api/v1/notifications/test", json::object{}, ada).status == 201);

  auto count = f.get("/api/v1/notifications/unread-count", ada);
  REQUIRE(count.status == 200);
  CHECK(data_of(count) == json::value(json::object{{"unread", 2}}));
  CHECK(data_of(f.get("/api/v1/notifications/unread-count", bob)).at("unread") == 0);

  auto hist = f.get("/api/v1/notifications/history?per_page=1", ada);
  REQUIRE(hist.status == 200);
  auto h = data_of(hist);
  CHECK(h.at("total") == 2);
  CHECK(h.at("total_pages") == 2);
  REQUIRE(h.at("notifications").as_array().size() == 1);
  CHECK(str(h.at("notifications").as_array()[0].at("title")) == "Test notification");  // newest first

  // Someone else's: 404; a malformed id: 400.
  CHECK(f.send("PATCH", "/api/v1/notifications/" + first_id + "/read", {}, bob).status == 404);
  check_400(f.send("PATCH", "/api/v1/notifications/not-a-uuid/read", {}, ada), "id");
  auto read = f.send("PATCH", "/api/v1/notifications/" + first_id + "/read", {}, ada);
  REQUIRE_MESSAGE(read.status == 200, read.body);
  CHECK(data_of(read).at("read") == true);
  CHECK(data_of(read).at("read_at").is_string());

  auto unread = data_of(f.get("/api/v1/notifications/history?unread=true", ada));
  CHECK(unread.at("total") == 1);
  CHECK(data_of(f.get("/api/v1/notifications/history?kind=test", ada)).at("total") == 2);
  CHECK(data_of(f.get("/api/v1/notifications/history?kind=alert_raised", ada)).at("total") == 0);
  check_400(f.get("/api/v1/notifications/history?kind=gossip", ada), "kind");
  check_400(f.get("/api/v1/notifications/history?unread=maybe", ada), "unread");

  auto all = f.post("/api/v1/notifications/read-all", json::object{}, ada);
  REQUIRE(all.status == 200);
  CHECK(data_of(all) == json::value(json::object{{"marked", 1}}));
  CHECK(data_of(f.get("/api/v1/notifications/unread-count", ada)).at("unread") == 0);

  check_400(f.post("/api/v1/notifications/test", {{"title", ""}}, ada), "title");
  check_400(f.post("/api/v1/notifications/test", {{"severity", "loud"}}, ada), "severity");
  check_400(f.post("/api/v1/notifications/test", {{"colour", "red"}}, ada), "colour");
  CHECK(f.get("/api/v1/notifications/history").status == 401);
}

TEST_CASE("notification routes: one preferences document on both paths, with channels and quiet hours") {
  fixture f;
  auto ada = f.signed_in("ada@example.org", "consumer");
  auto doc = data_of(f.get("/api/v1/notifications/preferences", ada));
  CHECK(keys_of(doc) == std::set<std::string>{"email", "sms", "push", "alerts", "billing", "trading", "security",
                                              "channels", "quiet_hours", "updated_at"});
  CHECK(doc.at("quiet_hours").is_null());
  CHECK(doc.at("channels").at("trading") == json::value(json::object{{"in_app", true}, {"email", false}}));

  auto put = f.put("/api/v1/notifications/preferences",
                   {{"billing", false},
                    {"channels", {{"alerts", {{"email", false}}}}},
                    {"quiet_hours", {{"start", "22:00"}, {"end", "07:00"}}}},
                   ada);
  REQUIRE_MESSAGE(put.status == 200, put.body);
  auto saved = data_of(put);
  CHECK(saved.at("billing") == false);
  CHECK(saved.at("channels").at("alerts") == json::value(json::object{{"in_app", true}, {"email", false}}));
  CHECK(saved.at("quiet_hours") == json::value(json::object{{"start", "22:00"}, {"end", "07:00"}}));
  // The older path answers the same document, and keeps working for writes.
  auto old = data_of(f.get("/api/v1/user/notifications/settings", ada));
  CHECK(old == saved);
  auto cleared = f.put("/api/v1/user/notifications/settings", {{"quiet_hours", nullptr}, {"sms", true}}, ada);
  REQUIRE(cleared.status == 200);
  CHECK(data_of(cleared).at("quiet_hours").is_null());
  CHECK(data_of(cleared).at("sms") == true);
  CHECK(data_of(cleared).at("billing") == false);  // untouched members keep their values

  // Security stays on whatever is sent.
  auto sec = f.put("/api/v1/notifications/preferences",
                   {{"security", false}, {"channels", {{"security", {{"in_app", false}, {"email", false}}}}}}, ada);
  REQUIRE(sec.status == 200);
  CHECK(data_of(sec).at("security") == true);
  CHECK(data_of(sec).at("channels").at("security") == json::value(json::object{{"in_app", true}, {"email", true}}));

  check_400(f.put("/api/v1/notifications/preferences", {{"quiet_hours", {{"start", "25:00"}, {"end", "07:00"}}}}, ada),
            "quiet_hours.start");
  check_400(f.put("/api/v1/notifications/preferences", {{"quiet_hours", {{"start", "22:00"}}}}, ada),
            "quiet_hours.end");
  check_400(f.put("/api/v1/notifications/preferences", {{"channels", {{"gossip", {{"email", true}}}}}}, ada),
            "channels.gossip");
  check_400(f.put("/api/v1/notifications/preferences", {{"volume", 11}}, ada), "volume");
  // Nothing partly written by the refusals.
  CHECK(data_of(f.get("/api/v1/notifications/preferences", ada)).at("quiet_hours").is_null());
}
