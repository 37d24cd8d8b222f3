// segs-server's access log: one JSON line per answered request, written to
// a file descriptor (stdout) by a thread of its own, so that no request
// waits on the sink (issue 17: a write and a flush per request were most of
// what GET /health cost beyond the bare server).
//
// - `record` formats the line and appends it to a pending buffer under a
//   mutex: no system call on the request's path.
// - The writer thread takes the whole pending buffer and writes it with as
//   few write(2) calls as it takes. It waits for the first line, then up to
//   `batch_delay` for more, unless the buffer passes `batch_bytes` first;
//   lines therefore reach the sink within about `batch_delay`.
// - A slow or blocked sink does not stall requests: once `max_pending_bytes`
//   wait, further lines are dropped and counted. When the sink catches up,
//   the count is written as a line of its own ({"dropped_lines":N}) and
//   kept in `dropped()`.
// - `stop` (and the destructor) writes everything recorded before it and
//   joins the writer: segs-server calls it after the last request of a
//   graceful shutdown (SIGTERM).
//
// A line holds the time, method, route pattern, status, duration, request
// id and peer: never the target (its query string may hold secrets),
// headers or bodies.
//
// Thread-safety: `record` from any thread; `stop` once, from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace segs_server {

class access_log {
 public:
  struct options {
    int fd = 1;
    std::size_t batch_bytes = 64 * 1024;
    std::chrono::milliseconds batch_delay{100};
    std::size_t max_pending_bytes = 4 * 1024 * 1024;
  };

  explicit access_log(options o);
  access_log() : access_log(options{}) {}
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  /// Appends one line (or counts it as dropped).
  void record(std::string_view method, std::string_view route, int status,
              std::chrono::steady_clock::duration took, std::string_view request_id,
              std::string_view peer);

  /// Writes everything recorded so far and stops the writer; later lines are
  /// dropped. Idempotent.
  void stop();

  /// Lines dropped because the sink was too slow, since the start.
  [[nodiscard]] std::uint64_t dropped() const;

 private:
  void run();
  void write_all(const std::string& bytes);

  const options opts_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;           // guarded by mu_
  std::uint64_t dropped_ = 0;     // guarded by mu_
  std::uint64_t unreported_ = 0;  // dropped lines not yet written as a line
  bool stopping_ = false;         // guarded by mu_
  bool write_failed_ = false;     // the sink is gone (EPIPE...): stop trying
  std::thread writer_;
};

}  // namespace segs_server
