// segs.Notifications (Grid.notifications): one's notifications, made by the
// library from the events that concern the user (alerts, invoices, fills,
// settlements, security) in the transaction that committed them; the
// history (newest first), the unread count, marks, test notifications.
// Notification and NotificationEvent (the payload of "notifications.created",
// Event.notification) are read-only values; DueWorkReport gains
// notifications_removed here. The preferences that choose the channels are
// Identity.preferences / set_preferences (NotificationPreferences, whose
// channel and quiet-hour members are bound here too).
//
// At the edge: ids uuid.UUID (in: a UUID or its text), instants aware UTC
// datetimes, enumerations their wire names as str ("alert_raised",
// "critical"), `data` a dict (the JSON object), quiet hours a pair of
// datetime.time.
#include "common.hpp"
#include "grid.hpp"
#include "page.hpp"

#include <segs/events.hpp>
#include <segs/grid.hpp>
#include <segs/notifications.hpp>

#include <optional>
#include <string>

namespace segs::python {

namespace {

struct py_notifications {
  holder_ptr holder;
};

template <class Fn>
auto with_notifications(const py_notifications& s, Fn&& fn) {
  return with_service(
      *s.holder, [](segs::grid& g) -> notifications_service& { return g.notifications(); },
      [&](notifications_service& n) { return fn(n); });
}

template <class E>
py::str name_of(E v) {
  return py::str(std::string(to_string(v)));
}

py::object data_of(const notification& n) { return py::module_::import("json").attr("loads")(n.data); }

py::object clock_to_py(int minute) {
  return py::module_::import("datetime").attr("time")(minute / 60, minute % 60);
}

int clock_from_py(py::handle h, const char* field) {
  auto dt = py::module_::import("datetime");
  if (!py::isinstance(h, dt.attr("time")))
    throw py::type_error(std::string(field) + " must be a datetime.time");
  return h.attr("hour").cast<int>() * 60 + h.attr("minute").cast<int>();
}

}  // namespace

void register_notifications(py::module_& m) {
  py::class_<due_work_report>(m.attr("DueWorkReport"))
      .def_readonly("notifications_removed", &due_work_report::notifications_removed,
                    "Notifications: read ones removed for being older than the retention.");

  // --- the channel and quiet-hour members of Identity's preferences ----------------------
  py::class_<notification_channels>(m, "NotificationChannels",
                                    "The channels of one group of notifications. Mutable.")
      .def(py::init([](bool in_app, bool email) { return notification_channels{in_app, email}; }),
           py::kw_only(), py::arg("in_app") = true, py::arg("email") = true)
      .def_readwrite("in_app", &notification_channels::in_app, "Kept in the history (and pushed live).")
      .def_readwrite("email", &notification_channels::email, "Also sent by email through the outbox.")
      .def("__repr__", [](const notification_channels& c) {
        return repr_builder("NotificationChannels")
            .add("in_app", py::bool_(c.in_app))
            .add("email", py::bool_(c.email))
            .str();
      });
  py::class_<notification_preferences>(m.attr("NotificationPreferences"))
      .def_readwrite("alerts_channels", &notification_preferences::alerts_channels,
                     "NotificationChannels of alerts.")
      .def_readwrite("billing_channels", &notification_preferences::billing_channels,
                     "NotificationChannels of invoices and disputes.")
      .def_readwrite("trading_channels", &notification_preferences::trading_channels,
                     "NotificationChannels of fills, expiries and settlements (email off by default).")
      .def_readwrite("security_channels", &notification_preferences::security_channels,
                     "NotificationChannels of security notices (always both; the library keeps them on).")
      .def_property(
          "quiet_hours",
          [](const notification_preferences& p) -> py::object {
            if (!p.quiet_hours) return py::none();
            return py::make_tuple(clock_to_py(p.quiet_hours->start_minute), clock_to_py(p.quiet_hours->end_minute));
          },
          [](notification_preferences& p, const py::object& v) {
            if (v.is_none()) {
              p.quiet_hours.reset();
              return;
            }
            auto pair = v.cast<py::tuple>();
            if (pair.size() != 2) throw py::type_error("quiet_hours must be (start, end) or None");
            p.quiet_hours = quiet_hours{clock_from_py(pair[0], "quiet_hours.start"),
                                        clock_from_py(pair[1], "quiet_hours.end")};
          },
          "(start, end) as datetime.time in the user's region's local time, or None: during them only "
          "critical notifications go by email. start after end spans midnight.");

  py::class_<notification>(m, "Notification", "One of a user's notifications. Read-only.")
      .def_property_readonly("id", [](const notification& n) { return to_py(n.id); }, "uuid.UUID")
      .def_property_readonly("user_id", [](const notification& n) { return to_py(n.user_id); }, "uuid.UUID")
      .def_property_readonly(
          "kind", [](const notification& n) { return name_of(n.kind); },
          "\"alert_raised\", \"alert_escalated\", \"alert_resolved\", \"invoice_issued\", "
          "\"invoice_overdue\", \"dispute_resolved\", \"order_filled\", \"order_expired\", "
          "\"slot_settled\", \"password_changed\", \"api_key_created\" or \"test\".")
      .def_property_readonly(
          "severity", [](const notification& n) { return name_of(n.severity); },
          "\"info\", \"warning\" or \"critical\".")
      .def_readonly("title", &notification::title, "One line for people.")
      .def_readonly("body", &notification::body, "The text for people.")
      .def_property_readonly("data", &data_of, "A dict: the ids and figures behind it.")
      .def_readonly("emailed", &notification::emailed, "True when a message went to the outbox.")
      .def_property_readonly(
          "created_at", [](const notification& n) { return to_py(n.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "read_at", [](const notification& n) { return to_py(n.read_at); },
          "Aware UTC datetime when first marked read, or None.")
      .def("__repr__", [](const notification& n) {
        return repr_builder("Notification")
            .add("kind", name_of(n.kind))
            .add("severity", name_of(n.severity))
            .add("title", py::str(n.title))
            .add("read", py::bool_(n.read_at.has_value()))
            .str();
      });

  py::class_<notification_event>(m, "NotificationEvent",
                                 "The payload of a \"notifications.created\" event. Read-only.")
      .def_readonly("notification", &notification_event::notification, "The Notification.")
      .def_readonly("push", &notification_event::push,
                    "The recipient's push preference: hosts that push live honour it.");

  py::class_<py_notifications>(
      m, "Notifications",
      "One's notifications: made by the library from the events that concern the signed-in "
      "user (alerts of their meters, and critical ones of their region for operators; invoices "
      "and disputes; fills, expiries and settlements; password changes and new API keys), in "
      "the transaction that committed the event, by the channels their preferences allow "
      "(Identity.preferences). Obtained from Grid.notifications; keeps its grid alive. "
      "Thread-safe; the GIL is released during every call. Everything here is the caller's "
      "own: another user's notification raises NotFound.")
      .def(
          "history",
          [](const py_notifications& s, const principal& who, bool unread, const std::optional<std::string>& kind,
             int page, int per_page) {
            notification_query q;
            q.unread_only = unread;
            if (kind) q.kind = unwrap(parse_notification_kind(*kind));
            q.page = page;
            q.per_page = per_page;
            return to_py_page(with_notifications(s, [&](notifications_service& n) { return n.history(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("unread") = false, py::arg("kind") = py::none(),
          py::arg("page") = 1, py::arg("per_page") = 20,
          "A Page of the caller's Notification, newest first; ``unread``: only unread ones; ``kind``: "
          "only that kind.")
      .def(
          "unread_count",
          [](const py_notifications& s, const principal& who) {
            return with_notifications(s, [&](notifications_service& n) { return n.unread_count(who); });
          },
          py::arg("principal"), "How many of the caller's notifications are unread.")
      .def(
          "mark_read",
          [](const py_notifications& s, const principal& who, const py::object& id) {
            const auto nid = uuid_from_py(id, "id");
            return with_notifications(s, [&](notifications_service& n) { return n.mark_read(who, nid); });
          },
          py::arg("principal"), py::arg("id"),
          "Marks one of the caller's notifications read (keeping the first time) and answers it. "
          "Raises NotFound when it is not theirs.")
      .def(
          "mark_all_read",
          [](const py_notifications& s, const principal& who) {
            return with_notifications(s, [&](notifications_service& n) { return n.mark_all_read(who); });
          },
          py::arg("principal"), "Marks all the caller's unread notifications read; answers how many.")
      .def(
          "send_test",
          [](const py_notifications& s, const principal& who, const std::string& severity,
             const std::optional<std::string>& title, const std::optional<std::string>& body) {
            test_notification t;
            t.severity = unwrap(parse_notification_severity(severity));
            if (title) t.title = *title;
            if (body) t.body = *body;
            return with_notifications(s, [&](notifications_service& n) { return n.send_test(who, t); });
          },
          py::arg("principal"), py::kw_only(), py::arg("severity") = "info", py::arg("title") = py::none(),
          py::arg("body") = py::none(),
          "Sends a \"test\" notification to the caller (in the app always; by email when their email "
          "switch is on and it is not quiet time, or it is critical) and answers it.");

  add_grid_service<py_notifications>(m, "notifications", "The Notifications service (one's notifications).");
}

}  // namespace segs::python
