// The Python binding's shared plumbing: error conversion, value conversion
// (datetimes, dates, UUIDs, durations, JSON objects, money and energy as
// Decimal), the optional numpy helpers and the grid holder that keeps a grid
// alive for every Python object obtained from it.
//
// GIL discipline: every call into libsegs that may hash a password or touch
// storage runs inside `released(...)`, which drops the GIL for the call and
// converts the result (and any error) with the GIL held again. Arguments are
// converted from Python objects *before* the call, never inside it.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <segs/segs.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs::python {

namespace py = pybind11;

/// A Python callable shared with the library (listeners, market
/// subscribers). The library may drop its copy on any thread, so the
/// destructor takes the GIL.
struct py_callback {
  py::object fn;
  py_callback() = default;
  py_callback(const py_callback&) = delete;
  py_callback& operator=(const py_callback&) = delete;
  ~py_callback() {
    if (!Py_IsInitialized()) {
      fn.release();  // the interpreter is gone: leak rather than crash
      return;
    }
    py::gil_scoped_acquire gil;
    fn = py::object();
  }
};

// --- errors -------------------------------------------------------------------

/// Raises the Python exception for `e` (sets the Python error and throws
/// py::error_already_set). REQUIRES: the GIL is held.
[[noreturn]] void raise_error(const segs::error& e);
[[noreturn]] void raise_error(errc code, std::string message, std::string field = {});

template <class T>
T unwrap(result<T>&& r) {
  if (!r) raise_error(r.error());
  return std::move(r).value();
}
inline void unwrap(result<void>&& r) {
  if (!r) raise_error(r.error());
}

/// Runs `fn` (which returns a segs::result) with the GIL released, then
/// unwraps the result with the GIL held: errors become segs.Error subclasses.
template <class Fn>
auto released(Fn&& fn) {
  auto r = [&] {
    py::gil_scoped_release nogil;
    return fn();
  }();
  return unwrap(std::move(r));
}

/// Releases the GIL for `fn` when this thread holds it (destructors run
/// from garbage collection hold it; close() from Python does too), so that
/// whatever `fn` waits for never waits for the GIL.
template <class Fn>
void without_gil(Fn&& fn) {
  if (Py_IsInitialized() && PyGILState_Check()) {
    py::gil_scoped_release nogil;
    fn();
  } else {
    fn();
  }
}

// --- the grid holder ------------------------------------------------------------

/// Owns the grid on behalf of every Python object that uses it (Grid,
/// Identity, Audit, Outbox, rest.Handler all hold a shared_ptr to the
/// holder), so Python's collection order can never free the grid under a
/// service. `close()` drops the holder's reference: new calls fail with
/// ServiceUnavailable, and calls already running keep their own reference
/// until they return.
class grid_holder {
 public:
  explicit grid_holder(std::unique_ptr<segs::grid> g) : grid_(std::move(g)) {}

  /// The grid, or raises ServiceUnavailable when closed. REQUIRES: GIL held.
  [[nodiscard]] std::shared_ptr<segs::grid> get() const;
  /// Takes the grid out (closing the holder); null when already closed.
  [[nodiscard]] std::shared_ptr<segs::grid> take();
  [[nodiscard]] bool closed() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<segs::grid> grid_;
};

using holder_ptr = std::shared_ptr<grid_holder>;

/// Runs `fn` on one service of the holder's grid (`pick(grid)`, e.g.
/// `grid.identity()`) the way every service method does: the grid taken
/// from the holder (ServiceUnavailable once closed) and kept for the call,
/// the call made with the GIL released, the result unwrapped with it held.
template <class Pick, class Fn>
auto with_service(const grid_holder& holder, Pick&& pick, Fn&& fn) {
  auto g = holder.get();
  return released([&] { return fn(pick(*g)); });
}

/// A library error in this binding's words: `from`, a Python keyword, is
/// the parameter `from_` here (analytics and operators' reports).
inline segs::error from_in_python_words(segs::error e) {
  if (e.field == "from") {
    if (e.message.starts_with("from ")) e.message = "from_" + e.message.substr(4);
    e.field = "from_";
  }
  return e;
}

// --- value conversion -------------------------------------------------------------

/// A timezone-aware UTC datetime.datetime.
py::object to_py(timestamp t);
py::object to_py(const std::optional<timestamp>& t);
/// uuid.UUID.
py::object to_py(const uuid& u);
/// uuid.UUID, or None for the nil UUID.
py::object to_py_or_none(const uuid& u);
py::object to_py(const std::optional<uuid>& u);
/// datetime.timedelta.
py::object to_py(std::chrono::seconds s);

/// An aware datetime -> timestamp. Naive datetimes are refused (ValueError):
/// guessing a zone is how off-by-hours bugs start.
timestamp timestamp_from_py(py::handle h, const char* what);
std::optional<timestamp> opt_timestamp_from_py(py::handle h, const char* what);
/// uuid.UUID or its text -> uuid; malformed text raises ValidationError(field).
uuid uuid_from_py(py::handle h, const char* field);
/// A datetime.timedelta or a number of seconds -> microseconds.
std::chrono::microseconds duration_from_py(py::handle h, const char* what);
/// A str, else TypeError naming `field`.
std::string str_from_py(py::handle h, const std::string& field);
/// A sequence of str (a lone str is refused: it would be a sequence of its
/// characters), else TypeError naming `field`.
std::vector<std::string> strings_from_py(py::handle h, const std::string& field);
/// A dict (serialized) or a str holding a JSON object.
std::string json_object_from_py(py::handle h, const char* field);
/// Parses a JSON object stored as text into a dict (an empty dict on "").
py::object json_object_to_py(const std::string& text);

/// decimal.Decimal and collections.abc.Mapping (imported once).
py::object decimal_class();
py::object mapping_class();
bool is_mapping(py::handle h);
/// decimal.Decimal of `units` x 10^-scale (exact).
py::object decimal(std::int64_t units, int scale);
/// Exact decimal text of a Decimal, int (or an object with __index__, such as
/// numpy.int64), float or str. A float goes through its shortest repr, so
/// 0.245 means "0.245" and not its binary expansion. bool and other types
/// raise TypeError naming `field`; infinities and NaN ValidationError.
std::string decimal_text(py::handle h, const std::string& field);
/// `h` as a count of 10^-scale units, exactly (ValidationError naming
/// `field` when it has more decimals).
std::int64_t units_from_py(py::handle h, int scale, const std::string& field);

// Quantities, as the library keeps them and the package shows them (the
// market, telemetry and tariffs): exact decimal.Decimal at the edge.
/// Money: Decimal currency units (micro-units inside: at most six decimals).
py::object to_py(money m);
py::object to_py(const std::optional<money>& m);
/// Energy: Decimal kWh (whole Wh inside: at most three decimals).
py::object to_py(energy e);
py::object to_py(const std::optional<energy>& e);
/// Exact inputs (decimal_text): a seventh (money) or fourth (energy) decimal
/// is a ValidationError naming `field`. The opt_ forms take None.
money money_from_py(py::handle h, const std::string& field);
std::optional<money> opt_money_from_py(py::handle h, const std::string& field);
energy energy_from_py(py::handle h, const std::string& field);
std::optional<energy> opt_energy_from_py(py::handle h, const std::string& field);
/// datetime.date (None for an empty optional).
py::object to_py_date(std::chrono::year_month_day d);
py::object to_py_date(const std::optional<std::chrono::year_month_day>& d);
/// A datetime.date (not a datetime: its time would be dropped) or
/// "YYYY-MM-DD".
std::chrono::year_month_day date_from_py(py::handle h, const std::string& field);

// numpy is optional (the "numpy" extra): imported only by the functions that
// answer or take arrays, so the package works without it.
/// numpy, or ImportError saying that `what` needs it.
py::module_ numpy_for(const char* what);
/// numpy when it is importable, else None (the answers that fall back to lists).
py::object numpy_if_installed();
/// A new 1-D numpy array of `n` `dtype`s filled by `fill(T* data)`.
template <class T, class Fill>
py::object new_array(const py::module_& np, std::size_t n, const char* dtype, Fill&& fill) {
  py::object arr = np.attr("empty")(n, py::arg("dtype") = dtype);
  py::buffer b = arr;
  auto info = b.request(true);
  fill(static_cast<T*>(info.ptr));
  return arr;
}

/// The request context (ip, user agent) recorded in the audit log.
request_context make_ctx(const std::optional<std::string>& ip,
                         const std::optional<std::string>& user_agent);

/// A short repr helper: Python repr() of a value.
std::string repr_of(const py::handle& h);

/// `repr` of a value type: name(field=value, ...), values through repr().
class repr_builder {
 public:
  explicit repr_builder(const char* name) : out_(name) { out_ += '('; }
  repr_builder& add(const char* field, const py::handle& value) {
    if (!first_) out_ += ", ";
    first_ = false;
    out_ += field;
    out_ += '=';
    out_ += repr_of(value);
    return *this;
  }
  std::string str() { return out_ + ')'; }

 private:
  std::string out_;
  bool first_ = true;
};

// --- shared by the parts --------------------------------------------------------------
// (Each part's register_* function is declared in module.cpp's one list.)

/// A dict of region fields (Grid.open's `regions`) -> region_spec; unknown
/// keys raise ValidationError naming them.
region_spec region_spec_from_py(py::handle mapping, const std::string& code);

}  // namespace segs::python
