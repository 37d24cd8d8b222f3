// segs.Analytics (Grid.analytics): the P2P seed's five reports -- energy,
// trading, users, market and financial -- per local day of a region
// (docs/analytics.md), and the read-only values they answer.
//
// At the edge, energy is Decimal kWh named `..._kwh`, money Decimal currency
// units, ratios float (4 decimals) or None, dates datetime.date, instants
// aware UTC datetimes, ids uuid.UUID, scopes and groupings their wire names
// as str ("self", "region"; "day", "month"). `from_` and `to` are local
// dates of the region (datetime.date or "YYYY-MM-DD"), both included.
// Errors are the library's, naming its parameters as this binding does but
// for `from`, a Python keyword, named `from_`.
#include "common.hpp"
#include "grid.hpp"

#include <segs/analytics.hpp>

#include <optional>
#include <string>
#include <utility>

namespace segs::python {

namespace {

struct py_analytics {
  holder_ptr holder;
};

template <class Fn>
auto with_analytics(const py_analytics& s, Fn&& fn) {
  return with_service(
      *s.holder, [](segs::grid& g) -> analytics_service& { return g.analytics(); },
      [&](analytics_service& a) {
        auto r = fn(a);
        if (!r) return decltype(r)(from_in_python_words(r.error()));
        return r;
      });
}

analytics_query query_from_py(const std::optional<std::string>& region, const py::object& from,
                              const py::object& to) {
  analytics_query q;
  q.region = region;
  if (!from.is_none()) q.from = date_from_py(from, "from_");
  if (!to.is_none()) q.to = date_from_py(to, "to");
  return q;
}

py::object ratio_to_py(const std::optional<double>& r) {
  return r ? py::object(py::float_(*r)) : py::object(py::none());
}

py::object text_or_none(const std::string& s) {
  return s.empty() ? py::object(py::none()) : py::object(py::str(s));
}

template <class T, class G>
void prop(py::class_<T>& c, const char* name, G get, const char* doc) {
  c.def_property_readonly(name, [get](const T& x) { return get(x); }, doc);
}

// The header members every report carries, on its class.
template <class T>
void header_props(py::class_<T>& c) {
  prop(c, "region", [](const T& a) { return text_or_none(a.header.region); },
       "The region (None: users analytics of every region in scope).");
  prop(c, "time_zone", [](const T& a) { return text_or_none(a.header.time_zone); },
       "The region's IANA time zone, whose local days the buckets are.");
  prop(c, "currency", [](const T& a) { return text_or_none(a.header.currency); },
       "The region's ISO 4217 code.");
  prop(c, "scope", [](const T& a) { return py::str(std::string(to_string(a.header.scope))); },
       "\"self\" (the caller's own figures) or \"region\".");
  prop(c, "user_id", [](const T& a) { return to_py(a.header.user_id); },
       "The caller for scope \"self\", else None.");
  prop(c, "from_", [](const T& a) { return to_py_date(a.header.from); },
       "The first local date, included.");
  prop(c, "to", [](const T& a) { return to_py_date(a.header.to); }, "The last local date, included.");
  prop(c, "start", [](const T& a) { return to_py(a.header.start); }, "The first day's start (UTC).");
  prop(c, "end", [](const T& a) { return to_py(a.header.end); }, "The last day's end (UTC).");
}

void register_values(py::module_& m) {
  {
    py::class_<energy_figures> c(m, "EnergyFigures",
        "Energy of a local day or of the range (docs/analytics.md). Read-only.");
    prop(c, "consumption_kwh", [](const energy_figures& f) { return to_py(f.consumed); }, "sum(c), Decimal kWh.");
    prop(c, "production_kwh", [](const energy_figures& f) { return to_py(f.produced); }, "sum(p), Decimal kWh.");
    prop(c, "net_kwh", [](const energy_figures& f) { return to_py(f.net); }, "consumption - production.");
    prop(c, "self_consumed_kwh", [](const energy_figures& f) { return to_py(f.self_consumed); },
         "sum(min(c, p)) over the quarter-hours.");
    prop(c, "self_sufficiency", [](const energy_figures& f) { return ratio_to_py(f.self_sufficiency); },
         "self_consumed / consumption (4 decimals), None without consumption.");
    c.def("__repr__", [](const energy_figures& f) {
      return repr_builder("EnergyFigures")
          .add("consumption_kwh", to_py(f.consumed))
          .add("production_kwh", to_py(f.produced))
          .add("self_sufficiency", ratio_to_py(f.self_sufficiency)).str();
    });
  }
  {
    py::class_<energy_day> c(m, "EnergyDay", "One local day of EnergyAnalytics. Read-only.");
    prop(c, "date", [](const energy_day& d) { return to_py_date(d.date); }, "The local date.");
    prop(c, "start", [](const energy_day& d) { return to_py(d.start); }, "Its start (UTC).");
    prop(c, "end", [](const energy_day& d) { return to_py(d.end); }, "Its end: 23, 24 or 25 hours later.");
    c.def_readonly("figures", &energy_day::figures, "Its EnergyFigures.");
    c.def("__repr__", [](const energy_day& d) {
      return repr_builder("EnergyDay")
          .add("date", to_py_date(d.date))
          .add("consumption_kwh", to_py(d.figures.consumed)).str();
    });
  }
  {
    py::class_<energy_analytics> c(m, "EnergyAnalytics", "Analytics.energy's answer. Read-only.");
    header_props(c);
    c.def_readonly("days", &energy_analytics::days, "EnergyDays (a list), every local day of the range.");
    c.def_readonly("total", &energy_analytics::total, "EnergyFigures of the whole range.");
    c.def("__repr__", [](const energy_analytics& a) {
      return repr_builder("EnergyAnalytics")
          .add("region", py::str(a.header.region))
          .add("scope", py::str(std::string(to_string(a.header.scope))))
          .add("consumption_kwh", to_py(a.total.consumed))
          .str();
    });
  }
  {
    py::class_<trading_figures> c(m, "TradingFigures", "Trades of a local day or of the range. Read-only.");
    prop(c, "bought_kwh", [](const trading_figures& f) { return to_py(f.bought); }, "Decimal kWh bought.");
    prop(c, "sold_kwh", [](const trading_figures& f) { return to_py(f.sold); }, "Decimal kWh sold.");
    c.def_readonly("buy_trades", &trading_figures::buy_trades, "Bought sides.");
    c.def_readonly("sell_trades", &trading_figures::sell_trades, "Sold sides.");
    prop(c, "spent", [](const trading_figures& f) { return to_py(f.spent); }, "The bought trades' amounts.");
    prop(c, "earned", [](const trading_figures& f) { return to_py(f.earned); }, "The sold trades' amounts.");
    prop(c, "average_buy_price", [](const trading_figures& f) { return to_py(f.average_buy_price); },
         "Volume-weighted, per kWh; None without purchases.");
    prop(c, "average_sell_price", [](const trading_figures& f) { return to_py(f.average_sell_price); },
         "Volume-weighted, per kWh; None without sales.");
    prop(c, "fees", [](const trading_figures& f) { return to_py(f.fees); }, "The scope's market fees.");
    prop(c, "savings", [](const trading_figures& f) { return to_py(f.savings); },
         "Against the tariff's import (bought) and export (sold) prices, bucket by bucket.");
    prop(c, "unpriced_kwh", [](const trading_figures& f) { return to_py(f.unpriced); },
         "Traded energy in buckets no tariff covers (not in savings).");
    c.def("__repr__", [](const trading_figures& f) {
      return repr_builder("TradingFigures").add("bought_kwh", to_py(f.bought)).add("sold_kwh", to_py(f.sold))
          .add("savings", to_py(f.savings)).str();
    });
  }
  {
    py::class_<trading_day> c(m, "TradingDay", "One local day of TradingAnalytics. Read-only.");
    prop(c, "date", [](const trading_day& d) { return to_py_date(d.date); }, "The local date of the slots' start.");
    c.def_readonly("figures", &trading_day::figures, "Its TradingFigures.");
    c.def("__repr__", [](const trading_day& d) {
      return repr_builder("TradingDay")
          .add("date", to_py_date(d.date)).str();
    });
  }
  {
    py::class_<trading_analytics> c(m, "TradingAnalytics", "Analytics.trading's answer. Read-only.");
    header_props(c);
    c.def_readonly("days", &trading_analytics::days, "TradingDays (a list).");
    c.def_readonly("total", &trading_analytics::total, "TradingFigures of the whole range.");
    c.def("__repr__", [](const trading_analytics& a) {
      return repr_builder("TradingAnalytics")
          .add("region", py::str(a.header.region))
          .add("savings", to_py(a.total.savings)).str();
    });
  }
  {
    py::class_<users_day> c(m, "UsersDay", "One date of UsersAnalytics. Read-only.");
    prop(c, "date", [](const users_day& d) { return to_py_date(d.date); }, "The local date (each user's region's).");
    c.def_readonly("registrations", &users_day::registrations, "Accounts created that day.");
    c.def_readonly("sign_ins", &users_day::sign_ins, "Distinct accounts that signed in that day.");
    c.def("__repr__", [](const users_day& d) {
      return repr_builder("UsersDay")
          .add("date", to_py_date(d.date))
          .add("registrations", py::int_(d.registrations)).str();
    });
  }
  {
    py::class_<users_analytics> c(m, "UsersAnalytics", "Analytics.users's answer. Read-only.");
    header_props(c);
    c.def_readonly("regions", &users_analytics::regions, "The regions counted (a list of str).");
    c.def_readonly("total_users", &users_analytics::total_users, "Accounts not deleted.");
    c.def_readonly("registrations", &users_analytics::registrations, "Accounts created in the range.");
    c.def_readonly("active_users", &users_analytics::active_users, "Active now and signed in in the range.");
    c.def_readonly("by_status", &users_analytics::by_status, "total_users by status (a dict).");
    c.def_readonly("by_role", &users_analytics::by_role, "total_users by role (a dict).");
    c.def_readonly("by_department", &users_analytics::by_department, "total_users by department (a dict).");
    c.def_readonly("by_region", &users_analytics::by_region, "total_users by region (a dict).");
    c.def_readonly("days", &users_analytics::days, "UsersDays (a list).");
    c.def("__repr__", [](const users_analytics& a) {
      return repr_builder("UsersAnalytics")
          .add("total_users", py::int_(a.total_users))
          .add("active_users", py::int_(a.active_users)).str();
    });
  }
  {
    py::class_<market_figures> c(m, "MarketFigures", "A region's market over a local day or the range. Read-only.");
    prop(c, "volume_kwh", [](const market_figures& f) { return to_py(f.volume); }, "Decimal kWh traded.");
    c.def_readonly("trade_count", &market_figures::trade_count, "Trades.");
    prop(c, "vwap", [](const market_figures& f) { return to_py(f.vwap); }, "Volume-weighted average price, or None.");
    prop(c, "high", [](const market_figures& f) { return to_py(f.high); }, "The highest trade price, or None.");
    prop(c, "low", [](const market_figures& f) { return to_py(f.low); }, "The lowest trade price, or None.");
    c.def_readonly("slots_closed", &market_figures::slots_closed, "Slots whose gate closed.");
    prop(c, "mean_clearing_price", [](const market_figures& f) { return to_py(f.mean_clearing_price); },
         "The mean clearing price of the auctions that cleared, or None.");
    c.def_readonly("cleared_slots", &market_figures::cleared_slots, "Auctions that cleared.");
    prop(c, "mean_spread_at_gate", [](const market_figures& f) { return to_py(f.mean_spread_at_gate); },
         "The mean best ask - best bid at gate closure, or None.");
    c.def_readonly("spread_slots", &market_figures::spread_slots, "Closed slots with both a bid and an ask.");
    c.def_readonly("participants", &market_figures::participants, "Distinct buyers and sellers.");
    c.def("__repr__", [](const market_figures& f) {
      return repr_builder("MarketFigures").add("volume_kwh", to_py(f.volume)).add("vwap", to_py(f.vwap)).str();
    });
  }
  {
    py::class_<market_day> c(m, "MarketDay", "One local day of MarketAnalytics. Read-only.");
    prop(c, "date", [](const market_day& d) { return to_py_date(d.date); }, "The local date of the slots' start.");
    c.def_readonly("figures", &market_day::figures, "Its MarketFigures.");
    c.def("__repr__", [](const market_day& d) {
      return repr_builder("MarketDay")
          .add("date", to_py_date(d.date)).str();
    });
  }
  {
    py::class_<market_analytics> c(m, "MarketAnalytics", "Analytics.market's answer. Read-only.");
    header_props(c);
    c.def_readonly("days", &market_analytics::days, "MarketDays (a list).");
    c.def_readonly("total", &market_analytics::total, "MarketFigures of the whole range.");
    c.def("__repr__", [](const market_analytics& a) {
      return repr_builder("MarketAnalytics")
          .add("region", py::str(a.header.region))
          .add("volume_kwh", to_py(a.total.volume)).str();
    });
  }
  {
    py::class_<financial_figures> c(m, "FinancialFigures",
        "Money of a period or of the range (Decimal currency). Read-only.");
    prop(c, "spend", [](const financial_figures& f) { return to_py(f.spend); }, "P2P purchases.");
    prop(c, "earnings", [](const financial_figures& f) { return to_py(f.earnings); }, "P2P sales.");
    prop(c, "fees", [](const financial_figures& f) { return to_py(f.fees); }, "Market fees.");
    prop(c, "imbalance", [](const financial_figures& f) { return to_py(f.imbalance); },
         "Imbalance charges less refunds (a cost positive).");
    prop(c, "net", [](const financial_figures& f) { return to_py(f.net); }, "earnings - spend - fees - imbalance.");
    prop(c, "invoiced", [](const financial_figures& f) { return to_py(f.invoiced); },
         "Invoices issued (void left out).");
    prop(c, "paid", [](const financial_figures& f) { return to_py(f.paid); }, "Payments received.");
    prop(c, "outstanding", [](const financial_figures& f) { return to_py(f.outstanding); },
         "Still due now on the invoices issued.");
    c.def("__repr__", [](const financial_figures& f) {
      return repr_builder("FinancialFigures").add("net", to_py(f.net)).add("invoiced", to_py(f.invoiced)).str();
    });
  }
  {
    py::class_<financial_period> c(m, "FinancialPeriod", "One period of FinancialAnalytics. Read-only.");
    c.def_readonly("period", &financial_period::period, "\"YYYY-MM\" or \"YYYY-MM-DD\".");
    prop(c, "start", [](const financial_period& p) { return to_py(p.start); },
         "Its start (UTC), clipped to the range.");
    prop(c, "end", [](const financial_period& p) { return to_py(p.end); }, "Its end (UTC), clipped to the range.");
    c.def_readonly("figures", &financial_period::figures, "Its FinancialFigures.");
    c.def("__repr__", [](const financial_period& p) {
      return repr_builder("FinancialPeriod")
          .add("period", py::str(p.period)).str();
    });
  }
  {
    py::class_<financial_analytics> c(m, "FinancialAnalytics", "Analytics.financial's answer. Read-only.");
    header_props(c);
    prop(c, "group_by", [](const financial_analytics& a) { return py::str(std::string(to_string(a.group_by))); },
         "\"month\" or \"day\".");
    c.def_readonly("periods", &financial_analytics::periods, "FinancialPeriods (a list).");
    c.def_readonly("total", &financial_analytics::total, "FinancialFigures of the whole range.");
    c.def("__repr__", [](const financial_analytics& a) {
      return repr_builder("FinancialAnalytics")
          .add("region", py::str(a.header.region))
          .add("net", to_py(a.total.net)).str();
    });
  }
}

constexpr const char* range_doc =
    " ``from_`` and ``to`` are local dates of the region (datetime.date or \"YYYY-MM-DD\"), both "
    "included (default: the 30 days ending with the region's today; at most 366 days). ``region`` "
    "defaults to the caller's. Raises Unauthorized, Forbidden (another region; API keys), NotFound "
    "(region), ValidationError naming region, from_ or to.";

}  // namespace

void register_analytics(py::module_& m) {
  register_values(m);
  using opt_str = std::optional<std::string>;
  py::class_<py_analytics>(m, "Analytics",
                           "The analytics of Grid.analytics: energy, trading, users, market and financial "
                           "reports per local day of a region (docs/analytics.md).")
      .def(
          "energy",
          [](const py_analytics& s, const principal& who, const opt_str& region, const py::object& from,
             const py::object& to) {
            const auto q = query_from_py(region, from, to);
            return with_analytics(s, [&](analytics_service& a) { return a.energy(who, q); });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(),
          (std::string("EnergyAnalytics: a user's own meters, or the region's with analytics:operate.") + range_doc)
              .c_str())
      .def(
          "trading",
          [](const py_analytics& s, const principal& who, const opt_str& region, const py::object& from,
             const py::object& to) {
            const auto q = query_from_py(region, from, to);
            return with_analytics(s, [&](analytics_service& a) { return a.trading(who, q); });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(),
          (std::string("TradingAnalytics: a user's own trades, or the region's with analytics:operate.") + range_doc)
              .c_str())
      .def(
          "users",
          [](const py_analytics& s, const principal& who, const opt_str& region, const py::object& from,
             const py::object& to) {
            const auto q = query_from_py(region, from, to);
            return with_analytics(s, [&](analytics_service& a) { return a.users(who, q); });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(),
          (std::string("UsersAnalytics (analytics:operate only; without region, every region in scope).") +
           range_doc)
              .c_str())
      .def(
          "market",
          [](const py_analytics& s, const principal& who, const opt_str& region, const py::object& from,
             const py::object& to) {
            const auto q = query_from_py(region, from, to);
            return with_analytics(s, [&](analytics_service& a) { return a.market(who, q); });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(),
          (std::string("MarketAnalytics of a region: its users and analytics:operate.") + range_doc).c_str())
      .def(
          "financial",
          [](const py_analytics& s, const principal& who, const opt_str& region, const py::object& from,
             const py::object& to, const std::string& group_by) {
            const auto q = query_from_py(region, from, to);
            const auto g = unwrap(parse_analytics_grouping(group_by, "group_by"));
            return with_analytics(s, [&](analytics_service& a) { return a.financial(who, q, g); });
          },
          py::arg("principal"), py::arg("region") = py::none(), py::kw_only(), py::arg("from_") = py::none(),
          py::arg("to") = py::none(), py::arg("group_by") = "month",
          (std::string("FinancialAnalytics per \"month\" or \"day\" (group_by): a user's own, or the region's "
                       "with analytics:operate.") +
           range_doc)
              .c_str());

  add_grid_service<py_analytics>(m, "analytics", "The Analytics service (energy, trading, users, market, financial).");
}

}  // namespace segs::python
