// Payments (idempotent by key), disputes and their resolution with credit
// notes, voiding, and the overdue sweep of due work.
#include "billing/billing_impl.hpp"

#include "audit/chain.hpp"
#include "core/paging.hpp"
#include "storage/stores/region_store.hpp"

namespace segs {

using detail::fail;
namespace store = storage::billing;

namespace {

std::optional<uuid> actor_id(const principal& who) {
  if (who.type == principal::kind::user || who.type == principal::kind::api_key) return who.id;
  return std::nullopt;
}

// An amount of the invoice's currency: > 0, in whole minor units.
void check_amount(storage::transaction& tx, const store::invoice_row& row, money amount, const char* field) {
  if (amount.micros <= 0) fail(errc::validation_error, std::string(field) + " must be positive", field);
  const auto r = storage::regions::find(tx, row.inv.region);
  const int minor = r ? r->currency_minor_units : 2;
  if (amount.round_to_minor(minor) != amount)
    fail(errc::validation_error,
         std::string(field) + " must be in whole minor units of " + row.inv.currency + " (" + std::to_string(minor) +
             " decimals)",
         field);
}

void check_text(std::string_view text, std::size_t max, const char* field) {
  if (text.empty() || text.size() > max)
    fail(errc::validation_error, std::string(field) + " must be 1 to " + std::to_string(max) + " characters", field);
}

billing_event event_of(billing_event::kind k, const invoice& i, std::optional<dispute_outcome> outcome = std::nullopt) {
  return {k, i.id, i.number, i.user_id, i.period, i.total, i.amount_due, i.status, outcome};
}

}  // namespace

result<payment_receipt> billing_service::pay(const principal& who, const uuid& invoice_id, const payment_request& req,
                                             const request_context& ctx) {
  detail::outgoing events;
  auto out = detail::guard([&] {
    impl::require_signed_in(who);
    if (req.reference && req.reference->size() > 200)
      fail(errc::validation_error, "reference must be at most 200 characters", "reference");
    if (req.idempotency_key) check_text(*req.idempotency_key, 200, "idempotency_key");
    // What a repeat must match: the request as given.
    const std::string request = (req.amount ? std::to_string(req.amount->micros) : std::string("due")) + "|" +
                                std::string(to_string(req.method)) + "|" + req.reference.value_or("");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      events.clear();
      auto row = impl::require_invoice(tx, who, invoice_id);
      if (req.idempotency_key) {
        if (auto first = store::find_payment_by_key(tx, invoice_id, *req.idempotency_key)) {
          if (first->request_hash != request)
            fail(errc::conflict, "idempotency key " + *req.idempotency_key + " was used with another request",
                 "idempotency_key");
          // The first answer: the invoice as that payment left it.
          auto inv = row.inv;
          inv.amount_paid = first->paid_after;
          inv.amount_due = first->due_after;
          inv.status = first->status_after;
          std::erase_if(inv.credit_notes, [&](const credit_note& c) { return first->paid.paid_at < c.created_at; });
          return payment_receipt{first->paid, std::move(inv), true};
        }
      }
      if (row.inv.status == invoice_status::void_) fail(errc::conflict, "invoice " + row.inv.number + " is void");
      if (row.inv.amount_due.micros <= 0) fail(errc::conflict, "invoice " + row.inv.number + " is paid");
      const money amount = req.amount.value_or(row.inv.amount_due);
      check_amount(tx, row, amount, "amount");
      if (row.inv.amount_due < amount)
        fail(errc::validation_error, "amount must be at most what is due (" + row.inv.amount_due.to_string() + ")",
             "amount");
      row.inv.amount_paid = row.inv.amount_paid + amount;
      impl::restate(row, store::open_dispute_of(tx, invoice_id).has_value());
      store::update_state(tx, row);
      store::payment_row p;
      p.paid = {core.new_id(), invoice_id, row.inv.number, amount, req.method, req.reference, core.now()};
      p.owner = row.inv.user_id;
      p.paid_by = actor_id(who);
      p.idempotency_key = req.idempotency_key;
      p.request_hash = request;
      p.status_after = row.inv.status;
      p.paid_after = row.inv.amount_paid;
      p.due_after = row.inv.amount_due;
      store::insert_payment(tx, p);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"billing.payment", row.inv.id.to_string(), "success",
                            detail::audit_details({{"number", row.inv.number},
                                                   {"amount", amount.to_string()},
                                                   {"method", to_string(req.method)},
                                                   {"status", to_string(row.inv.status)}})});
      if (row.inv.status == invoice_status::paid)
        events.add(row.inv.region, event_of(billing_event::kind::invoice_paid, row.inv));
      core.tell(tx, events);
      return payment_receipt{p.paid, std::move(row.inv), false};
    });
  });
  if (out) impl_->core.publish(std::move(events));
  return out;
}

result<page<payment>> billing_service::payments(const principal& who, page_request p) {
  return detail::guard([&] {
    impl::require_signed_in(who);
    detail::check_page(p);
    if (who.type != principal::kind::user) return page<payment>{{}, 0, p.page, p.per_page};
    return impl_->core.read([&](storage::transaction& tx) { return store::user_payments(tx, who.id, p); });
  });
}

result<invoice> billing_service::dispute(const principal& who, const uuid& invoice_id, std::string_view reason,
                                         const request_context& ctx) {
  detail::outgoing events;
  auto out = detail::guard([&] {
    impl::require_signed_in(who);
    check_text(reason, 2000, "reason");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      events.clear();
      auto row = impl::require_invoice(tx, who, invoice_id);
      if (!(who.type == principal::kind::user && who.id == row.inv.user_id))
        fail(errc::forbidden, "only the customer disputes an invoice");
      if (row.inv.status == invoice_status::void_ || row.inv.status == invoice_status::paid)
        fail(errc::conflict, "invoice " + row.inv.number + " is " + std::string(to_string(row.inv.status)));
      if (store::open_dispute_of(tx, invoice_id)) fail(errc::conflict, "invoice " + row.inv.number + " is disputed");
      store::open_dispute(tx, {core.new_id(), invoice_id, std::string(reason), actor_id(who), core.now()});
      impl::restate(row, true);
      store::update_state(tx, row);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"billing.dispute", row.inv.id.to_string(), "success",
                            detail::audit_details({{"number", row.inv.number}})});
      events.add(row.inv.region, event_of(billing_event::kind::dispute_opened, row.inv));
      core.tell(tx, events);
      return row.inv;
    });
  });
  if (out) impl_->core.publish(std::move(events));
  return out;
}

result<invoice> billing_service::resolve_dispute(const principal& who, const uuid& invoice_id,
                                                 const dispute_resolution& r, const request_context& ctx) {
  detail::outgoing events;
  auto out = detail::guard([&] {
    impl::require_signed_in(who);
    check_text(r.note, 2000, "note");
    if (r.credit_amount && r.outcome != dispute_outcome::upheld)
      fail(errc::validation_error, "credit_amount is for an upheld dispute only", "credit_amount");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      events.clear();
      auto row = impl::require_invoice(tx, who, invoice_id);
      impl::require_operator(who, row.inv.region);
      const auto open = store::open_dispute_of(tx, invoice_id);
      if (!open) fail(errc::conflict, "invoice " + row.inv.number + " is not disputed");
      std::optional<uuid> note_id;
      if (r.credit_amount) {
        check_amount(tx, row, *r.credit_amount, "credit_amount");
        if (row.inv.amount_due < *r.credit_amount)
          fail(errc::validation_error,
               "credit_amount must be at most what is due (" + row.inv.amount_due.to_string() + ")", "credit_amount");
        const credit_note c{core.new_id(), *r.credit_amount, r.note, core.now()};
        store::insert_credit_note(tx, invoice_id, c, actor_id(who));
        row.credited = row.credited + c.amount;
        row.inv.credit_notes.push_back(c);
        note_id = c.id;
      }
      store::close_dispute(tx, open->id, r.outcome, r.note, note_id, actor_id(who), core.now());
      impl::restate(row, false);
      store::update_state(tx, row);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"billing.dispute_resolve", row.inv.id.to_string(), "success",
                            detail::audit_details({{"number", row.inv.number},
                                                   {"outcome", to_string(r.outcome)},
                                                   {"credit_amount", r.credit_amount ? r.credit_amount->to_string() : "0"}})});
      events.add(row.inv.region, event_of(billing_event::kind::dispute_resolved, row.inv, r.outcome));
      core.tell(tx, events);
      return row.inv;
    });
  });
  if (out) impl_->core.publish(std::move(events));
  return out;
}

result<invoice> billing_service::void_invoice(const principal& who, const uuid& invoice_id, std::string_view reason,
                                              const request_context& ctx) {
  detail::outgoing events;
  auto out = detail::guard([&] {
    impl::require_signed_in(who);
    check_text(reason, 500, "reason");
    auto& core = impl_->core;
    return core.write([&](storage::transaction& tx) {
      events.clear();
      auto row = impl::require_invoice(tx, who, invoice_id);
      impl::require_operator(who, row.inv.region);
      if (row.inv.status == invoice_status::void_) fail(errc::conflict, "invoice " + row.inv.number + " is void");
      if (row.inv.amount_paid.micros != 0)
        fail(errc::conflict, "invoice " + row.inv.number + " has payments: correct it with a credit note");
      if (store::open_dispute_of(tx, invoice_id))
        fail(errc::conflict, "invoice " + row.inv.number + " is disputed: resolve the dispute first");
      row.inv.status = invoice_status::void_;
      impl::restate(row, false);
      store::update_state(tx, row);
      detail::audit_append(core, tx, detail::actor::of(who), ctx,
                           {"billing.void", row.inv.id.to_string(), "success",
                            detail::audit_details({{"number", row.inv.number}, {"reason", reason}})});
      events.add(row.inv.region, event_of(billing_event::kind::invoice_voided, row.inv));
      core.tell(tx, events);
      return row.inv;
    });
  });
  if (out) impl_->core.publish(std::move(events));
  return out;
}

std::int64_t billing_service::impl::mark_overdue(timestamp now) {
  constexpr int batch = 500;
  std::int64_t marked = 0;
  for (;;) {
    detail::outgoing events;
    std::size_t found = 0;
    core.write([&](storage::transaction& tx) {
      events.clear();
      auto rows = store::newly_overdue(tx, now, batch);
      found = rows.size();
      for (auto& row : rows) {
        row.overdue_at = now;
        restate(row, false);
        store::update_state(tx, row);
        events.add(row.inv.region, event_of(billing_event::kind::invoice_overdue, row.inv));
      }
      core.tell(tx, events);
    });
    marked += static_cast<std::int64_t>(found);
    core.publish(std::move(events));
    if (found < static_cast<std::size_t>(batch)) return marked;
  }
}

}  // namespace segs
