// A device registering its own meter (register_signed_meter): who may, and
// what the proof must hold.
#include "telemetry/telemetry_fixture.hpp"

#include <sodium.h>

#include <cstring>

using namespace segs_test;
using segs::errc;


TEST_CASE("telemetry: a signed registration makes the caller's meter, and is for users only") {
  telemetry_fixture f;
  device_key dev;
  segs::meter_spec spec;
  spec.meter_id = "SM_DEV_001";
  spec.capacity_kw = segs::milli{5'000};
  const std::string text = R"({"meter_id":"SM_DEV_001","capacity_kw":5})";

  auto made = f.tel().register_signed_meter(f.alice, spec, dev.prove(text));
  REQUIRE_MESSAGE(made, made.error().message);
  CHECK(made->user_id == f.alice_user.id);
  CHECK(made->region == "north");
  CHECK(made->public_key == dev.prove(text).public_key);

  auto tampered = dev.prove(text);
  tampered.signed_text = R"({"meter_id":"SM_DEV_001","capacity_kw":50})";
  spec.meter_id = "SM_DEV_002";
  auto refused = f.tel().register_signed_meter(f.alice, spec, tampered);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::unauthorized);
  CHECK(refused.error().field == "signature");

  // Anonymous callers are unauthenticated; an API key or the system is
  // authenticated but owns no device: forbidden, as for every "my" call.
  auto anon = f.tel().register_signed_meter(segs::principal::anonymous(), spec, dev.prove(text));
  REQUIRE_FALSE(anon);
  CHECK(anon.error().code == errc::unauthorized);
  segs::api_key_spec ks;
  ks.name = "head-end";
  ks.scopes = {"telemetry:write"};
  auto key = f.grid->identity().create_api_key(f.admin, ks);
  REQUIRE_MESSAGE(key, key.error().message);
  auto key_p = f.grid->identity().authenticate_api_key(key->secret);
  REQUIRE(key_p);
  auto by_key = f.tel().register_signed_meter(*key_p, spec, dev.prove(text));
  REQUIRE_FALSE(by_key);
  CHECK(by_key.error().code == errc::forbidden);
  auto by_system = f.tel().register_signed_meter(segs::principal::system(), spec, dev.prove(text));
  REQUIRE_FALSE(by_system);
  CHECK(by_system.error().code == errc::forbidden);
}
