// Server-side failures: storage down answers 503 (readiness too), an
// internal failure answers 500, and neither shows internal detail.
#include "fixture.hpp"

#include "storage/backend.hpp"

#include <atomic>
#include <stdexcept>

using namespace rest_test;

namespace {

class breakable_backend final : public segs::storage::backend {
 public:
  enum class mode { fine, down, bug };
  explicit breakable_backend(std::unique_ptr<segs::storage::backend> inner)
      : inner_(std::move(inner)) {}
  std::string_view dialect() const noexcept override { return inner_->dialect(); }
  std::unique_ptr<segs::storage::transaction> begin(segs::storage::tx_mode m) override {
    if (mode_ == mode::down)
      throw segs::exception(segs::make_error(segs::errc::unavailable,
                                             "could not connect to db-7.internal:5432"));
    if (mode_ == mode::bug) throw std::runtime_error("table users_secret_v7 is corrupt");
    return inner_->begin(m);
  }
  bool ping() noexcept override { return mode_ != mode::down && inner_->ping(); }
  std::unique_ptr<segs::storage::ownership> try_own(std::string_view name) override {
    return inner_->try_own(name);
  }
  pool_stats pool_usage() const noexcept override { return inner_->pool_usage(); }
  std::optional<std::int64_t> size_bytes() noexcept override { return inner_->size_bytes(); }
  std::atomic<mode> mode_{mode::fine};

 private:
  std::unique_ptr<segs::storage::backend> inner_;
};

struct faulty_fixture {
  breakable_backend* db = nullptr;
  std::unique_ptr<segs::grid> grid;
  std::unique_ptr<segs::rest::handler> api;
  faulty_fixture() {
    auto b = std::make_unique<breakable_backend>(
        segs::storage::open_backend("sqlite::memory:", {}));
    db = b.get();
    segs::options opts;
    opts.clock = std::make_shared<segs::manual_clock>(segs::from_micros(kStart));
    opts.identity.argon2_opslimit = 1;
    opts.identity.argon2_memlimit = 8192;
    segs_test::define_test_regions(opts);
    grid = segs::detail::open_grid(std::move(b), opts).value();
    api = std::make_unique<segs::rest::handler>(*grid, unlimited());
  }
  segs::rest::response login() {
    return api->handle({"POST", "/api/v1/auth/login", {{"Content-Type", "application/json"}},
                        R"({"email":"a@example.org","password":"whatever-pass"})", "192.0.2.9"});
  }
};

}  // namespace

TEST_CASE("storage down: 503 SERVICE_UNAVAILABLE without detail - readiness fails") {
  faulty_fixture f;
  CHECK(f.api->handle({"GET", "/health/ready", {}, "", ""}).status == 200);
  f.db->mode_ = breakable_backend::mode::down;
  auto ready = f.api->handle({"GET", "/health/ready", {}, "", ""});
  CHECK(ready.status == 503);
  CHECK(code_of(ready) == "SERVICE_UNAVAILABLE");
  CHECK(f.api->handle({"GET", "/health/live", {}, "", ""}).status == 200);
  auto r = f.login();
  CHECK(r.status == 503);
  CHECK(code_of(r) == "SERVICE_UNAVAILABLE");
  CHECK(r.body.find("db-7") == std::string::npos);
  CHECK(r.header_value("X-Content-Type-Options") == "nosniff");
}

TEST_CASE("an internal failure: 500 INTERNAL_ERROR with a generic message") {
  faulty_fixture f;
  f.db->mode_ = breakable_backend::mode::bug;
  auto r = f.login();
  CHECK(r.status == 500);
  CHECK(code_of(r) == "INTERNAL_ERROR");
  CHECK(r.body.find("users_secret") == std::string::npos);
  CHECK(r.body.find("corrupt") == std::string::npos);
  CHECK(body_of(r).at("error").at("details").as_object().empty());
  CHECK_FALSE(r.request_id.empty());
}
