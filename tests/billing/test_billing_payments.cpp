// Billing (issue 15) on every backend: payments (partial, idempotent by
// key), disputes upheld with a credit note and rejected, voiding, overdue
// invoices found by due work, settings, and the CSV export parsed back.
#include "billing/billing_fixture.hpp"
#include "support/pdf_text.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace segs_test;
using segs::errc;
using segs::invoice_status;

namespace {

// alice and bob hold a meter of north since before June 2025; the tariff
// charges 0.50 a day and 10 % tax: each June invoice is 15.00 + 1.50.
struct invoiced : billing_fixture {
  segs::invoice a, b;
  invoiced() {
    north_tariff(at("2025-06-01T00:00:00Z"));
    meter("ALICE-1", "north", &alice_user);
    meter("BOB-1", "north", &bob_user);
    clock->set(at("2025-07-01T06:00:00Z"));
    relogin();
    REQUIRE(bill().generate(op, "2025-06", "north").has_value());
    a = invoice_of(alice, "2025-06");
    b = invoice_of(bob, "2025-06");
    REQUIRE(a.total == M("16.50"));
  }
  segs::payment_request req(const char* amount, const char* key = nullptr) {
    segs::payment_request r;
    if (amount) r.amount = M(amount);
    r.method = segs::payment_method::bank_transfer;
    if (key) r.idempotency_key = key;
    return r;
  }
};

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

}  // namespace

TEST_CASE("billing: partial and full payments, idempotent by key") {
  invoiced f;
  auto first = f.bill().pay(f.alice, f.a.id, f.req("6.50", "k-1"));
  REQUIRE_MESSAGE(first.has_value(), (first ? "" : first.error().message));
  CHECK_FALSE(first->replayed);
  CHECK(first->paid.amount == M("6.50"));
  CHECK(first->after.status == invoice_status::partially_paid);
  CHECK(first->after.amount_due == M("10.00"));

  // The same key and request: the first answer, nothing recorded.
  auto repeat = f.bill().pay(f.alice, f.a.id, f.req("6.50", "k-1"));
  REQUIRE(repeat.has_value());
  CHECK(repeat->replayed);
  CHECK(repeat->paid.id == first->paid.id);
  CHECK(repeat->after.amount_due == M("10.00"));
  CHECK(f.bill().get(f.alice, f.a.id)->amount_paid == M("6.50"));
  // The same key with another request is a conflict.
  auto other = f.bill().pay(f.alice, f.a.id, f.req("1.00", "k-1"));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == errc::conflict);

  // More than is due, not a minor unit, not positive: named.
  CHECK(f.bill().pay(f.alice, f.a.id, f.req("10.01")).error().field == "amount");
  CHECK(f.bill().pay(f.alice, f.a.id, f.req("1.005")).error().field == "amount");
  CHECK(f.bill().pay(f.alice, f.a.id, f.req("0")).error().field == "amount");
  // Someone else's invoice does not exist for bob; the operator may take a payment.
  CHECK(f.bill().pay(f.bob, f.a.id, f.req("1.00")).error().code == errc::not_found);

  // Without an amount: what is due.
  auto rest = f.bill().pay(f.op, f.a.id, f.req(nullptr));
  REQUIRE(rest.has_value());
  CHECK(rest->paid.amount == M("10.00"));
  CHECK(rest->after.status == invoice_status::paid);
  CHECK(rest->after.amount_due == segs::money{});
  CHECK(f.bill().pay(f.alice, f.a.id, f.req("1.00")).error().code == errc::conflict);  // paid

  auto history = f.bill().payments(f.alice);
  REQUIRE(history.has_value());
  CHECK(history->total == 2);
  CHECK(history->items.front().amount == M("10.00"));  // newest first
  CHECK(history->items.front().invoice_number == f.a.number);
}

TEST_CASE("billing: a dispute stops the overdue clock, upheld with a credit note or rejected") {
  invoiced f;
  auto d = f.bill().dispute(f.alice, f.a.id, "the meter was replaced on the 10th");
  REQUIRE_MESSAGE(d.has_value(), (d ? "" : d.error().message));
  CHECK(d->status == invoice_status::disputed);
  CHECK(f.bill().dispute(f.alice, f.a.id, "again").error().code == errc::conflict);
  CHECK(f.bill().dispute(f.alice, f.a.id, "").error().field == "reason");
  CHECK(f.bill().dispute(f.op, f.a.id, "not theirs").error().code == errc::forbidden);

  // Past the due date, due work leaves a disputed invoice alone...
  f.clock->set(f.a.due_at + std::chrono::hours{24});
  f.relogin();
  auto report = f.grid->run_due_work();
  REQUIRE(report.has_value());
  CHECK(report->invoices_overdue == 1);  // bob's
  CHECK(f.bill().get(f.alice, f.a.id)->status == invoice_status::disputed);
  CHECK(f.bill().get(f.bob, f.b.id)->status == invoice_status::overdue);
  // ... and a disputed invoice may still be paid.
  REQUIRE(f.bill().pay(f.alice, f.a.id, f.req("1.50")).has_value());

  segs::dispute_resolution r;
  r.outcome = segs::dispute_outcome::upheld;
  r.credit_amount = M("15.01");
  r.note = "a day was billed twice";
  CHECK(f.bill().resolve_dispute(f.alice, f.a.id, r).error().code == errc::forbidden);
  CHECK(f.bill().resolve_dispute(f.op, f.a.id, r).error().field == "credit_amount");  // more than the 15.00 due
  r.credit_amount = M("0.50");
  auto upheld = f.bill().resolve_dispute(f.op, f.a.id, r);
  REQUIRE_MESSAGE(upheld.has_value(), (upheld ? "" : upheld.error().message));
  REQUIRE(upheld->credit_notes.size() == 1);
  CHECK(upheld->credit_notes[0].amount == M("0.50"));
  CHECK(upheld->amount_due == M("14.50"));
  CHECK(upheld->status == invoice_status::partially_paid);  // the overdue clock starts again from here
  CHECK(f.bill().resolve_dispute(f.op, f.a.id, r).error().code == errc::conflict);  // not disputed

  auto again = f.grid->run_due_work();
  REQUIRE(again.has_value());
  CHECK(again->invoices_overdue == 1);
  CHECK(f.bill().get(f.alice, f.a.id)->status == invoice_status::overdue);

  // Bob's dispute, rejected: the status returns to what the payments make it.
  REQUIRE(f.bill().dispute(f.bob, f.b.id, "too high").has_value());
  segs::dispute_resolution no;
  no.outcome = segs::dispute_outcome::rejected;
  no.note = "the readings are right";
  auto rejected = f.bill().resolve_dispute(f.op, f.b.id, no);
  REQUIRE(rejected.has_value());
  CHECK(rejected->status == invoice_status::overdue);
  CHECK(rejected->credit_notes.empty());
  no.credit_amount = M("1.00");
  CHECK(f.bill().resolve_dispute(f.op, f.b.id, no).error().field == "credit_amount");

  auto late = f.bill().overdue(f.op, "north");
  REQUIRE(late.has_value());
  CHECK(late->total == 2);
  CHECK(late->items[0].days_overdue == 1);
}

TEST_CASE("billing: voiding, settings, analytics and the CSV export") {
  invoiced f;
  CHECK(f.bill().void_invoice(f.alice, f.b.id, "x").error().code == errc::not_found);
  auto v = f.bill().void_invoice(f.op, f.b.id, "billed to the wrong account");
  REQUIRE(v.has_value());
  CHECK(v->status == invoice_status::void_);
  CHECK(v->amount_due == segs::money{});
  CHECK(f.bill().void_invoice(f.op, f.b.id, "again").error().code == errc::conflict);
  CHECK(f.bill().pay(f.bob, f.b.id, f.req("1.00")).error().code == errc::conflict);
  REQUIRE(f.bill().pay(f.alice, f.a.id, f.req("6.50")).has_value());
  CHECK(f.bill().void_invoice(f.op, f.a.id, "has payments").error().code == errc::conflict);

  auto s = f.bill().settings(f.alice, "north");
  REQUIRE(s.has_value());
  CHECK(s->cycle_day == 1);
  CHECK(s->due_days == 14);
  CHECK_FALSE(s->auto_generate);
  segs::billing_settings_update u;
  u.cycle_day = 29;
  CHECK(f.bill().configure(f.admin, "north", u).error().field == "cycle_day");
  u.cycle_day = 5;
  CHECK(f.bill().configure(f.op, "north", u).error().code == errc::forbidden);
  auto changed = f.bill().configure(f.admin, "north", u);
  REQUIRE(changed.has_value());
  CHECK(changed->cycle_day == 5);
  CHECK(f.bill().settings(f.op, "north")->cycle_day == 5);

  auto an = f.bill().analytics(f.op, "north", "2025-06", "2025-06");
  REQUIRE_MESSAGE(an.has_value(), (an ? "" : an.error().message));
  CHECK(an->invoiced == M("16.50"));  // bob's void invoice left out
  CHECK(an->collected == M("6.50"));
  CHECK(an->outstanding == M("10.00"));
  CHECK(an->average_invoice == M("16.50"));
  REQUIRE(an->by_period.size() == 1);
  CHECK(an->by_period[0].period == "2025-06");

  std::string csv;
  auto rows = f.bill().export_csv(f.op, "north", "2025-06", [&](std::string_view chunk) {
    csv += chunk;
    return true;
  });
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().message));
  CHECK(*rows == 2);
  const auto parsed = parse_csv(csv);
  REQUIRE(parsed.size() == 3);
  CHECK(parsed[0] == std::vector<std::string>{"number", "user_id", "email", "region", "period", "issued_at", "due_at",
                                              "status", "subtotal", "tax", "total", "amount_paid", "amount_due"});
  CHECK(parsed[1][0] == f.a.number);
  CHECK(parsed[1][2] == "alice@example.org");
  CHECK(parsed[1][7] == "partially_paid");
  CHECK(parsed[1][10] == "16.50");
  CHECK(parsed[1][11] == "6.50");
  CHECK(parsed[1][12] == "10.00");
  CHECK(parsed[2][7] == "void");
  CHECK(parsed[2][12] == "0.00");
  CHECK(f.bill().export_csv(f.alice, "north", std::nullopt, [](std::string_view) { return true; }).error().code ==
        errc::forbidden);

  // Pulled a page of one invoice at a time: the same text.
  std::string pulled;
  std::string after;
  int pages = 0;
  for (;;) {
    auto page = f.bill().export_csv_page(f.op, "north", "2025-06", after, 1);
    REQUIRE(page.has_value());
    pulled += page->text;
    ++pages;
    if (page->done) break;
    after = page->next_after;
  }
  CHECK(pulled == csv);
  CHECK(pages == 3);  // two of one invoice, and an empty one that says done
  CHECK(f.bill().export_csv_page(f.op, "north", "2025-06", {}, 0).error().field == "limit");
}

TEST_CASE("billing: due work generates a region's invoices once its cycle ended, when enabled") {
  billing_fixture f;
  f.north_tariff(at("2025-06-01T00:00:00Z"));
  f.meter("ALICE-1", "north", &f.alice_user);
  segs::billing_settings_update u;
  u.auto_generate = true;
  REQUIRE(f.bill().configure(f.admin, "north", u).has_value());
  REQUIRE(f.grid->run_due_work()->invoices_generated == 0);  // June has not ended
  f.clock->set(at("2025-07-01T00:00:00Z"));
  f.relogin();
  auto r = f.grid->run_due_work();
  REQUIRE(r.has_value());
  CHECK(r->failures.empty());
  CHECK(r->invoices_generated == 1);
  CHECK(f.grid->run_due_work()->invoices_generated == 0);
  CHECK(f.invoice_of(f.alice, "2025-06").number == "INV-NORTH-2025-000001");
}

TEST_CASE("billing: an invoice as a PDF, for its customer and the region's operators only") {
  invoiced f;
  auto pdf = f.bill().pdf(f.alice, f.a.id);
  REQUIRE_MESSAGE(pdf.has_value(), (pdf ? "" : pdf.error().message));
  CHECK(pdf->starts_with("%PDF-"));
  CHECK(f.bill().pdf(f.op, f.a.id).has_value());
  CHECK(f.bill().pdf(f.bob, f.a.id).error().code == errc::not_found);
  // What the document says, read back (every line: tests/unit/test_invoice_pdf.cpp).
  if (!pdftotext_or_skip()) return;
  const auto text = pdf_text(*pdf);
  INFO("pdftotext -layout:\n" << text);
  CHECK(text.find("Invoice " + f.a.number) != std::string::npos);
  CHECK(text.find("alice@example.org") != std::string::npos);
  CHECK(line_with(text, "Period").find("2025-06") != std::string::npos);
  CHECK(line_with(text, "Fixed charge").find("15.00") != std::string::npos);
  CHECK(line_with(text, "Total").find("16.50") != std::string::npos);
  CHECK(line_with(text, "Due").find("2025-07-15 06:00") != std::string::npos);  // issued 1 July 06:00 UTC + 14 days
}
