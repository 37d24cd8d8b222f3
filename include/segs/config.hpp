// libsegs — the runtime configuration: typed settings an admin changes
// while the deployment runs, each change validated, stored, audited with
// its old and new value, and in force at once.
//
//     auto all = grid->config().list(admin).value();
//     grid->config().update(admin, {{"notifications.retention_days", std::int64_t{30}},
//                                   {"alerts.evaluate_readings", false}});
//     grid->config().update(admin, {{"notifications.retention_days", std::nullopt}});  // default again
//
// Settings are named "<area>.<name>". The library defines its own (see
// docs/operations.md, "Runtime configuration"):
//   - notifications.retention_days  integer 1..3650: read notifications
//     older than this are removed by due work (default:
//     options::notifications.retention);
//   - telemetry.raw_retention_hours integer 0..1000000, 0 keeps them: raw
//     readings older than this are removed by due work (default:
//     options::telemetry.raw_retention);
//   - alerts.evaluate_readings      flag: the alert rules run on every stored
//     reading (default: options::alerts.evaluate_readings).
// Hosts define theirs with `define` (the REST layer: features.billing and
// the rate limits). A change is stored in the database and overrides the
// default (the start-up options) until it is reset (`std::nullopt`); other
// processes over the same database see it when they next open.
//
// Authorization: `list` needs `system:read`, `update` `config:manage`
// (admins); FORBIDDEN otherwise, UNAUTHORIZED for anonymous callers. `value`
// and `define` are for the host and the library: no principal.
//
// Thread-safety: safe from several threads; `value` takes a shared lock
// only, for hot paths.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/types.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace segs {

/// A setting's value: a flag, a whole number or text.
using setting_value = std::variant<bool, std::int64_t, std::string>;

enum class setting_type { flag, integer, text };
[[nodiscard]] SEGS_EXPORT std::string_view to_string(setting_type t) noexcept;

/// What a setting is: its type, its default and what it accepts.
struct setting_definition {
  std::string key;  ///< "<area>.<name>": lower case letters, digits, '_' and one or more '.'
  setting_type type = setting_type::integer;
  setting_value fallback;  ///< the value while none is stored; of `type`
  std::string description;
  std::int64_t min = std::numeric_limits<std::int64_t>::min();  ///< integer
  std::int64_t max = std::numeric_limits<std::int64_t>::max();  ///< integer
  /// text: answers why a value is refused, or an empty string to accept it.
  std::function<std::string(std::string_view)> check;
};

/// A setting as it stands.
struct setting {
  std::string key;
  setting_type type = setting_type::integer;
  setting_value value;     ///< in force now
  setting_value fallback;  ///< what a reset returns to
  bool overridden = false;  ///< a stored value is in force
  std::string description;
  std::optional<std::int64_t> min, max;  ///< integer settings' bounds
  std::optional<timestamp> updated_at;  ///< of the stored value
  std::optional<uuid> updated_by;       ///< a user; none for the system or an API key
};

/// One change `update` made.
struct setting_change {
  std::string key;
  setting_value old_value;
  setting_value new_value;
};

class grid;
struct options;
namespace storage {
class backend;
}
namespace detail {
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
struct grid_core;
}  // namespace detail

class SEGS_EXPORT config_service {
 public:
  ~config_service();
  config_service(const config_service&) = delete;
  config_service& operator=(const config_service&) = delete;

  /// Every defined setting, by key. Needs `system:read`.
  result<std::vector<setting>> list(const principal& who);
  /// Sets each key to its value (none: back to the default), all or none:
  /// one transaction, one audit record per key that changed ("config.update",
  /// with `old` and `new`). Needs `config:manage`. Errors: validation_error
  /// naming an unknown key (every unknown one in the message), a value of
  /// the wrong type, or out of range; nothing is changed then. Answers the
  /// changes (keys whose value did not change are left out).
  result<std::vector<setting_change>> update(
      const principal& who,
      const std::vector<std::pair<std::string, std::optional<setting_value>>>& changes,
      const request_context& ctx = {});

  /// The value in force, or none for an unknown key.
  [[nodiscard]] std::optional<setting_value> value(std::string_view key) const;
  /// Defines a host's setting; its stored value, if any, is in force at
  /// once. Defining a key again keeps the first definition. Errors:
  /// validation_error (a malformed key, a default of another type or out
  /// of range).
  result<void> define(setting_definition d);

 private:
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit config_service(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
