// Packing settled days (docs/telemetry.md, "Packed days"): due work that
// encodes each local day whose end has passed into its meter_days row
// (src/telemetry/packed_day.hpp), so a meter's range reads one value a day
// instead of seeking 24 quarter-hour blocks. The rows of meter_quarters stay
// the truth: a later merge into the day drops the packed form, and the next
// run packs the day again.
#include "telemetry/packed_day.hpp"
#include "telemetry/telemetry_impl.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace segs {

namespace store = storage::telemetry;

namespace {

// Days packed per run of the due work, oldest first: a backlog (a database
// migrated with years of days) is worked off over successive runs, each
// bounded. Each transaction packs a part of them, so SQLite's write lock
// (and PostgreSQL's locks of the days being packed) are held briefly.
constexpr int packed_days_per_run = 2000;
constexpr int packed_days_per_tx = 250;

// The marker stored for a day the encoding cannot hold (off the
// quarter-hour grid, or longer than packed_day_max_slots quarter-hours):
// not a packed form (readers fall back to the rows), but no longer due.
const storage::blob kept_as_rows{0};

}  // namespace

std::int64_t telemetry_service::impl::pack_settled_days(timestamp now) {
  std::int64_t packed = 0;
  for (int left = packed_days_per_run; left > 0;) {
    const int chunk = std::min(left, packed_days_per_tx);
    const auto [n, seen] = core.write([&](storage::transaction& tx) {
      const auto days = store::days_to_pack(tx, now, chunk);
      std::int64_t stored = 0;
      std::vector<telemetry::packed_quarter> qs;
      for (const auto& d : days) {
        qs.clear();
        for (auto& q : store::quarter_rows(tx, d.meter, d.start, d.end)) qs.push_back({q.start, std::move(q.agg)});
        const auto span = d.end - d.start;
        const auto slots = span / telemetry::quarter;
        std::optional<storage::blob> bytes;
        if (span % telemetry::quarter == std::chrono::microseconds::zero() && slots >= 1 &&
            slots <= telemetry::packed_day_max_slots)
          bytes = telemetry::pack_day(d.start, static_cast<int>(slots), qs);
        if (store::put_packed_day(tx, d, bytes ? *bytes : kept_as_rows) && bytes) ++stored;
      }
      return std::pair{stored, static_cast<int>(days.size())};
    });
    packed += n;
    left -= chunk;
    if (seen < chunk) break;
  }
  return packed;
}

}  // namespace segs
