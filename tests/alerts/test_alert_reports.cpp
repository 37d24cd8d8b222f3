// Listings and reports (alerts.hpp, issue 13 section 3): list filters
// (status, severity, type, meter by serial or UUID, region, [from, to) on
// first_seen_at) and paging, newest first; the summary of open alerts;
// stats over a range with local dates of the caller's region; analytics.
#include "alerts/alerts_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using namespace std::chrono;
using segs::alert_severity;
using segs::alert_status;
using segs::alert_type;
using segs::errc;
using segs::timestamp;

namespace {

const timestamp t0 = at("2025-06-15T10:00:00Z");
timestamp t_(int i) { return t0 + minutes{5 * i}; }

std::vector<segs::uuid> ids_of(const std::vector<segs::alert>& v) {
  std::vector<segs::uuid> out;
  for (const auto& a : v) out.push_back(a.id);
  return out;
}

// Five alerts, one per 5 minutes (newest last):
//   [0] t_(0) REP_A (north, alice) over_voltage   warning   active
//   [1] t_(1) REP_A                under_voltage  critical  active
//   [2] t_(2) REP_B (north, bob)   frequency      warning   acknowledged
//   [3] t_(3) REP_S (south)        over_capacity  critical  resolved
//   [4] t_(4) REP_B                over_voltage   critical  active
struct listing {
  alerts_fixture f;
  segs::meter a_meter;
  std::vector<segs::alert> al;  // in raising order

  listing() {
    a_meter = f.meter("REP_A", "north", &f.alice_user);
    f.meter("REP_B", "north", &f.bob_user);
    f.meter("REP_S", "south");
    f.send("REP_A", f.volts(t_(0), 242'000));
    al.push_back(f.one("REP_A", alert_type::over_voltage));
    f.send("REP_A", f.volts(t_(1), 200'000));
    al.push_back(f.one("REP_A", alert_type::under_voltage));
    f.send("REP_B", f.hz(t_(2), 51'000));
    al.push_back(f.one("REP_B", alert_type::frequency_deviation));
    f.send("REP_S", f.kw(t_(3), 12'000));
    al.push_back(f.one("REP_S", alert_type::over_capacity));
    f.send("REP_B", f.volts(t_(4), 260'000));
    al.push_back(f.one("REP_B", alert_type::over_voltage));
    REQUIRE(f.al().acknowledge(f.admin, al[2].id).has_value());
    REQUIRE(f.al().resolve(f.admin, al[3].id).has_value());
  }

  std::vector<segs::uuid> want(std::initializer_list<int> newest_first) const {
    std::vector<segs::uuid> out;
    for (int i : newest_first) out.push_back(al[static_cast<std::size_t>(i)].id);
    return out;
  }
  std::vector<segs::uuid> got(const segs::alert_query& q, const segs::principal* who = nullptr) {
    return ids_of(f.all(who ? *who : f.admin, q));
  }
};

}  // namespace

TEST_CASE("alerts: list filters by status, severity, type, meter, region and first_seen_at, newest first") {
  listing l;
  using Q = segs::alert_query;
  CHECK(l.got({}) == l.want({4, 3, 2, 1, 0}));
  Q q;
  q.status = alert_status::active;
  CHECK(l.got(q) == l.want({4, 1, 0}));
  q.status = alert_status::acknowledged;
  CHECK(l.got(q) == l.want({2}));
  q.status = alert_status::resolved;
  CHECK(l.got(q) == l.want({3}));
  q = {};
  q.severity = alert_severity::critical;
  CHECK(l.got(q) == l.want({4, 3, 1}));
  q.severity = alert_severity::info;
  CHECK(l.got(q).empty());
  q = {};
  q.type = alert_type::over_voltage;
  CHECK(l.got(q) == l.want({4, 0}));
  q = {};
  q.meter = "REP_A";
  CHECK(l.got(q) == l.want({1, 0}));
  q.meter = l.a_meter.id.to_string();
  CHECK(l.got(q) == l.want({1, 0}));
  q = {};
  q.region = "south";
  CHECK(l.got(q) == l.want({3}));
  q.region = "north";
  CHECK(l.got(q) == l.want({4, 2, 1, 0}));
  q = {};
  q.from = t_(1);
  q.to = t_(3);
  CHECK(l.got(q) == l.want({2, 1}));  // [from, to)
  q.to.reset();
  CHECK(l.got(q) == l.want({4, 3, 2, 1}));
  q = {};
  q.type = alert_type::over_voltage;
  q.severity = alert_severity::critical;
  q.region = "north";
  q.status = alert_status::active;
  CHECK(l.got(q) == l.want({4}));
  // Filters within what the caller sees.
  q = {};
  q.type = alert_type::over_voltage;
  CHECK(l.got(q, &l.f.alice) == l.want({0}));
  CHECK(l.got(q, &l.f.op) == l.want({4, 0}));
}

TEST_CASE("alerts: list pages newest first and checks its paging") {
  listing l;
  segs::alert_query q;
  q.per_page = 2;
  std::vector<segs::uuid> seen;
  for (int p = 1; p <= 3; ++p) {
    q.page = p;
    auto page = l.f.al().list(l.f.admin, q);
    REQUIRE(page.has_value());
    CHECK(page->total == 5);
    CHECK(page->page == p);
    CHECK(page->per_page == 2);
    CHECK(page->total_pages() == 3);
    CHECK(page->items.size() == (p < 3 ? 2u : 1u));
    for (const auto& a : page->items) seen.push_back(a.id);
  }
  CHECK(seen == l.want({4, 3, 2, 1, 0}));
  q.page = 4;
  auto beyond = l.f.al().list(l.f.admin, q);
  REQUIRE(beyond.has_value());
  CHECK(beyond->items.empty());
  CHECK(beyond->total == 5);
  for (auto [page, per_page, field] : {std::tuple{0, 20, "page"}, std::tuple{1, 0, "per_page"},
                                       std::tuple{1, 101, "per_page"}}) {
    CAPTURE(page);
    CAPTURE(per_page);
    segs::alert_query bad;
    bad.page = page;
    bad.per_page = per_page;
    auto r = l.f.al().list(l.f.admin, bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::validation_error);
    CHECK(r.error().field == field);
  }
}

TEST_CASE("alerts: the summary counts the caller's open alerts by status, severity and type") {
  listing l;
  auto s = l.f.al().summary(l.f.admin);
  REQUIRE(s.has_value());
  CHECK(s->total_open == 4);
  CHECK(s->active == 3);
  CHECK(s->acknowledged == 1);
  CHECK(s->by_severity[static_cast<std::size_t>(alert_severity::info)] == 0);
  CHECK(s->by_severity[static_cast<std::size_t>(alert_severity::warning)] == 2);
  CHECK(s->by_severity[static_cast<std::size_t>(alert_severity::critical)] == 2);
  const std::map<alert_type, std::int64_t> types{{alert_type::over_voltage, 2},
                                                 {alert_type::under_voltage, 1},
                                                 {alert_type::frequency_deviation, 1}};
  CHECK(s->by_type == types);
  CHECK(s->oldest_open_at == t_(0));

  auto alice = l.f.al().summary(l.f.alice);
  REQUIRE(alice.has_value());
  CHECK(alice->total_open == 2);
  CHECK(alice->active == 2);
  CHECK(alice->acknowledged == 0);
  CHECK(alice->oldest_open_at == t_(0));
  auto bob = l.f.al().summary(l.f.bob);
  REQUIRE(bob.has_value());
  CHECK(bob->total_open == 2);
  CHECK(bob->acknowledged == 1);
  CHECK(bob->oldest_open_at == t_(2));
  auto south = l.f.al().summary(l.f.op_south);
  REQUIRE(south.has_value());
  CHECK(south->total_open == 0);
  CHECK(south->by_type.empty());
  CHECK_FALSE(south->oldest_open_at.has_value());

  REQUIRE(l.f.al().resolve(l.f.alice, l.al[0].id).has_value());
  auto after = l.f.al().summary(l.f.alice);
  CHECK(after->total_open == 1);
  CHECK(after->oldest_open_at == t_(1));
}

TEST_CASE("alerts: stats count raised, resolved and auto-resolved alerts per local day of the caller's region") {
  alerts_fixture f;
  f.meter("ST_B", "berlin");
  // A: raised 21:30Z (23:30 on the 15th in Berlin), acknowledged 10 minutes
  // later, resolved at 22:00Z (midnight: the 16th in Berlin).
  const auto a_at = at("2025-06-15T21:30:00Z");
  f.send("ST_B", f.volts(a_at, 245'000));
  const auto a = f.one("ST_B", alert_type::over_voltage);
  f.clock->set(a_at + minutes{10});
  REQUIRE(f.al().acknowledge(f.op_berlin, a.id).has_value());
  f.clock->set(a_at + minutes{30});
  REQUIRE(f.al().resolve(f.op_berlin, a.id).has_value());
  // B: raised 22:30Z (00:30 on the 16th), cleared by three normal readings by 22:45Z.
  const auto b_at = at("2025-06-15T22:30:00Z");
  f.send("ST_B", f.volts(b_at, 215'000));
  for (int i = 1; i <= 3; ++i) f.send("ST_B", f.volts(b_at + minutes{5 * i}, 230'000));
  const auto b = f.one("ST_B", alert_type::under_voltage);
  REQUIRE(b.status == alert_status::resolved);
  REQUIRE(b.resolved_at == b_at + minutes{15});

  // The Berlin operator: local days 15-17 June.
  const auto from = at("2025-06-14T22:00:00Z"), to = at("2025-06-17T22:00:00Z");
  auto s = f.al().stats(f.op_berlin, from, to);
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  CHECK(s->from == from);
  CHECK(s->to == to);
  CHECK(s->raised == 2);
  CHECK(s->resolved == 2);
  CHECK(s->auto_resolved == 1);
  REQUIRE(s->mean_time_to_acknowledge_s.has_value());
  CHECK(*s->mean_time_to_acknowledge_s == doctest::Approx(600.0));
  REQUIRE(s->mean_time_to_resolve_s.has_value());
  CHECK(*s->mean_time_to_resolve_s == doctest::Approx((1800.0 + 900.0) / 2));
  CHECK(s->time_zone == "Europe/Berlin");
  REQUIRE(s->per_day.size() == 3);
  CHECK(s->per_day[0].date == year{2025} / June / 15);
  CHECK(s->per_day[0].raised == 1);
  CHECK(s->per_day[0].resolved == 0);
  CHECK(s->per_day[1].date == year{2025} / June / 16);
  CHECK(s->per_day[1].raised == 1);
  CHECK(s->per_day[1].resolved == 2);
  CHECK(s->per_day[2].date == year{2025} / June / 17);
  CHECK(s->per_day[2].raised == 0);
  CHECK(s->per_day[2].resolved == 0);

  // The admin (north, UTC) sees the same alerts on UTC dates.
  auto u = f.al().stats(f.admin, at("2025-06-15T00:00:00Z"), at("2025-06-17T00:00:00Z"));
  REQUIRE(u.has_value());
  CHECK(u->time_zone == "UTC");
  CHECK(u->raised == 2);
  REQUIRE(u->per_day.size() == 2);
  CHECK(u->per_day[0].date == year{2025} / June / 15);
  CHECK(u->per_day[0].raised == 2);
  CHECK(u->per_day[0].resolved == 2);
  CHECK(u->per_day[1].raised == 0);

  // A range that holds only B's resolution.
  auto late = f.al().stats(f.op_berlin, at("2025-06-15T22:40:00Z"), to);
  REQUIRE(late.has_value());
  CHECK(late->raised == 0);
  CHECK(late->resolved == 1);
  CHECK(late->auto_resolved == 1);
  CHECK_FALSE(late->mean_time_to_acknowledge_s.has_value());

  // Nothing seen: zeros, no means.
  auto none = f.al().stats(f.op_south, from, to);
  REQUIRE(none.has_value());
  CHECK(none->raised == 0);
  CHECK_FALSE(none->mean_time_to_acknowledge_s.has_value());
  CHECK_FALSE(none->mean_time_to_resolve_s.has_value());

  // At most 366 days, from before to.
  CHECK_FALSE(f.al().stats(f.admin, from, from + days{367}).has_value());
  CHECK(f.al().stats(f.admin, from, from + days{366}).has_value());
  CHECK_FALSE(f.al().stats(f.admin, to, from).has_value());
}

TEST_CASE("alerts: analytics by type, severity, region and meter, for operators and admins") {
  listing l;
  auto& f = l.f;
  const auto from = t0 - hours{1}, to = t0 + hours{2};
  auto an = f.al().analytics(f.admin, from, to);
  REQUIRE_MESSAGE(an.has_value(), (an ? "" : an.error().message));
  CHECK(an->from == from);
  CHECK(an->to == to);
  const std::map<alert_type, std::int64_t> types{{alert_type::over_voltage, 2},
                                                 {alert_type::under_voltage, 1},
                                                 {alert_type::frequency_deviation, 1},
                                                 {alert_type::over_capacity, 1}};
  CHECK(an->by_type == types);
  CHECK(an->by_severity[static_cast<std::size_t>(alert_severity::warning)] == 2);
  CHECK(an->by_severity[static_cast<std::size_t>(alert_severity::critical)] == 3);
  const std::map<std::string, std::int64_t> regions{{"north", 4}, {"south", 1}};
  CHECK(an->by_region == regions);
  REQUIRE(an->top_meters.size() == 3);
  CHECK(an->top_meters[0].meter_id == "REP_A");  // 2, then by serial
  CHECK(an->top_meters[0].alerts == 2);
  CHECK(an->top_meters[1].meter_id == "REP_B");
  CHECK(an->top_meters[1].alerts == 2);
  CHECK(an->top_meters[2].meter_id == "REP_S");
  CHECK(an->top_meters[2].alerts == 1);
  CHECK(an->open_now == 4);

  auto south = f.al().analytics(f.admin, from, to, std::string_view("south"));
  REQUIRE(south.has_value());
  CHECK(south->by_region == std::map<std::string, std::int64_t>{{"south", 1}});
  CHECK(south->by_type == std::map<alert_type, std::int64_t>{{alert_type::over_capacity, 1}});
  CHECK(south->open_now == 0);
  REQUIRE(south->top_meters.size() == 1);

  auto op = f.al().analytics(f.op, from, to);
  REQUIRE(op.has_value());
  CHECK(op->by_region == std::map<std::string, std::int64_t>{{"north", 4}});
  CHECK(op->open_now == 4);
  auto op_south = f.al().analytics(f.op, from, to, std::string_view("south"));
  if (op_south) CHECK(op_south->by_region.empty());

  // Outside the range: nothing.
  auto before = f.al().analytics(f.admin, from - days{1}, from);
  REQUIRE(before.has_value());
  CHECK(before->by_type.empty());
  CHECK(before->top_meters.empty());
}

TEST_CASE("alerts: analytics lists at most 10 meters, most alerts first") {
  alerts_fixture f;
  for (int m = 0; m < 12; ++m) {
    const std::string serial = "TOP_" + std::string(m < 10 ? "0" : "") + std::to_string(m);
    f.meter(serial, "north");
    // Meter m raises (m % 3) + 1 alerts: over, under, frequency.
    auto r = f.volts(t_(m), 245'000);
    if (m % 3 >= 1) r.frequency = ml(51'000);
    if (m % 3 >= 2) r.power_factor = ml(100);
    f.send(serial, r);
    if (m % 3 >= 2) {
      f.send(serial, f.pf(t_(m) + seconds{1}, 100));
      f.send(serial, f.pf(t_(m) + seconds{2}, 100));
    }
  }
  auto an = f.al().analytics(f.admin, t0 - hours{1}, t0 + hours{2});
  REQUIRE(an.has_value());
  REQUIRE(an->top_meters.size() == 10);
  // Three each: 02, 05, 08, 11; two each: 01, 04, 07, 10; one: 00, 03.
  const std::vector<std::string> want{"TOP_02", "TOP_05", "TOP_08", "TOP_11", "TOP_01",
                                      "TOP_04", "TOP_07", "TOP_10", "TOP_00", "TOP_03"};
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(an->top_meters[i].meter_id == want[i]);
    CHECK(an->top_meters[i].alerts == (i < 4 ? 3 : i < 8 ? 2 : 1));
  }
}
