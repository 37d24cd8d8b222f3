// libsegs — one error model for every layer.
//
// Every fallible public call returns `segs::result<T>`: either a value or a
// `segs::error`. An error carries a stable code (`segs::errc`), a message a
// person can act on, the offending input field when there is one, and, for
// storage failures, the backend's original code as `detail`.
//
// Thread-safety: `error` and `result` are plain values; const access from
// several threads is safe, mutation needs external synchronization.
#pragma once

#include <segs/export.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace segs {

/// Stable error codes. The string form (`to_string`) and the HTTP status
/// (`http_status`) of each code never change; new codes are only appended.
enum class errc {
  validation_error,        ///< 400 VALIDATION_ERROR: bad input; `field` names it
  unauthorized,            ///< 401 UNAUTHORIZED: missing/invalid credentials
  forbidden,               ///< 403 FORBIDDEN: authenticated but not allowed
  email_not_verified,      ///< 403 EMAIL_NOT_VERIFIED: correct password, unverified
  account_suspended,       ///< 403 ACCOUNT_SUSPENDED: correct password, suspended
  not_found,               ///< 404 NOT_FOUND
  conflict,                ///< 409 CONFLICT: uniqueness or state conflict
  payload_too_large,       ///< 413 PAYLOAD_TOO_LARGE
  unsupported_media_type,  ///< 415 UNSUPPORTED_MEDIA_TYPE
  rate_limited,            ///< 429 RATE_LIMITED; `retry_after` set
  account_locked,          ///< 429 ACCOUNT_LOCKED; `retry_after` set
  internal,                ///< 500 INTERNAL_ERROR: a bug or an unexpected state
  schema_mismatch,         ///< 500 SCHEMA_MISMATCH: migrations refused
  unavailable,             ///< 503 SERVICE_UNAVAILABLE: storage unreachable/busy
};

/// "VALIDATION_ERROR", "CONFLICT", ... (the wire form used by REST and Python).
[[nodiscard]] SEGS_EXPORT std::string_view to_string(errc code) noexcept;
/// The HTTP status of a code (400, 401, ...).
[[nodiscard]] SEGS_EXPORT int http_status(errc code) noexcept;

/// A failed operation. `message` is meant for people; `code` for programs.
struct error {
  errc code = errc::internal;
  std::string message;
  /// The offending input field (snake_case, as on the wire), or empty.
  std::string field;
  /// Backend detail for storage errors, e.g. "sqlite SQLITE_CONSTRAINT_UNIQUE
  /// (2067): UNIQUE constraint failed: users.email" or "postgres SQLSTATE 23505".
  /// Never contains secrets or bound parameter values.
  std::string detail;
  /// For `rate_limited` and `account_locked`: when the caller may retry.
  std::optional<std::chrono::seconds> retry_after;
};

/// Builds an error; `field` may be empty.
[[nodiscard]] SEGS_EXPORT error make_error(errc code, std::string message,
                                           std::string field = {});

/// The exception thrown by `result<T>::value()` on an error, and used inside
/// the library to unwind to the public boundary.
class SEGS_EXPORT exception : public std::runtime_error {
 public:
  explicit exception(error e);
  [[nodiscard]] const segs::error& err() const noexcept { return error_; }
  [[nodiscard]] errc code() const noexcept { return error_.code; }

 private:
  segs::error error_;
};

/// Either a `T` or an `error`. Modelled on `std::expected` (C++23), which C++20
/// lacks. `result<void>` carries no value.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  result(segs::error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; throws `segs::exception` when this holds an error.
  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  /// On a temporary the value is moved out and returned by value, so
  /// `for (auto& m : grid->outbox().drain().value())` never dangles.
  T value() && { check(); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// The error. REQUIRES: !has_value().
  [[nodiscard]] const segs::error& error() const& { return std::get<1>(v_); }

 private:
  void check() const {
    if (v_.index() != 0) throw exception(std::get<1>(v_));
  }
  std::variant<T, segs::error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(segs::error e) : e_(std::move(e)) {}  // NOLINT
  [[nodiscard]] bool has_value() const noexcept { return !e_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (e_) throw exception(*e_);
  }
  [[nodiscard]] const segs::error& error() const& { return *e_; }

 private:
  std::optional<segs::error> e_;
};

}  // namespace segs
