// The settings the library itself reads while it runs (config.hpp). Each
// one's default is the grid's start-up option; where a capability reads it:
//   notifications.retention_days  notifications_make.cpp (due work)
//   alerts.evaluate_readings      grid.cpp (the readings hook)
//   billing.generation_batch      billing_generate.cpp
// Settings whose change could break what is stored stay start-up options
// only: the raw readings' retention (a longer one after a drop would take
// a repeated reading for a new one) and the market's defaults (slot
// alignment of existing orders). Per-region settings (a market's, alert
// rules, billing cycles) have their own audited calls and change at run
// time already.
#include "config/settings_table.hpp"

#include <segs/options.hpp>

namespace segs::detail {

void define_library_settings(settings_table& t, const options& o) {
  t.define({.key = "notifications.retention_days",
            .type = setting_type::integer,
            .fallback = std::int64_t{o.notifications.retention.count()},
            .description = "read notifications older than this many days are removed by due work",
            .min = 1,
            .max = 3650,
            .check = {}});
  t.define({.key = "alerts.evaluate_readings",
            .type = setting_type::flag,
            .fallback = o.alerts.evaluate_readings,
            .description = "the alert rules run on every stored reading (off: readings are stored "
                           "without them; the offline sweep still runs)",
            .min = 0,
            .max = 1,
            .check = {}});
  t.define({.key = "billing.generation_batch",
            .type = setting_type::integer,
            .fallback = std::int64_t{o.billing.generation_batch},
            .description = "customers invoiced per write transaction when invoices are generated",
            .min = 1,
            .max = 10'000,
            .check = {}});
}

}  // namespace segs::detail
