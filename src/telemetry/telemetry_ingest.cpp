// Ingestion: validating readings, classifying repeats, and storing a batch
// with the deltas of every aggregate it falls in, in one transaction.
//
// A batch is grouped in memory first: each touched meter quarter-hour,
// meter day and region quarter-hour gets one partial aggregate, merged into
// its stored row by one multi-row upsert per table (sums add, minima and
// maxima compare). Late and out-of-order readings are the same case as
// in-order ones: their delta lands in whatever bucket holds them.
// Corrections (`replace`) recompute the touched quarter-hours from the raw
// rows and the touched days from their quarter-hours, since a minimum
// cannot be un-merged.
#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "telemetry/rules.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace segs {

using detail::fail;
using detail::meter_access;
namespace store = storage::telemetry;
using telemetry::aggregate;

namespace {

bool same_values(const reading& a, const reading& b) {
  return a.time == b.time && a.consumed == b.consumed && a.produced == b.produced &&
         a.power_kw == b.power_kw && a.peak_demand_kw == b.peak_demand_kw && a.voltage == b.voltage &&
         a.current == b.current && a.power_factor == b.power_factor && a.frequency == b.frequency &&
         a.metadata == b.metadata;
}

rejected_reading reject(std::size_t index, const error& e) {
  return {index, e.field, e.code, e.message};
}

// What a batch adds to the stored aggregates.
struct deltas {
  std::map<std::pair<std::int64_t, std::int64_t>, aggregate> quarters;  // (meter, start)
  std::map<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, aggregate>> days;  // -> (end, agg)
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> day_hours;  // -> the profile's hours touched
  std::map<std::pair<std::string, std::int64_t>, store::region_quarter> regions;
  std::map<std::int64_t, store::meter_total> totals;  // by meter

  // A reading's energy added to (or, a correction, changed in) its region's
  // quarter-hour and its meter's totals; `t` is its time.
  void add_energy(const std::string& region, std::int64_t meter, timestamp t, std::int64_t consumed,
                  std::int64_t produced, std::int64_t readings) {
    auto& r = regions[{region, to_micros(telemetry::quarter_of(t))}];
    r.region = region;
    r.start = telemetry::quarter_of(t);
    r.consumed_wh += consumed;
    r.produced_wh += produced;
    r.readings += readings;
    auto& m = totals[meter];
    m.meter = meter;
    m.readings += readings;
    m.consumed_wh += consumed;
    m.produced_wh += produced;
    if (!m.last || *m.last < t) m.last = t;
  }
};

}  // namespace

ingest_report telemetry_service::impl::store_readings(const principal& who,
                                                      std::span<const meter_reading> rows,
                                                      bool replacing, std::string_view reason,
                                                      const request_context& ctx,
                                                      stored_reading* stored_out) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (rows.size() > telemetry::max_rows)
    fail(errc::validation_error, "at most 10000 readings per call", "readings");
  const timestamp now = core.now();

  // A conflict on PostgreSQL means another transaction stored one of these
  // readings first: the next attempt classifies it as a repeat.
  for (int attempt = 1;; ++attempt) {
    try {
      std::vector<std::vector<stored_reading>> published;  // per region, after commit
      std::vector<std::string> published_regions;
      std::vector<event> observed;  // what the in-transaction observers publish (alerts)
      bool mailed = false;          // the notifications of `observed` queued mail
      auto report = core.write([&](storage::transaction& tx) {
        ingest_report rep;
        published.clear();
        published_regions.clear();
        observed.clear();
        mailed = false;
        detail::stored_batch batch;
        std::vector<bool> bad(rows.size(), false);
        auto refuse = [&](std::size_t i, const error& e) {
          bad[i] = true;
          rep.rejected.push_back(reject(i, e));
        };

        // The meters, once each. A UUID may be written in either case: look
        // it up in the canonical (lower-case) form ids are stored in.
        std::vector<std::string> ref_of(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          const auto id = uuid::parse(rows[i].meter);
          ref_of[i] = id ? id->to_string() : rows[i].meter;
        }
        std::vector<std::string> refs;
        {
          std::set<std::string_view> seen;
          for (const auto& r : ref_of)
            if (seen.insert(r).second) refs.emplace_back(r);
        }
        std::unordered_map<std::string, const store::meter_row*> by_ref;
        auto found = store::find_meters(tx, refs);
        for (const auto& m : found) {
          by_ref[m.m.meter_id] = &m;
          by_ref[m.m.id.to_string()] = &m;
        }
        std::map<std::string, tz::zone, std::less<>> zones;
        auto zone = [&](const std::string& region) -> const tz::zone& {
          auto it = zones.find(region);
          if (it == zones.end()) it = zones.emplace(region, detail::zone_of(tx, region)).first;
          return it->second;
        };

        // Each row against its meter, the caller and the rules.
        std::vector<const store::meter_row*> meter_of(rows.size(), nullptr);
        const auto access = replacing ? meter_access::manage : meter_access::write;
        for (std::size_t i = 0; i < rows.size(); ++i) {
          const auto& row = rows[i];
          auto it = by_ref.find(ref_of[i]);
          if (it == by_ref.end() || !(detail::may(who, it->second->m, meter_access::read) ||
                                      detail::may(who, it->second->m, access))) {
            refuse(i, make_error(errc::not_found, "no meter " + row.meter, "meter_id"));
            continue;
          }
          const auto& m = it->second->m;
          if (!detail::may(who, m, access)) {
            refuse(i, make_error(errc::forbidden,
                                 replacing ? "correcting readings needs meters:manage"
                                           : "submitting readings needs telemetry:write",
                                 "meter_id"));
            continue;
          }
          if (m.status == meter_status::decommissioned) {
            refuse(i, make_error(errc::conflict, "meter " + m.meter_id + " is decommissioned",
                                 "meter_id"));
            continue;
          }
          std::optional<timestamp> installed;
          if (m.installation_date) installed = zone(m.region).start_of_day(*m.installation_date);
          if (auto e = telemetry::check_reading(row.values, now, installed)) {
            refuse(i, *e);
            continue;
          }
          if (!m.public_key.empty() && !replacing) {
            if (row.signed_by.signature.empty() ||
                !telemetry::signature_valid(
                    m.public_key, row.signed_by.signature,
                    telemetry::signed_message(m.meter_id, row.values, row.signed_by.time_text))) {
              refuse(i, make_error(errc::unauthorized,
                                   row.signed_by.signature.empty()
                                       ? "meter " + m.meter_id + " signs its readings: signature is missing"
                                       : "the signature does not verify with the meter's key",
                                   "signature"));
              continue;
            }
          }
          // Past the raw retention the raw rows a reading is checked against
          // may be gone: a repeat of a dropped reading would look new and be
          // counted twice, so such readings are refused. A correction
          // recomputes its whole quarter-hour from the raw rows, so the
          // quarter-hour must start at or after the cut-off (none of its
          // readings dropped), not only the reading.
          if (const auto& keep = core.opts.telemetry.raw_retention) {
            const auto cutoff = now - *keep;
            if (replacing ? telemetry::quarter_of(row.values.time) < cutoff : row.values.time < cutoff) {
              refuse(i, make_error(errc::validation_error,
                                   "time is older than the raw retention: its raw readings are gone",
                                   "time"));
              continue;
            }
          }
          meter_of[i] = it->second;
        }

        // Repeats: against storage and within the batch.
        std::vector<std::int64_t> seqs;
        for (const auto* m : meter_of)
          if (m) seqs.push_back(m->seq);
        std::sort(seqs.begin(), seqs.end());
        seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
        // Concurrent writers of the same meters on PostgreSQL (READ
        // COMMITTED) both found a reading missing, both inserted it, and one
        // failed on the primary key: after three such retries the whole batch
        // failed, though its rows were mere repeats. Holding the meters' rows
        // first makes the next writer wait and then see the committed readings.
        store::lock_meters(tx, seqs);
        std::vector<std::pair<std::int64_t, std::int64_t>> keys;
        keys.reserve(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i)
          if (meter_of[i]) keys.emplace_back(meter_of[i]->seq, to_micros(rows[i].values.time));
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        const auto existing = store::readings_at(tx, keys);
        std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> in_batch;

        std::vector<store::reading_row> fresh, corrected;
        std::vector<store::reading_row> old_values;  // of `corrected`, for audit and deltas
        deltas d;
        detail::hours_touched touched;
        std::set<std::pair<std::int64_t, std::int64_t>> dirty_quarters;  // replacing
        std::map<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, std::string>> dirty_days;
        std::map<std::string, std::vector<stored_reading>> events;
        const bool want_events = core.events.wanted("telemetry.readings");

        for (std::size_t i = 0; i < rows.size(); ++i) {
          const auto* m = meter_of[i];
          if (!m) continue;
          const auto& v = rows[i].values;
          const std::pair key{m->seq, to_micros(v.time)};
          if (auto b = in_batch.find(key); b != in_batch.end()) {
            if (same_values(rows[b->second].values, v)) {
              ++rep.duplicates;
            } else {
              refuse(i, make_error(errc::conflict,
                                   "row " + std::to_string(b->second) +
                                       " of this call has different values for this meter and time",
                                   "time"));
            }
            continue;
          }
          auto stored = existing.find(key);
          if (stored != existing.end() && same_values(stored->second.r, v)) {
            ++rep.duplicates;
            in_batch.emplace(key, i);
            if (stored_out)
              *stored_out = {m->m.id, m->m.meter_id, stored->second.r, stored->second.received_at, true};
            continue;
          }
          if (stored != existing.end() && !replacing) {
            refuse(i, make_error(errc::conflict,
                                 "a different reading is stored for meter " + m->m.meter_id + " at " +
                                     to_rfc3339(v.time) + "; corrections replace it explicitly",
                                 "time"));
            continue;
          }
          in_batch.emplace(key, i);
          store::reading_row r{m->seq, v, now};
          const auto q = telemetry::quarter_of(v.time);
          const auto day = detail::day_of(zone(m->m.region), v.time);
          if (replacing) {
            dirty_quarters.insert({m->seq, to_micros(q)});
            dirty_days[{m->seq, to_micros(day.start)}] = {to_micros(day.end), m->m.region};
          }
          if (stored != existing.end()) {
            const auto& o = stored->second.r;
            d.add_energy(m->m.region, m->seq, v.time, v.consumed.wh - o.consumed.wh, v.produced.wh - o.produced.wh, 0);
            old_values.push_back(stored->second);
            corrected.push_back(r);
            batch.readings.push_back({m->seq, &m->m, &rows[i].values});
          } else {
            d.add_energy(m->m.region, m->seq, v.time, v.consumed.wh, v.produced.wh, 1);
            if (!replacing) {
              d.quarters[{m->seq, to_micros(q)}].add(v);
              d.day_hours[{m->seq, to_micros(day.start)}] |= touched.of(zone(m->m.region), day.start, q);
              auto& dd = d.days[{m->seq, to_micros(day.start)}];
              dd.first = to_micros(day.end);
              dd.second.add(v);
            }
            fresh.push_back(r);
            batch.readings.push_back({m->seq, &m->m, &rows[i].values});
          }
          if (want_events)
            events[m->m.region].push_back({m->m.id, m->m.meter_id, v, now, false});
          if (stored_out) *stored_out = {m->m.id, m->m.meter_id, v, now, false};
        }
        rep.accepted = static_cast<std::int64_t>(fresh.size() + corrected.size());

        store::append_readings(tx, fresh);
        for (const auto& r : corrected) store::update_reading(tx, r);

        std::vector<store::stored_bucket> qs, ds;
        // The observers (alerts) need each touched quarter-hour's total: the
        // upserts answer it rather than a second read.
        std::vector<store::quarter_energy> quarter_totals;
        auto* totals_out = core.on_readings ? &quarter_totals : nullptr;
        if (!replacing) {
          qs.reserve(d.quarters.size());
          for (auto& [k, agg] : d.quarters)
            qs.push_back({k.first, from_micros(k.second), from_micros(k.second) + telemetry::quarter, agg});
          ds.reserve(d.days.size());
          for (auto& [k, v] : d.days)
            ds.push_back({k.first, from_micros(k.second), from_micros(v.first), v.second, d.day_hours[k]});
          store::merge_quarters(tx, qs, false, totals_out);
          store::merge_days(tx, ds);
        } else {
          // Recompute the touched quarter-hours from raw rows, then the
          // touched days from their quarter-hours.
          for (const auto& [seq, start] : dirty_quarters) {
            aggregate a;
            for (const auto& r : store::readings_between(tx, seq, from_micros(start),
                                                         from_micros(start) + telemetry::quarter))
              a.add(r.r);
            qs.push_back({seq, from_micros(start), from_micros(start) + telemetry::quarter, a});
          }
          store::merge_quarters(tx, qs, true, totals_out);
          for (const auto& [k, v] : dirty_days) {
            aggregate a;
            // From the rows: the day's packed form (if any) is stale until
            // merge_days below drops it.
            for (const auto& q : store::quarter_rows(tx, k.first, from_micros(k.second), from_micros(v.first)))
              a.merge(q.agg);
            ds.push_back({k.first, from_micros(k.second), from_micros(v.first), a});
          }
          store::merge_days(tx, ds, true);
        }
        std::vector<store::region_quarter> rq;
        rq.reserve(d.regions.size());
        for (auto& [k, v] : d.regions) rq.push_back(std::move(v));
        store::merge_region_quarters(tx, rq);
        std::vector<store::meter_total> totals;
        totals.reserve(d.totals.size());
        for (auto& [k, v] : d.totals) totals.push_back(v);
        store::merge_totals(tx, totals);
        if (core.on_readings && !batch.readings.empty()) {
          batch.quarters.reserve(quarter_totals.size());
          for (const auto& q : quarter_totals) batch.quarters.push_back({q.meter, q.start, q.consumed_wh});
          core.on_readings(tx, batch, observed);
          mailed = core.tell(tx, observed);
        }

        if (replacing && (rep.accepted > 0)) {
          std::string old_text;
          for (const auto& o : old_values) {
            if (!old_text.empty()) old_text += "; ";
            old_text += to_rfc3339(o.r.time) + " consumed_wh=" + std::to_string(o.r.consumed.wh) +
                        " produced_wh=" + std::to_string(o.r.produced.wh);
          }
          // The call's meter: the first row the checks kept (row 0 may have
          // been refused).
          const meter none;
          const auto kept = std::find_if(meter_of.begin(), meter_of.end(),
                                         [](const store::meter_row* p) { return p != nullptr; });
          const meter& m = kept != meter_of.end() ? (*kept)->m : none;
          detail::audit_append(core, tx, detail::actor::of(who), ctx,
                               {"meter.readings.replace", m.id.to_string(), "success",
                                detail::audit_details({{"meter_id", m.meter_id},
                                                       {"reason", reason},
                                                       {"replaced", std::to_string(corrected.size())},
                                                       {"inserted", std::to_string(fresh.size())},
                                                       {"old", old_text}})});
        }
        for (auto& [region, list] : events) {
          published_regions.push_back(region);
          published.push_back(std::move(list));
        }
        std::sort(rep.rejected.begin(), rep.rejected.end(),
                  [](const auto& a, const auto& b) { return a.index < b.index; });
        return rep;
      });
      if (!published.empty() || !observed.empty()) {
        std::vector<event> evs;
        for (std::size_t i = 0; i < published.size(); ++i)
          evs.push_back({0, published_regions[i], readings_committed{std::move(published[i])}});
        for (auto& e : observed) evs.push_back(std::move(e));
        core.publish(std::move(evs), mailed);
      }
      core.readings_ingested.fetch_add(report.accepted, std::memory_order_relaxed);
      return report;
    } catch (const segs::exception& e) {
      if (e.err().code != errc::conflict || attempt == 3 || !e.err().field.empty()) throw;
    }
  }
}

std::int64_t telemetry_service::impl::drop_expired_readings() {
  const auto& keep = core.opts.telemetry.raw_retention;
  if (!keep) return 0;
  const auto before = core.now() - *keep;
  return core.write([&](storage::transaction& tx) { return store::drop_readings_before(tx, before); });
}

result<stored_reading> telemetry_service::submit(const principal& who, std::string_view meter,
                                                 const reading& r, const reading_signature& sig) {
  return detail::guard([&]() -> stored_reading {
    const meter_reading row{std::string(meter), r, sig};
    stored_reading stored;
    auto rep = impl_->store_readings(who, {&row, 1}, false, {}, {}, &stored);
    if (!rep.rejected.empty()) {
      const auto& x = rep.rejected.front();
      fail(x.code, x.message, x.field);
    }
    return stored;
  });
}

result<ingest_report> telemetry_service::ingest(const principal& who,
                                                std::span<const meter_reading> rows) {
  return detail::guard([&] { return impl_->store_readings(who, rows, false); });
}

result<ingest_report> telemetry_service::replace(const principal& who, std::string_view meter,
                                                 std::span<const reading> readings,
                                                 std::string_view reason, const request_context& ctx) {
  return detail::guard([&] {
    if (reason.empty()) fail(errc::validation_error, "reason is required", "reason");
    if (reason.size() > 500) fail(errc::validation_error, "reason must be at most 500 characters", "reason");
    if (readings.empty()) fail(errc::validation_error, "readings must not be empty", "readings");
    std::vector<meter_reading> rows;
    rows.reserve(readings.size());
    for (const auto& r : readings) rows.push_back({std::string(meter), r, {}});
    // Unknown or unreachable meters answer not_found for the whole call.
    impl_->core.read([&](storage::transaction& tx) {
      return impl_->require(tx, who, meter, meter_access::manage).seq;
    });
    return impl_->store_readings(who, rows, true, reason, ctx);
  });
}

result<std::optional<stored_reading>> telemetry_service::latest(const principal& who,
                                                                std::string_view meter) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) -> std::optional<stored_reading> {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      auto last = store::latest_reading(tx, m.seq);
      if (!last) return std::nullopt;
      return stored_reading{m.m.id, m.m.meter_id, last->r, last->received_at, false};
    });
  });
}

result<page<stored_reading>> telemetry_service::readings(const principal& who, std::string_view meter,
                                                         time_range range, page_request p) {
  return detail::guard([&] {
    detail::check_page(p);
    telemetry::check_range(range);
    return impl_->core.read([&](storage::transaction& tx) {
      auto m = impl_->require(tx, who, meter, meter_access::read);
      auto rows = store::list_readings(tx, m.seq, range.start, range.end, p);
      page<stored_reading> out;
      out.total = rows.total;
      out.page = rows.page;
      out.per_page = rows.per_page;
      out.items.reserve(rows.items.size());
      for (auto& r : rows.items)
        out.items.push_back({m.m.id, m.m.meter_id, std::move(r.r), r.received_at, false});
      return out;
    });
  });
}

}  // namespace segs
