// /api/v1/regions: the region registry (region.hpp) and its JSON view.
#include "rest/json_io.hpp"
#include "rest/route.hpp"

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

json::value view(const region& r) {
  return json::object{
      {"code", r.code},
      {"name", r.name},
      {"time_zone", r.time_zone},
      {"currency", r.currency},
      {"currency_minor_units", r.currency_minor_units},
      {"nominal_voltage_v", r.nominal_voltage_v},
      {"nominal_frequency_hz", r.nominal_frequency_hz},
      {"emission_factor_kg_per_kwh", r.emission_factor_kg_per_kwh},
      {"created_at", to_rfc3339(r.created_at)},
      {"updated_at", to_rfc3339(r.updated_at)},
  };
}


}  // namespace

void add_region_routes(router& r) {
  const std::string base = "/api/v1/regions";

  r.add("GET", base, access::signed_in, [](call& c) {
    json::array out;
    for (const auto& g : take(c.grid.regions().list(c.caller()))) out.push_back(view(g));
    return ok(json::object{{"regions", std::move(out)},
                           {"default_region", c.grid.regions().default_region()}},
              "regions");
  });

  r.add("GET", base + "/:code", access::signed_in, [](call& c) {
    return ok(view(take(c.grid.regions().get(c.caller(), c.param("code")))), "region");
  });

  r.add("PUT", base + "/:code", access::signed_in, [](call& c) {
    region_spec s;
    s.name = optional_string(c.body, "name");
    s.time_zone = optional_string(c.body, "time_zone");
    s.currency = optional_string(c.body, "currency");
    s.nominal_voltage_v = optional_number(c.body, "nominal_voltage_v");
    s.nominal_frequency_hz = optional_number(c.body, "nominal_frequency_hz");
    s.emission_factor_kg_per_kwh = optional_number(c.body, "emission_factor_kg_per_kwh");
    const bool existed = c.grid.regions().get(c.caller(), c.param("code")).has_value();
    auto saved = take(c.grid.regions().put(c.caller(), c.param("code"), s, c.ctx));
    return ok(view(saved), existed ? "region updated" : "region created", existed ? 200 : 201);
  });
}

}  // namespace segs::rest::detail
