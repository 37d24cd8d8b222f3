# Finds what libsegs links. The same list is re-found by segsConfig.cmake for
# consumers of a static build (see cmake/segsConfig.cmake.in).
include(GNUInstallDirs)
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET GLOBAL libsodium>=1.0.18)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET GLOBAL libpq>=12)
find_package(Threads REQUIRED)
# IANA time zones (Howard Hinnant's date/tz over the system tz database).
find_package(date REQUIRED)
# PDF invoices (SEGS_WITH_PDF): libharu, found by cmake/FindHaru.cmake.
if(SEGS_WITH_PDF)
  find_package(Haru)
  if(NOT Haru_FOUND)
    message(FATAL_ERROR
      "segs: SEGS_WITH_PDF is ON but libharu (hpdf.h, libhpdf) was not found. "
      "Install libhpdf-dev (Debian/Ubuntu: scripts/install-deps.sh), set Haru_ROOT "
      "to where it is installed, or configure with -DSEGS_WITH_PDF=OFF to build "
      "without PDF invoices.")
  endif()
endif()
