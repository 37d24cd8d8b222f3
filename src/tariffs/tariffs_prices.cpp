// Prices around now: the tariff in effect and its current period with the
// span it holds for, forecasts, history, every region's tariff, and the
// compiled pricer other capabilities price series with.
#include "tariffs/tariffs_impl.hpp"

#include "storage/stores/region_store.hpp"

#include <algorithm>

namespace segs {

using detail::fail;
namespace store = storage::tariffs;
using namespace std::chrono_literals;

namespace {

// Spans are looked for a month at a time: a month of buckets prices in
// microseconds.
constexpr auto chunk = std::chrono::days{32};

bool same_price(const price_span& s, const bucket_price& p) {
  return s.period == p.period && s.effective_price_per_kwh == p.effective_price_per_kwh &&
         s.override_id == p.override_id;
}

// The last instant a tariff's dated terms (holidays) or the overrides loaded
// for it can change a price; after it the schedule repeats within a year.
timestamp last_dated(const tariff& t, const std::vector<tariff_override>& overrides) {
  timestamp last{};
  for (const auto& d : t.holidays) last = std::max(last, timestamp{std::chrono::sys_days{d} + std::chrono::days{2}});
  for (const auto& o : overrides) last = std::max(last, o.end);
  return last;
}

}  // namespace

current_period tariffs_service::impl::period_around(const tariff& t, const tariff_pricer& p, timestamp bucket,
                                                    std::optional<timestamp> horizon) {
  const auto price = p.price_at(bucket).value();
  current_period out;
  out.name = std::string(price.period);
  out.price_per_kwh = price.price_per_kwh;
  out.effective_price_per_kwh = price.effective_price_per_kwh;
  out.override_id = price.override_id;

  // Forward, until something differs, the tariff ends, or the horizon
  // after which nothing dated remains (the schedule then repeats every year).
  for (auto at = bucket + 15min;;) {
    if (t.effective_to && at >= *t.effective_to) {
      out.ends_at = t.effective_to;
      break;
    }
    if (horizon && at >= *horizon) break;  // nothing known changes it
    auto limit = at + chunk;
    if (t.effective_to) limit = std::min(limit, *t.effective_to);
    const auto spans = p.price_series(at, limit).value();
    if (!spans.empty() && !same_price(spans.front(), price)) {
      out.ends_at = at;
      break;
    }
    if (!spans.empty() && spans.front().end < limit) {
      out.ends_at = spans.front().end;
      break;
    }
    at = limit;
  }
  // Backward, until something differs or the tariff begins.
  for (auto at = bucket;;) {
    if (at <= t.effective_from) {
      out.starts_at = t.effective_from;
      break;
    }
    const auto lo = std::max(at - chunk, t.effective_from);
    const auto spans = p.price_series(lo, at).value();
    if (!spans.empty() && !same_price(spans.back(), price)) {
      out.starts_at = at;
      break;
    }
    if (!spans.empty() && spans.back().start > lo) {
      out.starts_at = spans.back().start;
      break;
    }
    at = lo;
  }
  return out;
}

std::optional<current_tariff> tariffs_service::impl::current_of(storage::transaction& tx, const region& r) {
  const auto now = core.now();
  const auto bucket = tariffs::bucket_of(now);
  auto row = tariff_at(tx, r.code, bucket);
  if (!row) return std::nullopt;
  const auto& t = row->t;
  const auto overrides = store::overrides_overlapping(tx, r.code, t.effective_from, t.effective_to);
  auto p = tariff_pricer::compile(t, r.time_zone, overrides, r.currency_minor_units);
  if (!p) fail(errc::internal, "stored tariff " + t.id.to_string() + " does not compile: " + p.error().message);
  const auto horizon = std::max(bucket, last_dated(t, overrides)) + std::chrono::days{367};
  current_tariff out;
  out.in_effect = t;
  out.now = now;
  out.period = period_around(t, *p, bucket, horizon);
  out.next_change_at = out.period.ends_at;
  return out;
}

result<current_tariff> tariffs_service::current(const principal& who, std::optional<std::string_view> region) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    const auto code = impl::region_of(who, region);
    return impl_->core.read([&](storage::transaction& tx) {
      const auto r = impl::require_region(tx, code);
      auto c = impl_->current_of(tx, r);
      if (!c) fail(errc::not_found, "region " + code + " has no tariff in effect");
      return *c;
    });
  });
}

result<price_forecast> tariffs_service::forecast(const principal& who, std::optional<std::string_view> region,
                                                 int hours) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    if (hours < 1 || hours > 168) fail(errc::validation_error, "hours must be 1 to 168", "hours");
    const auto code = impl::region_of(who, region);
    return impl_->core.read([&](storage::transaction& tx) {
      const auto r = impl::require_region(tx, code);
      price_forecast out;
      out.region = r.code;
      out.from = tariffs::bucket_of(impl_->core.now());
      out.to = out.from + std::chrono::hours{hours};
      for (const auto& row : store::tariffs_overlapping(tx, r.code, out.from, out.to)) {
        const auto lo = std::max(out.from, row.t.effective_from);
        const auto hi = row.t.effective_to ? std::min(out.to, *row.t.effective_to) : out.to;
        const auto p = impl::compile(tx, r, row.t, lo, hi);
        for (auto& s : p.price_series(lo, hi).value()) {
          // Maximal spans, across a change of tariff too.
          if (!out.prices.empty()) {
            auto& b = out.prices.back();
            if (b.end == s.start && b.period == s.period && b.price_per_kwh == s.price_per_kwh &&
                b.effective_price_per_kwh == s.effective_price_per_kwh && b.override_id == s.override_id) {
              b.end = s.end;
              continue;
            }
          }
          out.prices.push_back(std::move(s));
        }
      }
      return out;
    });
  });
}

result<tariff_history> tariffs_service::history(const principal& who, std::optional<std::string_view> region,
                                                timestamp from, timestamp to) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    if (!(from < to)) fail(errc::validation_error, "to must be after from", "to");
    if (to - from > std::chrono::days{366}) fail(errc::validation_error, "the range may span at most 366 days", "to");
    const auto code = impl::region_of(who, region);
    return impl_->core.read([&](storage::transaction& tx) {
      impl::require_region(tx, code);
      tariff_history out;
      for (auto& row : store::tariffs_overlapping(tx, code, from, to)) out.tariffs.push_back(std::move(row.t));
      std::reverse(out.tariffs.begin(), out.tariffs.end());
      out.overrides = store::overrides_overlapping(tx, code, from, to);
      std::sort(out.overrides.begin(), out.overrides.end(), [](const auto& a, const auto& b) {
        return a.start != b.start ? a.start > b.start : a.created_at > b.created_at;
      });
      return out;
    });
  });
}

result<std::vector<region_tariff>> tariffs_service::regions(const principal& who) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    if (!who.can(permission::tariffs_operate)) fail(errc::forbidden, "listing every region's tariff needs tariffs:operate");
    return impl_->core.read([&](storage::transaction& tx) {
      std::vector<region_tariff> out;
      for (const auto& r : storage::regions::all(tx)) {
        if (!impl::operates(who, r.code)) continue;
        region_tariff rt;
        rt.region = r.code;
        if (auto c = impl_->current_of(tx, r)) {
          rt.in_effect = std::move(c->in_effect);
          rt.period = std::move(c->period);
        }
        out.push_back(std::move(rt));
      }
      return out;
    });
  });
}

result<tariff_pricer> tariffs_service::pricer_at(std::string_view region, timestamp at) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) {
      const auto r = impl::require_region(tx, region);
      auto row = impl::tariff_at(tx, region, tariffs::bucket_of(at));
      if (!row) fail(errc::not_found, "region " + std::string(region) + " has no tariff in effect at " + to_rfc3339(at));
      return impl::compile(tx, r, row->t);
    });
  });
}

}  // namespace segs
