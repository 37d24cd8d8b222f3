// /api/v1/billing/*: a customer's invoices, payments, disputes and the
// preview of their current cycle; generating invoices, taking payments,
// resolving disputes, overdue listings, analytics and CSV exports for
// operators (their region) and admins; a region's billing settings, read by
// every signed-in caller and changed by admins. Who may do what is decided
// by the billing service; these routes only translate (billing_views.hpp).
//
// Served only while the setting features.billing is on (its default:
// `rest::options::billing`); otherwise its paths answer 404 as unknown
// ones do (handler.cpp).
#include "rest/billing_views.hpp"
#include "rest/http_util.hpp"
#include "rest/json_io.hpp"
#include "rest/csv_stream.hpp"
#include "rest/route.hpp"
#include "rest/telemetry_views.hpp"  // only_fields

#include <segs/billing.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

/// Listings without `per_page`.
constexpr int default_per_page = 20;

std::optional<std::string_view> view_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

/// The Idempotency-Key header; absent when missing or empty.
std::optional<std::string> idempotency_key(const call& c) {
  const auto key = trim(find_header(c.req.headers, "Idempotency-Key"));
  if (key.empty()) return std::nullopt;
  return std::string(key);
}

/// `?region=`, or the caller's own region.
std::string region_or_callers(const call& c) {
  if (auto r = c.query_value("region")) return *r;
  if (c.caller().region.empty()) invalid("region", "region is required");
  return c.caller().region;
}

#ifndef SEGS_WITH_PDF
/// The error envelope with status 501, as the pipeline writes the others.
reply not_implemented(const call& c, const std::string& message) {
  reply r;
  r.status = 501;
  r.content_type = "application/json; charset=utf-8";
  r.raw = to_json_text(json::object{
      {"success", false},
      {"error", {{"code", "NOT_IMPLEMENTED"}, {"message", message}, {"details", json::object{}}}},
      {"timestamp", to_rfc3339(c.grid.clock().now())}});
  return r;
}
#endif

}  // namespace

void add_billing_routes(router& r) {
  const std::string base = "/api/v1/billing";

  // --- the customer's own ------------------------------------------------------------

  r.add("GET", base + "/invoices", access::signed_in, [](call& c) {
    invoice_query q;
    if (auto s = c.query_value("status")) q.status = take(parse_invoice_status(*s, "status"));
    q.period = c.query_value("period");
    const auto p = c.query_page(default_per_page);
    q.page = p.page;
    q.per_page = p.per_page;
    const auto page = answer_billing(c.grid.billing().invoices(c.caller(), q));
    return ok(view(page, "invoices", [](const invoice& i) { return view(i); }), "invoices");
  });

  r.add("GET", base + "/invoices/:invoiceId", access::signed_in, [](call& c) {
    const auto id = c.param_id("invoiceId");
    return ok(view(answer_billing(c.grid.billing().get(c.caller(), id))), "invoice");
  });

  // `unavailable` here means the library was built without libharu: 501,
  // in this route only. With PDF support the code keeps its usual meaning
  // (storage busy or unreachable: 503).
  r.add("GET", base + "/invoices/:invoiceId/pdf", access::signed_in, [](call& c) {
    const auto id = c.param_id("invoiceId");
    auto pdf = c.grid.billing().pdf(c.caller(), id);
#ifndef SEGS_WITH_PDF
    if (!pdf && pdf.error().code == errc::unavailable) return not_implemented(c, pdf.error().message);
#endif
    reply out;
    out.raw = answer_billing(std::move(pdf));
    out.content_type = "application/pdf";
    return out;
  });

  r.add("GET", base + "/current-cycle", access::signed_in, [](call& c) {
    return ok(view(answer_billing(c.grid.billing().current_cycle(c.caller()))), "current cycle");
  });

  r.add("GET", base + "/estimated", access::signed_in, [](call& c) {
    return ok(view(answer_billing(c.grid.billing().estimate(c.caller()))), "estimated bill");
  });

  // 201 for a new payment; 200 with the first answer for a replay of the
  // same request under the same Idempotency-Key.
  r.add("POST", base + "/invoices/:invoiceId/pay", access::signed_in, [](call& c) {
    const auto id = c.param_id("invoiceId");
    const auto req = read_payment(c.body, idempotency_key(c));
    const auto receipt = answer_billing(c.grid.billing().pay(c.caller(), id, req, c.ctx));
    if (receipt.replayed) return ok(view(receipt), "payment already recorded");
    return ok(view(receipt), "payment recorded", 201);
  });

  r.add("GET", base + "/payment-history", access::signed_in, [](call& c) {
    const auto page = answer_billing(c.grid.billing().payments(c.caller(), c.query_page(default_per_page)));
    return ok(view(page, "payments", [](const payment& p) { return view(p); }), "payment history");
  });

  r.add("POST", base + "/invoices/:invoiceId/dispute", access::signed_in, [](call& c) {
    const auto id = c.param_id("invoiceId");
    const auto reason = read_reason(c.body);
    return ok(view(answer_billing(c.grid.billing().dispute(c.caller(), id, reason, c.ctx))), "dispute opened");
  });

  // --- operators and admins (the service checks billing:operate) ------------------------

  r.add("POST", base + "/invoices/:invoiceId/dispute/resolve", access::signed_in, [](call& c) {
    const auto id = c.param_id("invoiceId");
    const auto resolution = read_resolution(c.body);
    return ok(view(answer_billing(c.grid.billing().resolve_dispute(c.caller(), id, resolution, c.ctx))),
              "dispute resolved");
  });

  r.add("POST", base + "/invoices/:invoiceId/void", access::signed_in, [](call& c) {
    const auto id = c.param_id("invoiceId");
    const auto reason = read_reason(c.body);
    return ok(view(answer_billing(c.grid.billing().void_invoice(c.caller(), id, reason, c.ctx))), "invoice voided");
  });

  r.add("GET", base + "/region/:region/overdue", access::signed_in, [](call& c) {
    const std::string_view region = c.param("region");
    const auto page =
        answer_billing(c.grid.billing().overdue(c.caller(), region, c.query_page(default_per_page)));
    return ok(view(page, "invoices", [](const overdue_invoice& o) { return view(o); }), "overdue invoices");
  });

  // Without ?region= every region in the caller's scope; from/to "YYYY-MM".
  r.add("GET", base + "/analytics", access::signed_in, [](call& c) {
    const auto region = c.query_value("region");
    const auto from = c.query_value("from");
    const auto to = c.query_value("to");
    return ok(view(answer_billing(
                  c.grid.billing().analytics(c.caller(), view_of(region), view_of(from), view_of(to)))),
              "billing analytics");
  });

  r.add("POST", base + "/generate-invoices", access::signed_in, [](call& c) {
    only_fields(c.body, {"period", "region"});
    const auto period = required_string(c.body, "period");
    const auto region = optional_string(c.body, "region");
    return ok(view(answer_billing(c.grid.billing().generate(c.caller(), period, view_of(region), c.ctx))),
              "invoices generated");
  });

  // Without ?region= the caller's own region's invoices, streamed
  // (csv_stream.hpp): the first page is read here, so that authorization and
  // validation errors answer their status; the following pages
  // (export_csv_page, 1000 invoices each) are read one per chunk.
  r.add("GET", base + "/export", access::signed_in, [](call& c) {
    constexpr int page_rows = 1000;
    auto region = region_or_callers(c);
    auto period = c.query_value("period");
    auto first =
        answer_billing(c.grid.billing().export_csv_page(c.caller(), region, view_of(period), {}, page_rows));
    return csv_stream({std::move(first.text), std::move(first.next_after), first.done},
                      [grid = &c.grid, who = c.caller(), region = std::move(region),
                       period = std::move(period)](const std::string& after) -> csv_chunk {
                        auto page = grid->billing().export_csv_page(who, region, view_of(period), after, page_rows);
                        if (!page) throw segs::exception(page.error());
                        return {std::move(page->text), std::move(page->next_after), page->done};
                      });
  });

  // --- settings: read by every signed-in caller, changed by admins (billing:manage) ----------

  r.add("GET", base + "/settings/:region", access::signed_in, [](call& c) {
    const std::string_view region = c.param("region");
    return ok(view(answer_billing(c.grid.billing().settings(c.caller(), region))), "billing settings");
  });

  r.add("PUT", base + "/settings/:region", access::signed_in, [](call& c) {
    const std::string_view region = c.param("region");
    const auto update = read_settings_update(c.body);
    return ok(view(answer_billing(c.grid.billing().configure(c.caller(), region, update, c.ctx))),
              "billing settings updated");
  });
}

}  // namespace segs::rest::detail
