// segs-server: the example HTTP server. It hosts segs::rest over Boost.Beast
// and holds no domain logic: configuration, start-up chores (admin
// bootstrap, demo users), signals and the transport, nothing else.
//
//   SEGS_MAIL_SINK=file:var/mail.jsonl segs-server --seed-demo
//
// Configuration: see --help and docs/server.md. Exit status: 0 after a clean
// stop (SIGINT/SIGTERM), 1 when the database or the address cannot be used,
// 2 for a bad setting.
#include "access_log.hpp"
#include "config.hpp"
#include "http_server.hpp"
#include "mail_sink.hpp"

#include <segs/segs.hpp>
#include <segs/rest.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/random.h>
#include <sys/resource.h>

namespace net = boost::asio;
using segs_server::config_error;

namespace {

// Non-configuration failures (storage down, address in use): exit 1.
struct fatal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string describe(const segs::error& e) {
  return std::string(segs::to_string(e.code)) + ": " + e.message;
}

// A market setting refused by the library names its C++ member; the
// operator wrote a configuration key (SEGS_MARKET_SLOT_MINUTES,
// --market-regions south:slot_minutes=...): name that too.
std::string describe_market(const segs::error& e) {
  static constexpr std::pair<std::string_view, std::string_view> keys[] = {
      {"slot_length", "slot_minutes"},          {"open_ahead", "open_minutes_ahead"},
      {"gate_closure", "gate_closure_minutes"}, {"fee_ppm", "fee_percent"},
      {"imbalance_price", "imbalance_price"},   {"stp", "self_trade_prevention"},
      {"projection_batch", "projection_batch"}, {"tick", "tick"},
      {"fee_per_kwh", "fee_per_kwh"}};
  for (const auto& [member, key] : keys)
    if (e.field == member) return describe(e) + " (setting " + std::string(key) + ")";
  return describe(e);
}

void create_db_dir(const std::string& url) {
  constexpr std::string_view scheme = "sqlite:";
  if (!url.starts_with(scheme) || url == "sqlite::memory:") return;
  const auto dir =
      std::filesystem::path(url.substr(scheme.size(), url.find('?') - scheme.size())).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::create_directories(dir, ec) && ec)
    throw config_error("SEGS_DB_URL (--db-url): cannot create " + dir.string() + ": " + ec.message());
}

net::ip::tcp::endpoint listen_endpoint(const segs_server::config& cfg) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(cfg.listen_host == "localhost" ? "127.0.0.1" : cfg.listen_host, ec);
  if (ec) throw config_error("SEGS_LISTEN (--listen): \"" + cfg.listen_host + "\" is not an IP address");
  return {address, cfg.listen_port};
}

// When no admin exists yet, create one from SEGS_ADMIN_EMAIL/PASSWORD.
void ensure_admin(segs::grid& grid, const segs_server::config& cfg) {
  if (!cfg.admin_email) return;
  segs::user_query q;
  q.role = "admin";
  q.per_page = 1;
  auto admins = grid.identity().list_users(segs::principal::system(), q);
  if (!admins) throw fatal("cannot count admins: " + describe(admins.error()));
  if (admins->total > 0) {
    std::cerr << "segs-server: an admin exists; SEGS_ADMIN_EMAIL left unused\n";
    return;
  }
  segs::registration r;
  r.email = *cfg.admin_email;
  r.password = *cfg.admin_password;
  r.name = "Administrator";
  r.role = "admin";  // in the default region
  auto made = grid.identity().create_user(segs::principal::system(), r);
  if (!made) {
    if (made.error().code == segs::errc::validation_error)
      throw config_error((made.error().field == "password" ? "SEGS_ADMIN_PASSWORD: "
                                                           : "SEGS_ADMIN_EMAIL: ") +
                         made.error().message);
    throw fatal("cannot create the admin: " + describe(made.error()));
  }
  std::cerr << "segs-server: created admin " << made->email << "\n";
}

std::string strong_password() {
  static constexpr std::string_view alphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!";
  unsigned char bytes[20];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
    throw fatal("cannot get random bytes");
  std::string out;
  for (auto b : bytes) out += alphabet[b % alphabet.size()];  // 60 symbols: bias is negligible here
  return out;
}

// --seed-demo: one user of each built-in role; credentials are printed once.
void seed_demo(segs::grid& grid) {
  for (std::string role : {"consumer", "prosumer", "operator", "admin"}) {
    segs::registration r;
    r.email = "demo-" + role + "@example.org";
    r.password = strong_password();
    r.name = "Demo " + role;
    r.role = role;
    r.department = "Engineering";  // in the default region
    auto made = grid.identity().create_user(segs::principal::system(), r);
    if (made)
      std::cout << "demo user: role=" << role << " email=" << r.email << " password=" << *r.password
                << "\n";
    else if (made.error().code == segs::errc::conflict)
      std::cout << "demo user: role=" << role << " email=" << r.email
                << " exists already (password not shown again)\n";
    else
      throw fatal("cannot seed " + r.email + ": " + describe(made.error()));
  }
  std::cout << std::flush;
}

int serve(segs_server::config& cfg) {
  create_db_dir(cfg.db_url);
  cfg.grid.identity.signing_key = segs_server::load_signing_key(cfg.signing_key_file);
  const auto endpoint = listen_endpoint(cfg);
  segs_server::mail_sink mail(cfg.mail_sink);  // outlives the grid that calls it

  auto opened = segs::grid::open(cfg.db_url, cfg.grid);
  if (!opened) {
    // Not the URL itself: a PostgreSQL URL may carry a password.
    const auto& err = opened.error();
    if (err.code == segs::errc::validation_error && !err.field.empty() && err.field != "url") {
      // The library names the option's field; say which setting carried it.
      if (err.field == "default_region")
        throw config_error("SEGS_DEFAULT_REGION (--default-region): " + describe(err));
      if (err.message.starts_with("region "))  // a region of SEGS_REGIONS, named first
        throw config_error("SEGS_REGIONS (--regions): " + describe(err));
      throw config_error("SEGS_MARKET_* (--market-*): " + describe_market(err));
    }
    const auto msg = "SEGS_DB_URL (--db-url): cannot open the database: " + describe(opened.error());
    if (opened.error().code == segs::errc::validation_error) throw config_error(msg);
    throw fatal(msg);
  }
  auto grid = std::move(opened).value();
  grid->outbox().set_listener([&mail](const segs::outbox_message& m) { mail.deliver(m); });
  // Messages queued while no server was running.
  for (;;) {
    auto pending = grid->outbox().drain();
    if (!pending || pending->empty()) break;
    for (const auto& m : *pending) mail.deliver(m);
  }
  // The deployment's roles first: the admin bootstrap and the demo users
  // may use them, and registrations may ask for them as soon as we listen.
  for (const auto& role : cfg.roles) {
    auto done = grid->identity().define_role(segs::principal::system(), role);
    if (!done) throw config_error("SEGS_ROLES (--roles): " + role.name + ": " + describe(done.error()));
  }
  ensure_admin(*grid, cfg);
  for (const auto& [region, update] : cfg.market_regions) {
    auto done = grid->market().configure(segs::principal::system(), region, update);
    if (!done) throw config_error("SEGS_MARKET_REGIONS (--market-regions): " + region + ": " + describe_market(done.error()));
  }
  if (cfg.seed_demo) seed_demo(*grid);

  {
    segs::rest::handler api(*grid, cfg.rest);
    net::io_context ioc(cfg.threads);
    segs_server::access_log log;  // stdout, written by its own thread
    std::optional<segs_server::http_server> server;
    try {
      server.emplace(ioc, api, cfg.rest.max_body_bytes, endpoint, log);
    } catch (const boost::system::system_error& e) {
      throw fatal("SEGS_LISTEN (--listen): cannot listen on " + cfg.listen_host + ":" +
                  std::to_string(cfg.listen_port) + ": " + e.code().message());
    }
    const auto bound = server->local_endpoint();
    const auto host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                              : bound.address().to_string();
    std::cout << "segs-server listening on http://" << host << ":" << bound.port() << std::endl;

    net::steady_timer due(ioc);  // see run_due_work below
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      std::cerr << "segs-server: signal " << sig << ": finishing requests in flight" << std::endl;
      server->stop();
      due.cancel();
    });
    server->start();

    // Nothing in the library runs in the background: run the grid's due
    // work (market gate closures: expiry, epoch auctions; later capabilities
    // add theirs) on a timer, so it happens on time even when no request
    // touches it.
    std::function<void()> run_due_work = [&] {
      due.expires_after(cfg.due_work_interval);
      due.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto done = grid->run_due_work(); !done)
          std::cerr << "segs-server: due work: " << describe(done.error()) << std::endl;
        else
          for (const auto& e : done->failures)
            std::cerr << "segs-server: due work: " << describe(e) << std::endl;
        run_due_work();
      });
    };
    run_due_work();

    auto run = [&ioc] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          std::cerr << "segs-server: " << e.what() << std::endl;
        }
      }
    };
    std::vector<std::thread> threads;
    for (int i = 1; i < cfg.threads; ++i) threads.emplace_back(run);
    run();
    for (auto& t : threads) t.join();
    // Every request has been answered: its line goes out before we exit.
    server.reset();
    log.stop();
    if (const auto lost = log.dropped(); lost > 0)
      std::cerr << "segs-server: the access log dropped " << lost
                << " lines (stdout was too slow)" << std::endl;
  }
  grid->outbox().set_listener({});
  grid.reset();  // closes storage
  std::cerr << "segs-server: stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A reader of our stdout that goes away must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  // Every WebSocket holds a descriptor: a thousand idle clients need more
  // than the usual soft limit of 1,024, and the hard limit allows it.
  if (rlimit fds{}; ::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
    fds.rlim_cur = fds.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }
  try {
    auto cfg = segs_server::load_config(argc, argv);
    if (cfg.help) {
      std::cout << segs_server::usage();
      return 0;
    }
    return serve(cfg);
  } catch (const config_error& e) {
    std::cerr << "segs-server: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "segs-server: " << e.what() << std::endl;
    return 1;
  }
}
