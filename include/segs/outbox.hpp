// libsegs — the notification outbox.
//
// Messages meant for people (verification codes, password-reset codes) are
// written to an outbox in the same transaction as the action that caused them,
// and handed to the host to deliver: either pulled with `drain()` or pushed to
// a listener after each commit. libsegs never sends mail itself and never logs
// a code. Once handed over, a message's body is erased from storage.
//
// Thread-safety: `outbox` is safe to use from several threads. The listener
// is called on the thread whose call produced the messages, outside any lock
// or transaction; it must not throw.
#pragma once

#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/types.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace segs {

struct outbox_message {
  std::int64_t seq = 0;
  uuid id;
  std::string to;       ///< recipient email address
  std::string purpose;  ///< "verify_email" or "reset_password"
  std::string subject;
  std::string body;     ///< plain text for a person
  std::string code;     ///< the one-time code, for hosts that template their own mail
  timestamp created_at{};
};

class grid;
namespace storage {
class backend;
}
struct options;

namespace detail {
struct grid_core;
// Creates the grid and its services (see grid.hpp); the only way to get one.
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

class SEGS_EXPORT outbox {
 public:
  using listener = std::function<void(const outbox_message&)>;

  ~outbox();
  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;

  /// Takes up to `max` undelivered messages, oldest first, and marks them
  /// delivered (each message is handed out once).
  result<std::vector<outbox_message>> drain(std::size_t max = 100);
  /// Installs (or with an empty function removes) the push listener. While
  /// one is installed, each call that queues messages drains them to it after
  /// its transaction commits. The listener is a subscription to the "mail"
  /// events of the grid's hub (events.hpp): any "mail" subscriber there
  /// takes the messages the same way.
  void set_listener(listener fn);
  /// Number of undelivered messages.
  result<std::int64_t> pending();

 private:
  // Created only by the grid (grid::outbox()).
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit outbox(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
