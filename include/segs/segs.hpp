// libsegs — umbrella header: includes the whole public API.
#pragma once

#include <segs/access.hpp>
#include <segs/analytics.hpp>
#include <segs/audit.hpp>
#include <segs/clock.hpp>
#include <segs/error.hpp>
#include <segs/events.hpp>
#include <segs/grid.hpp>
#include <segs/identity.hpp>
#include <segs/market.hpp>
#include <segs/options.hpp>
#include <segs/outbox.hpp>
#include <segs/page.hpp>
#include <segs/region.hpp>
#include <segs/subscription.hpp>
#include <segs/telemetry.hpp>
#include <segs/alerts.hpp>
#include <segs/billing.hpp>
#include <segs/tariffs.hpp>
#include <segs/types.hpp>
#include <segs/version.hpp>
