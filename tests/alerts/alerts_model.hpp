// A reference model of the instantaneous rules and their hysteresis, written
// from alerts.hpp's banner, issue 13 and docs/alerts.md, not from
// src/alerts: thresholds on voltage and power factor; counts that follow a
// meter's readings in time order (while a rule is counting or its alert is
// open, a reading not newer than the newest one it counted moves nothing; a
// rule at rest keeps nothing, so a late reading then counts at its time);
// an alert raised after `fire_after` consecutive readings that meet the
// condition; repeats while it is open (occurrences, last_seen_at, the worst
// severity, value of the latest observation at that severity); and an
// automatic resolution after `clear_after` consecutive readings that do not,
// at the clearing reading's time.
//
// An assumption the spec leaves to the model (stated so a failure can be
// judged): an alert is raised with occurrences 1 and first_seen_at /
// last_seen_at the time of the reading that raised it.
#pragma once

#include "alerts/alerts_fixture.hpp"

#include <segs/alerts.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace segs_test::amodel {

struct alert {
  segs::timestamp raised_at{};  // the reading that raised it
  segs::timestamp last_seen_at{};
  std::int64_t occurrences = 1;
  segs::alert_severity severity = segs::alert_severity::warning;
  segs::milli value;
  bool open = true;
  std::optional<segs::timestamp> resolved_at;
};

struct verdict {
  bool met = false;
  segs::alert_severity severity = segs::alert_severity::warning;
  segs::milli value;
};

/// One rule of one meter.
struct rule {
  rule(int fire, int clear) : fire_after(fire), clear_after(clear) {}
  int fire_after = 1;
  int clear_after = 3;
  std::int64_t meeting = 0;
  std::int64_t clearing = 0;
  std::optional<segs::timestamp> last;  // the newest observation counted, while not at rest
  std::vector<alert> alerts;

  [[nodiscard]] bool open() const { return !alerts.empty() && alerts.back().open; }

  void observe(segs::timestamp t, const verdict& v) {
    if (last && t <= *last) {
      // Late: no count moves, but meeting an open alert's condition is an
      // occurrence of it.
      if (open() && v.met) repeat(t, v);
      return;
    }
    last = t;
    step(t, v);
    if (meeting == 0 && clearing == 0) last.reset();  // at rest: nothing kept
  }

  void repeat(segs::timestamp t, const verdict& v) {
    auto& a = alerts.back();
    ++a.occurrences;
    a.last_seen_at = std::max(a.last_seen_at, t);
    if (static_cast<int>(v.severity) >= static_cast<int>(a.severity)) {
      a.severity = v.severity;
      a.value = v.value;
    }
  }

  void step(segs::timestamp t, const verdict& v) {
    if (v.met) {
      clearing = 0;
      ++meeting;
      if (open()) {
        repeat(t, v);
      } else if (meeting >= fire_after) {
        alerts.push_back({t, t, 1, v.severity, v.value, true, std::nullopt});
      }
      return;
    }
    meeting = 0;
    if (!open()) {
      clearing = 0;
      return;
    }
    if (++clearing >= clear_after) {
      clearing = 0;
      alerts.back().open = false;
      alerts.back().resolved_at = t;
    }
  }
};

/// The default thresholds at 230 V nominal.
inline verdict over_voltage(segs::milli v) {
  if (v.value > 253'000) return {true, segs::alert_severity::critical, v};
  return {v.value > 241'500, segs::alert_severity::warning, v};
}
inline verdict under_voltage(segs::milli v) {
  if (v.value < 207'000) return {true, segs::alert_severity::critical, v};
  return {v.value < 218'500, segs::alert_severity::warning, v};
}
inline verdict low_power_factor(segs::milli p) { return {p.value < 850, segs::alert_severity::warning, p}; }

/// A meter's voltage and power factor rules (defaults: fire_after 1 / 1 / 3).
struct meter {
  rule over{1, 3}, under{1, 3}, lpf{3, 3};

  /// One reading, observed by the rules whose value it carries.
  void reading(const segs::reading& r) {
    if (r.voltage) {
      over.observe(r.time, over_voltage(*r.voltage));
      under.observe(r.time, under_voltage(*r.voltage));
    }
    if (r.power_factor) lpf.observe(r.time, low_power_factor(*r.power_factor));
  }
  /// A batch: in time order.
  void batch(std::vector<segs::reading> rs) {
    std::sort(rs.begin(), rs.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    for (const auto& r : rs) reading(r);
  }
  [[nodiscard]] const rule& of(segs::alert_type t) const {
    return t == segs::alert_type::over_voltage ? over : t == segs::alert_type::under_voltage ? under : lpf;
  }
};

inline constexpr segs::alert_type modelled[] = {segs::alert_type::over_voltage, segs::alert_type::under_voltage,
                                                segs::alert_type::low_power_factor};

/// The alerts of the meter the library answers against the model's, each
/// type: count, status, resolution, occurrences, last_seen_at, severity,
/// value, resolved_at; first_seen_at where fire_after is 1.
inline void check_meter(alerts_fixture& f, const std::string& serial, const meter& m) {
  for (auto t : modelled) {
    INFO("meter " << serial << ", " << segs::to_string(t));
    auto got = f.of(serial, t);
    std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.last_seen_at < b.last_seen_at; });
    // By last_seen_at: a late reading on a rule at rest raises an alert
    // dated before alerts raised earlier.
    auto want = m.of(t).alerts;
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.last_seen_at < b.last_seen_at; });
    std::string listing;
    for (const auto& a : got) listing += text_of(a) + "; ";
    INFO("library: " << listing);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto& g = got[i];
      const auto& w = want[i];
      INFO("alert " << i << " raised by the reading at " << segs::to_rfc3339(w.raised_at));
      CHECK(g.status == (w.open ? segs::alert_status::active : segs::alert_status::resolved));
      CHECK(g.occurrences == w.occurrences);
      CHECK(g.last_seen_at == w.last_seen_at);
      CHECK(g.severity == w.severity);
      CHECK(g.value == w.value);
      CHECK(g.type == t);
      if (m.of(t).fire_after == 1) CHECK(g.first_seen_at == w.raised_at);
      if (!w.open) {
        CHECK(g.resolution == segs::alert_resolution::automatic);
        CHECK_FALSE(g.resolved_by.has_value());
        CHECK(g.resolved_at == w.resolved_at);
      } else {
        CHECK_FALSE(g.resolved_at.has_value());
      }
    }
  }
}

}  // namespace segs_test::amodel
