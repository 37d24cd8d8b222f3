// Trade ids are derived, not drawn: the journal stores commands, not their
// trades, so a replay must give every trade the id its caller was answered
// with. Kept apart because the derivation is part of the storage format.
#include "market/market_impl.hpp"

#include <sodium.h>

#include <array>

namespace segs::detail {

// A trade's id: a version 7 UUID of its execution time whose other 74 bits
// hash the region and the trade's seq in it, so that a replay of the
// journal gives every trade the id its caller was answered with. As
// unlikely to collide as random bits: the hash is BLAKE2b.
uuid trade_id(std::string_view region, std::int64_t seq, timestamp at) {
  std::array<unsigned char, 16> h{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, h.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(region.data()), region.size());
  std::array<unsigned char, 8> n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(seq) >> (8 * i));
  crypto_generichash_update(&st, n.data(), n.size());
  crypto_generichash_final(&st, h.data(), h.size());
  const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, to_micros(at) / 1000));
  uuid u;
  for (std::size_t i = 0; i < 6; ++i) u.bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  for (std::size_t i = 6; i < 16; ++i) u.bytes[i] = h[i];
  u.bytes[6] = static_cast<std::uint8_t>(0x70 | (u.bytes[6] & 0x0F));
  u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

}  // namespace segs::detail
