// Internal: the settings in force, shared by the config service (which
// changes them) and the capabilities that read them on their hot paths
// (grid_core::settings). Definitions and stored overrides; a stored row of
// a key nobody has defined yet waits until its definition comes (a host's
// setting, defined after the grid opened).
//
// Thread-safety: every member locks; readers take a shared lock.
#pragma once

#include <segs/config.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace segs {
struct options;
}

namespace segs::detail {

/// A stored override as the store reads and writes it: the value in its
/// text form ("true", "30", "100/1h").
struct stored_setting {
  std::string key;
  setting_type type = setting_type::integer;
  std::string value;
  timestamp updated_at{};
  std::optional<uuid> updated_by;
};

/// The text form of a value, and back (none: malformed for `type`).
[[nodiscard]] std::string setting_text(const setting_value& v);
[[nodiscard]] std::optional<setting_value> parse_setting(setting_type type, std::string_view text);

/// Why `v` is not acceptable for `d` (the type, the bounds, `check`), or
/// an empty string.
[[nodiscard]] std::string refusal(const setting_definition& d, const setting_value& v);

/// The definitions and the values in force.
class settings_table {
 public:
  /// Adds a definition; false when the key was defined already (the first
  /// stays). A waiting stored value of the key comes into force.
  bool define(setting_definition d);
  /// Stored rows read at open (or written by an update): in force for
  /// defined keys, waiting for the others.
  void load(std::vector<stored_setting> rows);
  /// After an update's commit.
  void set(stored_setting row);
  void reset(std::string_view key);

  [[nodiscard]] std::optional<setting_value> value(std::string_view key) const;
  [[nodiscard]] bool flag(std::string_view key) const;          ///< false when unknown
  [[nodiscard]] std::int64_t integer(std::string_view key) const;  ///< 0 when unknown
  [[nodiscard]] std::optional<setting_definition> definition(std::string_view key) const;
  [[nodiscard]] std::vector<setting> all() const;

 private:
  struct entry {
    setting_definition def;
    std::optional<stored_setting> stored;
    std::optional<setting_value> stored_value;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, entry, std::less<>> entries_;
  std::map<std::string, stored_setting, std::less<>> waiting_;
};

/// The library's own settings (config.hpp), their defaults from the
/// grid's options (library_settings.cpp).
void define_library_settings(settings_table& t, const options& o);

}  // namespace segs::detail
