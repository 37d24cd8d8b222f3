// Grid.events(): the grid's event hub as a Python iterator (segs.Events of
// segs.Event), and the stream every event iterator of the binding is built
// on (event_stream.hpp; Market.events() is the same stream narrowed to the
// market's events).
#include "event_stream.hpp"
#include "grid.hpp"

#include <Python.h>

#include <algorithm>

namespace segs::python {

// --- event_stream -----------------------------------------------------------------------

event_stream::event_stream(holder_ptr holder, segs::event_filter filter, std::size_t max_pending,
                           const py::object& timeout)
    : holder_(std::move(holder)) {
  if (max_pending == 0) throw py::value_error("max_pending must be at least 1");
  if (!timeout.is_none()) timeout_ = duration_from_py(timeout, "timeout");
  auto g = holder_->get();
  {
    py::gil_scoped_release nogil;
    queue_ = std::make_shared<segs::event_queue>(g->events().queue(max_pending, std::move(filter)));
  }
  grid_ = std::move(g);
}

event_stream::clock::time_point event_stream::deadline_after(
    std::optional<std::chrono::microseconds> wait) {
  return wait ? clock::now() + std::max(*wait, std::chrono::microseconds(0))
              : clock::time_point::max();
}

std::optional<segs::event> event_stream::pop_until(clock::time_point deadline) {
  for (;;) {
    std::optional<segs::event> got;
    bool ended = false;
    {
      py::gil_scoped_release nogil;
      // After Grid.close() nothing new is wanted: what is queued is still
      // answered, then the stream ends instead of waiting for ever on a grid
      // that only this stream keeps open.
      if (holder_->closed()) close();
      // Wake up now and then to let Ctrl-C (and Grid.close()) through.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::min(deadline - clock::now(), clock::duration(std::chrono::milliseconds(100))));
      got = queue_->pop(std::max(left, std::chrono::milliseconds(0)));
      ended = !got && queue_->closed() && queue_->size() == 0;
    }
    if (got) return got;
    if (ended) return std::nullopt;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (clock::now() >= deadline) return std::nullopt;
  }
}

void event_stream::close() {
  without_gil([&] {
    std::shared_ptr<segs::grid> g;
    {
      std::lock_guard lock(mu_);
      if (queue_) queue_->close();
      g = std::move(grid_);
    }
    g.reset();  // may close the storage: outside the lock, without the GIL
  });
}

// --- Grid.events --------------------------------------------------------------------------

namespace {

/// Grid.events' `names`: None is every event; otherwise at least one name,
/// none empty (an empty list would read as "every event", and a "mail"
/// event a stream takes is no longer in the outbox: say what you want).
std::vector<std::string> names_from_py(const py::object& names) {
  if (names.is_none()) return {};
  auto out = strings_from_py(names, "names");
  if (out.empty()) throw py::value_error("names must hold at least one name (None: every event)");
  for (const auto& n : out)
    if (n.empty()) throw py::value_error("names must not hold an empty name");
  return out;
}

}  // namespace

void register_events(py::module_& m) {
  py::class_<segs::event>(m, "Event",
                          "Something that happened in the grid, after it was committed: an "
                          "outbox message (\"mail\"), a market event (\"market.order\", "
                          "\"market.trade\", \"market.book\", \"market.clearing\"), readings "
                          "stored (\"telemetry.readings\") or a change of an alert "
                          "(\"alerts.raised\", \"alerts.escalated\", \"alerts.acknowledged\", "
                          "\"alerts.resolved\") or of an invoice (\"billing.invoice_issued\", "
                          "\"billing.invoice_paid\", \"billing.invoice_overdue\", "
                          "\"billing.dispute_opened\", \"billing.dispute_resolved\", "
                          "\"billing.invoice_voided\"); later capabilities add names. Read-only.")
      .def_readonly("seq", &segs::event::seq,
                    "Grows with every event the grid published (from 1).")
      .def_property_readonly(
          "name", [](const segs::event& e) { return std::string(e.name()); },
          "\"mail\", \"market.order\", \"market.trade\", \"market.book\", "
          "\"market.clearing\", \"telemetry.readings\", \"alerts.raised\", "
          "\"alerts.escalated\", \"alerts.acknowledged\", \"alerts.resolved\" or a "
          "\"billing.*\" name (\"billing.invoice_issued\", \"billing.invoice_paid\", "
          "\"billing.invoice_overdue\", \"billing.dispute_opened\", "
          "\"billing.dispute_resolved\", \"billing.invoice_voided\"), \"market.settlement\", "
          "\"identity.password_changed\", \"identity.api_key_created\" or "
          "\"notifications.created\".")
      .def_property_readonly(
          "region",
          [](const segs::event& e) {
            return e.region.empty() ? py::object(py::none()) : py::object(py::str(e.region));
          },
          "The region it happened in; None for events of no region (mail).")
      .def_property_readonly(
          "mail",
          [](const segs::event& e) {
            const auto* msg = e.get<outbox_message>();
            return msg ? py::cast(*msg) : py::object(py::none());
          },
          "\"mail\" events: the OutboxMessage (taken from the outbox), else None.")
      .def_property_readonly(
          "market",
          [](const segs::event& e) {
            const auto* me = e.get<market_event>();
            return me ? py::cast(*me) : py::object(py::none());
          },
          "\"market.*\" events: the MarketEvent, else None.")
      .def_property_readonly(
          "telemetry",
          [](const segs::event& e) {
            const auto* r = e.get<readings_committed>();
            return r ? py::cast(*r) : py::object(py::none());
          },
          "\"telemetry.readings\" events: the ReadingsCommitted (the readings one call "
          "stored in the event's region), else None.")
      .def_property_readonly(
          "alert",
          [](const segs::event& e) {
            const auto* a = e.get<alert_event>();
            return a ? py::cast(*a) : py::object(py::none());
          },
          "\"alerts.*\" events: the AlertEvent (what happened, and the Alert after it), "
          "else None.")
      .def_property_readonly(
          "billing",
          [](const segs::event& e) {
            const auto* b = e.get<billing_event>();
            return b ? py::cast(*b) : py::object(py::none());
          },
          "\"billing.*\" events: the BillingEvent (what happened to an invoice, and its "
          "amounts and status after it), else None.")
      .def_property_readonly(
          "notification",
          [](const segs::event& e) {
            const auto* n = e.get<notification_event>();
            return n ? py::cast(*n) : py::object(py::none());
          },
          "\"notifications.created\" events: the NotificationEvent, else None.")
      .def_property_readonly(
          "identity",
          [](const segs::event& e) -> py::object {
            const auto* i = e.get<identity_event>();
            if (!i) return py::none();
            py::dict d;
            d["kind"] = i->type == identity_event::kind::password_changed ? "password_changed" : "api_key_created";
            d["user_id"] = to_py(i->user_id);
            d["key_name"] = i->key_name;
            d["key_id"] = i->key_id ? to_py(*i->key_id) : py::object(py::none());
            d["at"] = to_py(i->at);
            return d;
          },
          "\"identity.*\" events: a dict (kind, user_id, key_name, key_id, at), else None.")
      .def("__repr__", [](const segs::event& e) {
        return repr_builder("Event")
            .add("seq", py::int_(e.seq))
            .add("name", py::str(std::string(e.name())))
            .add("region", e.region.empty() ? py::object(py::none()) : py::object(py::str(e.region)))
            .str();
      });

  register_event_stream<segs::event>(
      m, "Events",
      "A stream of Events from Grid.events(): an iterator over a thread-safe queue the "
      "grid fills after each commit. Iteration blocks with the GIL released until an "
      "event arrives, the stream's timeout passes (the loop then ends; iterate again "
      "later) or the stream (or its grid) is closed. Use it as a context manager, or "
      "close() it: an open stream keeps its grid's storage open and collects events.",
      "Event");

  py::class_<py_grid>(m.attr("Grid"))
      .def(
          "events",
          [](const py_grid& g, const py::object& names, std::optional<std::string> region,
             const py::object& timeout, std::size_t max_pending) {
            segs::event_filter filter;
            filter.names = names_from_py(names);
            filter.region = std::move(region);
            return std::make_unique<typed_event_stream<segs::event>>(g.holder, std::move(filter),
                                                                     max_pending, timeout);
          },
          py::arg("names") = py::none(), py::kw_only(), py::arg("region") = py::none(),
          py::arg("timeout") = py::none(), py::arg("max_pending") = std::size_t{100'000},
          "Subscribes to the grid's events and answers an Events iterator. ``names`` (None: "
          "every event) lists event names; a name ending in \".\" matches every name it "
          "begins (\"market.\"). ``region``: only that region's events (mail has none). "
          "``timeout`` (a timedelta or seconds) ends an iteration that waited that long; "
          "None waits until close(). At most ``max_pending`` events wait; beyond that the "
          "oldest are dropped (counted in ``dropped``). A stream that receives \"mail\" "
          "takes the messages from the outbox: Outbox.drain() no longer answers them.");
}

}  // namespace segs::python
