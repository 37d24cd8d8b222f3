#include "access_log.hpp"

#include <segs/types.hpp>

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace segs_server {

namespace {

// Appends `v` as a JSON string (RFC 8259 escaping; bytes >= 0x80 pass
// through, as the values are UTF-8 or ASCII).
void append_json_string(std::string& out, std::string_view v) {
  out += '"';
  for (const char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace

access_log::access_log(options o) : opts_(o) {
  pending_.reserve(opts_.batch_bytes * 2);
  writer_ = std::thread([this] { run(); });
}

access_log::~access_log() { stop(); }

void access_log::record(std::string_view method, std::string_view route, int status,
                        std::chrono::steady_clock::duration took, std::string_view request_id,
                        std::string_view peer) {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  char numbers[64];
  std::snprintf(numbers, sizeof numbers, ",\"status\":%d,\"duration_ms\":%lld.%03lld", status,
                static_cast<long long>(us / 1000), static_cast<long long>(us % 1000));
  std::string line;
  line.reserve(192);
  line += "{\"time\":";
  append_json_string(line, segs::to_rfc3339(now));
  line += ",\"method\":";
  append_json_string(line, method);
  line += ",\"route\":";
  append_json_string(line, route);
  line += numbers;
  line += ",\"request_id\":";
  append_json_string(line, request_id);
  line += ",\"peer\":";
  append_json_string(line, peer);
  line += "}\n";

  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || pending_.size() + line.size() > opts_.max_pending_bytes) {
      ++dropped_;
      ++unreported_;
      return;
    }
    // The writer waits for the first line, then for a full batch.
    wake = pending_.empty() ||
           (pending_.size() < opts_.batch_bytes && pending_.size() + line.size() >= opts_.batch_bytes);
    pending_ += line;
  }
  if (wake) wake_.notify_one();
}

void access_log::run() {
  std::string batch;
  batch.reserve(opts_.batch_bytes * 2);
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty() || unreported_ > 0; });
    if (!stopping_)
      wake_.wait_for(lock, opts_.batch_delay,
                     [&] { return stopping_ || pending_.size() >= opts_.batch_bytes; });
    if (pending_.empty() && unreported_ == 0 && stopping_) return;
    batch.swap(pending_);
    const auto lost = unreported_;
    unreported_ = 0;
    lock.unlock();
    if (lost > 0) batch += "{\"dropped_lines\":" + std::to_string(lost) + "}\n";
    write_all(batch);
    batch.clear();
    lock.lock();
  }
}

void access_log::write_all(const std::string& bytes) {
  if (write_failed_) return;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(opts_.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_failed_ = true;  // a closed pipe: nobody reads the log any more
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

void access_log::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

std::uint64_t access_log::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace segs_server
