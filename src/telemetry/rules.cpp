#include "telemetry/rules.hpp"

#include "crypto/encoding.hpp"
#include "grid_core.hpp"
#include "storage/stores/json_text.hpp"

#include <sodium.h>

namespace segs::telemetry {

using detail::fail;

namespace {

constexpr std::size_t max_meter_metadata = 16 * 1024;
constexpr std::size_t max_reading_metadata = 4 * 1024;

std::optional<error> out_of_range(const std::optional<milli>& v, std::int64_t lo, std::int64_t hi,
                                  std::string_view field, std::string_view what) {
  if (v && (v->value < lo || v->value > hi))
    return make_error(errc::validation_error,
                      std::string(field) + " must be " + std::string(what), std::string(field));
  return std::nullopt;
}

void check_text(const std::optional<std::string>& v, std::size_t max, std::string_view field) {
  if (v && v->size() > max)
    fail(errc::validation_error,
         std::string(field) + " must be at most " + std::to_string(max) + " characters",
         std::string(field));
}

}  // namespace

void check_serial(std::string_view serial, std::string_view field) {
  const bool ok = serial.size() >= 3 && serial.size() <= 64 &&
                  serial.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789_-") == std::string_view::npos;
  if (!ok)
    fail(errc::validation_error,
         std::string(field) + " must be 3 to 64 of A-Z, a-z, 0-9, '_' and '-'", std::string(field));
  // A meter is named by its serial or its UUID: a serial shaped like a UUID
  // would be ambiguous (single-meter calls looked it up as an id only).
  if (uuid::parse(serial))
    fail(errc::validation_error, std::string(field) + " must not be a UUID", std::string(field));
}

void check_meter_spec(const meter_spec& spec, bool creating) {
  if (creating && !spec.meter_id) fail(errc::validation_error, "meter_id is required", "meter_id");
  if (spec.meter_id) check_serial(*spec.meter_id);
  if (creating && !spec.capacity_kw)
    fail(errc::validation_error, "capacity_kw is required", "capacity_kw");
  if (spec.capacity_kw && (spec.capacity_kw->value <= 0 || spec.capacity_kw->value > 1'000'000'000'000))
    fail(errc::validation_error, "capacity_kw must be positive (at most 10^9 kW)", "capacity_kw");
  if (spec.location) {
    const auto& l = *spec.location;
    check_text(l.building, 200, "building");
    check_text(l.room, 200, "room");
    check_text(l.address, 500, "address");
    if (l.latitude && !(*l.latitude >= -90.0 && *l.latitude <= 90.0))
      fail(errc::validation_error, "latitude must be between -90 and 90", "latitude");
    if (l.longitude && !(*l.longitude >= -180.0 && *l.longitude <= 180.0))
      fail(errc::validation_error, "longitude must be between -180 and 180", "longitude");
  }
  if (spec.metadata) {
    if (spec.metadata->size() > max_meter_metadata)
      fail(errc::validation_error, "metadata must be at most 16 KiB", "metadata");
    if (!storage::is_json_object(*spec.metadata))
      fail(errc::validation_error, "metadata must be a JSON object", "metadata");
  }
  if (spec.public_key && !spec.public_key->empty() && !decode_public_key(*spec.public_key))
    fail(errc::validation_error, "public_key must be a base64 Ed25519 public key (32 bytes)",
         "public_key");
}

namespace {

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  std::vector<std::uint8_t> out(text.size() * 3 / 4 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace

std::optional<std::string> decode_public_key(std::string_view text) {
  auto bytes = base64_decode(text);
  if (!bytes || bytes->size() != crypto_sign_PUBLICKEYBYTES) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::optional<error> check_reading(const reading& r, timestamp now,
                                   std::optional<timestamp> installed) {
  constexpr std::int64_t max_wh = 1'000'000'000;  // 1 GWh in one interval
  if (r.consumed.wh < 0 || r.consumed.wh > max_wh)
    return make_error(errc::validation_error, "consumed must be between 0 and 1000000 kWh",
                      "consumed");
  if (r.produced.wh < 0 || r.produced.wh > max_wh)
    return make_error(errc::validation_error, "produced must be between 0 and 1000000 kWh",
                      "produced");
  if (auto e = out_of_range(r.power_kw, -1'000'000'000, 1'000'000'000, "power_kw",
                            "between -1000000 and 1000000"))
    return e;
  if (auto e = out_of_range(r.peak_demand_kw, 0, 1'000'000'000, "peak_demand_kw",
                            "between 0 and 1000000"))
    return e;
  if (auto e = out_of_range(r.voltage, 0, 1'000'000, "voltage", "between 0 and 1000")) return e;
  if (auto e = out_of_range(r.current, 0, 10'000'000, "current", "between 0 and 10000")) return e;
  if (auto e = out_of_range(r.power_factor, 0, 1'000, "power_factor", "between 0 and 1")) return e;
  if (auto e = out_of_range(r.frequency, 40'000, 70'000, "frequency", "between 40 and 70")) return e;
  if (!r.metadata.empty()) {
    if (r.metadata.size() > max_reading_metadata)
      return make_error(errc::validation_error, "metadata must be at most 4 KiB", "metadata");
    if (!storage::is_json_object(r.metadata))
      return make_error(errc::validation_error, "metadata must be a JSON object", "metadata");
  }
  if (r.time > now + max_ahead)
    return make_error(errc::validation_error, "time must not be more than 5 minutes in the future",
                      "time");
  if (installed && r.time <= *installed)
    return make_error(errc::validation_error,
                      "time must be after the start of the meter's installation_date", "time");
  return std::nullopt;
}

std::string signed_message(std::string_view serial, const reading& r, std::string_view time_text) {
  std::string out(serial);
  out += '|';
  if (time_text.empty())
    out += to_rfc3339(r.time);
  else
    out += time_text;
  out += '|';
  out += std::to_string(r.consumed.wh);
  out += '|';
  out += std::to_string(r.produced.wh);
  return out;
}

bool signature_valid(std::string_view public_key, std::string_view signature,
                     std::string_view message) {
  auto key = decode_public_key(public_key);
  auto sig = base64_decode(signature);
  if (!key || !sig || sig->size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(sig->data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key->data())) == 0;
}

void check_range(const time_range& r) {
  if (!(r.start < r.end)) fail(errc::validation_error, "start must be before end", "start");
  if (r.end - r.start > max_range)
    fail(errc::validation_error, "a range spans at most 366 days", "end");
}

}  // namespace segs::telemetry
