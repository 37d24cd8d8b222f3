// segs.Grid: open (keyword options mirroring segs::options), close() and the
// context-manager protocol. Each capability's part adds its service to Grid
// (grid.hpp's add_grid_service), after this part has registered the class.
#include "common.hpp"
#include "grid.hpp"

namespace segs::python {

namespace {

template <class Rep, class Period>
void set_duration(std::chrono::duration<Rep, Period>& out, const py::object& in, const char* what) {
  if (in.is_none()) return;
  out = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(duration_from_py(in, what));
}

template <class T>
void set_value(T& out, const std::optional<T>& in) {
  if (in) out = *in;
}

/// Grid.close() and leaving a ``with`` block.
void close_grid(const py_grid& g) {
  auto grid = g.holder->take();
  py::gil_scoped_release nogil;
  grid.reset();  // the storage closes here unless a call is still running
}

}  // namespace

void register_grid(py::module_& m) {
  py::class_<due_work_report>(m, "DueWorkReport",
                              "What Grid.run_due_work() did, by capability. Read-only.")
      .def_property_readonly(
          "ran_at", [](const due_work_report& r) { return to_py(r.ran_at); },
          "The clock's now the work ran for (aware UTC datetime).")
      .def_readonly("gate_closures", &due_work_report::gate_closures,
                    "Market: the gates closed (a list of ClearingResult), oldest slot first.")
      .def_property_readonly(
          "failures",
          [](const due_work_report& r) {
            std::vector<std::string> out;
            for (const auto& e : r.failures) out.push_back(std::string(to_string(e.code)) + ": " + e.message);
            return out;
          },
          "Work that failed (\"CODE: capability: message\"); the rest still ran.")
      .def_readonly("readings_dropped", &due_work_report::readings_dropped,
                    "Telemetry: raw readings deleted for being older than the raw retention "
                    "(Grid.open's telemetry_raw_retention_hours); their aggregates stay.")
      .def_readonly("days_packed", &due_work_report::days_packed,
                    "Telemetry: settled local days whose quarter-hours were packed into the "
                    "day's row (a bounded number per run, oldest first).")
      .def_readonly("offline_alerts_raised", &due_work_report::offline_alerts_raised,
                    "Alerts: \"meter_offline\" alerts raised for meters silent for longer "
                    "than their offline_after_minutes.")
      .def_property_readonly("idle", &due_work_report::idle, "True when nothing was due or failed.")
      .def("__repr__", [](const due_work_report& r) {
        return repr_builder("DueWorkReport")
            .add("gate_closures", py::int_(r.gate_closures.size()))
            .add("readings_dropped", py::int_(r.readings_dropped))
            .add("days_packed", py::int_(r.days_packed))
            .add("offline_alerts_raised", py::int_(r.offline_alerts_raised))
            .add("failures", py::int_(r.failures.size()))
            .str();
      });

  py::class_<py_grid>(
      m, "Grid",
      "One open database and the services over it.\n\n"
      "    with segs.Grid.open(\"sqlite:var/grid.db\") as grid:\n"
      "        user = grid.identity.register_user(email=..., name=..., region=...)\n\n"
      "Open with Grid.open. Thread-safe. close() (or leaving a ``with`` block) "
      "releases the grid; later calls through it or any service obtained from it "
      "raise ServiceUnavailable. Services keep the grid alive, so dropping the Grid "
      "while holding grid.identity is safe.")
      .def_static(
          "open",
          [](const std::string& url, const std::shared_ptr<segs::clock>& clock,
             const py::object& access_token_ttl, const py::object& refresh_token_ttl,
             const py::object& session_ttl, const py::object& otp_ttl,
             std::optional<int> otp_max_attempts, const py::object& otp_resend_cooldown,
             std::optional<int> max_login_attempts, const py::object& lockout_window,
             const py::object& lockout_base, const py::object& lockout_max,
             std::optional<std::size_t> password_min_length,
             std::optional<std::size_t> password_max_length,
             std::optional<std::uint64_t> argon2_opslimit,
             std::optional<std::size_t> argon2_memlimit, const py::object& signing_key,
             const std::string& algorithm, std::optional<std::string> issuer,
             std::optional<std::string> audience, std::optional<int> pool_size,
             const py::object& busy_timeout, std::optional<int> max_retries, bool migrate,
             std::optional<std::size_t> market_projection_batch, const py::object& regions,
             std::optional<std::string> default_region,
             std::optional<std::int64_t> telemetry_raw_retention_hours, bool alerts_evaluate_readings,
             bool development_mode) {
            segs::options o;
            o.clock = clock;
            auto& id = o.identity;
            set_duration(id.access_token_ttl, access_token_ttl, "access_token_ttl");
            set_duration(id.refresh_token_ttl, refresh_token_ttl, "refresh_token_ttl");
            set_duration(id.session_ttl, session_ttl, "session_ttl");
            set_duration(id.otp_ttl, otp_ttl, "otp_ttl");
            set_value(id.otp_max_attempts, otp_max_attempts);
            set_duration(id.otp_resend_cooldown, otp_resend_cooldown, "otp_resend_cooldown");
            set_value(id.max_login_attempts, max_login_attempts);
            set_duration(id.lockout_window, lockout_window, "lockout_window");
            set_duration(id.lockout_base, lockout_base, "lockout_base");
            set_duration(id.lockout_max, lockout_max, "lockout_max");
            set_value(id.password_min_length, password_min_length);
            set_value(id.password_max_length, password_max_length);
            set_value(id.argon2_opslimit, argon2_opslimit);
            set_value(id.argon2_memlimit, argon2_memlimit);
            if (!signing_key.is_none()) {
              if (!py::isinstance<py::bytes>(signing_key))
                throw py::type_error("signing_key must be bytes (32 bytes) or None");
              auto key = signing_key.cast<std::string>();
              id.signing_key.assign(key.begin(), key.end());
            }
            if (algorithm == "eddsa")
              id.algorithm = token_algorithm::eddsa;
            else if (algorithm == "hs256")
              id.algorithm = token_algorithm::hs256;
            else
              raise_error(errc::validation_error, "token_algorithm must be \"eddsa\" or \"hs256\"",
                          "token_algorithm");
            set_value(id.issuer, issuer);
            set_value(id.audience, audience);
            set_value(o.storage.pool_size, pool_size);
            set_duration(o.storage.busy_timeout, busy_timeout, "busy_timeout");
            set_value(o.storage.max_retries, max_retries);
            o.storage.migrate = migrate;
            // Checked here so the error names the Python keyword; the grid
            // would name the C++ member (market_options::projection_batch).
            if (market_projection_batch && *market_projection_batch == 0)
              raise_error(errc::validation_error, "market_projection_batch must be 1 or more",
                          "market_projection_batch");
            set_value(o.market.projection_batch, market_projection_batch);
            if (!regions.is_none()) {
              if (!py::isinstance<py::dict>(regions))
                throw py::type_error("regions must be a dict of code -> dict of region fields");
              for (auto [code, spec] : regions.cast<py::dict>()) {
                auto c = code.cast<std::string>();
                o.regions.define[c] = region_spec_from_py(spec, c);
              }
            }
            set_value(o.regions.default_region, default_region);
            // Checked here so the error names the Python keyword (the grid
            // names telemetry_options::raw_retention).
            if (telemetry_raw_retention_hours) {
              if (*telemetry_raw_retention_hours <= 0)
                raise_error(errc::validation_error,
                            "telemetry_raw_retention_hours must be 1 or more",
                            "telemetry_raw_retention_hours");
              o.telemetry.raw_retention = std::chrono::hours(*telemetry_raw_retention_hours);
            }
            o.alerts.evaluate_readings = alerts_evaluate_readings;
            o.development_mode = development_mode;

            auto g = released([&] { return segs::grid::open(url, std::move(o)); });
            return py_grid{std::make_shared<grid_holder>(std::move(g))};
          },
          py::arg("url"), py::kw_only(), py::arg("clock") = py::none(),
          py::arg("access_token_ttl") = py::none(), py::arg("refresh_token_ttl") = py::none(),
          py::arg("session_ttl") = py::none(), py::arg("otp_ttl") = py::none(),
          py::arg("otp_max_attempts") = py::none(), py::arg("otp_resend_cooldown") = py::none(),
          py::arg("max_login_attempts") = py::none(), py::arg("lockout_window") = py::none(),
          py::arg("lockout_base") = py::none(), py::arg("lockout_max") = py::none(),
          py::arg("password_min_length") = py::none(), py::arg("password_max_length") = py::none(),
          py::arg("argon2_opslimit") = py::none(), py::arg("argon2_memlimit") = py::none(),
          py::arg("signing_key") = py::none(), py::arg("token_algorithm") = "eddsa",
          py::arg("issuer") = py::none(), py::arg("audience") = py::none(),
          py::arg("pool_size") = py::none(), py::arg("busy_timeout") = py::none(),
          py::arg("max_retries") = py::none(), py::arg("migrate") = true,
          py::arg("market_projection_batch") = py::none(), py::arg("regions") = py::none(),
          py::arg("default_region") = py::none(),
          py::arg("telemetry_raw_retention_hours") = py::none(),
          py::arg("alerts_evaluate_readings") = true, py::arg("development_mode") = false,
          "Opens (creating when needed) the grid stored at ``url``: \"sqlite:PATH\", "
          "\"sqlite::memory:\" or a \"postgresql://...\" URL. Pending migrations are "
          "applied. Options left as None keep the library's defaults (the SEGS seed's); "
          "durations are timedeltas (or seconds). market_projection_batch: how many "
          "journaled order and trade rows the market writes to its tables at once. regions: "
          "{code: {time_zone=..., currency=..., name=..., ...}} created or updated at open; "
          "default_region: the region of registrations that name none (default \"default\"). "
          "telemetry_raw_retention_hours: raw readings older than this are deleted by "
          "run_due_work() (aggregates stay; default: kept for ever). alerts_evaluate_readings=False "
          "stores readings without the alert rules (loading history); the offline sweep still runs. "
          "development_mode=True allows Operations.seed (demo data); never in production. "
          "Raises ValidationError, "
          "ServiceUnavailable or SchemaMismatch.")
      .def_property_readonly(
          "backend_name",
          [](const py_grid& g) { return std::string(g.holder->get()->backend_name()); },
          "\"sqlite\" or \"postgres\".")
      .def_property_readonly(
          "schema_version", [](const py_grid& g) { return g.holder->get()->schema_version(); },
          "The schema version (newest applied migration).")
      .def_property_readonly(
          "closed", [](const py_grid& g) { return g.holder->closed(); },
          "True after close().")
      .def(
          "ready",
          [](const py_grid& g) {
            auto grid = g.holder->get();
            py::gil_scoped_release nogil;
            return grid->ready();
          },
          "True when storage answers now (for readiness probes).")
      .def(
          "run_due_work",
          [](const py_grid& g) {
            auto grid = g.holder->get();
            return released([&] { return grid->run_due_work(); });
          },
          "Runs whatever is due at the clock's now for every capability (market gate "
          "closures, telemetry's raw retention, offline meters' alerts) and answers a "
          "DueWorkReport. Call it on a timer, or after "
          "moving a ManualClock in a simulation.")
      .def(
          "now", [](const py_grid& g) { return to_py(g.holder->get()->clock().now()); },
          "The grid clock's current time (aware UTC datetime).")
      .def(
          "close", [](const py_grid& g) { close_grid(g); },
          "Releases the grid. Idempotent. Calls running on other threads finish first; "
          "a segs.rest.Handler created over this grid keeps the storage open until it "
          "is itself released.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](const py_grid& g, const py::object&, const py::object&, const py::object&) {
            close_grid(g);
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"))
      .def("__repr__", [](const py_grid& g) {
        if (g.holder->closed()) return std::string("<segs.Grid closed>");
        auto grid = g.holder->get();
        return "<segs.Grid backend=" + std::string(grid->backend_name()) +
               " schema_version=" + std::to_string(grid->schema_version()) + ">";
      });
}

}  // namespace segs::python
