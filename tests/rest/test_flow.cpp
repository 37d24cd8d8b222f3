// The main job end to end through REST, and the SEGS (password later) flow.
#include "fixture.hpp"

using namespace rest_test;

TEST_CASE("register -> verify -> login -> profile -> refresh -> reuse -> logout") {
  fixture f;
  auto reg = f.post("/api/v1/auth/register",
                    {{"email", "ada@example.org"},
                     {"password", kPassword},
                     {"name", "Ada Lovelace"},
                     {"username", "ada"},
                     {"region", "north"},
                     {"department", "Engineering"},
                     {"department_metadata", {{"student_id", "ENG2025001"}}}});
  REQUIRE_MESSAGE(reg.status == 201, reg.body);
  auto user = body_of(reg).at("data");
  CHECK(str(user.at("email")) == "ada@example.org");
  CHECK(str(user.at("status")) == "pending_verification");
  CHECK(str(user.at("role")) == "consumer");
  CHECK(str(user.at("department_metadata").at("student_id")) == "ENG2025001");
  CHECK(user.at("wallet_address").is_null());
  CHECK_FALSE(user.at("blockchain_registered").as_bool());
  CHECK(user.at("last_login_at").is_null());
  CHECK_FALSE(user.as_object().contains("password_hash"));
  CHECK(reg.body.find("password_hash") == std::string::npos);
  CHECK(reg.body.find("\"password\"") == std::string::npos);

  // Unverified: a correct password is refused with EMAIL_NOT_VERIFIED.
  auto early = f.post("/api/v1/auth/login", {{"email", "ada@example.org"}, {"password", kPassword}});
  CHECK(early.status == 403);
  CHECK(code_of(early) == "EMAIL_NOT_VERIFIED");

  auto wrong = f.post("/api/v1/auth/verify-otp", {{"email", "ada@example.org"}, {"otp", "000000"}});
  // The real code may be 000000 by chance; drain it only afterwards.
  auto code = f.code_for("ada@example.org");
  if (code != "000000") {
    CHECK(wrong.status == 400);
    CHECK(field_of(wrong) == "otp");
  }
  auto verified = f.post("/api/v1/auth/verify-otp", {{"email", "ada@example.org"}, {"otp", code}});
  REQUIRE_MESSAGE(verified.status == 200, verified.body);
  CHECK(str(body_of(verified).at("data").at("user").at("status")) == "active");
  // With a password (P2P flow) no tokens come back.
  CHECK_FALSE(body_of(verified).at("data").as_object().contains("access_token"));

  auto login = f.post("/api/v1/auth/login", {{"username", "ada"}, {"password", kPassword}});
  REQUIRE_MESSAGE(login.status == 200, login.body);
  auto data = body_of(login).at("data");
  CHECK(str(data.at("token_type")) == "Bearer");
  CHECK(data.at("expires_in").as_int64() == 900);
  CHECK(str(data.at("user").at("email")) == "ada@example.org");
  const std::string access = str(data.at("access_token"));
  const std::string refresh = str(data.at("refresh_token"));

  auto profile = f.get("/api/v1/user/profile", {access, {}});
  REQUIRE(profile.status == 200);
  CHECK(str(body_of(profile).at("data").at("username")) == "ada");
  CHECK(profile.header_value("Cache-Control") == "no-store");

  auto refreshed = f.post("/api/v1/auth/refresh-token", {{"refresh_token", refresh}});
  REQUIRE_MESSAGE(refreshed.status == 200, refreshed.body);
  auto pair = body_of(refreshed).at("data");
  CHECK(str(pair.at("token_type")) == "Bearer");
  CHECK(str(pair.at("refresh_token")) != refresh);
  const std::string access2 = str(pair.at("access_token"));

  // Presenting the rotated refresh token again ends the whole session.
  auto reuse = f.post("/api/v1/auth/refresh-token", {{"refresh_token", refresh}});
  CHECK(reuse.status == 401);
  CHECK(code_of(reuse) == "UNAUTHORIZED");
  CHECK(reuse.header_value("WWW-Authenticate") == "Bearer");
  CHECK(f.get("/api/v1/user/profile", {access2, {}}).status == 401);

  // A new sign-in, then logout revokes that access token.
  auto token = f.login("ada@example.org");
  CHECK(f.get("/api/v1/auth/profile", {token, {}}).status == 200);
  auto out = f.send("POST", "/api/v1/auth/logout", {}, {token, {}});
  CHECK(out.status == 200);
  CHECK(body_of(out).at("data").is_null());
  auto after = f.get("/api/v1/user/profile", {token, {}});
  CHECK(after.status == 401);
  CHECK(after.header_value("WWW-Authenticate") == "Bearer");
}

TEST_CASE("SEGS flow: register without password / verify returns tokens / set-password") {
  fixture f;
  auto reg = f.post("/api/v1/auth/register", {{"email", "bob@example.org"},
                                              {"first_name", "Bob"},
                                              {"last_name", "Builder"},
                                              {"region", "south"}});
  REQUIRE_MESSAGE(reg.status == 201, reg.body);
  CHECK(str(body_of(reg).at("data").at("name")) == "Bob Builder");
  CHECK_FALSE(body_of(reg).at("data").at("has_password").as_bool());
  auto v = f.post("/api/v1/auth/verify-otp",
                  {{"email", "bob@example.org"}, {"otp", f.code_for("bob@example.org")}});
  REQUIRE_MESSAGE(v.status == 200, v.body);
  auto data = body_of(v).at("data");
  REQUIRE(data.as_object().contains("access_token"));
  CHECK(str(data.at("token_type")) == "Bearer");
  const std::string token = str(data.at("access_token"));

  auto set = f.post("/api/v1/auth/set-password", {{"password", kPassword}}, {token, {}});
  REQUIRE_MESSAGE(set.status == 200, set.body);
  auto again = f.post("/api/v1/auth/set-password", {{"password", kPassword}}, {token, {}});
  CHECK(again.status == 409);
  CHECK(field_of(again) == "password");
  CHECK(f.login("bob@example.org").size() > 20);
}

TEST_CASE("passwords: change / P2P /auth/password / forgot and reset") {
  fixture f;
  auto a = f.signed_in("carol@example.org", "consumer");
  const std::string next = "An0ther-long-passphrase";
  auto bad = f.post("/api/v1/auth/change-password",
                    {{"current_password", "not-it-at-all"}, {"new_password", next}}, a);
  CHECK(bad.status == 401);
  CHECK(field_of(bad) == "current_password");
  auto missing = f.post("/api/v1/auth/change-password", {{"current_password", kPassword}}, a);
  CHECK(missing.status == 400);
  CHECK(field_of(missing) == "new_password");
  auto changed = f.post("/api/v1/auth/change-password",
                        {{"current_password", kPassword}, {"new_password", next}}, a);
  REQUIRE_MESSAGE(changed.status == 200, changed.body);
  auto back = f.post("/api/v1/auth/password",
                     {{"current_password", next}, {"new_password", kPassword}}, a);
  REQUIRE_MESSAGE(back.status == 200, back.body);

  // forgot-password answers the same for known and unknown addresses.
  auto known = f.post("/api/v1/auth/forgot-password", {{"email", "carol@example.org"}});
  auto unknown = f.post("/api/v1/auth/forgot-password", {{"email", "nobody@example.org"}});
  CHECK(known.status == 200);
  CHECK(unknown.status == 200);
  CHECK(str(body_of(known).at("message")) == str(body_of(unknown).at("message")));

  auto code = f.code_for("carol@example.org");
  auto reset = f.post("/api/v1/auth/reset-password",
                      {{"email", "carol@example.org"}, {"otp", code}, {"new_password", next}});
  REQUIRE_MESSAGE(reset.status == 200, reset.body);
  CHECK(f.login("carol@example.org", next).size() > 20);
  auto reused = f.post("/api/v1/auth/reset-password",
                       {{"email", "carol@example.org"}, {"otp", code}, {"new_password", kPassword}});
  CHECK(reused.status == 400);
  CHECK(field_of(reused) == "otp");
}

TEST_CASE("resend-otp: purposes / unknown purpose / cooldown answers 429 with Retry-After") {
  fixture f;
  REQUIRE(f.post("/api/v1/auth/register", {{"email", "dan@example.org"}, {"password", kPassword},
                                           {"name", "Dan"}, {"region", "north"}})
              .status == 201);
  auto bad = f.post("/api/v1/auth/resend-otp", {{"email", "dan@example.org"}, {"purpose", "x"}});
  CHECK(bad.status == 400);
  CHECK(field_of(bad) == "purpose");
  auto soon = f.post("/api/v1/auth/resend-otp", {{"email", "dan@example.org"}});
  CHECK(soon.status == 429);
  CHECK(code_of(soon) == "RATE_LIMITED");
  CHECK_FALSE(soon.header_value("Retry-After").empty());
  f.clock->advance(std::chrono::seconds(61));
  auto later = f.post("/api/v1/auth/resend-otp",
                      {{"email", "dan@example.org"}, {"purpose", "verify_email"}});
  CHECK(later.status == 200);
  auto unknown = f.post("/api/v1/auth/resend-otp", {{"email", "ghost@example.org"}});
  CHECK(unknown.status == 200);
  CHECK(str(body_of(unknown).at("message")) == str(body_of(later).at("message")));
}

TEST_CASE("login lockout answers 429 ACCOUNT_LOCKED with Retry-After") {
  fixture f;
  f.make_user("eve@example.org", "consumer");
  for (int i = 0; i < 4; ++i) {
    auto failed =
        f.post("/api/v1/auth/login", {{"email", "eve@example.org"}, {"password", "wrong-pass-1"}});
    CHECK(failed.status == 401);
    CHECK(code_of(failed) == "UNAUTHORIZED");
  }
  // The fifth failure locks the identifier; even the right password waits.
  auto fifth = f.post("/api/v1/auth/login", {{"email", "eve@example.org"}, {"password", "wrong-pass-1"}});
  CHECK(fifth.status == 429);
  CHECK(code_of(fifth) == "ACCOUNT_LOCKED");
  auto locked = f.post("/api/v1/auth/login", {{"email", "eve@example.org"}, {"password", kPassword}});
  CHECK(locked.status == 429);
  CHECK(code_of(locked) == "ACCOUNT_LOCKED");
  const auto retry = std::string(locked.header_value("Retry-After"));
  REQUIRE_FALSE(retry.empty());
  CHECK(std::stoi(retry) > 0);
  CHECK(body_of(locked).at("error").at("details").at("retry_after").as_int64() == std::stoi(retry));
  f.clock->advance(std::chrono::seconds(std::stoi(retry) + 1));
  CHECK(f.post("/api/v1/auth/login", {{"email", "eve@example.org"}, {"password", kPassword}})
            .status == 200);
}

TEST_CASE("sessions / logout-all") {
  fixture f;
  f.make_user("fay@example.org", "consumer");
  auto t1 = f.login("fay@example.org");
  auto t2 = f.login("fay@example.org");
  auto s = f.get("/api/v1/auth/sessions", {t1, {}});
  REQUIRE(s.status == 200);
  auto list = body_of(s).at("data").as_array();
  CHECK(list.size() == 2);
  int current = 0;
  for (const auto& x : list) current += x.at("current").as_bool() ? 1 : 0;
  CHECK(current == 1);
  CHECK(str(list[0].at("user_agent")) == "rest-tests/1");
  CHECK(f.send("POST", "/api/v1/auth/logout-all", {}, {t1, {}}).status == 200);
  CHECK(f.get("/api/v1/auth/sessions", {t2, {}}).status == 401);
}
