// The meter totals (get_meter, list_meters) and the region's top consumers are
// SQL sums of BIGINT columns, which PostgreSQL answers as NUMERIC: they used to
// fail there ("column 0 is real, expected integer") and pass on SQLite.
#include "telemetry/telemetry_fixture.hpp"

using namespace segs_test;
using std::chrono::minutes;

TEST_CASE("telemetry: meter totals and top consumers are integers of Wh on every backend") {
  telemetry_fixture f;
  const auto now = at("2025-06-15T12:00:00Z");
  f.clock->set(now);
  f.meter("SM_TOT_A", "north", &f.alice_user);
  f.meter("SM_TOT_B", "north", &f.bob_user);
  f.ingest({{"SM_TOT_A", f.reading_at(now - minutes{30}, 1250, 100), {}},
            {"SM_TOT_A", f.reading_at(now - minutes{15}, 750), {}},
            {"SM_TOT_B", f.reading_at(now - minutes{15}, 400, 50), {}}});

  auto a = f.tel().get_meter(f.alice, "SM_TOT_A");
  REQUIRE_MESSAGE(a, (a ? "" : a.error().message));
  CHECK(a->total_consumed.wh == 2000);
  CHECK(a->total_produced.wh == 100);
  REQUIRE(a->last_reading);
  CHECK(a->last_reading->time == now - minutes{15});

  auto listing = f.tel().list_meters(f.admin);
  REQUIRE_MESSAGE(listing, (listing ? "" : listing.error().message));
  CHECK(listing->meters.total == 2);

  auto top = f.tel().top_consumers(f.op, "north", {now - minutes{60}, now});
  REQUIRE_MESSAGE(top, (top ? "" : top.error().message));
  REQUIRE(top->size() == 2);
  CHECK((*top)[0].meter_id == "SM_TOT_A");
  CHECK((*top)[0].consumed.wh == 2000);
  CHECK((*top)[0].rank == 1);
  CHECK((*top)[1].meter_id == "SM_TOT_B");
  CHECK((*top)[1].consumed.wh == 400);
}
