// A REST fixture of one trading day in north (used by the analytics and the
// operator routes' tests). The clock starts at 2025-06-15T15:06:40Z; the
// test regions are in UTC and pay EUR. Accounts: an admin (region global),
// operators of north and south, Ada (consumer) and Bob (prosumer) of north.
// With `north_tariff`, north gets a flat 0.20 per kWh tariff from
// 2025-06-01 (export 0.05) first. Ada's meter SM_ADA_01 consumed 1.5 kWh in
// the 10:00 quarter-hour of 14 June, and Ada bought 2 kWh from Bob at 0.15
// for the 16:00 slot of 15 June.
#pragma once

#include "fixture.hpp"

#include <utility>

namespace rest_test {

struct north_day_fixture : fixture {
  segs::user ada_user, bob_user;
  auth admin, op, op_south, ada, bob;

  explicit north_day_fixture(bool north_tariff) : fixture(unlimited()) {
    namespace json = boost::json;
    make_user("root@example.org", "admin", "global");
    make_user("op@example.org", "operator", "north");
    make_user("ops@example.org", "operator", "south");
    ada_user = make_user("ada@example.org", "consumer", "north");
    bob_user = make_user("bob@example.org", "prosumer", "north");
    admin = auth{login("root@example.org"), {}};
    op = auth{login("op@example.org"), {}};
    op_south = auth{login("ops@example.org"), {}};
    ada = auth{login("ada@example.org"), {}};
    bob = auth{login("bob@example.org"), {}};

    if (north_tariff) {
      auto t = post("/api/v1/tariffs",
                    json::object{{"region", "north"},
                                 {"name", "North flat"},
                                 {"effective_from", "2025-06-01T00:00:00Z"},
                                 {"periods", json::array{json::object{{"name", "flat"}, {"price_per_kwh", 0.2}}}},
                                 {"default_period", "flat"},
                                 {"export_price_per_kwh", 0.05}},
                    admin);
      REQUIRE_MESSAGE(t.status == 201, t.body);
    }

    segs::meter_spec ms;
    ms.meter_id = "SM_ADA_01";
    ms.region = "north";
    ms.capacity_kw = segs::milli{10'000};
    ms.user_id = ada_user.id;
    REQUIRE(grid->telemetry().create_meter(segs::principal::system(), ms).has_value());
    std::vector<segs::meter_reading> rows(1);
    rows[0].meter = "SM_ADA_01";
    rows[0].values.time = *segs::parse_rfc3339("2025-06-14T10:15:00Z");
    rows[0].values.consumed = segs::energy{1500};
    REQUIRE(grid->telemetry().ingest(segs::principal::system(), rows).has_value());

    for (const auto& [who, side] : {std::pair{&bob, "sell"}, std::pair{&ada, "buy"}}) {
      auto o = post("/api/v1/trading/orders",
                    json::object{{"side", side},
                                 {"quantity_kwh", 2},
                                 {"price_per_kwh", 0.15},
                                 {"delivery_slot", "2025-06-15T16:00:00Z"}},
                    *who);
      REQUIRE_MESSAGE(o.status == 201, o.body);
    }
  }
};

}  // namespace rest_test
