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
