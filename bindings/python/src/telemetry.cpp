// segs.Telemetry (Grid.telemetry): the meter registry, readings (single,
// bulk, corrections), the aggregates and the region queries, plus the
// read-only values they answer (Meter, Reading, Bucket, IngestReport, ...).
//
// At the edge, energies are decimal.Decimal kWh and instantaneous values
// (kW, V, A, power factor, Hz) Decimal with three decimals, as the library
// keeps them; inputs may be Decimal, int, float (through its shortest repr)
// or str and are converted exactly, like the market's: a fourth decimal is a
// ValidationError naming the keyword. Names are the REST API's
// (`timestamp`, `energy_consumed_kwh`, ...); errors the library raises in
// its C++ words (`time`, `consumed`) are answered in these.
//
// Bulk ingestion also takes columns (a mapping of field -> sequence or numpy
// array), and history_arrays() answers numpy arrays. numpy is imported only
// there, so the package works without it. In columns a float is a
// measurement: it is taken as the nearest thousandth when within 1e-9 of it
// (0.1 + 0.2 is 0.3) and refused otherwise, where a scalar float must have
// at most three decimals in its repr.
#include "common.hpp"
#include "grid.hpp"
#include "page.hpp"

#include <segs/rest.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segs::python {

namespace {

struct py_telemetry {
  holder_ptr holder;
};

using opt_str = std::optional<std::string>;

// The library's bulk limit (telemetry::max_rows): checked here too, since
// rows this binding refuses never reach the library.
constexpr std::size_t max_rows = 10'000;

// --- words ---------------------------------------------------------------------------

// The library names the members of segs::reading; Python callers wrote the
// REST API's keywords: the one table of both (segs::rest::in_wire_words).
segs::error in_python_words(segs::error e) { return segs::rest::in_wire_words(std::move(e)); }

ingest_report in_python_words(ingest_report r) {
  for (auto& x : r.rejected) {
    auto e = in_python_words(make_error(x.code, x.message, x.field));
    x.field = std::move(e.field);
    x.message = std::move(e.message);
  }
  return r;
}

template <class T>
result<T> in_python_words(result<T>&& r) {
  if (!r) return in_python_words(r.error());
  return std::move(r);
}

template <class Fn>
auto with_telemetry(const py_telemetry& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> telemetry_service& { return g.telemetry(); },
                      [&](telemetry_service& t) { return in_python_words(fn(t)); });
}

// --- conversion out -------------------------------------------------------------------

py::object kwh(energy e) { return decimal(e.wh, 3); }
py::object dec(milli v) { return decimal(v.value, 3); }
py::object dec(const std::optional<milli>& v) { return v ? dec(*v) : py::object(py::none()); }
py::object opt_float(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::object(py::none());
}
py::object opt_str_or_none(const std::optional<std::string>& v) {
  return v ? py::object(py::str(*v)) : py::object(py::none());
}
template <class E>
py::str name_of(E v) {
  return py::str(std::string(to_string(v)));
}

std::string month_text(std::chrono::year_month ym) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ym.year()),
                static_cast<unsigned>(ym.month()));
  return buf;
}

// --- conversion in ----------------------------------------------------------------------

milli milli_from_py(py::handle h, const std::string& field) {
  return milli{units_from_py(h, 3, field)};
}
std::optional<milli> opt_milli_from_py(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  return milli_from_py(h, field);
}

/// uuid.UUID or text: meters are named by serial or UUID.
std::string meter_ref_from_py(py::handle h, const std::string& field) {
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  if (py::isinstance(h, py::module_::import("uuid").attr("UUID"))) return py::str(h);
  throw py::type_error(field + " must be a str (the serial or the UUID) or a uuid.UUID");
}

opt_str opt_text(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  return str_from_py(h, field);
}

std::optional<double> opt_number(py::handle h, const std::string& field) {
  if (h.is_none()) return std::nullopt;
  if (py::isinstance<py::bool_>(h) ||
      !(py::isinstance<py::float_>(h) || py::isinstance<py::int_>(h)))
    throw py::type_error(field + " must be a number");
  return h.cast<double>();
}

meter_location location_from_py(py::handle h) {
  if (!is_mapping(h)) throw py::type_error("location must be a mapping (e.g. a dict)");
  meter_location l;
  for (auto kv : h.attr("items")()) {
    auto pair = py::reinterpret_borrow<py::tuple>(kv);
    const auto key = str_from_py(pair[0], "location's keys");
    py::handle v = pair[1];
    if (key == "building") l.building = opt_text(v, key);
    else if (key == "room") l.room = opt_text(v, key);
    else if (key == "address") l.address = opt_text(v, key);
    else if (key == "latitude") l.latitude = opt_number(v, key);
    else if (key == "longitude") l.longitude = opt_number(v, key);
    else raise_error(errc::validation_error, "location has an unknown field " + key, key);
  }
  return l;
}

/// create_meter's and update_meter's keywords (None: not given).
struct meter_args {
  py::object meter_id = py::none();
  py::object region = py::none();
  py::object meter_type = py::none();
  py::object location = py::none();
  py::object capacity_kw = py::none();
  py::object installation_date = py::none();
  py::object public_key = py::none();
  py::object metadata = py::none();
  py::object user_id = py::none();

  /// Sets the keyword `key` (false when there is no such keyword).
  bool set(const std::string& key, py::object v) {
    if (key == "meter_id") meter_id = std::move(v);
    else if (key == "region") region = std::move(v);
    else if (key == "meter_type") meter_type = std::move(v);
    else if (key == "location") location = std::move(v);
    else if (key == "capacity_kw") capacity_kw = std::move(v);
    else if (key == "installation_date") installation_date = std::move(v);
    else if (key == "public_key") public_key = std::move(v);
    else if (key == "metadata") metadata = std::move(v);
    else if (key == "user_id") user_id = std::move(v);
    else return false;
    return true;
  }
};

meter_spec spec_from(const meter_args& a) {
  meter_spec s;
  s.meter_id = opt_text(a.meter_id, "meter_id");
  s.region = opt_text(a.region, "region");
  if (!a.meter_type.is_none())
    s.meter_type = unwrap(parse_meter_kind(str_from_py(a.meter_type, "meter_type")));
  if (!a.location.is_none()) s.location = location_from_py(a.location);
  s.capacity_kw = opt_milli_from_py(a.capacity_kw, "capacity_kw");
  if (!a.installation_date.is_none())
    s.installation_date = date_from_py(a.installation_date, "installation_date");
  s.public_key = opt_text(a.public_key, "public_key");
  if (!a.metadata.is_none()) s.metadata = json_object_from_py(a.metadata, "metadata");
  if (!a.user_id.is_none()) s.user_id = uuid_from_py(a.user_id, "user_id");
  return s;
}

time_range range_from_py(py::handle start, py::handle end) {
  return {timestamp_from_py(start, "start"), timestamp_from_py(end, "end")};
}

// --- readings in ------------------------------------------------------------------------

/// One value of a reading as given: a Python object (a row's value, an item
/// of a list column) or a number read from a numpy column.
struct cell {
  enum class kind { absent, object, number, micros } k = kind::absent;
  py::object obj;
  double number = 0;           // kind::number (NaN: absent)
  std::int64_t micros = 0;     // kind::micros (INT64_MIN: NaT)
  bool from_column = false;    // floats are measurements (see the file comment)

  [[nodiscard]] bool is_none() const {
    if (k == kind::absent) return true;
    if (k == kind::number) return std::isnan(number);
    if (k == kind::micros) return false;
    // In columns a float NaN is absent, as in numpy columns.
    return obj.is_none() ||
           (from_column && PyFloat_Check(obj.ptr()) && std::isnan(PyFloat_AS_DOUBLE(obj.ptr())));
  }
};

/// A float kWh (or kW, V, ...) of a column -> thousandths: the nearest
/// thousandth when within 1e-9 of it (1e-15 relative for huge values),
/// else ValidationError naming `field`.
std::int64_t thousandths_of_float(double x, const std::string& field) {
  if (!std::isfinite(x))
    raise_error(errc::validation_error, field + " must be a finite number", field);
  const double w = x * 1000.0;
  if (std::fabs(w) >= 9.0e15)
    raise_error(errc::validation_error, field + " is out of range", field);
  const double r = std::nearbyint(w);  // half to even; no tie is within the tolerance
  if (std::fabs(w - r) > std::max(1e-6, std::fabs(w) * 1e-15))
    raise_error(errc::validation_error,
                field + " must be a number with at most 3 decimals (got " +
                    py::repr(py::float_(x)).cast<std::string>() + ")",
                field);
  return static_cast<std::int64_t>(r);
}

std::int64_t thousandths_of(const cell& c, const std::string& field) {
  if (c.k == cell::kind::number) return thousandths_of_float(c.number, field);
  if (c.from_column && py::isinstance<py::float_>(c.obj))
    return thousandths_of_float(c.obj.cast<double>(), field);
  return units_from_py(c.obj, 3, field);
}

std::optional<milli> opt_milli_of(const cell& c, const std::string& field) {
  if (c.is_none()) return std::nullopt;
  return milli{thousandths_of(c, field)};
}

energy energy_of(const cell& c, const std::string& field) {
  if (c.k == cell::kind::absent) return energy{};
  if (c.is_none()) raise_error(errc::validation_error, field + " must be a number", field);
  return energy{thousandths_of(c, field)};
}

/// An aware datetime, RFC 3339 text (kept as the text a signature covers)
/// or, in columns, microseconds since the epoch / numpy datetime64 (UTC).
timestamp time_of(const cell& c, std::string& text) {
  const std::string field = "timestamp";
  if (c.k == cell::kind::micros) {
    if (c.micros == std::numeric_limits<std::int64_t>::min())
      raise_error(errc::validation_error, "timestamp is missing (NaT)", field);
    return from_micros(c.micros);
  }
  if (c.is_none()) raise_error(errc::validation_error, "timestamp is required", field);
  if (c.k == cell::kind::number)
    throw py::type_error("timestamp must be a datetime, RFC 3339 text or microseconds");
  if (py::isinstance<py::str>(c.obj)) {
    text = c.obj.cast<std::string>();
    return unwrap(parse_rfc3339(text, field));
  }
  if (c.from_column && py::isinstance<py::int_>(c.obj) && !py::isinstance<py::bool_>(c.obj))
    return from_micros(c.obj.cast<std::int64_t>());
  return timestamp_from_py(c.obj, "timestamp");
}

// The fields of a reading, in the order a row's errors are looked for.
enum class rf {
  meter_id, timestamp, energy_consumed_kwh, energy_produced_kwh, power_kw, peak_demand_kw,
  voltage, current, power_factor, frequency, metadata, signature, count_
};
constexpr std::array<std::string_view, static_cast<std::size_t>(rf::count_)> rf_names{
    "meter_id", "timestamp", "energy_consumed_kwh", "energy_produced_kwh", "power_kw",
    "peak_demand_kw", "voltage", "current", "power_factor", "frequency", "metadata", "signature"};

std::optional<rf> field_of(std::string_view key) {
  for (std::size_t i = 0; i < rf_names.size(); ++i)
    if (rf_names[i] == key) return static_cast<rf>(i);
  return std::nullopt;
}

/// What one call takes: ingest rows carry meter_id and signature; replace
/// rows neither (the meter is the call's, corrections are not signed).
struct row_shape {
  bool meter_column = true;
  bool signature = true;
  [[nodiscard]] bool accepts(rf f) const {
    if (f == rf::meter_id) return meter_column;
    if (f == rf::signature) return signature;
    return true;
  }
};

using cells = std::array<cell, static_cast<std::size_t>(rf::count_)>;

/// The error a conversion raised, in a bulk report's terms.
rejected_reading rejection_of(py::error_already_set& e, std::size_t index, std::string field) {
  auto value = e.value();
  std::string message;
  if (py::hasattr(value, "message") && py::isinstance<py::str>(value.attr("message")))
    message = value.attr("message").cast<std::string>();
  if (message.empty()) message = py::str(value).cast<std::string>();
  return {index, std::move(field), errc::validation_error, std::move(message)};
}

/// Converts one row's cells into `out`. Raises (ValidationError or
/// TypeError naming the field) at the first bad value; `at` says which.
void convert_row(const cells& c, meter_reading& out, std::string& at) {
  auto get = [&](rf f) -> const cell& { return c[static_cast<std::size_t>(f)]; };
  auto name = [](rf f) { return std::string(rf_names[static_cast<std::size_t>(f)]); };

  at = name(rf::meter_id);
  if (get(rf::meter_id).k != cell::kind::absent) {
    if (get(rf::meter_id).is_none())
      raise_error(errc::validation_error, "meter_id is required", "meter_id");
    out.meter = meter_ref_from_py(get(rf::meter_id).obj, "meter_id");
  }
  at = name(rf::timestamp);
  std::string text;
  out.values.time = time_of(get(rf::timestamp), text);
  out.signed_by.time_text = std::move(text);
  at = name(rf::energy_consumed_kwh);
  out.values.consumed = energy_of(get(rf::energy_consumed_kwh), at);
  at = name(rf::energy_produced_kwh);
  out.values.produced = energy_of(get(rf::energy_produced_kwh), at);
  const std::pair<rf, std::optional<milli> reading::*> optional_values[] = {
      {rf::power_kw, &reading::power_kw},         {rf::peak_demand_kw, &reading::peak_demand_kw},
      {rf::voltage, &reading::voltage},           {rf::current, &reading::current},
      {rf::power_factor, &reading::power_factor}, {rf::frequency, &reading::frequency}};
  for (const auto& [f, member] : optional_values) {
    at = name(f);
    out.values.*member = opt_milli_of(get(f), at);
  }
  at = name(rf::metadata);
  if (!get(rf::metadata).is_none())
    out.values.metadata = json_object_from_py(get(rf::metadata).obj, "metadata");
  at = name(rf::signature);
  if (!get(rf::signature).is_none())
    out.signed_by.signature = str_from_py(get(rf::signature).obj, "signature");
}

/// Rows converted for the library, and the rows refused on the way.
struct converted_rows {
  std::vector<meter_reading> rows;
  std::vector<std::size_t> origin;  // rows[k] is the input's row origin[k]
  std::vector<rejected_reading> rejected;
  std::size_t total = 0;            // rows in the input
};

/// Converts a row; a bad value becomes a rejection of that row.
void take_row(converted_rows& out, const cells& c, std::size_t index) {
  meter_reading r;
  std::string at;
  try {
    convert_row(c, r, at);
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_Exception)) throw;  // KeyboardInterrupt and friends
    out.rejected.push_back(rejection_of(e, index, at));
    return;
  } catch (py::builtin_exception& e) {
    out.rejected.push_back({index, at, errc::validation_error, e.what()});
    return;
  }
  out.rows.push_back(std::move(r));
  out.origin.push_back(index);
}

void check_row_count(std::size_t n) {
  if (n > max_rows)
    raise_error(errc::validation_error, "at most 10000 readings per call", "readings");
}

/// Rows as an iterable of mappings with the fields' keywords.
converted_rows rows_from_mappings(const py::object& in, row_shape shape) {
  converted_rows out;
  py::list items(in);
  out.total = items.size();
  check_row_count(out.total);
  for (std::size_t i = 0; i < out.total; ++i) {
    py::handle item = items[i];
    if (!is_mapping(item))
      throw py::type_error("readings[" + std::to_string(i) + "] must be a mapping (e.g. a dict)");
    cells c;
    std::optional<rejected_reading> bad;
    for (auto kv : item.attr("items")()) {
      auto pair = py::reinterpret_borrow<py::tuple>(kv);
      const auto key = py::isinstance<py::str>(pair[0]) ? pair[0].cast<std::string>()
                                                         : py::repr(pair[0]).cast<std::string>();
      auto f = field_of(key);
      if (!f || !shape.accepts(*f)) {
        if (!bad) bad = rejected_reading{i, key, errc::validation_error, "unknown field " + key};
        continue;
      }
      auto& slot = c[static_cast<std::size_t>(*f)];
      slot.k = cell::kind::object;
      slot.obj = pair[1];
    }
    if (!bad && shape.meter_column && c[static_cast<std::size_t>(rf::meter_id)].k == cell::kind::absent)
      bad = rejected_reading{i, "meter_id", errc::validation_error, "meter_id is required"};
    if (!bad && c[static_cast<std::size_t>(rf::timestamp)].k == cell::kind::absent)
      bad = rejected_reading{i, "timestamp", errc::validation_error, "timestamp is required"};
    if (bad) {
      out.rejected.push_back(std::move(*bad));
      continue;
    }
    take_row(out, c, i);
  }
  return out;
}

/// One column of a columns mapping.
struct column {
  enum class kind { absent, scalar, objects, numbers, micros } k = kind::absent;
  py::object scalar;
  py::list objects;
  std::vector<double> numbers;
  std::vector<std::int64_t> micros;

  [[nodiscard]] std::size_t size() const {
    switch (k) {
      case kind::objects: return objects.size();
      case kind::numbers: return numbers.size();
      case kind::micros: return micros.size();
      default: return 0;
    }
  }
  [[nodiscard]] bool sized() const { return k == kind::objects || k == kind::numbers || k == kind::micros; }

  [[nodiscard]] cell at(std::size_t i) const {
    cell c;
    c.from_column = true;
    switch (k) {
      case kind::absent: break;
      case kind::scalar: c.k = cell::kind::object; c.obj = scalar; break;
      case kind::objects: c.k = cell::kind::object; c.obj = objects[i]; break;
      case kind::numbers: c.k = cell::kind::number; c.number = numbers[i]; break;
      case kind::micros: c.k = cell::kind::micros; c.micros = micros[i]; break;
    }
    return c;
  }
};

bool is_array_like(py::handle h) {
  return !py::isinstance<py::list>(h) && !py::isinstance<py::tuple>(h) &&
         (py::hasattr(h, "__array_interface__") || py::hasattr(h, "__array__"));
}

template <class T>
std::vector<T> copy_buffer(const py::object& contiguous, const char* format_hint) {
  py::buffer b = contiguous;
  auto info = b.request();
  if (info.ndim != 1 || info.itemsize != sizeof(T))
    throw py::type_error(std::string("unexpected buffer layout for ") + format_hint);
  std::vector<T> out(static_cast<std::size_t>(info.shape[0]));
  if (!out.empty()) std::memcpy(out.data(), info.ptr, out.size() * sizeof(T));
  return out;
}

/// A column given as a numpy array (or anything numpy.asarray takes).
column column_from_array(py::handle h, rf f) {
  const std::string name(rf_names[static_cast<std::size_t>(f)]);
  auto np = py::module_::import("numpy");
  py::object arr = np.attr("asarray")(h);
  if (arr.attr("ndim").cast<int>() != 1)
    throw py::value_error("column " + name + " must be one-dimensional");
  const auto kind = arr.attr("dtype").attr("kind").cast<std::string>();
  column c;
  if (f == rf::timestamp && (kind == "M" || kind == "i" || kind == "u")) {
    py::object us = kind == "M" ? arr.attr("astype")("datetime64[us]").attr("view")("int64")
                                : arr.attr("astype")("int64");
    c.k = column::kind::micros;
    c.micros = copy_buffer<std::int64_t>(np.attr("ascontiguousarray")(us), name.c_str());
    return c;
  }
  const bool numeric = f != rf::meter_id && f != rf::timestamp && f != rf::metadata &&
                       f != rf::signature;
  if (numeric && kind == "b")
    throw py::type_error("column " + name + " must hold numbers, not bool");
  if (numeric && (kind == "f" || kind == "i" || kind == "u")) {
    c.k = column::kind::numbers;
    c.numbers = copy_buffer<double>(
        np.attr("ascontiguousarray")(arr, py::arg("dtype") = np.attr("float64")), name.c_str());
    return c;
  }
  c.k = column::kind::objects;
  c.objects = arr.attr("tolist")();
  return c;
}

/// Rows as columns: {"meter_id": [...], "timestamp": [...], ...}, each a
/// sequence or a numpy array of one length; meter_id may be one str for
/// every row.
converted_rows rows_from_columns(const py::object& in, row_shape shape) {
  std::array<column, static_cast<std::size_t>(rf::count_)> cols;
  for (auto key_obj : in.attr("keys")()) {
    if (!py::isinstance<py::str>(key_obj))
      throw py::type_error("readings' column names must be str");
    const auto key = key_obj.cast<std::string>();
    auto f = field_of(key);
    if (!f || !shape.accepts(*f))
      raise_error(errc::validation_error, "unknown column " + key, key);
    py::object v = in.attr("__getitem__")(key_obj);
    auto& c = cols[static_cast<std::size_t>(*f)];
    if (*f == rf::meter_id && (py::isinstance<py::str>(v) ||
                               py::isinstance(v, py::module_::import("uuid").attr("UUID")))) {
      c.k = column::kind::scalar;
      c.scalar = v;
    } else if (is_array_like(v)) {
      c = column_from_array(v, *f);
    } else if (py::isinstance<py::str>(v) || py::isinstance<py::bytes>(v) || is_mapping(v) ||
               !py::hasattr(v, "__iter__")) {
      throw py::type_error("column " + key + " must be a sequence or an array");
    } else {
      c.k = column::kind::objects;
      c.objects = py::list(v);
    }
  }
  auto col = [&](rf f) -> column& { return cols[static_cast<std::size_t>(f)]; };
  if (shape.meter_column && col(rf::meter_id).k == column::kind::absent)
    raise_error(errc::validation_error, "the column meter_id is required", "meter_id");
  if (col(rf::timestamp).k == column::kind::absent)
    raise_error(errc::validation_error, "the column timestamp is required", "timestamp");
  const std::size_t n = col(rf::timestamp).size();
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i].sized() && cols[i].size() != n)
      throw py::value_error("column " + std::string(rf_names[i]) + " has " +
                            std::to_string(cols[i].size()) + " values, timestamp " +
                            std::to_string(n));
  converted_rows out;
  out.total = n;
  check_row_count(n);
  for (std::size_t i = 0; i < n; ++i) {
    cells c;
    for (std::size_t j = 0; j < cols.size(); ++j) c[j] = cols[j].at(i);
    take_row(out, c, i);
  }
  return out;
}

bool is_columns(const py::object& in) {
  if (is_mapping(in)) return true;
  // A pandas DataFrame: keys() and [] like a mapping.
  return !py::isinstance<py::list>(in) && !py::isinstance<py::tuple>(in) &&
         py::hasattr(in, "keys") && py::hasattr(in, "__getitem__") && py::hasattr(in, "columns");
}

converted_rows rows_from_py(const py::object& in, row_shape shape) {
  if (py::isinstance<py::str>(in) || py::isinstance<py::bytes>(in))
    throw py::type_error("readings must be a sequence of mappings or a mapping of columns");
  if (is_columns(in)) return rows_from_columns(in, shape);
  if (!py::hasattr(in, "__iter__"))
    throw py::type_error("readings must be a sequence of mappings or a mapping of columns");
  return rows_from_mappings(in, shape);
}

/// The library's report on the rows it saw, with the binding's refusals
/// merged in, indices in the caller's numbering.
ingest_report merge_report(ingest_report lib, converted_rows& rows) {
  for (auto& r : lib.rejected) r.index = rows.origin.at(r.index);
  for (auto& r : rows.rejected) lib.rejected.push_back(std::move(r));
  std::stable_sort(lib.rejected.begin(), lib.rejected.end(),
                   [](const auto& a, const auto& b) { return a.index < b.index; });
  return lib;
}

// --- numpy out ------------------------------------------------------------------------

// (numpy_for and new_array: common.hpp)

py::dict buckets_as_arrays(const std::vector<bucket>& bs) {
  auto np = numpy_for("history_arrays");
  const auto n = bs.size();
  py::dict out;
  auto times = [&](timestamp bucket::*member) {
    return new_array<std::int64_t>(np, n, "int64",
                                   [&](std::int64_t* p) {
                                     for (std::size_t i = 0; i < n; ++i) p[i] = to_micros(bs[i].*member);
                                   })
        .attr("view")("datetime64[us]");
  };
  auto energies = [&](auto get) {
    return new_array<double>(np, n, "float64", [&](double* p) {
      for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<double>(get(bs[i]).wh) / 1000.0;
    });
  };
  auto values = [&](std::optional<milli> bucket::*member) {
    return new_array<double>(np, n, "float64", [&](double* p) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto& v = bs[i].*member;
        p[i] = v ? v->to_double() : std::numeric_limits<double>::quiet_NaN();
      }
    });
  };
  out["start"] = times(&bucket::start);
  out["end"] = times(&bucket::end);
  out["consumed_kwh"] = energies([](const bucket& b) { return b.consumed; });
  out["produced_kwh"] = energies([](const bucket& b) { return b.produced; });
  out["net_kwh"] = energies([](const bucket& b) { return b.net(); });
  out["reading_count"] = new_array<std::int64_t>(np, n, "int64", [&](std::int64_t* p) {
    for (std::size_t i = 0; i < n; ++i) p[i] = bs[i].reading_count;
  });
  out["min_power_kw"] = values(&bucket::min_power_kw);
  out["avg_power_kw"] = values(&bucket::avg_power_kw);
  out["max_power_kw"] = values(&bucket::max_power_kw);
  out["peak_demand_kw"] = values(&bucket::peak_demand_kw);
  out["voltage_min"] = values(&bucket::voltage_min);
  out["voltage_avg"] = values(&bucket::voltage_avg);
  out["voltage_max"] = values(&bucket::voltage_max);
  out["current_avg"] = values(&bucket::current_avg);
  out["power_factor_avg"] = values(&bucket::power_factor_avg);
  out["frequency_avg"] = values(&bucket::frequency_avg);
  return out;
}

/// submit()'s keywords as one row's cells.
cells cells_of(std::initializer_list<std::pair<rf, const py::object*>> given) {
  cells c;
  for (const auto& [f, v] : given) {
    auto& slot = c[static_cast<std::size_t>(f)];
    slot.k = cell::kind::object;
    slot.obj = *v;
  }
  return c;
}

}  // namespace

void register_telemetry(py::module_& m) {
  // --- value types ------------------------------------------------------------------------
  py::class_<meter_location>(m, "MeterLocation",
                             "Where a meter is; every field may be None. Read-only.")
      .def_readonly("building", &meter_location::building, "The building (str), or None.")
      .def_readonly("room", &meter_location::room, "The room (str), or None.")
      .def_readonly("address", &meter_location::address, "The address (str), or None.")
      .def_readonly("latitude", &meter_location::latitude, "-90..90 (float), or None.")
      .def_readonly("longitude", &meter_location::longitude, "-180..180 (float), or None.")
      .def("__repr__", [](const meter_location& l) {
        return repr_builder("MeterLocation")
            .add("building", opt_str_or_none(l.building))
            .add("room", opt_str_or_none(l.room))
            .add("address", opt_str_or_none(l.address))
            .add("latitude", opt_float(l.latitude))
            .add("longitude", opt_float(l.longitude))
            .str();
      });

  py::class_<reading_brief>(m, "LastReading",
                            "A meter's latest reading as listings show it. Read-only.")
      .def_property_readonly(
          "timestamp", [](const reading_brief& r) { return to_py(r.time); },
          "The end of the interval it measures (aware UTC datetime).")
      .def_property_readonly(
          "energy_consumed_kwh", [](const reading_brief& r) { return kwh(r.consumed); },
          "Decimal kWh imported during the interval.")
      .def_property_readonly(
          "energy_produced_kwh", [](const reading_brief& r) { return kwh(r.produced); },
          "Decimal kWh exported during the interval.")
      .def("__repr__", [](const reading_brief& r) {
        return repr_builder("LastReading")
            .add("timestamp", to_py(r.time))
            .add("energy_consumed_kwh", kwh(r.consumed))
            .add("energy_produced_kwh", kwh(r.produced))
            .str();
      });

  py::class_<meter>(m, "Meter", "A registered meter, with its last reading and totals. Read-only.")
      .def_property_readonly(
          "id", [](const meter& x) { return to_py(x.id); }, "uuid.UUID")
      .def_readonly("meter_id", &meter::meter_id,
                    "The serial: 3-64 of A-Z a-z 0-9 _ -, unique (e.g. \"SM_ENG_001_2025\").")
      .def_readonly("region", &meter::region, "The meter's region (its local days and months).")
      .def_property_readonly(
          "user_id", [](const meter& x) { return to_py(x.user_id); },
          "The owner (uuid.UUID), or None while unassigned.")
      .def_property_readonly(
          "meter_type", [](const meter& x) { return name_of(x.meter_type); },
          "\"smart_digital\", \"smart_analog\", \"net_meter\", \"solar_inverter\", \"battery\" "
          "or \"ev_charger\".")
      .def_property_readonly(
          "status", [](const meter& x) { return name_of(x.status); },
          "\"active\", \"inactive\", \"maintenance\" or \"decommissioned\".")
      .def_readonly("location", &meter::location, "The MeterLocation.")
      .def_property_readonly(
          "capacity_kw", [](const meter& x) { return dec(x.capacity_kw); }, "Decimal kW (> 0).")
      .def_property_readonly(
          "installation_date", [](const meter& x) { return to_py_date(x.installation_date); },
          "A local date of the meter's region (datetime.date), or None. Readings must end "
          "after its start.")
      .def_property_readonly(
          "public_key",
          [](const meter& x) {
            return x.public_key.empty() ? py::object(py::none()) : py::object(py::str(x.public_key));
          },
          "The base64 Ed25519 key the meter signs its readings with, or None.")
      .def_property_readonly(
          "metadata", [](const meter& x) { return json_object_to_py(x.metadata); },
          "A dict (a JSON object).")
      .def_property_readonly(
          "created_at", [](const meter& x) { return to_py(x.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "updated_at", [](const meter& x) { return to_py(x.updated_at); }, "Aware UTC datetime.")
      .def_readonly("last_reading", &meter::last_reading,
                    "get_meter and list_meters: the latest LastReading, or None.")
      .def_property_readonly(
          "total_energy_consumed", [](const meter& x) { return kwh(x.total_consumed); },
          "get_meter and list_meters: Decimal kWh consumed over every stored day.")
      .def_property_readonly(
          "total_energy_produced", [](const meter& x) { return kwh(x.total_produced); },
          "get_meter and list_meters: Decimal kWh produced over every stored day.")
      .def("__repr__", [](const meter& x) {
        return repr_builder("Meter")
            .add("meter_id", py::str(x.meter_id))
            .add("region", py::str(x.region))
            .add("meter_type", name_of(x.meter_type))
            .add("status", name_of(x.status))
            .add("user_id", to_py(x.user_id))
            .str();
      });

  py::class_<meter_listing>(m, "MeterListing",
                            "A page of meters with the counts of the whole listing by status. "
                            "Iterating it iterates its meters. Read-only.")
      .def_property_readonly(
          "meters", [](const meter_listing& l) { return l.meters.items; },
          "The Meters of this page.")
      .def_property_readonly(
          "total", [](const meter_listing& l) { return l.meters.total; },
          "Meters in the whole listing.")
      .def_property_readonly(
          "page", [](const meter_listing& l) { return l.meters.page; }, "This page (from 1).")
      .def_property_readonly(
          "per_page", [](const meter_listing& l) { return l.meters.per_page; },
          "Meters per page.")
      .def_property_readonly(
          "total_pages", [](const meter_listing& l) { return l.meters.total_pages(); },
          "Pages of the listing (0 when it is empty).")
      .def_readonly("active_meters", &meter_listing::active_meters,
                    "Meters of the whole listing with status \"active\".")
      .def_readonly("inactive_meters", &meter_listing::inactive_meters,
                    "Meters of the whole listing with any other status.")
      .def("__len__", [](const meter_listing& l) { return l.meters.items.size(); })
      .def("__iter__",
           [](const meter_listing& l) { return py::iter(py::cast(l.meters.items)); })
      .def("__repr__", [](const meter_listing& l) {
        return repr_builder("MeterListing")
            .add("meters", py::int_(l.meters.items.size()))
            .add("total", py::int_(l.meters.total))
            .add("page", py::int_(l.meters.page))
            .add("active_meters", py::int_(l.active_meters))
            .add("inactive_meters", py::int_(l.inactive_meters))
            .str();
      });

  py::class_<meter_assignment>(m, "MeterAssignment",
                                "One holding of a meter: user_id held it over "
                                "[effective_from, effective_to). Read-only.")
      .def_property_readonly(
          "user_id", [](const meter_assignment& a) { return to_py(a.user_id); }, "The holder (uuid.UUID).")
      .def_property_readonly(
          "effective_from", [](const meter_assignment& a) { return to_py(a.effective_from); },
          "Aware UTC datetime, or None: since the meter's beginning.")
      .def_property_readonly(
          "effective_to", [](const meter_assignment& a) { return to_py(a.effective_to); },
          "Aware UTC datetime (excluded), or None: still holds it.")
      .def("__repr__", [](const meter_assignment& a) {
        return repr_builder("MeterAssignment")
            .add("user_id", to_py(a.user_id))
            .add("effective_from", to_py(a.effective_from))
            .add("effective_to", to_py(a.effective_to))
            .str();
      });

  py::class_<stored_reading>(m, "Reading",
                             "A stored reading. Energies are Decimal kWh of the interval that "
                             "ends at ``timestamp``; instantaneous values are Decimal (three "
                             "decimals) or None. Read-only.")
      .def_readonly("meter_id", &stored_reading::meter_id, "The meter's serial.")
      .def_property_readonly(
          "meter_uuid", [](const stored_reading& r) { return to_py(r.meter); },
          "The meter's id (uuid.UUID).")
      .def_property_readonly(
          "timestamp", [](const stored_reading& r) { return to_py(r.values.time); },
          "The end of the interval it measures (aware UTC datetime).")
      .def_property_readonly(
          "energy_consumed_kwh", [](const stored_reading& r) { return kwh(r.values.consumed); },
          "Decimal kWh imported during the interval.")
      .def_property_readonly(
          "energy_produced_kwh", [](const stored_reading& r) { return kwh(r.values.produced); },
          "Decimal kWh exported during the interval.")
      .def_property_readonly(
          "power_kw", [](const stored_reading& r) { return dec(r.values.power_kw); },
          "Net active power at ``timestamp`` (Decimal kW, import positive), or None.")
      .def_property_readonly(
          "peak_demand_kw", [](const stored_reading& r) { return dec(r.values.peak_demand_kw); },
          "Decimal kW, or None.")
      .def_property_readonly(
          "voltage", [](const stored_reading& r) { return dec(r.values.voltage); },
          "Decimal V, or None.")
      .def_property_readonly(
          "current", [](const stored_reading& r) { return dec(r.values.current); },
          "Decimal A, or None.")
      .def_property_readonly(
          "power_factor", [](const stored_reading& r) { return dec(r.values.power_factor); },
          "Decimal 0..1, or None.")
      .def_property_readonly(
          "frequency", [](const stored_reading& r) { return dec(r.values.frequency); },
          "Decimal Hz, or None.")
      .def_property_readonly(
          "metadata", [](const stored_reading& r) { return json_object_to_py(r.values.metadata); },
          "A dict (empty when the reading carried none).")
      .def_property_readonly(
          "received_at", [](const stored_reading& r) { return to_py(r.received_at); },
          "When the grid stored it (aware UTC datetime).")
      .def_readonly("duplicate", &stored_reading::duplicate,
                    "submit(): True when the same reading was already stored (nothing changed).")
      .def("__repr__", [](const stored_reading& r) {
        return repr_builder("Reading")
            .add("meter_id", py::str(r.meter_id))
            .add("timestamp", to_py(r.values.time))
            .add("energy_consumed_kwh", kwh(r.values.consumed))
            .add("energy_produced_kwh", kwh(r.values.produced))
            .add("power_kw", dec(r.values.power_kw))
            .str();
      });

  py::class_<rejected_reading>(m, "RejectedReading",
                               "A row of a bulk call that was not stored, and why. Read-only.")
      .def_readonly("index", &rejected_reading::index, "The row's position in the call (from 0).")
      .def_readonly("field", &rejected_reading::field,
                    "The field at fault, by its keyword (\"timestamp\", \"meter_id\", ...).")
      .def_property_readonly(
          "code", [](const rejected_reading& r) { return std::string(to_string(r.code)); },
          "The error code: \"VALIDATION_ERROR\", \"NOT_FOUND\", \"FORBIDDEN\", \"CONFLICT\" or "
          "\"UNAUTHORIZED\" (a signed meter's missing or bad signature).")
      .def_readonly("message", &rejected_reading::message, "For people.")
      .def("__repr__", [](const rejected_reading& r) {
        return repr_builder("RejectedReading")
            .add("index", py::int_(r.index))
            .add("field", py::str(r.field))
            .add("code", py::str(std::string(to_string(r.code))))
            .add("message", py::str(r.message))
            .str();
      });

  py::class_<ingest_report>(m, "IngestReport", "What a bulk call stored. Read-only.")
      .def_readonly("accepted", &ingest_report::accepted, "Rows stored (replace: or replaced).")
      .def_readonly("duplicates", &ingest_report::duplicates,
                    "Rows equal to a stored reading (or to an earlier row): nothing changed.")
      .def_readonly("rejected", &ingest_report::rejected,
                    "The rows refused (RejectedReadings), by index.")
      .def("__repr__", [](const ingest_report& r) {
        return repr_builder("IngestReport")
            .add("accepted", py::int_(r.accepted))
            .add("duplicates", py::int_(r.duplicates))
            .add("rejected", py::int_(r.rejected.size()))
            .str();
      });

  py::class_<bucket>(m, "Bucket",
                     "The aggregate of a meter's readings in (start, end]. Means are over the "
                     "readings that carry the value, rounded half to even to 3 decimals; a value "
                     "no reading carried is None. Read-only.")
      .def_property_readonly(
          "start", [](const bucket& b) { return to_py(b.start); }, "Aware UTC datetime (excluded).")
      .def_property_readonly(
          "end", [](const bucket& b) { return to_py(b.end); }, "Aware UTC datetime (included).")
      .def_property_readonly(
          "consumed_kwh", [](const bucket& b) { return kwh(b.consumed); }, "Decimal kWh.")
      .def_property_readonly(
          "produced_kwh", [](const bucket& b) { return kwh(b.produced); }, "Decimal kWh.")
      .def_property_readonly(
          "net_kwh", [](const bucket& b) { return kwh(b.net()); },
          "consumed_kwh - produced_kwh (Decimal).")
      .def_readonly("reading_count", &bucket::reading_count, "Readings in the bucket.")
      .def_property_readonly(
          "min_power_kw", [](const bucket& b) { return dec(b.min_power_kw); }, "Decimal or None.")
      .def_property_readonly(
          "avg_power_kw", [](const bucket& b) { return dec(b.avg_power_kw); }, "Decimal or None.")
      .def_property_readonly(
          "max_power_kw", [](const bucket& b) { return dec(b.max_power_kw); }, "Decimal or None.")
      .def_property_readonly(
          "peak_demand_kw", [](const bucket& b) { return dec(b.peak_demand_kw); },
          "The largest peak demand (Decimal) or None.")
      .def_property_readonly(
          "voltage_min", [](const bucket& b) { return dec(b.voltage_min); }, "Decimal or None.")
      .def_property_readonly(
          "voltage_avg", [](const bucket& b) { return dec(b.voltage_avg); }, "Decimal or None.")
      .def_property_readonly(
          "voltage_max", [](const bucket& b) { return dec(b.voltage_max); }, "Decimal or None.")
      .def_property_readonly(
          "current_avg", [](const bucket& b) { return dec(b.current_avg); }, "Decimal or None.")
      .def_property_readonly(
          "power_factor_avg", [](const bucket& b) { return dec(b.power_factor_avg); },
          "Decimal or None.")
      .def_property_readonly(
          "frequency_avg", [](const bucket& b) { return dec(b.frequency_avg); },
          "Decimal or None.")
      .def("__repr__", [](const bucket& b) {
        return repr_builder("Bucket")
            .add("start", to_py(b.start))
            .add("end", to_py(b.end))
            .add("consumed_kwh", kwh(b.consumed))
            .add("produced_kwh", kwh(b.produced))
            .add("reading_count", py::int_(b.reading_count))
            .str();
      });

  py::class_<meter_stats>(m, "MeterStats", "A meter's totals over a range. Read-only.")
      .def_readonly("meter_id", &meter_stats::meter_id, "The meter's serial.")
      .def_property_readonly(
          "start", [](const meter_stats& s) { return to_py(s.range.start); }, "The range's start.")
      .def_property_readonly(
          "end", [](const meter_stats& s) { return to_py(s.range.end); }, "The range's end.")
      .def_property_readonly(
          "total_consumed_kwh", [](const meter_stats& s) { return kwh(s.totals.consumed); },
          "Decimal kWh.")
      .def_property_readonly(
          "total_produced_kwh", [](const meter_stats& s) { return kwh(s.totals.produced); },
          "Decimal kWh.")
      .def_property_readonly(
          "net_kwh", [](const meter_stats& s) { return kwh(s.totals.net()); }, "Decimal kWh.")
      .def_property_readonly(
          "reading_count", [](const meter_stats& s) { return s.totals.reading_count; },
          "Readings in the range.")
      .def_property_readonly(
          "min_power_kw", [](const meter_stats& s) { return dec(s.totals.min_power_kw); },
          "Decimal or None.")
      .def_property_readonly(
          "avg_power_kw", [](const meter_stats& s) { return dec(s.totals.avg_power_kw); },
          "Decimal or None.")
      .def_property_readonly(
          "max_power_kw", [](const meter_stats& s) { return dec(s.totals.max_power_kw); },
          "Decimal or None.")
      .def_property_readonly(
          "peak_demand_kw", [](const meter_stats& s) { return dec(s.totals.peak_demand_kw); },
          "Decimal or None.")
      .def_property_readonly(
          "peak_at", [](const meter_stats& s) { return to_py(s.peak_at); },
          "When peak_demand_kw was measured (aware UTC datetime), or None.")
      .def_property_readonly(
          "voltage_avg", [](const meter_stats& s) { return dec(s.totals.voltage_avg); },
          "Decimal or None.")
      .def_property_readonly(
          "current_avg", [](const meter_stats& s) { return dec(s.totals.current_avg); },
          "Decimal or None.")
      .def_property_readonly(
          "power_factor_avg", [](const meter_stats& s) { return dec(s.totals.power_factor_avg); },
          "Decimal or None.")
      .def_readonly("totals", &meter_stats::totals,
                    "The whole range as one Bucket (every aggregate, voltage_min and "
                    "frequency_avg included).")
      .def("__repr__", [](const meter_stats& s) {
        return repr_builder("MeterStats")
            .add("meter_id", py::str(s.meter_id))
            .add("total_consumed_kwh", kwh(s.totals.consumed))
            .add("total_produced_kwh", kwh(s.totals.produced))
            .add("reading_count", py::int_(s.totals.reading_count))
            .str();
      });

  py::class_<day_total>(m, "DayTotal", "A meter's local day. Read-only.")
      .def_property_readonly(
          "date", [](const day_total& d) { return to_py_date(d.date); },
          "The local date of the meter's region (datetime.date).")
      .def_property_readonly(
          "consumed_kwh", [](const day_total& d) { return kwh(d.consumed); }, "Decimal kWh.")
      .def_property_readonly(
          "produced_kwh", [](const day_total& d) { return kwh(d.produced); }, "Decimal kWh.")
      .def_property_readonly(
          "net_kwh", [](const day_total& d) { return kwh(d.consumed - d.produced); },
          "Decimal kWh.")
      .def_property_readonly(
          "peak_demand_kw", [](const day_total& d) { return dec(d.peak_demand_kw); },
          "Decimal or None.")
      .def("__repr__", [](const day_total& d) {
        return repr_builder("DayTotal")
            .add("date", to_py_date(d.date))
            .add("consumed_kwh", kwh(d.consumed))
            .add("produced_kwh", kwh(d.produced))
            .str();
      });

  py::class_<month_total>(m, "MonthTotal", "A meter's local month. Read-only.")
      .def_property_readonly(
          "month", [](const month_total& x) { return month_text(x.month); },
          "\"YYYY-MM\" (the region's local month).")
      .def_property_readonly(
          "consumed_kwh", [](const month_total& x) { return kwh(x.consumed); }, "Decimal kWh.")
      .def_property_readonly(
          "produced_kwh", [](const month_total& x) { return kwh(x.produced); }, "Decimal kWh.")
      .def_property_readonly(
          "net_kwh", [](const month_total& x) { return kwh(x.consumed - x.produced); },
          "Decimal kWh.")
      .def("__repr__", [](const month_total& x) {
        return repr_builder("MonthTotal")
            .add("month", py::str(month_text(x.month)))
            .add("consumed_kwh", kwh(x.consumed))
            .add("produced_kwh", kwh(x.produced))
            .str();
      });

  py::class_<period_total>(m, "PeriodTotal", "A meter's energy over one local period. Read-only.")
      .def_property_readonly(
          "start", [](const period_total& p) { return to_py(p.range.start); },
          "The period's first local midnight (aware UTC datetime).")
      .def_property_readonly(
          "end", [](const period_total& p) { return to_py(p.range.end); },
          "The local midnight after it (aware UTC datetime).")
      .def_property_readonly(
          "consumed_kwh", [](const period_total& p) { return kwh(p.consumed); }, "Decimal kWh.")
      .def_property_readonly(
          "produced_kwh", [](const period_total& p) { return kwh(p.produced); }, "Decimal kWh.")
      .def("__repr__", [](const period_total& p) {
        return repr_builder("PeriodTotal")
            .add("start", to_py(p.range.start))
            .add("end", to_py(p.range.end))
            .add("consumed_kwh", kwh(p.consumed))
            .add("produced_kwh", kwh(p.produced))
            .str();
      });

  py::class_<period_comparison>(m, "PeriodComparison",
                                "A local period against the one before it. Read-only.")
      .def_readonly("meter_id", &period_comparison::meter_id, "The meter's serial.")
      .def_property_readonly(
          "period", [](const period_comparison& c) { return name_of(c.period); },
          "\"day\", \"week\" (from Monday) or \"month\".")
      .def_readonly("current", &period_comparison::current, "The PeriodTotal asked for.")
      .def_readonly("previous", &period_comparison::previous, "The PeriodTotal before it.")
      .def_property_readonly(
          "change_kwh", [](const period_comparison& c) { return kwh(c.change); },
          "current - previous consumption (Decimal kWh).")
      .def_property_readonly(
          "change_percent", [](const period_comparison& c) { return opt_float(c.change_percent); },
          "100 x change / previous consumption (float, 2 decimals); None when the previous "
          "period consumed nothing.")
      .def("__repr__", [](const period_comparison& c) {
        return repr_builder("PeriodComparison")
            .add("meter_id", py::str(c.meter_id))
            .add("period", name_of(c.period))
            .add("change_kwh", kwh(c.change))
            .add("change_percent", opt_float(c.change_percent))
            .str();
      });

  py::class_<region_stats>(m, "RegionStats", "A region's totals and peak load. Read-only.")
      .def_readonly("region", &region_stats::region, "The region.")
      .def_property_readonly(
          "start", [](const region_stats& s) { return to_py(s.range.start); }, "The range's start.")
      .def_property_readonly(
          "end", [](const region_stats& s) { return to_py(s.range.end); }, "The range's end.")
      .def_readonly("meters_total", &region_stats::meters_total,
                    "The region's meters that are not decommissioned.")
      .def_readonly("meters_reporting", &region_stats::meters_reporting,
                    "Those with a reading in the range.")
      .def_property_readonly(
          "total_consumed_kwh", [](const region_stats& s) { return kwh(s.consumed); },
          "Decimal kWh.")
      .def_property_readonly(
          "total_produced_kwh", [](const region_stats& s) { return kwh(s.produced); },
          "Decimal kWh.")
      .def_property_readonly(
          "net_kwh", [](const region_stats& s) { return kwh(s.consumed - s.produced); },
          "Decimal kWh.")
      .def_property_readonly(
          "peak_load_kw", [](const region_stats& s) { return dec(s.peak_load_kw); },
          "The highest quarter-hour load (net energy / 0.25 h, Decimal kW), or None.")
      .def_property_readonly(
          "peak_at", [](const region_stats& s) { return to_py(s.peak_at); },
          "The end of that quarter-hour (aware UTC datetime), or None.")
      .def("__repr__", [](const region_stats& s) {
        return repr_builder("RegionStats")
            .add("region", py::str(s.region))
            .add("meters_total", py::int_(s.meters_total))
            .add("meters_reporting", py::int_(s.meters_reporting))
            .add("total_consumed_kwh", kwh(s.consumed))
            .add("peak_load_kw", dec(s.peak_load_kw))
            .str();
      });

  py::class_<top_consumer>(m, "TopConsumer", "A meter ranked by consumption. Read-only.")
      .def_readonly("rank", &top_consumer::rank, "From 1; ties ordered by meter_id.")
      .def_readonly("meter_id", &top_consumer::meter_id, "The meter's serial.")
      .def_property_readonly(
          "user_id", [](const top_consumer& t) { return to_py(t.user_id); },
          "The owner (uuid.UUID), or None.")
      .def_property_readonly(
          "consumed_kwh", [](const top_consumer& t) { return kwh(t.consumed); }, "Decimal kWh.")
      .def("__repr__", [](const top_consumer& t) {
        return repr_builder("TopConsumer")
            .add("rank", py::int_(t.rank))
            .add("meter_id", py::str(t.meter_id))
            .add("consumed_kwh", kwh(t.consumed))
            .str();
      });

  py::class_<region_realtime>(m, "RegionRealtime",
                              "A region's load from each meter's latest reading of the last "
                              "window_minutes. Read-only.")
      .def_readonly("region", &region_realtime::region, "The region.")
      .def_property_readonly(
          "as_of", [](const region_realtime& r) { return to_py(r.as_of); },
          "The clock's now (aware UTC datetime).")
      .def_readonly("window_minutes", &region_realtime::window_minutes, "15.")
      .def_property_readonly(
          "load_kw", [](const region_realtime& r) { return dec(r.load_kw); },
          "Sum of the positive power_kw (Decimal).")
      .def_property_readonly(
          "generation_kw", [](const region_realtime& r) { return dec(r.generation_kw); },
          "Sum of the magnitudes of the negative power_kw (Decimal).")
      .def_property_readonly(
          "net_load_kw", [](const region_realtime& r) { return dec(r.net_load_kw); },
          "load_kw - generation_kw (Decimal).")
      .def_readonly("meters_reporting", &region_realtime::meters_reporting,
                    "Meters with a reading in the window.")
      .def_readonly("meters_total", &region_realtime::meters_total,
                    "The region's meters that are not decommissioned.")
      .def("__repr__", [](const region_realtime& r) {
        return repr_builder("RegionRealtime")
            .add("region", py::str(r.region))
            .add("load_kw", dec(r.load_kw))
            .add("generation_kw", dec(r.generation_kw))
            .add("meters_reporting", py::int_(r.meters_reporting))
            .str();
      });

  py::class_<meter_analytics>(m, "MeterAnalytics",
                              "The P2P seed's analytics of a meter over a range (the leaves of "
                              "its JSON, flat); ratios rounded half to even to 4 decimals, None "
                              "when undefined. Read-only.")
      .def_readonly("meter_id", &meter_analytics::meter_id, "The meter's serial.")
      .def_property_readonly(
          "start", [](const meter_analytics& a) { return to_py(a.range.start); },
          "The range's start.")
      .def_property_readonly(
          "end", [](const meter_analytics& a) { return to_py(a.range.end); }, "The range's end.")
      .def_property_readonly(
          "total_consumed_kwh", [](const meter_analytics& a) { return kwh(a.consumed); },
          "Decimal kWh.")
      .def_property_readonly(
          "total_produced_kwh", [](const meter_analytics& a) { return kwh(a.produced); },
          "Decimal kWh.")
      .def_property_readonly(
          "net_consumption_kwh", [](const meter_analytics& a) { return kwh(a.consumed - a.produced); },
          "Decimal kWh.")
      .def_readonly("average_daily_consumption", &meter_analytics::average_daily_consumption_kwh,
                    "Consumed kWh / local days in the range (float).")
      .def_readonly("peak_consumption_kw", &meter_analytics::peak_consumption_kw,
                    "The highest quarter-hour consumption / 0.25 h (float), or None.")
      .def_readonly("efficiency_rating", &meter_analytics::efficiency_rating,
                    "Share of own production used on site (float), or None without production.")
      .def_readonly("peak_hours", &meter_analytics::peak_hours,
                    "Local hour ranges of the top six mean consumptions, e.g. \"09:00-11:00\".")
      .def_readonly("off_peak_hours", &meter_analytics::off_peak_hours,
                    "Local hour ranges of the bottom six.")
      .def_readonly("weekend_vs_weekday_ratio", &meter_analytics::weekend_vs_weekday_ratio,
                    "Mean consumption of a complete weekend day / of a weekday (float), or None.")
      .def_readonly("carbon_offset_kg", &meter_analytics::carbon_offset_kg,
                    "Produced kWh x the region's emission factor (float).")
      .def_readonly("renewable_energy_percent", &meter_analytics::renewable_energy_percent,
                    "100 x min(produced, consumed) / consumed (float), or None.")
      .def_readonly("grid_independence_score", &meter_analytics::grid_independence_score,
                    "Sum of min(consumed, produced) per quarter-hour / consumed (float), or None.")
      .def("__repr__", [](const meter_analytics& a) {
        return repr_builder("MeterAnalytics")
            .add("meter_id", py::str(a.meter_id))
            .add("total_consumed_kwh", kwh(a.consumed))
            .add("total_produced_kwh", kwh(a.produced))
            .add("peak_hours", py::cast(a.peak_hours))
            .str();
      });

  py::class_<readings_committed>(m, "ReadingsCommitted",
                                 "The payload of a \"telemetry.readings\" event: the readings "
                                 "one call stored in one region. Read-only.")
      .def_readonly("readings", &readings_committed::readings, "The Readings, in call order.")
      .def("__repr__", [](const readings_committed& r) {
        return repr_builder("ReadingsCommitted").add("readings", py::int_(r.readings.size())).str();
      });

  // --- the service ------------------------------------------------------------------------
  py::class_<py_telemetry>(
      m, "Telemetry",
      "Meters and telemetry: the meter registry, validated ingestion (single, bulk, "
      "corrections), quarter-hour/hour/local day/local month aggregates kept up to date as "
      "readings arrive, and the queries and analytics over them. Obtained from "
      "Grid.telemetry; keeps its grid alive. Thread-safe; the GIL is released during "
      "every call.\n\n"
      "A reading's ``timestamp`` is the END of the interval it measures. Energies are "
      "Decimal kWh (whole Wh) and instantaneous values Decimal with 3 decimals: int, float "
      "and str are accepted and converted exactly (a fourth decimal raises ValidationError "
      "naming the keyword). Meters are named by serial (``meter_id``) or UUID; a meter the "
      "caller may not see raises NotFound. Ranges (start, end] are aware datetimes, at "
      "most 366 days. ingest() also takes columns (numpy arrays or sequences) and "
      "history_arrays() answers numpy arrays; numpy is needed only for those.")
      // --- the registry ----------------------------------------------------------------------
      .def(
          "create_meter",
          [](const py_telemetry& s, const principal& who, py::object meter_id,
             py::object capacity_kw, py::object region, py::object meter_type,
             py::object location, py::object installation_date, py::object public_key,
             py::object metadata, py::object user_id, const opt_str& ip,
             const opt_str& user_agent) {
            meter_args a;
            a.meter_id = std::move(meter_id);
            a.capacity_kw = std::move(capacity_kw);
            a.region = std::move(region);
            a.meter_type = std::move(meter_type);
            a.location = std::move(location);
            a.installation_date = std::move(installation_date);
            a.public_key = std::move(public_key);
            a.metadata = std::move(metadata);
            a.user_id = std::move(user_id);
            auto spec = spec_from(a);
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.create_meter(who, spec, ctx); });
          },
          py::arg("principal"), py::kw_only(), py::arg("meter_id"), py::arg("capacity_kw"),
          py::arg("region") = py::none(), py::arg("meter_type") = py::none(),
          py::arg("location") = py::none(), py::arg("installation_date") = py::none(),
          py::arg("public_key") = py::none(), py::arg("metadata") = py::none(),
          py::arg("user_id") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Registers a meter (meters:manage; operators in their region) and answers it, "
          "\"active\". ``region`` defaults to the deployment's default region, ``meter_type`` "
          "to \"smart_digital\"; ``location`` is a mapping of building, room, address, "
          "latitude and longitude; ``installation_date`` a datetime.date (or \"YYYY-MM-DD\") of "
          "the region; ``public_key`` the base64 Ed25519 key that must sign its readings; "
          "``metadata`` a dict (at most 16 KiB); ``user_id`` the owner. Audited "
          "\"meter.create\". Raises ValidationError naming the keyword, Conflict when the "
          "serial is taken, Forbidden.")
      .def(
          "register_signed_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter,
             const std::string& public_key, const std::string& signature, const opt_str& ip,
             const opt_str& user_agent) {
            std::string text;
            if (py::isinstance<py::bytes>(meter))
              text = meter.cast<std::string>();
            else
              text = str_from_py(meter, "meter");
            py::object parsed;
            try {
              parsed = py::module_::import("json").attr("loads")(py::str(text));
            } catch (py::error_already_set& e) {
              if (!e.matches(PyExc_ValueError)) throw;
              raise_error(errc::validation_error, "meter must be the JSON text of an object",
                          "meter");
            }
            if (!py::isinstance<py::dict>(parsed))
              raise_error(errc::validation_error, "meter must be the JSON text of an object",
                          "meter");
            meter_args a;
            for (auto [k, v] : parsed.cast<py::dict>()) {
              const auto key = k.cast<std::string>();
              if (key == "user_id" || key == "public_key" || !a.set(key, py::reinterpret_borrow<py::object>(v)))
                raise_error(errc::validation_error, "meter has an unknown field " + key, key);
            }
            auto spec = spec_from(a);
            device_proof proof{public_key, signature, text};
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(s, [&](telemetry_service& t) {
              return t.register_signed_meter(who, spec, proof, ctx);
            });
          },
          py::arg("principal"), py::arg("meter"), py::kw_only(), py::arg("public_key"),
          py::arg("signature"), py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "A signed-in user registers their own device. ``meter`` is the JSON text (str or "
          "bytes, exactly as the device sent it) of an object with create_meter's keywords "
          "(meter_id, capacity_kw, region, meter_type, location, installation_date, "
          "metadata); ``signature`` the base64 Ed25519 signature of that text by "
          "``public_key``, which becomes the meter's key. The meter is the caller's, in their "
          "region unless it names another. Raises Unauthorized for a bad signature, "
          "ValidationError, Conflict.")
      .def(
          "update_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             py::object region, py::object meter_type, py::object location,
             py::object capacity_kw, py::object installation_date, py::object public_key,
             py::object metadata, const opt_str& ip, const opt_str& user_agent) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            meter_args a;
            a.region = std::move(region);
            a.meter_type = std::move(meter_type);
            a.location = std::move(location);
            a.capacity_kw = std::move(capacity_kw);
            a.installation_date = std::move(installation_date);
            a.public_key = std::move(public_key);
            a.metadata = std::move(metadata);
            auto spec = spec_from(a);
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.update_meter(who, ref, spec, ctx); });
          },
          py::arg("principal"), py::arg("meter_id"), py::kw_only(), py::arg("region") = py::none(),
          py::arg("meter_type") = py::none(), py::arg("location") = py::none(),
          py::arg("capacity_kw") = py::none(), py::arg("installation_date") = py::none(),
          py::arg("public_key") = py::none(), py::arg("metadata") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Changes a meter (meters:manage in scope); keywords left as None keep their value "
          "(``public_key=\"\"`` removes the key; ``region`` only while the meter has no "
          "readings). The serial and the owner change elsewhere (assign_meter). Audited "
          "\"meter.update\".")
      .def(
          "set_meter_status",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const std::string& status, const std::string& reason, const opt_str& ip,
             const opt_str& user_agent) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto st = unwrap(parse_meter_status(status));
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(s, [&](telemetry_service& t) {
              return t.set_meter_status(who, ref, st, reason, ctx);
            });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("status"), py::kw_only(),
          py::arg("reason") = "", py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Sets the status (\"active\", \"inactive\", \"maintenance\", \"decommissioned\"; "
          "meters:manage in scope). Decommissioned is final (Conflict to leave it). "
          "``reason`` (at most 500 characters) is audited (\"meter.status\").")
      .def(
          "decommission_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const opt_str& ip, const opt_str& user_agent) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.decommission_meter(who, ref, ctx); });
          },
          py::arg("principal"), py::arg("meter_id"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Decommissions a meter: every reading is kept, new ones raise Conflict.")
      .def(
          "assign_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& user_id, const py::object& effective_from, const opt_str& ip,
             const opt_str& user_agent) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto user = uuid_from_py(user_id, "user_id");
            auto from = opt_timestamp_from_py(effective_from, "effective_from");
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(s, [&](telemetry_service& t) {
              return t.assign_meter(who, ref, user, from, ctx);
            });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("user_id"), py::kw_only(),
          py::arg("effective_from") = py::none(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Gives the meter to ``user_id`` from ``effective_from`` (an aware datetime; default: "
          "the start of its installation date for a meter that never had an owner, else now). "
          "Raises Conflict when another user holds it (unassign first) or when "
          "effective_from is before its last holding ended, ValidationError when "
          "effective_from is in the future, NotFound for an unknown user. Audited "
          "\"meter.assign\".")
      .def(
          "unassign_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const opt_str& ip, const opt_str& user_agent) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.unassign_meter(who, ref, ctx); });
          },
          py::arg("principal"), py::arg("meter_id"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Takes the meter from its owner; their holding ends now. Audited "
          "\"meter.unassign\".")
      .def(
          "meter_assignments",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.meter_assignments(who, ref); });
          },
          py::arg("principal"), py::arg("meter_id"),
          "Who held the meter when: a list of MeterAssignment, oldest first (whoever may "
          "read the meter). Raises NotFound.")
      .def(
          "get_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            return with_telemetry(s, [&](telemetry_service& t) { return t.get_meter(who, ref); });
          },
          py::arg("principal"), py::arg("meter_id"),
          "A meter the caller may read, with its last reading and totals. Raises NotFound.")
      .def(
          "list_meters",
          [](const py_telemetry& s, const principal& who, const opt_str& status,
             opt_str region, const py::object& user_id, int page, int per_page) {
            meter_query q;
            if (status) q.status = unwrap(parse_meter_status(*status));
            q.region = std::move(region);
            if (!user_id.is_none()) q.user_id = uuid_from_py(user_id, "user_id");
            q.page = page;
            q.per_page = per_page;
            return with_telemetry(s, [&](telemetry_service& t) { return t.list_meters(who, q); });
          },
          py::arg("principal"), py::kw_only(), py::arg("status") = py::none(),
          py::arg("region") = py::none(), py::arg("user_id") = py::none(), py::arg("page") = 1,
          py::arg("per_page") = 20,
          "The meters in the caller's reach (their own; an operator's region; every meter "
          "for admins), filtered and paged; answers a MeterListing.")
      .def(
          "my_meter",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id) {
            std::optional<std::string> ref;
            if (!meter_id.is_none()) ref = meter_ref_from_py(meter_id, "meter_id");
            return with_telemetry(s, [&](telemetry_service& t) {
              return ref ? t.my_meter(who, *ref) : t.my_meter(who);
            });
          },
          py::arg("principal"), py::arg("meter_id") = py::none(),
          "The caller's meter: ``meter_id`` when given (it must be theirs), else the one they "
          "hold. Raises NotFound when they hold none, ValidationError naming meter_id when "
          "they hold several.")
      // --- readings --------------------------------------------------------------------------
      .def(
          "submit",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& timestamp, const py::object& energy_consumed_kwh,
             const py::object& energy_produced_kwh, const py::object& power_kw,
             const py::object& peak_demand_kw, const py::object& voltage,
             const py::object& current, const py::object& power_factor,
             const py::object& frequency, const py::object& metadata,
             const py::object& signature) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto c = cells_of({{rf::timestamp, &timestamp},
                               {rf::energy_consumed_kwh, &energy_consumed_kwh},
                               {rf::energy_produced_kwh, &energy_produced_kwh},
                               {rf::power_kw, &power_kw},
                               {rf::peak_demand_kw, &peak_demand_kw},
                               {rf::voltage, &voltage},
                               {rf::current, &current},
                               {rf::power_factor, &power_factor},
                               {rf::frequency, &frequency},
                               {rf::metadata, &metadata},
                               {rf::signature, &signature}});
            meter_reading row;
            std::string at;
            convert_row(c, row, at);
            return with_telemetry(s, [&](telemetry_service& t) {
              return t.submit(who, ref, row.values, row.signed_by);
            });
          },
          py::arg("principal"), py::arg("meter_id"), py::kw_only(), py::arg("timestamp"),
          py::arg("energy_consumed_kwh") = 0, py::arg("energy_produced_kwh") = 0,
          py::arg("power_kw") = py::none(), py::arg("peak_demand_kw") = py::none(),
          py::arg("voltage") = py::none(), py::arg("current") = py::none(),
          py::arg("power_factor") = py::none(), py::arg("frequency") = py::none(),
          py::arg("metadata") = py::none(), py::arg("signature") = py::none(),
          "Stores one reading and answers it. ``timestamp`` (an aware datetime, or RFC 3339 "
          "text: the text a signature covers) is the END of the interval; at most 5 minutes "
          "ahead of the grid's clock and after the meter's installation day. An exact repeat "
          "answers the stored Reading with ``duplicate`` True; different values at the same "
          "time raise Conflict (corrections go through replace()). A signed meter's reading "
          "needs ``signature`` (Unauthorized otherwise). Raises ValidationError naming the "
          "keyword.")
      .def(
          "ingest",
          [](const py_telemetry& s, const principal& who, const py::object& readings) {
            auto rows = rows_from_py(readings, row_shape{});
            ingest_report rep;
            if (!rows.rows.empty())
              rep = with_telemetry(s, [&](telemetry_service& t) { return t.ingest(who, rows.rows); });
            return merge_report(in_python_words(std::move(rep)), rows);
          },
          py::arg("principal"), py::arg("readings"),
          "Stores up to 10,000 readings in one transaction and answers an IngestReport. "
          "``readings`` is a sequence of mappings with submit()'s keywords plus "
          "``meter_id`` (serial or UUID), or a mapping of columns: {\"meter_id\": a str for "
          "every row or a sequence, \"timestamp\": datetimes, RFC 3339 texts, int "
          "microseconds or numpy datetime64 (UTC), \"energy_consumed_kwh\": ..., ...}, each a "
          "sequence or numpy array of one length (NaN or None: absent). In columns a float is "
          "taken as the nearest thousandth when within 1e-9 of it. Rows are independent: a "
          "bad row (a bad value, an unknown field, an unknown or unwritable meter, a "
          "conflict) is reported by index in ``rejected`` and the others are stored.")
      .def(
          "replace",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& readings, const std::string& reason, const opt_str& ip,
             const opt_str& user_agent) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto rows = rows_from_py(readings, row_shape{false, false});
            std::vector<reading> values;
            values.reserve(rows.rows.size());
            for (auto& r : rows.rows) values.push_back(std::move(r.values));
            auto ctx = make_ctx(ip, user_agent);
            ingest_report rep;
            if (!values.empty() || rows.total == 0)
              rep = with_telemetry(s, [&](telemetry_service& t) {
                return t.replace(who, ref, values, reason, ctx);
              });
            return merge_report(in_python_words(std::move(rep)), rows);
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("readings"), py::kw_only(),
          py::arg("reason"), py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Corrects a meter's data (meters:manage in scope): replaces the readings at these "
          "timestamps, inserting missing ones; the aggregates follow. ``readings`` as for "
          "ingest(), without meter_id and signature. ``reason`` is required; audited "
          "\"meter.readings.replace\" with the old values. Answers an IngestReport.")
      .def(
          "latest",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            return with_telemetry(s, [&](telemetry_service& t) { return t.latest(who, ref); });
          },
          py::arg("principal"), py::arg("meter_id"),
          "The latest stored Reading of the meter, or None.")
      .def(
          "readings",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& start, const py::object& end, int page, int per_page) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto range = range_from_py(start, end);
            page_request p{page, per_page};
            return to_py_page(with_telemetry(
                s, [&](telemetry_service& t) { return t.readings(who, ref, range, p); }));
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("start"), py::arg("end"),
          py::kw_only(), py::arg("page") = 1, py::arg("per_page") = 20,
          "Raw readings with timestamp in (start, end], oldest first; a Page of Reading. "
          "Readings older than the raw retention are gone (their aggregates stay).")
      // --- aggregates --------------------------------------------------------------------------
      .def(
          "history",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& start, const py::object& end, const std::string& interval) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto range = range_from_py(start, end);
            auto width = unwrap(parse_bucket_width(interval));
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.history(who, ref, range, width); });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("start"), py::arg("end"),
          py::arg("interval") = "1h",
          "The non-empty Buckets overlapping (start, end], oldest first. ``interval``: "
          "\"15m\" or \"1h\" (aligned to UTC), \"1d\" or \"1mo\" (local days and months of the "
          "meter's region).")
      .def(
          "history_arrays",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& start, const py::object& end, const std::string& interval) {
            (void)numpy_for("history_arrays");  // before the query: fail fast without numpy
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto range = range_from_py(start, end);
            auto width = unwrap(parse_bucket_width(interval));
            auto buckets = with_telemetry(
                s, [&](telemetry_service& t) { return t.history(who, ref, range, width); });
            return buckets_as_arrays(buckets);
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("start"), py::arg("end"),
          py::arg("interval") = "1h",
          "history() as numpy arrays, a column per Bucket field: {\"start\", \"end\": "
          "datetime64[us] (UTC), \"consumed_kwh\", \"produced_kwh\", \"net_kwh\": float64, "
          "\"reading_count\": int64, \"min_power_kw\", ..., \"frequency_avg\": float64 with NaN "
          "where no reading carried the value}. Needs numpy (ImportError otherwise).")
      .def(
          "stats",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& start, const py::object& end) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto range = range_from_py(start, end);
            return with_telemetry(s, [&](telemetry_service& t) { return t.stats(who, ref, range); });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("start"), py::arg("end"),
          "The meter's MeterStats over the quarter-hours overlapping (start, end].")
      .def(
          "daily",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& start, const py::object& end) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto range = range_from_py(start, end);
            return with_telemetry(s, [&](telemetry_service& t) { return t.daily(who, ref, range); });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("start"), py::arg("end"),
          "The local days (DayTotals, in the meter's region's time zone) overlapping the "
          "range that hold readings.")
      .def(
          "monthly",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id, int year) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            return with_telemetry(s,
                                  [&](telemetry_service& t) { return t.monthly(who, ref, year); });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("year"),
          "The local months (MonthTotals) of ``year`` that hold readings.")
      .def(
          "compare",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const std::string& period, const py::object& date) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto p = unwrap(parse_compare_period(period));
            std::optional<std::chrono::year_month_day> d;
            if (!date.is_none()) d = date_from_py(date, "date");
            return with_telemetry(s,
                                  [&](telemetry_service& t) { return t.compare(who, ref, p, d); });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("period") = "day",
          py::arg("date") = py::none(),
          "The local ``period`` (\"day\", \"week\" from Monday, \"month\") containing ``date`` "
          "(a datetime.date or \"YYYY-MM-DD\"; default: today in the meter's region) against "
          "the one before; answers a PeriodComparison.")
      .def(
          "analytics",
          [](const py_telemetry& s, const principal& who, const py::object& meter_id,
             const py::object& start, const py::object& end) {
            auto ref = meter_ref_from_py(meter_id, "meter_id");
            auto range = range_from_py(start, end);
            return with_telemetry(s,
                                  [&](telemetry_service& t) { return t.analytics(who, ref, range); });
          },
          py::arg("principal"), py::arg("meter_id"), py::arg("start"), py::arg("end"),
          "The meter's MeterAnalytics over the range.")
      .def(
          "region_stats",
          [](const py_telemetry& s, const principal& who, const std::string& region,
             const py::object& start, const py::object& end) {
            auto range = range_from_py(start, end);
            return with_telemetry(
                s, [&](telemetry_service& t) { return t.stats_of_region(who, region, range); });
          },
          py::arg("principal"), py::arg("region"), py::arg("start"), py::arg("end"),
          "A region's RegionStats (operators of the region, admins; Forbidden otherwise).")
      .def(
          "top_consumers",
          [](const py_telemetry& s, const principal& who, const std::string& region,
             const py::object& start, const py::object& end, int limit) {
            auto range = range_from_py(start, end);
            return with_telemetry(s, [&](telemetry_service& t) {
              return t.top_consumers(who, region, range, limit);
            });
          },
          py::arg("principal"), py::arg("region"), py::arg("start"), py::arg("end"),
          py::kw_only(), py::arg("limit") = 10,
          "The region's meters by consumption in the range (TopConsumers; ``limit`` 1..100), "
          "ties by meter_id.")
      .def(
          "realtime",
          [](const py_telemetry& s, const principal& who, const std::string& region) {
            return with_telemetry(s, [&](telemetry_service& t) { return t.realtime(who, region); });
          },
          py::arg("principal"), py::arg("region"),
          "The region's RegionRealtime: load from each meter's latest reading of the last 15 "
          "minutes by the grid's clock.");

  add_grid_service<py_telemetry>(m, "telemetry", "The Telemetry service (meters and readings).");
}

}  // namespace segs::python
