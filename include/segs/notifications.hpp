// libsegs — notifications: what a person is told, in the app and by email.
//
//     auto unread = grid->notifications().unread_count(alice).value();
//     auto page = grid->notifications().history(alice, {.unread_only = true}).value();
//     grid->notifications().mark_all_read(alice);
//
// Notifications are made from the events of the other capabilities, inside
// the transaction that commits the event (so a crash cannot keep the one
// without the other), for the people the event concerns:
//   - alerts ("alerts.raised", "alerts.escalated", "alerts.resolved") to the
//     meter's owner, and critical ones also to the operators of the alert's
//     region (active users there whose role holds `alerts:manage` with scope
//     region);
//   - invoices ("billing.invoice_issued", "billing.invoice_overdue",
//     "billing.dispute_resolved") to the customer;
//   - the market: an order that filled in a call (fully or partly) and an
//     order that expired to its trader, a settled slot to each trader in it;
//   - security ("identity.password_changed", "identity.api_key_created") to
//     the account.
// Each goes by the channels the recipient's preferences allow
// (identity.hpp, `notification_preferences`): in the app (kept here, and
// published as a "notifications.created" event for hosts that push them
// live) and by email (a message in the outbox, outbox.hpp, purpose
// "notification", for the host's mailer). During the recipient's quiet
// hours, read in their region's time zone, only critical ones go by email.
// A notification no channel allows is not made. Security notifications are
// critical and cannot be switched off.
//
// Retention: read notifications older than `notification_options::retention`
// are removed by due work (grid::run_due_work); unread ones stay.
//
// Authorization: everyone signed in reads and marks their own
// notifications (`profile:read`, `profile:write`); nobody reads anyone
// else's. API keys and the system have none of their own (FORBIDDEN).
//
// Errors: VALIDATION_ERROR naming the field (page, per_page, title, body),
// NOT_FOUND for a notification that is not the caller's, FORBIDDEN,
// UNAVAILABLE / INTERNAL from storage.
//
// Thread-safety: the service is safe to use from several threads; it lives
// as long as its grid.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/page.hpp>
#include <segs/types.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace segs {

enum class notification_kind {
  alert_raised,
  alert_escalated,
  alert_resolved,
  invoice_issued,
  invoice_overdue,
  dispute_resolved,
  order_filled,
  order_expired,
  slot_settled,
  password_changed,
  api_key_created,
  test,
};
enum class notification_severity { info, warning, critical };
/// The groups preferences switch: alerts, billing, trading, security.
/// `test` notifications belong to none (see `send_test`).
enum class notification_group { alerts, billing, trading, security };

[[nodiscard]] SEGS_EXPORT std::string_view to_string(notification_kind k) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(notification_severity s) noexcept;
[[nodiscard]] SEGS_EXPORT std::string_view to_string(notification_group g) noexcept;
[[nodiscard]] SEGS_EXPORT result<notification_kind> parse_notification_kind(std::string_view text);
[[nodiscard]] SEGS_EXPORT result<notification_severity> parse_notification_severity(std::string_view text);
/// The group of a kind; none for `test`.
[[nodiscard]] SEGS_EXPORT std::optional<notification_group> group_of(notification_kind k) noexcept;

struct notification {
  uuid id;
  uuid user_id;
  notification_kind kind = notification_kind::test;
  notification_severity severity = notification_severity::info;
  std::string title;
  std::string body;
  /// A JSON object (as text) with the ids and figures behind it, e.g.
  /// {"alert_id": "...", "meter_id": "MTR-1", "type": "over_voltage"}.
  std::string data = "{}";
  bool emailed = false;  ///< a message went to the outbox
  timestamp created_at{};
  std::optional<timestamp> read_at;
};

/// The event "notifications.created", published after the commit that
/// made the notification (only for those kept in the app).
struct notification_event {
  segs::notification notification;
  bool push = true;  ///< the recipient's `push` preference: hosts that push live honour it
};

/// One's history, newest first.
struct notification_query {
  bool unread_only = false;
  std::optional<notification_kind> kind;
  int page = 1;       ///< from 1
  int per_page = 20;  ///< 1..100
};

/// A test notification to oneself: in the app always, and by email when
/// the `email` master switch is on (and, in quiet hours, it is critical).
struct test_notification {
  notification_severity severity = notification_severity::info;
  std::string title = "Test notification";  ///< 1..200 characters
  std::string body = "Notifications reach you.";  ///< up to 2000 characters
};

/// The notifications' options (`options::notifications`).
struct notification_options {
  /// Read notifications older than this are removed by due work. 1 day or more.
  std::chrono::days retention{90};
};

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
struct grid_core;
}  // namespace detail

class SEGS_EXPORT notifications_service {
 public:
  ~notifications_service();
  notifications_service(const notifications_service&) = delete;
  notifications_service& operator=(const notifications_service&) = delete;

  /// One's notifications, newest first. Needs `profile:read`.
  /// VALIDATION_ERROR naming page or per_page.
  result<page<notification>> history(const principal& who, const notification_query& q = {});
  /// How many of one's notifications are unread. Needs `profile:read`.
  result<std::int64_t> unread_count(const principal& who);
  /// Marks one of one's notifications read (again: keeps the first time).
  /// Needs `profile:write`. NOT_FOUND when it is not the caller's.
  result<notification> mark_read(const principal& who, const uuid& id);
  /// Marks all of one's unread notifications read; answers how many.
  /// Needs `profile:write`.
  result<std::int64_t> mark_all_read(const principal& who);
  /// Sends a `test` notification to oneself (see `test_notification`) and
  /// answers it. Needs `profile:write`. VALIDATION_ERROR naming title or body.
  result<notification> send_test(const principal& who, const test_notification& t = {},
                                 const request_context& ctx = {});

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit notifications_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
