// libsegs — a subscription to the grid's event hub (events.hpp).
#pragma once

#include <segs/export.hpp>

#include <cstdint>
#include <memory>

namespace segs {

class event_hub;
namespace detail {
class hub_state;
}

/// Ends a callback subscription when destroyed or reset. Movable.
class SEGS_EXPORT subscription {
 public:
  subscription() = default;
  ~subscription();
  subscription(subscription&&) noexcept;
  subscription& operator=(subscription&&) noexcept;
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  /// Stops delivery. Idempotent; safe after the grid is gone.
  void reset() noexcept;
  /// False after reset, or once the grid is gone.
  [[nodiscard]] bool active() const noexcept;

 private:
  friend class event_hub;
  std::weak_ptr<detail::hub_state> hub_;
  std::uint64_t id_ = 0;
};

}  // namespace segs
