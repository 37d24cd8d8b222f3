// The notifications' pure rules: which channels a notification goes by
// (preferences, group, severity, quiet hours), and what events make.
#include "notifications/compose.hpp"
#include "notifications/delivery.hpp"

#include <doctest/doctest.h>

using segs::notification_group;
using segs::notification_kind;
using segs::notification_severity;
namespace notify = segs::detail::notify;

TEST_CASE("notification rules: quiet hours, in one day or across midnight") {
  const segs::quiet_hours night{22 * 60, 7 * 60};
  CHECK(notify::quiet_at(night, 22 * 60));
  CHECK(notify::quiet_at(night, 23 * 60 + 59));
  CHECK(notify::quiet_at(night, 0));
  CHECK(notify::quiet_at(night, 7 * 60 - 1));
  CHECK_FALSE(notify::quiet_at(night, 7 * 60));
  CHECK_FALSE(notify::quiet_at(night, 21 * 60 + 59));
  const segs::quiet_hours lunch{12 * 60, 13 * 60};
  CHECK(notify::quiet_at(lunch, 12 * 60 + 30));
  CHECK_FALSE(notify::quiet_at(lunch, 13 * 60));
  CHECK_FALSE(notify::quiet_at(lunch, 11 * 60));
  CHECK_FALSE(notify::quiet_at(segs::quiet_hours{600, 600}, 600));  // empty window
}

TEST_CASE("notification rules: groups, channels, master switches and severity") {
  segs::notification_preferences p;
  auto c = notify::route(p, notification_group::alerts, notification_severity::warning, 600);
  CHECK(c.in_app);
  CHECK(c.email);
  CHECK(c.push);
  c = notify::route(p, notification_group::trading, notification_severity::info, 600);
  CHECK(c.in_app);
  CHECK_FALSE(c.email);  // trading by email is off by default

  p.push = false;
  CHECK_FALSE(notify::route(p, notification_group::alerts, notification_severity::info, 600).push);
  p.email = false;  // the master switch
  CHECK_FALSE(notify::route(p, notification_group::billing, notification_severity::critical, 600).email);
  p.email = true;
  p.billing = false;  // the group switch
  CHECK_FALSE(notify::route(p, notification_group::billing, notification_severity::critical, 600).any());
  p.billing = true;
  p.billing_channels = {.in_app = false, .email = true};
  c = notify::route(p, notification_group::billing, notification_severity::info, 600);
  CHECK_FALSE(c.in_app);
  CHECK(c.email);

  p.quiet_hours = segs::quiet_hours{540, 660};  // 09:00-11:00
  CHECK_FALSE(notify::route(p, notification_group::billing, notification_severity::warning, 600).email);
  CHECK(notify::route(p, notification_group::billing, notification_severity::critical, 600).email);
  CHECK(notify::route(p, notification_group::billing, notification_severity::warning, 700).email);

  // Security: whatever the switches say.
  segs::notification_preferences off;
  off.email = false;
  off.security = false;
  off.security_channels = {false, false};
  c = notify::route(off, notification_group::security, notification_severity::critical, 600);
  CHECK(c.in_app);
  CHECK(c.email);
  // A test: in the app always, by email per the master switch.
  c = notify::route(off, std::nullopt, notification_severity::info, 600);
  CHECK(c.in_app);
  CHECK_FALSE(c.email);
}

TEST_CASE("notification rules: a market call's fills, expiries and resting orders") {
  auto order_event = [](segs::uuid id, segs::order_status st, std::int64_t filled) {
    segs::order o;
    o.id = id;
    o.user_id = id;  // one trader per order, for the test
    o.region = "north";
    o.side = segs::order_side::buy;
    o.quantity = segs::energy{2000};
    o.filled = segs::energy{filled};
    o.remaining = segs::energy{2000 - filled};
    o.status = st;
    segs::market_event m;
    m.type = segs::market_event::kind::order;
    m.order_update = o;
    return segs::event{0, "north", m};
  };
  segs::uuid a, b, c;
  a.bytes[0] = 1;
  b.bytes[0] = 2;
  c.bytes[0] = 3;
  segs::market_event t;
  t.type = segs::market_event::kind::trade;
  t.trade = segs::public_trade{};
  t.trade->buy_order_id = a;
  t.trade->sell_order_id = b;
  const std::vector<segs::event> evs{order_event(a, segs::order_status::partially_filled, 500),
                                     order_event(c, segs::order_status::open, 0), {0, "north", t},
                                     order_event(b, segs::order_status::filled, 2000)};
  auto drafts = notify::compose(evs);
  REQUIRE(drafts.size() == 2);  // c rests: nothing
  CHECK(drafts[0].user == a);
  CHECK(drafts[0].kind == notification_kind::order_filled);
  CHECK(drafts[0].title == "Order partly filled: buy 0.5 kWh");
  CHECK(drafts[1].user == b);
  CHECK(drafts[1].title == "Order filled: buy 2 kWh");

  // Without the trade, a filled status alone (an amendment) tells nothing;
  // an expiry does.
  const std::vector<segs::event> later{order_event(b, segs::order_status::filled, 2000),
                                       order_event(c, segs::order_status::expired, 0)};
  drafts = notify::compose(later);
  REQUIRE(drafts.size() == 1);
  CHECK(drafts[0].kind == notification_kind::order_expired);
  CHECK(drafts[0].user == c);
  CHECK(drafts[0].data.find("\"filled_kwh\":0") != std::string::npos);
}

TEST_CASE("notification rules: the data object escapes text") {
  const auto text = notify::json_fields{}.text("note", "a \"quoted\"\nline").number("n", "1.5").integer("k", -2).str();
  CHECK(text == "{\"note\":\"a \\\"quoted\\\"\\nline\",\"n\":1.5,\"k\":-2}");
}
