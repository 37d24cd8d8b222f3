// The library's errors in the words of the REST API and the Python package.
#include <segs/rest.hpp>

#include <array>
#include <string>
#include <string_view>

namespace segs::rest {

namespace {

// The library names the C++ members in its errors (quantity, price,
// slot_length, fee_ppm, deliveries[i].delivered, ...); this API's clients
// wrote JSON fields. A refused request is answered in their words: the
// field, and the message's leading phrase, as this API always answered.
struct wire_name {
  std::string_view cpp, wire;
};
constexpr std::array<wire_name, 8> wire_fields{{
    {"quantity", "quantity_kwh"},
    {"price", "price_per_kwh"},
    {"slot_length", "slot_minutes"},
    {"open_ahead", "open_minutes_ahead"},
    {"gate_closure", "gate_closure_minutes"},
    {"fee_ppm", "fee_percent"},
    {"imbalance_price", "imbalance_price_per_kwh"},
    {"stp", "self_trade_prevention"},
}};
// Telemetry's readings: the field, and the message's leading word ("time
// must not be ..." -> "timestamp must not be ...").
constexpr std::array<wire_name, 3> reading_fields{{
    {"time", "timestamp"},
    {"consumed", "energy_consumed_kwh"},
    {"produced", "energy_produced_kwh"},
}};
// Message prefixes: the library's, then this API's (units differ for fees).
constexpr std::array<wire_name, 12> wire_messages{{
    {"quantity must be a positive whole number of Wh", "quantity_kwh must be a positive whole number of Wh"},
    {"a market order takes no price", "a market order takes no price_per_kwh"},
    {"a limit order needs a price", "a limit order needs price_per_kwh"},
    {"price must be positive", "price_per_kwh must be positive"},
    {"price must be a multiple of the tick ", "price_per_kwh must be a multiple of the tick "},
    {"give quantity and/or price", "give quantity_kwh and/or price_per_kwh"},
    {"slot_length must divide a day (1..1440 minutes, e.g. 15, 30, 60)",
     "slot_minutes must divide a day (1..1440, e.g. 15, 30, 60)"},
    {"gate_closure must be between 0 and 10080 minutes", "gate_closure_minutes must be between 0 and 10080"},
    {"open_ahead must be more than gate_closure and at most 44640 minutes (31 days)",
     "open_minutes_ahead must be more than gate_closure_minutes and at most 44640 (31 days)"},
    {"fee_ppm must be between 0 and 1000000", "fee_percent must be between 0 and 100"},
    {"imbalance_price must be positive", "imbalance_price_per_kwh must be positive"},
    {"delivered must not be negative", "delivered_kwh must not be negative"},
}};

}  // namespace

segs::error in_wire_words(segs::error e) {
  for (const auto& n : reading_fields) {
    if (e.field != n.cpp) continue;
    e.field = std::string(n.wire);
    if (e.message.starts_with(std::string(n.cpp) + " "))
      e.message = std::string(n.wire) + e.message.substr(n.cpp.size());
    return e;
  }
  for (const auto& n : wire_fields)
    if (e.field == n.cpp) e.field = std::string(n.wire);
  // deliveries[i].delivered -> deliveries[i].delivered_kwh
  constexpr std::string_view delivered = ".delivered";
  if (e.field.starts_with("deliveries[") && e.field.ends_with(delivered)) e.field += "_kwh";
  for (const auto& m : wire_messages)
    if (std::string_view(e.message).starts_with(m.cpp)) {
      e.message = std::string(m.wire) + e.message.substr(m.cpp.size());
      break;
    }
  return e;
}


}  // namespace segs::rest
