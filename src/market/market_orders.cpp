// The order calls of the public API (submit, submit_many, cancel, modify):
// who may place what, finding the order a call names, and running a
// command under its region's lock with its journal entry committed before
// the answer.
#include "market/market_impl.hpp"

namespace segs::detail {

// Applies a command and records its journal entry in the batch.
order market_impl::apply_and_journal(region_batch& b, const eng::command& c, timestamp now) {
  auto out = apply_command(b, c, now);
  auto& r = *b.region;
  b.journal.push_back({++r.journal_seq, now, eng::encode(c)});
  return out;
}

// One command on a region's market: under its lock, after its due gates
// closed and `check()` passed, it changes memory; its journal entry is
// committed before the answer is returned. A refusal (an exception) is
// raised before anything changes; should anything have changed all the
// same, the region is reloaded from storage.
template <class Check>
order market_impl::run(region_market& r, const eng::command& c, Check&& check) {
  auto lk = lock(r);
  const auto now = core_.now();
  close_due(r, now);
  check();
  region_batch b{&r};
  std::optional<order> out;
  try {
    out.emplace(apply_and_journal(b, c, now));
  } catch (...) {
    if (b.dirty()) reload(r);
    throw;
  }
  commit_journal({&b});
  absorb(r, b);
  flush_if_due(r);
  return std::move(*out);
}

// CONFLICT unless the order still rests (lock held, due gates closed).
void market_impl::require_live(region_market& r, const order_record& found) {
  if (r.live.count(found.seq)) return;
  auto status = found.o.status;
  if (auto f = r.pending.finished.find(found.seq); f != r.pending.finished.end()) {
    status = f->second.o.status;
  } else if (auto now_stored =
                 core_.read([&](storage::transaction& tx) { return store::find_order(tx, found.o.id); })) {
    status = now_stored->o.status;
  }
  fail(errc::conflict, "the order is " + std::string(to_string(status)) + " and can no longer change", "id");
}

std::string market_impl::region_for(const principal& who, const std::optional<std::string>& asked) {
  std::string name = asked.value_or(who.region);
  if (name.empty()) fail(errc::validation_error, "region is required", "region");
  if (name.size() > 100) fail(errc::validation_error, "region is too long", "region");
  return name;
}

void market_impl::check_submitter(const principal& who, const order_spec& spec, const std::string& region) {
  require_user(who);
  const auto perm = spec.side == order_side::buy ? permission::trade_buy : permission::trade_sell;
  if (!who.can(perm))
    fail(errc::forbidden, std::string("your role may not ") +
                              (spec.side == order_side::buy ? "buy" : "sell") + " energy",
         "side");
  if (region != who.region && !operates(who, region))
    fail(errc::forbidden, "users trade in the market of their own region", "region");
}

eng::command market_impl::submission(const principal& who, const order_spec& spec) {
  eng::command c;
  c.type = eng::command::kind::submit;
  c.order_id = core_.new_id();
  c.user_id = who.id;
  c.spec = spec;
  c.spec.region.reset();
  return c;
}

order market_impl::submit(const principal& who, const order_spec& spec) {
  require_user(who);
  const auto name = region_for(who, spec.region);
  check_submitter(who, spec, name);
  return run(region(name), submission(who, spec), [] {});
}

std::vector<result<order>> market_impl::submit_many(const principal& who, const std::vector<order_spec>& specs) {
  std::vector<result<order>> out(specs.size(), result<order>(make_error(errc::internal, "not placed")));
  // Regions involved, locked in name order.
  std::map<std::string, region_market*> involved;
  std::vector<std::optional<std::string>> names(specs.size());
  require_user(who);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto n = guard([&] {
      auto name = region_for(who, specs[i].region);
      check_submitter(who, specs[i], name);
      return name;
    });
    if (!n) {
      out[i] = n.error();
      continue;
    }
    names[i] = *n;
    involved.emplace(*n, nullptr);
  }
  for (auto& [n, p] : involved) p = &region(n);
  std::vector<std::unique_lock<std::mutex>> locks;
  for (auto& [n, p] : involved) locks.push_back(lock(*p));
  const auto now = core_.now();
  std::map<std::string, region_batch> batches;
  for (auto& [n, p] : involved) {
    close_due(*p, now);
    batches[n].region = p;
  }
  std::vector<std::optional<std::int64_t>> placed_seq(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (!names[i]) continue;
    auto& b = batches.at(*names[i]);
    const auto next = b.region->next_order_seq;
    auto res = guard([&] { return apply_and_journal(b, submission(who, specs[i]), now); });
    if (!res) {
      out[i] = res.error();
      continue;
    }
    placed_seq[i] = next;
    out[i] = std::move(res).value();
  }
  std::vector<region_batch*> all;
  for (auto& [n, b] : batches) all.push_back(&b);
  commit_journal(all);
  // Later orders of the call may have filled earlier ones: answer each
  // order's final state.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (!placed_seq[i] || !out[i]) continue;
    auto& b = batches.at(*names[i]);
    auto& o = *out[i];
    auto it = b.region->live.find(*placed_seq[i]);
    const order_record* rec = it != b.region->live.end() ? &it->second : nullptr;
    if (!rec) {
      auto f = b.finished.find(*placed_seq[i]);
      if (f != b.finished.end()) rec = &f->second;
    }
    if (rec) {
      auto trades = std::move(o.trades);
      o = rec->o;
      o.trades = std::move(trades);
    }
  }
  for (auto& [n, b] : batches) {
    absorb(*b.region, b);
    flush_if_due(*b.region);
  }
  return out;
}

// Finds an order the caller may see; not_found otherwise.
order_record market_impl::visible_order(const principal& who, const uuid& id) {
  require_signed_in(who);
  auto rec = core_.read([&](storage::transaction& tx) { return store::find_order(tx, id); });
  if (!rec || !(rec->o.user_id == who.id || operates(who, rec->o.region)))
    fail(errc::not_found, "no such order", "id");
  return *rec;
}

// As visible_order, answered from memory when the order rests in a region
// this grid runs (the usual case for a cancel or an amendment); otherwise
// from the tables, brought up to date first.
order_record market_impl::visible_live_order(const principal& who, const uuid& id) {
  require_signed_in(who);
  const auto all = all_regions();
  for (auto* r : all) {
    std::lock_guard lk(r->mu);
    if (!r->ownership || r->stale) continue;
    auto it = r->live_ids.find(id);
    if (it == r->live_ids.end()) continue;
    const auto& rec = r->live.at(it->second);
    if (!(rec.o.user_id == who.id || operates(who, rec.o.region))) fail(errc::not_found, "no such order", "id");
    return rec;
  }
  // Not resting here: the tables answer, once the order's region (and only
  // it) has written what waits.
  if (auto where = region_of_order(id)) sync_if_run(region(*where));
  return visible_order(who, id);
}

order market_impl::cancel(const principal& who, const uuid& id) {
  const auto found = visible_live_order(who, id);
  eng::command c;
  c.type = eng::command::kind::cancel;
  c.order_seq = found.seq;
  auto& r = region(found.o.region);
  return run(r, c, [&] { require_live(r, found); });
}

order market_impl::modify(const principal& who, const uuid& id, const order_change& change) {
  if (!change.quantity && !change.price)
    fail(errc::validation_error, "give quantity and/or price", "quantity");
  if (change.quantity && change.quantity->wh <= 0)
    fail(errc::validation_error, "quantity must be a positive whole number of Wh", "quantity");
  if (change.price && change.price->micros <= 0)
    fail(errc::validation_error, "price must be positive", "price");
  const auto found = visible_live_order(who, id);
  eng::command c;
  c.type = eng::command::kind::modify;
  c.order_seq = found.seq;
  c.change = change;
  auto& r = region(found.o.region);
  return run(r, c, [&] { require_live(r, found); });
}

}  // namespace segs::detail
