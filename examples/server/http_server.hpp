// segs-server — the Beast transport: a listener and one session per
// connection, each on its own strand, handing every request to
// segs::rest::handler and writing its answer back.
//
// HTTP/1.1 with keep-alive; a 30 s timeout on each read and write; bodies
// above `max_body_bytes` answer 413 before they are read; requests on one
// connection are answered one at a time, in order (the pipelining cap is one
// request in flight per connection: later pipelined requests wait in the
// socket buffer, so a client cannot queue work). One JSON access-log line per
// request goes to the access log (access_log.hpp).
//
// Thread-safety: construct and start on one thread; `stop` may be called
// from any thread (a signal handler's completion, typically).
#pragma once

#include <segs/rest.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <memory>

namespace segs_server {

class access_log;
class listener;

class http_server {
 public:
  /// Binds `at` (port 0: a free port). Throws boost::system::system_error
  /// when it cannot. `api` and `log` must outlive the server.
  http_server(boost::asio::io_context& ioc, segs::rest::handler& api, std::size_t max_body_bytes,
              const boost::asio::ip::tcp::endpoint& at, access_log& log);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The address actually bound.
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// Starts accepting; the io_context's threads do the rest.
  void start();
  /// Stops accepting, closes idle connections, and lets requests in flight
  /// finish and their answers be written (each then closes its connection).
  /// The io_context runs out of work once the last one is done.
  void stop();

 private:
  std::shared_ptr<listener> listener_;
};

}  // namespace segs_server
