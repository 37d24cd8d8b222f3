// segs.Market (Grid.market): orders, market data, gates, settlement and
// events, plus the read-only value types the market answers.
//
// At the edge, prices are decimal.Decimal currency per kWh and quantities
// Decimal kWh; inputs may also be int, float (through its shortest repr) or
// str, and are converted exactly: a value off the micro-unit or not a whole Wh
// is the library's ValidationError naming the argument, never a rounding.
// Enums are their wire names as str, like User.status.
#include "common.hpp"
#include "event_stream.hpp"

#include <segs/rest.hpp>
#include "page.hpp"
#include "grid.hpp"

#include <pybind11/gil_safe_call_once.h>

#include <Python.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace segs::python {

namespace {

struct py_market {
  holder_ptr holder;
};

// The library's errors name C++ members (quantity, price, slot_length,
// fee_ppm, ...); this package's callers wrote keywords (quantity_kwh,
// slot_minutes, fee_percent, ...), the REST API's names: errors are raised
// in their words, through the REST layer's one table.
segs::error in_python_words(segs::error e) { return segs::rest::in_wire_words(std::move(e)); }

template <class T>
result<T> in_python_words(result<T>&& r) {
  if (!r) return in_python_words(r.error());
  return std::move(r);
}

template <class Fn>
auto with_market(const py_market& s, Fn&& fn) {
  return with_service(*s.holder, [](segs::grid& g) -> market_service& { return g.market(); },
                      [&](market_service& mk) { return in_python_words(fn(mk)); });
}

// --- conversion -------------------------------------------------------------------
// (money and energy: common.hpp)

template <class E>
py::str name_of(E v) {
  return py::str(std::string(to_string(v)));
}

/// Minutes as a whole int (bool refused: True is not a duration).
std::chrono::minutes minutes_from_py(py::handle h, const std::string& field) {
  if (py::isinstance<py::bool_>(h) || !py::isinstance<py::int_>(h))
    throw py::type_error(field + " must be an int (minutes)");
  return std::chrono::minutes(h.cast<std::int64_t>());
}

/// fee_percent is a percent at the edge (0.5 = 0.5 %); the library keeps
/// millionths of the amount.
constexpr int percent_scale = 4;


// --- order specs ------------------------------------------------------------------

struct spec_args {
  py::object side;
  py::object quantity_kwh;
  py::object price_per_kwh = py::none();
  py::object order_type = py::str("limit");
  py::object time_in_force = py::str("gtc");
  py::object post_only = py::bool_(false);
  py::object delivery_slot;
  py::object region = py::none();
};

order_spec make_spec(const spec_args& a) {
  order_spec s;
  s.side = unwrap(parse_side(str_from_py(a.side, "side")));
  s.type = unwrap(parse_order_type(str_from_py(a.order_type, "order_type")));
  s.quantity = energy_from_py(a.quantity_kwh, "quantity_kwh");
  s.price = opt_money_from_py(a.price_per_kwh, "price_per_kwh");
  s.tif = unwrap(parse_time_in_force(str_from_py(a.time_in_force, "time_in_force")));
  if (!py::isinstance<py::bool_>(a.post_only)) throw py::type_error("post_only must be a bool");
  s.post_only = a.post_only.cast<bool>();
  s.delivery_slot = timestamp_from_py(a.delivery_slot, "delivery_slot");
  if (!a.region.is_none()) s.region = str_from_py(a.region, "region");
  return s;
}

/// One order of submit_many: a mapping with submit()'s keyword arguments.
order_spec spec_from_mapping(py::handle item, std::size_t index) {
  const auto where = "orders[" + std::to_string(index) + "]";
  if (!is_mapping(item)) throw py::type_error(where + " must be a mapping (e.g. a dict)");
  spec_args a;
  bool has_side = false, has_quantity = false, has_slot = false;
  for (auto kv : item.attr("items")()) {
    auto pair = py::reinterpret_borrow<py::tuple>(kv);
    if (!py::isinstance<py::str>(pair[0]))
      throw py::type_error(where + " has a key that is not a str");
    const auto key = pair[0].cast<std::string>();
    py::object v = pair[1];
    if (key == "side") {
      a.side = v;
      has_side = true;
    } else if (key == "quantity_kwh") {
      a.quantity_kwh = v;
      has_quantity = true;
    } else if (key == "price_per_kwh") {
      a.price_per_kwh = v;
    } else if (key == "order_type") {
      a.order_type = v;
    } else if (key == "time_in_force") {
      a.time_in_force = v;
    } else if (key == "post_only") {
      a.post_only = v;
    } else if (key == "delivery_slot") {
      a.delivery_slot = v;
      has_slot = true;
    } else if (key == "region") {
      a.region = v;
    } else {
      throw py::type_error(where + " has an unknown key '" + key + "'");
    }
  }
  if (!has_side) raise_error(errc::validation_error, "side is required", "side");
  if (!has_quantity)
    raise_error(errc::validation_error, "quantity_kwh is required", "quantity_kwh");
  if (!has_slot) raise_error(errc::validation_error, "delivery_slot is required", "delivery_slot");
  return make_spec(a);
}

/// The Python exception object for `e`, not raised.
py::object exception_for(const segs::error& e) {
  try {
    raise_error(e);
  } catch (py::error_already_set& pending) {
    return pending.value();
  }
}

bool is_segs_error(py::error_already_set& e) {
  return e.matches(py::module_::import("segs._segs").attr("Error"));
}

// --- settlement input ---------------------------------------------------------------

std::vector<delivery> deliveries_from_py(const py::object& in) {
  if (py::isinstance<py::str>(in)) throw py::type_error("deliveries must be a sequence, not a str");
  // {user_id: kwh} is the same as [(user_id, kwh), ...].
  py::object items = is_mapping(in) ? in.attr("items")() : in;
  std::vector<delivery> out;
  std::size_t i = 0;
  for (auto item : items) {
    const auto field = "deliveries[" + std::to_string(i++) + "]";
    const auto user_field = field + ".user_id";
    const auto kwh_field = field + ".delivered_kwh";
    py::object user, kwh;
    if (is_mapping(item)) {
      if (!item.attr("__contains__")("user_id").cast<bool>())
        raise_error(errc::validation_error, user_field + " is required", user_field);
      if (!item.attr("__contains__")("delivered_kwh").cast<bool>())
        raise_error(errc::validation_error, kwh_field + " is required", kwh_field);
      user = item["user_id"];
      kwh = item["delivered_kwh"];
    } else if (py::isinstance<py::tuple>(item) || py::isinstance<py::list>(item)) {
      auto seq = py::reinterpret_borrow<py::sequence>(item);
      if (seq.size() != 2)
        throw py::type_error(field + " must be a (user_id, delivered_kwh) pair or a mapping");
      user = seq[0];
      kwh = seq[1];
    } else {
      throw py::type_error(field + " must be a (user_id, delivered_kwh) pair or a mapping");
    }
    out.push_back({uuid_from_py(user, user_field.c_str()), energy_from_py(kwh, kwh_field)});
  }
  return out;
}

// --- settings input -------------------------------------------------------------------

market_settings_update settings_update_from_py(const py::dict& kw) {
  market_settings_update u;
  for (auto kv : kw) {
    const auto key = kv.first.cast<std::string>();
    py::handle v = kv.second;
    if (key == "mechanism") {
      u.mechanism = unwrap(parse_mechanism(str_from_py(v, key)));
    } else if (key == "slot_minutes") {
      u.slot_length = minutes_from_py(v, key);
    } else if (key == "open_minutes_ahead") {
      u.open_ahead = minutes_from_py(v, key);
    } else if (key == "gate_closure_minutes") {
      u.gate_closure = minutes_from_py(v, key);
    } else if (key == "tick") {
      u.tick = money_from_py(v, key);
    } else if (key == "fee_per_kwh") {
      u.fee_per_kwh = money_from_py(v, key);
    } else if (key == "fee_percent") {
      u.fee_ppm = units_from_py(v, percent_scale, key);
    } else if (key == "imbalance_price_per_kwh") {
      // None asks for the default back (the slot's highest trade price).
      u.imbalance_price = opt_money_from_py(v, key);
    } else if (key == "self_trade_prevention") {
      u.stp = unwrap(parse_self_trade_prevention(str_from_py(v, key)));
    } else {
      throw py::type_error("configure() got an unexpected keyword argument '" + key + "'");
    }
  }
  return u;
}

// --- events -----------------------------------------------------------------------------

std::string_view kind_name(market_event::kind k) {
  switch (k) {
    case market_event::kind::order: return "order";
    case market_event::kind::trade: return "trade";
    case market_event::kind::book: return "book";
    case market_event::kind::clearing: return "clearing";
    case market_event::kind::settlement: return "settlement";
  }
  return "order";
}

/// The hub's names for the market events a Python caller asks for by type
/// ("order", "trade", "book", "clearing"; none: all of them).
/// An empty list is refused: the hub reads no names as every event, "mail"
/// included, and a queue that receives mail takes it from the outbox.
std::vector<std::string> event_names_from_py(const py::object& types) {
  if (types.is_none()) return {"market."};
  std::vector<std::string> names;
  for (const auto& s : strings_from_py(types, "types")) {
    bool known = false;
    for (auto k : {market_event::kind::order, market_event::kind::trade, market_event::kind::book,
                   market_event::kind::clearing, market_event::kind::settlement})
      if (kind_name(k) == s) {
        names.push_back("market." + std::string(s));
        known = true;
      }
    if (!known)
      raise_error(errc::validation_error, "types must name order, trade, book, clearing or settlement",
                  "types");
  }
  if (names.empty())
    raise_error(errc::validation_error, "types must name order, trade, book or clearing",
                "types");
  return names;
}

struct py_market_subscription {
  // Held here too, so that the market dropping its copy (under its own lock)
  // is never the last reference: the callable is released with the GIL held.
  std::shared_ptr<py_callback> cb;
  std::shared_ptr<segs::grid> grid;
  subscription sub;

  py_market_subscription() = default;
  py_market_subscription(const py_market_subscription&) = delete;
  py_market_subscription& operator=(const py_market_subscription&) = delete;
  py_market_subscription(py_market_subscription&&) = default;
  py_market_subscription& operator=(py_market_subscription&&) = default;
  ~py_market_subscription() { close(); }

  void close() {
    auto s = std::move(sub);
    auto g = std::move(grid);
    without_gil([&] {
      s.reset();
      g.reset();
    });
    cb.reset();
  }
};

}  // namespace

void register_market(py::module_& m) {
  // --- value types ------------------------------------------------------------------------
  py::class_<order_fill>(m, "OrderFill",
                         "A fill as the order that caused or suffered it sees it. Read-only.")
      .def_property_readonly(
          "id", [](const order_fill& f) { return to_py(f.id); }, "The trade's id (uuid.UUID).")
      .def_property_readonly(
          "price_per_kwh", [](const order_fill& f) { return to_py(f.price); },
          "Decimal currency per kWh.")
      .def_property_readonly(
          "quantity_kwh", [](const order_fill& f) { return to_py(f.quantity); }, "Decimal kWh.")
      .def_property_readonly(
          "executed_at", [](const order_fill& f) { return to_py(f.executed_at); },
          "Aware UTC datetime.")
      .def("__repr__", [](const order_fill& f) {
        return repr_builder("OrderFill")
            .add("price_per_kwh", to_py(f.price))
            .add("quantity_kwh", to_py(f.quantity))
            .add("executed_at", to_py(f.executed_at))
            .str();
      });

  py::class_<order>(m, "Order", "An order as its owner sees it. Read-only.")
      .def_property_readonly(
          "id", [](const order& o) { return to_py(o.id); }, "uuid.UUID")
      .def_property_readonly(
          "user_id", [](const order& o) { return to_py(o.user_id); }, "The owner (uuid.UUID).")
      .def_readonly("region", &order::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const order& o) { return to_py(o.delivery_slot); },
          "The delivery slot's start (aware UTC datetime).")
      .def_property_readonly(
          "side", [](const order& o) { return name_of(o.side); }, "\"buy\" or \"sell\".")
      .def_property_readonly(
          "order_type", [](const order& o) { return name_of(o.type); },
          "\"limit\" or \"market\".")
      .def_property_readonly(
          "quantity_kwh", [](const order& o) { return to_py(o.quantity); },
          "Decimal kWh as submitted or last modified (filled + remaining).")
      .def_property_readonly(
          "price_per_kwh", [](const order& o) { return to_py(o.price); },
          "Decimal currency per kWh; None for market orders.")
      .def_property_readonly(
          "time_in_force", [](const order& o) { return name_of(o.tif); },
          "\"gtc\" (good till gate closure), \"ioc\" or \"fok\".")
      .def_readonly("post_only", &order::post_only, "Refused rather than crossing?")
      .def_property_readonly(
          "status", [](const order& o) { return name_of(o.status); },
          "\"open\", \"partially_filled\", \"filled\", \"cancelled\" or \"expired\".")
      .def_property_readonly(
          "filled_kwh", [](const order& o) { return to_py(o.filled); }, "Decimal kWh filled.")
      .def_property_readonly(
          "remaining_kwh", [](const order& o) { return to_py(o.remaining); },
          "Decimal kWh still open (0 once filled, cancelled or expired).")
      .def_property_readonly(
          "created_at", [](const order& o) { return to_py(o.created_at); }, "Aware UTC datetime.")
      .def_property_readonly(
          "updated_at", [](const order& o) { return to_py(o.updated_at); }, "Aware UTC datetime.")
      .def_readonly("trades", &order::trades,
                    "In answers to submit and modify: the fills the call caused (a list of "
                    "OrderFill); empty elsewhere.")
      .def("__repr__", [](const order& o) {
        return repr_builder("Order")
            .add("id", to_py(o.id))
            .add("side", name_of(o.side))
            .add("quantity_kwh", to_py(o.quantity))
            .add("price_per_kwh", to_py(o.price))
            .add("status", name_of(o.status))
            .add("filled_kwh", to_py(o.filled))
            .str();
      });

  py::class_<book_level>(m, "BookLevel", "One aggregated price level of a book. Read-only.")
      .def_property_readonly(
          "price_per_kwh", [](const book_level& l) { return to_py(l.price); },
          "Decimal currency per kWh.")
      .def_property_readonly(
          "quantity_kwh", [](const book_level& l) { return to_py(l.quantity); },
          "Decimal kWh open at this price.")
      .def_readonly("orders", &book_level::orders, "Number of orders at this price.")
      .def("__repr__", [](const book_level& l) {
        return repr_builder("BookLevel")
            .add("price_per_kwh", to_py(l.price))
            .add("quantity_kwh", to_py(l.quantity))
            .add("orders", py::int_(l.orders))
            .str();
      });

  py::class_<order_book>(m, "OrderBook",
                         "Aggregated depth of one slot's book. In an epoch market: the orders "
                         "collected so far (they may cross before the auction). Read-only.")
      .def_readonly("region", &order_book::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const order_book& b) { return to_py(b.delivery_slot); },
          "Aware UTC datetime.")
      .def_readonly("bids", &order_book::bids, "BookLevels, best (highest) first.")
      .def_readonly("asks", &order_book::asks, "BookLevels, best (lowest) first.")
      .def_readonly("sequence", &order_book::sequence,
                    "Grows with every change to the slot's book (orders snapshots and events).")
      .def("__repr__", [](const order_book& b) {
        return repr_builder("OrderBook")
            .add("region", py::str(b.region))
            .add("delivery_slot", to_py(b.delivery_slot))
            .add("bids", py::int_(b.bids.size()))
            .add("asks", py::int_(b.asks.size()))
            .add("sequence", py::int_(b.sequence))
            .str();
      });

  py::class_<market_stats>(m, "MarketStats",
                           "Market data of one slot; None where there is none. Read-only.")
      .def_readonly("region", &market_stats::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const market_stats& s) { return to_py(s.delivery_slot); },
          "Aware UTC datetime.")
      .def_property_readonly(
          "mechanism", [](const market_stats& s) { return name_of(s.mechanism); },
          "\"continuous\" or \"epoch\".")
      .def_property_readonly(
          "best_bid", [](const market_stats& s) { return to_py(s.best_bid); },
          "Highest open buy price (Decimal), or None.")
      .def_property_readonly(
          "best_ask", [](const market_stats& s) { return to_py(s.best_ask); },
          "Lowest open sell price (Decimal), or None.")
      .def_property_readonly(
          "last_price", [](const market_stats& s) { return to_py(s.last_price); },
          "Price of the last trade (Decimal), or None.")
      .def_property_readonly(
          "volume_kwh", [](const market_stats& s) { return to_py(s.volume); },
          "Decimal kWh traded.")
      .def_property_readonly(
          "vwap", [](const market_stats& s) { return to_py(s.vwap); },
          "Volume-weighted average price (Decimal), or None.")
      .def_property_readonly(
          "open", [](const market_stats& s) { return to_py(s.open); },
          "First trade price (Decimal), or None.")
      .def_property_readonly(
          "high", [](const market_stats& s) { return to_py(s.high); },
          "Highest trade price (Decimal), or None.")
      .def_property_readonly(
          "low", [](const market_stats& s) { return to_py(s.low); },
          "Lowest trade price (Decimal), or None.")
      .def_property_readonly(
          "close", [](const market_stats& s) { return to_py(s.close); },
          "Last trade price (Decimal), or None.")
      .def_readonly("trade_count", &market_stats::trade_count, "Number of trades.")
      .def_property_readonly(
          "clearing_price", [](const market_stats& s) { return to_py(s.clearing_price); },
          "Epoch markets, once cleared: the uniform price (Decimal), else None.")
      .def_property_readonly(
          "cleared_kwh", [](const market_stats& s) { return to_py(s.cleared); },
          "Epoch markets, once cleared: the energy matched (Decimal kWh), else None.")
      .def("__repr__", [](const market_stats& s) {
        return repr_builder("MarketStats")
            .add("region", py::str(s.region))
            .add("delivery_slot", to_py(s.delivery_slot))
            .add("mechanism", name_of(s.mechanism))
            .add("volume_kwh", to_py(s.volume))
            .add("trade_count", py::int_(s.trade_count))
            .add("clearing_price", to_py(s.clearing_price))
            .str();
      });

  py::class_<user_trade>(m, "UserTrade", "A trade as one of its parties sees it. Read-only.")
      .def_property_readonly(
          "id", [](const user_trade& t) { return to_py(t.id); }, "uuid.UUID")
      .def_readonly("region", &user_trade::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const user_trade& t) { return to_py(t.delivery_slot); },
          "Aware UTC datetime.")
      .def_property_readonly(
          "side", [](const user_trade& t) { return name_of(t.side); },
          "The caller's side: \"buy\" or \"sell\".")
      .def_property_readonly(
          "price_per_kwh", [](const user_trade& t) { return to_py(t.price); },
          "Decimal currency per kWh.")
      .def_property_readonly(
          "quantity_kwh", [](const user_trade& t) { return to_py(t.quantity); }, "Decimal kWh.")
      .def_property_readonly(
          "fee", [](const user_trade& t) { return to_py(t.fee); },
          "The caller's fee for this trade (Decimal currency).")
      .def_property_readonly(
          "order_id", [](const user_trade& t) { return to_py(t.order_id); },
          "The caller's order (uuid.UUID).")
      .def_property_readonly(
          "executed_at", [](const user_trade& t) { return to_py(t.executed_at); },
          "Aware UTC datetime.")
      .def("__repr__", [](const user_trade& t) {
        return repr_builder("UserTrade")
            .add("id", to_py(t.id))
            .add("side", name_of(t.side))
            .add("price_per_kwh", to_py(t.price))
            .add("quantity_kwh", to_py(t.quantity))
            .str();
      });

  py::class_<public_trade>(m, "PublicTrade",
                           "A trade on the public tape: no user ids; order ids only for the "
                           "caller's own orders. Read-only.")
      .def_property_readonly(
          "id", [](const public_trade& t) { return to_py(t.id); }, "uuid.UUID")
      .def_property_readonly(
          "price_per_kwh", [](const public_trade& t) { return to_py(t.price); },
          "Decimal currency per kWh.")
      .def_property_readonly(
          "quantity_kwh", [](const public_trade& t) { return to_py(t.quantity); }, "Decimal kWh.")
      .def_property_readonly(
          "buy_order_id", [](const public_trade& t) { return to_py(t.buy_order_id); },
          "The buy order (uuid.UUID) when it is the caller's (events: always), else None.")
      .def_property_readonly(
          "sell_order_id", [](const public_trade& t) { return to_py(t.sell_order_id); },
          "The sell order (uuid.UUID) when it is the caller's (events: always), else None.")
      .def_property_readonly(
          "executed_at", [](const public_trade& t) { return to_py(t.executed_at); },
          "Aware UTC datetime.")
      .def("__repr__", [](const public_trade& t) {
        return repr_builder("PublicTrade")
            .add("id", to_py(t.id))
            .add("price_per_kwh", to_py(t.price))
            .add("quantity_kwh", to_py(t.quantity))
            .str();
      });

  py::class_<clearing_result>(m, "ClearingResult", "What closing a slot's gate did. Read-only.")
      .def_readonly("region", &clearing_result::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const clearing_result& c) { return to_py(c.delivery_slot); },
          "Aware UTC datetime.")
      .def_property_readonly(
          "mechanism", [](const clearing_result& c) { return name_of(c.mechanism); },
          "\"continuous\" or \"epoch\".")
      .def_property_readonly(
          "clearing_price", [](const clearing_result& c) { return to_py(c.clearing_price); },
          "Epoch: the uniform price (Decimal); None in continuous markets and when the "
          "auction did not clear.")
      .def_property_readonly(
          "cleared_kwh", [](const clearing_result& c) { return to_py(c.cleared); },
          "Decimal kWh traded by the auction (0 in continuous markets).")
      .def_readonly("trades", &clearing_result::trades,
                    "The auction's trades (a list of PublicTrade).")
      .def_property_readonly(
          "closed_at", [](const clearing_result& c) { return to_py(c.closed_at); },
          "When the gate closed (aware UTC datetime).")
      .def("__repr__", [](const clearing_result& c) {
        return repr_builder("ClearingResult")
            .add("region", py::str(c.region))
            .add("delivery_slot", to_py(c.delivery_slot))
            .add("mechanism", name_of(c.mechanism))
            .add("clearing_price", to_py(c.clearing_price))
            .add("cleared_kwh", to_py(c.cleared))
            .str();
      });

  py::class_<ledger_entry>(m, "LedgerEntry",
                           "One settlement entry; amounts are signed from the account's side "
                           "(a debit is negative). Read-only.")
      .def_property_readonly(
          "user_id", [](const ledger_entry& e) { return to_py(e.user_id); },
          "The account's user (uuid.UUID); None for the grid operator's account.")
      .def_property_readonly(
          "kind", [](const ledger_entry& e) { return name_of(e.kind); },
          "\"trade_debit\", \"trade_credit\", \"fee\", \"imbalance_charge\" or "
          "\"imbalance_refund\".")
      .def_property_readonly(
          "energy_kwh", [](const ledger_entry& e) { return to_py(e.quantity); },
          "Decimal kWh the entry is for.")
      .def_property_readonly(
          "amount", [](const ledger_entry& e) { return to_py(e.amount); },
          "Signed Decimal currency.")
      .def("__repr__", [](const ledger_entry& e) {
        return repr_builder("LedgerEntry")
            .add("user_id", to_py(e.user_id))
            .add("kind", name_of(e.kind))
            .add("energy_kwh", to_py(e.quantity))
            .add("amount", to_py(e.amount))
            .str();
      });

  py::class_<settlement>(m, "Settlement", "The settlement of one delivery slot. Read-only.")
      .def_readonly("region", &settlement::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const settlement& s) { return to_py(s.delivery_slot); },
          "Aware UTC datetime.")
      .def_property_readonly(
          "settled_at", [](const settlement& s) { return to_py(s.settled_at); },
          "Aware UTC datetime.")
      .def_readonly("entries", &settlement::entries, "The ledger entries (LedgerEntry).")
      .def("__repr__", [](const settlement& s) {
        return repr_builder("Settlement")
            .add("region", py::str(s.region))
            .add("delivery_slot", to_py(s.delivery_slot))
            .add("entries", py::int_(s.entries.size()))
            .str();
      });

  py::class_<market_settings>(m, "MarketSettings",
                              "A market's rules (the names of Market.configure's arguments). "
                              "Read-only.")
      .def_property_readonly(
          "mechanism", [](const market_settings& s) { return name_of(s.mechanism); },
          "\"continuous\" or \"epoch\".")
      .def_property_readonly(
          "slot_minutes", [](const market_settings& s) { return s.slot_length.count(); },
          "Length of a delivery slot; slots are aligned to it from the Unix epoch (UTC).")
      .def_property_readonly(
          "open_minutes_ahead", [](const market_settings& s) { return s.open_ahead.count(); },
          "Trading for a slot opens this many minutes before its start.")
      .def_property_readonly(
          "gate_closure_minutes", [](const market_settings& s) { return s.gate_closure.count(); },
          "Trading for a slot closes this many minutes before its start.")
      .def_property_readonly(
          "tick", [](const market_settings& s) { return to_py(s.tick); },
          "Prices are multiples of this (Decimal currency per kWh).")
      .def_property_readonly(
          "fee_per_kwh", [](const market_settings& s) { return to_py(s.fee_per_kwh); },
          "Fee per kWh charged to each side of a trade (Decimal).")
      .def_property_readonly(
          "fee_percent",
          [](const market_settings& s) { return decimal(s.fee_ppm, percent_scale); },
          "Fee in percent of the trade's amount charged to each side (Decimal, 0.5 = 0.5 %).")
      .def_property_readonly(
          "imbalance_price_per_kwh",
          [](const market_settings& s) { return to_py(s.imbalance_price); },
          "What a seller's shortfall costs per kWh (Decimal); None: the slot's highest "
          "trade price.")
      .def_property_readonly(
          "self_trade_prevention", [](const market_settings& s) { return name_of(s.stp); },
          "\"cancel_newest\", \"cancel_oldest\" or \"cancel_both\".")
      .def("__repr__", [](const market_settings& s) {
        return repr_builder("MarketSettings")
            .add("mechanism", name_of(s.mechanism))
            .add("slot_minutes", py::int_(s.slot_length.count()))
            .add("tick", to_py(s.tick))
            .add("self_trade_prevention", name_of(s.stp))
            .str();
      });

  py::class_<market_info>(m, "MarketInfo", "A region's market. Read-only.")
      .def_readonly("region", &market_info::region, "The region.")
      .def_readonly("settings", &market_info::settings, "Its MarketSettings.")
      .def_readonly("configured", &market_info::configured,
                    "False when the region trades under the deployment defaults.")
      .def_property_readonly(
          "updated_at",
          [](const market_info& i) {
            return i.configured ? to_py(i.updated_at) : py::object(py::none());
          },
          "When the settings last changed (aware UTC datetime); None for the defaults.")
      .def("__repr__", [](const market_info& i) {
        return repr_builder("MarketInfo")
            .add("region", py::str(i.region))
            .add("configured", py::bool_(i.configured))
            .add("settings", py::cast(i.settings))
            .str();
      });

  py::class_<market_event>(m, "MarketEvent",
                           "Something that happened in a market, after it was committed. "
                           "Read-only.")
      .def_property_readonly(
          "type", [](const market_event& e) { return py::str(std::string(kind_name(e.type))); },
          "\"order\", \"trade\", \"book\", \"clearing\" or \"settlement\".")
      .def_readonly("region", &market_event::region, "The market's region.")
      .def_property_readonly(
          "delivery_slot", [](const market_event& e) { return to_py(e.delivery_slot); },
          "Aware UTC datetime.")
      .def_readonly("sequence", &market_event::sequence,
                    "Book events: the slot book's sequence after the change.")
      .def_readonly("order_update", &market_event::order_update,
                    "Order events: the order's new state (an Order without trades), else None.")
      .def_readonly("trade", &market_event::trade,
                    "Trade events: the PublicTrade (both order ids set), else None.")
      .def_readonly("clearing", &market_event::clearing,
                    "Clearing events: the ClearingResult (without trades), else None.")
      .def_readonly("settled", &market_event::settled,
                    "Settlement events: the Settlement, else None.")
      .def("__repr__", [](const market_event& e) {
        return repr_builder("MarketEvent")
            .add("type", py::str(std::string(kind_name(e.type))))
            .add("region", py::str(e.region))
            .add("delivery_slot", to_py(e.delivery_slot))
            .add("sequence", py::int_(e.sequence))
            .str();
      });

  // --- event streams ------------------------------------------------------------------------
  register_event_stream<market_event>(
      m, "MarketEvents",
      "A stream of MarketEvents from Market.events(): an iterator over a thread-safe "
      "queue the market fills after each commit. Iteration blocks with the GIL released "
      "until an event arrives, the stream's timeout passes (the loop then ends; iterate "
      "again later) or the stream (or its grid) is closed. Use it as a context manager, or "
      "close() it: an open stream keeps its grid's storage open and collects events.",
      "event");

  py::class_<py_market_subscription>(
      m, "MarketSubscription",
      "A callback installed by Market.subscribe. Use it as a context manager, or close() "
      "it: until then it keeps its grid's storage open.")
      .def_property_readonly(
          "closed", [](const py_market_subscription& s) { return !s.cb; },
          "True after close().")
      .def(
          "close", [](py_market_subscription& s) { s.close(); },
          "Stops calling the callback. Idempotent.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](py_market_subscription& s, const py::object&, const py::object&, const py::object&) {
            s.close();
          },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"));

  // --- the service ------------------------------------------------------------------------------
  using opt_str = std::optional<std::string>;
  py::class_<py_market>(
      m, "Market",
      "The energy market: one per region, orders for delivery slots, continuous matching "
      "or epoch clearing, market data, settlement and events. Obtained from Grid.market; "
      "keeps its grid alive. Thread-safe; the GIL is released during every call.\n\n"
      "Prices are Decimal currency per kWh and quantities Decimal kWh (int, float and "
      "str are accepted and converted exactly: a price off the micro-unit or a quantity "
      "that is not a whole Wh raises ValidationError naming the argument). Delivery "
      "slots are timezone-aware datetimes of the slot's start. Enums are str. Nothing "
      "runs in the background: close_due_gates() closes slots whose gate has passed "
      "(hosts call it on a timer, simulations after moving a ManualClock).")
      .def(
          "submit",
          [](const py_market& s, const principal& who, py::object side, py::object quantity_kwh,
             py::object price_per_kwh, py::object order_type, py::object time_in_force,
             py::object post_only, py::object delivery_slot, py::object region) {
            spec_args a;
            a.side = std::move(side);
            a.quantity_kwh = std::move(quantity_kwh);
            a.price_per_kwh = std::move(price_per_kwh);
            a.order_type = std::move(order_type);
            a.time_in_force = std::move(time_in_force);
            a.post_only = std::move(post_only);
            a.delivery_slot = std::move(delivery_slot);
            a.region = std::move(region);
            auto spec = make_spec(a);
            return with_market(s, [&](market_service& mk) { return mk.submit(who, spec); });
          },
          py::arg("principal"), py::kw_only(), py::arg("side"), py::arg("quantity_kwh"),
          py::arg("price_per_kwh") = py::none(), py::arg("order_type") = "limit",
          py::arg("time_in_force") = "gtc", py::arg("post_only") = false,
          py::arg("delivery_slot"), py::arg("region") = py::none(),
          "Places an order (``side`` \"buy\" or \"sell\"; ``order_type`` \"limit\" with "
          "a price or \"market\" without; ``time_in_force`` \"gtc\", \"ioc\" or \"fok\") "
          "in the caller's region's market and answers the Order with the fills it "
          "caused. An order that can neither fill nor rest is answered \"cancelled\". "
          "Raises ValidationError naming the field (quantity_kwh, price_per_kwh, "
          "delivery_slot: misaligned, not open yet or past its gate), Forbidden (buying "
          "needs trade:buy, selling trade:sell) or Conflict (post_only that would cross).")
      .def(
          "submit_many",
          [](const py_market& s, const principal& who, const py::object& orders) {
            if (py::isinstance<py::str>(orders) || is_mapping(orders))
              throw py::type_error("orders must be a sequence of mappings");
            py::list out;
            std::vector<order_spec> specs;
            std::vector<std::size_t> slot_of;  // specs[k] answers out[slot_of[k]]
            std::size_t i = 0;
            for (auto item : orders) {
              try {
                specs.push_back(spec_from_mapping(item, i));
                slot_of.push_back(i);
                out.append(py::none());
              } catch (py::error_already_set& e) {
                if (!is_segs_error(e)) throw;
                out.append(e.value());
              }
              ++i;
            }
            if (specs.empty()) return out;
            auto answers =
                with_market(s, [&](market_service& mk) { return mk.submit_many(who, specs); });
            for (std::size_t k = 0; k < answers.size(); ++k) {
              auto& r = answers[k];
              out[slot_of[k]] =
                  r ? py::cast(std::move(r).value()) : exception_for(in_python_words(r.error()));
            }
            return out;
          },
          py::arg("principal"), py::arg("orders"),
          "Places several orders (mappings with submit()'s keyword arguments) in one "
          "transaction, in order. Answers a list with, for each, the Order or the "
          "segs.Error instance (not raised) that refused it; a refusal does not stop "
          "the others.")
      .def(
          "cancel",
          [](const py_market& s, const principal& who, const py::object& order_id) {
            auto id = uuid_from_py(order_id, "order_id");
            return with_market(s, [&](market_service& mk) { return mk.cancel(who, id); });
          },
          py::arg("principal"), py::arg("order_id"),
          "Cancels an open order and answers it. Raises Conflict when it is no longer "
          "open, NotFound when it is not the caller's to touch.")
      .def(
          "modify",
          [](const py_market& s, const principal& who, const py::object& order_id,
             const py::object& quantity_kwh, const py::object& price_per_kwh) {
            auto id = uuid_from_py(order_id, "order_id");
            order_change c;
            c.quantity = opt_energy_from_py(quantity_kwh, "quantity_kwh");
            c.price = opt_money_from_py(price_per_kwh, "price_per_kwh");
            return with_market(s, [&](market_service& mk) { return mk.modify(who, id, c); });
          },
          py::arg("principal"), py::arg("order_id"), py::kw_only(),
          py::arg("quantity_kwh") = py::none(), py::arg("price_per_kwh") = py::none(),
          "Changes an open order: ``quantity_kwh`` is the new OPEN quantity. Reducing it "
          "keeps time priority; raising it or changing the price loses it, and the order "
          "may then trade at once (see Order.trades). Raises Conflict when it is no "
          "longer open.")
      .def(
          "get_order",
          [](const py_market& s, const principal& who, const py::object& order_id) {
            auto id = uuid_from_py(order_id, "order_id");
            return with_market(s, [&](market_service& mk) { return mk.get_order(who, id); });
          },
          py::arg("principal"), py::arg("order_id"),
          "One order of the caller (operators: of their regions). Raises NotFound.")
      .def(
          "orders",
          [](const py_market& s, const principal& who, const opt_str& status,
             const py::object& delivery_slot, const py::object& user_id, int page, int per_page) {
            order_query q;
            if (status) q.status = unwrap(parse_order_status(*status));
            q.delivery_slot = opt_timestamp_from_py(delivery_slot, "delivery_slot");
            if (!user_id.is_none()) q.user_id = uuid_from_py(user_id, "user_id");
            q.page = page;
            q.per_page = per_page;
            return to_py_page(
                with_market(s, [&](market_service& mk) { return mk.orders(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("status") = py::none(),
          py::arg("delivery_slot") = py::none(), py::arg("user_id") = py::none(),
          py::arg("page") = 1, py::arg("per_page") = 20,
          "The caller's orders (operators and admins: ``user_id``'s), filtered by status "
          "and delivery slot; answers a Page of Order.")
      .def(
          "book",
          [](const py_market& s, const principal& who, const py::object& delivery_slot,
             opt_str region, int depth) {
            auto slot = timestamp_from_py(delivery_slot, "delivery_slot");
            return with_market(s, [&](market_service& mk) {
              return mk.book(who, slot, std::move(region), depth);
            });
          },
          py::arg("principal"), py::arg("delivery_slot"), py::kw_only(),
          py::arg("region") = py::none(), py::arg("depth") = 10,
          "The slot's aggregated depth, ``depth`` (1..1000) levels per side; ``region`` "
          "defaults to the caller's. Answers an OrderBook.")
      .def(
          "stats",
          [](const py_market& s, const principal& who, const py::object& delivery_slot,
             opt_str region) {
            auto slot = timestamp_from_py(delivery_slot, "delivery_slot");
            return with_market(
                s, [&](market_service& mk) { return mk.stats(who, slot, std::move(region)); });
          },
          py::arg("principal"), py::arg("delivery_slot"), py::kw_only(),
          py::arg("region") = py::none(),
          "The slot's market data (MarketStats): top of book, last trade, OHLCV, VWAP and, "
          "in epoch markets, the clearing price and volume.")
      .def(
          "history",
          [](const py_market& s, const principal& who, const py::object& delivery_slot, int page,
             int per_page) {
            trade_query q;
            q.delivery_slot = opt_timestamp_from_py(delivery_slot, "delivery_slot");
            q.page = page;
            q.per_page = per_page;
            return to_py_page(
                with_market(s, [&](market_service& mk) { return mk.history(who, q); }));
          },
          py::arg("principal"), py::kw_only(), py::arg("delivery_slot") = py::none(),
          py::arg("page") = 1, py::arg("per_page") = 20,
          "The caller's trades, newest first; answers a Page of UserTrade.")
      .def(
          "matches",
          [](const py_market& s, const principal& who, const py::object& delivery_slot,
             opt_str region) {
            auto slot = timestamp_from_py(delivery_slot, "delivery_slot");
            return with_market(
                s, [&](market_service& mk) { return mk.matches(who, slot, std::move(region)); });
          },
          py::arg("principal"), py::arg("delivery_slot"), py::kw_only(),
          py::arg("region") = py::none(),
          "The slot's public trade tape, oldest first (a list of PublicTrade).")
      .def(
          "clear",
          [](const py_market& s, const principal& who, const std::string& region,
             const py::object& delivery_slot, const opt_str& ip, const opt_str& user_agent) {
            auto slot = timestamp_from_py(delivery_slot, "delivery_slot");
            auto ctx = make_ctx(ip, user_agent);
            return with_market(
                s, [&](market_service& mk) { return mk.clear(who, region, slot, ctx); });
          },
          py::arg("principal"), py::arg("region"), py::arg("delivery_slot"), py::kw_only(),
          py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "Closes a slot's gate now (operators of the region, admins): its resting orders "
          "expire or, in an epoch market, its auction runs, and a market.clear audit record "
          "(with ip and user_agent, when given) is written with it. Clearing again answers "
          "the first ClearingResult.")
      .def(
          "close_due_gates",
          [](const py_market& s) {
            return with_market(s, [&](market_service& mk) { return mk.close_due_gates(); });
          },
          "Closes every slot, in every region, whose gate closure has passed by the grid's "
          "clock; answers what each closure did (ClearingResults, oldest slot first).")
      .def(
          "settle",
          [](const py_market& s, const principal& who, const std::string& region,
             const py::object& delivery_slot, const py::object& deliveries, const opt_str& ip,
             const opt_str& user_agent) {
            auto slot = timestamp_from_py(delivery_slot, "delivery_slot");
            std::optional<std::vector<delivery>> d;
            if (!deliveries.is_none()) d = deliveries_from_py(deliveries);
            auto ctx = make_ctx(ip, user_agent);
            return with_market(s, [&](market_service& mk) {
              return mk.settle(who, region, slot, std::move(d), ctx);
            });
          },
          py::arg("principal"), py::arg("region"), py::arg("delivery_slot"),
          py::arg("deliveries") = py::none(), py::kw_only(), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Settles a closed slot (operators of the region, admins) and answers the "
          "Settlement. ``deliveries``: what sellers delivered, as (user_id, delivered_kwh) "
          "pairs, mappings with those keys, or one {user_id: delivered_kwh} mapping; a "
          "seller left out delivered as traded. Without deliveries a slot whose delivery "
          "has not ended raises Conflict. Writes a market.settle audit record (with ip and "
          "user_agent, when given). Settling again answers the first settlement.")
      .def(
          "markets",
          [](const py_market& s, const principal& who) {
            return with_market(s, [&](market_service& mk) { return mk.markets(who); });
          },
          py::arg("principal"),
          "Every region's market known to the grid (a list of MarketInfo).")
      .def(
          "market",
          [](const py_market& s, const principal& who, const std::string& region) {
            return with_market(s, [&](market_service& mk) { return mk.market(who, region); });
          },
          py::arg("principal"), py::arg("region"), "One region's MarketInfo.")
      .def(
          "configure",
          [](const py_market& s, const principal& who, const std::string& region,
             const py::kwargs& settings) {
            // ip and user_agent ride with the settings' keywords: they are
            // the audit record's, not settings.
            py::dict rest;
            opt_str ip, user_agent;
            for (const auto& kv : settings) {
              const auto key = kv.first.cast<std::string>();
              if (key == "ip" || key == "user_agent") {
                auto& slot = key == "ip" ? ip : user_agent;
                if (!kv.second.is_none()) slot = kv.second.cast<std::string>();
              } else {
                rest[kv.first] = kv.second;
              }
            }
            auto u = settings_update_from_py(rest);
            auto ctx = make_ctx(ip, user_agent);
            return with_market(
                s, [&](market_service& mk) { return mk.configure(who, region, u, ctx); });
          },
          py::arg("principal"), py::arg("region"),
          "Changes a region's settings (admins); arguments left out keep their value: "
          "mechanism, slot_minutes, open_minutes_ahead, gate_closure_minutes, tick, "
          "fee_per_kwh, fee_percent, imbalance_price_per_kwh (None: the slot's highest "
          "trade price) and self_trade_prevention (see MarketSettings). Slots that "
          "already hold orders keep the settings they opened with. ``ip`` and ``user_agent`` "
          "go to the market.configure audit record written with the change. Answers the "
          "MarketInfo.")
      .def(
          "events",
          [](const py_market& s, opt_str region, const py::object& types,
             const py::object& timeout, std::size_t max_pending) {
            segs::event_filter filter;
            filter.names = event_names_from_py(types);
            filter.region = std::move(region);
            return std::make_unique<typed_event_stream<market_event>>(
                s.holder, std::move(filter), max_pending, timeout);
          },
          py::kw_only(), py::arg("region") = py::none(), py::arg("types") = py::none(),
          py::arg("timeout") = py::none(), py::arg("max_pending") = std::size_t{100'000},
          "Subscribes to events (of one ``region``, of some ``types``: \"order\", "
          "\"trade\", \"book\", \"clearing\"; default all) and answers a MarketEvents "
          "iterator. ``timeout`` (a timedelta or seconds) ends an iteration that waited "
          "that long for an event; None waits until close().")
      .def(
          "subscribe",
          [](const py_market& s, const py::object& callback) {
            if (!PyCallable_Check(callback.ptr()))
              throw py::type_error("callback must be callable");
            auto g = s.holder->get();
            py_market_subscription out;
            out.cb = std::make_shared<py_callback>();
            out.cb->fn = callback;
            {
              py::gil_scoped_release nogil;
              out.sub = g->market().subscribe([cb = out.cb](const market_event& e) {
                if (!Py_IsInitialized()) return;
                py::gil_scoped_acquire gil;
                try {
                  cb->fn(py::cast(e));
                } catch (py::error_already_set& err) {
                  // The market has committed: a failing callback must not
                  // fail the call that traded. Report it like __del__ does.
                  err.discard_as_unraisable("segs market subscriber");
                } catch (const std::exception&) {
                  // A C++ exception from a conversion: nothing sensible to do.
                }
              });
            }
            out.grid = std::move(g);
            return out;
          },
          py::arg("callback"),
          "Calls ``callback(event)`` for every MarketEvent, right after its commit, on "
          "the thread that caused it (with the GIL held), in order per region. The "
          "callback must not call the market back (it runs while the region is locked); "
          "exceptions it raises go to sys.unraisablehook. Answers a MarketSubscription.");

  add_grid_service<py_market>(m, "market", "The energy Market.");
}

}  // namespace segs::python
