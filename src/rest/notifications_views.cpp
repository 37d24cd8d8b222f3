#include "rest/notifications_views.hpp"

#include "rest/telemetry_views.hpp"

#include <string>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

std::string clock_text(int minute) {
  const auto two = [](int v) { return std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)}; };
  return two(minute / 60 % 24) + ":" + two(minute % 60);
}

/// "HH:MM" (00:00 to 23:59) as minutes after midnight; 400 naming `field`.
int clock_minutes(const json::value& v, std::string_view field) {
  const auto* s = v.if_string();
  const auto bad = [&] { invalid(field, std::string(field) + " must be a time of day as \"HH:MM\""); };
  if (!s || s->size() != 5 || (*s)[2] != ':') bad();
  const auto digit = [&](std::size_t i) {
    const char ch = (*s)[i];
    if (ch < '0' || ch > '9') bad();
    return ch - '0';
  };
  const int h = digit(0) * 10 + digit(1);
  const int m = digit(3) * 10 + digit(4);
  if (h > 23 || m > 59) bad();
  return h * 60 + m;
}

json::object channels_view(const notification_channels& c) { return {{"in_app", c.in_app}, {"email", c.email}}; }

}  // namespace

json::value view(const notification& n) {
  json::value data;
  try {
    data = json::parse(n.data);
  } catch (const std::exception&) {
    data = json::object{};  // never reached: the library writes objects only
  }
  return json::object{{"id", n.id.to_string()},
                      {"user_id", n.user_id.to_string()},
                      {"kind", to_string(n.kind)},
                      {"severity", to_string(n.severity)},
                      {"title", n.title},
                      {"body", n.body},
                      {"data", std::move(data)},
                      {"emailed", n.emailed},
                      {"read", n.read_at.has_value()},
                      {"created_at", to_rfc3339(n.created_at)},
                      {"read_at", time_or_null(n.read_at)}};
}

json::value view(const notification_preferences& p) {
  json::value quiet = nullptr;
  if (p.quiet_hours)
    quiet = json::object{{"start", clock_text(p.quiet_hours->start_minute)},
                         {"end", clock_text(p.quiet_hours->end_minute)}};
  return json::object{{"email", p.email},
                      {"sms", p.sms},
                      {"push", p.push},
                      {"alerts", p.alerts},
                      {"billing", p.billing},
                      {"trading", p.trading},
                      {"security", p.security},
                      {"channels", json::object{{"alerts", channels_view(p.alerts_channels)},
                                                {"billing", channels_view(p.billing_channels)},
                                                {"trading", channels_view(p.trading_channels)},
                                                {"security", channels_view(p.security_channels)}}},
                      {"quiet_hours", std::move(quiet)},
                      {"updated_at", to_rfc3339(p.updated_at)}};
}

notification_preferences update_preferences(call& c) {
  auto p = take(c.grid.identity().preferences(c.caller()));
  const auto& body = c.body;
  only_fields(body, {"email", "sms", "push", "alerts", "billing", "trading", "security", "channels", "quiet_hours",
                     "updated_at"});
  for (auto [name, slot] : {std::pair{"email", &p.email}, std::pair{"sms", &p.sms}, std::pair{"push", &p.push},
                            std::pair{"alerts", &p.alerts}, std::pair{"billing", &p.billing},
                            std::pair{"trading", &p.trading}, std::pair{"security", &p.security}})
    if (auto v = optional_bool(body, name)) *slot = *v;
  if (const auto* ch = member(body, "channels")) {
    const auto* o = ch->if_object();
    if (!o) invalid("channels", "channels must be an object");
    only_fields(*o, {"alerts", "billing", "trading", "security"}, "channels.");
    for (auto [name, slot] : {std::pair{"alerts", &p.alerts_channels}, std::pair{"billing", &p.billing_channels},
                              std::pair{"trading", &p.trading_channels},
                              std::pair{"security", &p.security_channels}}) {
      const auto* g = member(*o, name);
      if (!g) continue;
      const std::string prefix = std::string("channels.") + name;
      const auto* go = g->if_object();
      if (!go) invalid(prefix, prefix + " must be an object");
      only_fields(*go, {"in_app", "email"}, prefix + ".");
      if (auto v = optional_bool(*go, "in_app")) slot->in_app = *v;
      if (auto v = optional_bool(*go, "email")) slot->email = *v;
    }
  }
  if (auto it = body.find("quiet_hours"); it != body.end()) {
    if (it->value().is_null()) {
      p.quiet_hours.reset();
    } else {
      const auto* o = it->value().if_object();
      if (!o) invalid("quiet_hours", "quiet_hours must be an object {start, end} or null");
      only_fields(*o, {"start", "end"}, "quiet_hours.");
      const auto* start = member(*o, "start");
      const auto* end = member(*o, "end");
      if (!start) invalid("quiet_hours.start", "quiet_hours.start is required");
      if (!end) invalid("quiet_hours.end", "quiet_hours.end is required");
      p.quiet_hours = quiet_hours{clock_minutes(*start, "quiet_hours.start"), clock_minutes(*end, "quiet_hours.end")};
    }
  }
  return take(c.grid.identity().set_preferences(c.caller(), p, c.ctx));
}

}  // namespace segs::rest::detail
