#include "http_server.hpp"

#include "access_log.hpp"
#include "live_sessions.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <vector>

namespace segs_server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto io_timeout = std::chrono::seconds(30);

// A whole HTTP/1.x answer as one buffer: the status line, the handler's
// headers (framing ones skipped: the body we send decides them),
// Content-Length, Connection where the version's default is not what we do,
// and the body (none for HEAD). One contiguous write costs less than
// Beast's serializer walking a list of fields (issue 17's profile).
// CR and LF inside a name or value become spaces: no header splitting.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  const auto put = [&out](std::string_view v) {
    if (v.find_first_of("\r\n") == std::string_view::npos) {
      out.append(v.data(), v.size());
      return;
    }
    for (const char c : v) out += (c == '\r' || c == '\n') ? ' ' : c;
  };
  put(name);
  out += ": ";
  put(value);
  out += "\r\n";
}

std::string serialize_answer(unsigned version, int status,
                             const std::vector<segs::rest::header>& headers, std::string_view body,
                             bool keep_alive, bool head) {
  std::string out;
  out.reserve(256 + body.size());
  out += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(status);
  out += ' ';
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& h : headers) {
    if (beast::iequals(h.name, "content-length") || beast::iequals(h.name, "connection") ||
        beast::iequals(h.name, "transfer-encoding"))
      continue;
    append_header(out, h.name, h.value);
  }
  // 1xx, 204 and 304 answers carry no body and no Content-Length (RFC 9110).
  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (bodiless) {
    head = true;
  } else {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!head) out.append(body.data(), body.size());
  return out;
}

// What every session shares: the handler, the body limit, the live
// channel's sessions and the access log (access_log.hpp).
struct shared_state {
  shared_state(segs::rest::handler& a, std::size_t max, access_log& l)
      : api(a), max_body(max), live(a), log(l) {}

  segs::rest::handler& api;
  std::size_t max_body;
  live_sessions live;
  access_log& log;

  void log_access(std::string_view method, std::string_view route, int status,
                  steady::duration took, std::string_view request_id, std::string_view peer) {
    log.record(method, route, status, took, request_id, peer);
  }
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, shared_state& state)
      : stream_(std::move(socket)), grace_(stream_.get_executor()), state_(state) {
    beast::error_code ec;
    if (auto ep = stream_.socket().remote_endpoint(ec); !ec) peer_ = ep.address().to_string();
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

  // From any thread: runs on the session's strand, after anything already
  // queued there.
  void stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->on_stop(); });
  }

 private:
  void on_stop() {
    stopping_ = true;
    if (!reading_) return;  // writing an answer: on_write closes after it
    // A request whose bytes reached us before the signal may still be on its
    // way through the reactor and the strand; after this short grace, a
    // connection with nothing received is idle and is closed. One whose
    // request has begun is in flight: it is answered, then closed (on_write).
    grace_.expires_after(std::chrono::milliseconds(250));
    grace_.async_wait([self = shared_from_this()](beast::error_code ec) {
      beast::error_code ignored;
      if (!ec && self->reading_ && !self->parser_->got_some() && self->buffer_.size() == 0 &&
          self->stream_.socket().available(ignored) == 0)
        self->stream_.close();
    });
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(state_.max_body);
    reading_ = true;
    stream_.expires_after(io_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    started_ = steady::now();
    if (ec) return on_read(ec, 0);
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      // curl sends Expect: 100-continue for larger bodies and waits for this.
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     parser_->get().version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
                          if (wec) return self->on_read(wec, 0);
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec == http::error::body_limit) return send_too_large();
    if (ec) return do_close();  // end of stream, timeout, reset, closed by on_stop
    auto req = parser_->release();
    segs::rest::request in{std::string(req.method_string()), std::string(req.target()), {},
                           std::move(req.body()), peer_};
    in.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    for (const auto& f : req) in.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    if (beast::websocket::is_upgrade(req)) {
      // The live channel takes the connection over (live_sessions.hpp).
      const auto started = started_;
      state_.live.start(std::move(stream_), std::move(req), in,
                        [st = &state_, started, peer = peer_, method = in.method](
                            int status, std::string_view route, std::string_view request_id) {
                          st->log_access(method, route, status, steady::now() - started,
                                            request_id, peer);
                        });
      return;
    }
    auto out = state_.api.handle(in);
    state_.log_access(in.method, out.route, out.status, steady::now() - started_, out.request_id,
                      peer_);
    // A streamed body goes out in HTTP/1.1 chunks; HTTP/1.0 has no chunked
    // coding and HEAD needs the length, so those get it collected.
    if (out.body_stream) {
      if (req.version() >= 11 && req.method() != http::verb::head)
        return send_streamed(req.keep_alive() && !stopping_, std::move(out));
      try {
        segs::rest::collect_body(out);
      } catch (...) {
        std::cerr << "segs-server: a streamed body failed; connection closed" << std::endl;
        return stream_.close();
      }
    }

    keep_alive_ = req.keep_alive() && !stopping_;
    wire_ = serialize_answer(req.version(), out.status, out.headers, out.body, keep_alive_,
                             req.method() == http::verb::head);
    send();
  }

  // The body is over the limit and unread: answer with the handler's error
  // envelope shape, then close.
  void send_too_large() {
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
    const auto limit = static_cast<std::uint64_t>(state_.max_body);
    const auto body = boost::json::serialize(boost::json::object{
        {"success", false},
        {"error",
         {{"code", "PAYLOAD_TOO_LARGE"},
          {"message", "the request body is larger than " + std::to_string(limit) + " bytes"},
          {"details", {{"max_body_bytes", limit}}}}},
        {"timestamp", segs::to_rfc3339(now)}});
    keep_alive_ = false;
    wire_ = serialize_answer(parser_->get().version(), 413,
                             {{"Content-Type", "application/json"},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "no-referrer"},
                              {"Content-Security-Policy", "default-src 'none'"}},
                             body, false, false);
    state_.log_access(parser_->get().method_string(), "unmatched", 413, steady::now() - started_,
                      "", peer_);
    send();
  }

  void send() {
    stream_.expires_after(io_timeout);
    net::async_write(stream_, net::buffer(wire_),
                     beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    answered(keep_alive_);
  }

  void answered(bool keep_alive) {
    if (!keep_alive || stopping_) return do_close();
    do_read();
  }

  // The head with Transfer-Encoding: chunked, then one HTTP chunk per piece
  // the body stream hands out, the next pulled only once the previous one
  // is written (so a session holds one chunk), then the last chunk.
  void send_streamed(bool keep_alive, segs::rest::response out) {
    head_ = {};
    head_.version(11);
    head_.result(static_cast<unsigned>(out.status));
    for (auto& h : out.headers) {
      if (beast::iequals(h.name, "content-length") || beast::iequals(h.name, "connection") ||
          beast::iequals(h.name, "transfer-encoding"))
        continue;
      head_.insert(h.name, h.value);
    }
    head_.chunked(true);
    head_.keep_alive(keep_alive);
    chunk_ = std::move(out.body);  // what precedes the first chunk, if anything
    chunks_ = std::move(out.body_stream);
    head_sr_.emplace(head_);
    stream_.expires_after(io_timeout);
    http::async_write_header(stream_, *head_sr_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->end_stream();
                               self->next_chunk();
                             });
  }

  void next_chunk() {
    try {
      while (chunk_.empty()) {
        auto more = chunks_();
        if (!more) return last_chunk();
        chunk_ = std::move(*more);
      }
    } catch (...) {
      // No last chunk: the client sees a truncated body, not a complete one.
      std::cerr << "segs-server: a streamed body failed; connection closed" << std::endl;
      end_stream();
      return stream_.close();
    }
    stream_.expires_after(io_timeout);
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->chunk_.clear();
                       if (ec) return self->end_stream();
                       self->next_chunk();
                     });
  }

  void last_chunk() {
    end_stream();
    stream_.expires_after(io_timeout);
    net::async_write(stream_, http::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       self->answered(self->head_.keep_alive());
                     });
  }

  void end_stream() {
    chunks_ = nullptr;
    chunk_.clear();
    chunk_.shrink_to_fit();
    head_sr_.reset();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    // A client may still be sending (a body over the limit): read and drop
    // it for a moment, so that closing with unread data does not reset the
    // connection before the client has read our answer.
    stream_.expires_after(std::chrono::seconds(2));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();
                            });
  }

  beast::tcp_stream stream_;
  net::steady_timer grace_;
  shared_state& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string wire_;  // the answer being written (serialize_answer)
  bool keep_alive_ = false;
  // A streamed answer (send_streamed): its head, the head's serializer, the
  // body stream and the chunk being written.
  http::response<http::empty_body> head_;
  std::optional<http::response_serializer<http::empty_body>> head_sr_;
  std::function<std::optional<std::string>()> chunks_;
  std::string chunk_;
  std::string peer_;
  steady::time_point started_;
  bool reading_ = false;   // waiting for (the rest of) a request
  bool stopping_ = false;  // the server is draining
  char discard_[4096];
};

}  // namespace

class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& ioc, segs::rest::handler& api, std::size_t max_body,
           const tcp::endpoint& at, access_log& log)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), state_(api, max_body, log) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  void start() { do_accept(); }

  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      // Connections the kernel has completed but we have not accepted yet
      // (every I/O thread was busy) carry requests their clients consider
      // sent: take them before closing, so they are answered, not reset.
      beast::error_code ec;
      self->acceptor_.non_blocking(true, ec);
      while (!ec) {
        tcp::socket socket(net::make_strand(self->ioc_));
        self->acceptor_.accept(socket, ec);
        if (!ec) self->add_session(std::move(socket));
      }
      self->acceptor_.close(ec);
      for (auto& weak : self->sessions_)
        if (auto s = weak.lock()) s->stop();
      self->state_.live.stop();
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }

  // Runs on the acceptor's strand, like stop(): the session list needs no lock.
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping_) return;
      std::cerr << "segs-server: accept: " << ec.message() << std::endl;
    } else {
      add_session(std::move(socket));
    }
    if (!stopping_) do_accept();
  }

  void add_session(tcp::socket&& socket) {
    auto s = std::make_shared<session>(std::move(socket), state_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    sessions_.push_back(s);
    s->run();
    // Accepted while stopping: serve what it has sent, then close.
    if (stopping_) s->stop();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  shared_state state_;
  std::vector<std::weak_ptr<session>> sessions_;
  bool stopping_ = false;
};

http_server::http_server(net::io_context& ioc, segs::rest::handler& api, std::size_t max_body_bytes,
                         const tcp::endpoint& at, access_log& log)
    : listener_(std::make_shared<listener>(ioc, api, max_body_bytes, at, log)) {}

http_server::~http_server() = default;

tcp::endpoint http_server::local_endpoint() const { return listener_->local_endpoint(); }

void http_server::start() { listener_->start(); }

void http_server::stop() { listener_->stop(); }

}  // namespace segs_server
