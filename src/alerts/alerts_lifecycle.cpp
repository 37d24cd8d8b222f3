// Who sees and changes an alert, and its lifecycle: active -> acknowledged
// -> resolved, or active -> resolved. Every change is audited in its
// transaction and published after commit.
#include "alerts/alerts_impl.hpp"

#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "storage/stores/telemetry_store.hpp"

#include <set>

namespace segs {

using detail::fail;
namespace store = storage::alerts;

namespace {

bool manages_all(const principal& who) {
  return who.type == principal::kind::system ||
         (who.type == principal::kind::user && who.can(permission::alerts_manage) && who.scope == role_scope::all);
}
bool manages_region(const principal& who, std::string_view region) {
  return who.type == principal::kind::user && who.can(permission::alerts_manage) &&
         who.scope == role_scope::region && who.region == region;
}
bool owns(const principal& who, const alert& a) {
  return who.type == principal::kind::user && a.user_id && *a.user_id == who.id &&
         who.can(permission::telemetry_read);
}

enum class change { acknowledge, resolve };

page<alert> alerts_of(page<store::alert_row>&& rows) {
  page<alert> out{{}, rows.total, rows.page, rows.per_page};
  out.items.reserve(rows.items.size());
  for (auto& r : rows.items) out.items.push_back(std::move(r.a));
  return out;
}

// Applies `c` to `row` (seen and changeable by `who`); false when it was
// already acknowledged (nothing to do). Conflict when resolved.
bool apply(detail::grid_core& core, storage::transaction& tx, const principal& who, store::alert_row& row, change c,
           std::string_view note, const request_context& ctx) {
  auto& a = row.a;
  if (a.status == alert_status::resolved)
    fail(errc::conflict, "alert " + a.id.to_string() + " is resolved", "status");
  if (c == change::acknowledge && a.status == alert_status::acknowledged) return false;
  const auto now = core.now();
  std::optional<uuid> by;
  if (who.type != principal::kind::system) by = who.id;
  if (c == change::acknowledge) {
    a.status = alert_status::acknowledged;
    a.acknowledged_at = now;
    a.acknowledged_by = by;
    a.acknowledge_note = std::string(note);
  } else {
    a.status = alert_status::resolved;
    a.resolved_at = now;
    a.resolved_by = by;
    a.resolution = alert_resolution::manual;
    a.resolution_note = std::string(note);
  }
  store::update_alert(tx, row);
  detail::audit_append(core, tx, detail::actor::of(who), ctx,
                       {c == change::acknowledge ? "alert.acknowledge" : "alert.resolve", a.id.to_string(), "success",
                        detail::audit_details({{"meter_id", a.meter_id},
                                               {"type", to_string(a.type)},
                                               {"region", a.region},
                                               {"note", note}})});
  return true;
}

void check_note(std::string_view note, const char* field) {
  if (note.size() > 1000) fail(errc::validation_error, std::string(field) + " must be at most 1000 characters", field);
}

}  // namespace

store::visibility alerts_service::impl::visibility_of(const principal& who) {
  store::visibility v;
  if (manages_all(who)) {
    v.all = true;
    return v;
  }
  if (who.type != principal::kind::user) return v;  // sees nothing
  if (who.can(permission::telemetry_read)) v.user = who.id;
  if (who.can(permission::alerts_manage) && who.scope == role_scope::region) v.region = who.region;
  return v;
}

bool alerts_service::impl::sees(const principal& who, const alert& a) {
  return manages_all(who) || manages_region(who, a.region) || owns(who, a);
}

store::alert_row alerts_service::impl::require(storage::transaction& tx, const principal& who, const uuid& id) {
  auto row = store::find_alert(tx, id);
  if (!row || !sees(who, row->a)) fail(errc::not_found, "no alert " + id.to_string(), "alert_id");
  return std::move(*row);
}

result<alert> alerts_service::get(const principal& who, const uuid& id) {
  return detail::guard([&] {
    return impl_->core.read([&](storage::transaction& tx) { return impl_->require(tx, who, id).a; });
  });
}

result<page<alert>> alerts_service::list(const principal& who, const alert_query& q) {
  return detail::guard([&] {
    detail::check_page(q.page, q.per_page);
    if (q.from && q.to && !(*q.from < *q.to)) fail(errc::validation_error, "from must be before to", "from");
    return impl_->core.read([&](storage::transaction& tx) {
      store::alert_filter f;
      f.who = impl::visibility_of(who);
      f.status = q.status;
      f.severity = q.severity;
      f.type = q.type;
      f.region = q.region;
      f.from = q.from;
      f.to = q.to;
      if (q.meter) {
        // A meter unknown to the caller filters to nothing (ids do not leak).
        auto m = storage::telemetry::find_meter(tx, *q.meter);
        f.meter = m ? m->seq : -1;
      }
      return alerts_of(store::list_alerts(tx, f, {q.page, q.per_page}, false));
    });
  });
}

result<page<alert>> alerts_service::unresolved(const principal& who, page_request p) {
  return detail::guard([&] {
    detail::check_page(p);
    if (!who.can(permission::alerts_manage)) fail(errc::forbidden, "listing unresolved alerts needs alerts:manage");
    return impl_->core.read([&](storage::transaction& tx) {
      store::alert_filter f;
      f.who = impl::visibility_of(who);
      f.open_only = true;
      return alerts_of(store::list_alerts(tx, f, p, true));
    });
  });
}

result<alert> alerts_service::acknowledge(const principal& who, const uuid& id, std::string_view note,
                                          const request_context& ctx) {
  return detail::guard([&] {
    check_note(note, "note");
    bool changed = false;
    auto a = impl_->core.write([&](storage::transaction& tx) {
      auto row = impl_->require(tx, who, id);
      changed = apply(impl_->core, tx, who, row, change::acknowledge, note, ctx);
      return row.a;
    });
    if (changed && impl_->core.events.wanted("alerts.acknowledged"))
      impl_->core.events.publish({{0, a.region, alert_event{alert_event::kind::acknowledged, a}}});
    return a;
  });
}

result<alert> alerts_service::resolve(const principal& who, const uuid& id, std::string_view note,
                                      const request_context& ctx) {
  return detail::guard([&] {
    check_note(note, "resolution_note");
    std::vector<event> evs;
    bool mailed = false;
    auto a = impl_->core.write([&](storage::transaction& tx) {
      auto row = impl_->require(tx, who, id);
      apply(impl_->core, tx, who, row, change::resolve, note, ctx);
      evs.clear();
      if (impl_->core.wants("alerts.resolved"))
        evs.push_back({0, row.a.region, alert_event{alert_event::kind::resolved, row.a}});
      mailed = impl_->core.tell(tx, evs);  // the owner (and operators) hear of it
      return row.a;
    });
    impl_->core.publish(std::move(evs), mailed);
    return a;
  });
}

result<bulk_acknowledge_report> alerts_service::acknowledge_many(const principal& who, std::span<const uuid> ids,
                                                                 std::string_view note, const request_context& ctx) {
  return detail::guard([&] {
    if (!who.can(permission::alerts_manage))
      fail(errc::forbidden, "acknowledging alerts in bulk needs alerts:manage");
    if (ids.size() > 500) fail(errc::validation_error, "at most 500 alert ids per call", "alert_ids");
    check_note(note, "note");
    std::vector<alert> done;
    auto report = impl_->core.write([&](storage::transaction& tx) {
      bulk_acknowledge_report rep;
      done.clear();
      std::set<uuid> seen;
      for (const auto& id : ids) {
        if (!seen.insert(id).second) continue;  // a repeated id counts once
        auto row = store::find_alert(tx, id);
        if (!row || !impl::sees(who, row->a)) {
          rep.not_found.push_back(id);
        } else if (row->a.status == alert_status::resolved) {
          rep.conflict.push_back(id);
        } else if (row->a.status == alert_status::acknowledged) {
          rep.already_acknowledged.push_back(id);
        } else {
          apply(impl_->core, tx, who, *row, change::acknowledge, note, ctx);
          rep.acknowledged.push_back(id);
          done.push_back(row->a);
        }
      }
      return rep;
    });
    if (!done.empty() && impl_->core.events.wanted("alerts.acknowledged")) {
      std::vector<event> evs;
      for (auto& a : done) evs.push_back({0, a.region, alert_event{alert_event::kind::acknowledged, std::move(a)}});
      impl_->core.events.publish(std::move(evs));
    }
    return report;
  });
}

}  // namespace segs
