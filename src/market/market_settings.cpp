// Markets and their settings: listing them, reading one, changing one
// (with its audit record), and the rules a market's settings must follow,
// which the grid also applies to the deployment defaults at open.
#include "market/market_impl.hpp"

#include "storage/stores/identity_store.hpp"

#include <algorithm>
#include <iterator>

namespace segs::detail {

void validate_settings(const market_settings& s) {
  const auto slot = s.slot_length.count();
  if (slot < 1 || slot > 1440 || 1440 % slot != 0)
    fail(errc::validation_error, "slot_length must divide a day (1..1440 minutes, e.g. 15, 30, 60)", "slot_length");
  if (s.gate_closure.count() < 0 || s.gate_closure.count() > 7 * 1440)
    fail(errc::validation_error, "gate_closure must be between 0 and 10080 minutes", "gate_closure");
  if (s.open_ahead <= s.gate_closure || s.open_ahead.count() > 31 * 1440)
    fail(errc::validation_error,
         "open_ahead must be more than gate_closure and at most 44640 minutes (31 days)",
         "open_ahead");
  if (s.tick.micros <= 0) fail(errc::validation_error, "tick must be positive", "tick");
  if (s.fee_per_kwh.micros < 0) fail(errc::validation_error, "fee_per_kwh must not be negative", "fee_per_kwh");
  if (s.fee_ppm < 0 || s.fee_ppm > 1'000'000)
    fail(errc::validation_error, "fee_ppm must be between 0 and 1000000", "fee_ppm");
  if (s.imbalance_price && s.imbalance_price->micros <= 0)
    fail(errc::validation_error, "imbalance_price must be positive", "imbalance_price");
}

std::vector<market_info> market_impl::markets(const principal& who) {
  require_signed_in(who);
  // The regions of users (identity's table, read through its store) and of
  // configured markets, each once, in one snapshot.
  auto names = core_.read([&](storage::transaction& tx) {
    auto users = storage::identity::user_regions(tx);
    auto configured = store::configured_regions(tx);
    std::vector<std::string> all;
    all.reserve(users.size() + configured.size());
    // Sorted again by std::string's order, which set_union relies on (a
    // PostgreSQL collation may order the rows otherwise).
    std::ranges::sort(users);
    std::ranges::sort(configured);
    std::ranges::set_union(users, configured, std::back_inserter(all));
    return all;
  });
  std::vector<market_info> out;
  for (const auto& n : names) out.push_back(info(region(n)));
  return out;
}

market_info market_impl::info(region_market& r) {
  std::lock_guard lk(r.mu);  // settings only: no ownership needed
  return {r.name, r.settings, r.configured, r.updated_at};
}

// The settings and their audit record commit together.
market_info market_impl::configure(const principal& who, std::string_view name, const market_settings_update& u,
                                   const request_context& ctx) {
  require_signed_in(who);
  if (!who.can(permission::market_manage))
    fail(errc::forbidden, "only admins change market settings");
  if (name.empty() || name.size() > 100) fail(errc::validation_error, "region must be 1 to 100 characters", "region");
  auto& r = region(name);
  auto lk = lock(r);
  auto s = r.settings;
  if (u.mechanism) s.mechanism = *u.mechanism;
  if (u.slot_length) s.slot_length = *u.slot_length;
  if (u.open_ahead) s.open_ahead = *u.open_ahead;
  if (u.gate_closure) s.gate_closure = *u.gate_closure;
  if (u.tick) s.tick = *u.tick;
  if (u.fee_per_kwh) s.fee_per_kwh = *u.fee_per_kwh;
  if (u.fee_ppm) s.fee_ppm = *u.fee_ppm;
  if (u.imbalance_price) s.imbalance_price = *u.imbalance_price;
  if (u.stp) s.stp = *u.stp;
  validate_settings(s);
  // The journal's pending entries were made under the old settings: a
  // replay must not see the new ones.
  flush(r);
  const auto now = core_.now();
  // Which members were given, by their C++ names (the values are in the
  // market's row; the record need not repeat them).
  std::string changed;
  auto note = [&](bool given, std::string_view member) {
    if (!given) return;
    if (!changed.empty()) changed += ',';
    changed += member;
  };
  note(u.mechanism.has_value(), "mechanism");
  note(u.slot_length.has_value(), "slot_length");
  note(u.open_ahead.has_value(), "open_ahead");
  note(u.gate_closure.has_value(), "gate_closure");
  note(u.tick.has_value(), "tick");
  note(u.fee_per_kwh.has_value(), "fee_per_kwh");
  note(u.fee_ppm.has_value(), "fee_ppm");
  note(u.imbalance_price.has_value(), "imbalance_price");
  note(u.stp.has_value(), "stp");
  core_.write([&](storage::transaction& tx) {
    store::save_settings(tx, r.name, s, now);
    audit_market(core_, tx, who, ctx, "market.configure", r.name, std::nullopt, {{"changed", changed}});
  });
  r.settings = s;
  r.configured = true;
  r.updated_at = now;
  return {r.name, r.settings, r.configured, r.updated_at};
}

}  // namespace segs::detail
