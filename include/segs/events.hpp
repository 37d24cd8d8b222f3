// libsegs — the event hub: what happened, after it committed.
//
//     auto sub = grid->events().subscribe([](const segs::event& e) {
//       if (auto* m = e.get<segs::market_event>()) ...;
//     }, {.names = {"market.trade"}});
//     auto q = grid->events().queue(10'000, {.names = {"market."}});
//     while (auto e = q.pop(std::chrono::seconds(1))) ...;
//
// Every capability publishes through this one hub, after its transaction
// has committed: an event is never seen for work that was rolled back.
// Events are named "<capability>.<what>": "mail" (a message of the outbox),
// "market.order", "market.trade", "market.book", "market.clearing",
// "telemetry.readings" (readings committed, one event per call and region),
// "alerts.raised", "alerts.escalated", "alerts.acknowledged", "alerts.resolved",
// "billing.*", "identity.password_changed", "identity.api_key_created",
// "notifications.created"; later capabilities add names, never a second
// mechanism.
//
// Two ways to receive:
//   - a callback, called on the thread whose call committed, in publication
//     order per region (the market calls it while it holds the region, so a
//     callback must not call back into that region's market), and
//   - a bounded queue, read from any thread; when it is full the oldest
//     event is dropped and counted, so a slow reader never holds up the grid.
//
// Lifetimes: `subscription` and `event_queue` may outlive their grid. Once
// the grid is destroyed a subscription does nothing and a queue is closed
// (pop answers what is left, then nothing). Destroying or resetting a
// subscription stops deliveries that have not started; one already running
// on another thread finishes.
//
// Thread-safety: the hub, subscriptions and queues are safe to use from
// several threads. A callback must not throw (what it throws is dropped).
#pragma once

#include <segs/alerts.hpp>
#include <segs/billing.hpp>
#include <segs/export.hpp>
#include <segs/identity.hpp>
#include <segs/market.hpp>
#include <segs/notifications.hpp>
#include <segs/outbox.hpp>
#include <segs/subscription.hpp>
#include <segs/telemetry.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace segs {

namespace detail {
struct queue_state;
struct grid_core;
}  // namespace detail

/// Something that happened, after its transaction committed.
struct event {
  /// Grows with every event this hub published (per grid, from 1).
  std::uint64_t seq = 0;
  /// The region it happened in; empty for events of no region (mail).
  std::string region;
  /// What happened: an outbox message ("mail"), a market event
  /// ("market.*"), readings ("telemetry.readings") or an alert
  /// ("alerts.*"), an invoice ("billing.*"), an account ("identity.*"), a
  /// notification ("notifications.created"). Later capabilities add
  /// alternatives.
  std::variant<outbox_message, market_event, readings_committed, alert_event, billing_event,
               identity_event, notification_event>
      data;

  /// "mail", "market.order", "market.trade", "market.book", "market.clearing",
  /// "market.settlement",
  /// "telemetry.readings", "alerts.raised", "alerts.escalated",
  /// "alerts.acknowledged", "alerts.resolved", "billing.invoice_issued",
  /// "billing.invoice_paid", "billing.invoice_overdue",
  /// "billing.dispute_opened", "billing.dispute_resolved",
  /// "billing.invoice_voided", "identity.password_changed",
  /// "identity.api_key_created", "notifications.created".
  [[nodiscard]] SEGS_EXPORT std::string_view name() const noexcept;
  /// The payload as `T`, or null when it is another kind.
  template <class T>
  [[nodiscard]] const T* get() const noexcept {
    return std::get_if<T>(&data);
  }
};

/// Which events a subscriber receives. Empty members match everything.
struct event_filter {
  /// Event names; a name ending in '.' matches every name it begins
  /// ("market." matches "market.trade").
  std::vector<std::string> names;
  /// Only events of this region (events of no region never match).
  std::optional<std::string> region;

  [[nodiscard]] SEGS_EXPORT bool matches(const event& e) const noexcept;
};

/// A bounded queue of events. Movable; unsubscribes when destroyed.
class SEGS_EXPORT event_queue {
 public:
  event_queue() = default;
  ~event_queue();
  event_queue(event_queue&&) noexcept;
  event_queue& operator=(event_queue&&) noexcept;
  event_queue(const event_queue&) = delete;
  event_queue& operator=(const event_queue&) = delete;

  /// The oldest queued event, waiting up to `wait` for one; none when the
  /// wait ends empty-handed or the queue is closed and empty.
  [[nodiscard]] std::optional<event> pop(std::chrono::milliseconds wait = std::chrono::milliseconds{0});
  /// Takes up to `max` queued events without waiting, oldest first.
  [[nodiscard]] std::vector<event> drain(std::size_t max = SIZE_MAX);
  /// Events queued now.
  [[nodiscard]] std::size_t size() const noexcept;
  /// Events dropped because the queue was full.
  [[nodiscard]] std::uint64_t dropped() const noexcept;
  /// Stops delivery and wakes waiting readers; queued events stay readable.
  void close() noexcept;
  /// True after close(), or once the grid is gone.
  [[nodiscard]] bool closed() const noexcept;

 private:
  friend class event_hub;
  std::shared_ptr<detail::queue_state> state_;
  subscription sub_;
};

/// The grid's event hub (grid::events()).
class SEGS_EXPORT event_hub {
 public:
  ~event_hub();
  event_hub(const event_hub&) = delete;
  event_hub& operator=(const event_hub&) = delete;

  /// Calls `fn` for every matching event (see the header's comment).
  [[nodiscard]] subscription subscribe(std::function<void(const event&)> fn, event_filter filter = {});
  /// A queue of up to `capacity` matching events (0 counts as 1).
  [[nodiscard]] event_queue queue(std::size_t capacity, event_filter filter = {});

  // --- for the library's capabilities -----------------------------------------
  /// True when someone receives events named `name` (a publisher skips
  /// building events nobody wants). Cheap: no lock.
  [[nodiscard]] bool wanted(std::string_view name) const noexcept;
  /// Delivers each event to every matching subscriber, in order. Called
  /// after the events' transaction committed.
  void publish(std::vector<event> events);

  /// What waits in the subscribers' queues (operations' health check).
  struct backlog_stats {
    std::int64_t queued = 0;       ///< events in queues, not yet popped
    std::int64_t dropped = 0;      ///< events the current queues dropped (full)
    std::int64_t subscribers = 0;  ///< callbacks and queues
  };
  [[nodiscard]] backlog_stats backlog() const;

 private:
  friend class grid;
  friend struct detail::grid_core;
  event_hub();
  std::shared_ptr<detail::hub_state> state_;
};

}  // namespace segs
