// Pure conversions between the storage port and libpq's text protocol, kept
// apart from the connection code so they can be tested without a server.
#pragma once

#include "storage/backend.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace segs::storage::pg {

/// A parameter as libpq wants it. `text` owns the bytes `PQexecPrepared`
/// points at, so an `encoded_param` must outlive the call.
struct encoded_param {
  bool is_null = false;
  bool binary = false;
  std::string text;  // text form, or the raw bytes of a blob
};

/// Encodes one bound value: int64 as decimal, double as "%.17g", strings
/// as is, blobs binary. A string holding a NUL byte (which PostgreSQL text
/// cannot store) throws validation_error.
[[nodiscard]] encoded_param encode_param(const value& v);

/// Appends `v` to `out` as one field of COPY's text format: \N for null,
/// backslash escapes in text, bytea as \\x and hex. Throws validation_error
/// for a string holding a NUL byte, as encode_param does.
void append_copy_field(std::string& out, const value& v);

/// Decodes one text-format column of type `oid` (see the table in
/// postgres_backend.hpp). Throws internal on a malformed value.
[[nodiscard]] value decode_column(std::uint32_t oid, const char* text, int length);

/// Decodes bytea's hex output ("\\x0aff").
[[nodiscard]] blob decode_bytea_hex(std::string_view text);

/// Builds the exception for a failed statement from its SQLSTATE (may be
/// empty when libpq has none, e.g. a lost connection) and primary message.
/// `connection_bad` is true when the connection is broken. Throws
/// `transient_failure` for 40001/40P01, `segs::exception` otherwise.
[[noreturn]] void throw_sqlstate(std::string_view sqlstate, std::string_view primary,
                                 bool connection_bad);

/// The neutral code of a SQLSTATE (without the transient special case).
[[nodiscard]] errc map_sqlstate(std::string_view sqlstate) noexcept;

/// Removes what could be a bound value from a server message: data
/// exceptions (22xxx) quote the offending input, so they are cut at the
/// first ": ".
[[nodiscard]] std::string sanitize_message(std::string_view sqlstate, std::string_view primary);

/// Removes a password (from the URL's user info or a `password=` parameter)
/// from a libpq message about `conninfo`.
[[nodiscard]] std::string redact_conninfo_secrets(std::string message, std::string_view conninfo);

}  // namespace segs::storage::pg
