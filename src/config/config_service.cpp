// The runtime configuration's service: definitions and values live in
// grid_core::settings (settings_table.hpp), stored overrides in
// runtime_config (config_store), each change audited in its transaction.
#include "audit/chain.hpp"
#include "config/settings_table.hpp"
#include "grid_core.hpp"
#include "storage/stores/config_store.hpp"

#include <algorithm>
#include <cctype>

namespace segs {

using detail::fail;

struct config_service::impl {
  detail::grid_core& core;
};

config_service::config_service(detail::grid_core& core) : impl_(std::make_unique<impl>(impl{core})) {}
config_service::~config_service() = default;

namespace {

void require(const principal& who, std::string_view perm) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (!who.can(perm)) fail(errc::forbidden, "this needs " + std::string(perm) + " (admins)");
}

bool well_formed_key(std::string_view k) {
  if (k.empty() || k.size() > 100 || k.front() == '.' || k.back() == '.' ||
      k.find('.') == std::string_view::npos || k.find("..") != std::string_view::npos)
    return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

}  // namespace

result<std::vector<setting>> config_service::list(const principal& who) {
  return detail::guard([&] {
    require(who, permission::system_read);
    return impl_->core.settings.all();
  });
}

result<std::vector<setting_change>> config_service::update(
    const principal& who, const std::vector<std::pair<std::string, std::optional<setting_value>>>& changes,
    const request_context& ctx) {
  return detail::guard([&] {
    require(who, permission::config_manage);
    auto& table = impl_->core.settings;
    // Every key first: unknown ones are named together, and nothing is
    // written while any of them is wrong.
    std::string unknown;
    std::string first_unknown;
    for (const auto& [key, v] : changes)
      if (!table.definition(key)) {
        unknown += (unknown.empty() ? "" : ", ") + key;
        if (first_unknown.empty()) first_unknown = key;
      }
    if (!unknown.empty()) fail(errc::validation_error, "unknown setting: " + unknown, first_unknown);
    struct planned {
      std::string key;
      setting_definition def;
      std::optional<setting_value> next;  // none: reset
      setting_value old_value;
    };
    std::vector<planned> plan;
    for (const auto& [key, v] : changes) {
      auto def = *table.definition(key);
      if (v)
        if (auto why = detail::refusal(def, *v); !why.empty()) fail(errc::validation_error, why, key);
      auto was = *table.value(key);
      // The last mention of a key wins, as in a JSON object.
      std::erase_if(plan, [&](const planned& p) { return p.key == key; });
      plan.push_back({key, std::move(def), v, std::move(was)});
    }

    const auto now = impl_->core.now();
    std::optional<uuid> by;
    if (who.type == principal::kind::user) by = who.id;
    std::vector<setting_change> out;
    std::vector<detail::stored_setting> written;
    std::vector<std::string> reset;
    impl_->core.write([&](storage::transaction& tx) {
      out.clear();
      written.clear();
      reset.clear();
      for (const auto& p : plan) {
        const auto next = p.next ? *p.next : p.def.fallback;
        if (p.next) {
          detail::stored_setting row{p.key, p.def.type, detail::setting_text(*p.next), now, by};
          storage::config::upsert(tx, row);
          written.push_back(std::move(row));
        } else {
          storage::config::remove(tx, p.key);
          reset.push_back(p.key);
        }
        if (next == p.old_value) continue;
        const auto old_text = detail::setting_text(p.old_value);
        const auto new_text = detail::setting_text(next);
        detail::audit_append(impl_->core, tx, detail::actor::of(who), ctx,
                             {"config.update", p.key, "success",
                              detail::audit_details({{"key", p.key},
                                                     {"type", to_string(p.def.type)},
                                                     {"old", old_text},
                                                     {"new", new_text},
                                                     {"reset", p.next ? "false" : "true"}})});
        out.push_back({p.key, p.old_value, next});
      }
    });
    // In force once committed.
    for (auto& row : written) table.set(std::move(row));
    for (const auto& key : reset) table.reset(key);
    return out;
  });
}

std::optional<setting_value> config_service::value(std::string_view key) const {
  return impl_->core.settings.value(key);
}

result<void> config_service::define(setting_definition d) {
  return detail::guard([&] {
    if (!well_formed_key(d.key))
      fail(errc::validation_error,
           "key must be <area>.<name> in lower case letters, digits and '_'", "key");
    if (auto why = detail::refusal(d, d.fallback); !why.empty())
      fail(errc::validation_error, "the default of " + why, "fallback");
    if (d.type == setting_type::integer && d.min > d.max)
      fail(errc::validation_error, "min must not exceed max", "min");
    impl_->core.settings.define(std::move(d));
  });
}

}  // namespace segs
