#include "core/uuid_generator.hpp"

#include <sodium.h>

#include <chrono>
#include <cstring>

#include <unistd.h>

namespace segs::detail {

namespace {
constexpr std::int64_t max_unix_ms = (std::int64_t{1} << 48) - 1;
constexpr std::uint16_t max_seq = 0xFFF;

}  // namespace

void uuid_generator::take_random(std::uint8_t* out, std::size_t n) {
  const long pid = static_cast<long>(::getpid());
  if (pool_used_ + n > pool_.size() || pid != pool_pid_) {
    randombytes_buf(pool_.data(), pool_.size());
    pool_used_ = 0;
    pool_pid_ = pid;
  }
  std::memcpy(out, pool_.data() + pool_used_, n);
  sodium_memzero(pool_.data() + pool_used_, n);  // a byte is handed out once
  pool_used_ += n;
}

// A fresh counter starts at a random value below 2048, so at least 2048 ids
// fit in a millisecond before a rollover borrows the next one, while the
// starting point stays unguessable (RFC 9562 §6.2, "counter seeding").
std::uint16_t uuid_generator::random_seq_start() {
  std::array<std::uint8_t, 2> r{};
  take_random(r.data(), r.size());
  return static_cast<std::uint16_t>(((r[0] << 8) | r[1]) & 0x7FF);
}

uuid_generator::uuid_generator() {
  if (sodium_init() < 0) {
    throw segs::exception(make_error(errc::internal, "libsodium could not be initialized"));
  }
}

uuid uuid_generator::next(timestamp now) {
  std::int64_t ms = std::chrono::floor<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (ms < 0) ms = 0;
  if (ms > max_unix_ms) ms = max_unix_ms;

  uuid id;
  std::lock_guard lock(mu_);
  if (ms > last_ms_) {
    last_ms_ = ms;
    seq_ = random_seq_start();
  } else if (seq_ < max_seq) {
    // Same millisecond, or the clock went back: stay on last_ms_ and count.
    ++seq_;
  } else {
    if (last_ms_ >= max_unix_ms) {
      throw segs::exception(make_error(errc::internal, "uuid v7 time field exhausted"));
    }
    ++last_ms_;
    seq_ = random_seq_start();
  }

  take_random(id.bytes.data() + 8, 8);
  const auto t = static_cast<std::uint64_t>(last_ms_);
  for (int i = 0; i < 6; ++i) {
    id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(t >> (8 * (5 - i)));
  }
  id.bytes[6] = static_cast<std::uint8_t>(0x70 | (seq_ >> 8));
  id.bytes[7] = static_cast<std::uint8_t>(seq_ & 0xFF);
  id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3F));
  return id;
}

}  // namespace segs::detail
