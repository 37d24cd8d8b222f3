// The maker: inside the transaction that commits a call's events, what
// they tell whom, by the channels each recipient allows. A notification kept
// in the app is a row and a "notifications.created" event after the commit;
// one sent by email is a message in the outbox (purpose "notification").
#include "core/time_zone.hpp"
#include "notifications/delivery.hpp"
#include "notifications/notifications_impl.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/notifications_store.hpp"
#include "storage/stores/outbox_store.hpp"
#include "storage/stores/region_store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace segs {

namespace store = storage::identity;
using detail::notify::draft;

bool notifications_service::impl::make(storage::transaction& tx, std::vector<event>& evs, std::size_t from) {
  const auto drafts =
      detail::notify::compose(std::span<const event>(evs).subspan(from, evs.size() - from));
  if (drafts.empty()) return false;
  std::vector<event> made;
  const bool mailed = deliver(tx, drafts, made);
  evs.insert(evs.end(), std::make_move_iterator(made.begin()), std::make_move_iterator(made.end()));
  return mailed;
}

bool notifications_service::impl::deliver(storage::transaction& tx, const std::vector<draft>& drafts,
                                          std::vector<event>& out, std::vector<notification>* made) {
  // The audience of each draft: its user, and a region's operators.
  std::map<std::string, std::vector<uuid>, std::less<>> operators;
  std::vector<std::vector<uuid>> audience(drafts.size());
  std::set<uuid> everyone;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    const auto& d = drafts[i];
    auto& to = audience[i];
    if (d.user) to.push_back(*d.user);
    if (d.operators) {
      auto it = operators.find(d.region);
      if (it == operators.end())
        it = operators.emplace(d.region, store::holders_in_region(tx, d.region, permission::alerts_manage)).first;
      for (const auto& op : it->second)
        if (std::find(to.begin(), to.end(), op) == to.end()) to.push_back(op);
    }
    everyone.insert(to.begin(), to.end());
  }
  if (everyone.empty()) return false;

  std::map<uuid, store::recipient_row> people;
  for (auto& r : store::recipients(tx, {everyone.begin(), everyone.end()})) people.emplace(r.id, std::move(r));

  // Each recipient's wall clock, for quiet hours: their region's zone.
  const auto now = core.now();
  std::map<std::string, int, std::less<>> minute_in;
  auto local_minute = [&](const std::string& region) {
    auto it = minute_in.find(region);
    if (it != minute_in.end()) return it->second;
    auto z = tz::zone::utc();
    if (auto r = storage::regions::find(tx, region))
      if (auto found = tz::zone::find(r->time_zone)) z = *found;
    const auto since = z.to_local(now).since_midnight;
    const int m = static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(since).count()) % (24 * 60);
    minute_in.emplace(region, m);
    return m;
  };

  std::vector<notification> rows;
  bool mailed = false;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    const auto& d = drafts[i];
    for (const auto& uid : audience[i]) {
      auto p = people.find(uid);
      if (p == people.end() || p->second.status != user_status::active) continue;
      const auto& who = p->second;
      const auto ch = detail::notify::route(who.prefs, group_of(d.kind), d.severity, local_minute(who.region));
      if (!ch.any()) continue;
      notification n;
      n.id = core.new_id();
      n.user_id = uid;
      n.kind = d.kind;
      n.severity = d.severity;
      n.title = d.title;
      n.body = d.body;
      n.data = d.data;
      n.emailed = ch.email && !who.email.empty();
      n.created_at = now;
      if (n.emailed) {
        outbox_message m;
        m.id = core.new_id();
        m.to = who.email;
        m.purpose = "notification";
        m.subject = n.title;
        m.body = n.body;
        m.created_at = now;
        storage::outbox::insert(tx, m);
        mailed = true;
      }
      if (!ch.in_app) continue;
      out.push_back({0, who.region, notification_event{n, ch.push}});
      if (made) made->push_back(n);
      rows.push_back(std::move(n));
    }
  }
  storage::notifications::insert(tx, rows);
  return mailed;
}

std::int64_t notifications_service::impl::remove_expired(timestamp now) {
  const auto before = now - std::chrono::days(core.settings.integer("notifications.retention_days"));
  return core.write([&](storage::transaction& tx) { return storage::notifications::remove_read_before(tx, before); });
}

}  // namespace segs
