// Seeding demo data (docs/operations.md, "Seeding"): regions, accounts,
// meters, tariffs, synthetic readings, orders and a settled day, made
// through the other services so that everything seeded obeys their rules.
// No SQL here. The synthetic curves are pure (synthetic.hpp).
#include "crypto/random.hpp"
#include "identity/roles.hpp"
#include "operations/operations_impl.hpp"
#include "operations/synthetic.hpp"

#include <segs/grid.hpp>
#include <segs/identity.hpp>
#include <segs/market.hpp>
#include <segs/region.hpp>
#include <segs/tariffs.hpp>
#include <segs/telemetry.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

namespace segs {

using detail::fail;
namespace syn = detail::synthetic;

namespace {

constexpr int kMaxUsers = 1000;
constexpr int kMaxDays = 90;
constexpr std::size_t kIngestBatch = 10'000;
/// The seeded regions' local standard time, ahead of UTC (both are CET).
constexpr int kUtcOffsetMin = 60;
/// Slots after the settled day that get resting, non-crossing orders.
constexpr int kBookSlots = 8;

struct seeded_region {
  std::string code;
  const char* suffix;
  const char* zone;
  const char* name;
};

/// A seeded account and what the seed needs of it.
struct account {
  user u;
  principal as;
  syn::household home;
  std::string meter;  ///< households: the meter's serial
};

template <class T>
T ok(result<T> r, std::string_view what) {
  if (!r) {
    auto e = r.error();
    e.message = std::string(what) + ": " + e.message;
    throw segs::exception(std::move(e));
  }
  return std::move(r).value();
}

std::string padded(int n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

/// The highest k of the regions named "seed<k>-north": earlier runs.
int last_run(const std::vector<region>& regions) {
  int last = 0;
  for (const auto& r : regions) {
    const std::string_view c = r.code;
    if (!c.starts_with("seed") || !c.ends_with("-north")) continue;
    int k = 0;
    const auto digits = c.substr(4, c.size() - 4 - 6);
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
    if (ec == std::errc{} && p == digits.data() + digits.size()) last = std::max(last, k);
  }
  return last;
}

money on_tick(double per_kwh, money tick) {
  const auto t = std::max<std::int64_t>(tick.micros, 1);
  const auto steps = std::max<std::int64_t>(1, std::llround(per_kwh * 1e6 / static_cast<double>(t)));
  return money{steps * t};
}

tariff regional_tariff(const std::string& code, timestamp from) {
  using std::chrono::hours;
  using std::chrono::minutes;
  const std::vector<day_kind> weekdays{day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu, day_kind::fri};
  const std::vector<day_kind> every_day{day_kind::mon, day_kind::tue, day_kind::wed, day_kind::thu,
                                        day_kind::fri, day_kind::sat, day_kind::sun, day_kind::holiday};
  tariff t;
  t.region = code;
  t.name = "Seeded time-of-use";
  t.effective_from = from;
  t.periods = {{"off_peak", money{180'000}}, {"standard", money{280'000}}, {"peak", money{380'000}}};
  t.schedule = {{"peak", weekdays, hours{17}, hours{21}, {}}, {"off_peak", every_day, hours{22}, hours{6}, {}}};
  t.default_period = "standard";
  t.fixed_charge_per_day = money{500'000};
  t.export_price_per_kwh = money{80'000};
  t.tax_percent = ten_thousandths{190'000};
  return t;
}

}  // namespace

result<seed_report> operations_service::seed(const principal& who, const seed_request& req) {
  return detail::guard([&] {
    impl::require_reader(who);
    auto& core = impl_->core;
    if (!core.opts.development_mode)
      fail(errc::forbidden, "seeding needs a grid in development mode (options::development_mode)");
    if (req.users < 1 || req.users > kMaxUsers)
      fail(errc::validation_error, "users must be 1 to " + std::to_string(kMaxUsers), "users");
    if (req.days < 0 || req.days > kMaxDays)
      fail(errc::validation_error, "days must be 0 to " + std::to_string(kMaxDays), "days");
    auto& g = *impl_->services;
    const auto sys = principal::system();

    seed_report rep;
    rep.run = last_run(ok(g.regions().list(sys), "regions")) + 1;
    const std::string run = "seed" + std::to_string(rep.run);
    syn::rng rnd(req.seed);

    // Regions, created first: a run that fails later leaves them, and the
    // next run numbers itself after them.
    std::vector<seeded_region> regions{{run + "-north", "north", "Europe/Berlin", "Seeded north"},
                                       {run + "-south", "south", "Europe/Madrid", "Seeded south"}};
    for (auto& r : regions) {
      region_spec spec;
      spec.name = std::string(r.name) + " (run " + std::to_string(rep.run) + ")";
      spec.time_zone = r.zone;
      spec.currency = "EUR";
      ok(g.regions().put(sys, r.code, spec), "region " + r.code);
      ++rep.regions;
    }

    // Accounts: an admin, an operator per region, `users` households
    // alternating prosumer and consumer, and north and south.
    // Orders are placed, and gates closed, by principals acting as the
    // accounts created here, as their sessions would (identity's rule).
    auto acting_as = [&](const user& u) { return detail::principal_for(u, core.find_role(u.role)); };
    auto create = [&](const std::string& email, const std::string& role, const std::string& region,
                      const std::string& name) {
      registration reg;
      reg.email = email;
      reg.password = crypto::random_token(12);  // 16 characters, never from the seed
      reg.name = name;
      reg.role = role;
      reg.region = region;
      reg.department = "Demo";
      auto u = ok(g.identity().create_user(sys, reg), "user " + email);
      rep.credentials.push_back({email, *reg.password, role});
      ++rep.users;
      return u;
    };
    const auto admin = acting_as(create(run + ".admin@example.org", "admin", regions[0].code, "Demo Admin"));
    for (const auto& r : regions)
      create(run + ".operator." + r.suffix + "@example.org", "operator", r.code,
             std::string("Demo Operator ") + r.suffix);
    std::vector<account> homes;
    homes.reserve(static_cast<std::size_t>(req.users));
    for (int i = 1; i <= req.users; ++i) {
      const bool prosumer = i % 2 == 1;
      const auto& region = regions[static_cast<std::size_t>((i - 1) / 2 % 2)];
      const std::string role = prosumer ? "prosumer" : "consumer";
      account a;
      a.u = create(run + "." + role + padded(i, 4) + "@example.org", role, region.code,
                   "Demo " + std::string(prosumer ? "Prosumer " : "Consumer ") + std::to_string(i));
      a.as = acting_as(a.u);
      a.home = syn::make_household(rnd, prosumer);
      homes.push_back(std::move(a));
    }

    // A meter per household, owned by it.
    for (std::size_t i = 0; i < homes.size(); ++i) {
      auto& a = homes[i];
      meter_spec m;
      m.meter_id = "SEED" + std::to_string(rep.run) + "-" + padded(static_cast<int>(i + 1), 4);
      m.region = a.u.region;
      m.meter_type = a.home.pv_peak_kw > 0 ? meter_kind::net_meter : meter_kind::smart_digital;
      m.capacity_kw = milli{std::llround(std::max(a.home.pv_peak_kw, 6.0) * 1000.0) + 4000};
      m.user_id = a.u.id;
      a.meter = ok(g.telemetry().create_meter(sys, m), "meter " + *m.meter_id).meter_id;
      ++rep.meters;
    }

    // Tariffs from the first seeded day (or today), one per region.
    const auto now = core.now();
    const timestamp today{std::chrono::floor<std::chrono::days>(now)};
    const timestamp first_day = today - std::chrono::days{req.days};
    for (const auto& r : regions) {
      ok(g.tariffs().create(sys, regional_tariff(r.code, first_day)), "tariff of " + r.code);
      ++rep.tariffs;
    }

    // Readings: whole UTC days before today, 96 quarters each, in batches.
    std::vector<meter_reading> batch;
    batch.reserve(kIngestBatch);
    auto flush = [&] {
      if (batch.empty()) return;
      const auto ingested = ok(g.telemetry().ingest(sys, batch), "readings");
      if (!ingested.rejected.empty())
        fail(errc::internal, "a seeded reading was refused: " + ingested.rejected.front().message,
             ingested.rejected.front().field);
      rep.readings += ingested.accepted;
      batch.clear();
    };
    for (int d = 0; d < req.days; ++d) {
      const auto day_start = first_day + std::chrono::days{d};
      for (const auto& a : homes) {
        const auto quarters = syn::day(rnd, a.home, kUtcOffsetMin);
        for (std::size_t q = 0; q < quarters.size(); ++q) {
          meter_reading row;
          row.meter = a.meter;
          row.values.time = day_start + std::chrono::minutes{15 * static_cast<int>(q + 1)};
          row.values.consumed = energy{quarters[q].consumed_wh};
          row.values.produced = energy{quarters[q].produced_wh};
          row.values.power_kw = milli{(quarters[q].consumed_wh - quarters[q].produced_wh) * 4};
          row.values.voltage = milli{228'000 + static_cast<std::int64_t>(rnd.below(4'001))};
          row.values.power_factor = milli{950 + static_cast<std::int64_t>(rnd.below(41))};
          batch.push_back(std::move(row));
          if (batch.size() == kIngestBatch) flush();
        }
      }
    }
    flush();

    // The market: a day of slots from the first whose gate is a minute or
    // more away, where prosumers sell their forecast surplus and consumers
    // buy their forecast load; then those slots' gates are closed and they
    // are settled as traded. Then resting orders for the next slots.
    const auto& ms = core.opts.market.defaults;
    const auto len = std::chrono::duration_cast<std::chrono::microseconds>(ms.slot_length);
    const auto earliest = to_micros(now + ms.gate_closure + std::chrono::minutes{1});
    const timestamp s0 = from_micros((earliest + len.count() - 1) / len.count() * len.count());
    const auto opens_by = now + ms.open_ahead;
    const int day_slots = static_cast<int>(std::chrono::days{1} / ms.slot_length);
    auto open = [&](int k) { return s0 + len * k <= opens_by; };
    auto quarter_of = [&](timestamp s) {
      return static_cast<std::size_t>((s - std::chrono::floor<std::chrono::days>(s)) / std::chrono::minutes{15}) % 96;
    };
    auto place = [&](const account& a, const std::vector<order_spec>& specs) {
      if (specs.empty()) return;
      for (const auto& o : ok(g.market().submit_many(a.as, specs), "orders of " + a.u.email)) {
        const auto& placed = ok(o, "an order of " + a.u.email);
        ++rep.orders;
        rep.trades += static_cast<std::int64_t>(placed.trades.size());
      }
    };
    // Sellers first, so that buyers meet their offers.
    for (const bool selling : {true, false}) {
      for (const auto& a : homes) {
        if ((a.home.pv_peak_kw > 0) != selling) continue;
        const auto forecast = syn::day(rnd, a.home, kUtcOffsetMin);
        std::vector<order_spec> specs;
        for (int k = 0; k < day_slots + kBookSlots && open(k); ++k) {
          const auto slot = s0 + len * k;
          const auto& q = forecast[quarter_of(slot)];
          const bool book_only = k >= day_slots;  // after the day: rests, never crosses
          order_spec o;
          o.side = selling ? order_side::sell : order_side::buy;
          o.delivery_slot = slot;
          if (book_only) {
            o.quantity = energy{200 + static_cast<std::int64_t>(rnd.below(801))};
            o.price = on_tick(selling ? rnd.uniform(0.20, 0.26) : rnd.uniform(0.05, 0.09), ms.tick);
          } else {
            const auto wh = selling ? q.produced_wh - q.consumed_wh : q.consumed_wh;
            const double price = selling ? rnd.uniform(0.08, 0.16) : rnd.uniform(0.10, 0.22);
            if (wh < (selling ? 100 : 50)) continue;
            o.quantity = energy{wh};
            o.price = on_tick(price, ms.tick);
          }
          specs.push_back(o);
        }
        place(a, specs);
      }
    }
    for (const auto& r : regions)
      for (int k = 0; k < day_slots && open(k); ++k) {
        const auto slot = s0 + len * k;
        ok(g.market().clear(admin, r.code, slot), "closing a slot of " + r.code);
        ok(g.market().settle(admin, r.code, slot, std::vector<delivery>{}), "settling a slot of " + r.code);
        ++rep.settled_slots;
      }
    // Writes the order and trade rows still waiting for their batch, so that
    // every reader of the tables (stats, another process) sees the run.
    ok(g.market().close_due_gates(), "writing the market's rows");
    return rep;
  });
}

}  // namespace segs
