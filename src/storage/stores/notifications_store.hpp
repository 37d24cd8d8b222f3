// SQL of the notifications capability. Functions run inside a transaction
// the caller owns; they never commit.
#pragma once

#include "storage/backend.hpp"

#include <map>
#include <string>

#include <segs/notifications.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace segs::storage::notifications {

void insert(transaction& tx, const std::vector<notification>& rows);
[[nodiscard]] page<notification> history(transaction& tx, const uuid& user, const notification_query& q);
[[nodiscard]] std::int64_t unread(transaction& tx, const uuid& user);
/// Marks one read (keeping an earlier read time); none when it is not `user`'s.
[[nodiscard]] std::optional<notification> mark_read(transaction& tx, const uuid& user, const uuid& id,
                                                    timestamp now);
[[nodiscard]] std::int64_t mark_all_read(transaction& tx, const uuid& user, timestamp now);
/// Removes read notifications read before `before`; answers how many.
std::int64_t remove_read_before(transaction& tx, timestamp before);

// --- counts (operations) ---
std::int64_t count(transaction& tx);

}  // namespace segs::storage::notifications
