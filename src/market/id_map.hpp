// order id -> pool index for the book: open addressing with linear probing
// and backward-shift deletion (no tombstones), at most half full. Unlike
// std::unordered_map it allocates only when it grows, never per order.
#pragma once

#include "market/engine.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace segs::market::detail {

class id_map {
 public:
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

  explicit id_map(std::size_t expected = 0) { rehash(capacity_for(expected)); }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// The value for `key`, or npos.
  [[nodiscard]] std::uint32_t find(order_id key) const noexcept {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (!s.used) return npos;
      if (s.key == key) return s.value;
    }
  }

  /// REQUIRES: `key` is absent.
  void insert(order_id key, std::uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    place(key, value);
    ++size_;
  }

  /// Removes `key`; false when it was absent.
  bool erase(order_id key) noexcept {
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].used) return false;
      if (slots_[i].key == key) break;
    }
    // Backward shift: pull later members of the probe run into the hole
    // when their home position allows it, so lookups never need tombstones.
    for (std::size_t j = i;;) {
      j = (j + 1) & mask_;
      if (!slots_[j].used) break;
      const std::size_t k = home(slots_[j].key);
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].used = false;
    --size_;
    return true;
  }

 private:
  struct slot {
    order_id key = 0;
    std::uint32_t value = 0;
    bool used = false;
  };

  static std::size_t capacity_for(std::size_t expected) {
    std::size_t c = 16;
    while (c < expected * 2) c *= 2;
    return c;
  }

  [[nodiscard]] std::size_t home(order_id key) const noexcept {
    // Fibonacci hashing: ids are often consecutive; the multiply spreads them.
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }

  void place(order_id key, std::uint32_t value) noexcept {
    std::size_t i = home(key);
    while (slots_[i].used) i = (i + 1) & mask_;
    slots_[i] = slot{key, value, true};
  }

  void rehash(std::size_t capacity) {
    std::vector<slot> old(capacity);
    old.swap(slots_);
    mask_ = capacity - 1;
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    for (const slot& s : old) {
      if (s.used) place(s.key, s.value);
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace segs::market::detail
