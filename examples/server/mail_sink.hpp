// segs-server — where outgoing mail goes (SEGS_MAIL_SINK).
//
//   log        one line per message on stderr: recipient, purpose, subject.
//              The one-time code is NOT printed: logs end up in places
//              secrets must not (CI output, log shippers).
//   file:PATH  appends one JSON object per message (to, purpose, code,
//              subject, created_at, id) so scripts and tests can finish a
//              verification or a password reset.
//
// Thread-safety: `deliver` may be called from several threads at once (the
// outbox calls it on whichever request thread produced the message).
#pragma once

#include <segs/outbox.hpp>

#include <fstream>
#include <mutex>
#include <string>

namespace segs_server {

class mail_sink {
 public:
  /// `spec` is "log" or "file:PATH". Throws config_error when the file
  /// cannot be opened for appending.
  explicit mail_sink(const std::string& spec);

  /// Hands one message over. Never throws (the outbox listener must not).
  void deliver(const segs::outbox_message& msg) noexcept;

 private:
  std::mutex mutex_;
  std::ofstream file_;  // closed for the log sink
  std::string path_;
};

}  // namespace segs_server
