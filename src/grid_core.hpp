// The state a grid's services share: storage, clock, keys, id generator.
//
// One `grid_core` lives inside each `segs::grid`; services hold a reference.
// Everything here is either immutable after open or internally synchronized,
// so services may be called from several threads.
#pragma once

#include "config/settings_table.hpp"
#include "core/uuid_generator.hpp"
#include "crypto/jws.hpp"
#include "crypto/password.hpp"
#include "storage/backend.hpp"
#include "storage/run.hpp"

#include <segs/access.hpp>
#include <segs/events.hpp>
#include <segs/grid.hpp>
#include <segs/options.hpp>
#include <segs/outbox.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace segs::detail {

/// Readings one write stored (new ones and corrections, in batch order), as
/// the capabilities that act on them in the same transaction see them.
struct stored_batch {
  struct item {
    std::int64_t meter_seq = 0;
    const meter* m = nullptr;
    const reading* r = nullptr;
  };
  std::vector<item> readings;
  /// Each quarter-hour the readings fell in: its stored consumption (Wh)
  /// after the batch.
  struct quarter_total {
    std::int64_t meter_seq = 0;
    timestamp start{};
    std::int64_t consumed_wh = 0;
  };
  std::vector<quarter_total> quarters;
};

/// What a call publishes after its commit: events built inside its
/// transaction and told to the notifications' maker there (grid_core::tell),
/// and whether the maker queued mail.
struct outgoing {
  std::vector<event> events;
  bool mailed = false;
  std::size_t told = 0;  ///< events[0..told) were told (with what they made)

  template <class T>
  void add(std::string region, T data) {
    events.push_back({0, std::move(region), std::move(data)});
  }
  /// For a transaction's retry: forget what the failed attempt built.
  void clear() noexcept { rewind(0); }
  /// For a transaction's retry when the first `keep` events were built
  /// before it: forget the rest, and tell them all again.
  void rewind(std::size_t keep) noexcept {
    if (events.size() > keep) events.erase(events.begin() + static_cast<std::ptrdiff_t>(keep), events.end());
    mailed = false;
    told = 0;
  }
};

struct grid_core {
  segs::options opts;
  std::shared_ptr<segs::clock> clock;
  std::unique_ptr<storage::backend> db;
  uuid_generator ids;
  crypto::password_hasher passwords;
  std::unique_ptr<crypto::jws_key> token_key;
  /// Keys the HMAC under which one-time codes are stored, so a stolen table
  /// of 6-digit codes cannot be brute-forced offline.
  std::array<std::uint8_t, 32> code_key{};
  int schema_version = 0;
  /// After-commit events of every capability (events.hpp).
  event_hub events;
  /// The runtime configuration in force (config.hpp): what capabilities
  /// read where a setting may change while the grid runs.
  settings_table settings;
  /// Readings stored (new and corrected) since the grid opened, in this
  /// process (operations' info, /metrics).
  std::atomic<std::int64_t> readings_ingested{0};
  /// Run by telemetry inside the transaction that stores readings, after
  /// their aggregates (alerts' rules; set by open_grid): a reading never
  /// commits without it. Events it appends are published after the commit.
  std::function<void(storage::transaction&, const stored_batch&, std::vector<event>&)> on_readings;
  /// The notifications' maker (set by open_grid; notifications.hpp): run
  /// by every call whose events concern someone, inside the transaction
  /// that commits them, with the events it will publish after the commit.
  /// It stores the notifications they make, appends their
  /// "notifications.created" events to `evs`, and answers whether it queued
  /// mail. Callers go through `tell` and `publish` below.
  std::function<bool(storage::transaction&, std::vector<event>& evs, std::size_t from)> on_events;
  /// The event names the maker reads (each a full name or a prefix ending
  /// in '.'); set with it.
  std::vector<std::string> told_names;

  /// True when a subscriber receives events named `name` or the maker reads
  /// them: a publisher builds its events when this holds.
  [[nodiscard]] bool wants(std::string_view name) const noexcept;
  /// Runs the maker over `evs[from..]` inside `tx`; true when it queued mail.
  bool tell(storage::transaction& tx, std::vector<event>& evs, std::size_t from = 0);
  /// The same for the events `o` gained since it was last told.
  void tell(storage::transaction& tx, outgoing& o) {
    if (o.told >= o.events.size()) return;
    o.mailed = tell(tx, o.events, o.told) || o.mailed;
    o.told = o.events.size();
  }
  void publish(outgoing&& o) { publish(std::move(o.events), o.mailed); }
  /// After the commit: publishes `evs` and, when `mailed`, hands the queued
  /// mail to its listeners.
  void publish(std::vector<event> evs, bool mailed);

  grid_core(segs::options o, std::unique_ptr<storage::backend> backend);

  /// When the grid opened: steady time (uptime) and the clock's now.
  const std::chrono::steady_clock::time_point opened_steady = std::chrono::steady_clock::now();
  timestamp opened_at{};

  /// The last run of grid::run_due_work in this process, if any.
  struct due_run {
    std::chrono::steady_clock::time_point steady;
    timestamp at;
  };
  void due_work_ran(timestamp at) {
    std::lock_guard lk(due_mu_);
    last_due_ = due_run{std::chrono::steady_clock::now(), at};
  }
  [[nodiscard]] std::optional<due_run> due_work_last_run() const {
    std::lock_guard lk(due_mu_);
    return last_due_;
  }

  [[nodiscard]] timestamp now() const { return clock->now(); }
  [[nodiscard]] uuid new_id() { return ids.next(now()); }

  /// Runs `fn(tx)` in a write transaction, retried on transient failures.
  template <class Fn>
  auto write(Fn&& fn) {
    return storage::run(*db, storage::tx_mode::write, opts.storage.max_retries,
                        std::forward<Fn>(fn));
  }
  template <class Fn>
  auto read(Fn&& fn) {
    return storage::run(*db, storage::tx_mode::read, opts.storage.max_retries,
                        std::forward<Fn>(fn));
  }

  // --- roles: cached, refreshed when this process changes them -------------
  [[nodiscard]] std::optional<role_definition> find_role(std::string_view name);
  void reload_roles();

  // --- outbox push -----------------------------------------------------------
  /// The outbox's push listener: a subscription to "mail" events.
  void set_listener(outbox::listener fn);
  /// Publishes queued messages as "mail" events when anyone receives them
  /// (taking them from the outbox: each is handed over once). Called after a
  /// transaction that queued messages has committed.
  void notify_outbox() noexcept;
  /// Takes up to `max` undelivered messages and marks them delivered.
  std::vector<outbox_message> take_outbox(std::size_t max);

 private:
  mutable std::mutex due_mu_;
  std::optional<due_run> last_due_;
  std::shared_mutex roles_mu_;
  std::map<std::string, role_definition, std::less<>> roles_;
  std::mutex listener_mu_;
  subscription listener_;
};

/// Converts exceptions thrown inside the library into `result` at the public
/// boundary. Expected failures travel as `segs::exception`; anything else is
/// an internal error.
template <class T>
struct unwrap_result {
  using type = T;
};
template <class T>
struct unwrap_result<result<T>> {
  using type = T;
};

/// `fn` may return a plain value or a `result` (for operations that commit
/// bookkeeping, such as a failed-login counter, and still fail).
template <class Fn>
auto guard(Fn&& fn) -> result<typename unwrap_result<std::invoke_result_t<Fn&>>::type> {
  using T = std::invoke_result_t<Fn&>;
  try {
    if constexpr (std::is_void_v<T>) {
      fn();
      return {};
    } else {
      return fn();
    }
  } catch (const segs::exception& e) {
    return e.err();
  } catch (const std::bad_alloc&) {
    return make_error(errc::internal, "out of memory");
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("internal error: ") + e.what());
  }
}

/// Throws a segs::exception built from the arguments.
[[noreturn]] inline void fail(errc code, std::string message, std::string field = {}) {
  throw segs::exception(make_error(code, std::move(message), std::move(field)));
}

}  // namespace segs::detail
