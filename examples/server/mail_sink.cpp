#include "mail_sink.hpp"

#include "config.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace segs_server {

mail_sink::mail_sink(const std::string& spec) {
  if (spec == "log") return;
  path_ = spec.substr(5);  // after "file:"
  file_.open(path_, std::ios::app);
  if (!file_) throw config_error("SEGS_MAIL_SINK (--mail-sink): cannot append to " + path_);
}

void mail_sink::deliver(const segs::outbox_message& msg) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (!file_.is_open()) {
      std::cerr << "mail: to=" << msg.to << " purpose=" << msg.purpose << " subject=\""
                << msg.subject << "\" (code withheld; run with SEGS_MAIL_SINK=file:PATH to get it)"
                << std::endl;
      return;
    }
    boost::json::object line{{"id", msg.id.to_string()},
                             {"to", msg.to},
                             {"purpose", msg.purpose},
                             {"subject", msg.subject},
                             {"code", msg.code},
                             {"created_at", segs::to_rfc3339(msg.created_at)}};
    file_ << boost::json::serialize(line) << '\n' << std::flush;
    if (!file_) std::cerr << "segs-server: cannot write mail to " << path_ << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "segs-server: mail delivery failed: " << e.what() << std::endl;
  }
}

}  // namespace segs_server
