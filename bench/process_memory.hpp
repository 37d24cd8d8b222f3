// Bench helpers: this process's resident set and its peak (Linux /proc).
#pragma once

#include <fstream>
#include <string>

namespace segs_bench {

struct memory {
  long rss_kib = 0;
  long hwm_kib = 0;
};

inline memory read_memory() {
  memory m;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = std::stol(line.substr(6));
  }
  return m;
}

// Resets VmHWM to the current RSS (Linux 4.0+); harmless where refused.
inline void reset_peak_memory() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

inline double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

}  // namespace segs_bench
