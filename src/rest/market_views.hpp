// Internal: the market's JSON on the wire — orders, trades, books, stats,
// clearings and settlements. Used by routes_trading.cpp and the live
// channel (live.cpp), so that a trade pushed over a WebSocket looks like
// the trade a GET answers.
//
// Quantities and prices are JSON numbers in kWh and currency units; times
// RFC 3339; absent values null.
#pragma once

#include "rest/json_io.hpp"

#include <segs/market.hpp>

#include <vector>

namespace segs::rest::detail {

[[nodiscard]] boost::json::value view(const order_fill& f);
[[nodiscard]] boost::json::value view(const order& o);
[[nodiscard]] boost::json::value view(const user_trade& t);
[[nodiscard]] boost::json::value view(const public_trade& t);
[[nodiscard]] boost::json::array view(const std::vector<public_trade>& trades);
[[nodiscard]] boost::json::array view(const std::vector<book_level>& levels);
/// {region, delivery_slot, bids, asks, sequence}.
[[nodiscard]] boost::json::value view(const order_book& b);
[[nodiscard]] boost::json::value view(const market_stats& s);
/// {region, delivery_slot, mechanism, clearing_price, cleared_kwh, trades}.
[[nodiscard]] boost::json::value view(const clearing_result& c);
[[nodiscard]] boost::json::value view(const settlement& s);

}  // namespace segs::rest::detail
