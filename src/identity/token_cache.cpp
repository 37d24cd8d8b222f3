#include "identity/token_cache.hpp"

#include "crypto/random.hpp"

#include <mutex>

namespace segs::detail {

token_cache::token_cache(std::size_t capacity)
    : capacity_(capacity), key_(crypto::random_bytes(32)) {}

token_cache::digest token_cache::key_of(std::string_view token) const {
  return crypto::keyed_hash(key_, token);
}

std::optional<principal> token_cache::find(const digest& d, timestamp now) const {
  if (!enabled()) return std::nullopt;
  std::shared_lock lock(mu_);
  auto it = entries_.find(d);
  if (it == entries_.end() || now < it->second.valid.from || now >= it->second.valid.until)
    return std::nullopt;
  return it->second.who;
}

void token_cache::put(const digest& d, principal who, validity valid, timestamp now,
                      std::uint64_t seen_generation) {
  if (!enabled()) return;
  std::unique_lock lock(mu_);
  // Under the lock that `forget` bumps the generation under: either this
  // entry is in before a forget (which then drops it) or the forget ran
  // since our checks began and the entry may be stale.
  if (generation_.load(std::memory_order_relaxed) != seen_generation) return;
  if (entries_.size() >= capacity_ && !entries_.contains(d)) make_room(now);
  entries_.insert_or_assign(d, entry{std::move(who), valid});
}

void token_cache::make_room(timestamp now) {
  std::erase_if(entries_, [&](const auto& kv) { return now >= kv.second.valid.until; });
  const std::size_t keep = capacity_ - capacity_ / 4 - 1;
  while (entries_.size() > keep) entries_.erase(entries_.begin());
}

void token_cache::forget(const uuid& user) {
  if (!enabled()) return;
  std::unique_lock lock(mu_);
  generation_.fetch_add(1, std::memory_order_release);
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.who.id == user; });
}

void token_cache::forget_all() {
  if (!enabled()) return;
  std::unique_lock lock(mu_);
  generation_.fetch_add(1, std::memory_order_release);
  entries_.clear();
}

std::size_t token_cache::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

}  // namespace segs::detail
