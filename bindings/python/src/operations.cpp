// segs.Operations (Grid.operations): the deployment's health checks, what
// runs, and what it holds; admins only (system:read). HealthReport,
// SystemInfo and DeploymentStats are read-only values; a health report's
// checks are dicts shaped as the REST answer's (docs/operations.md).
#include "common.hpp"
#include "grid.hpp"

#include <segs/grid.hpp>
#include <segs/operations.hpp>

#include <string>

namespace segs::python {

namespace {

struct py_operations {
  holder_ptr holder;
};

template <class Fn>
auto with_operations(const py_operations& s, Fn&& fn) {
  return with_service(
      *s.holder, [](segs::grid& g) -> operations_service& { return g.operations(); },
      [&](operations_service& o) { return fn(o); });
}

py::str name_of(health_status s) { return py::str(std::string(to_string(s))); }

py::dict checks_of(const health_report& h) {
  py::dict d;
  d["database"] = py::dict(py::arg("status") = name_of(h.database.status),
                           py::arg("latency_ms") = h.database.latency_ms);
  d["migrations"] = py::dict(py::arg("status") = name_of(h.migrations.status),
                             py::arg("version") = h.migrations.version, py::arg("latest") = h.migrations.latest);
  d["due_work"] = py::dict(py::arg("status") = name_of(h.due_work.status),
                           py::arg("lag_s") = h.due_work.lag_s ? py::object(py::float_(*h.due_work.lag_s))
                                                                : py::object(py::none()),
                           py::arg("last_run_at") = to_py(h.due_work.last_run_at));
  d["event_hub"] = py::dict(py::arg("status") = name_of(h.event_hub.status), py::arg("queued") = h.event_hub.queued,
                            py::arg("dropped") = h.event_hub.dropped,
                            py::arg("subscribers") = h.event_hub.subscribers);
  d["storage"] = py::dict(py::arg("status") = name_of(h.storage.status),
                          py::arg("pool_in_use") = h.storage.pool_in_use, py::arg("pool_size") = h.storage.pool_size);
  return d;
}

}  // namespace

void register_operations(py::module_& m) {
  py::class_<health_report>(m, "HealthReport", "The deployment's health checks. Read-only.")
      .def_property_readonly(
          "status", [](const health_report& h) { return name_of(h.status); },
          "\"healthy\", \"degraded\" or \"unhealthy\": the worst check.")
      .def_property_readonly("checks", &checks_of,
                             "A dict of dicts: database, migrations, due_work, event_hub, storage, each with "
                             "its status and figures.")
      .def("__repr__", [](const health_report& h) {
        return repr_builder("HealthReport").add("status", name_of(h.status)).str();
      });

  py::class_<system_info>(m, "SystemInfo", "What runs. Read-only.")
      .def_readonly("version", &system_info::version, "The library's version.")
      .def_readonly("build", &system_info::build, "Compiler, build type and optional parts.")
      .def_readonly("backend", &system_info::backend, "\"sqlite\" or \"postgres\".")
      .def_readonly("uptime_s", &system_info::uptime_s, "Seconds since the grid opened.")
      .def_property_readonly(
          "started_at", [](const system_info& i) { return to_py(i.started_at); },
          "The clock's now when the grid opened (aware UTC datetime).")
      .def_readonly("schema_version", &system_info::schema_version, "The newest applied migration.")
      .def_readonly("regions", &system_info::regions, "The registered region codes.");

  py::class_<deployment_stats>(m, "DeploymentStats", "What the deployment holds. Read-only.")
      .def_readonly("users", &deployment_stats::users, "Users, not deleted.")
      .def_readonly("meters", &deployment_stats::meters, "Meters.")
      .def_readonly("readings", &deployment_stats::readings, "Raw reading rows kept.")
      .def_readonly("open_alerts", &deployment_stats::open_alerts, "Active or acknowledged alerts.")
      .def_readonly("tariffs", &deployment_stats::tariffs, "Tariffs.")
      .def_readonly("open_orders", &deployment_stats::open_orders, "Open or partly filled orders, as stored.")
      .def_readonly("trades", &deployment_stats::trades, "Trades.")
      .def_readonly("invoices", &deployment_stats::invoices, "Invoices.")
      .def_readonly("notifications", &deployment_stats::notifications, "Notifications kept.")
      .def_readonly("audit_records", &deployment_stats::audit_records, "Audit records.")
      .def_property_readonly(
          "regions",
          [](const deployment_stats& s) {
            py::list out;
            for (const auto& r : s.regions)
              out.append(py::dict(py::arg("region") = r.region, py::arg("users") = r.users,
                                  py::arg("meters") = r.meters, py::arg("open_alerts") = r.open_alerts,
                                  py::arg("open_orders") = r.open_orders, py::arg("invoices") = r.invoices));
            return out;
          },
          "Per region: a list of dicts (region, users, meters, open_alerts, open_orders, invoices).")
      .def_property_readonly(
          "database_bytes",
          [](const deployment_stats& s) {
            return s.database_bytes ? py::object(py::int_(*s.database_bytes)) : py::object(py::none());
          },
          "The database's size in bytes, or None where the backend cannot tell.");

  py::class_<seed_report>(m, "SeedReport", "What Operations.seed created. Read-only.")
      .def_readonly("run", &seed_report::run, "Which seeding of this database this was, from 1 (emails carry it).")
      .def_readonly("regions", &seed_report::regions, "Regions registered.")
      .def_readonly("users", &seed_report::users, "Accounts created, every role.")
      .def_readonly("meters", &seed_report::meters, "Meters created, one per household.")
      .def_readonly("tariffs", &seed_report::tariffs, "Tariffs created, one per region.")
      .def_readonly("readings", &seed_report::readings, "15-minute readings stored.")
      .def_readonly("orders", &seed_report::orders, "Orders the market accepted.")
      .def_readonly("trades", &seed_report::trades, "Trades those orders made.")
      .def_readonly("settled_slots", &seed_report::settled_slots, "Delivery slots closed and settled.")
      .def_property_readonly(
          "credentials",
          [](const seed_report& r) {
            py::list out;
            for (const auto& c : r.credentials)
              out.append(py::dict(py::arg("email") = c.email, py::arg("password") = c.password,
                                  py::arg("role") = c.role));
            return out;
          },
          "Every account created: a list of dicts (email, password, role). Shown once: only the "
          "password hashes are stored.")
      .def("__repr__", [](const seed_report& r) {
        return repr_builder("SeedReport")
            .add("run", py::int_(r.run))
            .add("users", py::int_(r.users))
            .add("readings", py::int_(r.readings))
            .str();
      });

  py::class_<py_operations>(m, "Operations",
                            "The deployment's health, information and statistics, and seeding demo data "
                            "(system:read: admins). "
                            "Obtained from Grid.operations; keeps its grid alive.")
      .def(
          "health",
          [](const py_operations& s, const principal& who) {
            return with_operations(s, [&](operations_service& o) { return o.health(who); });
          },
          py::arg("principal"), "The HealthReport.")
      .def(
          "info",
          [](const py_operations& s, const principal& who) {
            return with_operations(s, [&](operations_service& o) { return o.info(who); });
          },
          py::arg("principal"), "The SystemInfo.")
      .def(
          "stats",
          [](const py_operations& s, const principal& who) {
            return with_operations(s, [&](operations_service& o) { return o.stats(who); });
          },
          py::arg("principal"), "The DeploymentStats.")
      .def(
          "seed",
          [](const py_operations& s, const principal& who, long long seed, int users, int days) {
            // Checked here so the error names the keyword (C++ takes an unsigned seed).
            if (seed < 0) raise_error(errc::validation_error, "seed must be a whole number >= 0", "seed");
            const seed_request r{static_cast<std::uint64_t>(seed), users, days};
            return with_operations(s, [&](operations_service& o) { return o.seed(who, r); });
          },
          py::arg("principal"), py::kw_only(), py::arg("seed") = 42, py::arg("users") = 10, py::arg("days") = 7,
          "Seeds demo data (docs/operations.md, \"Seeding\"): two regions, an admin, an operator per "
          "region, ``users`` households (1..1000) with meters, tariffs, ``days`` (0..90) whole UTC days of "
          "synthetic 15-minute readings, orders and a settled day of slots; the same ``seed`` on an empty "
          "database at the same clock time seeds the same data. Only for a grid opened with "
          "development_mode=True and an admin: raises Forbidden otherwise; ValidationError naming seed, "
          "users or days. Each call is a new run with fresh emails. Returns the SeedReport, whose "
          "credentials are shown only there.");

  add_grid_service<py_operations>(m, "operations", "The Operations service (health, information, statistics, seeding).");
}

}  // namespace segs::python
