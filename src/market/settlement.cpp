#include "market/settlement.hpp"

#include <algorithm>
#include <array>

namespace segs::detail {

namespace {

__extension__ using wide = __int128;  // price x Wh x ppm overflows 64 bits

// n / d rounded half to even; d > 0.
std::int64_t div_half_even(wide n, wide d) {
  wide q = n / d;
  wide r = n % d;
  if (r < 0) {  // floor division
    q -= 1;
    r += d;
  }
  if (2 * r > d || (2 * r == d && (q & 1) != 0)) q += 1;
  return static_cast<std::int64_t>(q);
}

}  // namespace

money trade_amount(money price, energy q) {
  return money{div_half_even(static_cast<wide>(price.micros) * q.wh, 1000)};
}

money trade_fee(const market_settings& s, money price, energy q) {
  // In units of 1e-9 micro: fee_per_kwh * Wh * 1e6 / 1e9 + price * Wh / 1e3 * ppm / 1e6.
  const wide n = static_cast<wide>(s.fee_per_kwh.micros) * q.wh * 1'000'000 +
                     static_cast<wide>(price.micros) * q.wh * s.fee_ppm;
  return money{div_half_even(n, 1'000'000'000)};
}

std::vector<ledger_entry> settle_slot(const std::vector<trade_record>& trades,
                                      const std::map<uuid, energy>& delivered,
                                      std::optional<money> imbalance_price) {
  constexpr std::size_t n_kinds = 5;
  struct account {
    std::array<std::int64_t, n_kinds> amount{};
    std::array<std::int64_t, n_kinds> energy{};
    std::array<bool, n_kinds> used{};
  };
  std::vector<uuid> order;  // accounts by first appearance
  std::map<uuid, account> accounts;
  account operator_account;
  auto acc = [&](const uuid& u) -> account& {
    auto [it, fresh] = accounts.try_emplace(u);
    if (fresh) order.push_back(u);
    return it->second;
  };
  auto book = [](account& a, ledger_kind k, std::int64_t wh, std::int64_t amount) {
    const auto i = static_cast<std::size_t>(k);
    a.amount[i] += amount;
    a.energy[i] += wh;
    a.used[i] = true;
  };

  money highest{0};
  std::map<uuid, std::int64_t> sold;
  for (const auto& t : trades) {
    const auto amount = trade_amount(t.price, t.quantity).micros;
    book(acc(t.buyer_id), ledger_kind::trade_debit, t.quantity.wh, -amount);
    book(acc(t.seller_id), ledger_kind::trade_credit, t.quantity.wh, amount);
    if (t.buyer_fee.micros != 0 || t.seller_fee.micros != 0) {
      book(acc(t.buyer_id), ledger_kind::fee, t.quantity.wh, -t.buyer_fee.micros);
      book(acc(t.seller_id), ledger_kind::fee, t.quantity.wh, -t.seller_fee.micros);
      book(operator_account, ledger_kind::fee, 2 * t.quantity.wh, t.buyer_fee.micros + t.seller_fee.micros);
    }
    highest = std::max(highest, t.price);
    sold[t.seller_id] += t.quantity.wh;
  }
  const money imbalance = imbalance_price.value_or(highest);

  for (const auto& [seller, total] : sold) {
    auto it = delivered.find(seller);
    if (it == delivered.end()) continue;
    const std::int64_t shortfall = total - std::min(std::max<std::int64_t>(it->second.wh, 0), total);
    if (shortfall == 0) continue;
    const auto charge = trade_amount(imbalance, energy{shortfall}).micros;
    book(acc(seller), ledger_kind::imbalance_charge, shortfall, -charge);
    book(operator_account, ledger_kind::imbalance_charge, shortfall, charge);

    // Spread the shortfall over the seller's trades pro rata, leftover Wh to
    // the earliest.
    std::vector<const trade_record*> own;
    for (const auto& t : trades)
      if (t.seller_id == seller) own.push_back(&t);
    std::vector<std::int64_t> share(own.size());
    std::int64_t given = 0;
    for (std::size_t i = 0; i < own.size(); ++i) {
      share[i] = static_cast<std::int64_t>(static_cast<wide>(shortfall) * own[i]->quantity.wh / total);
      given += share[i];
    }
    for (std::size_t i = 0; given < shortfall && i < own.size(); ++i) {
      if (share[i] < own[i]->quantity.wh) {
        ++share[i];
        ++given;
      }
    }
    for (std::size_t i = 0; i < own.size(); ++i) {
      if (share[i] == 0) continue;
      const auto refund = trade_amount(own[i]->price, energy{share[i]}).micros;
      book(acc(own[i]->buyer_id), ledger_kind::imbalance_refund, share[i], refund);
      book(operator_account, ledger_kind::imbalance_refund, share[i], -refund);
    }
  }

  std::vector<ledger_entry> out;
  auto emit = [&](std::optional<uuid> who, const account& a) {
    for (std::size_t k = 0; k < n_kinds; ++k) {
      if (!a.used[k]) continue;
      ledger_entry e;
      e.user_id = who;
      e.kind = static_cast<ledger_kind>(k);
      e.quantity = energy{a.energy[k]};
      e.amount = money{a.amount[k]};
      out.push_back(e);
    }
  };
  for (const auto& u : order) emit(u, accounts.at(u));
  emit(std::nullopt, operator_account);
  return out;
}

}  // namespace segs::detail
