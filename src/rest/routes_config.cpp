// GET and POST /api/v1/admin/config: the runtime configuration (config.hpp).
// Who may is the config service's decision (system:read to read,
// config:manage to change); these routes only translate.
//
// GET answers {values: {key: value}, settings: [{key, type, value, default,
// overridden, description, min, max, updated_at, updated_by}]}; POST takes
// {key: value, ...} (null: back to the default) and answers
// {changed: [{key, old, new}], values}.
#include "rest/json_io.hpp"
#include "rest/route.hpp"

#include <segs/config.hpp>

namespace segs::rest::detail {

namespace json = boost::json;

namespace {

json::value to_json(const setting_value& v) {
  return std::visit([](const auto& x) { return json::value(x); }, v);
}

json::object values_of(const std::vector<setting>& all) {
  json::object out;
  for (const auto& s : all) out[s.key] = to_json(s.value);
  return out;
}

json::value view(const setting& s) {
  json::object o{{"key", s.key},
                 {"type", to_string(s.type)},
                 {"value", to_json(s.value)},
                 {"default", to_json(s.fallback)},
                 {"overridden", s.overridden},
                 {"description", s.description},
                 {"updated_at", time_or_null(s.updated_at)},
                 {"updated_by", id_or_null(s.updated_by)}};
  if (s.min) o["min"] = *s.min;
  if (s.max) o["max"] = *s.max;
  return o;
}

/// A JSON value as the setting's type wants it; 400 naming the key.
std::optional<setting_value> read_value(const std::string& key, const json::value& v,
                                        const std::optional<setting>& known) {
  if (v.is_null()) return std::nullopt;
  if (v.is_bool()) return setting_value{v.as_bool()};
  if (v.is_int64()) return setting_value{v.as_int64()};
  if (v.is_uint64()) invalid(key, key + " is out of range");
  if (v.is_string()) return setting_value{std::string(v.as_string())};
  // A double, array or object: no setting takes one. Say what the key
  // takes when it is known.
  invalid(key, key + " must be " +
                   (!known ? std::string("a flag, a whole number or text")
                           : known->type == setting_type::flag      ? "true or false"
                           : known->type == setting_type::integer   ? "a whole number"
                                                                    : "text"));
}

}  // namespace

void add_config_routes(router& r) {
  r.add("GET", "/api/v1/admin/config", access::signed_in, [](call& c) {
    auto all = take(c.grid.config().list(c.caller()));
    json::array settings;
    for (const auto& s : all) settings.push_back(view(s));
    return ok(json::object{{"values", values_of(all)}, {"settings", std::move(settings)}},
              "runtime configuration");
  });
  r.add("POST", "/api/v1/admin/config", access::signed_in, [](call& c) {
    const auto& who = c.caller();
    if (c.body.empty()) invalid("body", "name at least one setting: {\"key\": value, ...}");
    // Types are checked against the definitions the caller may read; an
    // unknown key is the service's to name (with every other unknown one).
    auto defined = take(c.grid.config().list(who));
    std::vector<std::pair<std::string, std::optional<setting_value>>> changes;
    for (const auto& kv : c.body) {
      const std::string key(kv.key());
      std::optional<setting> known;
      for (const auto& s : defined)
        if (s.key == key) known = s;
      changes.emplace_back(key, read_value(key, kv.value(), known));
    }
    auto done = take(c.grid.config().update(who, changes, c.ctx));
    json::array changed;
    for (const auto& ch : done)
      changed.push_back(json::object{{"key", ch.key}, {"old", to_json(ch.old_value)}, {"new", to_json(ch.new_value)}});
    return ok(json::object{{"changed", std::move(changed)},
                           {"values", values_of(take(c.grid.config().list(who)))}},
              "configuration updated");
  });
}

}  // namespace segs::rest::detail
