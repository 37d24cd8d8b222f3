// segs-bench-billing-pdf: invoices rendered as PDF documents through
// libharu (billing::render_pdf, src/billing/pdf.cpp), on one core.
//
//   segs-bench-billing-pdf            the full run (build in Release)
//   segs-bench-billing-pdf --smoke    a tiny run for CI: a few documents, checked
//
// Setup (not timed): a one-page invoice of 12 lines (energy per tariff
// period, tier adders, export credit, fixed and demand charges, market
// lines, a refund and tax) and the same invoice with 120 lines (three
// pages). Timed, each repeated to at least a second: render_pdf, the whole
// document to its bytes (fonts, layout, compression, the saved stream).
// Printed: invoices/s and pages/s, and the size of a document.
#include "billing/pdf.hpp"

#include <segs/billing.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono;
using clock_type = steady_clock;
using segs::line_kind;
using segs::money;

money M(const char* s) { return money::parse(s).value(); }
segs::timestamp T(const char* s) { return segs::parse_rfc3339(s).value(); }

segs::invoice_line line(line_kind kind, const char* description, std::int64_t quantity_milli, const char* unit,
                        std::optional<money> unit_price, money amount) {
  segs::invoice_line l;
  l.kind = kind;
  l.description = description;
  l.quantity = segs::milli{quantity_milli};
  l.unit = unit;
  l.unit_price = unit_price;
  l.amount = amount;
  return l;
}

segs::invoice twelve_lines() {
  segs::invoice inv;
  inv.number = "INV-BERLIN-2026-004711";
  inv.region = "berlin";
  inv.currency = "EUR";
  inv.period = "2026-11";
  inv.cycle_start = T("2026-10-31T23:00:00Z");
  inv.cycle_end = T("2026-11-30T23:00:00Z");
  inv.issued_at = T("2026-12-01T06:00:00Z");
  inv.due_at = T("2026-12-15T06:00:00Z");
  inv.lines = {
      line(line_kind::energy, "Energy, peak", 96'250, "kWh", M("0.38"), M("36.58")),
      line(line_kind::energy, "Energy, shoulder", 141'500, "kWh", M("0.26"), M("36.79")),
      line(line_kind::energy, "Energy, off-peak", 188'000, "kWh", M("0.14"), M("26.32")),
      line(line_kind::energy, "Energy, night", 72'125, "kWh", M("0.09"), M("6.49")),
      line(line_kind::tier_adder, "Tier 2 adder", 498'000, "kWh", M("0.02"), M("9.96")),
      line(line_kind::export_credit, "Export credit", 61'300, "kWh", M("0.08"), M("-4.90")),
      line(line_kind::fixed_charge, "Fixed charge", 30'000, "day", M("0.45"), M("13.50")),
      line(line_kind::demand_charge, "Demand charge", 7'820, "kW", M("8.5"), M("66.47")),
      line(line_kind::p2p_purchase, "P2P purchases", 22'500, "kWh", std::nullopt, M("5.18")),
      line(line_kind::market_fee, "Market fees", 22'500, "kWh", M("0.004"), M("0.09")),
      line(line_kind::imbalance_refund, "Imbalance refund", 1'200, "kWh", std::nullopt, M("-0.31")),
      line(line_kind::tax, "VAT", 196'110, "EUR", M("0.19"), M("37.26")),
  };
  inv.subtotal = M("186.17");
  inv.tax = M("37.26");
  inv.total = M("223.43");
  inv.amount_due = inv.total;
  inv.consumed = segs::energy{497'875};
  inv.produced = segs::energy{61'300};
  return inv;
}

segs::invoice many_lines(int n) {
  auto inv = twelve_lines();
  const auto base = inv.lines;
  inv.lines.clear();
  for (int i = 0; i < n; ++i) inv.lines.push_back(base[static_cast<std::size_t>(i) % (base.size() - 1)]);
  inv.lines.push_back(base.back());
  return inv;
}

/// The document's pages: its "/Type /Page" dictionaries (not "/Pages").
int page_count(std::string_view pdf) {
  int n = 0;
  constexpr std::string_view key = "/Type /Page";
  for (auto at = pdf.find(key); at != std::string_view::npos; at = pdf.find(key, at + key.size())) {
    if (at + key.size() < pdf.size() && pdf[at + key.size()] != 's') ++n;
  }
  return n;
}

struct rate {
  double documents_per_second = 0;
  double pages_per_second = 0;
  long iterations = 0;
  int pages = 0;
  std::size_t bytes = 0;
};

// Renders `inv` until at least `min_seconds` passed (`min_iterations` at least).
rate measure(const segs::invoice& inv, double min_seconds, long min_iterations) {
  const segs::billing::pdf_customer who{"Ada Lovelace", "ada@example.org"};
  rate r;
  std::string pdf;
  const auto t0 = clock_type::now();
  double elapsed = 0;
  do {
    pdf = segs::billing::render_pdf(inv, who, 2);
    ++r.iterations;
    elapsed = duration<double>(clock_type::now() - t0).count();
  } while (elapsed < min_seconds || r.iterations < min_iterations);
  r.pages = page_count(pdf);
  r.bytes = pdf.size();
  r.documents_per_second = static_cast<double>(r.iterations) / elapsed;
  r.pages_per_second = r.documents_per_second * r.pages;
  if (!pdf.starts_with("%PDF-") || pdf.find("%%EOF") == std::string::npos) r.pages = -1;
  return r;
}

int fail(const char* what) {
  std::fprintf(stderr, "segs-bench-billing-pdf: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
    } else {
      std::fprintf(stderr, "usage: segs-bench-billing-pdf [--smoke]\n");
      return 2;
    }
  }
  const double min_seconds = smoke ? 0.0 : 1.0;
  const long min_iterations = smoke ? 3 : 20;

  const auto one = twelve_lines();
  const auto three = many_lines(120);
  rate single;
  rate multi;
  try {
    single = measure(one, min_seconds, min_iterations);
    multi = measure(three, min_seconds, min_iterations);
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  // The checks the smoke run exists for.
  if (single.pages != 1) return fail("the 12-line invoice is not one page (or not a PDF)");
  if (multi.pages < 2) return fail("the 120-line invoice did not continue on further pages (or is not a PDF)");

  std::printf("## Invoice PDFs (libharu), one core%s\n\n", smoke ? " (smoke run)" : "");
  std::printf("| invoice | pages | bytes | invoices/s | pages/s | ms/invoice | documents |\n"
              "|---|---:|---:|---:|---:|---:|---:|\n");
  const auto row = [](const char* name, const rate& r) {
    std::printf("| %s | %d | %zu | %.0f | %.0f | %.3f | %ld |\n", name, r.pages, r.bytes, r.documents_per_second,
                r.pages_per_second, 1000.0 / r.documents_per_second, r.iterations);
  };
  row("12 lines", single);
  row("120 lines", multi);
  return 0;
}
