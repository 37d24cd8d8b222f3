// The state a grid's services share: storage, clock, keys, id generator.
//
// One `grid_core` lives inside each `segs::grid`; services hold a reference.
// Everything here is either immutable after open or internally synchronized,
// so services may be called from several threads.
#pragma once

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
  /// Run by telemetry inside the transaction that stores readings, after
  /// their aggregates (alerts' rules; set by open_grid): a reading never
  /// commits without it. Events it appends are published after the commit.
  std::function<void(storage::transaction&, const stored_batch&, std::vector<event>&)> on_readings;

  grid_core(segs::options o, std::unique_ptr<storage::backend> backend);

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
