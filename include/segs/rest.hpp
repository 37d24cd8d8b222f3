// libsegs — the transport-agnostic REST layer.
//
// One call maps an HTTP request value to an HTTP response value. Host it in
// any HTTP stack: copy method, target, headers, body and the peer address in,
// copy status, headers and body out. Authentication (Bearer access tokens,
// X-API-Key), authorization (through the library's principal checks),
// validation, rate limits, CORS, request ids, security headers, metrics and
// the JSON envelopes are done here, so every host behaves the same.
//
//     segs::rest::handler api(*grid);
//     segs::rest::response res = api.handle({"GET", "/health", {}, "", "127.0.0.1"});
//
// A response may stream its body (`response::body_stream`, set by the CSV
// export): a host that can send chunks pulls them one at a time; one that
// cannot calls `collect_body` first and sends `body` as before.
//
// Thread-safety: `handler::handle` may be called from several threads at
// once. The handler keeps a reference to the grid, which must outlive it,
// and so does a response's `body_stream`: drain or drop it before the grid
// closes.
#pragma once

#include <segs/export.hpp>
#include <segs/grid.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace segs::rest {

/// One HTTP header. Names compare case-insensitively.
struct header {
  std::string name;
  std::string value;
};

/// An HTTP request as the host received it.
struct request {
  std::string method;           ///< "GET", "POST", ...
  std::string target;           ///< path and query: "/api/v1/users?page=2"
  std::vector<header> headers;  ///< as received; repeated names allowed
  std::string body;
  std::string peer;             ///< the client's address, e.g. "203.0.113.7"
};

/// The answer to send back.
struct response {
  int status = 200;
  std::vector<header> headers;
  std::string body;
  /// When set, the body is streamed: the transport calls it for the next
  /// chunk until it answers none (`body` then holds only what precedes
  /// the first chunk, normally nothing). Transports without streaming may
  /// call it to the end and send one body (`collect_body`).
  ///
  /// A chunk may be empty (skip it). The headers carry no Content-Length;
  /// the transport frames the body (chunked transfer coding in HTTP/1.1).
  /// Each call may read storage (a page of rows); call it from one thread
  /// at a time, while the grid is open. A failure after the first chunk
  /// cannot change the status any more: the stream throws it
  /// (`segs::exception`), and the transport must end the transfer without
  /// its last chunk (segs-server closes the connection), so that the client
  /// cannot take a partial body for a whole one; `collect_body` passes the
  /// exception on.
  std::function<std::optional<std::string>()> body_stream;
  /// The route pattern that matched ("/api/v1/users/:id"), or "unmatched";
  /// for access logs and metrics, never sent.
  std::string route;
  /// The request id (also in the X-Request-Id header).
  std::string request_id;

  /// The first header called `name` (case-insensitive), or empty.
  [[nodiscard]] SEGS_EXPORT std::string_view header_value(std::string_view name) const noexcept;
};

/// Drains `res.body_stream` (when set) into `res.body`, after what `body`
/// already holds, and clears it: for transports that send one body. A
/// response without a stream is left as it is. Holds the whole body in
/// memory; propagates what the stream throws (the body so far is kept and
/// the stream is cleared).
SEGS_EXPORT void collect_body(response& res);

/// A token bucket: `capacity` requests, refilled evenly over `period`.
struct rate_limit {
  int capacity = 100;
  std::chrono::seconds period{std::chrono::hours(1)};
};

/// Settings of a handler; defaults follow the P2P seed.
struct options {
  /// Origins allowed by CORS ("https://app.example.org"); "*" allows any.
  /// An origin not on the list gets no Access-Control-Allow-Origin.
  std::vector<std::string> cors_origins;
  /// Largest accepted body; larger ones answer 413.
  std::size_t max_body_bytes = 10u * 1024u * 1024u;
  /// Per client address, for requests without credentials.
  rate_limit anonymous{100, std::chrono::hours(1)};
  /// Per user or API key.
  rate_limit authenticated{1000, std::chrono::hours(1)};
  /// Per admin.
  rate_limit admin{10000, std::chrono::hours(1)};
  /// Per client address on the unauthenticated auth routes (login,
  /// register, forgot/reset password, verify, resend): stricter.
  rate_limit auth_routes{20, std::chrono::minutes(15)};
  /// Whether the rate limits apply at all (tests of other behaviour turn
  /// them off).
  bool rate_limits_enabled = true;
  /// Whether the billing routes (`/api/v1/billing/*`: invoices, payments,
  /// disputes, previews, analytics, exports, settings) are served. When
  /// false they are not routed at all: every such request answers 404
  /// `NOT_FOUND` as an unknown path does. The library's billing service
  /// (`grid::billing()`) is unaffected.
  bool billing = true;
};

/// The REST surface of one grid.
class SEGS_EXPORT handler {
 public:
  explicit handler(grid& g, options opts = {});
  ~handler();
  handler(const handler&) = delete;
  handler& operator=(const handler&) = delete;

  /// Answers one request. Never throws: internal failures answer 500 with
  /// the error envelope.
  [[nodiscard]] response handle(const request& req) noexcept;

  /// The OpenAPI 3.1 document of every route (also served at
  /// GET /api/v1/openapi.json).
  [[nodiscard]] const std::string& openapi() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// An error in the words of this API's clients (REST and the Python
/// package): the library names C++ members and units — the market's
/// `quantity`, `price`, `slot_length`, `fee_ppm`, `deliveries[i].delivered`,
/// a reading's `time`, `consumed`, `produced` — where the wire says
/// `quantity_kwh`, `price_per_kwh`, `slot_minutes`, `fee_percent`,
/// `deliveries[i].delivered_kwh`, `timestamp`, `energy_consumed_kwh`,
/// `energy_produced_kwh`. The field and the message's leading phrase are
/// translated; anything else passes unchanged.
[[nodiscard]] SEGS_EXPORT segs::error in_wire_words(segs::error e);

}  // namespace segs::rest
