// The notifications service: one's history, the unread count, marks, and
// test notifications. What events make is in notifications_make.cpp.
#include "core/paging.hpp"
#include "notifications/notifications_impl.hpp"
#include "storage/stores/notifications_store.hpp"

#include <segs/events.hpp>

namespace segs {

using detail::fail;
namespace store = storage::notifications;

notifications_service::notifications_service(detail::grid_core& core) : impl_(std::make_unique<impl>(core)) {}
notifications_service::~notifications_service() = default;

namespace {

/// The caller's own account: notifications are never someone else's.
const uuid& require_person(const principal& who, std::string_view perm) {
  if (who.type == principal::kind::anonymous) fail(errc::unauthorized, "sign in first");
  if (who.type != principal::kind::user) fail(errc::forbidden, "only a user has notifications");
  if (!who.can(perm)) fail(errc::forbidden, "this needs " + std::string(perm));
  return who.id;
}

}  // namespace

result<page<notification>> notifications_service::history(const principal& who, const notification_query& q) {
  return detail::guard([&] {
    const auto& uid = require_person(who, permission::profile_read);
    detail::check_page(q.page, q.per_page);
    return impl_->core.read([&](storage::transaction& tx) { return store::history(tx, uid, q); });
  });
}

result<std::int64_t> notifications_service::unread_count(const principal& who) {
  return detail::guard([&] {
    const auto& uid = require_person(who, permission::profile_read);
    return impl_->core.read([&](storage::transaction& tx) { return store::unread(tx, uid); });
  });
}

result<notification> notifications_service::mark_read(const principal& who, const uuid& id) {
  return detail::guard([&] {
    const auto& uid = require_person(who, permission::profile_write);
    const auto now = impl_->core.now();
    auto n = impl_->core.write([&](storage::transaction& tx) { return store::mark_read(tx, uid, id, now); });
    if (!n) fail(errc::not_found, "no notification " + id.to_string(), "id");
    return std::move(*n);
  });
}

result<std::int64_t> notifications_service::mark_all_read(const principal& who) {
  return detail::guard([&] {
    const auto& uid = require_person(who, permission::profile_write);
    const auto now = impl_->core.now();
    return impl_->core.write([&](storage::transaction& tx) { return store::mark_all_read(tx, uid, now); });
  });
}

result<notification> notifications_service::send_test(const principal& who, const test_notification& t,
                                                      const request_context& /*ctx*/) {
  return detail::guard([&] {
    const auto& uid = require_person(who, permission::profile_write);
    if (t.title.empty() || t.title.size() > 200)
      fail(errc::validation_error, "title must be 1 to 200 characters", "title");
    if (t.body.size() > 2000) fail(errc::validation_error, "body must be at most 2000 characters", "body");
    detail::notify::draft d;
    d.user = uid;
    d.region = who.region;
    d.kind = notification_kind::test;
    d.severity = t.severity;
    d.title = t.title;
    d.body = t.body;
    std::vector<event> evs;
    std::vector<notification> made;
    bool mailed = false;
    impl_->core.write([&](storage::transaction& tx) {
      evs.clear();
      made.clear();
      mailed = impl_->deliver(tx, {d}, evs, &made);
    });
    if (made.empty()) fail(errc::internal, "the test notification was not made");
    auto n = made.front();
    impl_->core.publish(std::move(evs), mailed);
    return n;
  });
}

}  // namespace segs
