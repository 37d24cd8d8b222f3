#include <segs/clock.hpp>

namespace segs {

clock::~clock() = default;

timestamp system_clock::now() const {
  // floor, not round: a timestamp must never lie in the future of the OS clock.
  return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

manual_clock::manual_clock(timestamp start) : micros_(to_micros(start)) {}

timestamp manual_clock::now() const { return from_micros(micros_.load()); }

void manual_clock::advance(std::chrono::microseconds by) noexcept { micros_.fetch_add(by.count()); }

void manual_clock::set(timestamp t) noexcept { micros_.store(to_micros(t)); }

}  // namespace segs
