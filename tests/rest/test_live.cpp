// The live channel's protocol through handler::open_live, without a socket
// (issue 16, section 2): credentials in the upgrade or in an `auth` message
// within the time allowed, pushes of one's own notifications (honouring the
// `push` preference), market and alert subscriptions with their rules,
// 4401 once credentials stop holding, 4429 for a client that does not
// read, and the bounded queue. segs-server's WebSocket transport is driven
// end to end by tests/e2e/test_live.py.
#include "fixture.hpp"

#include <atomic>
#include <string>
#include <vector>

using namespace rest_test;
namespace json = boost::json;

namespace {

/// One live connection and what its transport would send.
struct client {
  std::unique_ptr<segs::rest::live_connection> conn;
  std::shared_ptr<std::atomic<int>> wakes = std::make_shared<std::atomic<int>>(0);

  /// Every message `next` has now; a close comes last, as {"close": code}.
  std::vector<json::value> drain() {
    std::vector<json::value> out;
    while (auto m = conn->next()) {
      if (m->close_code) {
        out.push_back(json::object{{"close", *m->close_code}, {"reason", m->text}});
        break;
      }
      out.push_back(json::parse(m->text));
    }
    return out;
  }
  /// The messages of one `type`, draining.
  std::vector<json::value> of(const std::string& type) {
    std::vector<json::value> out;
    for (auto& m : drain())
      if (m.as_object().contains("type") && m.at("type") == type.c_str()) out.push_back(m);
    return out;
  }
  void send(const json::value& v) { conn->receive(json::serialize(v)); }
};

segs::rest::request upgrade(const auth& a = {}) {
  segs::rest::request r{"GET", "/api/v1/ws", {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}},
                        "", "203.0.113.7"};
  if (!a.bearer.empty()) r.headers.push_back({"Authorization", "Bearer " + a.bearer});
  return r;
}

client open(fixture& f, const auth& a = {}) {
  client c;
  auto opened = f.api->open_live(upgrade(a), [w = c.wakes] { ++*w; });
  REQUIRE_MESSAGE(opened.connection, opened.refusal.body);
  c.conn = std::move(opened.connection);
  return c;
}

std::string slot(const fixture& f, int k = 0) {
  const std::int64_t quarter = 15LL * 60 * 1'000'000;
  const auto earliest = segs::to_micros(f.clock->now()) + 10LL * 60 * 1'000'000;
  const auto first = (earliest + quarter - 1) / quarter * quarter;
  return segs::to_rfc3339(segs::from_micros(first + k * quarter));
}

json::object limit(const std::string& side, double kwh, double price, const std::string& when) {
  return {{"side", side},           {"order_type", "limit"}, {"quantity_kwh", kwh},
          {"price_per_kwh", price}, {"time_in_force", "gtc"}, {"delivery_slot", when}};
}

std::string error_field(const json::value& m) {
  const auto& d = m.at("error").at("details").as_object();
  return d.contains("field") ? str(d.at("field")) : "";
}

}  // namespace

TEST_CASE("live channel: credentials in the upgrade, own notifications pushed, push preference honoured") {
  fixture f;
  auto ada = f.signed_in("ada@example.org", "consumer");
  auto bob = f.signed_in("bob@example.org", "consumer");
  auto c = open(f, ada);
  CHECK(c.conn->authenticated());
  auto hello = c.drain();
  REQUIRE(hello.size() == 1);
  CHECK(str(hello[0].at("type")) == "authenticated");
  CHECK(str(hello[0].at("data").at("role")) == "consumer");

  const int wakes_before = *c.wakes;
  auto made = f.post("/api/v1/notifications/test", {{"title", "live"}}, ada);
  REQUIRE_MESSAGE(made.status == 201, made.body);
  CHECK(*c.wakes > wakes_before);  // the transport is told at once
  auto pushed = c.drain();
  REQUIRE(pushed.size() == 1);
  CHECK(str(pushed[0].at("type")) == "notification");
  // The notification exactly as the REST answer showed it.
  CHECK(pushed[0].at("data") == body_of(made).at("data"));

  // Someone else's notifications never reach this connection.
  REQUIRE(f.post("/api/v1/notifications/test", json::object{}, bob).status == 201);
  CHECK(c.drain().empty());

  // push off: kept in the history, not pushed.
  REQUIRE(f.put("/api/v1/notifications/preferences", {{"push", false}}, ada).status == 200);
  REQUIRE(f.post("/api/v1/notifications/test", json::object{}, ada).status == 201);
  CHECK(c.drain().empty());
  CHECK(body_of(f.get("/api/v1/notifications/unread-count", ada)).at("data").at("unread") == 2);
}

TEST_CASE("live channel: an auth message within the time allowed, else 4401") {
  fixture f;
  auto ada = f.signed_in("ada@example.org", "consumer");

  // Bad credentials in the upgrade: refused over HTTP.
  auto refused = f.api->open_live(upgrade(auth{"not-a-token", {}}), [] {});
  CHECK_FALSE(refused.connection);
  CHECK(refused.refusal.status == 401);
  CHECK(code_of(refused.refusal) == "UNAUTHORIZED");
  // The live path only.
  auto elsewhere = upgrade(ada);
  elsewhere.target = "/api/v1/users";
  CHECK(f.api->open_live(elsewhere, [] {}).refusal.status == 404);

  auto c = open(f);
  CHECK_FALSE(c.conn->authenticated());
  CHECK(c.drain().empty());
  c.send({{"type", "subscribe"}, {"channel", "alerts"}, {"region", "north"}, {"id", 7}});
  auto early = c.of("error");
  REQUIRE(early.size() == 1);
  CHECK(str(early[0].at("error").at("code")) == "UNAUTHORIZED");
  CHECK(early[0].at("id") == 7);  // answers carry the client's id
  c.send({{"type", "ping"}});
  CHECK(c.of("pong").size() == 1);
  c.conn->receive("not json");
  auto bad = c.of("error");
  REQUIRE(bad.size() == 1);
  CHECK(error_field(bad[0]) == "message");
  c.send({{"type", "dance"}});
  CHECK(error_field(c.of("error").at(0)) == "type");

  c.send({{"type", "auth"}, {"token", ada.bearer}});
  CHECK(c.conn->authenticated());
  CHECK(c.of("authenticated").size() == 1);

  // A wrong token closes the connection.
  auto d = open(f);
  d.send({{"type", "auth"}, {"token", "forged"}});
  auto closed = d.drain();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].at("close") == 4401);
  CHECK_FALSE(d.conn->next());  // nothing after the close

  // Silence beyond the time allowed closes it too.
  segs::rest::options o = unlimited();
  o.live.auth_timeout = std::chrono::seconds(0);
  fixture g(o);
  auto e = open(g);
  e.conn->check();
  auto timed_out = e.drain();
  REQUIRE(timed_out.size() == 1);
  CHECK(timed_out[0].at("close") == 4401);
}

TEST_CASE("live channel: a logout, suspension or revoked session closes with 4401") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin", "global");
  auto ada = f.signed_in("ada@example.org", "consumer");
  auto c = open(f, ada);
  c.drain();
  auto out = f.post("/api/v1/auth/logout", json::object{}, ada);
  REQUIRE_MESSAGE(out.status == 200, out.body);
  auto closed = c.drain();  // noticed at once: no periodic check needed
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].at("close") == 4401);

  // Suspension by an admin.
  auto bob_user = f.make_user("bob@example.org", "consumer", "north");
  auth bob{f.login("bob@example.org"), {}};
  auto b = open(f, bob);
  b.drain();
  REQUIRE(f.put("/api/v1/admin/users/" + bob_user.id.to_string() + "/suspend", {{"reason", "unpaid bills"}}, admin)
              .status == 200);
  auto suspended = b.drain();
  REQUIRE(suspended.size() == 1);
  CHECK(suspended[0].at("close") == 4401);

  // A logout elsewhere (the library itself): the periodic check sees it.
  f.make_user("cy@example.org", "consumer", "north");
  auth cy{f.login("cy@example.org"), {}};
  auto k = open(f, cy);
  k.drain();
  auto who = f.grid->identity().authenticate(cy.bearer);
  REQUIRE(who);
  REQUIRE(f.grid->identity().logout(*who));
  CHECK(k.drain().empty());
  k.conn->check();
  auto later = k.drain();
  REQUIRE(later.size() == 1);
  CHECK(later[0].at("close") == 4401);
}

TEST_CASE("live channel: a market slot's subscription gets its book, trades and gate closure") {
  fixture f;
  auto sun = f.signed_in("sun@example.org", "prosumer");
  auto ada = f.signed_in("ada@example.org", "consumer");
  const auto s = slot(f);
  auto c = open(f, ada);
  c.drain();

  c.send({{"type", "subscribe"}, {"channel", "market"}, {"region", "north"}, {"delivery_slot", s}});
  auto first = c.drain();
  REQUIRE(first.size() == 2);
  CHECK(str(first[0].at("type")) == "subscribed");
  CHECK(str(first[0].at("delivery_slot")) == s);
  CHECK(str(first[1].at("type")) == "book");  // the book as it is now
  CHECK(first[1].at("data").at("asks").as_array().empty());

  REQUIRE(f.post("/api/v1/trading/orders", limit("sell", 2, 0.245, s), sun).status == 201);
  REQUIRE(f.post("/api/v1/trading/orders", limit("sell", 1, 0.26, s), sun).status == 201);
  // Two book changes before the transport read: one book, the latest.
  auto books = c.of("book");
  REQUIRE(books.size() == 1);
  CHECK(books[0].at("data").at("asks").as_array().size() == 2);

  REQUIRE(f.post("/api/v1/trading/orders", limit("buy", 1.5, 0.25, s), ada).status == 201);
  auto after = c.drain();
  std::vector<std::string> types;
  for (auto& m : after) types.push_back(str(m.at("type")));
  CHECK(std::count(types.begin(), types.end(), "trade") == 1);
  CHECK(std::count(types.begin(), types.end(), "book") == 1);
  for (auto& m : after)
    if (m.at("type") == "trade") {
      CHECK(m.at("data").at("price_per_kwh").to_number<double>() == 0.245);
      CHECK(m.at("data").at("quantity_kwh").to_number<double>() == 1.5);
      CHECK(str(m.at("data").at("region")) == "north");
      CHECK(str(m.at("data").at("delivery_slot")) == s);
    }

  // Another slot's events are not this subscription's.
  REQUIRE(f.post("/api/v1/trading/orders", limit("sell", 1, 0.3, slot(f, 1)), sun).status == 201);
  CHECK(c.drain().empty());

  // Unsubscribed: nothing more.
  c.send({{"type", "unsubscribe"}, {"channel", "market"}, {"region", "north"}, {"delivery_slot", s}});
  CHECK(c.of("unsubscribed").size() == 1);
  REQUIRE(f.post("/api/v1/trading/orders", limit("sell", 1, 0.27, s), sun).status == 201);
  CHECK(c.drain().empty());
  c.send({{"type", "unsubscribe"}, {"channel", "market"}, {"region", "north"}, {"delivery_slot", s}});
  CHECK(str(c.of("error").at(0).at("error").at("code")) == "NOT_FOUND");

  // Bad subscriptions name their member.
  c.send({{"type", "subscribe"}, {"channel", "weather"}, {"region", "north"}});
  CHECK(error_field(c.of("error").at(0)) == "channel");
  c.send({{"type", "subscribe"}, {"channel", "market"}, {"region", "north"}, {"delivery_slot", "soon"}});
  CHECK(error_field(c.of("error").at(0)) == "delivery_slot");
  c.send({{"type", "subscribe"}, {"channel", "market"}, {"region", "north"}});
  CHECK(error_field(c.of("error").at(0)) == "delivery_slot");
  c.send({{"type", "subscribe"}, {"channel", "market"}, {"region", "atlantis"}, {"delivery_slot", s}});
  CHECK(str(c.of("error").at(0).at("error").at("code")) == "NOT_FOUND");
}

TEST_CASE("live channel: the alerts channel is for those who manage the region's alerts") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin", "global");
  auto op = f.signed_in("op@example.org", "operator", "north");
  auto op_south = f.signed_in("ops@example.org", "operator", "south");
  auto ada_user = f.make_user("ada@example.org", "consumer", "north");
  auth ada{f.login("ada@example.org"), {}};
  auto meter = f.post("/api/v1/admin/meters",
                      {{"meter_id", "SM_ADA_001"}, {"region", "north"}, {"capacity_kw", 10},
                       {"user_id", ada_user.id.to_string()}},
                      admin);
  REQUIRE_MESSAGE(meter.status == 201, meter.body);

  auto consumer = open(f, ada);
  consumer.drain();
  consumer.send({{"type", "subscribe"}, {"channel", "alerts"}, {"region", "north"}});
  auto refused = consumer.of("error");
  REQUIRE(refused.size() == 1);
  CHECK(str(refused[0].at("error").at("code")) == "FORBIDDEN");

  auto south = open(f, op_south);
  south.drain();
  south.send({{"type", "subscribe"}, {"channel", "alerts"}, {"region", "north"}});
  CHECK(str(south.of("error").at(0).at("error").at("code")) == "FORBIDDEN");
  south.send({{"type", "subscribe"}, {"channel", "alerts"}, {"region", "south"}});
  CHECK(south.of("subscribed").size() == 1);

  auto north = open(f, op);
  north.drain();
  north.send({{"type", "subscribe"}, {"channel", "alerts"}, {"region", "north"}});
  CHECK(north.of("subscribed").size() == 1);

  auto reading = f.post("/api/v1/meters/SM_ADA_001/readings",
                        {{"timestamp", "2025-06-15T14:15:00Z"},
                         {"energy_consumed_kwh", 0.25},
                         {"energy_produced_kwh", 0},
                         {"voltage", 260}},
                        admin);
  REQUIRE_MESSAGE(reading.status == 201, reading.body);
  auto alerts = north.of("alert");
  REQUIRE(alerts.size() == 1);
  CHECK(str(alerts[0].at("event")) == "raised");
  CHECK(str(alerts[0].at("data").at("meter_id")) == "SM_ADA_001");
  CHECK(str(alerts[0].at("data").at("region")) == "north");
  CHECK(south.of("alert").empty());
  // The owner hears of it as a notification (alerts go to the meter's owner).
  CHECK(consumer.of("notification").size() == 1);
}

TEST_CASE("live channel: a client that does not read is closed with 4429, its queue bounded") {
  segs::rest::options o = unlimited();
  o.live.max_queued_bytes = 2'000;
  fixture f(o);
  auto ada = f.signed_in("ada@example.org", "consumer");
  auto c = open(f, ada);
  c.drain();
  for (int i = 0; i < 20; ++i) {
    REQUIRE(f.post("/api/v1/notifications/test", json::object{}, ada).status == 201);
    CHECK(c.conn->queued_bytes() <= 2'000);
  }
  auto closed = c.drain();
  REQUIRE(closed.size() == 1);  // what waited was dropped with the client
  CHECK(closed[0].at("close") == 4429);
  CHECK(c.conn->queued_bytes() == 0);
  REQUIRE(f.post("/api/v1/notifications/test", json::object{}, ada).status == 201);
  CHECK(c.conn->queued_bytes() == 0);

  // Counted in /metrics, with the connections open now.
  auto metrics = f.get("/metrics").body;
  CHECK(metrics.find("segs_live_connections 1") != std::string::npos);
  CHECK(metrics.find("segs_live_slow_closed_total 0") != std::string::npos);  // c still exists
  c.conn.reset();
  metrics = f.get("/metrics").body;
  CHECK(metrics.find("segs_live_connections 0") != std::string::npos);
  CHECK(metrics.find("segs_live_slow_closed_total 1") != std::string::npos);
}

TEST_CASE("live channel: a plain GET of /api/v1/ws is told to upgrade") {
  fixture f;
  auto res = f.get("/api/v1/ws");
  CHECK(res.status == 400);
  CHECK(field_of(res) == "Upgrade");
}
