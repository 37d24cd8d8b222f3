// An invoice as a PDF document, through libharu (SEGS_WITH_PDF): pure (no
// storage, no clock; the same invoice gives the same bytes).
//
// The document: A4, the built-in Helvetica with WinAnsiEncoding (UTF-8 text
// is printed as Latin-1 / Windows-1252; anything else as '?'). A header
// (number, customer, region, period, cycle, issued and due), a table of
// every line (description, quantity with unit, unit price or blank,
// amount), then subtotal, tax, total, amount paid, the credit notes when
// there are any, and amount due, each with the currency code. Amounts have
// exactly `minor_digits` decimals; quantities (milli) are printed minimally.
// A table that does not fit continues on the next page, its header
// repeated; every page has a footer "<number> - page i of n".
//
// Instants are printed in `time_zone` (the region's): a date alone at local
// midnight, the date with "HH:MM" otherwise; the cycle line names the zone.
#pragma once

#include <segs/billing.hpp>

#include <string>
#include <string_view>

namespace segs::billing {

/// Who the invoice is for, as the document prints it.
struct pdf_customer {
  std::string name;
  std::string email;
};

/// The invoice as a PDF document (its bytes). Throws segs::exception:
/// validation_error naming `minor_digits` outside 0..6; unavailable
/// ("...built without libharu (SEGS_WITH_PDF=OFF)") when built without
/// libharu; internal when libharu reports an error.
[[nodiscard]] std::string render_pdf(const invoice& inv, const pdf_customer& who, int minor_digits,
                                     std::string_view time_zone = "UTC");

}  // namespace segs::billing
