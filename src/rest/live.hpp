// Internal: the live channel's shared side — which connection wants which
// events. One hub subscription per handler (made with the first
// connection) routes each event to the connections that want it: a
// notification to its recipient's connections, a market event to the
// slot's subscribers, an alert to the region's. Each event's message is
// formatted once, however many receive it.
//
// Thread-safety: every member may be called from any thread. Deliveries run
// on the thread that committed the event, under the registry's lock, and
// only queue text (a client's lock, never storage); a client unregisters in
// its destructor under the same lock, so a delivery never reaches a
// destroyed client.
#pragma once

#include <segs/access.hpp>
#include <segs/events.hpp>
#include <segs/rest.hpp>
#include <segs/grid.hpp>
#include <segs/subscription.hpp>
#include <segs/types.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace segs::rest::detail {

struct state;

/// What the pipeline decided about a live channel's upgrade request: its
/// credentials (when it carried any), or the HTTP answer refusing it.
struct live_admission {
  std::optional<principal> who;
  std::string credential;  ///< the access token or API key that authenticated `who`
  bool api_key = false;
  std::optional<response> refusal;
};

/// Runs an upgrade request through the handler's pipeline (CORS, rate
/// limit, credentials) without a route (handler.cpp).
[[nodiscard]] live_admission admit_live(state& st, const request& upgrade);

/// The registry's view of one connection (live_connection::impl).
class live_client {
 public:
  virtual ~live_client() = default;
  /// Queues a message formatted once for every receiver.
  virtual void push(const std::shared_ptr<const std::string>& text) = 0;
  /// Queues the slot's current book (coalesced: one pending per slot).
  virtual void book_changed(const std::string& key) = 0;
  /// Asks for a check of the credentials at the next `next`.
  virtual void recheck() = 0;
};

class live_registry {
 public:
  explicit live_registry(segs::grid& g);
  ~live_registry();
  live_registry(const live_registry&) = delete;
  live_registry& operator=(const live_registry&) = delete;

  /// The key of a market slot's subscribers ("north|2026-12-03T10:00:00Z").
  [[nodiscard]] static std::string slot_key(std::string_view region, timestamp slot);

  /// Routes `user`'s notifications to `c` (once authenticated).
  void watch_user(live_client* c, const uuid& user);
  void watch_slot(live_client* c, const std::string& key);
  void unwatch_slot(live_client* c, const std::string& key);
  void watch_alerts(live_client* c, const std::string& region);
  void unwatch_alerts(live_client* c, const std::string& region);
  /// Forgets `c` everywhere (its destructor).
  void remove(live_client* c);
  /// The user's connections check their credentials before their next
  /// message (a logout or suspension through this handler).
  void recheck_user(const uuid& user);

  /// Connections open now, and messages dropped with clients closed as too
  /// slow (for /metrics).
  [[nodiscard]] std::int64_t clients() const;
  [[nodiscard]] std::uint64_t slow_closed() const;
  void opened();
  void closed(bool too_slow);

 private:
  struct tables;
  segs::grid& grid_;
  std::shared_ptr<tables> t_;
  std::once_flag subscribed_;
  subscription sub_;
};

}  // namespace segs::rest::detail
