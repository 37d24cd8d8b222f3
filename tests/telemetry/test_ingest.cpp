// Ingestion: validation naming the member, repeats and conflicts, bulk rows
// that fail alone, who may submit, signed meters, and the aggregates a
// batch maintains, late readings included.
#include "telemetry/telemetry_fixture.hpp"

#include <sodium.h>

using namespace segs_test;
using segs::errc;
using std::chrono::minutes;

namespace {

const segs::timestamp t0 = at("2025-06-15T10:00:00Z");  // the fixture clock: 2025-06-14T15:06:40Z

}  // namespace

TEST_CASE("telemetry: a reading is stored once, a repeat is a duplicate, different values a conflict") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  auto m = f.meter("SM_A_001", "north", &f.alice_user);
  auto r = f.reading_at(t0 + minutes{15}, 1250, 100);
  r.voltage = segs::milli{230'500};

  auto first = f.tel().submit(f.alice, "SM_A_001", r);
  REQUIRE_MESSAGE(first, first.error().message);
  CHECK_FALSE(first->duplicate);
  CHECK(first->meter == m.id);
  CHECK(first->values.consumed.wh == 1250);
  CHECK(first->values.voltage == segs::milli{230'500});

  auto again = f.tel().submit(f.alice, m.id.to_string(), r);  // by UUID
  REQUIRE(again);
  CHECK(again->duplicate);

  auto changed = r;
  changed.consumed = segs::energy{1251};
  auto conflict = f.tel().submit(f.alice, "SM_A_001", changed);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == errc::conflict);
  CHECK(conflict.error().field == "time");

  // Nothing changed: the quarter-hour holds the first reading only.
  auto h = f.tel().history(f.alice, "SM_A_001", {t0, t0 + minutes{15}}, segs::bucket_width::quarter_hour);
  REQUIRE(h);
  REQUIRE(h->size() == 1);
  CHECK((*h)[0].consumed.wh == 1250);
  CHECK((*h)[0].reading_count == 1);
}

TEST_CASE("telemetry: bad readings are refused naming the member") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_A_001", "north", &f.alice_user);
  auto check = [&](segs::reading r, const std::string& field) {
    auto res = f.tel().submit(f.alice, "SM_A_001", r);
    REQUIRE_FALSE(res);
    CHECK(res.error().code == errc::validation_error);
    CHECK(res.error().field == field);
  };
  auto base = f.reading_at(t0, 10);
  auto r = base; r.consumed = segs::energy{-1}; check(r, "consumed");
  r = base; r.produced = segs::energy{-1}; check(r, "produced");
  r = base; r.voltage = segs::milli{1'000'001}; check(r, "voltage");
  r = base; r.current = segs::milli{-1}; check(r, "current");
  r = base; r.power_factor = segs::milli{1'001}; check(r, "power_factor");
  r = base; r.frequency = segs::milli{39'999}; check(r, "frequency");
  r = base; r.peak_demand_kw = segs::milli{-5}; check(r, "peak_demand_kw");
  r = base; r.metadata = "[1]"; check(r, "metadata");
  r = base; r.time = at("2025-06-15T12:05:01Z"); check(r, "time");  // > 5 minutes ahead
  r = base; r.time = at("2025-06-15T12:05:00Z");
  CHECK(f.tel().submit(f.alice, "SM_A_001", r));  // exactly 5 minutes ahead is fine
}

TEST_CASE("telemetry: a reading must end after the start of the installation date, local to the region") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  segs::meter_spec s;
  s.meter_id = "SM_BER_1";
  s.region = "berlin";
  s.capacity_kw = segs::milli{5000};
  s.installation_date = std::chrono::year{2025} / 6 / 15;  // starts 2025-06-14T22:00Z in Berlin
  REQUIRE(f.tel().create_meter(f.admin, s));
  auto sys = segs::principal::system();
  auto before = f.tel().submit(sys, "SM_BER_1", f.reading_at(at("2025-06-14T22:00:00Z"), 1));
  REQUIRE_FALSE(before);
  CHECK(before.error().field == "time");
  CHECK(f.tel().submit(sys, "SM_BER_1", f.reading_at(at("2025-06-14T22:15:00Z"), 1)));
}

TEST_CASE("telemetry: bulk rows are independent, and every row bad is still an answer") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_A_001", "north", &f.alice_user);
  f.meter("SM_B_001", "north", &f.bob_user);
  std::vector<segs::meter_reading> rows;
  rows.push_back({"SM_A_001", f.reading_at(t0 + minutes{15}, 100), {}});
  rows.push_back({"SM_NOPE", f.reading_at(t0 + minutes{15}, 100), {}});           // unknown
  rows.push_back({"SM_B_001", f.reading_at(t0 + minutes{15}, 100), {}});          // bob's: not alice's
  auto bad = f.reading_at(t0 + minutes{30}, 100);
  bad.frequency = segs::milli{80'000};
  rows.push_back({"SM_A_001", bad, {}});
  rows.push_back({"SM_A_001", f.reading_at(t0 + minutes{15}, 100), {}});          // repeat in the batch
  rows.push_back({"SM_A_001", f.reading_at(t0 + minutes{15}, 101), {}});          // conflict in the batch
  rows.push_back({"SM_A_001", f.reading_at(t0 + minutes{45}, 300), {}});
  auto rep = f.tel().ingest(f.alice, rows);
  REQUIRE(rep);
  CHECK(rep->accepted == 2);
  CHECK(rep->duplicates == 1);
  REQUIRE(rep->rejected.size() == 4);
  CHECK(rep->rejected[0].index == 1);
  CHECK(rep->rejected[0].field == "meter_id");
  CHECK(rep->rejected[0].code == errc::not_found);
  CHECK(rep->rejected[1].index == 2);
  CHECK(rep->rejected[1].code == errc::not_found);  // another's meter does not exist for alice
  CHECK(rep->rejected[2].index == 3);
  CHECK(rep->rejected[2].field == "frequency");
  CHECK(rep->rejected[3].index == 5);
  CHECK(rep->rejected[3].code == errc::conflict);

  std::vector<segs::meter_reading> all_bad{{"SM_NOPE", f.reading_at(t0, 1), {}},
                                           {"SM_A_001", f.reading_at(t0, -1), {}}};
  auto none = f.tel().ingest(f.alice, all_bad);
  REQUIRE(none);
  CHECK(none->accepted == 0);
  CHECK(none->rejected.size() == 2);

  std::vector<segs::meter_reading> too_many(10'001, {"SM_A_001", f.reading_at(t0, 1), {}});
  auto big = f.tel().ingest(f.alice, too_many);
  REQUIRE_FALSE(big);
  CHECK(big.error().field == "readings");
}

TEST_CASE("telemetry: an API key writes the meters of its region only") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_N_1", "north");
  f.meter("SM_S_1", "south");
  segs::api_key_spec k;
  k.name = "head-end";
  k.scopes = {"telemetry:write"};
  k.region = "north";
  auto key = f.id().create_api_key(f.admin, k);
  REQUIRE(key);
  auto p = f.id().authenticate_api_key(key->secret);
  REQUIRE(p);
  CHECK(f.tel().submit(*p, "SM_N_1", f.reading_at(t0, 5)));
  auto other = f.tel().submit(*p, "SM_S_1", f.reading_at(t0, 5));
  REQUIRE_FALSE(other);
  CHECK(other.error().code == errc::not_found);
  CHECK(other.error().field == "meter_id");
}

TEST_CASE("telemetry: a signed meter's readings must carry a valid signature") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  REQUIRE(sodium_init() >= 0);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  auto b64 = [](const unsigned char* p, std::size_t n) {
    std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);
    return out;
  };
  auto sign = [&](const std::string& msg) {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), sk);
    return b64(sig, sizeof sig);
  };
  segs::meter_spec s;
  s.meter_id = "SM_SIG_1";
  s.region = "north";
  s.capacity_kw = segs::milli{5000};
  s.public_key = b64(pk, sizeof pk);
  REQUIRE(f.tel().create_meter(f.admin, s));
  auto sys = segs::principal::system();
  auto r = f.reading_at(t0, 1500, 250);

  auto unsigned_ = f.tel().submit(sys, "SM_SIG_1", r);
  REQUIRE_FALSE(unsigned_);
  CHECK(unsigned_.error().code == errc::unauthorized);

  const std::string text = "2025-06-15T10:00:00+00:00";  // as the device wrote it
  auto wrong = f.tel().submit(sys, "SM_SIG_1", r, {sign("SM_SIG_1|" + text + "|1500|251"), text});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == errc::unauthorized);
  CHECK(wrong.error().field == "signature");

  auto good = f.tel().submit(sys, "SM_SIG_1", r, {sign("SM_SIG_1|" + text + "|1500|250"), text});
  CHECK_MESSAGE(good, (good ? "" : good.error().message));
}

TEST_CASE("telemetry: a decommissioned meter keeps its readings and takes no more") {
  telemetry_fixture f;
  f.clock->set(at("2025-06-15T12:00:00Z"));
  f.meter("SM_A_001", "north", &f.alice_user);
  auto sys = segs::principal::system();
  REQUIRE(f.tel().submit(sys, "SM_A_001", f.reading_at(t0, 10)));
  REQUIRE(f.tel().decommission_meter(f.admin, "SM_A_001"));
  auto late = f.tel().submit(sys, "SM_A_001", f.reading_at(t0 + minutes{15}, 10));
  REQUIRE_FALSE(late);
  CHECK(late.error().code == errc::conflict);
  auto last = f.tel().latest(f.alice, "SM_A_001");
  REQUIRE(last);
  REQUIRE(last->has_value());
  CHECK((*last)->values.time == t0);
  auto back = f.tel().set_meter_status(f.admin, "SM_A_001", segs::meter_status::active);
  REQUIRE_FALSE(back);
  CHECK(back.error().code == errc::conflict);
}
