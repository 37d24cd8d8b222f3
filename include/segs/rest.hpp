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

class live_connection;

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

/// "N" (per hour) or "N/PERIOD", PERIOD a whole number of seconds,
/// minutes, hours or days ("100/1h", "20/15m", "5/30s", "100/h", "100/3600"
/// in seconds), at most 3650 days; N from 1 to 100,000,000. None for
/// anything else.
[[nodiscard]] SEGS_EXPORT std::optional<rate_limit> parse_rate_limit(std::string_view text);
/// The text form `parse_rate_limit` reads back ("100/1h", "20/15m").
[[nodiscard]] SEGS_EXPORT std::string to_string(const rate_limit& r);

/// Settings of the live channel (see `live_connection`).
struct live_options {
  /// How long a connection may stay unauthenticated before it is closed
  /// (4401).
  std::chrono::seconds auth_timeout{10};
  /// How often a transport should call `live_connection::check` (a logout
  /// through this handler is noticed at once; one elsewhere, a revoked API
  /// key or an expired token, at the next check).
  std::chrono::milliseconds recheck{5000};
  /// Bytes of messages a connection may hold for a client that does not
  /// read; beyond, the client is too slow and is closed (4429) rather than
  /// allowed to grow memory.
  std::size_t max_queued_bytes = 1u << 20;
  /// Subscriptions one connection may hold.
  std::size_t max_subscriptions = 32;
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
  /// The live channel (`handler::open_live`).
  live_options live{};
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

  /// What `open_live` answers: a connection, or the HTTP answer refusing the
  /// upgrade (bad credentials 401, rate limited 429).
  struct live_opening {
    std::unique_ptr<live_connection> connection;  ///< null: send `refusal`
    response refusal;
  };
  /// Opens a live connection for an upgrade request of `GET /api/v1/ws`
  /// (the transport has checked that it is one). Credentials in its headers
  /// (Authorization: Bearer, X-API-Key) authenticate it at once; without
  /// them the client has `live_options::auth_timeout` to send an `auth`
  /// message. `wake` is called, from any thread (also the one committing an
  /// event), whenever the connection has something new for `next`: it must
  /// not block or call into the connection, only schedule a call of `next`
  /// (segs-server posts to the socket's strand). Never throws for a bad
  /// request; the connection must be destroyed before the handler.
  [[nodiscard]] live_opening open_live(const request& upgrade, std::function<void()> wake);

  /// The handler's settings.
  [[nodiscard]] const options& settings() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// One client of the live channel, apart from its transport (segs-server
/// serves it as a WebSocket at `GET /api/v1/ws`; docs/server.md, "Live
/// push", has the protocol). The client sends JSON text messages:
///
///     {"type": "auth", "token": "<access token>"}
///     {"type": "subscribe", "channel": "market", "region": "north",
///      "delivery_slot": "2026-12-03T10:00:00Z"}
///     {"type": "subscribe", "channel": "alerts", "region": "north"}
///     {"type": "unsubscribe", ...the same members...}
///     {"type": "ping"}
///
/// and receives `{"type": "authenticated" | "subscribed" | "unsubscribed" |
/// "pong" | "error", ...}` answers, and the pushes: its own notifications
/// (`{"type": "notification", "data": {...}}`, as the REST history shows
/// them, when the user's `push` preference is on), and for its
/// subscriptions the slot's trades (`"trade"`), book (`"book"`, the
/// current book: changes that come faster than the client reads are
/// coalesced into one), gate closure (`"clearing"`), and the region's alerts
/// (`"alert"`, with `"event": "raised" | "escalated" | "acknowledged" |
/// "resolved"`). Market subscriptions need a user who may read the slot's
/// book; alert subscriptions `alerts:manage` over the region.
///
/// Close codes the transport must use as `next` gives them: 4401 (no
/// credentials in time, bad credentials, or they stopped holding: logout,
/// revocation, expiry, suspension), 4429 (the client reads too slowly).
///
/// Thread-safety: `receive`, `next` and `check` are called by the transport
/// from one thread at a time (a strand); events arrive from any thread.
class SEGS_EXPORT live_connection {
 public:
  ~live_connection();
  live_connection(const live_connection&) = delete;
  live_connection& operator=(const live_connection&) = delete;

  /// What to send next.
  struct outgoing {
    std::string text;  ///< a text message; with `close_code`, the reason
    std::optional<int> close_code;  ///< set: close the connection with this code
  };

  /// Takes one text message of the client; answers are queued (see `next`).
  void receive(std::string_view text);
  /// The next message to send, or none for now (call again after the next
  /// `wake`). After a close, always none.
  [[nodiscard]] std::optional<outgoing> next();
  /// Checks that the credentials still hold (`live_options::recheck`), and
  /// that an unauthenticated connection is within its time; queues the
  /// close (4401) when not.
  void check();
  /// True once credentials were accepted (and until they stop holding).
  [[nodiscard]] bool authenticated() const noexcept;
  /// Bytes of messages waiting for `next`.
  [[nodiscard]] std::size_t queued_bytes() const noexcept;

 private:
  friend class handler;
  struct impl;
  explicit live_connection(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;
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
