#include "notifications/delivery.hpp"

namespace segs::detail::notify {

bool quiet_at(const quiet_hours& q, int minute) noexcept {
  if (q.start_minute == q.end_minute) return false;
  if (q.start_minute < q.end_minute) return minute >= q.start_minute && minute < q.end_minute;
  return minute >= q.start_minute || minute < q.end_minute;  // spans midnight
}

channels route(const notification_preferences& p, std::optional<notification_group> group,
               notification_severity severity, int local_minute) noexcept {
  channels c;
  const bool quiet = p.quiet_hours && quiet_at(*p.quiet_hours, local_minute) &&
                     severity != notification_severity::critical;
  if (!group) {  // a test: in the app always, by email as the master switch says
    c.in_app = true;
    c.email = p.email && !quiet;
  } else if (*group == notification_group::security) {
    c.in_app = true;
    c.email = !quiet;  // critical by construction, so never quiet
  } else {
    bool on = false;
    notification_channels ch;
    switch (*group) {
      case notification_group::alerts: on = p.alerts, ch = p.alerts_channels; break;
      case notification_group::billing: on = p.billing, ch = p.billing_channels; break;
      case notification_group::trading: on = p.trading, ch = p.trading_channels; break;
      case notification_group::security: break;
    }
    c.in_app = on && ch.in_app;
    c.email = on && ch.email && p.email && !quiet;
  }
  c.push = c.in_app && p.push;
  return c;
}

}  // namespace segs::detail::notify
