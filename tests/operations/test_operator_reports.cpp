// Operators' dashboard, reports and users export (issue 16, section 3) on
// every backend, from real data: readings through telemetry's ingest,
// trades through the market, invoices and payments through billing (the
// analytics fixture's figures, analytics_fixture.hpp), alerts raised by
// readings (alerts_fixture.hpp).
#include "alerts/alerts_fixture.hpp"
#include "analytics/analytics_fixture.hpp"

#include <doctest/doctest.h>

#include <set>
#include <sstream>

using namespace segs_test;
using segs::energy;
using segs::errc;
using segs::milli;

namespace {

segs::operator_report_query report(const char* from, const char* to, const char* region = nullptr,
                                   segs::analytics_grouping g = segs::analytics_grouping::day) {
  segs::operator_report_query q;
  q.from = D(from);
  q.to = D(to);
  if (region) q.region = region;
  q.group_by = g;
  return q;
}

// The lines of a CSV text (CRLF line ends), without the empty last one.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find("\r\n", pos);
    REQUIRE(end != std::string::npos);
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

}  // namespace

TEST_CASE("operator reports: consumption per local day and month with peak load and reporting meters") {
  analytics_fixture f;
  f.readings();
  auto& ops = f.grid->operations();

  // Quarter-hours of north: 14th 10:00 (2500, 3000) and 18:00 (1000, 0);
  // 15th 12:00 (800, 200).
  const auto r = must(ops.consumption(f.op, report("2025-06-14", "2025-06-15")));
  CHECK(r.header.region == "north");
  CHECK(r.header.time_zone == "UTC");
  CHECK(r.header.group_by == segs::analytics_grouping::day);
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].period == "2025-06-14");
  CHECK(r.rows[0].start == at("2025-06-14T00:00:00Z"));
  CHECK(r.rows[0].end == at("2025-06-15T00:00:00Z"));
  CHECK(r.rows[0].consumed == energy{3500});
  CHECK(r.rows[0].produced == energy{3000});
  CHECK(r.rows[0].net == energy{500});
  REQUIRE(r.rows[0].peak_load_kw.has_value());
  CHECK(r.rows[0].peak_load_kw->value == 4000);  // 1 kWh net in the 18:00 quarter: 4 kW
  CHECK(r.rows[0].meters_reporting == 2);
  CHECK(r.rows[1].consumed == energy{800});
  CHECK(r.rows[1].produced == energy{200});
  CHECK(r.rows[1].net == energy{600});
  CHECK(r.rows[1].peak_load_kw->value == 2400);
  CHECK(r.rows[1].meters_reporting == 1);

  // By month, a day without readings has no peak.
  const auto m = must(ops.consumption(f.op, report("2025-06-01", "2025-06-16", nullptr, segs::analytics_grouping::month)));
  REQUIRE(m.rows.size() == 1);
  CHECK(m.rows[0].period == "2025-06");
  CHECK(m.rows[0].consumed == energy{4300});
  CHECK(m.rows[0].net == energy{1100});
  CHECK(m.rows[0].peak_load_kw->value == 4000);
  CHECK(m.rows[0].meters_reporting == 2);
  const auto empty = must(ops.consumption(f.op, report("2025-06-16", "2025-06-16")));
  REQUIRE(empty.rows.size() == 1);
  CHECK_FALSE(empty.rows[0].peak_load_kw.has_value());
  CHECK(empty.rows[0].meters_reporting == 0);

  // The admin names the region; the same figures.
  const auto a = must(ops.consumption(f.admin, report("2025-06-14", "2025-06-15", "north")));
  CHECK(a.rows[0].consumed == energy{3500});
}

TEST_CASE("operator reports: periods are local days of the region, across midnight in Berlin") {
  analytics_fixture f;
  f.meter("BERLIN-1", "berlin");
  // 22:00-22:15 UTC on the 14th is 00:00-00:15 on the 15th in Berlin (CEST).
  f.ingest({{"BERLIN-1", analytics_fixture::reading_at(at("2025-06-14T22:15:00Z"), 1500), {}},
            {"BERLIN-1", analytics_fixture::reading_at(at("2025-06-14T21:45:00Z"), 700), {}}});
  const auto r = must(f.grid->operations().consumption(f.admin, report("2025-06-14", "2025-06-15", "berlin")));
  CHECK(r.header.time_zone == "Europe/Berlin");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].start == at("2025-06-13T22:00:00Z"));
  CHECK(r.rows[0].consumed == energy{700});
  CHECK(r.rows[1].period == "2025-06-15");
  CHECK(r.rows[1].consumed == energy{1500});
}

TEST_CASE("operator reports: revenue per day and month from invoices, payments and trades") {
  analytics_fixture f;
  f.readings();
  f.trades();
  const auto [inv, bob_inv] = f.june_invoices();
  auto& ops = f.grid->operations();

  const auto r = must(ops.revenue(f.op, report("2025-06-15", "2025-07-01")));
  REQUIRE(r.rows.size() == 17);
  CHECK(r.header.currency == "EUR");
  // 15 June: 3 kWh traded, a 0.01 fee per kWh on each side.
  CHECK(r.rows[0].period == "2025-06-15");
  CHECK(r.rows[0].p2p_volume == energy{3000});
  CHECK(r.rows[0].market_fees == M("0.06"));
  CHECK(r.rows[0].invoiced == M("0"));
  // 1 July: both invoices issued, alice paid 10.00.
  CHECK(r.rows[16].period == "2025-07-01");
  CHECK(r.rows[16].invoiced == inv.total + bob_inv.total);
  CHECK(r.rows[16].collected == M("10.00"));
  CHECK(r.rows[16].outstanding == inv.total + bob_inv.total - M("10.00"));
  CHECK(r.rows[16].p2p_volume == energy{0});

  const auto m = must(ops.revenue(f.admin, report("2025-06-01", "2025-07-31", "north", segs::analytics_grouping::month)));
  REQUIRE(m.rows.size() == 2);
  CHECK(m.rows[0].period == "2025-06");
  CHECK(m.rows[0].p2p_volume == energy{3000});
  CHECK(m.rows[0].invoiced == M("0"));
  CHECK(m.rows[1].period == "2025-07");
  CHECK(m.rows[1].collected == M("10.00"));
  CHECK(m.rows[1].market_fees == M("0"));
}

TEST_CASE("operator reports: who may read them, and errors naming the field") {
  analytics_fixture f;
  f.made("carol@example.org", "operator", "south");
  const auto op_south = f.as("carol@example.org");
  auto& ops = f.grid->operations();
  const auto q = report("2025-06-14", "2025-06-15", "north");

  refused(ops.consumption(segs::principal::anonymous(), q), errc::unauthorized);
  refused(ops.consumption(f.alice, q), errc::forbidden);
  refused(ops.revenue(f.bob, q), errc::forbidden);
  refused(ops.dashboard(f.alice), errc::forbidden);
  refused(ops.consumption(op_south, q), errc::forbidden, "region");
  refused(ops.revenue(op_south, q), errc::forbidden, "region");
  refused(ops.dashboard(op_south, std::string("north")), errc::forbidden, "region");

  refused(ops.consumption(f.op, report("2025-06-15", "2025-06-14")), errc::validation_error, "from");
  refused(ops.revenue(f.op, report("2024-01-01", "2025-06-14")), errc::validation_error, "to");
  refused(ops.consumption(f.admin, report("2025-06-14", "2025-06-15", "atlantis")), errc::validation_error, "region");
  refused(ops.dashboard(f.admin, std::string("atlantis")), errc::validation_error, "region");
  refused(ops.consumption(f.admin, report("2025-06-14", "2025-06-15")), errc::validation_error, "region");
  refused(ops.consumption(f.op, report("2025-06-14", "2025-06-15", nullptr, static_cast<segs::analytics_grouping>(7))),
          errc::validation_error, "group_by");
}

TEST_CASE("operator dashboard: users, meters, load, today's energy, alerts, invoices and the market") {
  alerts_fixture f;
  auto& ops = f.grid->operations();
  // The fixture's clock stands at midnight, 14 June; a reading stamped then
  // is the energy of the quarter-hour ending then (yesterday's last). Ten
  // minutes on, a reading's quarter-hour is today's first.
  f.clock->set(f.clock->now() + std::chrono::minutes{10});
  const auto now = f.clock->now();
  f.meter("DASH_1", "north", &f.alice_user);
  f.meter("DASH_2", "north", &f.bob_user);
  f.meter("DASH_3", "south");
  // Two readings in the last 15 minutes with power (one exporting), one
  // older; DASH_1's voltage opens an alert.
  auto r1 = alerts_fixture::volts(now, 260'000);
  r1.power_kw = milli{2'500};
  r1.consumed = energy{600};
  auto r2 = alerts_fixture::reading_at(now, 100, 900);
  r2.power_kw = milli{-1'200};
  f.ingest({{"DASH_1", r1, {}}, {"DASH_2", r2, {}}});
  REQUIRE(f.id().suspend_user(f.admin, f.bob_user.id, "audit").has_value());

  const auto d = must(ops.dashboard(f.op));
  CHECK(d.regions == std::vector<std::string>{"north"});
  CHECK(d.as_of == f.clock->now());
  CHECK(d.users.total >= 3);
  CHECK(d.users.suspended == 1);
  CHECK(d.users.active == d.users.total - 1);
  CHECK(d.meters.total == 2);
  CHECK(d.meters.active == 2);
  CHECK(d.meters.reporting_last_15m == 2);
  CHECK(d.load_kw.value == 2'500);  // the consuming meter only
  CHECK(d.consumption_today.wh == 700);
  CHECK(d.alerts_open.info + d.alerts_open.warning + d.alerts_open.critical == 1);
  CHECK(d.currency == "EUR");
  CHECK(d.invoices.outstanding == segs::money{});
  CHECK(d.invoices.overdue_count == 0);
  CHECK(d.market.open_orders == 0);
  CHECK_FALSE(d.market.last_price.has_value());

  // The admin covers every region; one region narrows it.
  const auto all = must(ops.dashboard(f.admin));
  CHECK(std::find(all.regions.begin(), all.regions.end(), "south") != all.regions.end());
  CHECK(all.meters.total == 3);
  const auto south = must(ops.dashboard(f.admin, std::string("south")));
  CHECK(south.regions == std::vector<std::string>{"south"});
  CHECK(south.meters.total == 1);
  CHECK(south.meters.reporting_last_15m == 0);
  CHECK(south.alerts_open.warning + south.alerts_open.critical == 0);
}

TEST_CASE("operator dashboard: invoices outstanding and overdue, open orders and the last price") {
  analytics_fixture f;
  f.readings();
  f.trades();
  const auto [inv, bob_inv] = f.june_invoices();
  auto& ops = f.grid->operations();

  auto d = must(ops.dashboard(f.op));
  CHECK(d.invoices.outstanding == inv.total + bob_inv.total - M("10.00"));
  CHECK(d.invoices.overdue_count == 0);
  CHECK(d.market.last_price == M("0.22"));  // the 17:00 trade executed last
  CHECK(d.market.volume_today == energy{0});

  // The day after the due date both invoices are overdue.
  f.clock->set(std::chrono::floor<std::chrono::days>(inv.due_at) + std::chrono::days{1} + std::chrono::hours{6});
  f.relogin();
  d = must(ops.dashboard(f.op));
  CHECK(d.invoices.overdue_count == 2);
  CHECK(d.invoices.overdue_amount == inv.total + bob_inv.total - M("10.00"));

  // Today's market: an order resting for a slot later today.
  const auto slot = f.clock->now() + std::chrono::hours{2};  // 08:00 UTC, today in north
  f.order(f.bob, segs::order_side::sell, 1000, "0.25", slot);
  f.order(f.alice, segs::order_side::buy, 400, "0.25", slot);
  f.order(f.alice, segs::order_side::buy, 300, "0.10", slot);
  d = must(ops.dashboard(f.op));
  CHECK(d.market.open_orders == 2);  // bob's rest, alice's low bid
  CHECK(d.market.volume_today == energy{400});
  CHECK(d.market.last_price == M("0.25"));
}

TEST_CASE("operator export: every user of the scope once, in id order, a page at a time") {
  analytics_fixture f;
  constexpr int extra = 250;
  for (int i = 0; i < extra; ++i) {
    f.made("user" + std::to_string(i) + "@example.org", "consumer", i % 5 == 0 ? "south" : "north");
  }
  auto& ops = f.grid->operations();

  auto collect = [&](const segs::principal& who, int limit) {
    std::vector<std::string> ids;
    std::string after;
    bool header = false;
    for (int pages = 0;; ++pages) {
      REQUIRE(pages < 1000);
      const auto p = must(ops.export_users_page(who, after, limit));
      auto lines = lines_of(p.text);
      if (after.empty()) {
        REQUIRE_FALSE(lines.empty());
        CHECK(lines.front() == "id,email,username,name,role,region,department,status,created_at,last_login_at");
        lines.erase(lines.begin());
        header = true;
      }
      CHECK(static_cast<std::int64_t>(lines.size()) == p.rows);
      CHECK(p.rows <= limit);
      for (const auto& l : lines) ids.push_back(l.substr(0, l.find(',')));
      if (p.done) break;
      after = p.next_after;
    }
    CHECK(header);
    return ids;
  };

  const auto all = collect(f.admin, 37);
  CHECK(all.size() == 4 + extra);  // admin, op, alice, bob and the extra users
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  CHECK(std::is_sorted(all.begin(), all.end()));
  const auto whole = collect(f.admin, 10'000);
  CHECK(whole == all);

  // The operator of north: north's users only.
  const auto north = collect(f.op, 50);
  CHECK(north.size() == 4 + extra - extra / 5);

  refused(ops.export_users_page(f.alice), errc::forbidden);
  refused(ops.export_users_page(segs::principal::anonymous()), errc::unauthorized);
  refused(ops.export_users_page(f.admin, {}, 0), errc::validation_error, "limit");
  refused(ops.export_users_page(f.admin, "not-an-id"), errc::validation_error, "after");
}

TEST_CASE("operator export: cells are quoted and guarded against formulas") {
  analytics_fixture f;
  segs::profile_update up;
  up.name = "=HYPERLINK(\"http://x\",\"a, b\")";
  REQUIRE(f.id().update_profile(f.alice, up).has_value());
  const auto p = must(f.grid->operations().export_users_page(f.admin));
  const auto line = p.text.find(f.alice_user.id.to_string());
  REQUIRE(line != std::string::npos);
  const auto text = p.text.substr(line, p.text.find("\r\n", line) - line);
  CHECK(text.find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"a, b\"\")\",") != std::string::npos);
  CHECK(text.find(",consumer,north,Engineering,active,") != std::string::npos);
}
