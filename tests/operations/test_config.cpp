// The runtime configuration (issue 16, section 3): typed settings, changed
// all or nothing, validated naming the key, audited with old and new values,
// in force at once (the capabilities read them), kept across a reopen,
// and reset to their defaults; admins only.
#include "alerts/alerts_fixture.hpp"

#include <segs/config.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace segs_test;
using segs::errc;
using segs::setting_value;

namespace {

std::optional<segs::setting> find(const std::vector<segs::setting>& all, std::string_view key) {
  for (const auto& s : all)
    if (s.key == key) return s;
  return std::nullopt;
}

using changes = std::vector<std::pair<std::string, std::optional<setting_value>>>;

}  // namespace

TEST_CASE("config: the library's settings with their defaults from the options") {
  alerts_fixture f;
  auto all = f.grid->config().list(f.admin);
  REQUIRE_MESSAGE(all.has_value(), (all ? "" : all.error().message));
  auto retention = find(*all, "notifications.retention_days");
  REQUIRE(retention);
  CHECK(retention->type == segs::setting_type::integer);
  CHECK(retention->value == setting_value{std::int64_t{90}});
  CHECK(retention->fallback == setting_value{std::int64_t{90}});
  CHECK_FALSE(retention->overridden);
  CHECK(retention->min == 1);
  CHECK(retention->max == 3650);
  auto evaluate = find(*all, "alerts.evaluate_readings");
  REQUIRE(evaluate);
  CHECK(evaluate->value == setting_value{true});
  CHECK(find(*all, "billing.generation_batch"));
  CHECK(std::is_sorted(all->begin(), all->end(),
                       [](const auto& a, const auto& b) { return a.key < b.key; }));

  // Admins only.
  CHECK(f.grid->config().list(f.op).error().code == errc::forbidden);
  CHECK(f.grid->config().list(segs::principal::anonymous()).error().code == errc::unauthorized);
  CHECK(f.grid->config().update(f.op, changes{{"notifications.retention_days", std::int64_t{5}}})
            .error().code == errc::forbidden);
}

TEST_CASE("config: a change is in force at once, audited with old and new, and can be reset") {
  alerts_fixture f;
  auto& cfg = f.grid->config();
  auto done = cfg.update(f.admin, changes{{"notifications.retention_days", std::int64_t{7}},
                                          {"alerts.evaluate_readings", false}});
  REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
  REQUIRE(done->size() == 2);
  CHECK(cfg.value("notifications.retention_days") == setting_value{std::int64_t{7}});
  auto s = find(*cfg.list(f.admin), "notifications.retention_days");
  CHECK(s->overridden);
  CHECK(s->updated_at == f.clock->now());
  CHECK(s->updated_by == f.admin.id);

  // In force: a reading beyond the voltage band raises nothing now...
  f.meter("CFG_1", "north", &f.alice_user);
  f.send("CFG_1", f.volts(at("2025-06-14T10:00:00Z"), 260'000));
  CHECK(f.al().list(f.admin)->total == 0);
  // ...and read notifications older than 7 days go at the next due work.
  REQUIRE(f.grid->notifications().send_test(f.alice).has_value());
  REQUIRE(f.grid->notifications().mark_all_read(f.alice).has_value());
  f.clock->advance(std::chrono::hours(24 * 8));
  auto report = f.grid->run_due_work();
  REQUIRE(report.has_value());
  CHECK(report->notifications_removed == 1);

  // Audited: one record per changed key, with old and new.
  segs::audit_query q;
  q.action = "config.update";
  q.per_page = 100;
  auto recs = f.grid->audit().query(f.admin, q);
  REQUIRE(recs.has_value());
  REQUIRE(recs->items.size() == 2);
  bool saw_retention = false;
  for (const auto& r : recs->items) {
    CHECK(r.actor_id == f.admin.id.to_string());
    if (r.target_id == "notifications.retention_days") {
      saw_retention = true;
      CHECK(r.details.find("\"old\":\"90\"") != std::string::npos);
      CHECK(r.details.find("\"new\":\"7\"") != std::string::npos);
    }
  }
  CHECK(saw_retention);

  // The same value again changes nothing and records nothing.
  auto again = cfg.update(f.admin, changes{{"notifications.retention_days", std::int64_t{7}}});
  REQUIRE(again.has_value());
  CHECK(again->empty());
  CHECK(f.grid->audit().query(f.admin, q)->items.size() == 2);

  // Reset: the default again, rules back on.
  auto reset = cfg.update(f.admin, changes{{"alerts.evaluate_readings", std::nullopt}});
  REQUIRE(reset.has_value());
  REQUIRE(reset->size() == 1);
  CHECK((*reset)[0].new_value == setting_value{true});
  CHECK_FALSE(find(*cfg.list(f.admin), "alerts.evaluate_readings")->overridden);
  f.send("CFG_1", f.volts(at("2025-06-14T10:15:00Z"), 260'000));
  segs::alert_query over;
  over.type = segs::alert_type::over_voltage;
  CHECK(f.al().list(f.admin, over)->total == 1);
}

TEST_CASE("config: bad changes name the key and change nothing") {
  alerts_fixture f;
  auto& cfg = f.grid->config();
  auto unknown = cfg.update(f.admin, changes{{"notifications.retention_days", std::int64_t{7}},
                                             {"market.colour", std::string("blue")},
                                             {"billing.speed", std::int64_t{3}}});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == errc::validation_error);
  CHECK(unknown.error().field == "market.colour");
  CHECK(unknown.error().message.find("market.colour, billing.speed") != std::string::npos);

  auto range = cfg.update(f.admin, changes{{"alerts.evaluate_readings", false},
                                           {"notifications.retention_days", std::int64_t{0}}});
  REQUIRE_FALSE(range.has_value());
  CHECK(range.error().field == "notifications.retention_days");
  auto type = cfg.update(f.admin, changes{{"alerts.evaluate_readings", std::int64_t{1}}});
  REQUIRE_FALSE(type.has_value());
  CHECK(type.error().field == "alerts.evaluate_readings");

  // Nothing of any of them was applied or stored.
  CHECK(cfg.value("notifications.retention_days") == setting_value{std::int64_t{90}});
  CHECK(cfg.value("alerts.evaluate_readings") == setting_value{true});
  segs::audit_query q;
  q.action = "config.update";
  CHECK(f.grid->audit().query(f.admin, q)->items.empty());
}

TEST_CASE("config: hosts define their own settings, and stored values outlive the grid") {
  alerts_fixture f;
  auto& cfg = f.grid->config();
  segs::setting_definition d{.key = "host.greeting",
                             .type = segs::setting_type::text,
                             .fallback = std::string("hello"),
                             .description = "what the host says",
                             .min = 0,
                             .max = 0,
                             .check = [](std::string_view v) -> std::string {
                               return v.size() <= 10 ? "" : "at most 10 characters";
                             }};
  REQUIRE(cfg.define(d).has_value());
  CHECK(cfg.define(d).has_value());  // again: the first stays
  CHECK(cfg.value("host.greeting") == setting_value{std::string("hello")});
  auto long_one = cfg.update(f.admin, changes{{"host.greeting", std::string("good morning to you")}});
  REQUIRE_FALSE(long_one.has_value());
  CHECK(long_one.error().field == "host.greeting");
  REQUIRE(cfg.update(f.admin, changes{{"host.greeting", std::string("hi")},
                                      {"notifications.retention_days", std::int64_t{30}}})
              .has_value());

  // Malformed definitions.
  auto bad_key = cfg.define({.key = "Greeting", .type = segs::setting_type::flag, .fallback = true,
                             .description = "", .min = 0, .max = 0, .check = {}});
  CHECK(bad_key.error().field == "key");
  auto bad_default = cfg.define({.key = "host.limit", .type = segs::setting_type::integer,
                                 .fallback = std::int64_t{50}, .description = "", .min = 1, .max = 10,
                                 .check = {}});
  CHECK(bad_default.error().field == "fallback");

  if (current_backend() == "sqlite-memory") return;  // a reopen sees another database
  f.grid.reset();
  f.grid = f.open();
  auto& again = f.grid->config();
  CHECK(again.value("notifications.retention_days") == setting_value{std::int64_t{30}});
  // A host's stored value waits for its definition, then is in force.
  CHECK_FALSE(again.value("host.greeting").has_value());
  REQUIRE(again.define(d).has_value());
  CHECK(again.value("host.greeting") == setting_value{std::string("hi")});
}
