// libsegs — version of the library.
#pragma once

#define SEGS_VERSION_MAJOR 0
#define SEGS_VERSION_MINOR 1
#define SEGS_VERSION_PATCH 0

namespace segs {
/// "MAJOR.MINOR.PATCH" of the library the program was compiled against.
inline constexpr const char* version_string = "0.1.0";
}  // namespace segs
