// Corrections are audited against the call's meter even when the call's
// first row is refused (the audit record used to name no meter then: it took
// the meter of row 0, which the checks had dropped).
#include "telemetry/telemetry_fixture.hpp"

using namespace segs_test;
using std::chrono::hours;
using std::chrono::minutes;

TEST_CASE("telemetry: replace audits the meter when its first row is refused") {
  telemetry_fixture f;
  const auto now = at("2025-06-15T12:00:00Z");
  f.clock->set(now);
  auto m = f.meter("SM_FIX_001", "north", &f.alice_user);
  REQUIRE(f.tel().submit(f.alice, "SM_FIX_001", f.reading_at(now - minutes{30}, 1000)));

  const std::vector<segs::reading> rows{
      f.reading_at(now + hours{1}, 5),          // refused: too far ahead of the clock
      f.reading_at(now - minutes{30}, 1500)};   // replaces the stored one
  auto rep = f.tel().replace(f.admin, "SM_FIX_001", rows, "meter swap");
  REQUIRE_MESSAGE(rep, (rep ? "" : rep.error().message));
  CHECK(rep->accepted == 1);
  REQUIRE(rep->rejected.size() == 1);
  CHECK(rep->rejected.front().index == 0);
  CHECK(rep->rejected.front().field == "time");

  segs::audit_query q;
  q.action = "meter.readings.replace";
  auto records = f.grid->audit().query(f.admin, q);
  REQUIRE(records);
  REQUIRE(records->items.size() == 1);
  CHECK(records->items.front().target_id == m.id.to_string());
}
