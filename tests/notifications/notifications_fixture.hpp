// Helpers for the notifications tests: one's notifications (all pages) and
// the notification mail in the outbox.
#pragma once

#include <segs/segs.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace segs_test {

/// Every notification `who` has, newest first.
inline std::vector<segs::notification> notes_of(segs::grid& g, const segs::principal& who,
                                                segs::notification_query q = {}) {
  std::vector<segs::notification> out;
  q.per_page = 100;
  for (q.page = 1;; ++q.page) {
    auto p = g.notifications().history(who, q);
    REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().message));
    out.insert(out.end(), p->items.begin(), p->items.end());
    if (q.page >= p->total_pages()) break;
  }
  return out;
}

inline std::vector<segs::notification_kind> kinds_of(const std::vector<segs::notification>& ns) {
  std::vector<segs::notification_kind> out;
  for (const auto& n : ns) out.push_back(n.kind);
  return out;
}

/// The notification mail the outbox holds (drains it), oldest first.
inline std::vector<segs::outbox_message> notification_mail(segs::grid& g) {
  std::vector<segs::outbox_message> out;
  for (auto& m : g.outbox().drain(1000).value())
    if (m.purpose == "notification") out.push_back(std::move(m));
  return out;
}

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace segs_test
