#include <segs/error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

struct row {
  segs::errc code;
  std::string_view text;
  int status;
};

// The wire contract: every code, its string and its HTTP status.
constexpr row table[] = {
    {segs::errc::validation_error, "VALIDATION_ERROR", 400},
    {segs::errc::unauthorized, "UNAUTHORIZED", 401},
    {segs::errc::forbidden, "FORBIDDEN", 403},
    {segs::errc::email_not_verified, "EMAIL_NOT_VERIFIED", 403},
    {segs::errc::account_suspended, "ACCOUNT_SUSPENDED", 403},
    {segs::errc::not_found, "NOT_FOUND", 404},
    {segs::errc::conflict, "CONFLICT", 409},
    {segs::errc::payload_too_large, "PAYLOAD_TOO_LARGE", 413},
    {segs::errc::unsupported_media_type, "UNSUPPORTED_MEDIA_TYPE", 415},
    {segs::errc::rate_limited, "RATE_LIMITED", 429},
    {segs::errc::account_locked, "ACCOUNT_LOCKED", 429},
    {segs::errc::internal, "INTERNAL_ERROR", 500},
    {segs::errc::schema_mismatch, "SCHEMA_MISMATCH", 500},
    {segs::errc::unavailable, "SERVICE_UNAVAILABLE", 503},
};

}  // namespace

TEST_CASE("errc: every code has its fixed string and HTTP status") {
  // The table must cover the enum: codes are appended, so the last one is
  // `unavailable` and the table holds as many rows as the enum has values.
  CHECK(std::size(table) == static_cast<std::size_t>(segs::errc::unavailable) + 1);
  for (std::size_t i = 0; i < std::size(table); ++i) {
    const auto& r = table[i];
    CAPTURE(r.text);
    CHECK(static_cast<std::size_t>(r.code) == i);
    CHECK(segs::to_string(r.code) == r.text);
    CHECK(segs::http_status(r.code) == r.status);
  }
}

TEST_CASE("make_error fills code, message and field") {
  const auto e = segs::make_error(segs::errc::validation_error, "email: not an address", "email");
  CHECK(e.code == segs::errc::validation_error);
  CHECK(e.message == "email: not an address");
  CHECK(e.field == "email");
  CHECK(e.detail.empty());
  CHECK_FALSE(e.retry_after.has_value());

  const auto n = segs::make_error(segs::errc::not_found, "no such user");
  CHECK(n.field.empty());
}

TEST_CASE("exception carries the error and prefixes what() with the code") {
  auto e = segs::make_error(segs::errc::conflict, "email already registered", "email");
  e.detail = "sqlite SQLITE_CONSTRAINT_UNIQUE (2067)";
  const segs::exception ex(e);
  CHECK(std::string(ex.what()) == "CONFLICT: email already registered");
  CHECK(ex.code() == segs::errc::conflict);
  CHECK(ex.err().field == "email");
  CHECK(ex.err().detail == "sqlite SQLITE_CONSTRAINT_UNIQUE (2067)");
}

TEST_CASE("result<T> holds a value or an error") {
  segs::result<int> ok = 42;
  CHECK(ok.has_value());
  CHECK(static_cast<bool>(ok));
  CHECK(ok.value() == 42);
  CHECK(*ok == 42);

  segs::result<int> bad = segs::make_error(segs::errc::not_found, "gone");
  CHECK_FALSE(bad.has_value());
  CHECK(bad.error().code == segs::errc::not_found);
  CHECK_THROWS_AS((void)bad.value(), segs::exception);
  try {
    (void)bad.value();
  } catch (const segs::exception& ex) {
    CHECK(ex.code() == segs::errc::not_found);
    CHECK(std::string(ex.what()) == "NOT_FOUND: gone");
  }

  segs::result<void> vok;
  CHECK(vok.has_value());
  CHECK_NOTHROW(vok.value());
  segs::result<void> vbad = segs::make_error(segs::errc::unavailable, "busy");
  CHECK_FALSE(vbad.has_value());
  CHECK(vbad.error().code == segs::errc::unavailable);
  CHECK_THROWS_AS(vbad.value(), segs::exception);
}

TEST_CASE("value() on a temporary result moves the value out, so loops over it never dangle") {
  static_assert(std::is_same_v<decltype(std::declval<segs::result<std::vector<int>>>().value()),
                               std::vector<int>>);
  auto make = [] { return segs::result<std::vector<std::string>>(std::vector<std::string>{"a", "b"}); };
  std::string joined;
  for (const auto& s : make().value()) joined += s;
  CHECK(joined == "ab");
}
