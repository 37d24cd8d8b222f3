// Generating a cycle's invoices, and previews of the current cycle. A
// region's cycle is read once for what its customers share (the prices of
// its buckets, who held which meter, the market's slots); customers are then
// invoiced a batch per write transaction, in the order of their meters so
// that a batch's quarter-hours are one run of keys per hour block.
#include "billing/billing_impl.hpp"

#include "billing/prices.hpp"

#include "audit/chain.hpp"
#include "storage/stores/market_store.hpp"
#include "storage/stores/region_store.hpp"
#include "storage/stores/telemetry_store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <unordered_map>

namespace segs {

using detail::fail;
namespace store = storage::billing;
using storage::telemetry::meter_holding;
using namespace std::chrono_literals;
using billing::prices_of;
using billing::zone_of;

namespace {

constexpr std::int64_t quarter_us = billing::quarter_us;

std::int64_t bucket_index(timestamp t, timestamp start) { return (to_micros(t) - to_micros(start)) / quarter_us; }

// What the market delivered to and from each customer in the cycle, and
// their ledger sums.
struct market_view {
  std::map<uuid, billing::market_sums> sums;
  struct flow {
    std::size_t bucket = 0;
    std::int64_t bought = 0;
    std::int64_t sold = 0;
  };
  std::map<uuid, std::vector<flow>> flows;
};

market_view market_of(storage::transaction& tx, const std::string& region, const billing::cycle& c,
                      std::optional<uuid> only = std::nullopt) {
  namespace m = storage::market;
  market_view v;
  std::map<std::int64_t, m::slot_span> slots;
  for (const auto& s : m::slots_between(tx, region, c.start, c.end)) slots[to_micros(s.start)] = s;
  // Delivered energy per (slot, user): bought, sold.
  std::map<std::pair<std::int64_t, uuid>, std::pair<std::int64_t, std::int64_t>> delivered;
  for (const auto& se : m::user_entries_between(tx, region, c.start, c.end)) {
    const auto& e = se.entry;
    if (only && *e.user_id != *only) continue;
    v.sums[*e.user_id][static_cast<std::size_t>(e.kind)].add(e.quantity.wh, e.amount.micros);
    auto& d = delivered[{to_micros(se.slot), *e.user_id}];
    switch (e.kind) {
      case ledger_kind::trade_debit: d.first += e.quantity.wh; break;
      case ledger_kind::imbalance_refund: d.first -= e.quantity.wh; break;  // bought, not delivered
      case ledger_kind::trade_credit: d.second += e.quantity.wh; break;
      case ledger_kind::imbalance_charge: d.second -= e.quantity.wh; break;  // sold, not delivered
      case ledger_kind::fee: break;
    }
  }
  for (const auto& t : m::unsettled_trades_between(tx, region, c.start, c.end)) {
    if (!only || t.buyer == *only) delivered[{to_micros(t.slot), t.buyer}].first += t.quantity.wh;
    if (!only || t.seller == *only) delivered[{to_micros(t.slot), t.seller}].second += t.quantity.wh;
  }
  const auto n = c.buckets();
  std::vector<std::int64_t> b;
  std::vector<std::int64_t> s;
  for (const auto& [key, d] : delivered) {
    const auto slot = slots.find(key.first);
    const auto k = static_cast<std::size_t>(slot == slots.end() ? 1 : std::max<std::int64_t>(slot->second.length / 15min, 1));
    b.assign(k, 0);
    s.assign(k, 0);
    billing::spread(d.first, b);
    billing::spread(d.second, s);
    const auto base = bucket_index(from_micros(key.first), c.start);
    auto& out = v.flows[key.second];
    for (std::size_t j = 0; j < k; ++j) {
      const auto i = base + static_cast<std::int64_t>(j);
      if (i < 0 || static_cast<std::size_t>(i) >= n || (b[j] == 0 && s[j] == 0)) continue;
      out.push_back({static_cast<std::size_t>(i), b[j], s[j]});
    }
  }
  return v;
}

// Who held which meter during the cycle.
struct holdings_view {
  std::vector<meter_holding> rows;
  std::unordered_map<std::int64_t, std::vector<const meter_holding*>> by_meter;
  std::map<uuid, std::vector<std::int64_t>> meters_of;  // sorted

  void index() {
    for (const auto& h : rows) {
      by_meter[h.meter].push_back(&h);
      meters_of[h.user].push_back(h.meter);
    }
    for (auto& [_, m] : meters_of) {
      std::sort(m.begin(), m.end());
      m.erase(std::unique(m.begin(), m.end()), m.end());
    }
  }
  [[nodiscard]] const meter_holding* holder(std::int64_t meter, timestamp at) const {
    const auto it = by_meter.find(meter);
    if (it == by_meter.end()) return nullptr;
    for (const auto* h : it->second)
      if ((!h->from || *h->from <= at) && (!h->to || at < *h->to)) return h;
    return nullptr;
  }
};

// Adds the quarter-hours of `meters` in [from, to) to the energy of the
// customers of `index` who held the meter at each bucket's start (settled
// days come from their packed form: telemetry's quarter_flows).
void add_metered(storage::transaction& tx, const holdings_view& h, std::vector<std::int64_t> meters,
                 const std::map<uuid, std::size_t>& index, const billing::cycle& c, timestamp to,
                 std::vector<billing::customer_energy>& energy) {
  if (meters.empty()) return;
  std::sort(meters.begin(), meters.end());
  meters.erase(std::unique(meters.begin(), meters.end()), meters.end());
  const auto flows = storage::telemetry::quarter_flows(tx, meters, c.start, to);
  for (const auto& f : flows) {
    const auto* holder = h.holder(f.meter, f.start);
    if (!holder) continue;
    const auto who = index.find(holder->user);
    if (who == index.end()) continue;
    const auto i = static_cast<std::size_t>(bucket_index(f.start, c.start));
    auto& e = energy[who->second];
    e.consumed[i] += f.consumed_wh;
    e.produced[i] += f.produced_wh;
  }
}

void add_market(const market_view& m, const uuid& user, billing::customer_energy& e) {
  const auto it = m.flows.find(user);
  if (it == m.flows.end()) return;
  for (const auto& f : it->second) {
    e.bought[f.bucket] += f.bought;
    e.sold[f.bucket] += f.sold;
  }
}

std::string invoice_number(const std::string& region, int year, std::int64_t n) {
  std::string code = region;
  for (auto& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%06lld", year, static_cast<long long>(n));
  return "INV-" + code + "-" + buf;
}

const billing::market_sums& sums_of(const market_view& m, const uuid& user) {
  static constexpr billing::market_sums none{};
  const auto it = m.sums.find(user);
  return it == m.sums.end() ? none : it->second;
}

// The "billing.generate" record of one region's run.
void audit_generation(detail::grid_core& core, storage::transaction& tx, const principal& who,
                      const request_context& ctx, const std::string& region, const std::string& period,
                      const generation_result& one) {
  detail::audit_append(core, tx, detail::actor::of(who), ctx,
                       {"billing.generate", region, "success",
                        detail::audit_details({{"period", period},
                                               {"generated", std::to_string(one.generated)},
                                               {"skipped_existing", std::to_string(one.skipped_existing)},
                                               {"total_amount", one.total_amount.to_string()}})});
}

}  // namespace

void billing_service::impl::generate_region(const region& r, const billing_settings& s, const billing::cycle& c,
                                            generation_result& out) {
  const auto z = zone_of(r);
  const auto period = c.period();
  const int year = static_cast<int>(c.month.year());
  // What every customer of the cycle shares, read once.
  billing::cycle_prices prices;
  market_view market;
  holdings_view holdings;
  core.read([&](storage::transaction& tx) {
    prices = prices_of(tx, r, z, c);
    market = market_of(tx, r.code, c);
    holdings = holdings_view{};
    holdings.rows = storage::telemetry::holdings_of_region(tx, r.code, c.start, c.end);
  });
  holdings.index();

  // Customers in the order of their first meter; market-only ones last.
  std::vector<std::pair<std::int64_t, uuid>> order;
  for (const auto& [user, meters] : holdings.meters_of) order.emplace_back(meters.front(), user);
  for (const auto& [user, _] : market.sums)
    if (!holdings.meters_of.contains(user)) order.emplace_back(std::numeric_limits<std::int64_t>::max(), user);
  std::sort(order.begin(), order.end());

  const auto batch = static_cast<std::size_t>(core.settings.integer("billing.generation_batch"));
  std::vector<billing::customer_energy> energy;
  std::int64_t generated = 0;
  for (std::size_t at = 0; at < order.size(); at += batch) {
    const auto end = std::min(order.size(), at + batch);
    std::vector<uuid> users;
    for (std::size_t i = at; i < end; ++i) users.push_back(order[i].second);
    std::vector<invoice> made;
    std::int64_t skipped = 0;
    detail::outgoing events;
    core.write([&](storage::transaction& tx) {
      made.clear();
      events.clear();
      // The number row's lock first: another generator of the region and year
      // has then committed, and its invoices are seen below.
      const auto last = store::lock_numbers(tx, r.code, year);
      const auto existing = store::invoiced_users(tx, r.code, period, users);
      const std::set<uuid> done(existing.begin(), existing.end());
      skipped = static_cast<std::int64_t>(done.size());
      std::map<uuid, std::size_t> index;
      std::vector<std::int64_t> meters;
      for (const auto& u : users) {
        if (done.contains(u)) continue;
        index.emplace(u, index.size());
        if (const auto it = holdings.meters_of.find(u); it != holdings.meters_of.end())
          meters.insert(meters.end(), it->second.begin(), it->second.end());
      }
      if (index.empty()) return;
      while (energy.size() < index.size()) energy.emplace_back(c.buckets());
      for (std::size_t i = 0; i < index.size(); ++i) energy[i].clear();
      add_metered(tx, holdings, meters, index, c, c.end, energy);
      const auto now = core.now();
      std::int64_t n = last;
      for (const auto& u : users) {
        const auto it = index.find(u);
        if (it == index.end()) continue;
        auto& e = energy[it->second];
        add_market(market, u, e);
        auto lines = billing::form_lines(prices, e, sums_of(market, u), {static_cast<std::size_t>(c.days), 1, 1});
        if (lines.lines.empty()) continue;  // nothing to bill: no invoice, no number
        storage::billing::invoice_row row;
        auto& inv = row.inv;
        inv.id = core.new_id();
        inv.number = invoice_number(r.code, year, ++n);
        inv.user_id = u;
        inv.region = r.code;
        inv.currency = r.currency;
        inv.period = period;
        inv.cycle_start = c.start;
        inv.cycle_end = c.end;
        inv.issued_at = now;
        inv.due_at = now + std::chrono::hours{24} * s.due_days;
        inv.lines = std::move(lines.lines);
        inv.subtotal = lines.subtotal;
        inv.tax = lines.tax;
        inv.total = lines.total;
        inv.consumed = lines.consumed;
        inv.produced = lines.produced;
        restate(row, false);
        made.push_back(std::move(inv));
      }
      store::insert_invoices(tx, made);
      store::set_last_number(tx, r.code, year, n);
      // Each customer is told in the batch's transaction.
      for (const auto& inv : made)
        events.add(inv.region, billing_event{billing_event::kind::invoice_issued, inv.id, inv.number, inv.user_id,
                                             inv.period, inv.total, inv.amount_due, inv.status, std::nullopt});
      core.tell(tx, events);
    });
    out.skipped_existing += skipped;
    for (const auto& inv : made) out.total_amount = out.total_amount + inv.total;
    generated += static_cast<std::int64_t>(made.size());
    core.publish(std::move(events));
  }
  out.generated += generated;
}

result<generation_result> billing_service::generate(const principal& who, std::string_view period,
                                                   std::optional<std::string_view> region, const request_context& ctx) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    const auto month = billing::parse_period(period);
    if (!month) fail(errc::validation_error, "period must be YYYY-MM", "period");
    auto& core = impl_->core;
    std::vector<std::pair<segs::region, billing_settings>> targets;
    core.read([&](storage::transaction& tx) {
      targets.clear();
      if (region) {
        auto r = impl::require_region(tx, *region);
        impl::require_operator(who, r.code);
        targets.emplace_back(r, impl::settings_of(tx, r.code));
        return;
      }
      for (auto& r : storage::regions::all(tx))
        if (impl::operates(who, r.code)) targets.emplace_back(r, impl::settings_of(tx, r.code));
      if (targets.empty()) fail(errc::forbidden, "generating invoices needs billing:operate");
    });
    generation_result out;
    out.period = std::string(period);
    for (const auto& [r, s] : targets) {
      const auto c = billing::cycle_of(zone_of(r), *month, s.cycle_day);
      if (core.now() < c.end) {
        if (region)
          fail(errc::conflict, "the " + out.period + " cycle of " + r.code + " ends at " + to_rfc3339(c.end), "period");
        continue;
      }
      generation_result one;
      impl_->generate_region(r, s, c, one);
      out.regions.push_back(r.code);
      out.generated += one.generated;
      out.skipped_existing += one.skipped_existing;
      out.total_amount = out.total_amount + one.total_amount;
      core.write([&](storage::transaction& tx) { audit_generation(core, tx, who, ctx, r.code, out.period, one); });
    }
    return out;
  });
}

std::int64_t billing_service::impl::generate_due(timestamp now) {
  std::vector<std::pair<region, store::auto_region>> due;
  core.read([&](storage::transaction& tx) {
    due.clear();
    for (auto& a : store::auto_generating(tx))
      if (auto r = storage::regions::find(tx, a.settings.region)) due.emplace_back(std::move(*r), std::move(a));
  });
  std::int64_t generated = 0;
  for (const auto& [r, a] : due) {
    const auto z = zone_of(r);
    // The last cycle that has ended: the one before the cycle holding now.
    const auto current = billing::cycle_at(z, now, a.settings.cycle_day);
    const auto c = billing::cycle_of(z, current.month - std::chrono::months{1}, a.settings.cycle_day);
    // Cycles that ended since the region switched it on (or since the last
    // one due work generated), never older ones.
    if (a.generated ? *a.generated >= c.period() : !(a.settings.updated_at && *a.settings.updated_at < c.end)) continue;
    generation_result one;
    generate_region(r, a.settings, c, one);
    generated += one.generated;
    core.write([&](storage::transaction& tx) {
      store::set_auto_generated(tx, r.code, c.period());
      audit_generation(core, tx, principal::system(), {}, r.code, c.period(), one);
    });
  }
  return generated;
}

cycle_preview billing_service::impl::preview(const principal& who, bool projected) {
  require_signed_in(who);
  if (who.type != principal::kind::user) fail(errc::forbidden, "a cycle preview is a customer's: sign in as a user");
  return core.read([&](storage::transaction& tx) {
    const auto r = require_region(tx, who.region);
    const auto s = settings_of(tx, r.code);
    const auto z = zone_of(r);
    const auto now = core.now();
    const auto c = billing::cycle_at(z, now, s.cycle_day);
    const auto prices = prices_of(tx, r, z, c);
    const auto market = market_of(tx, r.code, c, who.id);
    holdings_view holdings;
    for (auto& h : storage::telemetry::holdings_of_region(tx, r.code, c.start, c.end))
      if (h.user == who.id) holdings.rows.push_back(h);
    holdings.index();
    std::vector<billing::customer_energy> energy;
    energy.emplace_back(c.buckets());
    const std::map<uuid, std::size_t> index{{who.id, 0}};
    const auto it = holdings.meters_of.find(who.id);
    if (it != holdings.meters_of.end()) add_metered(tx, holdings, it->second, index, c, std::min(c.end, now + 15min), energy);
    add_market(market, who.id, energy[0]);
    const int elapsed = billing::days_started(z, c, now);
    billing::billing_scope scope{static_cast<std::size_t>(projected ? c.days : elapsed), projected ? c.days : 1,
                                 projected ? elapsed : 1};
    auto lines = billing::form_lines(prices, energy[0], sums_of(market, who.id), scope);
    cycle_preview p;
    p.region = r.code;
    p.currency = r.currency;
    p.period = c.period();
    p.cycle_start = c.start;
    p.cycle_end = c.end;
    p.days_elapsed = elapsed;
    p.days_total = c.days;
    p.consumed = lines.consumed;
    p.produced = lines.produced;
    p.lines = std::move(lines.lines);
    p.subtotal = lines.subtotal;
    p.tax = lines.tax;
    p.total = lines.total;
    p.projected = projected;
    return p;
  });
}

}  // namespace segs
