// A grid on a fresh database of the backend under test, with a manual clock
// and cheap password hashing, plus helpers for the common flows.
#pragma once

#include "storage/fault_injection.hpp"
#include "support/regions.hpp"
#include "support/test_db.hpp"

#include <segs/segs.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>

namespace segs_test {

inline constexpr std::int64_t kStart = 1'750'000'000'000'000;  // 2025-06-15, in µs
inline const std::string kPassword = "Tr0ub4dor&3-horse";

struct grid_fixture {
  fresh_database db;
  std::shared_ptr<segs::manual_clock> clock =
      std::make_shared<segs::manual_clock>(segs::from_micros(kStart));
  segs::options opts;
  std::unique_ptr<segs::grid> grid;
  /// Set when the fixture was built `with_faults`: arm it to fail statements.
  segs::storage::faulty_backend* fault = nullptr;

  struct with_faults_t {};
  static constexpr with_faults_t with_faults{};

  /// A grid over a fault-injecting wrapper of the backend under test.
  explicit grid_fixture(with_faults_t, void (*tweak)(segs::options&) = nullptr) {
    opts.clock = clock;
    opts.identity.argon2_opslimit = 1;
    opts.identity.argon2_memlimit = 8192;
    define_test_regions(opts);
    if (tweak) tweak(opts);
    auto faulty = std::make_unique<segs::storage::faulty_backend>(segs::storage::open_backend(db.url(), {}));
    fault = faulty.get();
    auto g = segs::detail::open_grid(std::move(faulty), opts);
    REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().message));
    grid = std::move(g).value();
  }

  explicit grid_fixture(void (*tweak)(segs::options&) = nullptr) {
    opts.clock = clock;
    // libsodium's minimum argon2id cost keeps the suite fast; production
    // defaults are exercised by the rehash test.
    opts.identity.argon2_opslimit = 1;
    opts.identity.argon2_memlimit = 8192;
    define_test_regions(opts);
    if (tweak) tweak(opts);
    grid = open();
  }

  std::unique_ptr<segs::grid> open() {
    auto g = segs::grid::open(db.url(), opts);
    REQUIRE_MESSAGE(g.has_value(), (g ? "" : g.error().message + " / " + g.error().detail));
    return std::move(g).value();
  }

  segs::identity_service& id() { return grid->identity(); }

  void advance(std::chrono::microseconds d) { clock->advance(d); }

  /// The newest code mailed to `email` (drains the outbox).
  std::string code_for(const std::string& email) {
    auto mail = grid->outbox().drain(1000).value();
    std::string code;
    for (const auto& m : mail)
      if (m.to == email) code = m.code;
    REQUIRE_MESSAGE(!code.empty(), "no code was mailed to " << email);
    return code;
  }

  segs::registration reg(const std::string& email, std::string role = "consumer",
                         std::string region = "north") {
    segs::registration r;
    r.email = email;
    r.password = kPassword;
    r.name = "Test User";
    r.role = std::move(role);
    r.region = std::move(region);
    r.department = "Engineering";
    return r;
  }

  /// Registers and verifies an account; returns it.
  segs::user verified(const std::string& email, std::string role = "consumer",
                      std::string region = "north") {
    auto u = id().register_user(reg(email, std::move(role), std::move(region)));
    REQUIRE_MESSAGE(u.has_value(), (u ? "" : u.error().message));
    auto v = id().verify_email(email, code_for(email));
    REQUIRE_MESSAGE(v.has_value(), (v ? "" : v.error().message));
    return v->user;
  }

  /// Creates an account of any role through the system principal.
  segs::user made(const std::string& email, const std::string& role, std::string region = "north") {
    auto u = id().create_user(segs::principal::system(), reg(email, role, std::move(region)));
    REQUIRE_MESSAGE(u.has_value(), (u ? "" : u.error().message));
    return *u;
  }

  segs::token_pair login(const std::string& identifier, const std::string& password = kPassword) {
    auto t = id().login({identifier, password});
    REQUIRE_MESSAGE(t.has_value(), (t ? "" : t.error().message));
    return *t;
  }

  segs::principal as(const std::string& email) {
    auto p = id().authenticate(login(email).access_token);
    REQUIRE(p.has_value());
    return *p;
  }
};

}  // namespace segs_test
