// A region's time zone decides its meters' local days: changing the zone
// rebuilds the stored days from the quarter-hours, in the same transaction.
#include "telemetry/telemetry_fixture.hpp"

using namespace segs_test;
using std::chrono::minutes;

TEST_CASE("telemetry: changing a region's time zone rebuilds its meters' local days") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-17T00:00:00Z"));
  f.meter("SM_Z_1", "north");
  // 21:45-22:00Z and 22:00-22:15Z on 2025-06-15: the same UTC day, but in
  // Berlin (UTC+2) the second is 00:00-00:15 of 2025-06-16.
  std::vector<segs::meter_reading> rows{{"SM_Z_1", f.reading_at(at("2025-06-15T22:00:00Z"), 100), {}},
                                        {"SM_Z_1", f.reading_at(at("2025-06-15T22:15:00Z"), 20), {}}};
  REQUIRE(f.ingest(rows).accepted == 2);
  const segs::time_range june{at("2025-06-14T00:00:00Z"), at("2025-06-17T00:00:00Z")};

  auto utc = f.tel().daily(f.admin, "SM_Z_1", june).value();
  REQUIRE(utc.size() == 1);
  CHECK(utc[0].date == std::chrono::year{2025} / 6 / 15);
  CHECK(utc[0].consumed.wh == 120);

  segs::region_spec berlin;
  berlin.time_zone = "Europe/Berlin";
  REQUIRE(f.grid->regions().put(f.admin, "north", berlin));

  auto local = f.tel().daily(f.admin, "SM_Z_1", june).value();
  REQUIRE(local.size() == 2);
  CHECK(local[0].date == std::chrono::year{2025} / 6 / 15);
  CHECK(local[0].consumed.wh == 100);
  CHECK(local[1].date == std::chrono::year{2025} / 6 / 16);
  CHECK(local[1].consumed.wh == 20);
  auto days = f.tel().history(f.admin, "SM_Z_1", june, segs::bucket_width::day).value();
  REQUIRE(days.size() == 2);
  CHECK(days[1].start == at("2025-06-15T22:00:00Z"));
  CHECK(days[1].end == at("2025-06-16T22:00:00Z"));
  // Quarter-hours are untouched.
  CHECK(f.tel().history(f.admin, "SM_Z_1", june, segs::bucket_width::quarter_hour)->size() == 2);
}
