// segs.Outbox (Grid.outbox): the notification outbox (verification and
// reset codes to deliver), plus OutboxMessage. The same messages reach
// Grid.events() as "mail" events (events.cpp).
#include "common.hpp"
#include "grid.hpp"

#include <Python.h>

namespace segs::python {

namespace {

struct py_outbox {
  holder_ptr holder;
};

template <class Fn>
auto with_outbox(const py_outbox& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> segs::outbox& { return g.outbox(); },
                      std::forward<Fn>(fn));
}

}  // namespace

void register_outbox(py::module_& m) {
  // --- values -------------------------------------------------------------------------------
  py::class_<outbox_message>(m, "OutboxMessage",
                             "A message for a person (verification or reset code). Read-only; "
                             "repr() never shows the code or body.")
      .def_readonly("seq", &outbox_message::seq, "Queue position.")
      .def_property_readonly(
          "id", [](const outbox_message& o) { return to_py(o.id); }, "uuid.UUID")
      .def_readonly("to", &outbox_message::to, "The recipient's email address.")
      .def_readonly("purpose", &outbox_message::purpose, "\"verify_email\" or \"reset_password\".")
      .def_readonly("subject", &outbox_message::subject, "The subject line.")
      .def_readonly("body", &outbox_message::body, "Plain text for a person.")
      .def_readonly("code", &outbox_message::code, "The one-time code.")
      .def_property_readonly(
          "created_at", [](const outbox_message& o) { return to_py(o.created_at); },
          "Aware UTC datetime.")
      .def("__repr__", [](const outbox_message& o) {
        return repr_builder("OutboxMessage")
            .add("seq", py::int_(o.seq))
            .add("to", py::str(o.to))
            .add("purpose", py::str(o.purpose))
            .str();
      });

  // --- the service -----------------------------------------------------------------------
  py::class_<py_outbox>(m, "Outbox",
                        "The notification outbox: verification and reset codes to deliver. "
                        "Obtained from Grid.outbox; keeps its grid alive.")
      .def(
          "drain",
          [](const py_outbox& s, std::size_t max) {
            return with_outbox(s, [&](segs::outbox& o) { return o.drain(max); });
          },
          py::arg("max") = 100,
          "Takes up to ``max`` undelivered messages, oldest first, and marks them "
          "delivered (a list of OutboxMessage).")
      .def(
          "pending",
          [](const py_outbox& s) {
            return with_outbox(s, [](segs::outbox& o) { return o.pending(); });
          },
          "Number of undelivered messages.")
      .def(
          "set_listener",
          [](const py_outbox& s, const py::object& fn) {
            auto g = s.holder->get();
            if (fn.is_none()) {
              py::gil_scoped_release nogil;
              g->outbox().set_listener({});
              return;
            }
            if (!PyCallable_Check(fn.ptr())) throw py::type_error("listener must be callable or None");
            auto cb = std::make_shared<py_callback>();
            cb->fn = fn;
            outbox::listener l = [cb](const outbox_message& msg) {
              py::gil_scoped_acquire gil;
              try {
                cb->fn(msg);
              } catch (py::error_already_set& e) {
                // A failing listener must not fail (or crash) the call that
                // queued the message: report it like an exception in __del__.
                e.discard_as_unraisable("segs outbox listener");
              } catch (const std::exception&) {
                // A C++ exception from a conversion: nothing sensible to do.
              }
            };
            py::gil_scoped_release nogil;
            g->outbox().set_listener(std::move(l));
          },
          py::arg("listener"),
          "Installs (or with None removes) a callable invoked with each OutboxMessage "
          "right after the call that queued it commits (and at once for messages "
          "already waiting). It runs on the calling thread with the GIL held; "
          "exceptions it raises are reported through sys.unraisablehook and ignored.");

  add_grid_service<py_outbox>(m, "outbox", "The notification Outbox.");
}

}  // namespace segs::python
