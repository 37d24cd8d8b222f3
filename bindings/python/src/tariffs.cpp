// segs.Tariffs (Grid.tariffs): tariffs and overrides per region, the prices
// around now, forecasts, history, estimates and analytics; and the pure
// pricing engine, segs.TariffPricer, which prices without storage
// (simulations and hosts). The model (Tariff, TariffPeriod, ScheduleRule,
// TariffTier, TariffOverride) is mutable: objects built with keyword
// arguments, attributes read and written; what the engine and the service
// answer (BucketPrice, PriceSpan, Bill, CurrentTariff, ...) is read-only.
//
// At the edge, money (prices, charges, amounts) is decimal.Decimal currency
// units as the market's (six decimals at most), energy Decimal kWh with three
// (whole Wh) named `..._kwh` as telemetry's, `tax_percent` and `multiplier`
// Decimal with four; inputs may be Decimal, int, float (through its shortest
// repr) or str and are converted exactly. Instants are aware datetimes;
// holidays datetime.date (or "YYYY-MM-DD"); day kinds their names ("mon" ..
// "sun", "holiday"). A schedule rule's `start` and `end` are wall-clock
// datetime.time (or "HH:MM"); as an `end`, midnight (time(0, 0) or "24:00")
// is the end of the day. Lists read from a model object are copies: assign a
// new list to change one.
//
// Errors are the library's, naming members by their path
// (`schedule[1].start`) in these words: `from` is `from_`, and energies carry
// their unit (`tiers[0].up_to_kwh`, `usage[3].consumed_kwh`,
// `consumption_kwh`).
#include "common.hpp"
#include "grid.hpp"

#include <segs/tariffs.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segs::python {

namespace {

struct py_tariffs {
  holder_ptr holder;
};

using opt_str = std::optional<std::string>;
constexpr std::int64_t quarter_us = 900'000'000;

// --- words ---------------------------------------------------------------------------

void rename(segs::error& e, const std::string& to) {
  if (e.message.starts_with(e.field + " ")) e.message = to + e.message.substr(e.field.size());
  e.field = to;
}

segs::error in_python_words(segs::error e) {
  const std::string_view f = e.field;
  const bool energy_member =
      (f.starts_with("tiers[") && f.ends_with("].up_to")) ||
      (f.starts_with("usage[") && (f.ends_with("].consumed") || f.ends_with("].produced")));
  if (f == "from") {
    rename(e, "from_");
  } else if (f == "consumption") {
    rename(e, "consumption_kwh");
  } else if (energy_member) {
    rename(e, e.field + "_kwh");
  }
  return e;
}

template <class T>
result<T> in_python_words(result<T>&& r) {
  if (!r) return in_python_words(r.error());
  return std::move(r);
}

template <class Fn>
auto with_tariffs(const py_tariffs& s, Fn&& fn) {
  return with_service(
      *s.holder, [](segs::grid& g) -> tariffs_service& { return g.tariffs(); },
      [&](tariffs_service& t) { return in_python_words(fn(t)); });
}

/// Runs an engine call with the GIL released, in Python's words.
template <class Fn>
auto priced(Fn&& fn) {
  return released([&] { return in_python_words(fn()); });
}

// --- conversion out -----------------------------------------------------------------

py::object dec4(ten_thousandths v) {
  return decimal(v.value, 4);
}
py::object dec4(const std::optional<ten_thousandths>& v) {
  return v ? dec4(*v) : py::object(py::none());
}

py::str day_name(day_kind d) {
  return py::str(std::string(to_string(d)));
}

/// Minutes after local midnight as datetime.time (24:00, an end, is midnight).
py::object clock_time(std::chrono::minutes m) {
  const auto v = ((m.count() % 1440) + 1440) % 1440;
  return py::module_::import("datetime").attr("time")(v / 60, v % 60);
}

/// The zero instant is "never": an object the service has not stored.
py::object stored_at(timestamp t) {
  return t == timestamp{} ? py::object(py::none()) : to_py(t);
}

py::list dates(const std::vector<std::chrono::year_month_day>& ds) {
  py::list out;
  for (const auto& d : ds)
    out.append(to_py_date(d));
  return out;
}

/// The price of one bucket, owning its period's name (bucket_price views
/// into the pricer).
struct py_bucket_price {
  std::string period;
  money price_per_kwh;
  money effective_price_per_kwh;
  std::optional<uuid> override_id;
};

// --- conversion in ------------------------------------------------------------------------

/// A sequence (not a str, bytes or mapping) item by item, each with its path.
template <class Fn>
void each_item(py::handle h, const std::string& field, Fn&& fn) {
  if (py::isinstance<py::str>(h) || py::isinstance<py::bytes>(h) || is_mapping(h) ||
      !py::hasattr(h, "__iter__"))
    throw py::type_error(field + " must be a sequence");
  std::size_t i = 0;
  for (auto item : h)
    fn(item, field + "[" + std::to_string(i++) + "]");
}

ten_thousandths tt_from_py(py::handle h, const std::string& field) {
  return ten_thousandths{units_from_py(h, 4, field)};
}

/// A wall-clock time of a schedule rule: datetime.time (naive, whole
/// minutes) or "HH:MM" (00:00-24:00). For an `end`, midnight is 24:00. The
/// grid and the ranges are the library's to check (schedule[i].start).
std::chrono::minutes clock_time_from_py(py::handle h, const std::string& field, bool is_end) {
  const auto bad = [&] {
    raise_error(errc::validation_error,
                field + " must be a datetime.time or \"HH:MM\" (00:00 to 24:00)", field);
  };
  std::int64_t minutes = 0;
  if (py::isinstance<py::str>(h)) {
    const auto s = h.cast<std::string>();
    const auto colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || colon > 2 || s.size() != colon + 3) bad();
    for (std::size_t i = 0; i < s.size(); ++i)
      if (i != colon && (s[i] < '0' || s[i] > '9')) bad();
    const int hh = std::stoi(s.substr(0, colon));
    const int mm = std::stoi(s.substr(colon + 1));
    if (hh > 24 || mm > 59 || (hh == 24 && mm != 0)) bad();
    minutes = hh * 60 + mm;
  } else if (py::isinstance(h, py::module_::import("datetime").attr("time"))) {
    if (!h.attr("tzinfo").is_none())
      raise_error(errc::validation_error, field + " must be a wall-clock time without a time zone",
                  field);
    if (h.attr("second").cast<int>() != 0 || h.attr("microsecond").cast<int>() != 0)
      raise_error(errc::validation_error, field + " must be a whole minute", field);
    minutes = h.attr("hour").cast<int>() * 60 + h.attr("minute").cast<int>();
  } else {
    throw py::type_error(field + " must be a datetime.time or \"HH:MM\"");
  }
  if (is_end && minutes == 0) minutes = 1440;
  return std::chrono::minutes(minutes);
}

std::vector<day_kind> days_from_py(py::handle h, const std::string& field) {
  std::vector<day_kind> out;
  each_item(h, field, [&](py::handle d, const std::string& at) {
    out.push_back(unwrap(parse_day_kind(str_from_py(d, at), at)));
  });
  return out;
}

std::vector<int> months_from_py(py::handle h, const std::string& field) {
  std::vector<int> out;
  each_item(h, field, [&](py::handle v, const std::string& at) {
    if (py::isinstance<py::bool_>(v) || !py::isinstance<py::int_>(v))
      throw py::type_error(at + " must be an int");
    out.push_back(v.cast<int>());
  });
  return out;
}

std::vector<std::chrono::year_month_day> dates_from_py(py::handle h, const std::string& field) {
  std::vector<std::chrono::year_month_day> out;
  each_item(h, field,
            [&](py::handle d, const std::string& at) { out.push_back(date_from_py(d, at)); });
  return out;
}

/// TariffPeriod objects or (name, price_per_kwh) pairs.
std::vector<tariff_period> periods_from_py(py::handle h, const std::string& field) {
  std::vector<tariff_period> out;
  each_item(h, field, [&](py::handle p, const std::string& at) {
    if (py::isinstance<tariff_period>(p)) {
      out.push_back(p.cast<tariff_period>());
    } else if ((py::isinstance<py::tuple>(p) || py::isinstance<py::list>(p)) && py::len(p) == 2) {
      auto pair = py::reinterpret_borrow<py::sequence>(p);
      out.push_back(
          {str_from_py(pair[0], at + ".name"), money_from_py(pair[1], at + ".price_per_kwh")});
    } else {
      throw py::type_error(at + " must be a TariffPeriod or a (name, price_per_kwh) pair");
    }
  });
  return out;
}

template <class T>
std::vector<T> objects_from_py(py::handle h, const std::string& field, const char* type_name) {
  std::vector<T> out;
  each_item(h, field, [&](py::handle v, const std::string& at) {
    if (!py::isinstance<T>(v)) throw py::type_error(at + " must be a " + type_name);
    out.push_back(v.cast<T>());
  });
  return out;
}

std::optional<uuid> opt_uuid_from_py(py::handle h, const char* field) {
  if (h.is_none()) return std::nullopt;
  return uuid_from_py(h, field);
}

/// cost()'s usage: per bucket a (start, consumed_kwh[, produced_kwh])
/// tuple, a mapping with those keys, or an object with those attributes
/// (telemetry's Bucket of a "15m" history).
std::vector<bucket_usage> usage_from_py(py::handle h) {
  std::vector<bucket_usage> out;
  each_item(h, "usage", [&](py::handle u, const std::string& at) {
    py::object start, consumed, produced = py::int_(0);
    if (py::isinstance<py::tuple>(u) || py::isinstance<py::list>(u)) {
      auto row = py::reinterpret_borrow<py::sequence>(u);
      const auto n = py::len(row);
      if (n != 2 && n != 3)
        throw py::type_error(at + " must be (start, consumed_kwh[, produced_kwh])");
      start = row[0];
      consumed = row[1];
      if (n == 3) produced = row[2];
    } else if (is_mapping(u)) {
      for (auto kv : u.attr("items")()) {
        auto pair = py::reinterpret_borrow<py::tuple>(kv);
        const auto key = str_from_py(pair[0], at + "'s keys");
        if (key == "start")
          start = pair[1];
        else if (key == "consumed_kwh")
          consumed = pair[1];
        else if (key == "produced_kwh")
          produced = pair[1];
        else
          raise_error(errc::validation_error, "unknown field " + at + "." + key, at + "." + key);
      }
      if (!start || !consumed) throw py::type_error(at + " needs \"start\" and \"consumed_kwh\"");
    } else {
      if (!py::hasattr(u, "start") || !py::hasattr(u, "consumed_kwh"))
        throw py::type_error(
            at +
            " must be a (start, consumed_kwh[, produced_kwh]) tuple, a mapping or an "
            "object with those attributes");
      start = u.attr("start");
      consumed = u.attr("consumed_kwh");
      if (py::hasattr(u, "produced_kwh")) produced = u.attr("produced_kwh");
    }
    const auto start_field = at + ".start";
    out.push_back({timestamp_from_py(start, start_field.c_str()),
                   energy_from_py(consumed, at + ".consumed_kwh"),
                   produced.is_none() ? energy{} : energy_from_py(produced, at + ".produced_kwh")});
  });
  return out;
}

/// The bucket count of [from, to) when it is a range on the grid (else 0:
/// the library refuses it before looking at the outputs).
std::size_t buckets_in(timestamp from, timestamp to) {
  const auto span = to_micros(to) - to_micros(from);
  if (span <= 0 || span % quarter_us != 0) return 0;
  return static_cast<std::size_t>(span / quarter_us);
}

/// update()'s keywords (None: keep; effective_to left out: keep, None: open-ended).
struct patch_args {
  py::object name, effective_from, effective_to, periods, schedule, default_period, holidays, tiers,
      fixed_charge_per_day, demand_charge_per_kw, export_price_per_kwh, tax_percent;

  [[nodiscard]] tariff_patch patch() const {
    tariff_patch p;
    if (!name.is_none()) p.name = str_from_py(name, "name");
    if (!effective_from.is_none())
      p.effective_from = timestamp_from_py(effective_from, "effective_from");
    if (!effective_to.is(py::ellipsis()))
      p.effective_to = opt_timestamp_from_py(effective_to, "effective_to");
    if (!periods.is_none()) p.periods = periods_from_py(periods, "periods");
    if (!schedule.is_none())
      p.schedule = objects_from_py<schedule_rule>(schedule, "schedule", "ScheduleRule");
    if (!default_period.is_none()) p.default_period = str_from_py(default_period, "default_period");
    if (!holidays.is_none()) p.holidays = dates_from_py(holidays, "holidays");
    if (!tiers.is_none()) p.tiers = objects_from_py<tariff_tier>(tiers, "tiers", "TariffTier");
    p.fixed_charge_per_day = opt_money_from_py(fixed_charge_per_day, "fixed_charge_per_day");
    p.demand_charge_per_kw = opt_money_from_py(demand_charge_per_kw, "demand_charge_per_kw");
    p.export_price_per_kwh = opt_money_from_py(export_price_per_kwh, "export_price_per_kwh");
    if (!tax_percent.is_none()) p.tax_percent = tt_from_py(tax_percent, "tax_percent");
    return p;
  }
};

const char* const money_doc = "Decimal currency units (exact; inputs Decimal, int, float or str).";

// --- the value types ------------------------------------------------------------------

void register_model(py::module_& m) {
  py::class_<tariff_period>(m, "TariffPeriod",
                            "A named price of a tariff. Mutable: TariffPeriod(\"peak\", \"0.32\").")
      .def(py::init([](const py::object& name, const py::object& price_per_kwh) {
             return tariff_period{str_from_py(name, "name"),
                                  money_from_py(price_per_kwh, "price_per_kwh")};
           }),
           py::arg("name"), py::arg("price_per_kwh"),
           "A period: ``name`` 1-32 of a-z, 0-9 and _ (unique in its tariff), ``price_per_kwh`` >= "
           "0.")
      .def_readwrite("name", &tariff_period::name, "1-32 of a-z, 0-9 and _, unique in its tariff.")
      .def_property(
          "price_per_kwh", [](const tariff_period& p) { return to_py(p.price_per_kwh); },
          [](tariff_period& p, const py::object& v) {
            p.price_per_kwh = money_from_py(v, "price_per_kwh");
          },
          "The energy price (Decimal currency per kWh, >= 0).")
      .def("__repr__", [](const tariff_period& p) {
        return repr_builder("TariffPeriod")
            .add("name", py::str(p.name))
            .add("price_per_kwh", to_py(p.price_per_kwh))
            .str();
      });

  py::class_<schedule_rule>(
      m, "ScheduleRule",
      "One line of a tariff's schedule: ``period`` on ``days`` (of ``months``) over the local "
      "wall-clock window [start, end). A start after its end wraps midnight and is matched on the "
      "day "
      "the window began (\"fri\" 22:00-06:00 covers Saturday 00:00-06:00). Mutable.")
      .def(py::init([](const py::object& period, const py::object& days, const py::object& start,
                       const py::object& end, const py::object& months) {
             schedule_rule r;
             r.period = str_from_py(period, "period");
             r.days = days_from_py(days, "days");
             r.start = clock_time_from_py(start, "start", false);
             r.end = clock_time_from_py(end, "end", true);
             r.months = months_from_py(months, "months");
             return r;
           }),
           py::arg("period"), py::arg("days"), py::arg("start"), py::arg("end"),
           py::arg("months") = py::tuple(),
           "A rule: ``period`` a name in the tariff's periods; ``days`` names (\"mon\" .. \"sun\", "
           "\"holiday\"); ``start`` and ``end`` datetime.time or \"HH:MM\" on the 15-minute grid "
           "(an end at "
           "midnight, time(0, 0) or \"24:00\", is the end of the day); ``months`` 1-12 (empty: "
           "every month).")
      .def_readwrite("period", &schedule_rule::period, "A name in the tariff's periods.")
      .def_property(
          "days",
          [](const schedule_rule& r) {
            py::list out;
            for (auto d : r.days)
              out.append(day_name(d));
            return out;
          },
          [](schedule_rule& r, const py::object& v) { r.days = days_from_py(v, "days"); },
          "The days (a list of \"mon\" .. \"sun\", \"holiday\"; a date of the tariff's holidays is "
          "\"holiday\", not its weekday).")
      .def_property(
          "start", [](const schedule_rule& r) { return clock_time(r.start); },
          [](schedule_rule& r, const py::object& v) {
            r.start = clock_time_from_py(v, "start", false);
          },
          "The window's start (datetime.time; set a time or \"HH:MM\").")
      .def_property(
          "end", [](const schedule_rule& r) { return clock_time(r.end); },
          [](schedule_rule& r, const py::object& v) { r.end = clock_time_from_py(v, "end", true); },
          "The window's end, excluded (datetime.time: time(0, 0) is the end of the day; set a time "
          "or "
          "\"HH:MM\", \"24:00\" too).")
      .def_property(
          "months", [](const schedule_rule& r) { return py::cast(r.months); },
          [](schedule_rule& r, const py::object& v) { r.months = months_from_py(v, "months"); },
          "Months 1-12 the rule applies in (a list; empty: every month).")
      .def("__repr__", [](const schedule_rule& r) {
        py::list days;
        for (auto d : r.days)
          days.append(day_name(d));
        return repr_builder("ScheduleRule")
            .add("period", py::str(r.period))
            .add("days", days)
            .add("start", clock_time(r.start))
            .add("end", clock_time(r.end))
            .add("months", py::cast(r.months))
            .str();
      });

  py::class_<tariff_tier>(
      m, "TariffTier",
      "A step of the tier adder: energy billed in a cycle, counted from its start, pays "
      "``adder_per_kwh`` on top of its price while the cycle's total is at most "
      "``up_to_kwh`` (None on the last tier only). Mutable.")
      .def(py::init([](const py::object& up_to_kwh, const py::object& adder_per_kwh) {
             return tariff_tier{opt_energy_from_py(up_to_kwh, "up_to_kwh"),
                                money_from_py(adder_per_kwh, "adder_per_kwh")};
           }),
           py::arg("up_to_kwh"), py::arg("adder_per_kwh"),
           "A tier: ``up_to_kwh`` (Decimal kWh, ascending; None on the last tier) and "
           "``adder_per_kwh`` "
           "(may be negative: a declining block's discount).")
      .def_property(
          "up_to_kwh", [](const tariff_tier& t) { return to_py(t.up_to); },
          [](tariff_tier& t, const py::object& v) { t.up_to = opt_energy_from_py(v, "up_to_kwh"); },
          "The cycle's total this tier reaches (Decimal kWh), or None on the last tier.")
      .def_property(
          "adder_per_kwh", [](const tariff_tier& t) { return to_py(t.adder_per_kwh); },
          [](tariff_tier& t, const py::object& v) {
            t.adder_per_kwh = money_from_py(v, "adder_per_kwh");
          },
          "Added to the price of the energy in this tier (Decimal currency per kWh).")
      .def("__repr__", [](const tariff_tier& t) {
        return repr_builder("TariffTier")
            .add("up_to_kwh", to_py(t.up_to))
            .add("adder_per_kwh", to_py(t.adder_per_kwh))
            .str();
      });

  py::class_<tariff>(
      m, "Tariff",
      "A tariff of a region, in effect over [effective_from, effective_to). Its schedule maps "
      "local "
      "wall-clock time to periods: a local instant takes the period of the first rule that covers "
      "it, "
      "else ``default_period``. Mutable: built with keyword arguments, given to Tariffs.create or "
      "TariffPricer.compile. Lists read from it are copies: assign a new list to change one.")
      .def(
          py::init([](const py::object& region, const py::object& name,
                      const py::object& effective_from, const py::object& periods,
                      const py::object& default_period, const py::object& schedule,
                      const py::object& effective_to, const py::object& holidays,
                      const py::object& tiers, const py::object& fixed_charge_per_day,
                      const py::object& demand_charge_per_kw,
                      const py::object& export_price_per_kwh, const py::object& tax_percent,
                      const py::object& currency, const py::object& id,
                      const py::object& created_by, const py::object& created_at) {
            tariff t;
            t.region = str_from_py(region, "region");
            t.name = str_from_py(name, "name");
            t.effective_from = timestamp_from_py(effective_from, "effective_from");
            t.periods = periods_from_py(periods, "periods");
            t.default_period = str_from_py(default_period, "default_period");
            t.schedule = objects_from_py<schedule_rule>(schedule, "schedule", "ScheduleRule");
            t.effective_to = opt_timestamp_from_py(effective_to, "effective_to");
            t.holidays = dates_from_py(holidays, "holidays");
            t.tiers = objects_from_py<tariff_tier>(tiers, "tiers", "TariffTier");
            t.fixed_charge_per_day = money_from_py(fixed_charge_per_day, "fixed_charge_per_day");
            t.demand_charge_per_kw = money_from_py(demand_charge_per_kw, "demand_charge_per_kw");
            t.export_price_per_kwh = money_from_py(export_price_per_kwh, "export_price_per_kwh");
            t.tax_percent = tt_from_py(tax_percent, "tax_percent");
            t.currency = str_from_py(currency, "currency");
            if (!id.is_none()) t.id = uuid_from_py(id, "id");
            t.created_by = opt_uuid_from_py(created_by, "created_by");
            if (!created_at.is_none()) t.created_at = timestamp_from_py(created_at, "created_at");
            return t;
          }),
          py::kw_only(), py::arg("region"), py::arg("name"), py::arg("effective_from"),
          py::arg("periods"), py::arg("default_period"), py::arg("schedule") = py::tuple(),
          py::arg("effective_to") = py::none(), py::arg("holidays") = py::tuple(),
          py::arg("tiers") = py::tuple(), py::arg("fixed_charge_per_day") = py::int_(0),
          py::arg("demand_charge_per_kw") = py::int_(0),
          py::arg("export_price_per_kwh") = py::int_(0), py::arg("tax_percent") = py::int_(0),
          py::arg("currency") = "", py::arg("id") = py::none(), py::arg("created_by") = py::none(),
          py::arg("created_at") = py::none(),
          "A tariff: ``periods`` TariffPeriod objects or (name, price_per_kwh) pairs, ``schedule`` "
          "ScheduleRule objects, ``holidays`` dates, ``tiers`` TariffTier objects, charges and "
          "prices "
          "Decimal, ``tax_percent`` Decimal percent (four decimals at most). Tariffs.create sets "
          "``id``, ``currency`` (the region's), ``created_by`` and ``created_at``. Nothing is "
          "checked "
          "here but types: validate() checks the terms.")
      .def_property(
          "id", [](const tariff& t) { return to_py_or_none(t.id); },
          [](tariff& t, const py::object& v) {
            t.id = v.is_none() ? uuid{} : uuid_from_py(v, "id");
          },
          "uuid.UUID, or None before Tariffs.create.")
      .def_readwrite("region", &tariff::region, "The region's code.")
      .def_readwrite("name", &tariff::name, "1-100 characters.")
      .def_readwrite("currency", &tariff::currency,
                     "The region's ISO 4217 code (\"\": the region's, at create).")
      .def_property(
          "effective_from", [](const tariff& t) { return to_py(t.effective_from); },
          [](tariff& t, const py::object& v) {
            t.effective_from = timestamp_from_py(v, "effective_from");
          },
          "The first instant in effect (aware datetime on the 15-minute grid).")
      .def_property(
          "effective_to", [](const tariff& t) { return to_py(t.effective_to); },
          [](tariff& t, const py::object& v) {
            t.effective_to = opt_timestamp_from_py(v, "effective_to");
          },
          "The end, excluded (aware datetime on the grid), or None: open-ended.")
      .def_property(
          "periods", [](const tariff& t) { return py::cast(t.periods); },
          [](tariff& t, const py::object& v) { t.periods = periods_from_py(v, "periods"); },
          "The TariffPeriods (a list; at least one; set TariffPeriods or (name, price_per_kwh) "
          "pairs).")
      .def_property(
          "schedule", [](const tariff& t) { return py::cast(t.schedule); },
          [](tariff& t, const py::object& v) {
            t.schedule = objects_from_py<schedule_rule>(v, "schedule", "ScheduleRule");
          },
          "The ScheduleRules (a list), the first matching wins.")
      .def_readwrite("default_period", &tariff::default_period,
                     "The period of instants no rule covers.")
      .def_property(
          "holidays", [](const tariff& t) { return dates(t.holidays); },
          [](tariff& t, const py::object& v) { t.holidays = dates_from_py(v, "holidays"); },
          "Local dates whose day kind is \"holiday\" (a list of datetime.date; set dates or "
          "\"YYYY-MM-DD\").")
      .def_property(
          "tiers", [](const tariff& t) { return py::cast(t.tiers); },
          [](tariff& t, const py::object& v) {
            t.tiers = objects_from_py<tariff_tier>(v, "tiers", "TariffTier");
          },
          "The TariffTiers of the tier adder (a list; may be empty).")
      .def_property(
          "fixed_charge_per_day", [](const tariff& t) { return to_py(t.fixed_charge_per_day); },
          [](tariff& t, const py::object& v) {
            t.fixed_charge_per_day = money_from_py(v, "fixed_charge_per_day");
          },
          "Per local date a bill touches (Decimal currency, >= 0).")
      .def_property(
          "demand_charge_per_kw", [](const tariff& t) { return to_py(t.demand_charge_per_kw); },
          [](tariff& t, const py::object& v) {
            t.demand_charge_per_kw = money_from_py(v, "demand_charge_per_kw");
          },
          "Per kW of the highest 15-minute consumption of a bill (Decimal currency, >= 0).")
      .def_property(
          "export_price_per_kwh", [](const tariff& t) { return to_py(t.export_price_per_kwh); },
          [](tariff& t, const py::object& v) {
            t.export_price_per_kwh = money_from_py(v, "export_price_per_kwh");
          },
          "The feed-in credit (Decimal currency per kWh, >= 0).")
      .def_property(
          "tax_percent", [](const tariff& t) { return dec4(t.tax_percent); },
          [](tariff& t, const py::object& v) { t.tax_percent = tt_from_py(v, "tax_percent"); },
          "Tax on the charges (Decimal percent, 0-100, four decimals at most).")
      .def_property(
          "created_by", [](const tariff& t) { return to_py(t.created_by); },
          [](tariff& t, const py::object& v) { t.created_by = opt_uuid_from_py(v, "created_by"); },
          "Who created it (uuid.UUID), or None.")
      .def_property(
          "created_at", [](const tariff& t) { return stored_at(t.created_at); },
          [](tariff& t, const py::object& v) {
            t.created_at = v.is_none() ? timestamp{} : timestamp_from_py(v, "created_at");
          },
          "When it was created (aware UTC datetime), or None before Tariffs.create.")
      .def(
          "validate", [](const tariff& t) { unwrap(in_python_words(validate(t))); },
          "Checks the terms (periods, schedule, default period, holidays, tiers, charges, tax, the "
          "grid of "
          "the effective range) as the library does before compiling or storing them. Raises "
          "ValidationError naming the member by its path (\"schedule[1].start\").")
      .def("__repr__", [](const tariff& t) {
        return repr_builder("Tariff")
            .add("id", to_py_or_none(t.id))
            .add("region", py::str(t.region))
            .add("name", py::str(t.name))
            .add("effective_from", to_py(t.effective_from))
            .add("effective_to", to_py(t.effective_to))
            .add("periods", py::int_(t.periods.size()))
            .add("schedule", py::int_(t.schedule.size()))
            .str();
      });

  py::class_<tariff_override>(m, "TariffOverride",
                              "A temporary price of a region over [start, end): exactly one of "
                              "``price_per_kwh`` (replaces every "
                              "period's price) and ``multiplier`` (0-10, scales it). Where several "
                              "cover an instant, the most "
                              "recently created wins (``created_at``, then ``id``). Mutable.")
      .def(
          py::init([](const py::object& region, const py::object& start, const py::object& end,
                      const py::object& price_per_kwh, const py::object& multiplier,
                      const py::object& reason, const py::object& id, const py::object& created_by,
                      const py::object& created_at, const py::object& removed_at) {
            tariff_override o;
            o.region = str_from_py(region, "region");
            o.start = timestamp_from_py(start, "start");
            o.end = timestamp_from_py(end, "end");
            o.price_per_kwh = opt_money_from_py(price_per_kwh, "price_per_kwh");
            if (!multiplier.is_none()) o.multiplier = tt_from_py(multiplier, "multiplier");
            o.reason = str_from_py(reason, "reason");
            if (!id.is_none()) o.id = uuid_from_py(id, "id");
            o.created_by = opt_uuid_from_py(created_by, "created_by");
            if (!created_at.is_none()) o.created_at = timestamp_from_py(created_at, "created_at");
            o.removed_at = opt_timestamp_from_py(removed_at, "removed_at");
            return o;
          }),
          py::kw_only(), py::arg("region"), py::arg("start"), py::arg("end"),
          py::arg("price_per_kwh") = py::none(), py::arg("multiplier") = py::none(),
          py::arg("reason") = "", py::arg("id") = py::none(), py::arg("created_by") = py::none(),
          py::arg("created_at") = py::none(), py::arg("removed_at") = py::none(),
          "An override: ``start`` and ``end`` aware datetimes on the 15-minute grid, "
          "``price_per_kwh`` or "
          "``multiplier`` (Decimal), ``reason`` (500 characters at most). Tariffs.create_override "
          "sets "
          "``id``, ``created_by`` and ``created_at``; set them to price overrides of your own with "
          "TariffPricer.compile.")
      .def_property(
          "id", [](const tariff_override& o) { return to_py_or_none(o.id); },
          [](tariff_override& o, const py::object& v) {
            o.id = v.is_none() ? uuid{} : uuid_from_py(v, "id");
          },
          "uuid.UUID, or None before Tariffs.create_override.")
      .def_readwrite("region", &tariff_override::region,
                     "The region's code (a pricer ignores other regions').")
      .def_property(
          "start", [](const tariff_override& o) { return to_py(o.start); },
          [](tariff_override& o, const py::object& v) { o.start = timestamp_from_py(v, "start"); },
          "The first instant (aware datetime on the 15-minute grid).")
      .def_property(
          "end", [](const tariff_override& o) { return to_py(o.end); },
          [](tariff_override& o, const py::object& v) { o.end = timestamp_from_py(v, "end"); },
          "The end, excluded (aware datetime on the grid; a removed override's shortened end).")
      .def_property(
          "price_per_kwh", [](const tariff_override& o) { return to_py(o.price_per_kwh); },
          [](tariff_override& o, const py::object& v) {
            o.price_per_kwh = opt_money_from_py(v, "price_per_kwh");
          },
          "The price replacing every period's (Decimal currency per kWh), or None.")
      .def_property(
          "multiplier", [](const tariff_override& o) { return dec4(o.multiplier); },
          [](tariff_override& o, const py::object& v) {
            o.multiplier = v.is_none() ? std::nullopt : std::optional(tt_from_py(v, "multiplier"));
          },
          "The factor scaling every period's price (Decimal, 0-10, four decimals at most), or "
          "None. A "
          "multiplied price is rounded half to even to a micro-unit per kWh.")
      .def_readwrite("reason", &tariff_override::reason, "Why (500 characters at most).")
      .def_property(
          "created_by", [](const tariff_override& o) { return to_py(o.created_by); },
          [](tariff_override& o, const py::object& v) {
            o.created_by = opt_uuid_from_py(v, "created_by");
          },
          "Who created it (uuid.UUID), or None.")
      .def_property(
          "created_at", [](const tariff_override& o) { return stored_at(o.created_at); },
          [](tariff_override& o, const py::object& v) {
            o.created_at = v.is_none() ? timestamp{} : timestamp_from_py(v, "created_at");
          },
          "When it was created (aware UTC datetime), or None before Tariffs.create_override.")
      .def_property(
          "removed_at", [](const tariff_override& o) { return to_py(o.removed_at); },
          [](tariff_override& o, const py::object& v) {
            o.removed_at = opt_timestamp_from_py(v, "removed_at");
          },
          "When it was removed (its end was then shortened), or None.")
      .def(
          "validate", [](const tariff_override& o) { unwrap(in_python_words(validate(o))); },
          "Checks the override's own fields (exactly one of price and multiplier, their ranges, "
          "the grid, "
          "start < end). Raises ValidationError naming the member.")
      .def("__repr__", [](const tariff_override& o) {
        return repr_builder("TariffOverride")
            .add("id", to_py_or_none(o.id))
            .add("region", py::str(o.region))
            .add("start", to_py(o.start))
            .add("end", to_py(o.end))
            .add("price_per_kwh", to_py(o.price_per_kwh))
            .add("multiplier", dec4(o.multiplier))
            .str();
      });
}

void register_prices(py::module_& m) {
  py::class_<py_bucket_price>(m, "BucketPrice", "The price of one 15-minute bucket. Read-only.")
      .def_readonly("period", &py_bucket_price::period, "The period's name.")
      .def_property_readonly(
          "price_per_kwh", [](const py_bucket_price& p) { return to_py(p.price_per_kwh); },
          "The period's price (Decimal currency per kWh).")
      .def_property_readonly(
          "effective_price_per_kwh",
          [](const py_bucket_price& p) { return to_py(p.effective_price_per_kwh); },
          "The price with the override applied, if any (Decimal).")
      .def_property_readonly(
          "override_id", [](const py_bucket_price& p) { return to_py(p.override_id); },
          "The override in effect (uuid.UUID; None for none, or for one built without an id).")
      .def("__repr__", [](const py_bucket_price& p) {
        return repr_builder("BucketPrice")
            .add("period", py::str(p.period))
            .add("price_per_kwh", to_py(p.price_per_kwh))
            .add("effective_price_per_kwh", to_py(p.effective_price_per_kwh))
            .add("override_id", to_py(p.override_id))
            .str();
      });

  py::class_<price_span>(
      m, "PriceSpan",
      "A maximal run of buckets [start, end) of one period at one effective price "
      "(under one override, or none). Read-only.")
      .def_property_readonly(
          "start", [](const price_span& s) { return to_py(s.start); }, "Aware UTC datetime.")
      .def_property_readonly(
          "end", [](const price_span& s) { return to_py(s.end); }, "Excluded (aware UTC datetime).")
      .def_readonly("period", &price_span::period, "The period's name.")
      .def_property_readonly(
          "price_per_kwh", [](const price_span& s) { return to_py(s.price_per_kwh); },
          "The period's price (Decimal currency per kWh).")
      .def_property_readonly(
          "effective_price_per_kwh",
          [](const price_span& s) { return to_py(s.effective_price_per_kwh); },
          "The price with the override applied, if any (Decimal).")
      .def_property_readonly(
          "override_id", [](const price_span& s) { return to_py(s.override_id); },
          "The override in effect (uuid.UUID), or None.")
      .def("__repr__", [](const price_span& s) {
        return repr_builder("PriceSpan")
            .add("start", to_py(s.start))
            .add("end", to_py(s.end))
            .add("period", py::str(s.period))
            .add("effective_price_per_kwh", to_py(s.effective_price_per_kwh))
            .str();
      });

  py::class_<bill::period_line>(m, "BillPeriodLine", "A bill's energy in one period. Read-only.")
      .def_readonly("period", &bill::period_line::period, "The period's name.")
      .def_property_readonly(
          "consumed_kwh", [](const bill::period_line& l) { return to_py(l.consumed); },
          "The energy priced in this period (Decimal kWh).")
      .def_property_readonly(
          "amount", [](const bill::period_line& l) { return to_py(l.amount); },
          "The sum over its buckets of energy x effective price, rounded half to even to the minor "
          "unit "
          "(Decimal currency).")
      .def("__repr__", [](const bill::period_line& l) {
        return repr_builder("BillPeriodLine")
            .add("period", py::str(l.period))
            .add("consumed_kwh", to_py(l.consumed))
            .add("amount", to_py(l.amount))
            .str();
      });

  py::class_<bill::tier_line>(m, "BillTierLine", "The energy a bill put in one tier. Read-only.")
      .def_property_readonly(
          "up_to_kwh", [](const bill::tier_line& l) { return to_py(l.up_to); },
          "The tier's bound (Decimal kWh), or None on the last tier.")
      .def_property_readonly(
          "consumed_kwh", [](const bill::tier_line& l) { return to_py(l.consumed); },
          "The energy that fell in this tier (Decimal kWh).")
      .def_property_readonly(
          "adder_per_kwh", [](const bill::tier_line& l) { return to_py(l.adder_per_kwh); },
          "The tier's adder (Decimal currency per kWh).")
      .def_property_readonly(
          "amount", [](const bill::tier_line& l) { return to_py(l.amount); },
          "consumed x adder, rounded to the minor unit (Decimal currency).")
      .def("__repr__", [](const bill::tier_line& l) {
        return repr_builder("BillTierLine")
            .add("up_to_kwh", to_py(l.up_to))
            .add("consumed_kwh", to_py(l.consumed))
            .add("amount", to_py(l.amount))
            .str();
      });

  py::class_<bill>(
      m, "Bill",
      "The lines of a bill over [from_, to), as TariffPricer.cost forms them: every amount "
      "is summed exactly and rounded half to even to the currency's minor unit where its "
      "line is formed (Decimal currency). Read-only.")
      .def_readonly(
          "by_period", &bill::by_period,
          "BillPeriodLines in the order of the tariff's periods (periods without energy left out).")
      .def_property_readonly(
          "energy_charge", [](const bill& b) { return to_py(b.energy_charge); },
          "The sum of by_period's amounts.")
      .def_readonly("tiers", &bill::tiers, "BillTierLines of the tiers the energy reached.")
      .def_property_readonly(
          "tier_charge", [](const bill& b) { return to_py(b.tier_charge); },
          "The sum of tiers' amounts.")
      .def_readonly("days", &bill::days, "The local dates [from_, to) touches.")
      .def_property_readonly(
          "fixed_charge", [](const bill& b) { return to_py(b.fixed_charge); },
          "days x fixed_charge_per_day.")
      .def_property_readonly(
          "peak_consumed_kwh", [](const bill& b) { return to_py(b.peak_consumed); },
          "The highest bucket's consumption (Decimal kWh).")
      .def_property_readonly(
          "peak_at", [](const bill& b) { return to_py(b.peak_at); },
          "That bucket's start (the earliest on a tie), or None without consumption.")
      .def_property_readonly(
          "demand_charge", [](const bill& b) { return to_py(b.demand_charge); },
          "peak_consumed_kwh / 0.25 h x demand_charge_per_kw, rounded.")
      .def_property_readonly(
          "exported_kwh", [](const bill& b) { return to_py(b.exported); },
          "The sum of produced (Decimal kWh).")
      .def_property_readonly(
          "export_credit", [](const bill& b) { return to_py(b.export_credit); },
          "-(exported x export_price_per_kwh), rounded: a credit, <= 0.")
      .def_property_readonly(
          "taxable", [](const bill& b) { return to_py(b.taxable); },
          "energy_charge + tier_charge + fixed_charge + demand_charge.")
      .def_property_readonly(
          "tax", [](const bill& b) { return to_py(b.tax); }, "tax_percent of taxable, rounded.")
      .def_property_readonly(
          "total", [](const bill& b) { return to_py(b.total); }, "taxable + export_credit + tax.")
      .def("__repr__", [](const bill& b) {
        return repr_builder("Bill")
            .add("energy_charge", to_py(b.energy_charge))
            .add("tier_charge", to_py(b.tier_charge))
            .add("fixed_charge", to_py(b.fixed_charge))
            .add("demand_charge", to_py(b.demand_charge))
            .add("export_credit", to_py(b.export_credit))
            .add("tax", to_py(b.tax))
            .add("total", to_py(b.total))
            .str();
      });

  py::class_<tariff_pricer>(m, "TariffPricer",
                            "A tariff compiled for pricing in its region's time zone, with the "
                            "overrides that may apply: pure "
                            "(no storage, no clock) and immutable, so simulations and hosts price "
                            "without a grid. Buckets are "
                            "the 15 minutes [start, start + 15 min), priced at the price in effect "
                            "at their start by local "
                            "wall time. Thread-safe; the GIL is released while it prices.")
      .def_static(
          "compile",
          [](const tariff& t, const std::string& time_zone, const py::object& overrides,
             int minor_digits) {
            auto os = objects_from_py<tariff_override>(overrides, "overrides", "TariffOverride");
            return priced([&] {
              return tariff_pricer::compile(t, time_zone, std::span<const tariff_override>(os),
                                            minor_digits);
            });
          },
          py::arg("tariff"), py::arg("time_zone"), py::arg("overrides") = py::tuple(),
          py::arg("minor_digits") = 2,
          "Compiles ``tariff`` (validated first) for the IANA zone ``time_zone`` with "
          "``overrides`` "
          "(TariffOverrides; other regions' are ignored); ``minor_digits`` is the currency's minor "
          "unit "
          "(2 for EUR, 0 for JPY). Raises ValidationError naming the member "
          "(\"schedule[0].start\", "
          "\"overrides[1].multiplier\", \"time_zone\").")
      .def_property_readonly(
          "terms", [](const tariff_pricer& p) { return p.terms(); },
          "The compiled Tariff (a copy).")
      .def(
          "price_at",
          [](const tariff_pricer& p, const py::object& bucket_start) {
            const auto at = timestamp_from_py(bucket_start, "bucket_start");
            auto b = priced([&] { return p.price_at(at); });
            return py_bucket_price{std::string(b.period), b.price_per_kwh,
                                   b.effective_price_per_kwh, b.override_id};
          },
          py::arg("bucket_start"),
          "The BucketPrice of the bucket starting at ``bucket_start`` (an aware datetime on the "
          "15-minute "
          "grid inside the effective range; ValidationError naming bucket_start otherwise).")
      .def(
          "price_series",
          [](const tariff_pricer& p, const py::object& from, const py::object& to) {
            const auto f = timestamp_from_py(from, "from_");
            const auto t = timestamp_from_py(to, "to");
            return priced([&] { return p.price_series(f, t); });
          },
          py::arg("from_"), py::arg("to"),
          "The buckets of [from_, to) (on the grid, inside the effective range) as maximal "
          "PriceSpans of "
          "one period at one effective price (a list).")
      .def(
          "price_buckets",
          [](const tariff_pricer& p, const py::object& from, const py::object& to,
             const py::object& arrays) -> py::tuple {
            const auto f = timestamp_from_py(from, "from_");
            const auto t = timestamp_from_py(to, "to");
            py::object np;
            if (arrays.is_none())
              np = numpy_if_installed();
            else if (!py::isinstance<py::bool_>(arrays))
              throw py::type_error("arrays must be a bool or None");
            else if (arrays.cast<bool>())
              np = numpy_for("price_buckets(arrays=True)");
            else
              np = py::none();
            const auto n = buckets_in(f, t);
            std::vector<std::uint16_t> periods(n);
            std::vector<money> prices(n);
            priced([&] { return p.price_buckets(f, t, periods, prices); });
            if (np.is_none()) {
              py::list ps, xs;
              for (std::size_t i = 0; i < n; ++i) {
                ps.append(py::int_(periods[i]));
                xs.append(to_py(prices[i]));
              }
              return py::tuple(py::make_tuple(ps, xs));
            }
            const auto numpy = py::reinterpret_borrow<py::module_>(np);
            auto pa = new_array<std::uint16_t>(numpy, n, "uint16", [&](std::uint16_t* out) {
              for (std::size_t i = 0; i < n; ++i)
                out[i] = periods[i];
            });
            auto xa = new_array<double>(numpy, n, "float64", [&](double* out) {
              for (std::size_t i = 0; i < n; ++i)
                out[i] = static_cast<double>(prices[i].micros) / 1e6;
            });
            return py::tuple(py::make_tuple(pa, xa));
          },
          py::arg("from_"), py::arg("to"), py::kw_only(), py::arg("arrays") = py::none(),
          "The engine's fast path: per bucket of [from_, to), the index of its period in "
          "terms.periods "
          "and its effective price, as a tuple (periods, prices). With numpy (``arrays`` True, or "
          "None "
          "and numpy importable): a uint16 array and a float64 array of currency per kWh; else "
          "(``arrays`` "
          "False, or None without numpy) a list of int and a list of Decimal. arrays=True without "
          "numpy "
          "raises ImportError.")
      .def(
          "cost",
          [](const tariff_pricer& p, const py::object& from, const py::object& to,
             const py::object& usage) {
            const auto f = timestamp_from_py(from, "from_");
            const auto t = timestamp_from_py(to, "to");
            const auto u = usage_from_py(usage);
            return priced([&] { return p.cost(f, t, u); });
          },
          py::arg("from_"), py::arg("to"), py::arg("usage"),
          "Prices metered energy over [from_, to) into the lines of a Bill. ``usage`` holds one "
          "item per "
          "15-minute bucket (ascending, inside the range, one per start): a (start, consumed_kwh) "
          "or "
          "(start, consumed_kwh, produced_kwh) tuple, a mapping with those keys, or an object with "
          "those "
          "attributes, such as telemetry's Bucket of a \"15m\" history. Tiers count from "
          "``from_``. "
          "Raises ValidationError naming the item (\"usage[3].consumed_kwh\").")
      .def("__repr__", [](const tariff_pricer& p) {
        const auto& t = p.terms();
        return repr_builder("TariffPricer")
            .add("region", py::str(t.region))
            .add("name", py::str(t.name))
            .add("effective_from", to_py(t.effective_from))
            .add("effective_to", to_py(t.effective_to))
            .str();
      });
}

void register_answers(py::module_& m) {
  py::class_<current_period>(m, "CurrentPeriod",
                             "The period in effect around an instant. Read-only.")
      .def_readonly("name", &current_period::name, "The period's name.")
      .def_property_readonly(
          "price_per_kwh", [](const current_period& c) { return to_py(c.price_per_kwh); },
          "The period's price (Decimal currency per kWh).")
      .def_property_readonly(
          "effective_price_per_kwh",
          [](const current_period& c) { return to_py(c.effective_price_per_kwh); },
          "With the override applied, if any (Decimal).")
      .def_property_readonly(
          "override_id", [](const current_period& c) { return to_py(c.override_id); },
          "The override in effect (uuid.UUID), or None.")
      .def_property_readonly(
          "starts_at", [](const current_period& c) { return to_py(c.starts_at); },
          "The start of the maximal span of this period at this effective price (aware UTC "
          "datetime).")
      .def_property_readonly(
          "ends_at", [](const current_period& c) { return to_py(c.ends_at); },
          "Its end (aware UTC datetime), or None: nothing known changes it.")
      .def("__repr__", [](const current_period& c) {
        return repr_builder("CurrentPeriod")
            .add("name", py::str(c.name))
            .add("effective_price_per_kwh", to_py(c.effective_price_per_kwh))
            .add("starts_at", to_py(c.starts_at))
            .add("ends_at", to_py(c.ends_at))
            .str();
      });

  py::class_<current_tariff>(m, "CurrentTariff", "What Tariffs.current answers. Read-only.")
      .def_property_readonly(
          "in_effect", [](const current_tariff& c) { return c.in_effect; },
          "The Tariff in effect now (a copy).")
      .def_property_readonly(
          "now", [](const current_tariff& c) { return to_py(c.now); },
          "The grid clock's now (aware UTC datetime).")
      .def_property_readonly(
          "period", [](const current_tariff& c) { return c.period; },
          "The CurrentPeriod around now.")
      .def_property_readonly(
          "next_change_at", [](const current_tariff& c) { return to_py(c.next_change_at); },
          "When the price changes next (period.ends_at), or None.")
      .def("__repr__", [](const current_tariff& c) {
        return repr_builder("CurrentTariff")
            .add("in_effect", py::cast(c.in_effect))
            .add("period", py::cast(c.period))
            .add("next_change_at", to_py(c.next_change_at))
            .str();
      });

  py::class_<tariff_history>(
      m, "TariffHistory",
      "Tariffs and overrides of a region overlapping a range, newest first. Read-only.")
      .def_readonly("tariffs", &tariff_history::tariffs, "Tariffs (a list).")
      .def_readonly("overrides", &tariff_history::overrides,
                    "TariffOverrides (a list; removed ones with their shortened end).")
      .def("__repr__", [](const tariff_history& h) {
        return repr_builder("TariffHistory")
            .add("tariffs", py::int_(h.tariffs.size()))
            .add("overrides", py::int_(h.overrides.size()))
            .str();
      });

  py::class_<tariff_estimate>(
      m, "TariffEstimate",
      "A consumption spread over a range's buckets by the caller's metered profile, "
      "priced (Decimal currency amounts). Read-only.")
      .def_readonly("region", &tariff_estimate::region, "The caller's region.")
      .def_readonly("currency", &tariff_estimate::currency, "Its ISO 4217 code.")
      .def_property_readonly(
          "from_", [](const tariff_estimate& e) { return to_py(e.from); },
          "The range's start (aware UTC datetime).")
      .def_property_readonly(
          "to", [](const tariff_estimate& e) { return to_py(e.to); }, "The range's end, excluded.")
      .def_property_readonly(
          "consumption_kwh", [](const tariff_estimate& e) { return to_py(e.consumption); },
          "The energy estimated (Decimal kWh).")
      .def_readonly("by_period", &tariff_estimate::by_period, "BillPeriodLines (a list).")
      .def_property_readonly(
          "energy_charge", [](const tariff_estimate& e) { return to_py(e.energy_charge); },
          money_doc)
      .def_property_readonly(
          "tier_charge", [](const tariff_estimate& e) { return to_py(e.tier_charge); }, money_doc)
      .def_property_readonly(
          "fixed_charge", [](const tariff_estimate& e) { return to_py(e.fixed_charge); }, money_doc)
      .def_property_readonly(
          "demand_charge", [](const tariff_estimate& e) { return to_py(e.demand_charge); },
          "On the spread series' highest bucket (0 without a demand charge).")
      .def_property_readonly(
          "tax", [](const tariff_estimate& e) { return to_py(e.tax); },
          "tax_percent of the energy, tier, fixed and demand charges.")
      .def_property_readonly(
          "total", [](const tariff_estimate& e) { return to_py(e.total); }, "The estimated amount.")
      .def("__repr__", [](const tariff_estimate& e) {
        return repr_builder("TariffEstimate")
            .add("region", py::str(e.region))
            .add("from_", to_py(e.from))
            .add("to", to_py(e.to))
            .add("consumption_kwh", to_py(e.consumption))
            .add("total", to_py(e.total))
            .str();
      });

  py::class_<price_forecast>(m, "PriceForecast",
                             "The known prices of a region from the current bucket on. Read-only.")
      .def_readonly("region", &price_forecast::region, "The region.")
      .def_property_readonly(
          "from_", [](const price_forecast& f) { return to_py(f.from); },
          "The current bucket's start.")
      .def_property_readonly(
          "to", [](const price_forecast& f) { return to_py(f.to); }, "``hours`` later.")
      .def_readonly("prices", &price_forecast::prices,
                    "Maximal PriceSpans (a list; gaps where no tariff is in effect).")
      .def("__repr__", [](const price_forecast& f) {
        return repr_builder("PriceForecast")
            .add("region", py::str(f.region))
            .add("from_", to_py(f.from))
            .add("to", to_py(f.to))
            .add("prices", py::int_(f.prices.size()))
            .str();
      });

  py::class_<region_tariff>(m, "RegionTariff", "A region and what it pays now. Read-only.")
      .def_readonly("region", &region_tariff::region, "The region's code.")
      .def_property_readonly(
          "in_effect", [](const region_tariff& r) { return r.in_effect; },
          "The Tariff in effect now (a copy), or None.")
      .def_property_readonly(
          "period", [](const region_tariff& r) { return r.period; },
          "The CurrentPeriod around now, or None.")
      .def("__repr__", [](const region_tariff& r) {
        return repr_builder("RegionTariff")
            .add("region", py::str(r.region))
            .add("in_effect", py::cast(r.in_effect))
            .str();
      });

  py::class_<tariff_analytics::period_line>(m, "TariffAnalyticsPeriod",
                                            "One period of TariffAnalytics. Read-only.")
      .def_readonly("period", &tariff_analytics::period_line::period, "The period's name.")
      .def_readonly("quarter_hours", &tariff_analytics::period_line::quarter_hours,
                    "The range's buckets in this period (hours = quarter_hours / 4).")
      .def_property_readonly(
          "consumed_kwh", [](const tariff_analytics::period_line& l) { return to_py(l.consumed); },
          "The region's metered consumption in them (Decimal kWh).")
      .def_property_readonly(
          "amount", [](const tariff_analytics::period_line& l) { return to_py(l.amount); },
          "That energy priced exactly, rounded to the minor unit (Decimal currency).")
      .def("__repr__", [](const tariff_analytics::period_line& l) {
        return repr_builder("TariffAnalyticsPeriod")
            .add("period", py::str(l.period))
            .add("quarter_hours", py::int_(l.quarter_hours))
            .add("consumed_kwh", to_py(l.consumed))
            .add("amount", to_py(l.amount))
            .str();
      });

  py::class_<tariff_analytics>(m, "TariffAnalytics",
                               "Prices against a region's metered consumption. Read-only.")
      .def_readonly("region", &tariff_analytics::region, "The region.")
      .def_property_readonly(
          "from_", [](const tariff_analytics& a) { return to_py(a.from); },
          "The range's start (aware UTC datetime).")
      .def_property_readonly(
          "to", [](const tariff_analytics& a) { return to_py(a.to); }, "The range's end, excluded.")
      .def_property_readonly(
          "time_weighted_price_per_kwh",
          [](const tariff_analytics& a) { return to_py(a.time_weighted_price_per_kwh); },
          "The mean effective price over the range's buckets that have a tariff, rounded half to "
          "even to a "
          "micro-unit (Decimal); None without such a bucket.")
      .def_property_readonly(
          "consumption_weighted_price_per_kwh",
          [](const tariff_analytics& a) { return to_py(a.consumption_weighted_price_per_kwh); },
          "The metered amount / the metered kWh (Decimal); None without consumption.")
      .def_readonly("peak_to_off_peak_ratio", &tariff_analytics::peak_to_off_peak_ratio,
                    "The highest period price / the lowest non-zero one (float); None without a "
                    "non-zero price.")
      .def_readonly("overrides", &tariff_analytics::overrides, "Overrides overlapping the range.")
      .def_readonly("by_period", &tariff_analytics::by_period,
                    "TariffAnalyticsPeriods by name, in the order first met (a list).")
      .def("__repr__", [](const tariff_analytics& a) {
        return repr_builder("TariffAnalytics")
            .add("region", py::str(a.region))
            .add("from_", to_py(a.from))
            .add("to", to_py(a.to))
            .add("time_weighted_price_per_kwh", to_py(a.time_weighted_price_per_kwh))
            .add("overrides", py::int_(a.overrides))
            .str();
      });
}

}  // namespace

void register_tariffs(py::module_& m) {
  register_model(m);
  register_prices(m);
  register_answers(m);

  // --- the service ------------------------------------------------------------------------
  py::class_<py_tariffs>(
      m, "Tariffs",
      "Tariffs: per region, at most one Tariff in effect at any instant, with overrides, the "
      "prices "
      "around now, forecasts, history, estimates and analytics. Obtained from Grid.tariffs; keeps "
      "its "
      "grid alive. Thread-safe; the GIL is released during every call.\n\n"
      "Who does what: every signed-in caller reads tariffs, prices and forecasts, and estimates on "
      "their "
      "own metered profile; tariffs:manage (admins) creates and changes tariffs; tariffs:operate "
      "(operators for their region, admins for all) creates and removes overrides and reads "
      "regions() "
      "and analytics(). Every change is audited. Anonymous callers raise Unauthorized.")
      .def(
          "create",
          [](const py_tariffs& s, const principal& who, const tariff& t, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.create(who, t, ctx); });
          },
          py::arg("principal"), py::arg("tariff"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Stores ``tariff`` (a Tariff; tariffs:manage) and answers it with ``id``, ``currency`` "
          "(the "
          "region's), ``created_by`` and ``created_at`` set. One whose effective_from falls inside "
          "an "
          "open-ended predecessor ends the predecessor there, when that is not before now; it may "
          "start "
          "in the past where no tariff was in effect. Raises ValidationError (the member's path), "
          "Forbidden, NotFound (an unknown region), Conflict (any other overlap).")
      .def(
          "get",
          [](const py_tariffs& s, const principal& who, const py::object& tariff_id) {
            auto id = uuid_from_py(tariff_id, "tariff_id");
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.get(who, id); });
          },
          py::arg("principal"), py::arg("tariff_id"),
          "One Tariff (``tariff_id`` a uuid.UUID or its text). Raises NotFound.")
      .def(
          "update",
          [](const py_tariffs& s, const principal& who, const py::object& tariff_id,
             py::object name, py::object effective_from, py::object effective_to,
             py::object periods, py::object schedule, py::object default_period,
             py::object holidays, py::object tiers, py::object fixed_charge_per_day,
             py::object demand_charge_per_kw, py::object export_price_per_kwh,
             py::object tax_percent, const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(tariff_id, "tariff_id");
            patch_args args{std::move(name),
                            std::move(effective_from),
                            std::move(effective_to),
                            std::move(periods),
                            std::move(schedule),
                            std::move(default_period),
                            std::move(holidays),
                            std::move(tiers),
                            std::move(fixed_charge_per_day),
                            std::move(demand_charge_per_kw),
                            std::move(export_price_per_kwh),
                            std::move(tax_percent)};
            auto patch = args.patch();
            auto ctx = make_ctx(ip, user_agent);
            return with_tariffs(
                s, [&](tariffs_service& ts) { return ts.update(who, id, patch, ctx); });
          },
          py::arg("principal"), py::arg("tariff_id"), py::kw_only(), py::arg("name") = py::none(),
          py::arg("effective_from") = py::none(), py::arg("effective_to") = py::ellipsis(),
          py::arg("periods") = py::none(), py::arg("schedule") = py::none(),
          py::arg("default_period") = py::none(), py::arg("holidays") = py::none(),
          py::arg("tiers") = py::none(), py::arg("fixed_charge_per_day") = py::none(),
          py::arg("demand_charge_per_kw") = py::none(),
          py::arg("export_price_per_kwh") = py::none(), py::arg("tax_percent") = py::none(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Changes a tariff that has not begun (tariffs:manage) and answers it; keywords left as "
          "None keep "
          "their value, and ``effective_to`` left out keeps it (None makes the tariff open-ended). "
          "Moving "
          "effective_from moves the end of the predecessor it ended. Raises Conflict (in effect or "
          "in the "
          "past: create a new tariff from a future instant), ValidationError, Forbidden, NotFound.")
      .def(
          "current",
          [](const py_tariffs& s, const principal& who, const opt_str& region) {
            std::optional<std::string_view> r;
            if (region) r = *region;
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.current(who, r); });
          },
          py::arg("principal"), py::arg("region") = py::none(),
          "The CurrentTariff of ``region`` (the caller's when None): the tariff in effect now and "
          "the "
          "period around now. Raises NotFound when none is in effect.")
      .def(
          "history",
          [](const py_tariffs& s, const principal& who, const py::object& from,
             const py::object& to, const opt_str& region) {
            const auto f = timestamp_from_py(from, "from_");
            const auto t = timestamp_from_py(to, "to");
            std::optional<std::string_view> r;
            if (region) r = *region;
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.history(who, r, f, t); });
          },
          py::arg("principal"), py::arg("from_"), py::arg("to"), py::kw_only(),
          py::arg("region") = py::none(),
          "The TariffHistory of ``region`` (the caller's when None) over [from_, to) (aware "
          "datetimes, at "
          "most 366 days).")
      .def(
          "estimate",
          [](const py_tariffs& s, const principal& who, const py::object& consumption_kwh,
             const py::object& from, const py::object& to) {
            const auto c = energy_from_py(consumption_kwh, "consumption_kwh");
            const auto f = opt_timestamp_from_py(from, "from_");
            const auto t = opt_timestamp_from_py(to, "to");
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.estimate(who, c, f, t); });
          },
          py::arg("principal"), py::arg("consumption_kwh"), py::kw_only(),
          py::arg("from_") = py::none(), py::arg("to") = py::none(),
          "A TariffEstimate: ``consumption_kwh`` spread over the 15-minute buckets of [from_, to) "
          "(on the "
          "grid; default: from the current bucket, 30 local days) of the caller's region in "
          "proportion to "
          "the caller's metered profile of the 28 days before now by local hour of the week (flat "
          "without "
          "readings), in whole Wh, and priced. At most 366 days inside one tariff (a range across "
          "a change "
          "raises ValidationError naming to).")
      .def(
          "forecast",
          [](const py_tariffs& s, const principal& who, const opt_str& region, int hours) {
            std::optional<std::string_view> r;
            if (region) r = *region;
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.forecast(who, r, hours); });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(),
          py::arg("hours") = 24,
          "The PriceForecast of ``region`` (the caller's when None): ``hours`` (1-168) of maximal "
          "price "
          "spans from the current bucket's start.")
      .def(
          "regions",
          [](const py_tariffs& s, const principal& who) {
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.regions(who); });
          },
          py::arg("principal"),
          "Every region in the caller's scope with what it pays now (a list of RegionTariff; "
          "tariffs:operate, Forbidden otherwise).")
      .def(
          "analytics",
          [](const py_tariffs& s, const principal& who, const std::string& region,
             const py::object& from, const py::object& to) {
            const auto f = timestamp_from_py(from, "from_");
            const auto t = timestamp_from_py(to, "to");
            return with_tariffs(
                s, [&](tariffs_service& ts) { return ts.analytics(who, region, f, t); });
          },
          py::arg("principal"), py::arg("region"), py::arg("from_"), py::arg("to"),
          "TariffAnalytics of ``region`` over [from_, to) (on the grid, at most 366 days): "
          "tariffs:operate "
          "in the region.")
      .def(
          "create_override",
          [](const py_tariffs& s, const principal& who, const tariff_override& o, const opt_str& ip,
             const opt_str& user_agent) {
            auto ctx = make_ctx(ip, user_agent);
            return with_tariffs(
                s, [&](tariffs_service& ts) { return ts.create_override(who, o, ctx); });
          },
          py::arg("principal"), py::arg("override"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Stores ``override`` (a TariffOverride; tariffs:operate in its region) and answers it "
          "with "
          "``id``, ``created_by`` and ``created_at`` set. Its start may not be before the current "
          "bucket's "
          "(ValidationError naming start). Raises Forbidden, NotFound (an unknown region).")
      .def(
          "remove_override",
          [](const py_tariffs& s, const principal& who, const py::object& override_id,
             const opt_str& ip, const opt_str& user_agent) {
            auto id = uuid_from_py(override_id, "override_id");
            auto ctx = make_ctx(ip, user_agent);
            return with_tariffs(
                s, [&](tariffs_service& ts) { return ts.remove_override(who, id, ctx); });
          },
          py::arg("principal"), py::arg("override_id"), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Removes an override (tariffs:operate in its region) and answers it: one that has begun "
          "ends "
          "with the current bucket (the past stays as it was priced), one that has not is removed "
          "whole "
          "(its end becomes its start). Raises Conflict (ended or removed already), NotFound, "
          "Forbidden.")
      .def(
          "pricer_at",
          [](const py_tariffs& s, const std::string& region, const py::object& at) {
            const auto when = timestamp_from_py(at, "at");
            return with_tariffs(s, [&](tariffs_service& ts) { return ts.pricer_at(region, when); });
          },
          py::arg("region"), py::arg("at"),
          "The tariff of ``region`` in effect at ``at`` compiled with the region's overrides: a "
          "TariffPricer for pricing series without further storage reads (hosts, billing). Needs "
          "no "
          "principal. Raises NotFound when none is in effect.");

  add_grid_service<py_tariffs>(m, "tariffs",
                               "The Tariffs service (tariffs, overrides, prices, estimates).");
}

}  // namespace segs::python
