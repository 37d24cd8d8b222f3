// billing::render_pdf (src/billing/pdf.cpp): an invoice built by hand is
// rendered, written to a file and read back with `pdftotext -layout`; the
// text must hold everything the invoice says. Without pdftotext the checks
// are skipped, except under CI=true, where that is a failure. In a build
// without libharu (SEGS_WITH_PDF off) render_pdf must answer `unavailable`.
#include "billing/pdf.hpp"
#include "support/pdf_text.hpp"

#include <segs/billing.hpp>
#include <segs/error.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

using segs::invoice;
using segs::invoice_line;
using segs::line_kind;
using segs::milli;
using segs::money;
using segs::billing::pdf_customer;
using segs::billing::render_pdf;
using segs_test::line_with;
using segs_test::pdf_text;
using segs_test::pdftotext_or_skip;

namespace {

money M(const char* s) { return money::parse(s).value(); }
segs::timestamp T(const char* s) { return segs::parse_rfc3339(s).value(); }

invoice_line line(line_kind kind, std::string description, std::int64_t quantity_milli, std::string unit,
                  std::optional<money> unit_price, money amount) {
  invoice_line l;
  l.kind = kind;
  l.description = std::move(description);
  l.quantity = milli{quantity_milli};
  l.unit = std::move(unit);
  l.unit_price = unit_price;
  l.amount = amount;
  return l;
}

// A Berlin invoice for November 2026 (cycle [1 Nov, 1 Dec) local time).
invoice berlin_invoice() {
  invoice inv;
  inv.number = "INV-BERLIN-2026-000001";
  inv.region = "berlin";
  inv.currency = "EUR";
  inv.period = "2026-11";
  inv.cycle_start = T("2026-10-31T23:00:00Z");
  inv.cycle_end = T("2026-11-30T23:00:00Z");
  inv.issued_at = T("2026-12-01T08:00:00Z");
  inv.due_at = T("2026-12-15T08:00:00Z");
  inv.status = segs::invoice_status::partially_paid;
  inv.lines = {
      line(line_kind::energy, "Energy, peak", 120'500, "kWh", M("0.38"), M("45.79")),
      line(line_kind::energy, "Energy, off-peak", 310'000, "kWh", M("0.14"), M("43.40")),
      line(line_kind::export_credit, "Export credit", 42'750, "kWh", M("0.08"), M("-3.42")),
      line(line_kind::fixed_charge, "Fixed charge", 30'000, "day", M("0.45"), M("13.50")),
      line(line_kind::p2p_purchase, "P2P purchases", 12'500, "kWh", std::nullopt, M("2.95")),
      line(line_kind::imbalance_refund, "Imbalance refund", 3'000, "kWh", std::nullopt, M("-1.20")),
      line(line_kind::tax, "VAT", 102'690, "EUR", M("0.19"), M("19.51")),
  };
  inv.subtotal = M("101.02");
  inv.tax = M("19.51");
  inv.total = M("120.53");
  inv.amount_paid = M("20");
  inv.amount_due = M("100.53");
  inv.consumed = segs::energy{430'500};
  inv.produced = segs::energy{42'750};
  return inv;
}

const pdf_customer ada{"Ada Lovelace", "ada@example.org"};

#if defined(SEGS_TEST_WITH_PDF) && SEGS_TEST_WITH_PDF

std::size_t count(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

#endif

}  // namespace

#if defined(SEGS_TEST_WITH_PDF) && SEGS_TEST_WITH_PDF

TEST_CASE("invoice PDF: pdftotext reads back the number, customer, period, every line, totals and due date") {
  const auto inv = berlin_invoice();
  const std::string pdf = render_pdf(inv, ada, 2, "Europe/Berlin");
  REQUIRE(pdf.size() > 100);
  CHECK(pdf.starts_with("%PDF-"));
  CHECK(std::string_view(pdf).substr(pdf.size() - 8).find("%%EOF") != std::string_view::npos);
  // The same invoice, the same bytes.
  CHECK(render_pdf(inv, ada, 2, "Europe/Berlin") == pdf);

  if (!pdftotext_or_skip()) return;
  const std::string text = pdf_text(pdf);
  INFO("pdftotext -layout:\n" << text);

  CHECK(text.find("Invoice INV-BERLIN-2026-000001") != std::string::npos);
  CHECK(text.find("Ada Lovelace") != std::string::npos);
  CHECK(text.find("ada@example.org") != std::string::npos);
  CHECK(line_with(text, "Region").find("berlin") != std::string::npos);
  CHECK(line_with(text, "Period").find("2026-11") != std::string::npos);
  // The cycle in the region's time: Berlin's November, midnight to midnight.
  const auto cycle = line_with(text, "Billing cycle");
  CHECK(cycle.find("2026-11-01") != std::string::npos);
  CHECK(cycle.find("2026-12-01") != std::string::npos);
  CHECK(cycle.find("Europe/Berlin") != std::string::npos);
  CHECK(line_with(text, "Issued").find("2026-12-01 09:00") != std::string::npos);  // 08:00Z
  CHECK(line_with(text, "Due").find("2026-12-15 09:00") != std::string::npos);
  // In UTC (the default), the same instants.
  const std::string utc = pdf_text(render_pdf(inv, ada, 2));
  CHECK(line_with(utc, "Billing cycle").find("2026-10-31 23:00") != std::string::npos);
  CHECK(line_with(utc, "Due").find("2026-12-15 08:00") != std::string::npos);
  CHECK_THROWS(render_pdf(inv, ada, 2, "Mars/Olympus"));
  CHECK(line_with(text, "Status").find("partially paid") != std::string::npos);

  // The table's header, then every line with its quantity, price and amount.
  const auto header = line_with(text, "Description");
  CHECK(header.find("Quantity") != std::string::npos);
  CHECK(header.find("Unit price") != std::string::npos);
  CHECK(header.find("Amount (EUR)") != std::string::npos);
  struct expected {
    const char* description;
    const char* quantity;
    const char* unit_price;  // "" when blank
    const char* amount;
  };
  for (const expected& e : {expected{"Energy, peak", "120.5 kWh", "0.38", "45.79"},
                            expected{"Energy, off-peak", "310 kWh", "0.14", "43.40"},
                            expected{"Export credit", "42.75 kWh", "0.08", "-3.42"},
                            expected{"Fixed charge", "30 day", "0.45", "13.50"},
                            expected{"P2P purchases", "12.5 kWh", "", "2.95"},
                            expected{"Imbalance refund", "3 kWh", "", "-1.20"},
                            expected{"VAT", "102.69 EUR", "19%", "19.51"}}) {
    CAPTURE(e.description);
    const auto l = line_with(text, e.description);
    REQUIRE(!l.empty());
    CHECK(l.find(e.quantity) != std::string::npos);
    CHECK(l.find(e.unit_price) != std::string::npos);
    CHECK(l.ends_with(e.amount));
  }
  // A blank unit price: nothing between the quantity and the amount.
  const auto p2p = line_with(text, "P2P purchases");
  const auto after_quantity = p2p.find("12.5 kWh") + 8;
  CHECK(p2p.substr(after_quantity, p2p.rfind("2.95") - after_quantity).find_first_not_of(' ') == std::string::npos);

  CHECK(line_with(text, "Subtotal").ends_with("101.02 EUR"));
  CHECK(line_with(text, "Tax ").ends_with("19.51 EUR"));
  CHECK(line_with(text, "Total").ends_with("120.53 EUR"));
  CHECK(line_with(text, "Amount paid").ends_with("20.00 EUR"));
  CHECK(line_with(text, "Amount due").ends_with("100.53 EUR"));
  CHECK(text.find("page 1 of 1") != std::string::npos);
  CHECK(count(text, "\f") == 1);
}

TEST_CASE("invoice PDF: 60 lines continue on a second page, the table's header repeated") {
  auto inv = berlin_invoice();
  inv.lines.clear();
  money sum;
  for (int i = 1; i <= 60; ++i) {
    char description[32];
    std::snprintf(description, sizeof description, "Line item %02d", i);
    const money amount{i * 1'010'000};  // 1.01, 2.02, ...
    inv.lines.push_back(line(line_kind::energy, description, i * 1'000, "kWh", money{1'010'000}, amount));
    sum = sum + amount;
  }
  inv.subtotal = sum;
  inv.tax = money{};
  inv.total = sum;
  inv.amount_paid = money{};
  inv.amount_due = sum;
  const std::string pdf = render_pdf(inv, ada, 2);
  CHECK(pdf.starts_with("%PDF-"));

  if (!pdftotext_or_skip()) return;
  const std::string text = pdf_text(pdf);
  INFO("pdftotext -layout:\n" << text);
  CHECK(count(text, "\f") == 2);
  CHECK(count(text, "Description") == 2);
  CHECK(count(text, "Amount (EUR)") == 2);
  CHECK(text.find("Invoice INV-BERLIN-2026-000001 (continued)") != std::string::npos);
  CHECK(text.find("page 1 of 2") != std::string::npos);
  CHECK(text.find("page 2 of 2") != std::string::npos);
  // The second page starts with the table, not with the invoice's header.
  const auto second = text.substr(text.find('\f') + 1);
  CHECK(second.find("Billed to") == std::string::npos);
  CHECK(second.find("Description") < second.find("Line item"));
  for (int i = 1; i <= 60; ++i) {
    char description[32];
    std::snprintf(description, sizeof description, "Line item %02d", i);
    CAPTURE(description);
    const auto l = line_with(text, description);
    REQUIRE(!l.empty());
    CHECK(l.find(std::to_string(i) + " kWh") != std::string::npos);
    char amount[16];
    std::snprintf(amount, sizeof amount, "%d.%02d", i * 101 / 100, i * 101 % 100);
    CHECK(l.ends_with(amount));
  }
  CHECK(line_with(text, "Total").ends_with("1848.30 EUR"));  // 1.01 x (1 + ... + 60)
  CHECK(line_with(text, "Amount due").ends_with("1848.30 EUR"));
}

TEST_CASE("invoice PDF: Latin-1 text as itself, anything else as '?', long descriptions wrapped") {
  auto inv = berlin_invoice();
  inv.lines.resize(2);
  inv.lines[1].description =
      "Energy, a very long description that goes on and on about tariff periods, holidays and overrides "
      "until it no longer fits on one line of the table";
  inv.lines[1].amount = M("43.40");
  const pdf_customer who{"J\xC3\xBCrgen M\xC3\xBCller \xCE\xA9", "j\xC3\xBCrgen@example.org"};  // "Jürgen Müller Ω"
  const std::string pdf = render_pdf(inv, who, 2);
  CHECK(pdf.starts_with("%PDF-"));

  if (!pdftotext_or_skip()) return;
  const std::string text = pdf_text(pdf);
  INFO("pdftotext -layout:\n" << text);
  CHECK(text.find("J\xC3\xBCrgen M\xC3\xBCller ?") != std::string::npos);
  CHECK(text.find("j\xC3\xBCrgen@example.org") != std::string::npos);
  CHECK(line_with(text, "Energy, a very long").ends_with("43.40"));
  CHECK(text.find("of the table") != std::string::npos);
}

TEST_CASE("invoice PDF: amounts with the currency's minor digits") {
  auto inv = berlin_invoice();
  inv.currency = "JPY";
  inv.lines = {line(line_kind::energy, "Energy", 100'000, "kWh", M("31.5"), M("3150"))};
  inv.subtotal = inv.total = inv.amount_due = M("3150");
  inv.tax = inv.amount_paid = money{};
  const std::string pdf = render_pdf(inv, ada, 0);

  if (!pdftotext_or_skip()) return;
  const std::string text = pdf_text(pdf);
  INFO("pdftotext -layout:\n" << text);
  CHECK(line_with(text, "Energy").ends_with("3150"));
  CHECK(line_with(text, "Energy").find("31.5") != std::string::npos);
  CHECK(line_with(text, "Total").ends_with("3150 JPY"));
  CHECK(line_with(text, "Amount paid").ends_with("0 JPY"));
}

TEST_CASE("invoice PDF: minor_digits outside 0..6 is a validation error") {
  const auto inv = berlin_invoice();
  for (int digits : {-1, 7}) {
    try {
      (void)render_pdf(inv, ada, digits);
      FAIL("no error for minor_digits " << digits);
    } catch (const segs::exception& e) {
      CHECK(e.code() == segs::errc::validation_error);
      CHECK(e.err().field == "minor_digits");
    }
  }
}

#else

TEST_CASE("invoice PDF: built without libharu, render_pdf answers unavailable") {
  try {
    (void)render_pdf(berlin_invoice(), ada, 2);
    FAIL("render_pdf rendered without libharu");
  } catch (const segs::exception& e) {
    CHECK(e.code() == segs::errc::unavailable);
    CHECK(std::string_view(e.what()).find("SEGS_WITH_PDF=OFF") != std::string_view::npos);
  }
}

#endif
