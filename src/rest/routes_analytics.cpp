// The P2P seed's analytics routes (/api/v1/analytics/*): energy, trading,
// users, market and financial reports. Who may read what is decided by the
// analytics service (a user: their own figures and their region's market;
// analytics:operate: the region's; users analytics: analytics:operate only);
// these routes only translate (analytics_views.hpp). Query: `region`,
// `from`, `to` (local dates YYYY-MM-DD, both included), and `group_by`
// (day|month) for financial.
#include "rest/analytics_views.hpp"
#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/analytics.hpp>

#include <string>

namespace segs::rest::detail {

void add_analytics_routes(router& r) {
  const std::string base = "/api/v1/analytics";

  r.add("GET", base + "/energy", access::signed_in, [](call& c) {
    const auto q = read_analytics_query(c);
    return ok(view(take(c.grid.analytics().energy(c.caller(), q))), "energy analytics");
  });

  r.add("GET", base + "/trading", access::signed_in, [](call& c) {
    const auto q = read_analytics_query(c);
    return ok(view(take(c.grid.analytics().trading(c.caller(), q))), "trading analytics");
  });

  r.add("GET", base + "/users", access::signed_in, [](call& c) {
    const auto q = read_analytics_query(c);
    return ok(view(take(c.grid.analytics().users(c.caller(), q))), "user analytics");
  });

  r.add("GET", base + "/market", access::signed_in, [](call& c) {
    const auto q = read_analytics_query(c);
    return ok(view(take(c.grid.analytics().market(c.caller(), q))), "market analytics");
  });

  r.add("GET", base + "/financial", access::signed_in, [](call& c) {
    const auto q = read_analytics_query(c);
    auto group = analytics_grouping::month;
    if (auto g = c.query_value("group_by")) group = take(parse_analytics_grouping(*g, "group_by"));
    return ok(view(take(c.grid.analytics().financial(c.caller(), q, group))), "financial analytics");
  });
}

}  // namespace segs::rest::detail
