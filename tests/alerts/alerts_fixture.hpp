// A grid with meters and the alerts over them: telemetry_fixture's regions
// and accounts (an admin, an operator of north, alice and bob in north), a
// region "us60" (120 V, 60 Hz, America/New_York), operators of south and
// berlin, and helpers that send readings with the clock following them.
//
// The helpers keep the manual clock at the newest reading's time (never
// moving it back), so an alert's times are the same whichever of the two a
// service takes: the reading's time or the clock's now.
#pragma once

#include "telemetry/telemetry_fixture.hpp"

#include <segs/segs.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace segs_test {

/// The clock's start: before every reading the tests send, so that the
/// clock can follow the readings (grid_fixture starts it at kStart, the
/// afternoon of 2025-06-15).
inline segs::timestamp alerts_epoch() { return segs::parse_rfc3339("2025-06-14T00:00:00Z").value(); }

inline void define_alert_regions(segs::options& o) {
  static_cast<segs::manual_clock&>(*o.clock).set(alerts_epoch());
  define_telemetry_regions(o);
  segs::region_spec s;
  s.time_zone = "America/New_York";
  s.currency = "USD";
  s.nominal_voltage_v = 120.0;
  s.nominal_frequency_hz = 60.0;
  o.regions.define.emplace("us60", s);
}

/// milli from thousandths: ml(241'501) is 241.501.
constexpr segs::milli ml(std::int64_t thousandths) { return segs::milli{thousandths}; }

inline std::string text_of(const segs::alert& a) {
  return std::string(segs::to_string(a.type)) + " on " + a.meter_id + " (" + std::string(segs::to_string(a.status)) +
         ", " + std::string(segs::to_string(a.severity)) + ", x" + std::to_string(a.occurrences) + ", last " +
         segs::to_rfc3339(a.last_seen_at) + ")";
}

struct alerts_fixture : telemetry_fixture {
  segs::principal op_south, op_berlin;
  segs::user op_south_user, op_berlin_user;

  alerts_fixture() : telemetry_fixture(&define_alert_regions) { more_accounts(); }
  explicit alerts_fixture(with_faults_t) : telemetry_fixture(with_faults) {
    clock->set(alerts_epoch());
    more_accounts();
  }

  void more_accounts() {
    op_south_user = made("op-south@example.org", "operator", "south");
    op_berlin_user = made("op-berlin@example.org", "operator", "berlin");
    op_south = as("op-south@example.org");
    op_berlin = as("op-berlin@example.org");
  }

  segs::alerts_service& al() { return grid->alerts(); }

  /// A reading at `t` carrying only energy (100 Wh).
  static segs::reading plain(segs::timestamp t) { return reading_at(t, 100); }
  static segs::reading volts(segs::timestamp t, std::int64_t mv) {
    auto r = plain(t);
    r.voltage = ml(mv);
    return r;
  }
  static segs::reading pf(segs::timestamp t, std::int64_t thousandths) {
    auto r = plain(t);
    r.power_factor = ml(thousandths);
    return r;
  }
  static segs::reading hz(segs::timestamp t, std::int64_t mhz) {
    auto r = plain(t);
    r.frequency = ml(mhz);
    return r;
  }
  static segs::reading kw(segs::timestamp t, std::int64_t w) {
    auto r = plain(t);
    r.power_kw = ml(w);
    return r;
  }
  static segs::reading peak(segs::timestamp t, std::int64_t w) {
    auto r = plain(t);
    r.peak_demand_kw = ml(w);
    return r;
  }

  /// Moves the clock forward to `t` (never back).
  void clock_to(segs::timestamp t) {
    if (clock->now() < t) clock->set(t);
  }

  /// Submits one reading as the system, the clock moved to its time first.
  segs::stored_reading send(const std::string& serial, const segs::reading& r) {
    clock_to(r.time);
    auto s = tel().submit(segs::principal::system(), serial, r);
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
    CHECK_FALSE(s->duplicate);
    return *s;
  }

  /// Ingests rows as the system, the clock moved to the newest row first;
  /// REQUIREs every row accepted.
  void send_all(const std::vector<segs::meter_reading>& rows) {
    for (const auto& row : rows) clock_to(row.values.time);
    auto rep = ingest(rows);
    REQUIRE(rep.accepted == static_cast<std::int64_t>(rows.size()));
  }

  /// Every alert `who` sees under `q` (all pages), newest first.
  std::vector<segs::alert> all(const segs::principal& who, segs::alert_query q = {}) {
    std::vector<segs::alert> out;
    q.per_page = 100;
    for (q.page = 1;; ++q.page) {
      auto p = al().list(who, q);
      REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().message));
      out.insert(out.end(), p->items.begin(), p->items.end());
      if (q.page >= p->total_pages()) break;
    }
    return out;
  }

  /// The alerts of one meter (the admin's view), optionally of one type.
  std::vector<segs::alert> of(const std::string& serial, std::optional<segs::alert_type> type = {}) {
    segs::alert_query q;
    q.meter = serial;
    q.type = type;
    return all(admin, q);
  }

  /// The one alert of `type` on the meter (REQUIRED to be exactly one).
  segs::alert one(const std::string& serial, segs::alert_type type) {
    auto v = of(serial, type);
    INFO("alerts of type " << segs::to_string(type) << " on " << serial);
    REQUIRE(v.size() == 1);
    return v.front();
  }

  /// The settings patch of one rule's fire_after / clear_after.
  static segs::alert_settings_patch rule_patch(segs::alert_type t, std::optional<int> fire_after,
                                               std::optional<int> clear_after = {},
                                               std::optional<bool> enabled = {}) {
    segs::alert_settings_patch p;
    p.rules[t] = {enabled, fire_after, clear_after};
    return p;
  }
};

inline std::vector<std::string> names_of(const std::vector<segs::event>& evs) {
  std::vector<std::string> out;
  for (const auto& e : evs) out.emplace_back(e.name());
  return out;
}

inline std::vector<segs::uuid> sorted(std::vector<segs::uuid> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// An id no alert has (a version-7 shape, arbitrary bits).
inline segs::uuid unknown_id(std::uint8_t salt = 1) {
  segs::uuid u;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = static_cast<std::uint8_t>(0x5A ^ (i * 17) ^ salt);
  u.bytes[6] = static_cast<std::uint8_t>(0x70 | (u.bytes[6] & 0x0F));
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

}  // namespace segs_test
