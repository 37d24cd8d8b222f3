// An invoice as a PDF document through libharu (see pdf.hpp). Without
// libharu (SEGS_WITH_PDF off) render_pdf answers `unavailable`.
#include "billing/pdf.hpp"

#include <segs/error.hpp>

#if defined(SEGS_WITH_PDF) && SEGS_WITH_PDF
#include "billing/names.hpp"
#include "billing/text.hpp"
#include "core/time_zone.hpp"

#include <hpdf.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>
#endif

namespace segs::billing {

#if defined(SEGS_WITH_PDF) && SEGS_WITH_PDF

namespace {

constexpr char en_dash = static_cast<char>(0x96);  // in Windows-1252

/// A minimal decimal padded with zeros to at least `digits` decimals
/// ("0.245" stays, "0.3" -> "0.30", "100" -> "100.00").
std::string at_least(std::string s, int digits) {
  if (digits <= 0) return s;
  const auto dot = s.find('.');
  const auto have = dot == std::string::npos ? 0 : static_cast<int>(s.size() - dot - 1);
  if (dot == std::string::npos) s += '.';
  s.append(static_cast<std::size_t>(std::max(0, digits - have)), '0');
  return s;
}

// --- libharu ---------------------------------------------------------------------

/// What libharu's error handler reports: the first error of the document.
struct haru_error {
  HPDF_STATUS error = HPDF_OK;
  HPDF_STATUS detail = 0;
};

// libharu calls it (from C) on every error, with the document's haru_error as
// user_data. It records instead of throwing: an exception must not unwind
// through libharu's C frames; document::check throws from C++ right after.
void on_haru_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* user_data) noexcept {
  auto* e = static_cast<haru_error*>(user_data);
  if (e->error == HPDF_OK) {
    e->error = error_no;
    e->detail = detail_no;
  }
}

[[noreturn]] void fail(const char* what, HPDF_STATUS error, HPDF_STATUS detail) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "invoice PDF: libharu error 0x%04X (detail %u) while %s",
                static_cast<unsigned>(error), static_cast<unsigned>(detail), what);
  throw segs::exception(make_error(errc::internal, buf));
}

/// One libharu document, freed whatever happens.
class document {
 public:
  document() : pdf_(HPDF_New(&on_haru_error, &err_)) {
    if (pdf_ == nullptr) fail("creating the document", HPDF_FAILD_TO_ALLOC_MEM, 0);
  }
  ~document() { HPDF_Free(pdf_); }
  document(const document&) = delete;
  document& operator=(const document&) = delete;

  [[nodiscard]] HPDF_Doc get() const noexcept { return pdf_; }

  /// Throws when `status` or the handler reported an error.
  void check(HPDF_STATUS status, const char* what) const {
    if (err_.error != HPDF_OK) fail(what, err_.error, err_.detail);
    if (status != HPDF_OK) fail(what, status, 0);
  }
  /// A handle libharu answered; throws when it answered none.
  template <class Handle>
  Handle need(Handle h, const char* what) const {
    check(h == nullptr ? HPDF_INVALID_OBJECT : HPDF_OK, what);
    return h;
  }

  /// The saved document's bytes.
  std::string bytes() {
    check(HPDF_SaveToStream(pdf_), "saving the document");
    const HPDF_UINT32 size = HPDF_GetStreamSize(pdf_);
    check(size == 0 ? HPDF_INVALID_DOCUMENT : HPDF_OK, "sizing the document");
    std::string out(size, '\0');
    HPDF_UINT32 got = 0;
    while (got < size) {
      HPDF_UINT32 n = size - got;
      const auto status = HPDF_ReadFromStream(pdf_, reinterpret_cast<HPDF_BYTE*>(out.data() + got), &n);
      got += n;
      // The memory stream answers "end of stream" on reaching its end, and
      // reports it to the handler too: that one is not an error.
      if (status == HPDF_STREAM_EOF || err_.error == HPDF_STREAM_EOF) {
        if (err_.error == HPDF_STREAM_EOF) err_ = {};
        HPDF_ResetError(pdf_);
        break;
      }
      check(status, "reading the document");
      if (n == 0) break;
    }
    check(got == size ? HPDF_OK : HPDF_STREAM_EOF, "reading the document");
    return out;
  }

 private:
  haru_error err_;  // before pdf_: its address is the handler's user_data
  HPDF_Doc pdf_;
};

// --- layout ------------------------------------------------------------------------

constexpr float margin = 50;
constexpr float bottom = 56;   // rows stay above it
constexpr float footer_y = 30;
constexpr float body_size = 9.5f;
constexpr float leading = 13;  // a table row's line
constexpr std::size_t max_description_lines = 8;

/// Writes text and rules on pages, opening new ones; keeps the page's text
/// object open between texts and its font set, so a row is one BT ... ET.
class writer {
 public:
  explicit writer(document& doc)
      : doc_(doc),
        regular_(doc.need(HPDF_GetFont(doc.get(), "Helvetica", "WinAnsiEncoding"), "loading Helvetica")),
        bold_(doc.need(HPDF_GetFont(doc.get(), "Helvetica-Bold", "WinAnsiEncoding"), "loading Helvetica-Bold")) {}

  [[nodiscard]] HPDF_Font regular() const noexcept { return regular_; }
  [[nodiscard]] HPDF_Font bold() const noexcept { return bold_; }
  [[nodiscard]] float width() const noexcept { return width_; }
  [[nodiscard]] float height() const noexcept { return height_; }
  [[nodiscard]] float right() const noexcept { return width_ - margin; }
  [[nodiscard]] const std::vector<HPDF_Page>& pages() const noexcept { return pages_; }

  void add_page() {
    end_text();
    page_ = doc_.need(HPDF_AddPage(doc_.get()), "adding a page");
    doc_.check(HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT), "sizing a page");
    width_ = HPDF_Page_GetWidth(page_);
    height_ = HPDF_Page_GetHeight(page_);
    pages_.push_back(page_);
    font_ = nullptr;
  }
  /// Draws on an earlier page (the footers, once the count is known).
  void switch_to(HPDF_Page p) {
    end_text();
    page_ = p;
    font_ = nullptr;
  }

  [[nodiscard]] float measure(HPDF_Font f, float size, std::string_view text) const {
    if (text.empty()) return 0;
    const auto w = HPDF_Font_TextWidth(f, reinterpret_cast<const HPDF_BYTE*>(text.data()),
                                       static_cast<HPDF_UINT>(text.size()));
    doc_.check(HPDF_OK, "measuring text");
    return static_cast<float>(w.width) * size / 1000.0f;
  }

  void text(HPDF_Font f, float size, float x, float y, const std::string& s) {
    if (s.empty()) return;
    if (!in_text_) {
      doc_.check(HPDF_Page_BeginText(page_), "beginning text");
      in_text_ = true;
    }
    if (f != font_ || size != size_) {
      doc_.check(HPDF_Page_SetFontAndSize(page_, f, size), "setting the font");
      font_ = f;
      size_ = size;
    }
    doc_.check(HPDF_Page_TextOut(page_, x, y, s.c_str()), "writing text");
  }
  void text_right(HPDF_Font f, float size, float x_right, float y, const std::string& s) {
    text(f, size, x_right - measure(f, size, s), y, s);
  }
  /// Right-aligned in a column `room` wide: smaller type when it would not fit.
  void cell_right(HPDF_Font f, float size, float x_right, float room, float y, const std::string& s) {
    const float w = measure(f, size, s);
    if (w > room && w > 0) size = std::max(5.0f, size * room / w);
    text_right(f, size, x_right, y, s);
  }

  void rule(float x1, float x2, float y, float thickness) {
    end_text();
    doc_.check(HPDF_Page_SetLineWidth(page_, thickness), "setting the line width");
    doc_.check(HPDF_Page_MoveTo(page_, x1, y), "drawing a rule");
    doc_.check(HPDF_Page_LineTo(page_, x2, y), "drawing a rule");
    doc_.check(HPDF_Page_Stroke(page_), "drawing a rule");
  }

  void end_text() {
    if (in_text_) {
      doc_.check(HPDF_Page_EndText(page_), "ending text");
      in_text_ = false;
    }
  }

  /// `s` cut to `room` points, ending in "..." when cut.
  [[nodiscard]] std::string fit(HPDF_Font f, float size, std::string s, float room) const {
    if (measure(f, size, s) <= room) return s;
    return ellipsis(f, size, std::move(s), room);
  }
  /// `s` with "..." after it, cut so that both fit in `room` points.
  [[nodiscard]] std::string ellipsis(HPDF_Font f, float size, std::string s, float room) const {
    // The longest prefix that fits with "..." after it (widths grow with
    // the prefix): a binary search, so a very long text costs O(n log n).
    std::size_t lo = 0;
    std::size_t hi = s.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo + 1) / 2;
      if (measure(f, size, s.substr(0, mid) + "...") <= room) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    s.resize(lo);
    return s + "...";
  }

  /// `s` in lines at most `room` points wide: at spaces, or inside a word
  /// wider than a line; at most `max_lines`, the last one ending in "..."
  /// when there was more.
  [[nodiscard]] std::vector<std::string> wrap(HPDF_Font f, float size, std::string_view s, float room,
                                              std::size_t max_lines) const {
    std::vector<std::string> lines;
    std::string line;
    std::size_t i = 0;
    while (i < s.size() && lines.size() <= max_lines) {
      if (s[i] == ' ') {
        ++i;
        continue;
      }
      auto j = s.find(' ', i);
      if (j == std::string_view::npos) j = s.size();
      std::string word(s.substr(i, j - i));
      i = j;
      std::string joined = line.empty() ? word : line + ' ' + word;
      if (measure(f, size, joined) <= room) {
        line = std::move(joined);
        continue;
      }
      if (!line.empty()) lines.push_back(std::exchange(line, {}));
      // A word wider than a line: as many characters as fit, then the rest.
      while (lines.size() <= max_lines && measure(f, size, word) > room) {
        std::size_t k = 1;
        while (k + 1 < word.size() && measure(f, size, std::string_view(word).substr(0, k + 1)) <= room) ++k;
        lines.push_back(word.substr(0, k));
        word.erase(0, k);
      }
      line = std::move(word);
    }
    if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
    if (lines.size() > max_lines) {
      lines.resize(max_lines);
      lines.back() = ellipsis(f, size, std::move(lines.back()), room);
    }
    return lines;
  }

 private:
  document& doc_;
  HPDF_Font regular_;
  HPDF_Font bold_;
  HPDF_Page page_ = nullptr;
  std::vector<HPDF_Page> pages_;
  float width_ = 0;
  float height_ = 0;
  bool in_text_ = false;
  HPDF_Font font_ = nullptr;
  float size_ = 0;
};

/// One table row's texts, ready to draw.
struct row {
  std::vector<std::string> description;
  std::string quantity;
  std::string unit_price;
  std::string amount;
};

class invoice_layout {
 public:
  invoice_layout(writer& w, const invoice& inv, const pdf_customer& who, int minor, const tz::zone& zone)
      : w_(w), inv_(inv), who_(who), minor_(minor), zone_(zone), number_(win_ansi(inv.number)),
        currency_(win_ansi(inv.currency)) {}

  void draw() {
    w_.add_page();
    first_header();
    table_header();
    table();
    totals();
    footers();
  }

 private:
  // Columns: description | quantity | unit price | amount (right edges).
  [[nodiscard]] float desc_room() const { return 255; }
  [[nodiscard]] float qty_right() const { return margin + 345; }
  [[nodiscard]] float price_right() const { return margin + 420; }

  void first_header() {
    const float top = w_.height() - margin;
    const float right = w_.right();
    y_ = top - 16;
    w_.text(w_.bold(), 18, margin, y_, w_.fit(w_.bold(), 18, "Invoice " + number_, right - margin));
    y_ -= 30;

    // Left: who it is for. Right: the invoice's particulars.
    const float label_x = margin + 285;
    const float value_x = label_x + 58;
    const float left_room = label_x - margin - 15;
    float left_y = y_;
    w_.text(w_.bold(), 10, margin, left_y, "Billed to");
    left_y -= 14;
    for (const auto* s : {&who_.name, &who_.email}) {
      if (s->empty()) continue;
      w_.text(w_.regular(), 10, margin, left_y, w_.fit(w_.regular(), 10, win_ansi(*s), left_room));
      left_y -= 13;
    }

    std::string status(detail::name_of(inv_.status));
    std::replace(status.begin(), status.end(), '_', ' ');
    const std::pair<const char*, std::string> facts[] = {
        {"Region", win_ansi(inv_.region)},
        {"Period", win_ansi(inv_.period)},
        {"Issued", instant_text(inv_.issued_at, zone_)},
        {"Due", instant_text(inv_.due_at, zone_)},
        {"Status", status},
    };
    float right_y = y_;
    for (const auto& [label, value] : facts) {
      w_.text(w_.bold(), body_size, label_x, right_y, label);
      w_.text(w_.regular(), body_size, value_x, right_y, w_.fit(w_.regular(), body_size, value, right - value_x));
      right_y -= 13;
    }

    y_ = std::min(left_y, right_y) - 8;
    const std::string cycle = "Billing cycle: " + instant_text(inv_.cycle_start, zone_) + ' ' + en_dash + ' ' +
                              instant_text(inv_.cycle_end, zone_) + " (period " + win_ansi(inv_.period) + "; times in " +
                              win_ansi(std::string(zone_.name())) + ")";
    w_.text(w_.regular(), body_size, margin, y_, w_.fit(w_.regular(), body_size, cycle, right - margin));
    y_ -= 13;
    const std::string metered = "Metered: consumed " + inv_.consumed.to_kwh_string() + " kWh, produced " +
                                inv_.produced.to_kwh_string() + " kWh";
    w_.text(w_.regular(), body_size, margin, y_, metered);
    y_ -= 26;
  }

  void continued_header() {
    w_.add_page();
    y_ = w_.height() - margin - 12;
    w_.text(w_.bold(), 12, margin, y_,
            w_.fit(w_.bold(), 12, "Invoice " + number_ + " (continued)", w_.right() - margin));
    y_ -= 26;
  }

  void table_header() {
    const float size = 9;
    w_.text(w_.bold(), size, margin, y_, "Description");
    w_.text_right(w_.bold(), size, qty_right(), y_, "Quantity");
    w_.text_right(w_.bold(), size, price_right(), y_, "Unit price");
    w_.text_right(w_.bold(), size, w_.right(), y_, "Amount (" + currency_ + ")");
    w_.rule(margin, w_.right(), y_ - 4, 0.6f);
    y_ -= leading + 4;
  }

  /// Room for `h` points on this page, or a new page (with the table's
  /// header when `table` is set).
  void ensure(float h, bool table) {
    if (y_ - h + leading >= bottom) return;
    continued_header();
    if (table) table_header();
  }

  [[nodiscard]] row row_of(const invoice_line& l) const {
    row r;
    r.description = w_.wrap(w_.regular(), body_size, win_ansi(l.description), desc_room(), max_description_lines);
    const std::string unit = win_ansi(l.unit);
    if (l.kind == line_kind::tax) {
      // The taxable amount in the currency, the rate as a percentage.
      r.quantity = at_least(format_decimal(l.quantity.value, 3), minor_) + (unit.empty() ? "" : " " + unit);
      if (l.unit_price) r.unit_price = format_decimal(l.unit_price->micros, 4) + "%";
    } else {
      r.quantity = format_decimal(l.quantity.value, 3) + (unit.empty() ? "" : " " + unit);
      if (l.unit_price) r.unit_price = at_least(format_decimal(l.unit_price->micros, 6), minor_);
    }
    r.amount = amount_text(l.amount, minor_);
    return r;
  }

  void table() {
    if (inv_.lines.empty()) {
      w_.text(w_.regular(), body_size, margin, y_, "No charges in this cycle.");
      y_ -= leading;
    }
    for (const auto& l : inv_.lines) {
      const row r = row_of(l);
      ensure(static_cast<float>(r.description.size()) * leading, true);
      const float first = y_;
      for (const auto& d : r.description) {
        w_.text(w_.regular(), body_size, margin, y_, d);
        y_ -= leading;
      }
      w_.cell_right(w_.regular(), body_size, qty_right(), 80, first, r.quantity);
      w_.cell_right(w_.regular(), body_size, price_right(), 68, first, r.unit_price);
      w_.cell_right(w_.regular(), body_size, w_.right(), 68, first, r.amount);
    }
  }

  void totals() {
    struct total_row {
      std::string label;
      money value;
      bool strong;
    };
    std::vector<total_row> rows{{"Subtotal", inv_.subtotal, false},
                                {"Tax", inv_.tax, false},
                                {"Total", inv_.total, true},
                                {"Amount paid", inv_.amount_paid, false}};
    for (const auto& c : inv_.credit_notes) {
      const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(c.created_at)};
      rows.push_back({"Credit note " + to_iso_date(day), money{-c.amount.micros}, false});
    }
    rows.push_back({"Amount due", inv_.amount_due, true});

    const float row_h = 15;
    // The whole block on one page when it fits on one.
    const float block = static_cast<float>(rows.size()) * row_h + 10;
    if (block < w_.height() - 2 * margin - bottom) ensure(block, false);
    y_ += leading - 6;
    w_.rule(margin + 280, w_.right(), y_, 0.6f);
    y_ -= 16;
    const float label_x = margin + 285;
    for (const auto& t : rows) {
      ensure(row_h, false);
      const auto font = t.strong ? w_.bold() : w_.regular();
      const float size = t.strong ? 10.5f : body_size;
      w_.text(font, size, label_x, y_, w_.fit(font, size, t.label, 120));
      w_.cell_right(font, size, w_.right(), 90, y_, amount_text(t.value, minor_) + " " + currency_);
      y_ -= row_h;
    }
  }

  void footers() {
    const auto& pages = w_.pages();
    const auto n = pages.size();
    for (std::size_t i = 0; i < n; ++i) {
      w_.switch_to(pages[i]);
      const std::string text = "Invoice " + number_ + " - page " + std::to_string(i + 1) + " of " + std::to_string(n);
      w_.text_right(w_.regular(), 8, w_.right(), footer_y, text);
      w_.end_text();
    }
  }

  writer& w_;
  const invoice& inv_;
  const pdf_customer& who_;
  int minor_;
  tz::zone zone_;
  std::string number_;
  std::string currency_;
  float y_ = 0;
};

}  // namespace

std::string render_pdf(const invoice& inv, const pdf_customer& who, int minor_digits, std::string_view time_zone) {
  if (minor_digits < 0 || minor_digits > 6)
    throw segs::exception(make_error(errc::validation_error, "minor_digits must be 0 to 6", "minor_digits"));

  document doc;
  doc.check(HPDF_SetCompressionMode(doc.get(), HPDF_COMP_ALL), "setting compression");
  const std::string title = win_ansi("Invoice " + inv.number);
  doc.check(HPDF_SetInfoAttr(doc.get(), HPDF_INFO_TITLE, title.c_str()), "setting the title");
  doc.check(HPDF_SetInfoAttr(doc.get(), HPDF_INFO_CREATOR, "libsegs"), "setting the creator");
  {
    using namespace std::chrono;
    const auto day = floor<days>(inv.issued_at);
    const year_month_day ymd{day};
    const hh_mm_ss<microseconds> hms{inv.issued_at - day};
    HPDF_Date d{};
    d.year = static_cast<int>(ymd.year());
    d.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    d.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    d.hour = static_cast<int>(hms.hours().count());
    d.minutes = static_cast<int>(hms.minutes().count());
    d.seconds = static_cast<int>(hms.seconds().count());
    d.ind = 'Z';
    // The document's date is the invoice's: the same invoice, the same bytes.
    if (d.year >= 1 && d.year <= 9999)
      doc.check(HPDF_SetInfoDateAttr(doc.get(), HPDF_INFO_CREATION_DATE, d), "setting the date");
  }

  writer w(doc);
  const auto zone = tz::zone::find(time_zone);
  if (!zone) throw exception(make_error(errc::validation_error, "unknown time zone " + std::string(time_zone), "time_zone"));
  invoice_layout layout(w, inv, who, minor_digits, *zone);
  layout.draw();
  w.end_text();
  return doc.bytes();
}

#else  // built without libharu

std::string render_pdf(const invoice& /*inv*/, const pdf_customer& /*who*/, int /*minor_digits*/,
                       std::string_view /*time_zone*/) {
  throw segs::exception(make_error(
      errc::unavailable, "invoice PDFs are not available: libsegs was built without libharu (SEGS_WITH_PDF=OFF)"));
}

#endif

}  // namespace segs::billing
