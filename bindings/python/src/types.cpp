// The values every capability shares: clocks, Principal (who is acting) and
// Page (one page of any listing). A capability's own values are registered
// in its file (identity.cpp, audit.cpp, outbox.cpp, market.cpp, ...).
#include "common.hpp"

#include "page.hpp"

namespace segs::python {

namespace {

std::string kind_name(principal::kind k) {
  switch (k) {
    case principal::kind::user: return "user";
    case principal::kind::api_key: return "api_key";
    case principal::kind::system: return "system";
    case principal::kind::anonymous: return "anonymous";
  }
  return "system";
}

}  // namespace

void register_types(py::module_& m) {
  // --- clocks ---------------------------------------------------------------------
  py::class_<segs::clock, std::shared_ptr<segs::clock>>(
      m, "Clock",
      "The source of \"now\" for a grid (expiry, lockouts). Pass a ManualClock to "
      "Grid.open to control time in tests; the default is the system clock.")
      .def(
          "now", [](const segs::clock& c) { return to_py(c.now()); },
          "The current instant as a timezone-aware UTC datetime.");

  py::class_<system_clock, segs::clock, std::shared_ptr<system_clock>>(
      m, "SystemClock", "The operating system's real-time clock (the default).")
      .def(py::init<>(), "Creates a system clock.");

  py::class_<manual_clock, segs::clock, std::shared_ptr<manual_clock>>(
      m, "ManualClock",
      "A clock that moves only when told to; thread-safe.\n\n"
      "    clock = segs.ManualClock(datetime(2025, 1, 1, tzinfo=timezone.utc))\n"
      "    grid = segs.Grid.open(\"sqlite::memory:\", clock=clock)\n"
      "    clock.advance(timedelta(minutes=11))  # codes issued before are expired")
      .def(py::init([](const py::object& start) {
             return std::make_shared<manual_clock>(timestamp_from_py(start, "start"));
           }),
           py::arg("start"), "Creates a clock standing at ``start`` (a timezone-aware datetime).")
      .def(
          "advance",
          [](manual_clock& c, const py::object& by) { c.advance(duration_from_py(by, "by")); },
          py::arg("by"),
          "Moves the clock forward (backward when negative) by a timedelta or seconds.")
      .def(
          "set", [](manual_clock& c, const py::object& t) { c.set(timestamp_from_py(t, "t")); },
          py::arg("t"), "Sets the clock to ``t`` (a timezone-aware datetime).");

  // --- principal --------------------------------------------------------------------
  py::class_<principal>(
      m, "Principal",
      "Who is acting: a signed-in user, an API key, the system or an anonymous "
      "caller. Obtained from Identity.authenticate / authenticate_api_key, or "
      "Principal.system() / Principal.anonymous(). Read-only.")
      .def_property_readonly(
          "type", [](const principal& p) { return kind_name(p.type); },
          "\"user\", \"api_key\", \"system\" or \"anonymous\".")
      .def_property_readonly(
          "id", [](const principal& p) { return to_py_or_none(p.id); },
          "The user's or API key's id (uuid.UUID); None for system/anonymous.")
      .def_readonly("role", &principal::role, "The role name (users).")
      .def_property_readonly(
          "scope", [](const principal& p) { return std::string(to_string(p.scope)); },
          "Whose data the principal reaches: \"self\", \"department\", \"region\" or \"all\".")
      .def_readonly("region", &principal::region, "The principal's region.")
      .def_readonly("department", &principal::department, "The principal's department.")
      .def_readonly("permissions", &principal::permissions,
                    "Permissions of the role (users) or scopes of the key (API keys).")
      .def_readonly("meter_ids", &principal::meter_ids,
                    "For API keys bound to meters: the meter ids they may act for.")
      .def_property_readonly(
          "session_id", [](const principal& p) { return to_py(p.session_id); },
          "The session behind the access token (users), or None.")
      .def_property_readonly(
          "expires_at", [](const principal& p) { return to_py(p.expires_at); },
          "When the access token expires (users), or None.")
      .def("can", &principal::can, py::arg("permission"),
           "True when the principal holds ``permission`` (e.g. \"users:read\").")
      .def_static("system", &principal::system,
                  "The system principal: every permission. For the host's own jobs; never "
                  "hand it to a remote caller.")
      .def_static("anonymous", &principal::anonymous,
                  "A caller with no credentials (for public operations such as "
                  "Identity.department).")
      .def("__repr__", [](const principal& p) {
        return repr_builder("Principal")
            .add("type", py::str(kind_name(p.type)))
            .add("id", to_py_or_none(p.id))
            .add("role", py::str(p.role))
            .add("scope", py::str(std::string(to_string(p.scope))))
            .str();
      });

  // --- page -----------------------------------------------------------------------------------
  py::class_<py_page>(m, "Page",
                      "One page of a listing: ``items`` plus paging totals. Iterable and "
                      "sized over its items. Every listing takes ``page`` (from 1) and "
                      "``per_page`` (1 to 100); a page past the end has no items.")
      .def_readonly("items", &py_page::items, "The items of this page (a list).")
      .def_readonly("total", &py_page::total, "Number of matching items over all pages.")
      .def_readonly("page", &py_page::page, "This page's number (from 1).")
      .def_readonly("per_page", &py_page::per_page, "Items per page.")
      .def_readonly("total_pages", &py_page::total_pages, "Number of pages (0 when empty).")
      .def("__len__", [](const py_page& p) { return py::len(p.items); })
      .def("__iter__", [](const py_page& p) { return p.items.attr("__iter__")(); })
      .def("__repr__", [](const py_page& p) {
        return repr_builder("Page")
            .add("items", py::int_(py::len(p.items)))
            .add("total", py::int_(p.total))
            .add("page", py::int_(p.page))
            .add("per_page", py::int_(p.per_page))
            .str();
      });
}

}  // namespace segs::python
