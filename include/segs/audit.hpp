// libsegs — the audit log: append-only, hash-chained records of sensitive
// actions (sign-ins, password changes, role changes, suspensions, ...).
//
// Each record stores the SHA-256 of its content and of the previous record, so
// `verify()` detects a record that was edited or deleted afterwards. Records
// are written in the same transaction as the action they describe.
//
// Thread-safety: `audit_log` is safe to call from several threads.
#pragma once

#include <segs/access.hpp>
#include <segs/error.hpp>
#include <segs/export.hpp>
#include <segs/identity.hpp>
#include <segs/page.hpp>
#include <segs/types.hpp>

#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace segs {

struct audit_record {
  std::int64_t seq = 0;  ///< position in the chain, from 1
  uuid id;
  timestamp at{};
  std::string actor_kind;  ///< "user", "api_key", "system", "anonymous"
  std::string actor_id;    ///< empty for anonymous actors
  std::string action;      ///< e.g. "auth.login", "user.suspend"
  std::string target_id;   ///< the user/key/role acted on, or empty
  std::string outcome;     ///< "success" or "failure"
  std::string ip;
  std::string user_agent;
  std::string details;  ///< a JSON object as text; never secrets
};

/// Filters for reading the audit log, and the page to answer (see page.hpp
/// for the paging rule).
struct audit_query {
  std::optional<std::string> actor_id;
  std::optional<std::string> target_id;
  /// Records where the user is the actor or the target (activity history).
  std::optional<std::string> involving;
  std::optional<std::string> action;  ///< exact, or a prefix ending in '.' ("auth.")
  std::optional<std::string> outcome;
  std::optional<timestamp> from;  ///< inclusive
  std::optional<timestamp> to;    ///< exclusive
  int page = 1;       ///< from 1
  int per_page = 50;  ///< 1..100
};

struct audit_verification {
  bool intact = true;
  std::int64_t records_checked = 0;
  /// The first record whose hash or link does not match, when not intact.
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;
};

class grid;
namespace storage {
class backend;
}
struct options;

namespace detail {
struct grid_core;
// Creates the grid and its services (see grid.hpp); the only way to get one.
result<std::unique_ptr<grid>> open_grid(std::unique_ptr<storage::backend> backend, options opts);
}  // namespace detail

class SEGS_EXPORT audit_log {
 public:
  ~audit_log();
  audit_log(const audit_log&) = delete;
  audit_log& operator=(const audit_log&) = delete;

  /// Records newest first, filtered. Needs audit:read (admins by default);
  /// others get forbidden.
  result<page<audit_record>> query(const principal& who, const audit_query& q);
  /// A user's own activity (actor or target), newest first. Users may read
  /// their own; reading another's needs users:read and scope over them.
  result<page<audit_record>> activity(const principal& who, const uuid& user_id, int page = 1,
                                      int per_page = 50);
  /// Walks the whole chain and recomputes every hash. Needs audit:read.
  result<audit_verification> verify(const principal& who);

 private:
  // Created only by the grid (grid::audit()).
  friend result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend>, options);
  explicit audit_log(detail::grid_core& core);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace segs
