#include "config/settings_table.hpp"

#include <charconv>
#include <mutex>
#include <type_traits>

namespace segs {

std::string_view to_string(setting_type t) noexcept {
  switch (t) {
    case setting_type::flag: return "flag";
    case setting_type::integer: return "integer";
    case setting_type::text: return "text";
  }
  return "integer";
}

namespace detail {

std::string setting_text(const setting_value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(x);
        else return x;
      },
      v);
}

std::optional<setting_value> parse_setting(setting_type type, std::string_view text) {
  switch (type) {
    case setting_type::flag:
      if (text == "true") return setting_value{true};
      if (text == "false") return setting_value{false};
      return std::nullopt;
    case setting_type::integer: {
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
      return setting_value{n};
    }
    case setting_type::text:
      return setting_value{std::string(text)};
  }
  return std::nullopt;
}

namespace {

constexpr std::size_t type_index(setting_type t) {
  return t == setting_type::flag ? 0 : t == setting_type::integer ? 1 : 2;
}

}  // namespace

std::string refusal(const setting_definition& d, const setting_value& v) {
  if (v.index() != type_index(d.type))
    return d.key + " must be " +
           (d.type == setting_type::flag ? "true or false"
                                         : d.type == setting_type::integer ? "a whole number" : "text");
  if (const auto* n = std::get_if<std::int64_t>(&v); n && (*n < d.min || *n > d.max))
    return d.key + " must be from " + std::to_string(d.min) + " to " + std::to_string(d.max);
  if (const auto* s = std::get_if<std::string>(&v); s && d.check) {
    if (auto why = d.check(*s); !why.empty()) return d.key + ": " + why;
  }
  return {};
}

bool settings_table::define(setting_definition d) {
  std::unique_lock lock(mu_);
  if (entries_.contains(d.key)) return false;
  entry e{std::move(d), std::nullopt, std::nullopt};
  if (auto w = waiting_.find(e.def.key); w != waiting_.end()) {
    // A stored value that no longer fits (the host changed its bounds) is
    // ignored rather than trusted: the default is in force.
    auto v = w->second.type == e.def.type ? parse_setting(e.def.type, w->second.value) : std::nullopt;
    if (v && refusal(e.def, *v).empty()) {
      e.stored = std::move(w->second);
      e.stored_value = std::move(v);
    }
    waiting_.erase(w);
  }
  const std::string key = e.def.key;
  entries_.emplace(key, std::move(e));
  return true;
}

void settings_table::load(std::vector<stored_setting> rows) {
  for (auto& r : rows) set(std::move(r));
}

void settings_table::set(stored_setting row) {
  std::unique_lock lock(mu_);
  auto it = entries_.find(row.key);
  if (it == entries_.end()) {
    const std::string key = row.key;
    waiting_.insert_or_assign(key, std::move(row));
    return;
  }
  auto v = row.type == it->second.def.type ? parse_setting(row.type, row.value) : std::nullopt;
  if (!v || !refusal(it->second.def, *v).empty()) return;
  it->second.stored = std::move(row);
  it->second.stored_value = std::move(v);
}

void settings_table::reset(std::string_view key) {
  std::unique_lock lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.stored.reset();
    it->second.stored_value.reset();
  }
  if (auto w = waiting_.find(key); w != waiting_.end()) waiting_.erase(w);
}

std::optional<setting_value> settings_table::value(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.stored_value ? *it->second.stored_value : it->second.def.fallback;
}

bool settings_table::flag(std::string_view key) const {
  auto v = value(key);
  const auto* b = v ? std::get_if<bool>(&*v) : nullptr;
  return b && *b;
}

std::int64_t settings_table::integer(std::string_view key) const {
  auto v = value(key);
  const auto* n = v ? std::get_if<std::int64_t>(&*v) : nullptr;
  return n ? *n : 0;
}

std::optional<setting_definition> settings_table::definition(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.def;
}

std::vector<setting> settings_table::all() const {
  std::shared_lock lock(mu_);
  std::vector<setting> out;
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) {
    setting s;
    s.key = key;
    s.type = e.def.type;
    s.fallback = e.def.fallback;
    s.value = e.stored_value ? *e.stored_value : e.def.fallback;
    s.overridden = e.stored_value.has_value();
    s.description = e.def.description;
    if (e.def.type == setting_type::integer) {
      s.min = e.def.min;
      s.max = e.def.max;
    }
    if (e.stored) {
      s.updated_at = e.stored->updated_at;
      s.updated_by = e.stored->updated_by;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace detail
}  // namespace segs
