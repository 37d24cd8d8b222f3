// segs-server — the live channel's transport: a WebSocket per client at
// GET /api/v1/ws, carrying the text messages of a segs::rest::live_connection
// (the protocol, the subscriptions and the bounded queue are the REST
// layer's; docs/server.md, "Live push").
//
// Each session writes one message at a time, pulled from its connection
// when the previous one is written; a write that does not finish within
// 30 s (a client that stopped reading and whose socket buffers are full)
// closes the socket. Credentials are re-checked every
// `live_options::recheck`. Beast's suggested server timeouts apply, with
// keep-alive pings: a silent peer is dropped after 60 s.
//
// Thread-safety: `start` and `stop` may be called from any thread.
#pragma once

#include <segs/rest.hpp>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace segs_server {

class live_session;

class live_sessions {
 public:
  /// `log(status, route, request_id)` writes the upgrade's access-log line.
  using access_log = std::function<void(int status, std::string_view route, std::string_view request_id)>;

  explicit live_sessions(segs::rest::handler& api);

  /// Takes over `stream`, whose request `req` (also given as `in`) asks for
  /// a WebSocket upgrade: accepts it, or answers the handler's refusal
  /// (401, 429, ...) over HTTP and closes.
  void start(boost::beast::tcp_stream&& stream,
             boost::beast::http::request<boost::beast::http::string_body>&& req,
             const segs::rest::request& in, const access_log& log);
  /// Closes every session (1001, going away).
  void stop();

 private:
  segs::rest::handler& api_;
  std::mutex mu_;
  std::vector<std::weak_ptr<live_session>> sessions_;
  bool stopping_ = false;
};

}  // namespace segs_server
