// SQL of the identity capability: accounts, codes, sessions, tokens,
// throttling, API keys, roles and grid secrets. Functions run inside a
// transaction the caller owns; they never commit.
#pragma once

#include "storage/backend.hpp"

#include <segs/identity.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace segs::storage::identity {

/// An account with its password hash (never leaves the library).
struct user_row {
  segs::user user;
  std::optional<std::string> password_hash;
};

// --- grid secrets -------------------------------------------------------------
/// Returns the secret `name`, creating it from `fresh` when absent.
blob get_or_create_secret(transaction& tx, std::string_view name, const blob& fresh,
                          timestamp now);

// --- roles ----------------------------------------------------------------------
void upsert_role(transaction& tx, const role_definition& r, timestamp now);
std::vector<role_definition> load_roles(transaction& tx);

// --- users ----------------------------------------------------------------------
void insert_user(transaction& tx, const user_row& u);
/// Writes every mutable field of `u` (found by id).
void update_user(transaction& tx, const user_row& u);
std::optional<user_row> find_user(transaction& tx, const uuid& id);
/// The emails of `ids` (unknown ids left out).
std::map<uuid, std::string> emails_of(transaction& tx, const std::vector<uuid>& ids);
/// `key` is the lower-cased email / username.
std::optional<user_row> find_user_by_email(transaction& tx, std::string_view key);
std::optional<user_row> find_user_by_username(transaction& tx, std::string_view key);
bool admin_exists(transaction& tx);
/// The regions of users not deleted, each once, sorted.
std::vector<std::string> user_regions(transaction& tx);
/// Lists users; `q` already carries the scope restrictions.
page<user> list_users(transaction& tx, const user_query& q);
std::optional<department_info> department(transaction& tx, std::string_view name);

// --- preferences -----------------------------------------------------------------
std::optional<notification_preferences> find_preferences(transaction& tx, const uuid& user_id);
void put_preferences(transaction& tx, const uuid& user_id, const notification_preferences& p);

/// Whom a notification may reach: an account's address, region, status
/// and preferences (the defaults where it has none stored).
struct recipient_row {
  uuid id;
  std::string email;
  std::string region;
  user_status status = user_status::active;
  notification_preferences prefs;
};
/// The accounts among `ids` that exist, in any order.
std::vector<recipient_row> recipients(transaction& tx, const std::vector<uuid>& ids);
/// Active users of `region` whose role holds `permission` with scope region
/// (the region's operators; admins, scope all, are nobody's operators), by id.
std::vector<uuid> holders_in_region(transaction& tx, std::string_view region, std::string_view permission);

// --- one-time codes -----------------------------------------------------------------
struct otp_row {
  uuid id;
  uuid user_id;
  otp_purpose purpose = otp_purpose::verify_email;
  blob code_hash;
  timestamp created_at{};
  timestamp expires_at{};
  int attempts = 0;
  std::optional<timestamp> consumed_at;
};
/// Retires every open code of the user for `purpose`.
void retire_codes(transaction& tx, const uuid& user_id, otp_purpose purpose, timestamp now);
void insert_code(transaction& tx, const otp_row& c);
/// The newest code of the user for `purpose`, consumed or not.
std::optional<otp_row> latest_code(transaction& tx, const uuid& user_id, otp_purpose purpose);
void count_failed_attempt(transaction& tx, const uuid& code_id);
void consume_code(transaction& tx, const uuid& code_id, timestamp now);

// --- sessions and tokens -------------------------------------------------------------
struct session_row {
  uuid id;
  uuid user_id;
  timestamp created_at{};
  timestamp expires_at{};
  std::optional<timestamp> last_used_at;
  std::optional<timestamp> revoked_at;
  std::string ip;
  std::string user_agent;
};
void insert_session(transaction& tx, const session_row& s);
std::optional<session_row> find_session(transaction& tx, const uuid& id);
void touch_session(transaction& tx, const uuid& id, timestamp now);
void revoke_session(transaction& tx, const uuid& id, timestamp now, std::string_view reason);
/// Revokes every open session of the user except `keep`; returns how many.
std::int64_t revoke_user_sessions(transaction& tx, const uuid& user_id, timestamp now,
                                  std::string_view reason, std::optional<uuid> keep = {});
std::vector<session_row> open_sessions(transaction& tx, const uuid& user_id, timestamp now);

struct refresh_row {
  blob token_hash;
  uuid session_id;
  timestamp created_at{};
  timestamp expires_at{};
  std::optional<timestamp> rotated_at;
};
void insert_refresh(transaction& tx, const refresh_row& r);
std::optional<refresh_row> find_refresh(transaction& tx, const blob& token_hash);
/// Marks a token rotated; false when it already was (a concurrent rotation).
bool rotate_refresh(transaction& tx, const blob& token_hash, timestamp now);

void revoke_token_id(transaction& tx, std::string_view jti, timestamp expires_at);
bool token_id_revoked(transaction& tx, std::string_view jti);

// --- the revocation log (migration 0017) ------------------------------------------
/// Appends "the verified tokens of `user` (everyone's when none) no longer
/// hold" under the next epoch, which it answers. Takes the epoch row's lock
/// until commit: revocations commit in epoch order.
std::int64_t record_revocation(transaction& tx, const std::optional<uuid>& user, timestamp now);
/// The last committed epoch.
std::int64_t revocation_epoch(transaction& tx);
/// The revocations of epochs (after, upto], oldest first: a user's id, or
/// nullopt for everyone. Fewer than upto - after of them: some were pruned.
std::vector<std::optional<uuid>> revocations_between(transaction& tx, std::int64_t after,
                                                     std::int64_t upto);

// --- login throttling ---------------------------------------------------------------
struct throttle_row {
  std::string identifier;
  int failures = 0;
  timestamp window_start{};
  std::optional<timestamp> locked_until;
  int lockouts = 0;
};
std::optional<throttle_row> find_throttle(transaction& tx, std::string_view identifier);
void put_throttle(transaction& tx, const throttle_row& t);
void clear_throttle(transaction& tx, std::string_view identifier);

// --- API keys ---------------------------------------------------------------------
void insert_api_key(transaction& tx, const api_key_info& k, const blob& secret_hash);
/// The key with this public prefix and its secret hash.
std::optional<std::pair<api_key_info, blob>> find_api_key(transaction& tx, std::string_view prefix);
std::vector<api_key_info> list_api_keys(transaction& tx);
bool revoke_api_key(transaction& tx, const uuid& id, timestamp now);
void touch_api_key(transaction& tx, const uuid& id, timestamp now);

// --- what analytics counts --------------------------------------------------------

/// An account as analytics counts it.
struct user_fact {
  uuid id;
  std::string role;
  std::string region;
  std::string department;
  user_status status = user_status::active;
  timestamp created_at{};
};
/// The accounts not deleted, of `region` (every region when none), by id.
std::vector<user_fact> user_facts(transaction& tx, const std::optional<std::string>& region);
/// A sign-in: a session started.
struct sign_in {
  uuid user;
  timestamp at{};
};
/// The sessions started in [from, to) by accounts not deleted of `region`
/// (every region when none), oldest first.
std::vector<sign_in> sign_ins_between(transaction& tx, const std::optional<std::string>& region, timestamp from,
                                      timestamp to);
// --- counts (operations) ---
std::map<std::string, std::int64_t> users_by_region(transaction& tx);
/// The accounts of `region` by status (deleted ones left out).
std::map<std::string, std::int64_t> users_by_status(transaction& tx, std::string_view region);
/// Whose accounts the users export reads: everyone's, or a region's, or a
/// department's.
struct export_scope {
  std::optional<std::string> region;
  std::optional<std::string> department;
};
/// Up to `limit` accounts of `scope` (deleted ones left out) with id after
/// `after` ("" : from the first), by id: one keyset page on the primary key.
std::vector<user> users_after(transaction& tx, const export_scope& scope, std::string_view after, int limit);

}  // namespace segs::storage::identity
