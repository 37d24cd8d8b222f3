// tariff_pricer: compiling a tariff, and the prices of its buckets
// (cost.cpp forms the bill).
#include "tariffs/pricer.hpp"

#include <string>

namespace segs {

namespace {

using tariffs::invalid;

}  // namespace

result<void> tariff_pricer::impl::check_range(timestamp from, timestamp to) const {
  if (!tariffs::on_grid(from)) return invalid("from", "must be on the 15-minute grid");
  if (!tariffs::on_grid(to)) return invalid("to", "must be on the 15-minute grid");
  if (from < terms.effective_from) return invalid("from", "must not be before the tariff's effective_from");
  if (to < from) return invalid("to", "must not be before from");
  if (terms.effective_to && to > *terms.effective_to)
    return invalid("to", "must not be after the tariff's effective_to");
  return {};
}

result<tariff_pricer> tariff_pricer::compile(const tariff& t, std::string_view time_zone,
                                             std::span<const tariff_override> overrides, int minor_digits) {
  if (auto ok = validate(t); !ok) return ok.error();
  const auto zone = tz::zone::find(time_zone);
  if (!zone) return invalid("time_zone", "must be an IANA time zone such as Europe/Berlin");
  if (minor_digits < 0 || minor_digits > 6) return invalid("minor_digits", "must be 0 to 6");
  auto o = tariffs::compile_overrides(t, overrides);
  if (!o) return o.error();
  return tariff_pricer(std::make_unique<impl>(t, *zone, minor_digits, std::move(o).value()));
}

tariff_pricer::tariff_pricer(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
tariff_pricer::tariff_pricer(tariff_pricer&&) noexcept = default;
tariff_pricer& tariff_pricer::operator=(tariff_pricer&&) noexcept = default;
tariff_pricer::tariff_pricer(const tariff_pricer& other) : impl_(std::make_unique<impl>(*other.impl_)) {}
tariff_pricer& tariff_pricer::operator=(const tariff_pricer& other) {
  if (this != &other) impl_ = std::make_unique<impl>(*other.impl_);
  return *this;
}
tariff_pricer::~tariff_pricer() = default;

const tariff& tariff_pricer::terms() const noexcept { return impl_->terms; }

result<bucket_price> tariff_pricer::price_at(timestamp bucket_start) const {
  const auto& t = impl_->terms;
  if (!tariffs::on_grid(bucket_start)) return invalid("bucket_start", "must be on the 15-minute grid");
  if (bucket_start < t.effective_from || (t.effective_to && bucket_start >= *t.effective_to))
    return invalid("bucket_start", "must be inside the tariff's effective range");
  bucket_price out;
  const auto b = to_micros(bucket_start);
  impl_->walk(b, b + tariffs::quarter_us, [&](const tariff_run& r) {
    const auto p = r.period[0];
    out.period = t.periods[p].name;
    out.price_per_kwh = t.periods[p].price_per_kwh;
    out.effective_price_per_kwh = r.prices[p];
    out.override_id = impl_->override_id(r.row);
  });
  return out;
}

result<std::vector<price_span>> tariff_pricer::price_series(timestamp from, timestamp to) const {
  if (auto ok = impl_->check_range(from, to); !ok) return ok.error();
  const auto& t = impl_->terms;
  std::vector<price_span> out;
  // The open span's override row: two spans under different overrides stay
  // apart even at the same price.
  std::uint32_t open_row = 0;
  std::uint16_t open_period = 0;
  impl_->walk(to_micros(from), to_micros(to), [&](const tariff_run& r) {
    for (std::int64_t k = 0; k < r.count; ++k) {
      const auto p = r.period[k];
      const auto at = r.start + k * tariffs::quarter_us;
      if (!out.empty() && open_row == r.row && open_period == p &&
          out.back().effective_price_per_kwh == r.prices[p] && to_micros(out.back().end) == at) {
        out.back().end = from_micros(at + tariffs::quarter_us);
        continue;
      }
      out.push_back({from_micros(at), from_micros(at + tariffs::quarter_us), t.periods[p].name,
                     t.periods[p].price_per_kwh, r.prices[p], impl_->override_id(r.row)});
      open_row = r.row;
      open_period = p;
    }
  });
  return out;
}

result<void> tariff_pricer::price_buckets(timestamp from, timestamp to, std::span<std::uint16_t> periods,
                                          std::span<money> prices) const {
  if (auto ok = impl_->check_range(from, to); !ok) return ok;
  const auto count = static_cast<std::size_t>((to_micros(to) - to_micros(from)) / tariffs::quarter_us);
  if (periods.size() != count) return invalid("periods", "must hold one entry per bucket of [from, to)");
  if (prices.size() != count) return invalid("prices", "must hold one entry per bucket of [from, to)");
  const auto base = to_micros(from);
  impl_->walk(base, to_micros(to), [&](const tariff_run& r) {
    const auto i = static_cast<std::size_t>((r.start - base) / tariffs::quarter_us);
    std::uint16_t* pp = periods.data() + i;
    money* pr = prices.data() + i;
    for (std::int64_t k = 0; k < r.count; ++k) {
      const auto p = r.period[k];
      pp[k] = p;
      pr[k] = r.prices[p];
    }
  });
  return {};
}

}  // namespace segs
