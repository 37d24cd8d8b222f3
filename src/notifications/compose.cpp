#include "notifications/compose.hpp"

#include "storage/stores/json_text.hpp"

#include <map>
#include <set>

namespace segs::detail::notify {

void json_fields::key(std::string_view k) {
  if (out_.size() > 1) out_ += ',';
  out_ += storage::json_quote(k);
  out_ += ':';
}
json_fields& json_fields::text(std::string_view k, std::string_view v) {
  key(k);
  out_ += storage::json_quote(v);
  return *this;
}
json_fields& json_fields::number(std::string_view k, std::string_view decimal) {
  key(k);
  out_ += decimal;
  return *this;
}
json_fields& json_fields::integer(std::string_view k, std::int64_t v) {
  key(k);
  out_ += std::to_string(v);
  return *this;
}

namespace {

// "over_voltage" -> "Over voltage".
std::string words(std::string_view name) {
  std::string out(name);
  for (auto& ch : out)
    if (ch == '_') ch = ' ';
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

notification_severity severity_of(alert_severity s) {
  switch (s) {
    case alert_severity::info: return notification_severity::info;
    case alert_severity::warning: return notification_severity::warning;
    case alert_severity::critical: return notification_severity::critical;
  }
  return notification_severity::warning;
}

void from_alert(const alert_event& e, std::vector<draft>& out) {
  const auto& a = e.alert;
  draft d;
  d.user = a.user_id;
  d.region = a.region;
  d.operators = a.severity == alert_severity::critical;
  const auto what = words(to_string(a.type)) + " on meter " + a.meter_id;
  switch (e.type) {
    case alert_event::kind::raised:
      d.kind = notification_kind::alert_raised;
      d.severity = severity_of(a.severity);
      d.title = what;
      d.body = a.message;
      break;
    case alert_event::kind::escalated:
      d.kind = notification_kind::alert_escalated;
      d.severity = severity_of(a.severity);
      d.title = what + " is now " + std::string(to_string(a.severity));
      d.body = a.message;
      break;
    case alert_event::kind::resolved:
      d.kind = notification_kind::alert_resolved;
      d.severity = notification_severity::info;
      d.title = what + " resolved";
      d.body = a.resolution_note.empty() ? "The alert was resolved." : a.resolution_note;
      break;
    case alert_event::kind::acknowledged: return;
  }
  if (!d.user && !d.operators) return;
  d.data = json_fields{}
               .text("alert_id", a.id.to_string())
               .text("meter_id", a.meter_id)
               .text("region", a.region)
               .text("type", to_string(a.type))
               .text("severity", to_string(a.severity))
               .text("status", to_string(a.status))
               .number("value", a.value.to_string())
               .number("threshold", a.threshold.to_string())
               .str();
  out.push_back(std::move(d));
}

void from_billing(const event& ev, const billing_event& b, std::vector<draft>& out) {
  draft d;
  d.user = b.user_id;
  d.region = ev.region;
  switch (b.type) {
    case billing_event::kind::invoice_issued:
      d.kind = notification_kind::invoice_issued;
      d.title = "Invoice " + b.number + " issued";
      d.body = "Your invoice for " + b.period + " is " + b.total.to_string() + "; " +
               b.amount_due.to_string() + " is due.";
      break;
    case billing_event::kind::invoice_overdue:
      d.kind = notification_kind::invoice_overdue;
      d.severity = notification_severity::warning;
      d.title = "Invoice " + b.number + " is overdue";
      d.body = b.amount_due.to_string() + " of invoice " + b.number + " is past due.";
      break;
    case billing_event::kind::dispute_resolved: {
      d.kind = notification_kind::dispute_resolved;
      const bool upheld = b.outcome == dispute_outcome::upheld;
      d.title = std::string("Your dispute of invoice ") + b.number + (upheld ? " was upheld" : " was rejected");
      d.body = upheld ? "A credit note was issued; " + b.amount_due.to_string() + " is now due."
                      : b.amount_due.to_string() + " remains due.";
      break;
    }
    default: return;
  }
  auto f = json_fields{}
               .text("invoice_id", b.invoice_id.to_string())
               .text("number", b.number)
               .text("period", b.period)
               .number("total", b.total.to_string())
               .number("amount_due", b.amount_due.to_string())
               .text("status", to_string(b.status));
  if (b.outcome) f.text("outcome", to_string(*b.outcome));
  d.data = f.str();
  out.push_back(std::move(d));
}

void from_order(const order& o, bool filled_now, std::vector<draft>& out) {
  draft d;
  d.user = o.user_id;
  d.region = o.region;
  const auto slot = to_rfc3339(o.delivery_slot);
  const auto side = std::string(to_string(o.side));
  if (filled_now) {
    d.kind = notification_kind::order_filled;
    const bool whole = o.status == order_status::filled;
    d.title = std::string(whole ? "Order filled" : "Order partly filled") + ": " + side + " " +
              o.filled.to_kwh_string() + " kWh";
    d.body = "Your " + side + " order for the slot at " + slot + " has " + o.filled.to_kwh_string() +
             " of " + o.quantity.to_kwh_string() + " kWh filled.";
  } else if (o.status == order_status::expired) {
    d.kind = notification_kind::order_expired;
    d.title = "Order expired: " + side + " " + o.quantity.to_kwh_string() + " kWh";
    d.body = "Your " + side + " order for the slot at " + slot + " expired with " +
             o.filled.to_kwh_string() + " of " + o.quantity.to_kwh_string() + " kWh filled.";
  } else {
    return;
  }
  d.data = json_fields{}
               .text("order_id", o.id.to_string())
               .text("region", o.region)
               .text("delivery_slot", slot)
               .text("side", side)
               .text("status", to_string(o.status))
               .number("quantity_kwh", o.quantity.to_kwh_string())
               .number("filled_kwh", o.filled.to_kwh_string())
               .number("remaining_kwh", o.remaining.to_kwh_string())
               .str();
  out.push_back(std::move(d));
}

void from_settlement(const settlement& s, std::vector<draft>& out) {
  struct sums {
    money net;
    energy bought, sold;
  };
  std::map<uuid, sums> per_user;
  for (const auto& e : s.entries) {
    if (!e.user_id) continue;
    auto& u = per_user[*e.user_id];
    // Amounts are signed (debits negative); quantities are counted as traded.
    u.net = u.net + e.amount;
    const energy q{e.quantity.wh < 0 ? -e.quantity.wh : e.quantity.wh};
    if (e.kind == ledger_kind::trade_debit) u.bought = u.bought + q;
    if (e.kind == ledger_kind::trade_credit) u.sold = u.sold + q;
  }
  const auto slot = to_rfc3339(s.delivery_slot);
  for (const auto& [user, u] : per_user) {
    draft d;
    d.user = user;
    d.region = s.region;
    d.kind = notification_kind::slot_settled;
    d.title = "Slot " + slot + " settled";
    d.body = "Bought " + u.bought.to_kwh_string() + " kWh, sold " + u.sold.to_kwh_string() +
             " kWh; net " + u.net.to_string() + ".";
    d.data = json_fields{}
                 .text("region", s.region)
                 .text("delivery_slot", slot)
                 .number("bought_kwh", u.bought.to_kwh_string())
                 .number("sold_kwh", u.sold.to_kwh_string())
                 .number("net_amount", u.net.to_string())
                 .str();
    out.push_back(std::move(d));
  }
}

void from_identity(const identity_event& i, std::vector<draft>& out) {
  draft d;
  d.user = i.user_id;
  d.region = i.region;
  d.severity = notification_severity::critical;
  auto f = json_fields{}.text("at", to_rfc3339(i.at));
  switch (i.type) {
    case identity_event::kind::password_changed:
      d.kind = notification_kind::password_changed;
      d.title = "Your password was changed";
      d.body = "Your password was changed at " + to_rfc3339(i.at) +
               ". If this was not you, reset your password now.";
      break;
    case identity_event::kind::api_key_created:
      d.kind = notification_kind::api_key_created;
      d.title = "An API key was created";
      d.body = "The API key \"" + i.key_name + "\" was created for your account at " + to_rfc3339(i.at) +
               ". If this was not you, revoke it now.";
      f.text("key_name", i.key_name);
      if (i.key_id) f.text("key_id", i.key_id->to_string());
      break;
  }
  d.data = f.str();
  out.push_back(std::move(d));
}

}  // namespace

std::vector<std::string> read_names() {
  return {"alerts.raised",   "alerts.escalated",          "alerts.resolved",
          "billing.invoice_issued", "billing.invoice_overdue", "billing.dispute_resolved",
          "market.order",    "market.trade",              "market.settlement",
          "identity.password_changed", "identity.api_key_created"};
}

std::vector<draft> compose(std::span<const event> events) {
  std::set<uuid> traded;  // orders with a fill among these events
  for (const auto& e : events)
    if (const auto* m = e.get<market_event>(); m && m->type == market_event::kind::trade && m->trade) {
      if (m->trade->buy_order_id) traded.insert(*m->trade->buy_order_id);
      if (m->trade->sell_order_id) traded.insert(*m->trade->sell_order_id);
    }
  std::vector<draft> out;
  for (const auto& e : events) {
    if (const auto* a = e.get<alert_event>()) {
      from_alert(*a, out);
    } else if (const auto* b = e.get<billing_event>()) {
      from_billing(e, *b, out);
    } else if (const auto* m = e.get<market_event>()) {
      if (m->type == market_event::kind::order && m->order_update)
        from_order(*m->order_update, traded.count(m->order_update->id) > 0, out);
      else if (m->type == market_event::kind::settlement && m->settled)
        from_settlement(*m->settled, out);
    } else if (const auto* i = e.get<identity_event>()) {
      from_identity(*i, out);
    }
  }
  return out;
}

}  // namespace segs::detail::notify
