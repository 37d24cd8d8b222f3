// POST /api/v1/admin/data/seed: demo data for a grid in development mode
// (docs/operations.md, "Seeding"). The operations service decides who may
// (system:read, and only in development mode: 403 otherwise) and validates
// `users` and `days`; this route reads the body and checks `seed`.
#include "rest/json_io.hpp"
#include "rest/route.hpp"
#include "rest/telemetry_views.hpp"  // only_fields

#include <segs/operations.hpp>

#include <limits>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

int whole_int(const json::object& body, std::string_view field, int fallback) {
  const auto n = optional_whole(body, field);
  if (!n) return fallback;
  // Out of int's range is out of the library's: let it name the field.
  if (*n < std::numeric_limits<int>::min()) return std::numeric_limits<int>::min();
  if (*n > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  return static_cast<int>(*n);
}

}  // namespace

void add_seed_routes(router& r) {
  r.add("POST", "/api/v1/admin/data/seed", access::signed_in, [](call& c) {
    only_fields(c.body, {"seed", "users", "days"});
    seed_request req;
    if (const auto s = optional_whole(c.body, "seed")) {
      if (*s < 0) invalid("seed", "seed must be a whole number >= 0");
      req.seed = static_cast<std::uint64_t>(*s);
    }
    req.users = whole_int(c.body, "users", req.users);
    req.days = whole_int(c.body, "days", req.days);
    const auto rep = take(c.grid.operations().seed(c.caller(), req));
    json::array credentials;
    for (const auto& d : rep.credentials)
      credentials.push_back(json::object{{"email", d.email}, {"password", d.password}, {"role", d.role}});
    return ok(json::object{{"run", rep.run},
                           {"created", json::object{{"regions", rep.regions},
                                                    {"users", rep.users},
                                                    {"meters", rep.meters},
                                                    {"tariffs", rep.tariffs},
                                                    {"readings", rep.readings},
                                                    {"orders", rep.orders},
                                                    {"trades", rep.trades},
                                                    {"settled_slots", rep.settled_slots}}},
                           {"credentials", std::move(credentials)}},
              "demo data seeded; the passwords are not shown again", 201);
  });
}

}  // namespace segs::rest::detail
