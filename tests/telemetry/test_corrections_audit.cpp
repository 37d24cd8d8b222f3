// Corrections (replace) are audited against their meter, whichever rows the
// service refused.
#include "telemetry/telemetry_fixture.hpp"

using namespace segs_test;
using std::chrono::minutes;

TEST_CASE("telemetry: a correction whose first row is refused is still audited against its meter") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto m = f.meter("SM_FIX_001", "north", &f.alice_user);
  const auto t = at("2025-06-15T10:15:00Z");
  REQUIRE(f.tel().submit(f.alice, "SM_FIX_001", f.reading_at(t, 1000)));

  std::vector<segs::reading> fix{f.reading_at(at("2025-06-15T13:00:00Z"), 5),  // ahead of the clock
                                 f.reading_at(t, 2000)};
  auto rep = f.tel().replace(f.op, "SM_FIX_001", fix, "meter swapped");
  REQUIRE_MESSAGE(rep, rep.error().message);
  CHECK(rep->accepted == 1);
  REQUIRE(rep->rejected.size() == 1);
  CHECK(rep->rejected[0].index == 0);

  segs::audit_query q;
  q.action = "meter.readings.replace";
  auto logged = f.grid->audit().query(f.admin, q);
  REQUIRE_MESSAGE(logged, logged.error().message);
  REQUIRE(logged->items.size() == 1);
  CHECK(logged->items[0].target_id == m.id.to_string());
  CHECK(logged->items[0].details.find("SM_FIX_001") != std::string::npos);
}
