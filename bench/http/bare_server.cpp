// The baseline of bench/http/load.sh: a bare asynchronous Boost.Beast HTTP
// server that answers every request with one fixed JSON body, the way
// Beast's example/http/server/async does. No routing, no library, no log:
// what any host built on Asio and Beast pays for HTTP/1.1 keep-alive on this
// machine, so segs-server's figures can be stated as a ratio to it.
//
//   segs-bench-bare-http [address] [port] [threads]   # 127.0.0.1 0 1
//
// Prints "bare server listening on http://ADDRESS:PORT" once it accepts.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// About the size of segs-server's GET /health answer.
constexpr std::string_view body =
    R"({"success":true,"message":"service is healthy","data":{"status":"healthy"},)"
    R"("timestamp":"2026-01-01T00:00:00.000000Z"})";

class session : public std::enable_shared_from_this<session> {
 public:
  explicit session(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return do_close();
    res_ = {http::status::ok, req_.version()};
    res_.set(http::field::content_type, "application/json; charset=utf-8");
    res_.keep_alive(req_.keep_alive());
    res_.body() = body;
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!res_.keep_alive()) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& ioc, const tcp::endpoint& at)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<session>(std::move(socket))->run();
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto address = net::ip::make_address(argc > 1 ? argv[1] : "127.0.0.1");
    const auto port = static_cast<unsigned short>(std::atoi(argc > 2 ? argv[2] : "0"));
    const int threads = std::max(1, std::atoi(argc > 3 ? argv[3] : "1"));

    net::io_context ioc{threads};
    auto l = std::make_shared<listener>(ioc, tcp::endpoint{address, port});
    l->do_accept();
    const auto at = l->local_endpoint();
    std::cout << "bare server listening on http://" << at.address().to_string() << ':'
              << at.port() << std::endl;

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });

    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "segs-bench-bare-http: " << e.what() << '\n';
    return 1;
  }
}
