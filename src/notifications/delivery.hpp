// Which channels a notification goes by (pure: preferences, its group and
// severity, and the recipient's local wall time in). Unit-tested alone.
#pragma once

#include <segs/identity.hpp>
#include <segs/notifications.hpp>

#include <optional>

namespace segs::detail::notify {

struct channels {
  bool in_app = false;
  bool email = false;
  bool push = false;  ///< in_app and the recipient pushes live
  [[nodiscard]] bool any() const noexcept { return in_app || email; }
};

/// True when `minute` (after local midnight) lies in [start, end), the
/// window wrapping past midnight when start > end.
[[nodiscard]] bool quiet_at(const quiet_hours& q, int minute) noexcept;

/// The channels for a notification of `group` (none: a test) and
/// `severity` to someone with preferences `p` whose local wall clock reads
/// `local_minute`. Security notifications go in the app and by email
/// whatever the preferences say; during quiet hours only critical ones go
/// by email.
[[nodiscard]] channels route(const notification_preferences& p, std::optional<notification_group> group,
                             notification_severity severity, int local_minute) noexcept;

}  // namespace segs::detail::notify
