// The public face of the market: each market_service member turns the
// impl's exceptions into a result (detail::guard) and nothing else, so that
// the rules live in one place (src/market/market_*.cpp, market_impl.hpp).
#include "market/market_impl.hpp"

#include <segs/market.hpp>

namespace segs {

market_service::market_service(detail::grid_core& core) : impl_(std::make_unique<detail::market_impl>(core)) {}
market_service::~market_service() = default;

std::unique_ptr<market_service> detail::make_market_service(detail::grid_core& core) {
  // Not make_unique: the constructor is private to this friend.
  return std::unique_ptr<market_service>(new market_service(core));
}

result<order> market_service::submit(const principal& who, const order_spec& spec) {
  return detail::guard([&] { return impl_->submit(who, spec); });
}
result<std::vector<result<order>>> market_service::submit_many(const principal& who,
                                                               const std::vector<order_spec>& specs) {
  return detail::guard([&] {
    if (specs.size() > 100'000) detail::fail(errc::validation_error, "at most 100000 orders per call", "orders");
    return impl_->submit_many(who, specs);
  });
}
result<order> market_service::cancel(const principal& who, const uuid& id) {
  return detail::guard([&] { return impl_->cancel(who, id); });
}
result<order> market_service::modify(const principal& who, const uuid& id, const order_change& change) {
  return detail::guard([&] { return impl_->modify(who, id, change); });
}
result<order> market_service::get_order(const principal& who, const uuid& id) {
  return detail::guard([&] { return impl_->get_order(who, id); });
}
result<page<order>> market_service::orders(const principal& who, const order_query& q) {
  return detail::guard([&] { return impl_->orders(who, q); });
}
result<order_book> market_service::book(const principal& who, timestamp slot, std::optional<std::string> region,
                                        int depth) {
  return detail::guard([&] { return impl_->book(who, slot, region, depth); });
}
result<market_stats> market_service::stats(const principal& who, timestamp slot, std::optional<std::string> region) {
  return detail::guard([&] { return impl_->stats(who, slot, region); });
}
result<page<user_trade>> market_service::history(const principal& who, const trade_query& q) {
  return detail::guard([&] { return impl_->history(who, q); });
}
result<std::vector<public_trade>> market_service::matches(const principal& who, timestamp slot,
                                                          std::optional<std::string> region) {
  return detail::guard([&] { return impl_->matches(who, slot, region); });
}
result<clearing_result> market_service::clear(const principal& who, std::string_view region, timestamp slot,
                                              const request_context& ctx) {
  return detail::guard([&] { return impl_->clear(who, region, slot, ctx); });
}
result<std::vector<clearing_result>> market_service::close_due_gates() {
  return detail::guard([&] { return impl_->sync_all(); });
}
result<settlement> market_service::settle(const principal& who, std::string_view region, timestamp slot,
                                          std::optional<std::vector<delivery>> deliveries,
                                          const request_context& ctx) {
  return detail::guard([&] { return impl_->settle(who, region, slot, deliveries, ctx); });
}
result<std::vector<market_info>> market_service::markets(const principal& who) {
  return detail::guard([&] { return impl_->markets(who); });
}
result<market_info> market_service::market(const principal& who, std::string_view region) {
  return detail::guard([&] {
    detail::require_signed_in(who);
    if (region.empty()) detail::fail(errc::validation_error, "region is required", "region");
    return impl_->info(impl_->region(region));
  });
}
result<market_info> market_service::configure(const principal& who, std::string_view region,
                                              const market_settings_update& update,
                                              const request_context& ctx) {
  return detail::guard([&] { return impl_->configure(who, region, update, ctx); });
}
subscription market_service::subscribe(std::function<void(const market_event&)> fn) {
  return impl_->subscribe(std::move(fn));
}

}  // namespace segs
