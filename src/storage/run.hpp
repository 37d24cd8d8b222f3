// Running a unit of work in a transaction, with bounded retry.
//
// `run(backend, mode, fn)` begins a transaction, calls `fn(tx)`, commits, and
// returns what `fn` returned. When the backend reports a transient failure
// (PostgreSQL serialization failure or deadlock) the whole unit is run again,
// up to `max_attempts` times, so `fn` must have no effect outside the
// transaction: side effects (callbacks, notifications) happen after `run`.
#pragma once

#include "storage/backend.hpp"

#include <chrono>
#include <thread>
#include <type_traits>

namespace segs::storage {

template <class Fn>
auto run(backend& db, tx_mode mode, int max_attempts, Fn&& fn) -> std::invoke_result_t<Fn&, transaction&> {
  using R = std::invoke_result_t<Fn&, transaction&>;
  for (int attempt = 1;; ++attempt) {
    try {
      auto tx = db.begin(mode);
      if constexpr (std::is_void_v<R>) {
        fn(*tx);
        tx->commit();
        return;
      } else {
        R out = fn(*tx);
        tx->commit();
        return out;
      }
    } catch (const transient_failure&) {
      if (attempt >= max_attempts) throw;
      // Back off a little, growing, so competing writers interleave.
      std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(attempt, 6)));
    }
  }
}

}  // namespace segs::storage
