// What the events of a call tell whom (pure: no storage, no clock). The
// maker (notifications_make.cpp) resolves the audience, reads preferences
// and stores what the channels allow. Unit-tested alone.
#pragma once

#include <segs/events.hpp>
#include <segs/notifications.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace segs::detail::notify {

/// A notification before its recipients are known.
struct draft {
  std::optional<uuid> user;  ///< the person it concerns, when there is one
  /// Also the operators of `region` (active users there whose role holds
  /// `alerts:manage`): critical alerts.
  bool operators = false;
  std::string region;
  notification_kind kind = notification_kind::test;
  notification_severity severity = notification_severity::info;
  std::string title;
  std::string body;
  std::string data = "{}";  ///< a JSON object
};

/// The event names `compose` reads (for grid_core::told_names).
[[nodiscard]] std::vector<std::string> read_names();

/// The drafts the events make, in event order. Market fills are read
/// across the list: an order whose id appears in a "market.trade" event of
/// the list and which has a "market.order" event there is told once, with
/// its state after the call.
[[nodiscard]] std::vector<draft> compose(std::span<const event> events);

/// A small JSON object writer for `draft::data` (keys are fixed ASCII).
class json_fields {
 public:
  json_fields& text(std::string_view key, std::string_view value);
  /// A number given as its decimal text ("12.5").
  json_fields& number(std::string_view key, std::string_view decimal);
  json_fields& integer(std::string_view key, std::int64_t value);
  [[nodiscard]] std::string str() const { return out_ + "}"; }

 private:
  void key(std::string_view k);
  std::string out_ = "{";
};

}  // namespace segs::detail::notify
