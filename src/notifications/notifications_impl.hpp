// Internal to the notifications service: the implementation behind
// `segs::notifications_service`. Stateless: everything lives in storage.
#pragma once

#include "grid_core.hpp"
#include "notifications/compose.hpp"

#include <segs/notifications.hpp>

#include <cstddef>
#include <vector>

namespace segs {

struct notifications_service::impl {
  detail::grid_core& core;
  explicit impl(detail::grid_core& c) : core(c) {}

  /// The maker (grid_core::on_events): stores what the drafts of
  /// `evs[from..]` make in `tx` and appends their "notifications.created"
  /// events to `evs`. True when it queued mail (notifications_make.cpp).
  bool make(storage::transaction& tx, std::vector<event>& evs, std::size_t from);
  /// Delivers `drafts` to their recipients by the channels each one's
  /// preferences allow; appends the events of those kept in the app to
  /// `out` and, when given, the notifications to `made`. True when it
  /// queued mail.
  bool deliver(storage::transaction& tx, const std::vector<detail::notify::draft>& drafts,
               std::vector<event>& out, std::vector<notification>* made = nullptr);
  /// Due work: removes read notifications older than the retention.
  std::int64_t remove_expired(timestamp now);
};

}  // namespace segs
