// The name tables of the notifications' enumerations (see core/names.hpp):
// one table per enum serves to_string, the parse_* functions and the store.
#pragma once

#include "core/names.hpp"

#include <segs/notifications.hpp>

#include <array>

namespace segs::detail {

template <>
struct enum_names<notification_kind> {
  static constexpr std::array<name_entry<notification_kind>, 12> table{
      {{notification_kind::alert_raised, "alert_raised"},
       {notification_kind::alert_escalated, "alert_escalated"},
       {notification_kind::alert_resolved, "alert_resolved"},
       {notification_kind::invoice_issued, "invoice_issued"},
       {notification_kind::invoice_overdue, "invoice_overdue"},
       {notification_kind::dispute_resolved, "dispute_resolved"},
       {notification_kind::order_filled, "order_filled"},
       {notification_kind::order_expired, "order_expired"},
       {notification_kind::slot_settled, "slot_settled"},
       {notification_kind::password_changed, "password_changed"},
       {notification_kind::api_key_created, "api_key_created"},
       {notification_kind::test, "test"}}};
};

template <>
struct enum_names<notification_severity> {
  static constexpr std::array<name_entry<notification_severity>, 3> table{
      {{notification_severity::info, "info"},
       {notification_severity::warning, "warning"},
       {notification_severity::critical, "critical"}}};
};

template <>
struct enum_names<notification_group> {
  static constexpr std::array<name_entry<notification_group>, 4> table{
      {{notification_group::alerts, "alerts"},
       {notification_group::billing, "billing"},
       {notification_group::trading, "trading"},
       {notification_group::security, "security"}}};
};

}  // namespace segs::detail
