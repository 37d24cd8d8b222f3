// The errc tables. Both are part of the wire contract (REST bodies, Python
// exception mapping), so each code's string and status must never change.
#include <segs/error.hpp>

namespace segs {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::validation_error: return "VALIDATION_ERROR";
    case errc::unauthorized: return "UNAUTHORIZED";
    case errc::forbidden: return "FORBIDDEN";
    case errc::email_not_verified: return "EMAIL_NOT_VERIFIED";
    case errc::account_suspended: return "ACCOUNT_SUSPENDED";
    case errc::not_found: return "NOT_FOUND";
    case errc::conflict: return "CONFLICT";
    case errc::payload_too_large: return "PAYLOAD_TOO_LARGE";
    case errc::unsupported_media_type: return "UNSUPPORTED_MEDIA_TYPE";
    case errc::rate_limited: return "RATE_LIMITED";
    case errc::account_locked: return "ACCOUNT_LOCKED";
    case errc::internal: return "INTERNAL_ERROR";
    case errc::schema_mismatch: return "SCHEMA_MISMATCH";
    case errc::unavailable: return "SERVICE_UNAVAILABLE";
  }
  // A value outside the enum (a cast from a bad integer) is a bug somewhere.
  return "INTERNAL_ERROR";
}

int http_status(errc code) noexcept {
  switch (code) {
    case errc::validation_error: return 400;
    case errc::unauthorized: return 401;
    case errc::forbidden:
    case errc::email_not_verified:
    case errc::account_suspended: return 403;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::payload_too_large: return 413;
    case errc::unsupported_media_type: return 415;
    case errc::rate_limited:
    case errc::account_locked: return 429;
    case errc::internal:
    case errc::schema_mismatch: return 500;
    case errc::unavailable: return 503;
  }
  return 500;
}

error make_error(errc code, std::string message, std::string field) {
  error e;
  e.code = code;
  e.message = std::move(message);
  e.field = std::move(field);
  return e;
}

namespace {
std::string describe(const error& e) {
  std::string s(to_string(e.code));
  if (!e.message.empty()) {
    s += ": ";
    s += e.message;
  }
  return s;
}
}  // namespace

// `describe(e)` runs before `error_` is move-initialized (bases first).
exception::exception(error e) : std::runtime_error(describe(e)), error_(std::move(e)) {}

}  // namespace segs
