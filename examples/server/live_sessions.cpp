#include "live_sessions.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

namespace segs_server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

constexpr auto write_deadline = std::chrono::seconds(30);
constexpr std::size_t max_client_message = 64 * 1024;
constexpr std::uint16_t going_away = 1001;

// A close frame's reason holds at most 123 bytes.
std::string close_reason_text(std::string reason) {
  if (reason.size() > 123) reason.resize(123);
  return reason;
}

}  // namespace

class live_session : public std::enable_shared_from_this<live_session> {
 public:
  live_session(beast::tcp_stream&& stream, segs::rest::handler& api)
      : ws_(std::move(stream)),
        check_timer_(ws_.get_executor()),
        write_timer_(ws_.get_executor()),
        api_(api) {}

  // On the connection's strand (the HTTP session's, which hands over).
  void open(http::request<http::string_body>&& req, const segs::rest::request& in,
            const live_sessions::access_log& log) {
    std::weak_ptr<live_session> weak = weak_from_this();
    auto opened = api_.open_live(in, [weak, ex = ws_.get_executor()] {
      // From any thread: only schedule a pump on the session's strand.
      net::post(ex, [weak] {
        if (auto self = weak.lock()) self->pump();
      });
    });
    if (!opened.connection) return refuse(std::move(req), std::move(opened.refusal), log);
    live_ = std::move(opened.connection);
    log(101, "/api/v1/ws", "");

    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts apply
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = std::chrono::seconds(60);
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "segs-server"); }));
    ws_.read_message_max(max_client_message);
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish();
      self->accepted_ = true;
      self->do_read();
      self->arm_check(self->live_->authenticated() ? self->api_.settings().live.recheck
                                                   : self->api_.settings().live.auth_timeout);
      self->pump();
    });
  }

  // From any thread.
  void stop() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      self->pump();
    });
  }

 private:
  void refuse(http::request<http::string_body>&& req, segs::rest::response out,
              const live_sessions::access_log& log) {
    log(out.status, out.route, out.request_id);
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->result(static_cast<unsigned>(out.status));
    for (auto& h : out.headers) res->insert(h.name, h.value);
    res->body() = std::move(out.body);
    res->keep_alive(false);
    res->prepare_payload();
    auto& stream = ws_.next_layer();
    stream.expires_after(std::chrono::seconds(30));
    http::async_write(stream, *res, [self = shared_from_this(), res](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->ws_.next_layer().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      self->ws_.next_layer().close();
    });
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish();  // closed by the peer, timed out, or reset
      if (self->ws_.got_text()) {
        self->live_->receive(beast::buffers_to_string(self->buffer_.data()));
      } else {
        self->live_->receive("(binary)");  // answered as a malformed message
      }
      self->buffer_.consume(self->buffer_.size());
      self->pump();
      self->do_read();
    });
  }

  void arm_check(std::chrono::milliseconds after) {
    check_timer_.expires_after(after);
    check_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->done_) return;
      self->live_->check();
      self->pump();
      self->arm_check(self->api_.settings().live.recheck);
    });
  }

  // Writes the next message when none is being written.
  void pump() {
    if (!accepted_ || writing_ || closing_ || done_) return;
    if (stopping_) return close_with(going_away, "the server is stopping");
    auto next = live_->next();
    if (!next) return;
    if (next->close_code) return close_with(static_cast<std::uint16_t>(*next->close_code), next->text);
    writing_ = true;
    out_ = std::move(next->text);
    ws_.text(true);
    write_timer_.expires_after(write_deadline);
    write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      // The client stopped reading and its buffers are full: drop it.
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->write_timer_.cancel();
      self->out_.clear();
      if (ec) return self->finish();
      self->pump();
    });
  }

  void close_with(std::uint16_t code, std::string reason) {
    closing_ = true;
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code),
                                            close_reason_text(std::move(reason))),
                    [self = shared_from_this()](beast::error_code) { self->finish(); });
  }

  void finish() {
    if (done_) return;
    done_ = true;
    check_timer_.cancel();
    write_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer check_timer_;
  net::steady_timer write_timer_;
  segs::rest::handler& api_;
  std::unique_ptr<segs::rest::live_connection> live_;
  beast::flat_buffer buffer_;
  std::string out_;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool stopping_ = false;
  bool done_ = false;
};

live_sessions::live_sessions(segs::rest::handler& api) : api_(api) {}

void live_sessions::start(beast::tcp_stream&& stream, http::request<http::string_body>&& req,
                          const segs::rest::request& in, const access_log& log) {
  auto s = std::make_shared<live_session>(std::move(stream), api_);
  {
    std::lock_guard lock(mu_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    sessions_.push_back(s);
  }
  s->open(std::move(req), in, log);
  std::lock_guard lock(mu_);
  if (stopping_) s->stop();
}

void live_sessions::stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  for (auto& weak : sessions_)
    if (auto s = weak.lock()) s->stop();
}

}  // namespace segs_server
