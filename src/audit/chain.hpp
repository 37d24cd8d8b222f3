// Appending to the hash-chained audit log from inside another operation's
// transaction, so a record exists exactly when its action happened.
#pragma once

#include "grid_core.hpp"

#include <segs/audit.hpp>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace segs::detail {

/// Who acted, as the audit log names it.
struct actor {
  std::string kind = "anonymous";  // "user", "api_key", "system", "anonymous"
  std::string id;

  static actor of(const principal& p);
  static actor anonymous() { return {}; }
  static actor user(const uuid& id) { return {"user", id.to_string()}; }
};

struct audit_entry {
  std::string action;
  std::string target_id;
  std::string outcome = "success";
  /// A JSON object as text. Never secrets: no passwords, codes or tokens.
  std::string details = "{}";
};

/// A flat JSON object of string values, for `audit_entry::details`.
std::string audit_details(std::initializer_list<std::pair<std::string_view, std::string_view>> kv);
/// The same, from a list built at run time.
std::string audit_details(std::span<const std::pair<std::string_view, std::string_view>> kv);

/// Appends one record in `tx` and returns it.
audit_record audit_append(grid_core& core, storage::transaction& tx, const actor& who,
                          const request_context& ctx, audit_entry e);

/// The chain hash of a record: SHA-256 over the previous hash and every
/// field, each length-prefixed so no two records serialize alike.
std::string audit_hash(const audit_record& r, const std::string& prev_hash);

}  // namespace segs::detail
