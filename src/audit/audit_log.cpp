#include "audit/chain.hpp"

#include "core/paging.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "identity/roles.hpp"
#include "storage/stores/audit_store.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/json_text.hpp"

namespace segs::detail {

actor actor::of(const principal& p) {
  switch (p.type) {
    case principal::kind::user: return {"user", p.id.to_string()};
    case principal::kind::api_key: return {"api_key", p.id.to_string()};
    case principal::kind::system: return {"system", ""};
    case principal::kind::anonymous: return {};
  }
  return {};
}

std::string audit_hash(const audit_record& r, const std::string& prev_hash) {
  std::string buf;
  auto field = [&buf](std::string_view v) {
    buf += std::to_string(v.size());
    buf += ':';
    buf += v;
    buf += ';';
  };
  field(prev_hash);
  field(std::to_string(r.seq));
  field(r.id.to_string());
  field(std::to_string(to_micros(r.at)));
  field(r.actor_kind);
  field(r.actor_id);
  field(r.action);
  field(r.target_id);
  field(r.outcome);
  field(r.ip);
  field(r.user_agent);
  field(r.details);
  auto digest = crypto::sha256(buf);
  return crypto::hex_encode(digest);
}

std::string audit_details(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  return audit_details(std::span(kv.begin(), kv.size()));
}

std::string audit_details(std::span<const std::pair<std::string_view, std::string_view>> kv) {
  std::string out = "{";
  for (const auto& [k, v] : kv) {
    if (out.size() > 1) out += ',';
    out += storage::json_quote(k);
    out += ':';
    out += storage::json_quote(v);
  }
  return out + "}";
}

audit_record audit_append(grid_core& core, storage::transaction& tx, const actor& who,
                          const request_context& ctx, audit_entry e) {
  auto [seq, prev] = storage::audit::advance_head(tx);
  audit_record r;
  r.seq = seq;
  r.id = core.new_id();
  r.at = core.now();
  r.actor_kind = who.kind;
  r.actor_id = who.id;
  r.action = std::move(e.action);
  r.target_id = std::move(e.target_id);
  r.outcome = std::move(e.outcome);
  r.ip = ctx.ip;
  r.user_agent = ctx.user_agent;
  r.details = std::move(e.details);
  storage::audit::insert(tx, r, prev, audit_hash(r, prev));
  return r;
}

}  // namespace segs::detail

namespace segs {

struct audit_log::impl {
  detail::grid_core& core;
};

audit_log::audit_log(detail::grid_core& core) : impl_(std::make_unique<impl>(impl{core})) {}
audit_log::~audit_log() = default;

result<page<audit_record>> audit_log::query(const principal& who, const audit_query& q) {
  return detail::guard([&] {
    if (!who.can(permission::audit_read) || who.scope != role_scope::all)
      detail::fail(errc::forbidden, "reading the audit log needs the audit:read permission");
    detail::check_page(q.page, q.per_page);
    return impl_->core.read([&](storage::transaction& tx) { return storage::audit::query(tx, q); });
  });
}

result<page<audit_record>> audit_log::activity(const principal& who, const uuid& user_id, int page,
                                               int per_page) {
  return detail::guard([&] {
    const bool own = who.type == principal::kind::user && who.id == user_id;
    if (!own && !(who.can(permission::users_read) && who.scope != role_scope::self))
      detail::fail(errc::forbidden, "reading another user's activity needs users:read");
    detail::check_page(page, per_page);
    audit_query q;
    q.involving = user_id.to_string();
    q.page = page;
    q.per_page = per_page;
    return impl_->core.read([&](storage::transaction& tx) {
      // Another user's history is visible only within the principal's scope;
      // out of scope it is "not found", like the account itself.
      if (!own) {
        auto u = storage::identity::find_user(tx, user_id);
        if (!u || !detail::in_scope(who, u->user))
          detail::fail(errc::not_found, "user not found", "id");
      }
      return storage::audit::query(tx, q);
    });
  });
}

result<audit_verification> audit_log::verify(const principal& who) {
  return detail::guard([&] {
    if (!who.can(permission::audit_read) || who.scope != role_scope::all)
      detail::fail(errc::forbidden, "verifying the audit log needs the audit:read permission");
    return impl_->core.read([&](storage::transaction& tx) {
      audit_verification v;
      std::int64_t expected_seq = 1;
      std::string prev;
      auto bad = [&](std::int64_t seq, std::string problem) {
        v.intact = false;
        v.first_bad_seq = seq;
        v.problem = std::move(problem);
        return v;
      };
      // Read the head first: records appended while we scan (visible under
      // PostgreSQL's read committed) lie beyond it and are not judged.
      auto [head_seq, head_hash] = storage::audit::head(tx);
      for (;;) {
        auto batch = storage::audit::scan(tx, expected_seq - 1, 1000);
        if (batch.empty()) break;
        for (const auto& c : batch) {
          if (c.record.seq > head_seq) break;
          if (c.record.seq != expected_seq)
            return bad(expected_seq, "record " + std::to_string(expected_seq) + " is missing");
          if (c.prev_hash != prev)
            return bad(c.record.seq, "record " + std::to_string(c.record.seq) +
                                         " does not link to the record before it");
          if (detail::audit_hash(c.record, prev) != c.hash)
            return bad(c.record.seq,
                       "record " + std::to_string(c.record.seq) + " was altered after it was written");
          prev = c.hash;
          ++expected_seq;
          ++v.records_checked;
        }
        if (expected_seq > head_seq) break;
      }
      if (head_seq != expected_seq - 1 || head_hash != prev)
        return bad(expected_seq, "records after " + std::to_string(expected_seq - 1) +
                                     " were deleted (the chain head is at " +
                                     std::to_string(head_seq) + ")");
      return v;
    });
  });
}

}  // namespace segs
