// The market's audit records, in one place so that every operator action
// names its region and slot the same way and none can leak more than that.
#include "audit/chain.hpp"
#include "market/market_impl.hpp"
#include "storage/stores/json_text.hpp"

namespace segs::detail {

void audit_market(grid_core& core, storage::transaction& tx, const principal& who,
                  const request_context& ctx, std::string_view action, std::string_view region,
                  std::optional<timestamp> slot,
                  std::initializer_list<std::pair<std::string_view, std::string>> details) {
  std::string json = "{" + storage::json_quote("region") + ":" + storage::json_quote(region);
  if (slot) json += "," + storage::json_quote("delivery_slot") + ":" + storage::json_quote(to_rfc3339(*slot));
  for (const auto& [k, v] : details) json += "," + storage::json_quote(k) + ":" + storage::json_quote(v);
  json += "}";
  audit_append(core, tx, actor::of(who), ctx, {std::string(action), std::string(region), "success", std::move(json)});
}

}  // namespace segs::detail
