#include "common.hpp"

#include <pybind11/gil_safe_call_once.h>

#include <array>
#include <cstdint>
#include <string>

namespace segs::python {

namespace {

struct code_class {
  errc code;
  const char* name;
  const char* doc;
};

// One class per segs::errc, named after the code. Flat under segs.Error so
// that `except segs.Forbidden` never silently catches a different code.
constexpr std::array<code_class, 14> kClasses{{
    {errc::validation_error, "ValidationError",
     "Bad input (400 VALIDATION_ERROR); ``field`` names the offending argument."},
    {errc::unauthorized, "Unauthorized", "Missing or invalid credentials (401 UNAUTHORIZED)."},
    {errc::forbidden, "Forbidden", "Authenticated but not allowed (403 FORBIDDEN)."},
    {errc::email_not_verified, "EmailNotVerified",
     "Correct password, but the email is not verified yet (403 EMAIL_NOT_VERIFIED)."},
    {errc::account_suspended, "AccountSuspended",
     "Correct password, but the account is suspended (403 ACCOUNT_SUSPENDED)."},
    {errc::not_found, "NotFound", "No such object (404 NOT_FOUND)."},
    {errc::conflict, "Conflict", "A uniqueness or state conflict (409 CONFLICT)."},
    {errc::payload_too_large, "PayloadTooLarge", "Input too large (413 PAYLOAD_TOO_LARGE)."},
    {errc::unsupported_media_type, "UnsupportedMediaType",
     "Wrong content type (415 UNSUPPORTED_MEDIA_TYPE)."},
    {errc::rate_limited, "RateLimited",
     "Too many requests (429 RATE_LIMITED); ``retry_after`` says when to retry."},
    {errc::account_locked, "AccountLocked",
     "Too many failed sign-ins (429 ACCOUNT_LOCKED); ``retry_after`` says when to retry."},
    {errc::internal, "InternalError", "A bug or an unexpected state (500 INTERNAL_ERROR)."},
    {errc::schema_mismatch, "SchemaMismatch",
     "The database schema was refused (500 SCHEMA_MISMATCH)."},
    {errc::unavailable, "ServiceUnavailable",
     "Storage unreachable or busy, or the grid is closed (503 SERVICE_UNAVAILABLE)."},
}};

// Strong references created once at import and never released: exception
// classes must outlive every call, including ones during interpreter exit.
PyObject* g_base = nullptr;
std::array<PyObject*, kClasses.size()> g_classes{};

PyObject* class_for(errc code) {
  for (std::size_t i = 0; i < kClasses.size(); ++i)
    if (kClasses[i].code == code) return g_classes[i];
  return g_base;
}

py::module_ datetime_mod() { return py::module_::import("datetime"); }

py::object utc_epoch() {
  auto dt = datetime_mod();
  return dt.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = dt.attr("timezone").attr("utc"));
}

std::int64_t timedelta_micros(py::handle td) {
  const auto days = td.attr("days").cast<std::int64_t>();
  const auto secs = td.attr("seconds").cast<std::int64_t>();
  const auto us = td.attr("microseconds").cast<std::int64_t>();
  return (days * 86400 + secs) * 1000000 + us;
}

}  // namespace

void register_errors(py::module_& m) {
  py::dict base_attrs;
  base_attrs["code"] = "INTERNAL_ERROR";
  base_attrs["http_status"] = 500;
  base_attrs["message"] = "";
  base_attrs["field"] = py::none();
  base_attrs["detail"] = "";
  base_attrs["retry_after"] = py::none();
  g_base = PyErr_NewExceptionWithDoc(
      "segs.Error",
      "Base class of every libsegs error.\n\n"
      "Attributes: ``code`` (the stable wire code, e.g. \"VALIDATION_ERROR\"), "
      "``message`` (for people), ``field`` (the offending input, or None), "
      "``retry_after`` (a timedelta for RateLimited/AccountLocked, else None), "
      "``http_status`` (the REST status of the code) and ``detail`` (storage "
      "diagnostics, never secrets).",
      PyExc_Exception, base_attrs.ptr());
  if (!g_base) throw py::error_already_set();
  m.add_object("Error", py::reinterpret_borrow<py::object>(g_base));

  for (std::size_t i = 0; i < kClasses.size(); ++i) {
    const auto& c = kClasses[i];
    py::dict attrs;
    attrs["code"] = std::string(to_string(c.code));
    attrs["http_status"] = http_status(c.code);
    const std::string qualified = std::string("segs.") + c.name;
    g_classes[i] = PyErr_NewExceptionWithDoc(qualified.c_str(), c.doc, g_base, attrs.ptr());
    if (!g_classes[i]) throw py::error_already_set();
    m.add_object(c.name, py::reinterpret_borrow<py::object>(g_classes[i]));
  }

  // Safety net: anything that escapes as segs::exception maps the same way.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const segs::exception& e) {
      try {
        raise_error(e.err());
      } catch (py::error_already_set& pending) {
        pending.restore();
      }
    }
  });
}

void raise_error(const segs::error& e) {
  PyObject* cls = class_for(e.code);
  py::object type = py::reinterpret_borrow<py::object>(cls);
  py::object exc = type(e.message);
  exc.attr("message") = e.message;
  exc.attr("field") = e.field.empty() ? py::object(py::none()) : py::object(py::str(e.field));
  exc.attr("detail") = e.detail;
  exc.attr("retry_after") = e.retry_after ? to_py(*e.retry_after) : py::object(py::none());
  PyErr_SetObject(cls, exc.ptr());
  throw py::error_already_set();
}

void raise_error(errc code, std::string message, std::string field) {
  raise_error(make_error(code, std::move(message), std::move(field)));
}

// --- grid holder ------------------------------------------------------------------

std::shared_ptr<segs::grid> grid_holder::get() const {
  std::shared_ptr<segs::grid> g;
  {
    std::lock_guard lock(mu_);
    g = grid_;
  }
  if (!g) raise_error(errc::unavailable, "the grid is closed");
  return g;
}

std::shared_ptr<segs::grid> grid_holder::take() {
  std::lock_guard lock(mu_);
  return std::move(grid_);
}

bool grid_holder::closed() const {
  std::lock_guard lock(mu_);
  return !grid_;
}

// --- conversions ---------------------------------------------------------------------

py::object to_py(timestamp t) {
  return utc_epoch() + datetime_mod().attr("timedelta")(py::arg("microseconds") = to_micros(t));
}

py::object to_py(const std::optional<timestamp>& t) {
  return t ? to_py(*t) : py::object(py::none());
}

py::object to_py(const uuid& u) {
  return py::module_::import("uuid").attr("UUID")(
      py::arg("bytes") = py::bytes(reinterpret_cast<const char*>(u.bytes.data()), u.bytes.size()));
}

py::object to_py_or_none(const uuid& u) { return u.is_nil() ? py::object(py::none()) : to_py(u); }

py::object to_py(const std::optional<uuid>& u) { return u ? to_py(*u) : py::object(py::none()); }

py::object to_py(std::chrono::seconds s) {
  return datetime_mod().attr("timedelta")(py::arg("seconds") = s.count());
}

timestamp timestamp_from_py(py::handle h, const char* what) {
  auto dt = datetime_mod();
  if (!py::isinstance(h, dt.attr("datetime")))
    throw py::type_error(std::string(what) + " must be a datetime.datetime");
  if (h.attr("tzinfo").is_none() || h.attr("utcoffset")().is_none())
    throw py::value_error(std::string(what) +
                          " must be timezone-aware (e.g. datetime.now(timezone.utc))");
  return from_micros(timedelta_micros(h - utc_epoch()));
}

std::optional<timestamp> opt_timestamp_from_py(py::handle h, const char* what) {
  if (h.is_none()) return std::nullopt;
  return timestamp_from_py(h, what);
}

uuid uuid_from_py(py::handle h, const char* field) {
  auto uuid_cls = py::module_::import("uuid").attr("UUID");
  if (py::isinstance(h, uuid_cls)) {
    auto b = h.attr("bytes").cast<std::string>();
    uuid u;
    std::copy(b.begin(), b.end(), u.bytes.begin());
    return u;
  }
  if (py::isinstance<py::str>(h)) return unwrap(uuid::parse(h.cast<std::string>(), field));
  throw py::type_error(std::string(field) + " must be a uuid.UUID or its text");
}

std::chrono::microseconds duration_from_py(py::handle h, const char* what) {
  if (py::isinstance(h, datetime_mod().attr("timedelta")))
    return std::chrono::microseconds(timedelta_micros(h));
  if (py::isinstance<py::int_>(h) && !py::isinstance<py::bool_>(h))
    return std::chrono::seconds(h.cast<std::int64_t>());
  if (py::isinstance<py::float_>(h))
    return std::chrono::microseconds(static_cast<std::int64_t>(h.cast<double>() * 1e6));
  throw py::type_error(std::string(what) + " must be a datetime.timedelta or a number of seconds");
}

std::string str_from_py(py::handle h, const std::string& field) {
  if (!py::isinstance<py::str>(h)) throw py::type_error(field + " must be a str");
  return h.cast<std::string>();
}

std::vector<std::string> strings_from_py(py::handle h, const std::string& field) {
  if (py::isinstance<py::str>(h))
    throw py::type_error(field + " must be a sequence of str, not a str");
  std::vector<std::string> out;
  for (auto item : h) out.push_back(str_from_py(item, field));
  return out;
}

std::string json_object_from_py(py::handle h, const char* field) {
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  if (py::isinstance<py::dict>(h))
    return py::module_::import("json").attr("dumps")(h).cast<std::string>();
  throw py::type_error(std::string(field) + " must be a dict or a str holding a JSON object");
}

py::object json_object_to_py(const std::string& text) {
  if (text.empty()) return py::dict();
  return py::module_::import("json").attr("loads")(text);
}

py::object decimal_class() {
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> storage;
  return storage
      .call_once_and_store_result(
          [] { return py::module_::import("decimal").attr("Decimal"); })
      .get_stored();
}

py::object mapping_class() {
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> storage;
  return storage
      .call_once_and_store_result(
          [] { return py::module_::import("collections.abc").attr("Mapping"); })
      .get_stored();
}

bool is_mapping(py::handle h) { return py::isinstance(h, mapping_class()); }

py::object decimal(std::int64_t units, int scale) {
  return decimal_class()(format_decimal(units, scale));
}

std::string decimal_text(py::handle h, const std::string& field) {
  if (py::isinstance<py::bool_>(h))
    throw py::type_error(field + " must be a Decimal, int, float or str, not bool");
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  if (py::isinstance<py::int_>(h)) return py::str(h).cast<std::string>();
  py::object d;
  if (py::isinstance(h, decimal_class())) {
    d = py::reinterpret_borrow<py::object>(h);
  } else if (py::isinstance<py::float_>(h)) {
    // The repr of the plain float: a subclass (numpy.float64) may repr
    // itself otherwise ("np.float64(0.1)").
    d = decimal_class()(py::repr(py::float_(h.cast<double>())));
  } else if (PyIndex_Check(h.ptr()) &&
             py::type::of(h).attr("__name__").cast<std::string>() != "bool_") {
    auto i = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
    if (!i) throw py::error_already_set();
    return py::str(i).cast<std::string>();
  } else {
    throw py::type_error(field + " must be a Decimal, int, float or str");
  }
  if (!d.attr("is_finite")().cast<bool>())
    raise_error(errc::validation_error, field + " must be a finite number", field);
  // Fixed-point text: str(Decimal) may use an exponent ("1E+3").
  return py::module_::import("builtins").attr("format")(d, "f").cast<std::string>();
}

std::int64_t units_from_py(py::handle h, int scale, const std::string& field) {
  return unwrap(parse_decimal(decimal_text(h, field), scale, rounding::exact, field));
}

py::object to_py(money m) { return decimal(m.micros, 6); }
py::object to_py(const std::optional<money>& m) { return m ? to_py(*m) : py::object(py::none()); }
py::object to_py(energy e) { return decimal(e.wh, 3); }
py::object to_py(const std::optional<energy>& e) {
  return e ? to_py(*e) : py::object(py::none());
}

money money_from_py(py::handle h, const std::string& field) {
  return money{units_from_py(h, 6, field)};
}
std::optional<money> opt_money_from_py(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  return money_from_py(h, field);
}
energy energy_from_py(py::handle h, const std::string& field) {
  return energy{units_from_py(h, 3, field)};
}
std::optional<energy> opt_energy_from_py(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  return energy_from_py(h, field);
}

py::object to_py_date(std::chrono::year_month_day d) {
  return datetime_mod().attr("date")(static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                                     static_cast<unsigned>(d.day()));
}
py::object to_py_date(const std::optional<std::chrono::year_month_day>& d) {
  return d ? to_py_date(*d) : py::object(py::none());
}

std::chrono::year_month_day date_from_py(py::handle h, const std::string& field) {
  auto dt = datetime_mod();
  if (py::isinstance<py::str>(h)) return unwrap(parse_iso_date(h.cast<std::string>(), field));
  if (py::isinstance(h, dt.attr("datetime")) || !py::isinstance(h, dt.attr("date")))
    throw py::type_error(field + " must be a datetime.date or \"YYYY-MM-DD\"");
  return std::chrono::year{h.attr("year").cast<int>()} /
         std::chrono::month{h.attr("month").cast<unsigned>()} /
         std::chrono::day{h.attr("day").cast<unsigned>()};
}

py::module_ numpy_for(const char* what) {
  try {
    return py::module_::import("numpy");
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_ImportError)) throw;
    throw py::import_error(std::string(what) +
                           " needs numpy, which is not installed (pip install \"segs[numpy]\")");
  }
}

py::object numpy_if_installed() {
  try {
    return py::module_::import("numpy");
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_ImportError)) throw;
    return py::none();
  }
}

request_context make_ctx(const std::optional<std::string>& ip,
                         const std::optional<std::string>& user_agent) {
  request_context ctx;
  if (ip) ctx.ip = *ip;
  if (user_agent) ctx.user_agent = *user_agent;
  return ctx;
}

std::string repr_of(const py::handle& h) { return py::repr(h).cast<std::string>(); }

}  // namespace segs::python
