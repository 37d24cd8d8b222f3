// segs.Region and segs.Regions (Grid.regions): the region registry.
#include "common.hpp"
#include "grid.hpp"

#include <segs/region.hpp>

namespace segs::python {

namespace {

struct py_regions {
  holder_ptr holder;
};

template <class Fn>
auto with_regions(const py_regions& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> region_service& { return g.regions(); },
                      std::forward<Fn>(fn));
}

}  // namespace

region_spec region_spec_from_py(py::handle mapping, const std::string& code) {
  if (!py::isinstance<py::dict>(mapping))
    throw py::type_error("regions[" + code + "] must be a dict of region fields");
  region_spec s;
  for (auto [k, v] : mapping.cast<py::dict>()) {
    const auto key = k.cast<std::string>();
    auto text = [&] { return v.cast<std::string>(); };
    auto number = [&] { return v.cast<double>(); };
    if (key == "name") s.name = text();
    else if (key == "time_zone") s.time_zone = text();
    else if (key == "currency") s.currency = text();
    else if (key == "nominal_voltage_v") s.nominal_voltage_v = number();
    else if (key == "nominal_frequency_hz") s.nominal_frequency_hz = number();
    else if (key == "emission_factor_kg_per_kwh") s.emission_factor_kg_per_kwh = number();
    else raise_error(errc::validation_error, "regions[" + code + "]: unknown field " + key, key);
  }
  return s;
}

void register_region(py::module_& m) {
  py::class_<region>(m, "Region",
                     "A region: its code, IANA time zone, ISO 4217 currency and grid "
                     "references. Read-only.")
      .def_readonly("code", &region::code, "The code users and markets carry.")
      .def_readonly("name", &region::name, "The display name.")
      .def_readonly("time_zone", &region::time_zone, "IANA time zone, e.g. \"Europe/Berlin\".")
      .def_readonly("currency", &region::currency, "ISO 4217 code.")
      .def_readonly("currency_minor_units", &region::currency_minor_units,
                    "Digits after the decimal point of the currency (ISO 4217).")
      .def_readonly("nominal_voltage_v", &region::nominal_voltage_v, "Nominal voltage, V.")
      .def_readonly("nominal_frequency_hz", &region::nominal_frequency_hz,
                    "Nominal frequency, Hz.")
      .def_readonly("emission_factor_kg_per_kwh", &region::emission_factor_kg_per_kwh,
                    "Grid carbon intensity, kg CO2 per kWh.")
      .def_property_readonly(
          "created_at", [](const region& r) { return to_py(r.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "updated_at", [](const region& r) { return to_py(r.updated_at); }, "Aware UTC datetime.")
      .def("__repr__", [](const region& r) {
        return repr_builder("Region")
            .add("code", py::str(r.code))
            .add("time_zone", py::str(r.time_zone))
            .add("currency", py::str(r.currency))
            .str();
      });

  py::class_<py_regions>(
      m, "Regions",
      "The region registry. Obtained from Grid.regions; keeps its grid alive. "
      "Thread-safe; the GIL is released during every call.")
      .def(
          "list",
          [](const py_regions& s, const principal& who) {
            return with_regions(s, [&](region_service& r) { return r.list(who); });
          },
          py::arg("principal"), "Every region, by code. Any signed-in principal.")
      .def(
          "get",
          [](const py_regions& s, const principal& who, const std::string& code) {
            return with_regions(s, [&](region_service& r) { return r.get(who, code); });
          },
          py::arg("principal"), py::arg("code"),
          "One region. Raises NotFound for an unknown code.")
      .def(
          "put",
          [](const py_regions& s, const principal& who, const std::string& code,
             std::optional<std::string> name, std::optional<std::string> time_zone,
             std::optional<std::string> currency, std::optional<double> nominal_voltage_v,
             std::optional<double> nominal_frequency_hz,
             std::optional<double> emission_factor_kg_per_kwh,
             const std::optional<std::string>& ip, const std::optional<std::string>& user_agent) {
            region_spec spec{std::move(name),    std::move(time_zone), std::move(currency),
                             nominal_voltage_v,  nominal_frequency_hz, emission_factor_kg_per_kwh};
            auto ctx = make_ctx(ip, user_agent);
            return with_regions(s, [&](region_service& r) { return r.put(who, code, spec, ctx); });
          },
          py::arg("principal"), py::arg("code"), py::kw_only(), py::arg("name") = py::none(),
          py::arg("time_zone") = py::none(), py::arg("currency") = py::none(),
          py::arg("nominal_voltage_v") = py::none(), py::arg("nominal_frequency_hz") = py::none(),
          py::arg("emission_factor_kg_per_kwh") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Creates (time_zone and currency required) or updates (absent fields kept) a "
          "region. Needs regions:manage (admins); audited. Raises ValidationError naming "
          "the field, Forbidden.")
      .def_property_readonly(
          "default_region",
          [](const py_regions& s) { return s.holder->get()->regions().default_region(); },
          "The region of registrations that name none.");

  add_grid_service<py_regions>(m, "regions", "The Regions registry.");
}

}  // namespace segs::python
