// Hysteresis, deduplication and time order (alerts.hpp's banner, issue 13
// section 1): a value oscillating around a limit raises one alert;
// clear_after normal readings resolve it automatically and a later
// occurrence opens a new one; repeats count occurrences and keep the worst
// severity; a late reading moves no count of a rule that is counting (and
// counts, at its time, on a rule at rest); a batch is evaluated in time
// order; and random sequences against the reference model (alerts_model.hpp).
#include "alerts/alerts_model.hpp"

#include <doctest/doctest.h>

#include <random>
#include <set>

using namespace segs_test;
using namespace std::chrono;
using segs::alert_severity;
using segs::alert_status;
using segs::alert_type;
using segs::timestamp;

namespace {

const timestamp t0 = at("2025-06-15T10:00:00Z");
timestamp t_(int i) { return t0 + minutes{5 * i}; }

}  // namespace

TEST_CASE("alerts: a voltage oscillating around its limit raises one alert, three normal readings resolve it, a later one opens another") {
  alerts_fixture f;
  f.meter("HY_V", "north");
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});
  // High, normal, high, ... high: 9 readings, 5 of them above 241.5 V.
  for (int i = 0; i < 9; ++i) f.send("HY_V", f.volts(t_(i), i % 2 == 0 ? 241'600 : 241'400));
  auto first = f.one("HY_V", alert_type::over_voltage);
  CHECK(f.of("HY_V").size() == 1);
  CHECK(first.status == alert_status::active);
  CHECK(first.occurrences == 5);
  CHECK(first.first_seen_at == t_(0));
  CHECK(first.last_seen_at == t_(8));
  CHECK(first.value.value == 241'600);
  CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.raised"});

  // Two normal readings leave it open, the third resolves it.
  f.send("HY_V", f.volts(t_(9), 230'000));
  f.send("HY_V", f.volts(t_(10), 230'000));
  CHECK(f.al().get(f.admin, first.id)->status == alert_status::active);
  CHECK(q.drain().empty());
  f.send("HY_V", f.volts(t_(11), 230'000));
  const auto done = f.al().get(f.admin, first.id);
  REQUIRE(done.has_value());
  CHECK(done->status == alert_status::resolved);
  CHECK(done->resolution == segs::alert_resolution::automatic);
  CHECK_FALSE(done->resolved_by.has_value());
  CHECK(done->resolved_at == t_(11));
  CHECK_FALSE(done->acknowledged_at.has_value());
  CHECK(done->occurrences == 5);
  const auto resolved = q.drain();
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].name() == "alerts.resolved");
  CHECK(resolved[0].region == "north");
  const auto* re = resolved[0].get<segs::alert_event>();
  REQUIRE(re != nullptr);
  CHECK(re->type == segs::alert_event::kind::resolved);
  CHECK(re->alert.id == first.id);
  CHECK(re->alert.status == alert_status::resolved);
  CHECK(re->alert.resolution == segs::alert_resolution::automatic);

  // Normal readings after it change nothing; the next high one opens a new alert.
  f.send("HY_V", f.volts(t_(12), 230'000));
  CHECK(q.drain().empty());
  f.send("HY_V", f.volts(t_(13), 241'600));
  const auto both = f.of("HY_V", alert_type::over_voltage);
  REQUIRE(both.size() == 2);
  CHECK(both[0].id != first.id);  // newest first
  CHECK(both[0].status == alert_status::active);
  CHECK(both[0].occurrences == 1);
  CHECK(both[0].first_seen_at == t_(13));
  CHECK(both[1].id == first.id);
  CHECK(both[1].status == alert_status::resolved);
  CHECK(both[1].occurrences == 5);
  CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.raised"});
}

TEST_CASE("alerts: low_power_factor needs 3 consecutive low readings, and clearing needs 3 consecutive normal ones") {
  alerts_fixture f;
  f.meter("HY_PF", "north");
  int i = 0;
  for (int round = 0; round < 4; ++round) {
    f.send("HY_PF", f.pf(t_(i++), 800));
    f.send("HY_PF", f.pf(t_(i++), 800));
    f.send("HY_PF", f.pf(t_(i++), 900));
  }
  CHECK(f.of("HY_PF").empty());
  f.send("HY_PF", f.pf(t_(i++), 800));
  f.send("HY_PF", f.pf(t_(i++), 800));
  CHECK(f.of("HY_PF").empty());
  const auto third = t_(i);
  f.send("HY_PF", f.pf(t_(i++), 800));
  auto a = f.one("HY_PF", alert_type::low_power_factor);
  CHECK(a.status == alert_status::active);
  CHECK(a.last_seen_at == third);
  CHECK(a.severity == alert_severity::warning);
  CHECK(a.threshold.value == 850);
  // Open: normal, normal, low (a repeat), normal, normal: still open.
  f.send("HY_PF", f.pf(t_(i++), 900));
  f.send("HY_PF", f.pf(t_(i++), 900));
  f.send("HY_PF", f.pf(t_(i++), 700));
  f.send("HY_PF", f.pf(t_(i++), 900));
  f.send("HY_PF", f.pf(t_(i++), 900));
  auto still = f.al().get(f.admin, a.id);
  REQUIRE(still.has_value());
  CHECK(still->status == alert_status::active);
  CHECK(still->occurrences == a.occurrences + 1);
  CHECK(still->value.value == 700);
  f.send("HY_PF", f.pf(t_(i++), 900));
  CHECK(f.al().get(f.admin, a.id)->status == alert_status::resolved);
  CHECK(f.of("HY_PF").size() == 1);
}

TEST_CASE("alerts: while open, repeats count occurrences and keep the worst severity, and a worse one publishes alerts.escalated") {
  alerts_fixture f;
  f.meter("DD_V", "north");
  f.meter("DD_U", "north");
  f.meter("DD_F", "north");
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});

  f.send("DD_V", f.volts(t_(0), 242'000));
  const auto a = f.one("DD_V", alert_type::over_voltage);
  CHECK(a.severity == alert_severity::warning);
  f.send("DD_V", f.volts(t_(1), 254'000));
  auto b = f.one("DD_V", alert_type::over_voltage);
  CHECK(b.id == a.id);
  CHECK(b.severity == alert_severity::critical);
  CHECK(b.occurrences == 2);
  CHECK(b.first_seen_at == t_(0));
  CHECK(b.last_seen_at == t_(1));
  CHECK(b.value.value == 254'000);
  auto evs = q.drain();
  REQUIRE(names_of(evs) == std::vector<std::string>{"alerts.raised", "alerts.escalated"});
  const auto* esc = evs[1].get<segs::alert_event>();
  REQUIRE(esc != nullptr);
  CHECK(esc->type == segs::alert_event::kind::escalated);
  CHECK(esc->alert.id == a.id);
  CHECK(esc->alert.severity == alert_severity::critical);
  CHECK(evs[0].get<segs::alert_event>()->alert.severity == alert_severity::warning);

  // A warning repeat: counted, the severity stays critical, nothing
  // published; value, threshold and message stay those of the latest
  // critical observation.
  f.send("DD_V", f.volts(t_(2), 242'000));
  auto c = f.one("DD_V", alert_type::over_voltage);
  CHECK(c.id == a.id);
  CHECK(c.severity == alert_severity::critical);
  CHECK(c.occurrences == 3);
  CHECK(c.last_seen_at == t_(2));
  CHECK(c.value.value == 254'000);
  CHECK(c.threshold.value == 253'000);
  CHECK(c.message.find("254") != std::string::npos);
  CHECK(q.drain().empty());
  // Another critical one does not escalate again, and is the value now.
  f.send("DD_V", f.volts(t_(3), 260'000));
  const auto d = f.one("DD_V", alert_type::over_voltage);
  CHECK(d.occurrences == 4);
  CHECK(d.value.value == 260'000);
  CHECK(d.message.find("260") != std::string::npos);
  CHECK(q.drain().empty());

  f.send("DD_U", f.volts(t_(0), 218'400));
  f.send("DD_U", f.volts(t_(1), 206'900));
  const auto u = f.one("DD_U", alert_type::under_voltage);
  CHECK(u.severity == alert_severity::critical);
  CHECK(u.occurrences == 2);
  CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.raised", "alerts.escalated"});

  // Deviations on both sides are one frequency_deviation.
  f.send("DD_F", f.hz(t_(0), 50'600));
  f.send("DD_F", f.hz(t_(1), 49'400));
  f.send("DD_F", f.hz(t_(2), 50'600));
  const auto fr = f.one("DD_F", alert_type::frequency_deviation);
  CHECK(fr.occurrences == 3);
  CHECK(fr.value.value == 50'600);
  CHECK(f.of("DD_F").size() == 1);
}

TEST_CASE("alerts: a subscriber of only escalations and resolutions receives those raised by readings") {
  alerts_fixture f;
  f.meter("EV_ONLY", "north");
  auto q = f.grid->events().queue(100, {.names = {"alerts.escalated", "alerts.resolved"}, .region = std::nullopt});
  f.send("EV_ONLY", f.volts(t_(0), 242'000));
  f.send("EV_ONLY", f.volts(t_(1), 254'000));
  for (int i = 2; i <= 4; ++i) f.send("EV_ONLY", f.volts(t_(i), 230'000));
  REQUIRE(f.one("EV_ONLY", alert_type::over_voltage).status == alert_status::resolved);
  CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.escalated", "alerts.resolved"});
}

TEST_CASE("alerts: a late reading moves no count of a rule that is counting, and counts at its time on a rule at rest") {
  alerts_fixture f;
  for (const char* s : {"LATE_PF", "LATE_OPEN", "LATE_REST"}) f.meter(s, "north");
  auto q = f.grid->events().queue(100, {.names = {"alerts."}, .region = std::nullopt});

  SUBCASE("an older normal reading does not break a run of low ones") {
    f.send("LATE_PF", f.pf(t_(2), 800));
    f.send("LATE_PF", f.pf(t_(3), 800));
    f.send("LATE_PF", f.pf(t_(1), 950));  // late
    CHECK(f.of("LATE_PF").empty());
    f.send("LATE_PF", f.pf(t_(4), 800));
    CHECK(f.one("LATE_PF", alert_type::low_power_factor).last_seen_at == t_(4));
  }
  SUBCASE("an older low reading does not complete a run") {
    f.send("LATE_PF", f.pf(t_(2), 800));
    f.send("LATE_PF", f.pf(t_(3), 800));
    f.send("LATE_PF", f.pf(t_(1), 800));  // late
    CHECK(f.of("LATE_PF").empty());
  }
  SUBCASE("an older reading that meets an open alert is an occurrence of it, and clears nothing") {
    f.send("LATE_OPEN", f.volts(t_(2), 242'000));
    const auto a = f.one("LATE_OPEN", alert_type::over_voltage);
    CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.raised"});
    f.send("LATE_OPEN", f.volts(t_(1), 260'000));  // late, critical: the condition did occur
    auto b = f.one("LATE_OPEN", alert_type::over_voltage);
    CHECK(b.id == a.id);
    CHECK(b.occurrences == 2);
    CHECK(b.severity == alert_severity::critical);
    CHECK(b.last_seen_at == t_(2));  // the newest occurrence stays the newest
    CHECK(b.value.value == 260'000);
    CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.escalated"});
    f.send("LATE_OPEN", f.volts(t_(3), 230'000));
    f.send("LATE_OPEN", f.volts(t_(4), 230'000));
    f.send("LATE_OPEN", f.volts(t_(2) + minutes{1}, 230'000));  // late, normal
    CHECK(f.al().get(f.admin, a.id)->status == alert_status::active);
    f.send("LATE_OPEN", f.volts(t_(5), 230'000));
    const auto done = f.al().get(f.admin, a.id);
    CHECK(done->status == alert_status::resolved);
    CHECK(done->resolved_at == t_(5));
  }
  SUBCASE("an older reading that meets a rule at rest raises an alert dated at its time") {
    for (int i = 1; i <= 10; ++i) f.send("LATE_REST", f.volts(t_(i), 230'000));
    const auto late = t_(5) + minutes{1};
    f.send("LATE_REST", f.volts(late, 260'000));  // late, critical
    const auto a = f.one("LATE_REST", alert_type::over_voltage);
    CHECK(a.first_seen_at == late);
    CHECK(a.last_seen_at == late);
    CHECK(a.severity == alert_severity::critical);
    CHECK(names_of(q.drain()) == std::vector<std::string>{"alerts.raised"});
    // The rule now counts from that reading: three newer normal ones clear it.
    f.send("LATE_REST", f.volts(t_(11), 230'000));
    f.send("LATE_REST", f.volts(t_(12), 230'000));
    CHECK(f.al().get(f.admin, a.id)->status == alert_status::active);
    f.send("LATE_REST", f.volts(t_(13), 230'000));
    const auto done = f.al().get(f.admin, a.id);
    CHECK(done->status == alert_status::resolved);
    CHECK(done->resolved_at == t_(13));
    // An older normal reading on a rule at rest changes nothing.
    f.send("LATE_REST", f.volts(t_(7) + minutes{1}, 230'000));
    CHECK(f.of("LATE_REST").size() == 1);
  }
}

TEST_CASE("alerts: a batch is evaluated in time order, whatever the order of its rows") {
  alerts_fixture f;
  f.meter("BATCH_PF", "north");
  f.meter("BATCH_V", "north");
  f.send_all({{"BATCH_PF", f.pf(t_(3), 800), {}}, {"BATCH_PF", f.pf(t_(1), 800), {}}, {"BATCH_PF", f.pf(t_(2), 800), {}}});
  const auto a = f.one("BATCH_PF", alert_type::low_power_factor);
  CHECK(a.last_seen_at == t_(3));

  f.send("BATCH_V", f.volts(t_(1), 242'000));
  const auto v = f.one("BATCH_V", alert_type::over_voltage);
  // Normal, normal, then high last in time: the high one is a repeat, the
  // alert stays open (in arrival order the high one would come first and
  // the three normal ones would clear it).
  f.send_all({{"BATCH_V", f.volts(t_(4), 243'000), {}},
              {"BATCH_V", f.volts(t_(2), 230'000), {}},
              {"BATCH_V", f.volts(t_(3), 230'000), {}}});
  auto open = f.al().get(f.admin, v.id);
  REQUIRE(open.has_value());
  CHECK(open->status == alert_status::active);
  CHECK(open->occurrences == 2);
  CHECK(open->last_seen_at == t_(4));
  CHECK(open->value.value == 243'000);
  // Two batches of rows in reverse order: three normal readings in time
  // order clear it.
  f.send_all({{"BATCH_V", f.volts(t_(7), 230'000), {}},
              {"BATCH_V", f.volts(t_(6), 230'000), {}},
              {"BATCH_V", f.volts(t_(5), 230'000), {}}});
  CHECK(f.al().get(f.admin, v.id)->status == alert_status::resolved);
}

TEST_CASE("alerts: random readings, late rows and batches raise and resolve what the reference model does") {
  for (unsigned seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    alerts_fixture f;
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const std::vector<std::string> serials{"RND_1", "RND_2"};
    std::map<std::string, amodel::meter> model;
    std::map<std::string, timestamp> newest;
    std::map<std::string, std::set<timestamp>> used;
    std::map<std::string, int> vregime, pregime;
    for (const auto& s : serials) {
      f.meter(s, "north");
      newest[s] = t0;
      vregime[s] = 0;
      pregime[s] = 0;
    }
    // Regimes persist for a while so runs (and their hysteresis) happen.
    const std::int64_t volts[5][3] = {{230'000, 241'500, 218'500},  // normal, at the limits
                                      {241'501, 245'000, 253'000},  // high
                                      {253'001, 260'000, 255'000},  // critical high
                                      {218'499, 210'000, 207'000},  // low
                                      {206'999, 190'000, 200'000}};  // critical low
    const std::int64_t pfs[2][3] = {{850, 900, 990}, {849, 700, 500}};
    auto next_reading = [&](const std::string& s, timestamp t) {
      if (pick(4) == 0) vregime[s] = pick(5);
      if (pick(4) == 0) pregime[s] = pick(2);
      auto r = alerts_fixture::plain(t);
      r.voltage = ml(volts[vregime[s]][pick(3)]);
      r.power_factor = ml(pfs[pregime[s]][pick(3)]);
      return r;
    };
    auto new_time = [&](const std::string& s) {
      newest[s] += minutes{5};
      used[s].insert(newest[s]);
      return newest[s];
    };
    auto late_time = [&](const std::string& s) -> std::optional<timestamp> {
      for (int tries = 0; tries < 10; ++tries) {
        const auto t = newest[s] - seconds{1 + pick(3'600)};
        if (t > t0 && !used[s].count(t)) {
          used[s].insert(t);
          return t;
        }
      }
      return std::nullopt;
    };
    for (int step = 0; step < 120; ++step) {
      const auto& s = serials[static_cast<std::size_t>(pick(2))];
      const int kind = pick(20);
      if (kind < 14) {
        const auto r = next_reading(s, new_time(s));
        f.send(s, r);
        model[s].reading(r);
      } else if (kind < 17) {
        if (auto t = late_time(s)) {
          const auto r = next_reading(s, *t);
          f.send(s, r);
          model[s].reading(r);
        }
      } else {
        std::vector<segs::meter_reading> rows;
        std::map<std::string, std::vector<segs::reading>> per_meter;
        const int n = 2 + pick(3);
        for (int k = 0; k < n; ++k) {
          const auto& m = serials[static_cast<std::size_t>(pick(2))];
          std::optional<timestamp> t = pick(5) == 0 ? late_time(m) : std::optional<timestamp>(new_time(m));
          if (!t) continue;
          const auto r = next_reading(m, *t);
          rows.push_back({m, r, {}});
          per_meter[m].push_back(r);
        }
        std::shuffle(rows.begin(), rows.end(), rng);
        if (rows.empty()) continue;
        f.send_all(rows);
        for (auto& [m, rs] : per_meter) model[m].batch(rs);
      }
    }
    for (const auto& s : serials) amodel::check_meter(f, s, model[s]);
  }
}
