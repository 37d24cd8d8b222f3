// Notifications from billing (issue 16, section 1): an issued invoice, an
// overdue one and a resolved dispute reach the customer.
#include "billing/billing_fixture.hpp"
#include "notifications/notifications_fixture.hpp"

#include <doctest/doctest.h>

using namespace segs_test;
using segs::notification_kind;
using segs::notification_severity;

TEST_CASE("notifications: invoices issued and overdue, and a resolved dispute, reach the customer") {
  billing_fixture f;
  f.north_tariff(at("2025-06-01T00:00:00Z"));
  f.meter("ALICE-1", "north", &f.alice_user);
  f.meter("BOB-1", "north", &f.bob_user);
  f.clock->set(at("2025-07-01T06:00:00Z"));
  f.relogin();
  notification_mail(*f.grid);
  REQUIRE(f.bill().generate(f.op, "2025-06", "north").has_value());
  const auto a = f.invoice_of(f.alice, "2025-06");

  auto mine = notes_of(*f.grid, f.alice);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].kind == notification_kind::invoice_issued);
  CHECK(mine[0].severity == notification_severity::info);
  CHECK(mine[0].title == "Invoice " + a.number + " issued");
  CHECK(mine[0].body == "Your invoice for 2025-06 is 16.5; 16.5 is due.");
  CHECK(has(mine[0].data, "\"invoice_id\":\"" + a.id.to_string() + "\""));
  CHECK(has(mine[0].data, "\"total\":16.5"));
  CHECK(notes_of(*f.grid, f.bob).size() == 1);
  CHECK(notes_of(*f.grid, f.op).empty());
  CHECK(notification_mail(*f.grid).size() == 2);

  // Generating again makes no invoice, and tells nobody again.
  REQUIRE(f.bill().generate(f.op, "2025-06", "north").has_value());
  CHECK(notes_of(*f.grid, f.alice).size() == 1);

  // alice disputes; bob's goes overdue.
  REQUIRE(f.bill().dispute(f.alice, a.id, "the meter was replaced").has_value());
  f.clock->set(a.due_at + std::chrono::hours{24});
  f.relogin();
  REQUIRE(f.grid->run_due_work()->invoices_overdue == 1);
  // Due work also found both meters silent (meter_offline alerts): only the
  // invoices count here.
  segs::notification_query overdue;
  overdue.kind = notification_kind::invoice_overdue;
  auto bobs = notes_of(*f.grid, f.bob, overdue);
  REQUIRE(bobs.size() == 1);
  CHECK(bobs[0].severity == notification_severity::warning);
  CHECK(has(bobs[0].title, "is overdue"));
  CHECK(notes_of(*f.grid, f.alice, overdue).empty());  // disputed: not overdue

  segs::dispute_resolution r;
  r.outcome = segs::dispute_outcome::upheld;
  r.credit_amount = M("1.50");
  r.note = "meter swap confirmed";
  REQUIRE(f.bill().resolve_dispute(f.op, a.id, r).has_value());
  segs::notification_query resolved;
  resolved.kind = notification_kind::dispute_resolved;
  mine = notes_of(*f.grid, f.alice, resolved);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].title == "Your dispute of invoice " + a.number + " was upheld");
  CHECK(has(mine[0].data, "\"outcome\":\"upheld\""));
  CHECK(has(mine[0].data, "\"amount_due\":15"));
}
