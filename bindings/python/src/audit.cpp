// segs.Audit (Grid.audit): the hash-chained audit log, plus the values it
// answers (AuditRecord, AuditVerification).
#include "common.hpp"
#include "grid.hpp"
#include "page.hpp"

namespace segs::python {

namespace {

using opt_str = std::optional<std::string>;

struct py_audit {
  holder_ptr holder;
};

template <class Fn>
auto with_audit(const py_audit& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> audit_log& { return g.audit(); },
                      std::forward<Fn>(fn));
}

std::optional<std::string> opt_id_text(const py::object& o, const char* field) {
  if (o.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  return uuid_from_py(o, field).to_string();
}

}  // namespace

void register_audit(py::module_& m) {
  // --- values -------------------------------------------------------------------------------
  py::class_<audit_record>(m, "AuditRecord", "One hash-chained audit record. Read-only.")
      .def_readonly("seq", &audit_record::seq, "Position in the chain, from 1.")
      .def_property_readonly(
          "id", [](const audit_record& r) { return to_py(r.id); }, "uuid.UUID")
      .def_property_readonly(
          "at", [](const audit_record& r) { return to_py(r.at); }, "Aware UTC datetime.")
      .def_readonly("actor_kind", &audit_record::actor_kind,
                    "\"user\", \"api_key\", \"system\" or \"anonymous\".")
      .def_readonly("actor_id", &audit_record::actor_id, "The actor's id (text), or \"\".")
      .def_readonly("action", &audit_record::action, "E.g. \"auth.login\", \"user.suspend\".")
      .def_readonly("target_id", &audit_record::target_id, "What was acted on, or \"\".")
      .def_readonly("outcome", &audit_record::outcome, "\"success\" or \"failure\".")
      .def_readonly("ip", &audit_record::ip, "The client address, or \"\".")
      .def_readonly("user_agent", &audit_record::user_agent, "The user agent, or \"\".")
      .def_property_readonly(
          "details", [](const audit_record& r) { return json_object_to_py(r.details); },
          "Details as a dict (never secrets).")
      .def("__repr__", [](const audit_record& r) {
        return repr_builder("AuditRecord")
            .add("seq", py::int_(r.seq))
            .add("action", py::str(r.action))
            .add("outcome", py::str(r.outcome))
            .add("actor_id", py::str(r.actor_id))
            .add("target_id", py::str(r.target_id))
            .str();
      });

  py::class_<audit_verification>(m, "AuditVerification", "The result of Audit.verify. Read-only.")
      .def_readonly("intact", &audit_verification::intact, "True when every hash matches.")
      .def_readonly("records_checked", &audit_verification::records_checked, "Records walked.")
      .def_readonly("first_bad_seq", &audit_verification::first_bad_seq,
                    "The first record that does not match, or None.")
      .def_readonly("problem", &audit_verification::problem, "What is wrong, or \"\".")
      .def("__bool__", [](const audit_verification& v) { return v.intact; })
      .def("__repr__", [](const audit_verification& v) {
        return repr_builder("AuditVerification")
            .add("intact", py::bool_(v.intact))
            .add("records_checked", py::int_(v.records_checked))
            .add("first_bad_seq", v.first_bad_seq ? py::object(py::int_(*v.first_bad_seq))
                                                  : py::object(py::none()))
            .str();
      });

  // --- the service -----------------------------------------------------------------------
  py::class_<py_audit>(m, "Audit",
                       "The hash-chained audit log. Obtained from Grid.audit; keeps its grid "
                       "alive. The GIL is released during every call.")
      .def(
          "query",
          [](const py_audit& s, const principal& who, const py::object& actor_id,
             const py::object& target_id, const py::object& involving, opt_str action,
             opt_str outcome, const py::object& from, const py::object& to, int page,
             int per_page) {
            audit_query q;
            q.actor_id = opt_id_text(actor_id, "actor_id");
            q.target_id = opt_id_text(target_id, "target_id");
            q.involving = opt_id_text(involving, "involving");
            q.action = std::move(action);
            q.outcome = std::move(outcome);
            q.from = opt_timestamp_from_py(from, "from_");
            q.to = opt_timestamp_from_py(to, "to");
            q.page = page;
            q.per_page = per_page;
            return to_py_page(with_audit(s, [&](audit_log& a) { return a.query(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("actor_id") = py::none(),
          py::arg("target_id") = py::none(), py::arg("involving") = py::none(),
          py::arg("action") = py::none(), py::arg("outcome") = py::none(),
          py::arg("from_") = py::none(), py::arg("to") = py::none(), py::arg("page") = 1,
          py::arg("per_page") = 50,
          "Records newest first, filtered (``action`` exact or a prefix ending in '.'; "
          "``from_`` inclusive, ``to`` exclusive). Needs audit:read. Answers a Page of "
          "AuditRecord.")
      .def(
          "activity",
          [](const py_audit& s, const principal& who, const py::object& user_id, int page,
             int per_page) {
            auto uid = uuid_from_py(user_id, "user_id");
            return to_py_page(
                with_audit(s, [&](audit_log& a) { return a.activity(who, uid, page, per_page); }));
          },
          py::arg("principal"), py::arg("user_id"), py::kw_only(), py::arg("page") = 1,
          py::arg("per_page") = 50,
          "A user's activity (as actor or target), newest first. Answers a Page of AuditRecord.")
      .def(
          "verify",
          [](const py_audit& s, const principal& who) {
            return with_audit(s, [&](audit_log& a) { return a.verify(who); });
          },
          py::arg("principal"),
          "Walks the whole chain and recomputes every hash (needs audit:read). Answers an "
          "AuditVerification.");

  add_grid_service<py_audit>(m, "audit", "The Audit log.");
}

}  // namespace segs::python
