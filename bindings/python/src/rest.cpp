// segs.rest.Handler: the transport-agnostic REST layer. The handler holds a
// strong reference to the grid (the C++ handler keeps a `grid&`, which must
// outlive it), and the holder, so that handle() after Grid.close() raises
// like every other call.
#include "common.hpp"
#include "grid.hpp"

#include <segs/rest.hpp>

namespace segs::python {

namespace {

struct py_handler {
  holder_ptr holder;
  // Declared before `api`: members are destroyed in reverse order, so the
  // grid outlives the C++ handler that references it.
  std::shared_ptr<segs::grid> grid;
  std::unique_ptr<rest::handler> api;
};

rest::rate_limit limit_from_py(const py::object& o, rest::rate_limit fallback, const char* what) {
  if (o.is_none()) return fallback;
  auto t = o.cast<py::tuple>();
  if (t.size() != 2)
    throw py::value_error(std::string(what) + " must be a (capacity, period) tuple");
  rest::rate_limit out;
  out.capacity = t[0].cast<int>();
  out.period = std::chrono::duration_cast<std::chrono::seconds>(duration_from_py(t[1], what));
  return out;
}

std::string text_or_bytes(const py::handle& h, const char* what) {
  if (py::isinstance<py::bytes>(h)) return h.cast<std::string>();
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();  // UTF-8
  if (py::isinstance<py::bytearray>(h) || py::isinstance<py::memoryview>(h))
    return py::bytes(h.attr("__bytes__")()).cast<std::string>();
  throw py::type_error(std::string(what) + " must be bytes or str");
}

std::vector<rest::header> headers_from_py(const py::object& o) {
  std::vector<rest::header> out;
  if (o.is_none()) return out;
  py::object pairs = py::hasattr(o, "items") ? o.attr("items")() : o;
  for (auto item : pairs) {
    auto t = py::reinterpret_borrow<py::sequence>(item);
    if (t.size() != 2) throw py::value_error("headers must be (name, value) pairs");
    out.push_back({text_or_bytes(t[0], "header name"), text_or_bytes(t[1], "header value")});
  }
  return out;
}

}  // namespace

void register_rest(py::module_& m) {
  py::class_<py_handler>(
      m, "Handler",
      "The REST surface of one grid, independent of any HTTP server: handle() maps "
      "a request to (status, headers, body). Thread-safe; the GIL is released while "
      "a request is handled. Keeps the grid alive; after Grid.close() handle() "
      "raises ServiceUnavailable.")
      .def(py::init([](const py_grid& pg, const py::object& cors_origins,
                       std::size_t max_body_bytes, bool rate_limits, const py::object& anonymous,
                       const py::object& authenticated, const py::object& admin,
                       const py::object& auth_routes) {
             rest::options o;
             for (auto origin : cors_origins) o.cors_origins.push_back(origin.cast<std::string>());
             o.max_body_bytes = max_body_bytes;
             o.rate_limits_enabled = rate_limits;
             o.anonymous = limit_from_py(anonymous, o.anonymous, "anonymous");
             o.authenticated = limit_from_py(authenticated, o.authenticated, "authenticated");
             o.admin = limit_from_py(admin, o.admin, "admin");
             o.auth_routes = limit_from_py(auth_routes, o.auth_routes, "auth_routes");
             auto h = std::make_unique<py_handler>();
             h->holder = pg.holder;
             h->grid = pg.holder->get();
             h->api = std::make_unique<rest::handler>(*h->grid, std::move(o));
             return h;
           }),
           py::arg("grid"), py::kw_only(), py::arg("cors_origins") = py::tuple(),
           py::arg("max_body_bytes") = std::size_t{10u * 1024u * 1024u},
           py::arg("rate_limits") = true, py::arg("anonymous") = py::none(),
           py::arg("authenticated") = py::none(), py::arg("admin") = py::none(),
           py::arg("auth_routes") = py::none(),
           "Creates the REST handler of ``grid``. ``cors_origins``: allowed origins (\"*\" "
           "for any). Rate limits are (capacity, period) tuples, period a timedelta or "
           "seconds; None keeps the defaults (anonymous 100/hour, authenticated 1000/hour, "
           "admin 10000/hour, auth routes 20/15 min). ``rate_limits=False`` turns them off.")
      .def(
          "handle",
          [](const py_handler& h, const std::string& method, const std::string& target,
             const py::object& headers, const py::object& body, const std::string& peer) {
            if (h.holder->closed()) raise_error(errc::unavailable, "the grid is closed");
            rest::request req;
            req.method = method;
            req.target = target;
            req.headers = headers_from_py(headers);
            req.body = body.is_none() ? std::string() : text_or_bytes(body, "body");
            req.peer = peer;
            rest::response res;
            {
              py::gil_scoped_release nogil;
              res = h.api->handle(req);
              // One body per answer here: a streamed one (the CSV export)
              // is read to its end, still without the GIL.
              rest::collect_body(res);
            }
            py::list out_headers;
            for (const auto& hd : res.headers) out_headers.append(py::make_tuple(hd.name, hd.value));
            return py::make_tuple(res.status, out_headers, py::bytes(res.body));
          },
          py::arg("method"), py::arg("target"), py::arg("headers") = py::tuple(),
          py::arg("body") = py::bytes(), py::arg("peer") = "127.0.0.1",
          "Answers one request. ``target`` is the path with its query string; "
          "``headers`` a dict or a sequence of (name, value) pairs; ``body`` bytes or "
          "str. Returns (status, [(name, value), ...], body_bytes); a streamed body (the "
          "CSV export) is read to its end first. Never raises for "
          "HTTP-level failures (they are answered as JSON error envelopes).")
      .def_property_readonly(
          "openapi", [](const py_handler& h) { return h.api->openapi(); },
          "The OpenAPI 3.1 document of every route (JSON text).");
}

}  // namespace segs::python
