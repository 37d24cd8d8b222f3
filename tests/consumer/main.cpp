// Compiled against an installed libsegs (headers, library, segsConfig.cmake
// or segs.pc): proves the public headers are self-contained and the link line
// brings in everything a grid needs (SQLite, migrations, crypto).
#include <segs/segs.hpp>

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

  auto grid = segs::grid::open("sqlite::memory:");
  if (!grid) {
    std::fprintf(stderr, "consumer: grid::open failed: %s\n", grid.error().message.c_str());
    return 1;
  }
  if ((*grid)->backend_name() != "sqlite" || (*grid)->schema_version() < 1) {
    std::fprintf(stderr, "consumer: unexpected grid (backend %.*s, schema v%d)\n",
                 static_cast<int>((*grid)->backend_name().size()), (*grid)->backend_name().data(),
                 (*grid)->schema_version());
    return 1;
  }

  std::printf("consumer ok (libsegs %s, schema v%d)\n", segs::version_string,
              (*grid)->schema_version());
  return 0;
}
