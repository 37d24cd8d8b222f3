// segs-server's access log (examples/server/access_log.hpp) against a pipe:
// lines are complete and escaped, a stop writes everything recorded before
// it, and a sink that does not read makes lines drop and be counted rather
// than stall the caller.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "access_log.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using segs_server::access_log;

namespace {

// A pipe whose read end a thread drains into a string once started.
struct pipe_sink {
  int fds[2] = {-1, -1};
  std::string received;
  std::thread reader;

  pipe_sink() { REQUIRE(::pipe(fds) == 0); }
  ~pipe_sink() {
    if (fds[1] >= 0) ::close(fds[1]);
    if (reader.joinable()) reader.join();
    ::close(fds[0]);
  }
  void start_reading() {
    reader = std::thread([this] {
      char buf[65536];
      for (;;) {
        const auto n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) return;
        received.append(buf, static_cast<std::size_t>(n));
      }
    });
  }
  // Closes the write end and waits for everything written before.
  std::string finish() {
    ::close(fds[1]);
    fds[1] = -1;
    if (reader.joinable()) reader.join();
    return received;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("each record becomes one complete, escaped JSON line") {
  pipe_sink sink;
  sink.start_reading();
  {
    access_log log({.fd = sink.fds[1]});
    log.record("GET", "/health", 200, 1234us, "req-1", "127.0.0.1");
    log.record("PO\"ST", "unmatched", 404, 2ms, "a\\b\n", "::1");
    log.stop();
  }
  const auto lines = lines_of(sink.finish());
  REQUIRE(lines.size() == 2);
  CHECK(std::regex_match(
      lines[0], std::regex(R"(\{"time":"[0-9T:.Z-]+","method":"GET","route":"/health",)"
                           R"("status":200,"duration_ms":1\.234,"request_id":"req-1","peer":"127\.0\.0\.1"\})")));
  CHECK(lines[1].find(R"("method":"PO\"ST")") != std::string::npos);
  CHECK(lines[1].find(R"("request_id":"a\\b\u000a")") != std::string::npos);
  CHECK(lines[1].find(R"("duration_ms":2.000)") != std::string::npos);
}

TEST_CASE("stop writes every line recorded before it, from many threads") {
  pipe_sink sink;
  sink.start_reading();
  constexpr int threads = 4, each = 5000;
  {
    access_log log({.fd = sink.fds[1], .batch_delay = 50ms});
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&log, t] {
        for (int i = 0; i < each; ++i)
          log.record("GET", "/api/v1/user/profile", 200, 10us, "t" + std::to_string(t), "127.0.0.1");
      });
    for (auto& th : pool) th.join();
    log.stop();
    CHECK(log.dropped() == 0);
  }
  const auto lines = lines_of(sink.finish());
  CHECK(lines.size() == threads * each);
  for (const auto& l : lines) REQUIRE((l.front() == '{' && l.back() == '}'));
}

TEST_CASE("a sink that does not read makes lines drop and be counted, never the caller wait") {
  pipe_sink sink;  // nobody reads yet: the pipe's buffer fills, then write blocks
  ::fcntl(sink.fds[1], F_SETPIPE_SZ, 4096);
  constexpr int total = 20'000;
  std::uint64_t dropped = 0;
  {
    access_log log({.fd = sink.fds[1], .batch_bytes = 4096, .batch_delay = 1ms,
                    .max_pending_bytes = 16 * 1024});
    std::atomic<bool> done{false};
    std::thread caller([&] {
      for (int i = 0; i < total; ++i) log.record("GET", "/health", 200, 5us, "r", "127.0.0.1");
      done = true;
    });
    // The caller finishes although the sink is stuck.
    for (int i = 0; i < 1000 && !done; ++i) std::this_thread::sleep_for(10ms);
    CHECK(done.load());
    caller.join();
    dropped = log.dropped();
    CHECK(dropped > 0);
    sink.start_reading();  // the sink recovers: what waited, and the count, go out
    log.stop();
  }
  const auto lines = lines_of(sink.finish());
  std::uint64_t written = 0, reported = 0;
  for (const auto& l : lines) {
    if (l.starts_with("{\"dropped_lines\":")) reported += std::stoull(l.substr(17));
    else ++written;
  }
  CHECK(reported == dropped);
  CHECK(written + dropped == total);
}
