// segs.Operations (Grid.operations): the deployment's health checks, what
// runs, and what it holds; admins only (system:read). HealthReport,
// SystemInfo and DeploymentStats are read-only values; a health report's
// checks are dicts shaped as the REST answer's (docs/operations.md).
// Operators' views (analytics:operate; the export users:read): the
// dashboard, the consumption and revenue reports (rows as dicts with the
// REST field names; energy Decimal kWh, power Decimal kW, money Decimal
// currency units) and the users' CSV a page at a time.
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

py::object kw(const std::optional<milli>& m) { return m ? decimal(m->value, 3) : py::object(py::none()); }

operator_report_query report_query(const std::optional<std::string>& region, const py::object& from,
                                   const py::object& to, const std::string& group_by) {
  operator_report_query q;
  q.region = region;
  if (!from.is_none()) q.from = date_from_py(from, "from_");
  if (!to.is_none()) q.to = date_from_py(to, "to");
  q.group_by = unwrap(parse_analytics_grouping(group_by, "group_by"));
  return q;
}

/// A report method of Operations: (principal, region=None, *, from_=None,
/// to=None, group_by="day"), errors naming `from_` for `from`.
template <class Report>
auto report_method(result<Report> (operations_service::*fn)(const principal&, const operator_report_query&)) {
  return [fn](const py_operations& s, const principal& who, const std::optional<std::string>& region,
              const py::object& from, const py::object& to, const std::string& group_by) {
    const auto q = report_query(region, from, to, group_by);
    return with_operations(s, [&](operations_service& o) {
      auto r = (o.*fn)(who, q);
      if (!r) return decltype(r)(from_in_python_words(r.error()));
      return r;
    });
  };
}

template <class Report>
void report_header(py::class_<Report>& c) {
  c.def_property_readonly("region", [](const Report& r) { return r.header.region; }, "The region's code.")
      .def_property_readonly("time_zone", [](const Report& r) { return r.header.time_zone; }, "Its IANA time zone.")
      .def_property_readonly("currency", [](const Report& r) { return r.header.currency; }, "Its ISO 4217 currency.")
      .def_property_readonly("from_", [](const Report& r) { return to_py_date(r.header.from); },
                             "The first local date, included.")
      .def_property_readonly("to", [](const Report& r) { return to_py_date(r.header.to); }, "The last local date, included.")
      .def_property_readonly("group_by", [](const Report& r) { return std::string(to_string(r.header.group_by)); },
                             "\"day\" or \"month\": local days or months of the region.");
}

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
      .def_readonly("regions", &system_info::regions, "The registered region codes.")
      .def_readonly("readings_ingested", &system_info::readings_ingested,
                    "Readings stored (new and corrected) since the grid opened, in this process.");

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

  py::class_<operator_dashboard>(m, "OperatorDashboard",
                                 "An operator's dashboard over the regions it covers. Read-only; the figures of "
                                 "docs/operations.md, \"Operators' dashboard and reports\".")
      .def_readonly("regions", &operator_dashboard::regions, "The region codes covered, sorted.")
      .def_property_readonly(
          "as_of", [](const operator_dashboard& d) { return to_py(d.as_of); }, "The grid clock's now (aware UTC).")
      .def_readonly("currency", &operator_dashboard::currency,
                    "The regions' currency, or None when they use several (every money figure is None then).")
      .def_property_readonly(
          "users",
          [](const operator_dashboard& d) {
            return py::dict(py::arg("total") = d.users.total, py::arg("active") = d.users.active,
                            py::arg("suspended") = d.users.suspended);
          },
          "A dict: total (not deleted), active, suspended.")
      .def_property_readonly(
          "meters",
          [](const operator_dashboard& d) {
            return py::dict(py::arg("total") = d.meters.total, py::arg("active") = d.meters.active,
                            py::arg("reporting_last_15m") = d.meters.reporting_last_15m);
          },
          "A dict: total (not decommissioned), active, reporting_last_15m.")
      .def_property_readonly(
          "load_kw", [](const operator_dashboard& d) { return decimal(d.load_kw.value, 3); },
          "Decimal kW: the sum of the consuming meters' latest power in the last 15 minutes.")
      .def_property_readonly(
          "consumption_today_kwh", [](const operator_dashboard& d) { return to_py(d.consumption_today); },
          "Decimal kWh consumed since each region's local midnight.")
      .def_property_readonly(
          "alerts_open",
          [](const operator_dashboard& d) {
            return py::dict(py::arg("info") = d.alerts_open.info, py::arg("warning") = d.alerts_open.warning,
                            py::arg("critical") = d.alerts_open.critical);
          },
          "A dict of open (active or acknowledged) alerts by severity.")
      .def_property_readonly(
          "invoices",
          [](const operator_dashboard& d) {
            return py::dict(py::arg("outstanding") = to_py(d.invoices.outstanding),
                            py::arg("overdue_count") = d.invoices.overdue_count,
                            py::arg("overdue_amount") = to_py(d.invoices.overdue_amount));
          },
          "A dict: outstanding (Decimal or None), overdue_count, overdue_amount (Decimal or None).")
      .def_property_readonly(
          "market",
          [](const operator_dashboard& d) {
            return py::dict(py::arg("open_orders") = d.market.open_orders,
                            py::arg("volume_today_kwh") = to_py(d.market.volume_today),
                            py::arg("last_price") = to_py(d.market.last_price));
          },
          "A dict: open_orders, volume_today_kwh (Decimal), last_price (Decimal or None).")
      .def("__repr__", [](const operator_dashboard& d) {
        return repr_builder("OperatorDashboard").add("regions", py::cast(d.regions)).str();
      });

  py::class_<consumption_report> consumption(m, "ConsumptionReport",
                                             "Consumption per local day or month of a region. Read-only.");
  report_header(consumption);
  consumption.def_property_readonly(
      "rows",
      [](const consumption_report& r) {
        py::list out;
        for (const auto& x : r.rows)
          out.append(py::dict(py::arg("period") = x.period, py::arg("consumed_kwh") = to_py(x.consumed),
                              py::arg("produced_kwh") = to_py(x.produced), py::arg("net_kwh") = to_py(x.net),
                              py::arg("peak_load_kw") = kw(x.peak_load_kw),
                              py::arg("meters_reporting") = x.meters_reporting));
        return out;
      },
      "A list of dicts: period, consumed_kwh, produced_kwh, net_kwh, peak_load_kw (None without readings), "
      "meters_reporting.");

  py::class_<revenue_report> revenue(m, "RevenueReport", "Revenue per local day or month of a region. Read-only.");
  report_header(revenue);
  revenue.def_property_readonly(
      "rows",
      [](const revenue_report& r) {
        py::list out;
        for (const auto& x : r.rows)
          out.append(py::dict(py::arg("period") = x.period, py::arg("invoiced") = to_py(x.invoiced),
                              py::arg("collected") = to_py(x.collected), py::arg("outstanding") = to_py(x.outstanding),
                              py::arg("p2p_volume_kwh") = to_py(x.p2p_volume),
                              py::arg("market_fees") = to_py(x.market_fees)));
        return out;
      },
      "A list of dicts: period, invoiced, collected, outstanding, p2p_volume_kwh, market_fees.");

  py::class_<user_export_page>(m, "UserExportPage", "A page of the users' CSV export. Read-only.")
      .def_readonly("text", &user_export_page::text, "CSV lines (CRLF); the header row first on the first page.")
      .def_readonly("rows", &user_export_page::rows, "Users in `text`.")
      .def_readonly("next_after", &user_export_page::next_after, "Pass as `after` for the next page.")
      .def_readonly("done", &user_export_page::done, "True when no page follows.");

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
                            "(system:read: admins); operators' dashboard and reports (analytics:operate) and "
                            "users export (users:read). Obtained from Grid.operations; keeps its grid alive.")
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
          "dashboard",
          [](const py_operations& s, const principal& who, const std::optional<std::string>& region) {
            return with_operations(s, [&](operations_service& o) { return o.dashboard(who, region); });
          },
          py::arg("principal"), py::arg("region") = py::none(),
          "The OperatorDashboard of the regions the caller operates (analytics:operate), or of `region`.")
      .def(
          "consumption_report", report_method(&operations_service::consumption),
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(), py::arg("group_by") = "day",
          "The ConsumptionReport of a region per local \"day\" or \"month\" (analytics:operate over it).")
      .def(
          "revenue_report", report_method(&operations_service::revenue),
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(), py::arg("group_by") = "day",
          "The RevenueReport of a region per local \"day\" or \"month\" (analytics:operate over it).")
      .def(
          "export_users_page",
          [](const py_operations& s, const principal& who, const std::string& after, int limit) {
            return with_operations(s, [&](operations_service& o) { return o.export_users_page(who, after, limit); });
          },
          py::arg("principal"), py::arg("after") = "", py::arg("limit") = 1000,
          "A UserExportPage of the users in the caller's scope (users:read), by id after `after`.")
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

  add_grid_service<py_operations>(m, "operations",
                                  "The Operations service (health, information, statistics; operators' dashboard, "
                                  "reports and users export; seeding).");
}

}  // namespace segs::python
