// The operators' dashboard, reports and users export (issue 16, section 3):
// /api/v1/operator/dashboard/stats, /api/v1/operator/reports/{consumption,
// revenue} (JSON, or CSV with "Accept: text/csv"), and the users' CSV at
// /api/v1/operator/export/users and /api/v1/admin/users/export (the same
// export: the library decides whose users by the caller's scope, as the
// other /admin/users routes follow the library's permissions, not the path).
// Who may read what is the operations service's to decide; these routes
// only translate (operator_views.hpp).
#include "rest/csv_stream.hpp"
#include "rest/operator_views.hpp"
#include "rest/route.hpp"

#include <segs/operations.hpp>

#include <cctype>
#include <string>

namespace segs::rest::detail {

namespace {

/// Does the request ask for CSV (an Accept header naming text/csv)?
bool wants_csv(const call& c) {
  for (const auto& h : c.req.headers) {
    if (h.name.size() != 6) continue;
    std::string name;
    for (char ch : h.name) name += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "accept" && h.value.find("text/csv") != std::string::npos) return true;
  }
  return false;
}

template <class Report>
reply report_reply(const call& c, const Report& r, std::string message) {
  if (!wants_csv(c)) return ok(view(r), std::move(message));
  reply out;
  out.raw = csv(r);
  out.content_type = "text/csv; charset=utf-8";
  return out;
}

/// The users' CSV, streamed a page (1000 users) per chunk.
reply export_users(call& c) {
  constexpr int page_rows = 1000;
  auto first = take(c.grid.operations().export_users_page(c.caller(), {}, page_rows));
  return csv_stream({std::move(first.text), std::move(first.next_after), first.done},
                    [grid = &c.grid, who = c.caller()](const std::string& after) -> csv_chunk {
                      auto page = take(grid->operations().export_users_page(who, after, page_rows));
                      return {std::move(page.text), std::move(page.next_after), page.done};
                    });
}

}  // namespace

void add_operator_routes(router& r) {
  const std::string op = "/api/v1/operator";

  r.add("GET", op + "/dashboard/stats", access::signed_in,
        [](call& c) { return ok(view(take(c.grid.operations().dashboard(c.caller(), c.query_value("region")))), "dashboard"); });

  r.add("GET", op + "/reports/consumption", access::signed_in, [](call& c) {
    const auto q = read_report_query(c);
    return report_reply(c, take(c.grid.operations().consumption(c.caller(), q)), "consumption report");
  });

  r.add("GET", op + "/reports/revenue", access::signed_in, [](call& c) {
    const auto q = read_report_query(c);
    return report_reply(c, take(c.grid.operations().revenue(c.caller(), q)), "revenue report");
  });

  r.add("GET", op + "/export/users", access::signed_in, export_users);
  r.add("GET", "/api/v1/admin/users/export", access::signed_in, export_users);
}

}  // namespace segs::rest::detail
