// The billing service: access, settings, reading invoices, previews of the
// current cycle. Generation is in billing_generate.cpp, payments, disputes
// and overdue invoices in billing_payments.cpp, reports in
// billing_reports.cpp.
#include "billing/billing_impl.hpp"

#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "storage/stores/region_store.hpp"

#include <segs/events.hpp>

namespace segs {

using detail::fail;
namespace store = storage::billing;

billing_service::billing_service(detail::grid_core& core) : impl_(std::make_unique<impl>(core)) {}
billing_service::~billing_service() = default;

// --- access and shared reads ---------------------------------------------------------------

void billing_service::impl::require_signed_in(const principal& who) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
}

bool billing_service::impl::operates(const principal& who, std::string_view region) {
  if (who.type == principal::kind::system) return true;
  if (!who.can(permission::billing_operate)) return false;
  return who.scope == role_scope::all || (who.scope == role_scope::region && who.region == region);
}

void billing_service::impl::require_operator(const principal& who, std::string_view region) {
  require_signed_in(who);
  if (!operates(who, region)) fail(errc::forbidden, "this needs billing:operate in region " + std::string(region));
}

region billing_service::impl::require_region(storage::transaction& tx, std::string_view code) {
  auto r = storage::regions::find(tx, code);
  if (!r) fail(errc::not_found, "no region " + std::string(code), "region");
  return *r;
}

billing_settings billing_service::impl::settings_of(storage::transaction& tx, std::string_view region) {
  if (auto s = store::find_settings(tx, region)) return *s;
  billing_settings s;
  s.region = std::string(region);
  return s;
}

store::invoice_row billing_service::impl::require_invoice(storage::transaction& tx, const principal& who,
                                                          const uuid& id, bool operator_may) {
  require_signed_in(who);
  auto row = store::find_invoice(tx, id);
  const bool owner = row && who.type == principal::kind::user && who.id == row->inv.user_id;
  if (!row || !(owner || (operator_may && operates(who, row->inv.region))))
    fail(errc::not_found, "no invoice " + id.to_string(), "invoice_id");
  return std::move(*row);
}

void billing_service::impl::restate(store::invoice_row& r, bool disputed) {
  auto& i = r.inv;
  i.amount_due = i.total - i.amount_paid - r.credited;
  if (i.status == invoice_status::void_) {
    i.amount_due = money{};  // nothing is owed on a void invoice
    return;
  }
  if (i.amount_due.micros <= 0)
    i.status = invoice_status::paid;
  else if (disputed)
    i.status = invoice_status::disputed;
  else if (r.overdue_at)
    i.status = invoice_status::overdue;
  else if (i.amount_paid.micros > 0)
    i.status = invoice_status::partially_paid;
  else
    i.status = invoice_status::issued;
}


// --- settings ---------------------------------------------------------------------------------

result<billing_settings> billing_service::settings(const principal& who, std::string_view region) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    return impl_->core.read([&](storage::transaction& tx) {
      impl::require_region(tx, region);
      return impl::settings_of(tx, region);
    });
  });
}

result<billing_settings> billing_service::configure(const principal& who, std::string_view region,
                                                    const billing_settings_update& u, const request_context& ctx) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    if (!who.can(permission::billing_manage)) fail(errc::forbidden, "changing billing settings needs billing:manage");
    if (u.cycle_day && (*u.cycle_day < 1 || *u.cycle_day > 28))
      fail(errc::validation_error, "cycle_day must be 1 to 28", "cycle_day");
    if (u.due_days && (*u.due_days < 0 || *u.due_days > 365))
      fail(errc::validation_error, "due_days must be 0 to 365", "due_days");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      impl::require_region(tx, region);
      auto s = impl::settings_of(tx, region);
      const auto before = s;
      if (u.cycle_day) s.cycle_day = *u.cycle_day;
      if (u.due_days) s.due_days = *u.due_days;
      if (u.auto_generate) s.auto_generate = *u.auto_generate;
      s.updated_at = core.now();
      store::save_settings(tx, s);
      auto text = [](const billing_settings& x) {
        return std::to_string(x.cycle_day) + "/" + std::to_string(x.due_days) + "/" + (x.auto_generate ? "auto" : "manual");
      };
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"billing.configure", std::string(region), "success",
                            detail::audit_details({{"before", text(before)}, {"after", text(s)}})});
      return s;
    });
  });
}

// --- invoices ---------------------------------------------------------------------------------

result<page<invoice>> billing_service::invoices(const principal& who, const invoice_query& q) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    detail::check_page(q.page, q.per_page);
    if (q.period && !billing::parse_period(*q.period))
      fail(errc::validation_error, "period must be YYYY-MM", "period");
    if (who.type != principal::kind::user) return page<invoice>{{}, 0, q.page, q.per_page};
    return impl_->core.read([&](storage::transaction& tx) {
      auto rows = store::list_invoices(tx, {who.id, std::nullopt, q.status, q.period}, {q.page, q.per_page});
      page<invoice> out{{}, rows.total, rows.page, rows.per_page};
      for (auto& r : rows.items) out.items.push_back(std::move(r.inv));
      return out;
    });
  });
}

result<invoice> billing_service::get(const principal& who, const uuid& id) {
  return detail::guard(
      [&] { return impl_->core.read([&](storage::transaction& tx) { return impl::require_invoice(tx, who, id).inv; }); });
}

result<cycle_preview> billing_service::current_cycle(const principal& who) {
  return detail::guard([&] { return impl_->preview(who, false); });
}

result<cycle_preview> billing_service::estimate(const principal& who) {
  return detail::guard([&] { return impl_->preview(who, true); });
}

}  // namespace segs
