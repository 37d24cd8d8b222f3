// segs._segs: the native half of the `segs` Python package. The pure-Python
// package (segs/__init__.py, rest.py, wsgi.py) re-exports from here.
//
// One file per capability (src/<capability>.cpp), each with one register_*
// function, all registered from the one list below. Conversions and helpers
// the parts share live in common.hpp/common.cpp (grid.hpp: attaching a
// service to Grid; event_stream.hpp: the event iterators; page.hpp: pages).
#include "common.hpp"

#include <segs/version.hpp>

namespace segs::python {
void register_errors(py::module_& m);    // common.cpp: segs.Error and its subclasses
void register_types(py::module_& m);     // types.cpp: clocks, Principal, Page
void register_grid(py::module_& m);      // grid.cpp: Grid, DueWorkReport
void register_outbox(py::module_& m);    // outbox.cpp: Outbox, OutboxMessage
void register_identity(py::module_& m);  // identity.cpp: Identity, User, ApiKey, ...
void register_audit(py::module_& m);     // audit.cpp: Audit, AuditRecord, ...
void register_region(py::module_& m);    // region.cpp: Regions, Region
void register_market(py::module_& m);    // market.cpp: Market, Order, MarketEvents, ...
void register_telemetry(py::module_& m); // telemetry.cpp: Telemetry, Meter, Reading, Bucket, ...
void register_alerts(py::module_& m);    // alerts.cpp: Alerts, Alert, AlertEvent, AlertSettings, ...
void register_tariffs(py::module_& m);   // tariffs.cpp: Tariffs, Tariff, TariffPricer, Bill, ...
void register_billing(py::module_& m);   // billing.cpp: Billing, Invoice, Payment, BillingEvent, ...
void register_analytics(py::module_& m); // analytics.cpp: Analytics, EnergyAnalytics, TradingAnalytics, ...
void register_notifications(py::module_& m);  // notifications.cpp: Notifications, Notification, ...
void register_operations(py::module_& m);  // operations.cpp: Operations, HealthReport, ...
void register_config(py::module_& m);      // config.cpp: Config, Setting
void register_events(py::module_& m);    // events.cpp: Grid.events(), Events, Event
void register_rest(py::module_& m);      // rest.cpp: rest.Handler

namespace {

// In dependency order: a part names the classes of the parts before it in
// its signatures (pybind11 renders a class registered later as its C++
// name), and the capabilities add their service to Grid, so grid comes
// before them; events carries outbox messages, market events, readings,
// alert events and billing events.
constexpr void (*parts[])(py::module_&) = {
    register_errors,    register_types,   register_grid,     register_outbox,
    register_identity,  register_audit,   register_region,   register_market,
    register_telemetry, register_alerts,  register_tariffs,  register_billing,
    register_analytics, register_notifications, register_operations, register_config, register_events,
    register_rest,
};

}  // namespace
}  // namespace segs::python

PYBIND11_MODULE(_segs, m) {
  m.doc() = "libsegs native module (private: import `segs` instead).";
  m.attr("__version__") = segs::version_string;
  for (auto part : segs::python::parts) part(m);
}
