// Every listing route outside the market answers one shape, {<items>, total,
// page, per_page, total_pages}, and applies one paging rule: page from 1,
// per_page 1..100, refused naming the field.
#include "fixture.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

using namespace rest_test;

namespace {

std::set<std::string> keys(const boost::json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.emplace(kv.key());
  return out;
}

std::string message_of(const segs::rest::response& r) {
  return std::string(body_of(r).at("error").at("message").as_string());
}

/// Checks the listing shape of `data` with its items under `items`.
void check_listing(const boost::json::value& data, const std::string& items, std::int64_t page,
                   std::int64_t per_page) {
  CHECK(keys(data) == std::set<std::string>{items, "total", "page", "per_page", "total_pages"});
  const auto total = data.at("total").as_int64();
  CHECK(data.at("page").as_int64() == page);
  CHECK(data.at("per_page").as_int64() == per_page);
  CHECK(data.at("total_pages").as_int64() == (total + per_page - 1) / per_page);
  const auto on_page = static_cast<std::int64_t>(data.at(items).as_array().size());
  const auto before = (page - 1) * per_page;
  CHECK(on_page == std::max<std::int64_t>(0, std::min(per_page, total - before)));
}

}  // namespace

TEST_CASE("listings: users pages carry total_pages, the last page is partial") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  for (int i = 0; i < 4; ++i) f.make_user("u" + std::to_string(i) + "@example.org", "consumer");
  // Five users at two per page: 2, 2, 1, then nothing past the end.
  for (int page = 1; page <= 4; ++page) {
    CAPTURE(page);
    for (const std::string base : {"/api/v1/users", "/api/v1/operator/users"}) {
      CAPTURE(base);
      auto r = f.get(base + "?per_page=2&page=" + std::to_string(page), admin);
      REQUIRE_MESSAGE(r.status == 200, r.body);
      auto d = body_of(r).at("data");
      check_listing(d, "users", page, 2);
      CHECK(d.at("total").as_int64() == 5);
      CHECK(d.at("total_pages").as_int64() == 3);
    }
  }
  auto region = f.get("/api/v1/operator/users/region/north?per_page=100", admin);
  REQUIRE_MESSAGE(region.status == 200, region.body);
  check_listing(body_of(region).at("data"), "users", 1, 100);
  // The default page size is unchanged: 20.
  check_listing(body_of(f.get("/api/v1/users", admin)).at("data"), "users", 1, 20);
}

TEST_CASE("listings: audit log and activity pages carry total_pages") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto u = f.make_user("act@example.org", "consumer");
  for (int i = 0; i < 3; ++i) (void)f.login("act@example.org");

  auto logs = f.get("/api/v1/admin/audit-logs?per_page=2&page=2", admin);
  REQUIRE_MESSAGE(logs.status == 200, logs.body);
  check_listing(body_of(logs).at("data"), "logs", 2, 2);
  // The audit log's default page size is unchanged: 50.
  check_listing(body_of(f.get("/api/v1/admin/audit-logs", admin)).at("data"), "logs", 1, 50);

  auto theirs = f.get("/api/v1/users/" + u.id.to_string() + "/activity?per_page=2", admin);
  REQUIRE_MESSAGE(theirs.status == 200, theirs.body);
  auto d = body_of(theirs).at("data");
  check_listing(d, "activity", 1, 2);
  CHECK(d.at("total").as_int64() >= 4);  // created, three sign-ins

  auto mine = f.get("/api/v1/user/activity?per_page=3&page=2", auth{f.login("act@example.org"), {}});
  REQUIRE_MESSAGE(mine.status == 200, mine.body);
  check_listing(body_of(mine).at("data"), "activity", 2, 3);
}

TEST_CASE("listings: per_page 101, per_page 0 and page 0 are refused naming the field") {
  fixture f;
  auto admin = f.signed_in("root@example.org", "admin");
  auto u = f.make_user("act@example.org", "consumer");
  const std::string activity = "/api/v1/users/" + u.id.to_string() + "/activity";
  const std::string routes[] = {"/api/v1/users",
                                "/api/v1/operator/users",
                                "/api/v1/operator/users/region/north",
                                "/api/v1/admin/audit-logs",
                                activity,
                                "/api/v1/user/activity"};
  for (const auto& base : routes) {
    CAPTURE(base);
    for (const auto& [query, field] : {std::pair{"?per_page=101", "per_page"},
                                       std::pair{"?per_page=0", "per_page"},
                                       std::pair{"?page=0", "page"}}) {
      CAPTURE(query);
      auto r = f.get(base + query, admin);
      CHECK(r.status == 400);
      CHECK(code_of(r) == "VALIDATION_ERROR");
      CHECK(field_of(r) == field);
      CHECK(message_of(r) == (std::string(field) == "page" ? "page must be 1 or more"
                                                           : "per_page must be between 1 and 100"));
    }
    auto top = f.get(base + "?per_page=100", admin);
    CHECK_MESSAGE(top.status == 200, top.body);
  }
}
