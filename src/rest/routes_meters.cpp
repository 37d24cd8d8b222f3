// The meter registry on the wire: the P2P seed's /api/v1/meters (listing,
// one meter, a device's signed registration) and the SEGS seed's
// administration (/api/v1/admin/meters, /api/v1/admin/assign-meter) and
// operator routes (/api/v1/operator/meters). Who may do what is decided by
// the telemetry service (telemetry.hpp's banner); these routes only
// translate.
#include "rest/json_io.hpp"
#include "rest/route.hpp"
#include "rest/telemetry_views.hpp"

#include <segs/telemetry.hpp>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

// --- the raw text of a member ---------------------------------------------------
// A signed registration's signature covers the JSON text of `meter` exactly
// as the device sent it, which a parsed value cannot give back (whitespace,
// member order, number spellings, escapes). The body has been parsed
// already, so it is valid JSON: a small scanner finds the member's span.

bool is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

/// s[i] is the opening quote; answers the index after the closing one.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

/// The index after the value starting at s[i].
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char ch = s[i];
      if (ch == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (ch == '{' || ch == '[') ++depth;
      if (ch == '}' || ch == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && !is_ws(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

/// The text of the top-level member `key` of the JSON object `body`, exactly
/// as sent; none when absent. A key given twice is ambiguous: 400.
std::optional<std::string_view> raw_member(std::string_view body, std::string_view key) {
  std::size_t i = skip_ws(body, 0);
  if (i >= body.size() || body[i] != '{') return std::nullopt;
  ++i;
  std::optional<std::string_view> found;
  while (true) {
    i = skip_ws(body, i);
    if (i >= body.size() || body[i] == '}') break;
    if (body[i] == ',') {
      ++i;
      continue;
    }
    const auto key_start = i;
    i = skip_string(body, i);
    // Keys may hold escapes ("\u006deter"): compare the decoded text.
    boost::system::error_code ec;
    const auto decoded = json::parse(body.substr(key_start, i - key_start), ec);
    i = skip_ws(body, i);
    if (i < body.size() && body[i] == ':') ++i;
    i = skip_ws(body, i);
    const auto value_start = i;
    i = skip_value(body, i);
    if (!ec && decoded.is_string() && decoded.as_string() == key) {
      if (found) invalid(key, std::string(key) + " is given twice");
      found = body.substr(value_start, i - value_start);
    }
  }
  return found;
}

// --- requests and answers ------------------------------------------------------------

reply list(call& c) {
  meter_query q;
  if (auto s = c.query_value("status")) q.status = take(parse_meter_status(*s));
  q.region = c.query_value("region");
  if (auto u = c.query_value("user_id")) {
    auto id = uuid::parse(*u, "user_id");
    if (!id) invalid("user_id", "user_id must be a UUID");
    q.user_id = *id;
  }
  const auto pr = c.query_page(20);
  q.page = pr.page;
  q.per_page = pr.per_page;
  const auto listing = answer_wire(c.grid.telemetry().list_meters(c.caller(), q));
  auto out = detail::view(listing.meters, "meters", [](const meter& m) { return view(m); });
  out.as_object()["active_meters"] = listing.active_meters;
  out.as_object()["inactive_meters"] = listing.inactive_meters;
  return ok(std::move(out), "meters");
}

json::value assignment_view(const meter_assignment& a) {
  return json::object{{"user_id", a.user_id.to_string()},
                      {"effective_from", time_or_null(a.effective_from)},
                      {"effective_to", time_or_null(a.effective_to)}};
}

reply one(call& c, const std::string& ref) {
  return ok(view(answer_wire(c.grid.telemetry().get_meter(c.caller(), ref))), "meter");
}

/// A registration's errors about the meter name its member inside `meter`.
segs::error in_meter_words(segs::error e) {
  e = telemetry_wire_words(std::move(e));
  if (!e.field.empty() && e.field != "public_key" && e.field != "signature" &&
      !e.field.starts_with("meter."))
    e.field = "meter." + e.field;
  return e;
}

}  // namespace

void add_meter_routes(router& r) {
  const std::string meters = "/api/v1/meters";

  r.add("GET", meters, access::signed_in, [](call& c) { return list(c); });

  r.add("GET", meters + "/:id", access::signed_in, [](call& c) { return one(c, c.param("id")); });

  // {meter, public_key, signature}: the signature is over `meter`'s text as sent.
  r.add("POST", meters + "/signed", access::signed_in, [](call& c) {
    only_fields(c.body, {"meter", "public_key", "signature"});
    const auto* m = member(c.body, "meter");
    if (!m) invalid("meter", "meter is required");
    if (!m->is_object()) invalid("meter", "meter must be an object");
    const auto raw = raw_member(c.req.body, "meter");
    if (!raw) invalid("meter", "meter is required");
    device_proof proof;
    proof.public_key = required_string(c.body, "public_key");
    proof.signature = required_string(c.body, "signature");
    proof.signed_text = std::string(*raw);
    const auto spec = read_meter_spec(m->as_object(), spec_use::register_, "meter.");
    auto made = c.grid.telemetry().register_signed_meter(c.caller(), spec, proof, c.ctx);
    if (!made) throw segs::exception(in_meter_words(made.error()));
    return ok(view(*made), "meter registered", 201);
  });

  // --- administration --------------------------------------------------------------

  const std::string admin = "/api/v1/admin/meters";
  r.add("POST", admin, access::signed_in, [](call& c) {
    const auto spec = read_meter_spec(c.body, spec_use::create);
    return ok(view(answer_wire(c.grid.telemetry().create_meter(c.caller(), spec, c.ctx))),
              "meter created", 201);
  });

  r.add("PUT", admin + "/:meterId", access::signed_in, [](call& c) {
    const auto spec = read_meter_spec(c.body, spec_use::update);
    return ok(view(answer_wire(
                  c.grid.telemetry().update_meter(c.caller(), c.param("meterId"), spec, c.ctx))),
              "meter updated");
  });

  r.add("DELETE", admin + "/:meterId", access::signed_in, [](call& c) {
    return ok(view(answer_wire(
                  c.grid.telemetry().decommission_meter(c.caller(), c.param("meterId"), c.ctx))),
              "meter decommissioned");
  });

  r.add("POST", admin + "/:meterId/unassign", access::signed_in, [](call& c) {
    return ok(view(answer_wire(
                  c.grid.telemetry().unassign_meter(c.caller(), c.param("meterId"), c.ctx))),
              "meter unassigned");
  });

  r.add("GET", admin + "/:meterId/assignments", access::signed_in, [](call& c) {
    json::array out;
    for (const auto& a : answer_wire(c.grid.telemetry().meter_assignments(c.caller(), c.param("meterId"))))
      out.push_back(assignment_view(a));
    return ok(json::object{{"assignments", std::move(out)}}, "meter assignments");
  });

  r.add("POST", "/api/v1/admin/assign-meter", access::signed_in, [](call& c) {
    only_fields(c.body, {"meter_id", "user_id", "effective_from"});
    const auto meter_ref = required_string(c.body, "meter_id");
    const auto user_text = required_string(c.body, "user_id");
    auto user = uuid::parse(user_text, "user_id");
    if (!user) invalid("user_id", "user_id must be a UUID");
    const auto from = optional_time(c.body, "effective_from");
    return ok(view(answer_wire(
                  c.grid.telemetry().assign_meter(c.caller(), meter_ref, *user, from, c.ctx))),
              "meter assigned");
  });

  // --- operators ----------------------------------------------------------------------

  const std::string op = "/api/v1/operator/meters";
  r.add("GET", op, access::signed_in, [](call& c) { return list(c); });

  r.add("GET", op + "/:meterId", access::signed_in, [](call& c) { return one(c, c.param("meterId")); });

  r.add("PUT", op + "/:meterId/status", access::signed_in, [](call& c) {
    only_fields(c.body, {"status", "reason"});
    const auto status = take(parse_meter_status(required_string(c.body, "status")));
    const auto reason = optional_string(c.body, "reason").value_or("");
    return ok(view(answer_wire(c.grid.telemetry().set_meter_status(c.caller(), c.param("meterId"),
                                                                  status, reason, c.ctx))),
              "meter status changed");
  });
}

}  // namespace segs::rest::detail
