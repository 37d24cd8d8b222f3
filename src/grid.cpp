#include <segs/grid.hpp>

#include "crypto/random.hpp"
#include "grid_core.hpp"
#include "identity/roles.hpp"
#include "region/region_service.hpp"
#include "market/market_impl.hpp"
#include "telemetry/telemetry_impl.hpp"
#include "alerts/alerts_impl.hpp"
#include "billing/billing_impl.hpp"
#include "notifications/notifications_impl.hpp"
#include "operations/operations_impl.hpp"
#include "tariffs/tariffs_impl.hpp"
#include "analytics/analytics_impl.hpp"
#include "storage/migrations.hpp"
#include "storage/stores/config_store.hpp"
#include "storage/stores/identity_store.hpp"
#include "storage/stores/outbox_store.hpp"

namespace segs {
namespace detail {

grid_core::grid_core(segs::options o, std::unique_ptr<storage::backend> backend)
    : opts(std::move(o)),
      clock(opts.clock ? opts.clock : std::make_shared<system_clock>()),
      db(std::move(backend)),
      passwords(opts.identity.argon2_opslimit, opts.identity.argon2_memlimit) {}

std::optional<role_definition> grid_core::find_role(std::string_view name) {
  {
    std::shared_lock lock(roles_mu_);
    auto it = roles_.find(name);
    if (it != roles_.end()) return it->second;
  }
  // Another process may have defined it since we last looked.
  reload_roles();
  std::shared_lock lock(roles_mu_);
  auto it = roles_.find(name);
  if (it != roles_.end()) return it->second;
  return std::nullopt;
}

void grid_core::reload_roles() {
  auto loaded = read([](storage::transaction& tx) { return storage::identity::load_roles(tx); });
  std::unique_lock lock(roles_mu_);
  roles_.clear();
  for (auto& r : loaded) roles_.emplace(r.name, std::move(r));
}

void grid_core::set_listener(outbox::listener fn) {
  subscription next;
  if (fn)
    next = events.subscribe(
        [fn = std::move(fn)](const event& e) {
          if (const auto* m = e.get<outbox_message>()) fn(*m);
        },
        {.names = {"mail"}, .region = std::nullopt});
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(next);  // the previous listener's subscription ends here
}

void grid_core::notify_outbox() noexcept {
  if (!events.wanted("mail")) return;  // messages wait for drain() or a listener
  try {
    std::vector<event> mail;
    for (auto& m : take_outbox(100)) mail.push_back({0, {}, std::move(m)});
    events.publish(std::move(mail));
  } catch (...) {
    // The messages stay queued and the next drain or notification hands
    // them over; the caller's operation itself has already committed.
  }
}

bool grid_core::wants(std::string_view name) const noexcept {
  if (events.wanted(name)) return true;
  for (const auto& t : told_names) {
    if (t == name) return true;
    // A prefix on either side: the maker reads "market." and the
    // publisher asks for "market.", or the maker reads "market.order".
    if (!t.empty() && t.back() == '.' && name.starts_with(t)) return true;
    if (!name.empty() && name.back() == '.' && std::string_view(t).starts_with(name)) return true;
  }
  return false;
}

bool grid_core::tell(storage::transaction& tx, std::vector<event>& evs, std::size_t from) {
  if (!on_events || from >= evs.size()) return false;
  return on_events(tx, evs, from);
}

void grid_core::publish(std::vector<event> evs, bool mailed) {
  if (!evs.empty()) events.publish(std::move(evs));
  if (mailed) notify_outbox();
}

std::vector<outbox_message> grid_core::take_outbox(std::size_t max) {
  return write([&](storage::transaction& tx) {
    std::vector<outbox_message> out;
    for (auto& m : storage::outbox::pending(tx, max))
      if (storage::outbox::mark_delivered(tx, m.seq, now())) out.push_back(std::move(m));
    return out;
  });
}

namespace {

std::vector<std::uint8_t> secret_or_default(grid_core& core, std::string_view name,
                                            const std::vector<std::uint8_t>& given) {
  if (!given.empty()) {
    if (given.size() != 32)
      fail(errc::validation_error, "signing_key must be exactly 32 bytes", "signing_key");
    return given;
  }
  auto fresh = crypto::random_bytes(32);
  return core.write([&](storage::transaction& tx) {
    return storage::identity::get_or_create_secret(tx, name, fresh, core.now());
  });
}

}  // namespace
}  // namespace detail

struct grid::impl {
  std::unique_ptr<detail::grid_core> core;
  std::unique_ptr<region_service> regions;
  std::unique_ptr<identity_service> identity;
  std::unique_ptr<audit_log> audit;
  std::unique_ptr<segs::outbox> outbox;
  // Before the services whose calls run its maker: destroyed after them.
  std::unique_ptr<notifications_service> notifications;
  std::unique_ptr<market_service> market;  // after core: destroyed before it
  std::unique_ptr<telemetry_service> telemetry;
  std::unique_ptr<alerts_service> alerts;
  std::unique_ptr<tariffs_service> tariffs;
  std::unique_ptr<billing_service> billing;
  std::unique_ptr<analytics_service> analytics;
  std::unique_ptr<operations_service> operations;
  std::unique_ptr<config_service> config;

  // Due work: one task per capability, run in registration order by
  // run_due_work. A capability adds its task where it is created below.
  struct due_task {
    std::string_view capability;
    std::function<void(timestamp now, due_work_report&)> run;
  };
  std::vector<due_task> due;
  std::mutex due_mu;  // one run at a time
};

grid::grid() : impl_(std::make_unique<impl>()) {}
grid::~grid() = default;

result<std::unique_ptr<grid>> grid::open(std::string_view url, options opts) {
  return detail::guard([&] {
    storage::storage_settings settings;
    settings.pool_size = opts.storage.pool_size;
    settings.busy_timeout_ms = static_cast<int>(opts.storage.busy_timeout.count());
    if (settings.pool_size < 1 || settings.pool_size > 256)
      detail::fail(errc::validation_error, "pool_size must be between 1 and 256", "pool_size");
    return detail::open_grid(storage::open_backend(url, settings), std::move(opts)).value();
  });
}

result<std::unique_ptr<grid>> detail::open_grid(std::unique_ptr<storage::backend> backend,
                                                options opts) {
  return detail::guard([&] {
    const auto& st = opts.storage;
    if (st.max_retries < 1) detail::fail(errc::validation_error, "max_retries must be 1 or more", "max_retries");
    const auto& id = opts.identity;
    if (id.access_token_ttl.count() <= 0 || id.refresh_token_ttl.count() <= 0 ||
        id.session_ttl.count() <= 0 || id.otp_ttl.count() <= 0)
      detail::fail(errc::validation_error, "token, session and code lifetimes must be positive",
                   "identity");
    if (id.otp_max_attempts < 1 || id.max_login_attempts < 1)
      detail::fail(errc::validation_error, "attempt limits must be 1 or more", "identity");
    // The market's options, before anything is written: the same rules a
    // region's own settings follow (their errors name the member).
    if (opts.market.projection_batch < 1)
      detail::fail(errc::validation_error, "projection_batch must be 1 or more", "projection_batch");
    detail::validate_settings(opts.market.defaults);
    if (opts.telemetry.raw_retention && opts.telemetry.raw_retention->count() <= 0)
      detail::fail(errc::validation_error, "raw_retention must be positive", "raw_retention");
    if (opts.billing.generation_batch < 1 || opts.billing.generation_batch > 10'000)
      detail::fail(errc::validation_error, "generation_batch must be 1 to 10000", "generation_batch");
    if (opts.notifications.retention.count() < 1)
      detail::fail(errc::validation_error, "retention must be 1 day or more", "retention");

    std::unique_ptr<grid> g(new grid());
    auto& core = *(g->impl_->core = std::make_unique<detail::grid_core>(std::move(opts), std::move(backend)));
    core.opened_at = core.now();

    const auto& set = storage::embedded_migrations(core.db->dialect());
    storage::migrate(*core.db, set, {core.opts.storage.migrate, core.opts.storage.max_retries});
    core.schema_version = set.empty() ? 0 : set.back().version;

    // Built-in roles follow the library's catalogue on every open.
    core.write([&](storage::transaction& tx) {
      for (const auto& r : detail::builtin_roles()) storage::identity::upsert_role(tx, r, core.now());
    });
    core.reload_roles();
    detail::open_regions(core);
    detail::define_library_settings(core.settings, core.opts);
    core.read([&](storage::transaction& tx) { core.settings.load(storage::config::all(tx)); });

    const bool eddsa = core.opts.identity.algorithm == token_algorithm::eddsa;
    auto key = detail::secret_or_default(core, eddsa ? "jws_eddsa_seed" : "jws_hs256_key",
                                         core.opts.identity.signing_key);
    core.token_key = std::make_unique<crypto::jws_key>(
        eddsa ? crypto::jws_algorithm::eddsa : crypto::jws_algorithm::hs256, key);
    auto code_key = detail::secret_or_default(core, "otp_hmac_key", {});
    std::copy(code_key.begin(), code_key.end(), core.code_key.begin());

    g->impl_->regions.reset(new region_service(core));
    // The constructor is private (only the grid creates the service): no make_unique.
    g->impl_->identity = std::unique_ptr<identity_service>(new identity_service(core));
    // Private constructors: only the grid creates its services.
    g->impl_->audit = std::unique_ptr<audit_log>(new audit_log(core));
    g->impl_->outbox = std::unique_ptr<segs::outbox>(new segs::outbox(core));
    g->impl_->notifications = std::unique_ptr<notifications_service>(new notifications_service(core));
    auto* notifications = g->impl_->notifications->impl_.get();
    // Every call whose events concern someone runs the maker in its transaction.
    core.on_events = [notifications](storage::transaction& tx, std::vector<event>& evs, std::size_t from) {
      return notifications->make(tx, evs, from);
    };
    core.told_names = detail::notify::read_names();
    // Rebuilds every open slot's book from storage.
    g->impl_->market = detail::make_market_service(core);
    g->impl_->due.push_back({"market", [&m = *g->impl_->market](timestamp, due_work_report& r) {
                               r.gate_closures = m.close_due_gates().value();
                             }});
    g->impl_->telemetry = std::unique_ptr<telemetry_service>(new telemetry_service(core));
    auto* telemetry = g->impl_->telemetry->impl_.get();
    g->impl_->due.push_back({"telemetry", [telemetry](timestamp, due_work_report& r) {
                               r.readings_dropped = telemetry->drop_expired_readings();
                             }});
    g->impl_->due.push_back({"telemetry", [telemetry](timestamp now, due_work_report& r) {
                               r.days_packed = telemetry->pack_settled_days(now);
                             }});
    g->impl_->alerts = std::unique_ptr<alerts_service>(new alerts_service(core));
    auto* alerts = g->impl_->alerts->impl_.get();
    // The rules run in the transaction of every reading telemetry stores,
    // while the runtime setting says so.
    core.on_readings = [alerts, &core](storage::transaction& tx, const detail::stored_batch& b,
                                       std::vector<event>& out) {
      if (core.settings.flag("alerts.evaluate_readings")) alerts->on_readings(tx, b, out);
    };
    g->impl_->due.push_back({"alerts", [alerts](timestamp, due_work_report& r) {
                               r.offline_alerts_raised = alerts->sweep_offline();
                             }});
    g->impl_->tariffs = std::unique_ptr<tariffs_service>(new tariffs_service(core));
    g->impl_->billing = std::unique_ptr<billing_service>(new billing_service(core));
    auto* billing = g->impl_->billing->impl_.get();
    g->impl_->due.push_back({"billing", [billing](timestamp now, due_work_report& r) {
                               r.invoices_overdue = billing->mark_overdue(now);
                             }});
    g->impl_->due.push_back({"billing", [billing](timestamp now, due_work_report& r) {
                               r.invoices_generated = billing->generate_due(now);
                             }});
    // Analytics: read only. Before reading the market's tables it has the
    // market write what waits for its batch (and close due gates), as the
    // market's own reads do.
    g->impl_->analytics = std::unique_ptr<analytics_service>(new analytics_service(core));
    g->impl_->analytics->impl_->sync_market = [&m = *g->impl_->market] { (void)m.close_due_gates().value(); };
    g->impl_->due.push_back({"notifications", [notifications](timestamp now, due_work_report& r) {
                               r.notifications_removed = notifications->remove_expired(now);
                             }});
    g->impl_->operations = std::unique_ptr<operations_service>(new operations_service(core));
    g->impl_->config = std::unique_ptr<config_service>(new config_service(core));
    g->impl_->operations->impl_->sync_market = [&m = *g->impl_->market] { (void)m.close_due_gates().value(); };
    g->impl_->operations->impl_->services = g.get();
    return g;
  });
}

region_service& grid::regions() noexcept { return *impl_->regions; }
identity_service& grid::identity() noexcept { return *impl_->identity; }
audit_log& grid::audit() noexcept { return *impl_->audit; }
segs::outbox& grid::outbox() noexcept { return *impl_->outbox; }
market_service& grid::market() noexcept { return *impl_->market; }
telemetry_service& grid::telemetry() noexcept { return *impl_->telemetry; }
alerts_service& grid::alerts() noexcept { return *impl_->alerts; }
tariffs_service& grid::tariffs() noexcept { return *impl_->tariffs; }
billing_service& grid::billing() noexcept { return *impl_->billing; }
analytics_service& grid::analytics() noexcept { return *impl_->analytics; }
notifications_service& grid::notifications() noexcept { return *impl_->notifications; }
operations_service& grid::operations() noexcept { return *impl_->operations; }
config_service& grid::config() noexcept { return *impl_->config; }
event_hub& grid::events() noexcept { return impl_->core->events; }

result<due_work_report> grid::run_due_work() {
  return detail::guard([&] {
    std::lock_guard lock(impl_->due_mu);
    due_work_report report;
    report.ran_at = impl_->core->now();
    for (const auto& task : impl_->due) {
      auto ran = detail::guard([&] { task.run(report.ran_at, report); });
      if (!ran) {
        auto e = ran.error();
        e.message = std::string(task.capability) + ": " + e.message;
        report.failures.push_back(std::move(e));
      }
    }
    impl_->core->due_work_ran(report.ran_at);
    return report;
  });
}

const segs::clock& grid::clock() const noexcept { return *impl_->core->clock; }
std::string_view grid::backend_name() const noexcept { return impl_->core->db->dialect(); }
bool grid::ready() const noexcept { return impl_->core->db->ping(); }
int grid::schema_version() const noexcept { return impl_->core->schema_version; }

// --- outbox ---------------------------------------------------------------------

struct outbox::impl {
  detail::grid_core& core;
};

outbox::outbox(detail::grid_core& core) : impl_(std::make_unique<impl>(impl{core})) {}
outbox::~outbox() = default;

result<std::vector<outbox_message>> outbox::drain(std::size_t max) {
  return detail::guard([&] {
    if (max == 0 || max > 10000)
      detail::fail(errc::validation_error, "max must be between 1 and 10000", "max");
    return impl_->core.take_outbox(max);
  });
}

void outbox::set_listener(listener fn) {
  impl_->core.set_listener(std::move(fn));
  impl_->core.notify_outbox();  // hand over what queued before the listener came
}

result<std::int64_t> outbox::pending() {
  return detail::guard([&] {
    return impl_->core.read([](storage::transaction& tx) { return storage::outbox::count_pending(tx); });
  });
}

}  // namespace segs
