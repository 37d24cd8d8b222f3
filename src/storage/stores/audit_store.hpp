// SQL of the hash-chained audit log.
#pragma once

#include "storage/backend.hpp"

#include <map>
#include <string>

#include <segs/audit.hpp>

#include <string>
#include <utility>
#include <vector>

namespace segs::storage::audit {

/// Advances the chain head and returns (new seq, previous hash). The head's
/// row lock serializes concurrent appends on every backend.
std::pair<std::int64_t, std::string> advance_head(transaction& tx);
/// Inserts a record (seq, prev hash and hash already set) and moves the head
/// hash to it.
void insert(transaction& tx, const audit_record& r, const std::string& prev_hash,
            const std::string& hash);
page<audit_record> query(transaction& tx, const audit_query& q);

struct chained_record {
  audit_record record;
  std::string prev_hash;
  std::string hash;
};
/// Records with seq > after, in order, at most `limit`.
std::vector<chained_record> scan(transaction& tx, std::int64_t after, std::int64_t limit);
/// The head (seq, hash).
std::pair<std::int64_t, std::string> head(transaction& tx);

// --- counts (operations) ---
std::int64_t count(transaction& tx);

}  // namespace segs::storage::audit
