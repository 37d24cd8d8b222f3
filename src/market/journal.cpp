#include "market/journal.hpp"

#include <segs/error.hpp>

#include <cstring>

namespace segs::market {

namespace {

constexpr std::uint8_t version = 1;

// Flag bits of a submit.
constexpr std::uint8_t sells = 1, market_order = 2, post_only = 4, has_price = 8;
// Time in force, two bits from bit 4.
constexpr int tif_shift = 4;
// Flag bits of a modify.
constexpr std::uint8_t new_quantity = 1, new_price = 2;

class writer {
 public:
  explicit writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void i64(std::int64_t v) {
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
  }
  void id(const uuid& u) { out_.insert(out_.end(), u.bytes.begin(), u.bytes.end()); }

 private:
  std::vector<std::uint8_t>& out_;
};

[[noreturn]] void corrupt(const char* what) {
  throw segs::exception(make_error(errc::internal, std::string("market journal entry is corrupt: ") + what));
}

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> in) : in_(in) {}
  std::uint8_t u8() {
    need(1);
    return in_[at_++];
  }
  std::int64_t i64() {
    need(8);
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(in_[at_ + i]) << (8 * i);
    at_ += 8;
    return static_cast<std::int64_t>(u);
  }
  uuid id() {
    need(16);
    uuid u;
    std::memcpy(u.bytes.data(), in_.data() + at_, 16);
    at_ += 16;
    return u;
  }
  void done() const {
    if (at_ != in_.size()) corrupt("trailing bytes");
  }

 private:
  void need(std::size_t n) const {
    if (in_.size() - at_ < n) corrupt("truncated");
  }
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<std::uint8_t> encode(const command& c) {
  std::vector<std::uint8_t> out;
  out.reserve(64);
  writer w(out);
  w.u8(version);
  w.u8(static_cast<std::uint8_t>(c.type));
  switch (c.type) {
    case command::kind::submit: {
      const auto& s = c.spec;
      std::uint8_t flags = 0;
      if (s.side == order_side::sell) flags |= sells;
      if (s.type == order_type::market) flags |= market_order;
      if (s.post_only) flags |= post_only;
      if (s.price) flags |= has_price;
      flags |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(s.tif) << tif_shift);
      w.u8(flags);
      w.id(c.order_id);
      w.id(c.user_id);
      w.i64(s.quantity.wh);
      if (s.price) w.i64(s.price->micros);
      w.i64(to_micros(s.delivery_slot));
      break;
    }
    case command::kind::cancel:
      w.i64(c.order_seq);
      break;
    case command::kind::modify: {
      std::uint8_t flags = 0;
      if (c.change.quantity) flags |= new_quantity;
      if (c.change.price) flags |= new_price;
      w.u8(flags);
      w.i64(c.order_seq);
      if (c.change.quantity) w.i64(c.change.quantity->wh);
      if (c.change.price) w.i64(c.change.price->micros);
      break;
    }
  }
  return out;
}

command decode(std::span<const std::uint8_t> bytes) {
  reader r(bytes);
  if (r.u8() != version) corrupt("unknown version");
  command c;
  const auto kind = r.u8();
  switch (kind) {
    case static_cast<std::uint8_t>(command::kind::submit): {
      c.type = command::kind::submit;
      const auto flags = r.u8();
      const auto tif = (flags >> tif_shift) & 3;
      if (tif > static_cast<int>(time_in_force::fok) || (flags & 0xC0) != 0) corrupt("bad flags");
      auto& s = c.spec;
      s.side = (flags & sells) ? order_side::sell : order_side::buy;
      s.type = (flags & market_order) ? order_type::market : order_type::limit;
      s.post_only = (flags & post_only) != 0;
      s.tif = static_cast<time_in_force>(tif);
      c.order_id = r.id();
      c.user_id = r.id();
      s.quantity = energy{r.i64()};
      if (flags & has_price) s.price = money{r.i64()};
      s.delivery_slot = from_micros(r.i64());
      break;
    }
    case static_cast<std::uint8_t>(command::kind::cancel):
      c.type = command::kind::cancel;
      c.order_seq = r.i64();
      break;
    case static_cast<std::uint8_t>(command::kind::modify): {
      c.type = command::kind::modify;
      const auto flags = r.u8();
      if ((flags & ~(new_quantity | new_price)) != 0) corrupt("bad flags");
      c.order_seq = r.i64();
      if (flags & new_quantity) c.change.quantity = energy{r.i64()};
      if (flags & new_price) c.change.price = money{r.i64()};
      break;
    }
    default:
      corrupt("unknown command");
  }
  r.done();
  return c;
}

}  // namespace segs::market
