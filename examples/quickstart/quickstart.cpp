// Quickstart: open a grid on the embedded SQLite default and walk one user
// through register -> verify email -> login -> authenticated profile read.
//
//   segs-quickstart [sqlite:var/quickstart.db]
//
// The verification code reaches us the way it reaches any host: through the
// notification outbox, which a real deployment would hand to its mailer.
#include <segs/segs.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

template <class T>
T check(segs::result<T> r, const char* step) {
  if (!r) {
    std::cerr << step << " failed: " << segs::to_string(r.error().code) << ": "
              << r.error().message << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}

void check(segs::result<void> r, const char* step) {
  if (!r) {
    std::cerr << step << " failed: " << segs::to_string(r.error().code) << ": "
              << r.error().message << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = argc > 1 ? argv[1] : "sqlite:var/quickstart.db";
  if (url.rfind("sqlite:var/", 0) == 0) std::filesystem::create_directories("var");

  // Users live in regions; a deployment lists its own (the server reads them
  // from its configuration). Registrations that name none get the default.
  segs::options opts;
  segs::region_spec north;
  north.name = "North";
  north.time_zone = "Europe/Berlin";
  north.currency = "EUR";
  opts.regions.define.emplace("north", north);
  auto grid = check(segs::grid::open(url, opts), "open");
  std::cout << "opened " << url << " (" << grid->backend_name() << ", schema v"
            << grid->schema_version() << ")\n";

  // A fresh address each run, so the example can be run again and again.
  const auto stamp = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  segs::registration reg;
  reg.email = "ada+" + stamp + "@example.org";
  reg.password = "correct horse battery staple";
  reg.name = "Ada Lovelace";
  reg.region = "north";
  reg.role = "prosumer";
  reg.department = "Engineering";
  auto user = check(grid->identity().register_user(reg), "register");
  std::cout << "registered " << user.email << " as " << user.role << " (id " << user.id.to_string()
            << ", status " << segs::to_string(user.status) << ")\n";

  // Signing in before verification is refused, after the password check.
  auto early = grid->identity().login({reg.email, *reg.password});
  std::cout << "login before verification: "
            << (early ? "accepted (bug!)" : segs::to_string(early.error().code)) << "\n";
  if (early) return 1;

  auto mail = check(grid->outbox().drain(), "drain outbox");
  std::cout << "outbox handed over " << mail.size() << " message(s): \"" << mail.at(0).subject
            << "\" to " << mail.at(0).to << "\n";

  auto verified = check(grid->identity().verify_email(reg.email, mail.at(0).code), "verify");
  std::cout << "verified; status is now " << segs::to_string(verified.user.status) << "\n";

  auto tokens = check(grid->identity().login({reg.email, *reg.password}, {"127.0.0.1", "quickstart"}),
                      "login");
  std::cout << "logged in: " << tokens.token_type << " token, expires in " << tokens.expires_in
            << " s\n";

  auto who = check(grid->identity().authenticate(tokens.access_token), "authenticate");
  auto me = check(grid->identity().profile(who), "profile");
  std::cout << "profile via access token: " << me.name << " <" << me.email << ">, region "
            << me.region << "\n";

  check(grid->identity().logout(who), "logout");
  auto after = grid->identity().authenticate(tokens.access_token);
  std::cout << "after logout the token is " << (after ? "still valid (bug!)" : "refused") << "\n";
  return after ? 1 : 0;
}
