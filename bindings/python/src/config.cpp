// segs.Config (Grid.config): the runtime configuration — typed settings
// changed while the grid runs, all or none, audited, in force at once
// (include/segs/config.hpp). Values are Python bools, ints and strs.
#include "common.hpp"
#include "grid.hpp"

#include <segs/config.hpp>
#include <segs/grid.hpp>

#include <string>
#include <utility>
#include <vector>

namespace segs::python {

namespace {

struct py_config {
  holder_ptr holder;
};

template <class Fn>
auto with_config(const py_config& s, Fn&& fn) {
  return with_service(
      *s.holder, [](segs::grid& g) -> config_service& { return g.config(); },
      [&](config_service& c) { return fn(c); });
}

py::object value_to_py(const setting_value& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

/// A dict's value as a setting's: None resets; bool, int or str; anything
/// else is a ValidationError naming the key.
std::optional<setting_value> value_from_py(const std::string& key, py::handle v) {
  if (v.is_none()) return std::nullopt;
  if (py::isinstance<py::bool_>(v)) return setting_value{v.cast<bool>()};
  if (py::isinstance<py::int_>(v)) {
    try {
      return setting_value{v.cast<std::int64_t>()};
    } catch (const py::cast_error&) {
      raise_error(errc::validation_error, key + " is out of range", key);
    }
  }
  if (py::isinstance<py::str>(v)) return setting_value{v.cast<std::string>()};
  raise_error(errc::validation_error, key + " must be a bool, an int or a str", key);
}

}  // namespace

void register_config(py::module_& m) {
  py::class_<setting>(m, "Setting", "One runtime setting as it stands. Read-only.")
      .def_readonly("key", &setting::key, "\"<area>.<name>\", e.g. \"notifications.retention_days\".")
      .def_property_readonly(
          "type", [](const setting& s) { return std::string(to_string(s.type)); },
          "\"flag\", \"integer\" or \"text\".")
      .def_property_readonly(
          "value", [](const setting& s) { return value_to_py(s.value); }, "The value in force.")
      .def_property_readonly(
          "default", [](const setting& s) { return value_to_py(s.fallback); }, "What a reset returns to.")
      .def_readonly("overridden", &setting::overridden, "True while a stored value is in force.")
      .def_readonly("description", &setting::description, "What it does.")
      .def_readonly("min", &setting::min, "An integer setting's lowest value, else None.")
      .def_readonly("max", &setting::max, "An integer setting's highest value, else None.")
      .def_property_readonly(
          "updated_at", [](const setting& s) { return to_py(s.updated_at); },
          "When the stored value was set (aware UTC datetime), or None.")
      .def_property_readonly(
          "updated_by", [](const setting& s) { return to_py(s.updated_by); },
          "The user who set it (UUID), or None.")
      .def("__repr__", [](const setting& s) {
        return repr_builder("Setting").add("key", py::str(s.key)).add("value", value_to_py(s.value)).str();
      });

  py::class_<py_config>(m, "Config",
                        "The runtime configuration (list: system:read; update: config:manage; admins). "
                        "Obtained from Grid.config; keeps its grid alive.")
      .def(
          "list",
          [](const py_config& s, const principal& who) {
            return with_config(s, [&](config_service& c) { return c.list(who); });
          },
          py::arg("principal"), "Every setting (a list of Setting), by key.")
      .def(
          "update",
          [](const py_config& s, const principal& who, const py::dict& changes) {
            std::vector<std::pair<std::string, std::optional<setting_value>>> in;
            for (auto [k, v] : changes) {
              auto key = py::str(k).cast<std::string>();
              in.emplace_back(key, value_from_py(key, v));
            }
            auto done = with_config(s, [&](config_service& c) { return c.update(who, in); });
            py::list out;
            for (const auto& ch : done)
              out.append(py::dict(py::arg("key") = ch.key, py::arg("old") = value_to_py(ch.old_value),
                                  py::arg("new") = value_to_py(ch.new_value)));
            return out;
          },
          py::arg("principal"), py::arg("changes"),
          "Sets each key of `changes` to its value (None: back to the default), all or none; answers "
          "[{key, old, new}] for the keys that changed. Raises ValidationError naming an unknown key, "
          "a wrong type or a value out of range.")
      .def(
          "value",
          [](const py_config& s, const std::string& key) {
            auto v = with_config(s, [&](config_service& c) -> result<std::optional<setting_value>> {
              return c.value(key);
            });
            return v ? value_to_py(*v) : py::object(py::none());
          },
          py::arg("key"), "The value in force, or None for an unknown key.");

  add_grid_service<py_config>(m, "config", "The Config service (the runtime configuration).");
}

}  // namespace segs::python
