// Compiled against an installed libsegs (headers, library, segsConfig.cmake
// or segs.pc); proves the public headers and the link line are self-contained.
#include <segs/error.hpp>
#include <segs/types.hpp>

#include <cstdio>

int main() {
  const auto price = segs::money::parse("0.245");
  if (!price) {
    std::fprintf(stderr, "consumer: money::parse failed: %s\n", price.error().message.c_str());
    return 1;
  }
  if (price->micros != 245000) {
    std::fprintf(stderr, "consumer: expected 245000 micros, got %lld\n",
                 static_cast<long long>(price->micros));
    return 1;
  }
  std::puts("consumer ok");
  return 0;
}
