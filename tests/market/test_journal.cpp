// The market journal's encoding: every command survives a round trip, and
// bytes it did not write are refused rather than replayed.
#include "market/journal.hpp"

#include <doctest/doctest.h>

using segs::market::command;

namespace {

segs::uuid id_of(std::uint8_t seed) {
  segs::uuid u;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
  return u;
}

void check_same(const command& a, const command& b) {
  CHECK(a.type == b.type);
  CHECK(a.order_id == b.order_id);
  CHECK(a.user_id == b.user_id);
  CHECK(a.spec.side == b.spec.side);
  CHECK(a.spec.type == b.spec.type);
  CHECK(a.spec.quantity == b.spec.quantity);
  CHECK(a.spec.price == b.spec.price);
  CHECK(a.spec.tif == b.spec.tif);
  CHECK(a.spec.post_only == b.spec.post_only);
  CHECK(a.spec.delivery_slot == b.spec.delivery_slot);
  CHECK(a.order_seq == b.order_seq);
  CHECK(a.change.quantity == b.change.quantity);
  CHECK(a.change.price == b.change.price);
}

}  // namespace

TEST_CASE("journal: every kind of command survives a round trip") {
  std::vector<command> all;
  for (auto side : {segs::order_side::buy, segs::order_side::sell})
    for (auto tif : {segs::time_in_force::gtc, segs::time_in_force::ioc, segs::time_in_force::fok})
      for (bool post_only : {false, true}) {
        command c;
        c.type = command::kind::submit;
        c.order_id = id_of(1);
        c.user_id = id_of(99);
        c.spec.side = side;
        c.spec.tif = tif;
        c.spec.post_only = post_only;
        c.spec.quantity = segs::energy{1'234'567};
        c.spec.price = segs::money{245'000};
        c.spec.delivery_slot = segs::from_micros(1'750'000'500'000'000);
        all.push_back(c);
        c.spec.type = segs::order_type::market;
        c.spec.price.reset();
        all.push_back(c);
      }
  command cancel;
  cancel.type = command::kind::cancel;
  cancel.order_seq = (std::int64_t{1} << 40) + 3;
  all.push_back(cancel);
  for (int mask = 1; mask < 4; ++mask) {
    command m;
    m.type = command::kind::modify;
    m.order_seq = 77;
    if (mask & 1) m.change.quantity = segs::energy{500};
    if (mask & 2) m.change.price = segs::money{-1};  // bytes carry what they are given
    all.push_back(m);
  }
  for (const auto& c : all) {
    const auto bytes = segs::market::encode(c);
    check_same(segs::market::decode(bytes), c);
  }
}

TEST_CASE("journal: a submit is a few dozen bytes") {
  command c;
  c.spec.price = segs::money{1};
  CHECK(segs::market::encode(c).size() == 2 + 1 + 16 + 16 + 8 + 8 + 8);
}

TEST_CASE("journal: bytes it did not write are refused") {
  command c;
  c.spec.price = segs::money{200'000};
  auto good = segs::market::encode(c);
  auto refused = [](std::vector<std::uint8_t> b) {
    try {
      (void)segs::market::decode(b);
    } catch (const segs::exception& e) {
      return e.err().code == segs::errc::internal;
    }
    return false;
  };
  CHECK(refused({}));
  auto v = good;
  v[0] = 2;  // a version this build does not know
  CHECK(refused(v));
  v = good;
  v[1] = 9;  // no such command
  CHECK(refused(v));
  v = good;
  v.pop_back();  // truncated
  CHECK(refused(v));
  v = good;
  v.push_back(0);  // trailing bytes
  CHECK(refused(v));
  v = good;
  v[2] |= 0x30;  // a time in force that does not exist
  CHECK(refused(v));
}
