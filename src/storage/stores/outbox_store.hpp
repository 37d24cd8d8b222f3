// SQL of the notification outbox.
#pragma once

#include "storage/backend.hpp"

#include <segs/outbox.hpp>

#include <vector>

namespace segs::storage::outbox {

void insert(transaction& tx, const outbox_message& m);
/// Up to `limit` undelivered messages, oldest first.
std::vector<outbox_message> pending(transaction& tx, std::size_t limit);
/// Marks one message delivered and erases its body and code; false when
/// another drainer took it first.
bool mark_delivered(transaction& tx, std::int64_t seq, timestamp now);
std::int64_t count_pending(transaction& tx);

}  // namespace segs::storage::outbox
