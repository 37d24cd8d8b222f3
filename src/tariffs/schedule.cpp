// A tariff's terms: their validation, and the schedule compiled into
// per-day slot tables (see schedule.hpp).
#include "tariffs/schedule.hpp"

#include <algorithm>
#include <string>

namespace segs {

namespace {

using namespace std::chrono_literals;

using tariffs::invalid;

std::string at(std::string_view list, std::size_t i, std::string_view member = {}) {
  std::string s(list);
  s += '[' + std::to_string(i) + ']';
  if (!member.empty()) (s += '.') += member;
  return s;
}

// Characters, not bytes: a UTF-8 continuation byte does not start one.
std::size_t characters(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool period_name_ok(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool knows(const tariff& t, std::string_view name) {
  return std::any_of(t.periods.begin(), t.periods.end(), [&](const tariff_period& p) { return p.name == name; });
}

result<void> check_rule(const tariff& t, const schedule_rule& r, std::size_t i) {
  if (!knows(t, r.period)) return invalid(at("schedule", i, "period"), "must name one of the tariff's periods");
  if (r.days.empty()) return invalid(at("schedule", i, "days"), "must name at least one day");
  for (auto d : r.days)
    if (static_cast<unsigned>(d) > static_cast<unsigned>(day_kind::holiday))
      return invalid(at("schedule", i, "days"), "must be mon..sun or holiday");
  if (r.start < 0min || r.start >= 24h || r.start.count() % 15 != 0)
    return invalid(at("schedule", i, "start"), "must be a time from 00:00 to 23:45 on the 15-minute grid");
  if (r.end <= 0min || r.end > 24h || r.end.count() % 15 != 0)
    return invalid(at("schedule", i, "end"), "must be a time from 00:15 to 24:00 on the 15-minute grid");
  if (r.start == r.end) return invalid(at("schedule", i, "end"), "must differ from start");
  std::array<bool, 13> seen{};
  for (int m : r.months) {
    if (m < 1 || m > 12) return invalid(at("schedule", i, "months"), "must be months 1 to 12");
    if (seen[static_cast<std::size_t>(m)]) return invalid(at("schedule", i, "months"), "names a month twice");
    seen[static_cast<std::size_t>(m)] = true;
  }
  return {};
}

result<void> check_money(money m, const char* field) {
  if (m.micros < 0) return invalid(field, "must not be negative");
  return {};
}

}  // namespace

result<void> validate(const tariff& t) {
  const auto n = characters(t.name);
  if (n < 1 || n > 100) return invalid("name", "must be 1 to 100 characters");
  if (!tariffs::on_grid(t.effective_from)) return invalid("effective_from", "must be on the 15-minute grid");
  if (t.effective_to) {
    if (!tariffs::on_grid(*t.effective_to)) return invalid("effective_to", "must be on the 15-minute grid");
    if (*t.effective_to <= t.effective_from) return invalid("effective_to", "must be after effective_from");
  }
  if (t.periods.empty()) return invalid("periods", "must name at least one period");
  if (t.periods.size() > std::numeric_limits<std::uint16_t>::max())
    return invalid("periods", "must be at most 65535 periods");
  for (std::size_t i = 0; i < t.periods.size(); ++i) {
    const auto& p = t.periods[i];
    if (!period_name_ok(p.name)) return invalid(at("periods", i, "name"), "must be 1 to 32 of a-z, 0-9 and _");
    for (std::size_t j = 0; j < i; ++j)
      if (t.periods[j].name == p.name) return invalid(at("periods", i, "name"), "must be unique in the tariff");
    if (p.price_per_kwh.micros < 0) return invalid(at("periods", i, "price_per_kwh"), "must not be negative");
  }
  for (std::size_t i = 0; i < t.schedule.size(); ++i)
    if (auto ok = check_rule(t, t.schedule[i], i); !ok) return ok;
  if (t.default_period.empty()) return invalid("default_period", "is required");
  if (!knows(t, t.default_period)) return invalid("default_period", "must name one of the tariff's periods");
  for (std::size_t i = 0; i < t.holidays.size(); ++i)
    if (!t.holidays[i].ok()) return invalid(at("holidays", i), "must be a valid date");
  for (std::size_t i = 0; i < t.tiers.size(); ++i) {
    const auto& up = t.tiers[i].up_to;
    const bool last = i + 1 == t.tiers.size();
    if (last && up) return invalid(at("tiers", i, "up_to"), "must be empty on the last tier");
    if (!last && !up) return invalid(at("tiers", i, "up_to"), "is required on every tier but the last");
    if (up && up->wh <= 0) return invalid(at("tiers", i, "up_to"), "must be positive");
    if (up && i > 0 && up->wh <= t.tiers[i - 1].up_to->wh)
      return invalid(at("tiers", i, "up_to"), "must be above the previous tier's");
  }
  if (auto ok = check_money(t.fixed_charge_per_day, "fixed_charge_per_day"); !ok) return ok;
  if (auto ok = check_money(t.demand_charge_per_kw, "demand_charge_per_kw"); !ok) return ok;
  if (auto ok = check_money(t.export_price_per_kwh, "export_price_per_kwh"); !ok) return ok;
  if (t.tax_percent.value < 0 || t.tax_percent.value > 1'000'000) return invalid("tax_percent", "must be 0 to 100");
  return {};
}

namespace tariffs {

namespace {

std::uint16_t index_of(const tariff& t, std::string_view name) {
  for (std::size_t i = 0; i < t.periods.size(); ++i)
    if (t.periods[i].name == name) return static_cast<std::uint16_t>(i);
  return 0;  // unreachable after validate
}

// The variant of `mask` in `masks`, appended when new.
std::size_t variant(std::vector<std::vector<char>>& masks, std::vector<char> mask) {
  for (std::size_t i = 0; i < masks.size(); ++i)
    if (masks[i] == mask) return i;
  masks.push_back(std::move(mask));
  return masks.size() - 1;
}

bool applies(const schedule_rule& r, int month, int kind) {
  const bool day = std::any_of(r.days.begin(), r.days.end(), [&](day_kind d) { return static_cast<int>(d) == kind; });
  const bool in_month = r.months.empty() || std::find(r.months.begin(), r.months.end(), month) != r.months.end();
  return day && in_month;
}

}  // namespace

compiled_schedule::compiled_schedule(const tariff& t) : default_period_(index_of(t, t.default_period)) {
  for (const auto& r : t.schedule)
    rules_.push_back({index_of(t, r.period), static_cast<int>(r.start.count() / 15),
                      static_cast<int>(r.end.count() / 15), r.start > r.end});
  for (int key = 0; key < key_count; ++key) {
    std::vector<char> own(rules_.size()), spill(rules_.size());
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      own[i] = applies(t.schedule[i], key / 8 + 1, key % 8) ? 1 : 0;
      spill[i] = own[i] && rules_[i].wraps ? 1 : 0;
    }
    own_of_key_[static_cast<std::size_t>(key)] = variant(own_masks_, std::move(own));
    spill_of_key_[static_cast<std::size_t>(key)] = variant(spill_masks_, std::move(spill));
  }
  for (const auto& d : t.holidays) holidays_.push_back(std::chrono::sys_days{d}.time_since_epoch().count());
  std::sort(holidays_.begin(), holidays_.end());
}

int compiled_schedule::key_of(std::int64_t day) const {
  const std::chrono::sys_days sd{std::chrono::days{day}};
  const std::chrono::year_month_day ymd{sd};
  const int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  const int kind = std::binary_search(holidays_.begin(), holidays_.end(), day)
                       ? static_cast<int>(day_kind::holiday)
                       : static_cast<int>(std::chrono::weekday{sd}.iso_encoding()) - 1;
  return (month - 1) * 8 + kind;
}

void compiled_schedule::fill(std::size_t pair, day_table& out) const {
  const auto& own = own_masks_[pair / spill_masks_.size()];
  const auto& spill = spill_masks_[pair % spill_masks_.size()];
  for (int s = 0; s < slots_per_day; ++s) {
    auto period = default_period_;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      const auto& r = rules_[i];
      // A wrapping rule covers [start, 24:00) of its own day and [00:00, end) of the next.
      const bool here = own[i] && s >= r.start && (r.wraps || s < r.end);
      const bool spilled = spill[i] && s < r.end;
      if (here || spilled) {
        period = r.period;
        break;
      }
    }
    out[static_cast<std::size_t>(s)] = period;
  }
}

const day_table& day_tables::of_day(std::int64_t day) {
  if (day == last_day_) return *last_;
  const int prev_key = day == last_day_ + 1 ? last_key_ : s_.key_of(day - 1);
  const int key = s_.key_of(day);
  auto& slot = index_[s_.pair_of(key, prev_key)];
  if (slot < 0) {
    tables_.emplace_back();
    s_.fill(s_.pair_of(key, prev_key), tables_.back());
    slot = static_cast<std::int32_t>(tables_.size() - 1);
  }
  last_day_ = day;
  last_key_ = key;
  last_ = &tables_[static_cast<std::size_t>(slot)];
  return *last_;
}

}  // namespace tariffs

}  // namespace segs
