// Reading many invoices: overdue listings, analytics, the CSV export
// (streamed a page at a time), and one invoice as a PDF.
#include "billing/billing_impl.hpp"

#include "billing/pdf.hpp"
#include "billing/text.hpp"
#include "core/csv.hpp"
#include "core/paging.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/region_store.hpp"

#include <chrono>
#include <cstdio>

namespace segs {

using detail::fail;
namespace store = storage::billing;
using billing::amount_text;

namespace {

std::string utc_month_of(timestamp now) {
  const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(now)};
  return billing::period_text(d.year() / d.month());
}

}  // namespace

result<std::string> billing_service::pdf(const principal& who, const uuid& id) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      const auto row = impl::require_invoice(tx, who, id);
      billing::pdf_customer customer;
      if (auto u = storage::identity::find_user(tx, row.inv.user_id)) customer = {u->user.name, u->user.email};
      const auto r = storage::regions::find(tx, row.inv.region);
      return billing::render_pdf(row.inv, customer, r ? r->currency_minor_units : 2, r ? r->time_zone : "UTC");
    });
  });
}

result<page<overdue_invoice>> billing_service::overdue(const principal& who, std::string_view region, page_request p) {
  return detail::guard([&] {
    impl::require_operator(who, region);
    detail::check_page(p);
    const auto now = impl_->core.now();
    return impl_->core.read([&](storage::transaction& tx) {
      impl::require_region(tx, region);
      auto rows = store::past_due(tx, region, now, p);
      page<overdue_invoice> out{{}, rows.total, rows.page, rows.per_page};
      for (auto& r : rows.items) {
        const auto late = std::chrono::duration_cast<std::chrono::hours>(now - r.inv.due_at).count() / 24;
        out.items.push_back({std::move(r.inv), static_cast<int>(late)});
      }
      return out;
    });
  });
}

result<billing_analytics> billing_service::analytics(const principal& who, std::optional<std::string_view> region,
                                                     std::optional<std::string_view> from,
                                                     std::optional<std::string_view> to) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    const auto last = to ? billing::parse_period(*to) : billing::parse_period(utc_month_of(impl_->core.now()));
    if (!last) fail(errc::validation_error, "to must be YYYY-MM", "to");
    const auto first = from ? billing::parse_period(*from) : std::optional(*last - std::chrono::months{11});
    if (!first) fail(errc::validation_error, "from must be YYYY-MM", "from");
    if (*last < *first) fail(errc::validation_error, "from must not be after to", "from");
    return impl_->core.read([&](storage::transaction& tx) {
      std::vector<std::string> regions;
      int minor = 2;
      billing_analytics out;
      if (region) {
        const auto r = impl::require_region(tx, *region);
        impl::require_operator(who, r.code);
        regions.push_back(r.code);
        minor = r.currency_minor_units;
        out.region = r.code;
        out.currency = r.currency;
      } else {
        for (const auto& r : storage::regions::all(tx))
          if (impl::operates(who, r.code)) {
            if (regions.empty()) {
              minor = r.currency_minor_units;
              out.currency = r.currency;
            }
            regions.push_back(r.code);
          }
        if (regions.empty()) fail(errc::forbidden, "billing analytics need billing:operate");
      }
      out.from = billing::period_text(*first);
      out.to = billing::period_text(*last);
      std::int64_t count = 0;
      for (const auto& t : store::totals_by_period(tx, regions, out.from, out.to)) {
        out.invoiced = out.invoiced + t.invoiced;
        out.collected = out.collected + t.paid;
        out.outstanding = out.outstanding + (t.invoiced - t.paid - t.credited);
        out.overdue_amount = out.overdue_amount + t.overdue_due;
        out.overdue_count += t.overdue;
        out.disputed_count += t.disputed;
        out.p2p_volume.wh += t.p2p_wh;
        out.market_fees = out.market_fees + t.market_fees;
        count += t.count;
        out.by_period.push_back({t.period, t.invoiced, t.paid});
      }
      if (count > 0) {
        // invoiced / count, half to even to the minor unit.
        const auto exact = money{out.invoiced.micros / count};
        const auto rest = out.invoiced.micros % count;
        auto avg = exact;
        if (2 * (rest < 0 ? -rest : rest) >= count) avg.micros += out.invoiced.micros < 0 ? -1 : 1;
        out.average_invoice = avg.round_to_minor(minor);
      }
      return out;
    });
  });
}

result<billing_service::csv_page> billing_service::export_csv_page(const principal& who, std::string_view region,
                                                                  std::optional<std::string_view> period,
                                                                  std::string_view after, int limit) {
  return detail::guard([&] {
    impl::require_operator(who, region);
    if (period && !billing::parse_period(*period)) fail(errc::validation_error, "period must be YYYY-MM", "period");
    if (limit < 1 || limit > 10'000) fail(errc::validation_error, "limit must be 1 to 10000", "limit");
    // One read transaction a page: an export of 100,000 invoices never sits
    // in memory, and never holds a snapshot for long.
    return impl_->core.read([&](storage::transaction& tx) {
      const int minor = impl::require_region(tx, region).currency_minor_units;
      csv_page out;
      if (after.empty())
        out.text = "number,user_id,email,region,period,issued_at,due_at,status,subtotal,tax,total,amount_paid,amount_due\r\n";
      auto page = store::export_page(tx, region, period, after, limit);
      std::vector<uuid> users;
      for (const auto& p : page) users.push_back(p.inv.user_id);
      const auto emails = storage::identity::emails_of(tx, users);
      for (const auto& p : page) {
        const auto& i = p.inv;
        const auto email = emails.find(i.user_id);
        out.text += csv::field(i.number) + ',' + i.user_id.to_string() + ',' +
                    csv::field(email == emails.end() ? std::string() : email->second) + ',' + csv::field(i.region) + ',' +
                    i.period + ',' + to_rfc3339(i.issued_at) + ',' + to_rfc3339(i.due_at) + ',' +
                    std::string(to_string(i.status)) + ',' + amount_text(i.subtotal, minor) + ',' + amount_text(i.tax, minor) +
                    ',' + amount_text(i.total, minor) + ',' + amount_text(i.amount_paid, minor) + ',' + amount_text(i.amount_due, minor) +
                    "\r\n";
      }
      out.rows = static_cast<std::int64_t>(page.size());
      out.done = page.size() < static_cast<std::size_t>(limit);
      out.next_after = page.empty() ? std::string(after) : page.back().inv.number;
      return out;
    });
  });
}

result<std::int64_t> billing_service::export_csv(const principal& who, std::string_view region,
                                                 std::optional<std::string_view> period, const text_sink& sink) {
  std::string after;
  std::int64_t rows = 0;
  for (;;) {
    auto page = export_csv_page(who, region, period, after);
    if (!page) return page.error();
    rows += page->rows;
    if (!page->text.empty() && !sink(page->text)) return rows;
    if (page->done) return rows;
    after = std::move(page->next_after);
  }
}

}  // namespace segs
