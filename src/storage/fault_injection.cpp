#include "storage/fault_injection.hpp"

#include <utility>

namespace segs::storage {

class faulty_transaction final : public transaction {
 public:
  faulty_transaction(faulty_backend& owner, std::unique_ptr<transaction> inner)
      : owner_(owner), inner_(std::move(inner)) {}

  exec_result exec(std::string_view sql, std::span<const value> params) override {
    owner_.before_statement(sql);
    return inner_->exec(sql, params);
  }
  void exec_script(std::string_view sql) override {
    owner_.before_statement(sql);
    inner_->exec_script(sql);
  }
  // One statement, however many rows: it fails or lands as a whole.
  void append(std::string_view table, std::span<const std::string_view> columns, std::span<const value> values,
              std::string_view on_conflict) override {
    owner_.before_statement("append to " + std::string(table));
    inner_->append(table, columns, values, on_conflict);
  }
  void lock_for_migration() override { inner_->lock_for_migration(); }
  [[nodiscard]] std::string_view dialect() const noexcept override { return inner_->dialect(); }
  void commit() override {
    owner_.before_commit();
    inner_->commit();
  }

 private:
  faulty_backend& owner_;
  std::unique_ptr<transaction> inner_;
};

namespace {
[[noreturn]] void inject(std::atomic<std::int64_t>& faults) {
  ++faults;
  throw segs::exception(make_error(errc::unavailable, "injected fault"));
}
}  // namespace

faulty_backend::faulty_backend(std::unique_ptr<backend> inner) : inner_(std::move(inner)) {
  if (!inner_) throw segs::exception(make_error(errc::internal, "faulty_backend needs a backend"));
}

std::unique_ptr<transaction> faulty_backend::begin(tx_mode mode) {
  return std::make_unique<faulty_transaction>(*this, inner_->begin(mode));
}

void faulty_backend::fail_at(std::int64_t n) {
  std::lock_guard lock(mu_);
  fail_at_ = n;
}

void faulty_backend::fail_on(std::string fragment) {
  std::lock_guard lock(mu_);
  fail_on_ = std::move(fragment);
}

void faulty_backend::disarm() {
  std::lock_guard lock(mu_);
  fail_at_ = 0;
  fail_on_.clear();
  fail_commit_.store(false);
}

void faulty_backend::before_statement(std::string_view sql) {
  const std::int64_t n = ++statements_;
  std::lock_guard lock(mu_);
  if (fail_at_ != 0 && n == fail_at_) {
    fail_at_ = 0;
    inject(faults_);
  }
  if (!fail_on_.empty() && sql.find(fail_on_) != std::string_view::npos) {
    fail_on_.clear();
    inject(faults_);
  }
}

void faulty_backend::before_commit() {
  if (fail_commit_.load()) inject(faults_);
}

}  // namespace segs::storage
