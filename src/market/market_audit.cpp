// The market's audit records, in one place so that every operator action
// names its region and slot the same way and none can leak more than that.
#include "audit/chain.hpp"
#include "market/market_impl.hpp"

#include <vector>

namespace segs::detail {

void audit_market(grid_core& core, storage::transaction& tx, const principal& who,
                  const request_context& ctx, std::string_view action, std::string_view region,
                  std::optional<timestamp> slot,
                  std::initializer_list<std::pair<std::string_view, std::string>> details) {
  const std::string slot_text = slot ? to_rfc3339(*slot) : std::string();
  std::vector<std::pair<std::string_view, std::string_view>> kv{{"region", region}};
  if (slot) kv.emplace_back("delivery_slot", slot_text);
  for (const auto& [k, v] : details) kv.emplace_back(k, v);
  audit_append(core, tx, actor::of(who), ctx,
               {std::string(action), std::string(region), "success", audit_details(kv)});
}

}  // namespace segs::detail
