// A grid with meters: regions in UTC, Europe/Berlin, America/New_York and
// Asia/Kolkata, an admin, an operator of north, two consumers of north, and
// helpers to build meters and readings.
#pragma once

#include "identity/grid_fixture.hpp"

#include <segs/segs.hpp>

#include <doctest/doctest.h>
#include <sodium.h>

#include <string>
#include <vector>

namespace segs_test {

inline void define_telemetry_regions(segs::options& o) {
  for (auto [code, zone] : {std::pair{"berlin", "Europe/Berlin"}, std::pair{"ny", "America/New_York"},
                            std::pair{"kolkata", "Asia/Kolkata"}}) {
    segs::region_spec s;
    s.time_zone = zone;
    s.currency = "EUR";
    s.emission_factor_kg_per_kwh = 0.5;
    o.regions.define.emplace(code, s);
  }
}

/// A device's Ed25519 key pair: its public key and signatures as base64.
struct device_key {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];

  device_key() {
    REQUIRE(sodium_init() >= 0);
    crypto_sign_keypair(pk, sk);
  }
  static std::string b64(const unsigned char* p, std::size_t n) {
    std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);
    return out;
  }
  [[nodiscard]] std::string public_key() const { return b64(pk, sizeof pk); }
  [[nodiscard]] std::string sign(const std::string& msg) const {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), sk);
    return b64(sig, sizeof sig);
  }
  /// A registration's proof: `text` signed by this key.
  [[nodiscard]] segs::device_proof prove(const std::string& text) const {
    return {public_key(), sign(text), text};
  }
};

/// RFC 3339 text to a timestamp (throws when it does not parse; usable in
/// static initializers, unlike doctest's assertions).
inline segs::timestamp at(const std::string& text) { return segs::parse_rfc3339(text).value(); }

struct telemetry_fixture : grid_fixture {
  segs::principal admin, op, alice, bob;
  segs::user alice_user, bob_user;

  telemetry_fixture() : telemetry_fixture([](segs::options& o) { define_telemetry_regions(o); }) {}

  /// A fixture whose options `tweak` sets; it must call
  /// define_telemetry_regions too.
  explicit telemetry_fixture(void (*tweak)(segs::options&)) : grid_fixture(tweak) { accounts(); }

  /// Over a fault-injecting backend (`fault`).
  explicit telemetry_fixture(with_faults_t)
      : grid_fixture(with_faults, [](segs::options& o) { define_telemetry_regions(o); }) {
    accounts();
  }

  void accounts() {
    made("admin@example.org", "admin");
    made("op@example.org", "operator", "north");
    alice_user = made("alice@example.org", "consumer", "north");
    bob_user = made("bob@example.org", "prosumer", "north");
    admin = as("admin@example.org");
    op = as("op@example.org");
    alice = as("alice@example.org");
    bob = as("bob@example.org");
  }

  segs::telemetry_service& tel() { return grid->telemetry(); }

  /// Registers a meter as the admin; `owner` may be null.
  segs::meter meter(const std::string& serial, const std::string& region = "north",
                    const segs::user* owner = nullptr) {
    segs::meter_spec s;
    s.meter_id = serial;
    s.region = region;
    s.capacity_kw = segs::milli{10'000};
    if (owner) s.user_id = owner->id;
    auto m = tel().create_meter(admin, s);
    REQUIRE_MESSAGE(m.has_value(), (m ? "" : m.error().message));
    return *m;
  }

  static segs::reading reading_at(segs::timestamp t, std::int64_t consumed_wh,
                                  std::int64_t produced_wh = 0) {
    segs::reading r;
    r.time = t;
    r.consumed = segs::energy{consumed_wh};
    r.produced = segs::energy{produced_wh};
    return r;
  }

  /// Ingests as the system; REQUIREs every row stored or repeated.
  segs::ingest_report ingest(const std::vector<segs::meter_reading>& rows) {
    auto rep = tel().ingest(segs::principal::system(), rows);
    REQUIRE_MESSAGE(rep.has_value(), (rep ? "" : rep.error().message));
    return *rep;
  }
};

}  // namespace segs_test
