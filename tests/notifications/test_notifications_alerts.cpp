// Notifications (issue 16, section 1) from alerts and security events, the
// channels preferences choose, quiet hours in the recipient's local time,
// and one's history: filters, marks, the unread count, retention.
#include "alerts/alerts_fixture.hpp"
#include "notifications/notifications_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using namespace std::chrono;
using segs::errc;
using segs::notification_kind;
using segs::notification_severity;
using segs::timestamp;

namespace {

const timestamp t0 = at("2025-06-15T10:00:00Z");

void set_prefs(alerts_fixture& f, const segs::principal& who, void (*edit)(segs::notification_preferences&)) {
  auto p = f.grid->identity().preferences(who).value();
  edit(p);
  auto saved = f.grid->identity().set_preferences(who, p);
  REQUIRE_MESSAGE(saved.has_value(), (saved ? "" : saved.error().message));
}

}  // namespace

TEST_CASE("notifications: a warning reaches the meter's owner, a critical alert also the region's operators") {
  alerts_fixture f;
  f.meter("NT_1", "north", &f.alice_user);
  notification_mail(*f.grid);  // the accounts' own mail
  auto created = f.grid->events().queue(100, {.names = {"notifications.created"}, .region = std::nullopt});

  f.send("NT_1", f.volts(t0, 245'000));  // above 241.5 V: warning
  auto mine = notes_of(*f.grid, f.alice);
  REQUIRE(mine.size() == 1);
  const auto& raised = mine.front();
  CHECK(raised.kind == notification_kind::alert_raised);
  CHECK(raised.severity == notification_severity::warning);
  CHECK(raised.user_id == f.alice_user.id);
  CHECK(raised.title == "Over voltage on meter NT_1");
  CHECK(has(raised.body, "245"));
  const auto a = f.one("NT_1", segs::alert_type::over_voltage);
  CHECK(has(raised.data, "\"alert_id\":\"" + a.id.to_string() + "\""));
  CHECK(has(raised.data, "\"meter_id\":\"NT_1\""));
  CHECK(has(raised.data, "\"value\":245"));
  CHECK(raised.created_at == t0);
  CHECK_FALSE(raised.read_at.has_value());
  CHECK(raised.emailed);
  CHECK(notes_of(*f.grid, f.op).empty());  // a warning is the owner's

  auto mail = notification_mail(*f.grid);
  REQUIRE(mail.size() == 1);
  CHECK(mail[0].to == "alice@example.org");
  CHECK(mail[0].subject == raised.title);
  CHECK(mail[0].code.empty());

  auto evs = created.drain();
  REQUIRE(evs.size() == 1);
  const auto* ne = evs[0].get<segs::notification_event>();
  REQUIRE(ne);
  CHECK(ne->notification.id == raised.id);
  CHECK(ne->push);
  CHECK(evs[0].region == "north");

  // Worse: critical (above 253 V). The owner and north's operator hear of
  // it; the operators of south and berlin do not.
  f.send("NT_1", f.volts(t0 + minutes{5}, 254'000));
  mine = notes_of(*f.grid, f.alice);
  REQUIRE(kinds_of(mine) == std::vector{notification_kind::alert_escalated, notification_kind::alert_raised});
  CHECK(mine[0].severity == notification_severity::critical);
  CHECK(has(mine[0].title, "is now critical"));
  auto ops = notes_of(*f.grid, f.op);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == notification_kind::alert_escalated);
  CHECK(ops[0].data == mine[0].data);
  CHECK(notes_of(*f.grid, f.op_south).empty());
  CHECK(notes_of(*f.grid, f.op_berlin).empty());
  mail = notification_mail(*f.grid);
  REQUIRE(mail.size() == 2);
  CHECK(((mail[0].to == "alice@example.org" && mail[1].to == "op@example.org") ||
         (mail[1].to == "alice@example.org" && mail[0].to == "op@example.org")));

  // An operator resolves it: the owner and the operator are told (it was critical).
  auto resolved = f.al().resolve(f.op, a.id, "replaced the transformer tap");
  REQUIRE(resolved.has_value());
  mine = notes_of(*f.grid, f.alice);
  REQUIRE(mine.size() == 3);
  CHECK(mine[0].kind == notification_kind::alert_resolved);
  CHECK(mine[0].severity == notification_severity::info);
  CHECK(mine[0].body == "replaced the transformer tap");
  CHECK(notes_of(*f.grid, f.op).size() == 2);
}

TEST_CASE("notifications: preferences choose groups and channels, and a notification no channel allows is not made") {
  alerts_fixture f;
  f.meter("NT_2", "north", &f.alice_user);
  notification_mail(*f.grid);

  // Alerts in the app only.
  set_prefs(f, f.alice, [](segs::notification_preferences& p) { p.alerts_channels.email = false; });
  f.send("NT_2", f.volts(t0, 245'000));
  auto mine = notes_of(*f.grid, f.alice);
  REQUIRE(mine.size() == 1);
  CHECK_FALSE(mine[0].emailed);
  CHECK(notification_mail(*f.grid).empty());

  // Email only: no row in the history, a message in the outbox.
  set_prefs(f, f.alice, [](segs::notification_preferences& p) {
    p.alerts_channels = {.in_app = false, .email = true};
  });
  f.send("NT_2", f.volts(t0 + minutes{5}, 254'000));
  CHECK(notes_of(*f.grid, f.alice).size() == 1);
  auto mail = notification_mail(*f.grid);
  REQUIRE(mail.size() == 2);  // alice's, and the operator's (critical)
  const auto& hers = mail[0].to == "alice@example.org" ? mail[0] : mail[1];
  CHECK(hers.to == "alice@example.org");
  CHECK(has(hers.subject, "is now critical"));

  // The alerts group off: nothing at all; the email master switch off: no mail.
  set_prefs(f, f.alice, [](segs::notification_preferences& p) {
    p.alerts = false;
    p.alerts_channels = {};
  });
  f.meter("NT_3", "north", &f.alice_user);
  f.send("NT_3", f.volts(t0 + minutes{10}, 245'000));
  CHECK(f.of("NT_3").size() == 1);  // raised, and nobody told
  CHECK(notes_of(*f.grid, f.alice).size() == 1);
  CHECK(notification_mail(*f.grid).empty());

  // Stored as set, and read back.
  const auto p = f.grid->identity().preferences(f.alice).value();
  CHECK_FALSE(p.alerts);
  CHECK(p.alerts_channels.in_app);
  CHECK(p.alerts_channels.email);
  CHECK(p.trading_channels.in_app);
  CHECK_FALSE(p.trading_channels.email);  // the default: trading not by email
}

TEST_CASE("notifications: security notices cannot be switched off and always go by email") {
  alerts_fixture f;
  notification_mail(*f.grid);
  set_prefs(f, f.alice, [](segs::notification_preferences& p) {
    p.email = false;
    p.security = false;
    p.security_channels = {.in_app = false, .email = false};
    p.quiet_hours = segs::quiet_hours{0, 23 * 60 + 59};
  });
  const auto p = f.grid->identity().preferences(f.alice).value();
  CHECK(p.security);
  CHECK(p.security_channels.in_app);
  CHECK(p.security_channels.email);

  REQUIRE(f.grid->identity().change_password(f.alice, kPassword, "An0ther-Passw0rd!x"));
  auto mine = notes_of(*f.grid, f.alice);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].kind == notification_kind::password_changed);
  CHECK(mine[0].severity == notification_severity::critical);
  CHECK(mine[0].emailed);
  auto mail = notification_mail(*f.grid);
  REQUIRE(mail.size() == 1);
  CHECK(mail[0].subject == "Your password was changed");

  // A key made by the admin: the admin is told.
  segs::api_key_spec k;
  k.name = "ingest gateway";
  k.scopes = {std::string(segs::permission::telemetry_write)};
  auto key = f.grid->identity().create_api_key(f.admin, k);
  REQUIRE(key.has_value());
  auto admins = notes_of(*f.grid, f.admin);
  REQUIRE(admins.size() == 1);
  CHECK(admins[0].kind == notification_kind::api_key_created);
  CHECK(has(admins[0].body, "ingest gateway"));
  CHECK(has(admins[0].data, key->info.id.to_string()));

  // A refused change tells nobody.
  CHECK_FALSE(f.grid->identity().change_password(f.bob, "wrong password", "An0ther-Passw0rd!x"));
  CHECK(notes_of(*f.grid, f.bob).empty());
}

TEST_CASE("notifications: quiet hours hold back all but critical email, in the recipient's local time") {
  alerts_fixture f;
  notification_mail(*f.grid);
  // op_berlin lives in Europe/Berlin (UTC+2 in June); quiet 22:00-07:00 local.
  set_prefs(f, f.op_berlin, [](segs::notification_preferences& p) { p.quiet_hours = segs::quiet_hours{22 * 60, 7 * 60}; });
  auto& n = f.grid->notifications();

  f.clock->set(at("2025-06-15T19:30:00Z"));  // 21:30 in Berlin: not quiet
  auto before = n.send_test(f.op_berlin);
  REQUIRE(before.has_value());
  CHECK(before->emailed);

  f.clock->set(at("2025-06-15T20:30:00Z"));  // 22:30 in Berlin (20:30 in UTC): quiet
  auto quiet = n.send_test(f.op_berlin);
  REQUIRE(quiet.has_value());
  CHECK_FALSE(quiet->emailed);
  segs::test_notification urgent;
  urgent.severity = notification_severity::critical;
  auto critical = n.send_test(f.op_berlin, urgent);
  REQUIRE(critical.has_value());
  CHECK(critical->emailed);

  // The same instant is not quiet for a user in UTC with the same hours.
  set_prefs(f, f.alice, [](segs::notification_preferences& p) { p.quiet_hours = segs::quiet_hours{22 * 60, 7 * 60}; });
  auto utc = n.send_test(f.alice);
  REQUIRE(utc.has_value());
  CHECK(utc->emailed);

  f.clock->set(at("2025-06-16T05:30:00Z"));  // 07:30 in Berlin: over
  CHECK(n.send_test(f.op_berlin)->emailed);

  auto mail = notification_mail(*f.grid);
  CHECK(mail.size() == 4);

  // Quiet hours are validated, and equal ends mean none.
  auto p = f.grid->identity().preferences(f.alice).value();
  p.quiet_hours = segs::quiet_hours{24 * 60, 60};
  auto bad = f.grid->identity().set_preferences(f.alice, p);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::validation_error);
  CHECK(bad.error().field == "quiet_hours.start");
  p.quiet_hours = segs::quiet_hours{60, 60};
  CHECK_FALSE(f.grid->identity().set_preferences(f.alice, p)->quiet_hours.has_value());
}

TEST_CASE("notifications: history newest first, filters, marks, the unread count and retention") {
  alerts_fixture f;
  auto& n = f.grid->notifications();
  std::vector<segs::uuid> ids;
  for (int i = 0; i < 3; ++i) {
    f.clock->set(t0 + minutes{i});
    segs::test_notification t;
    t.title = "test " + std::to_string(i);
    auto made = n.send_test(f.alice, t);
    REQUIRE(made.has_value());
    CHECK(made->kind == notification_kind::test);
    CHECK(made->title == t.title);
    ids.push_back(made->id);
  }
  auto all = notes_of(*f.grid, f.alice);
  REQUIRE(all.size() == 3);
  CHECK(all[0].title == "test 2");
  CHECK(all[2].title == "test 0");
  CHECK(n.unread_count(f.alice).value() == 3);
  CHECK(n.unread_count(f.bob).value() == 0);

  // Paging: two a page.
  segs::notification_query q;
  q.per_page = 2;
  auto first = n.history(f.alice, q).value();
  CHECK(first.total == 3);
  CHECK(first.total_pages() == 2);
  REQUIRE(first.items.size() == 2);
  CHECK(first.items[0].id == ids[2]);

  // Marking one read, twice: the first time stays.
  f.clock->set(t0 + minutes{10});
  auto read = n.mark_read(f.alice, ids[0]);
  REQUIRE(read.has_value());
  CHECK(read->read_at == t0 + minutes{10});
  f.clock->set(t0 + minutes{11});
  CHECK(n.mark_read(f.alice, ids[0])->read_at == t0 + minutes{10});
  CHECK(n.unread_count(f.alice).value() == 2);
  segs::notification_query unread;
  unread.unread_only = true;
  auto left = notes_of(*f.grid, f.alice, unread);
  REQUIRE(left.size() == 2);
  CHECK(left[0].id == ids[2]);
  CHECK(left[1].id == ids[1]);
  segs::notification_query tests_only;
  tests_only.kind = notification_kind::test;
  CHECK(notes_of(*f.grid, f.alice, tests_only).size() == 3);
  segs::notification_query alerts_only;
  alerts_only.kind = notification_kind::alert_raised;
  CHECK(notes_of(*f.grid, f.alice, alerts_only).empty());

  // Someone else's: not found, and unchanged.
  auto theirs = n.mark_read(f.bob, ids[1]);
  REQUIRE_FALSE(theirs);
  CHECK(theirs.error().code == errc::not_found);
  CHECK(n.unread_count(f.alice).value() == 2);

  // Everything read.
  CHECK(n.mark_all_read(f.alice).value() == 2);
  CHECK(n.mark_all_read(f.alice).value() == 0);
  CHECK(n.unread_count(f.alice).value() == 0);

  // One more, unread; then 91 days on, due work removes the read ones only.
  REQUIRE(n.send_test(f.alice).has_value());
  f.clock->set(t0 + minutes{11} + days{91});
  auto due = f.grid->run_due_work().value();
  CHECK(due.notifications_removed == 3);
  f.alice = f.as("alice@example.org");  // its token expired meanwhile
  all = notes_of(*f.grid, f.alice);
  REQUIRE(all.size() == 1);
  CHECK_FALSE(all[0].read_at.has_value());
  CHECK(f.grid->run_due_work().value().notifications_removed == 0);
}

TEST_CASE("notifications: only a signed-in user has notifications, and paging and tests are validated") {
  alerts_fixture f;
  auto& n = f.grid->notifications();
  auto sys = n.history(segs::principal::system());
  REQUIRE_FALSE(sys);
  CHECK(sys.error().code == errc::forbidden);
  auto anon = n.unread_count(segs::principal::anonymous());
  REQUIRE_FALSE(anon);
  CHECK(anon.error().code == errc::unauthorized);
  segs::notification_query q;
  q.per_page = 101;
  auto big = n.history(f.alice, q);
  REQUIRE_FALSE(big);
  CHECK(big.error().field == "per_page");
  segs::test_notification t;
  t.title = "";
  auto untitled = n.send_test(f.alice, t);
  REQUIRE_FALSE(untitled);
  CHECK(untitled.error().field == "title");
  CHECK(n.unread_count(f.alice).value() == 0);  // nothing partly written
}
