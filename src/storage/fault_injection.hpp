// A backend wrapper that fails on purpose, for tests of all-or-nothing
// behaviour: wrap the real backend, arm a fault, run the operation, and check
// that nothing of it was written.
//
//   auto faulty = std::make_unique<faulty_backend>(open_backend(url, {}));
//   faulty->fail_at(faulty->statements() + 2);   // the next operation's 2nd statement
//
// Statements (exec and exec_script calls) are counted across all the
// transactions of the wrapper, starting at 1. An injected fault throws
// `segs::exception(errc::unavailable, "injected fault")` before the statement
// reaches the database; the transaction is then rolled back as usual when
// the caller drops it.
//
// Thread-safety: as safe as the wrapped backend; the counters are atomic and
// the triggers are guarded, so faults may be armed while other threads run.
#pragma once

#include "storage/backend.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace segs::storage {

class faulty_backend final : public backend {
 public:
  /// Takes ownership of `inner`, which must not be null.
  explicit faulty_backend(std::unique_ptr<backend> inner);

  std::string_view dialect() const noexcept override { return inner_->dialect(); }
  std::unique_ptr<transaction> begin(tx_mode mode) override;
  bool ping() noexcept override { return inner_->ping(); }
  std::unique_ptr<ownership> try_own(std::string_view name) override { return inner_->try_own(name); }
  pool_stats pool_usage() const noexcept override { return inner_->pool_usage(); }
  std::optional<std::int64_t> size_bytes() noexcept override { return inner_->size_bytes(); }

  /// Statements run (or attempted) through this wrapper so far.
  [[nodiscard]] std::int64_t statements() const noexcept { return statements_.load(); }
  /// Faults injected so far.
  [[nodiscard]] std::int64_t faults() const noexcept { return faults_.load(); }

  /// Fails the statement whose number (see statements()) is `n`; once.
  void fail_at(std::int64_t n);
  /// Fails the first statement whose SQL contains `fragment`; once.
  void fail_on(std::string fragment);
  /// Fails every commit while `on` (the transaction then rolls back).
  void fail_commit(bool on = true) noexcept { fail_commit_.store(on); }
  /// Removes every armed fault.
  void disarm();

  /// The wrapped backend.
  [[nodiscard]] backend& inner() noexcept { return *inner_; }

 private:
  friend class faulty_transaction;
  // Counts one statement and throws if a fault is armed for it.
  void before_statement(std::string_view sql);
  void before_commit();

  std::unique_ptr<backend> inner_;
  std::atomic<std::int64_t> statements_{0};
  std::atomic<std::int64_t> faults_{0};
  std::atomic<bool> fail_commit_{false};
  std::mutex mu_;
  std::int64_t fail_at_ = 0;  // 0: not armed
  std::string fail_on_;       // empty: not armed
};

}  // namespace segs::storage
