// An event_sink that writes every event as one line of text, so a test can
// compare what a book call caused with one string (doctest prints both).
#pragma once

#include "market/engine.hpp"

#include <string>
#include <vector>

namespace segs::market::testing {

inline const char* to_string(cancel_reason r) {
  switch (r) {
    case cancel_reason::requested: return "requested";
    case cancel_reason::ioc_remainder: return "ioc_remainder";
    case cancel_reason::fok_unfillable: return "fok_unfillable";
    case cancel_reason::no_liquidity: return "no_liquidity";
    case cancel_reason::self_trade: return "self_trade";
    case cancel_reason::expired: return "expired";
  }
  return "?";
}

inline std::string describe(const fill& f) {
  // Owners and taker side are checked through `fills` where a test needs them.
  return "fill " + std::to_string(f.maker) + "<-" + std::to_string(f.taker) + " " +
         std::to_string(f.quantity) + "@" + std::to_string(f.price);
}

class event_log final : public event_sink {
 public:
  void on_fill(const fill& f) override {
    fills.push_back(f);
    lines_.push_back(describe(f));
  }
  void on_cancel(order_id id, qty_t q, cancel_reason why) override {
    lines_.push_back("cancel " + std::to_string(id) + " " + std::to_string(q) + " " +
                     to_string(why));
  }
  void on_rest(order_id id, qty_t q, price_t p) override {
    lines_.push_back("rest " + std::to_string(id) + " " + std::to_string(q) + "@" +
                     std::to_string(p));
  }

  /// Every event since the last take(), one per line, then forgets them.
  std::string take() {
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    lines_.clear();
    fills.clear();
    return out;
  }
  [[nodiscard]] std::size_t count() const { return lines_.size(); }

  std::vector<fill> fills;

 private:
  std::vector<std::string> lines_;
};

}  // namespace segs::market::testing
