# FindHaru: libharu (libhpdf), the PDF writer behind billing's invoices.
#
# Debian and Ubuntu (libhpdf-dev) ship the header and the library but no
# pkg-config or CMake package file, so both are found by name. Set
# Haru_ROOT (or CMAKE_PREFIX_PATH) for a libharu installed elsewhere.
#
# Defines
#   Haru_FOUND, Haru_VERSION (from hpdf_version.h), Haru_INCLUDE_DIR,
#   Haru_LIBRARY
#   Haru::Haru   the imported library
#
# Also installed next to segsConfig.cmake: a static libsegs links libhpdf
# into its consumers, and segsConfig.cmake finds it again with this file.
find_path(Haru_INCLUDE_DIR NAMES hpdf.h)
find_library(Haru_LIBRARY NAMES hpdf libhpdf hpdfs)
mark_as_advanced(Haru_INCLUDE_DIR Haru_LIBRARY)

unset(Haru_VERSION)
if(Haru_INCLUDE_DIR AND EXISTS "${Haru_INCLUDE_DIR}/hpdf_version.h")
  file(STRINGS "${Haru_INCLUDE_DIR}/hpdf_version.h" _haru_version_line
    REGEX "^#define[ \t]+HPDF_VERSION_TEXT[ \t]+\"[^\"]*\"")
  if(_haru_version_line MATCHES "\"([0-9][^\"]*)\"")
    set(Haru_VERSION "${CMAKE_MATCH_1}")
  endif()
  unset(_haru_version_line)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Haru
  REQUIRED_VARS Haru_LIBRARY Haru_INCLUDE_DIR
  VERSION_VAR Haru_VERSION)

if(Haru_FOUND AND NOT TARGET Haru::Haru)
  add_library(Haru::Haru UNKNOWN IMPORTED)
  set_target_properties(Haru::Haru PROPERTIES
    IMPORTED_LOCATION "${Haru_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Haru_INCLUDE_DIR}")
  # A static libharu needs what it was built with (libpng, zlib); a shared
  # one carries them itself.
  if(Haru_LIBRARY MATCHES "${CMAKE_STATIC_LIBRARY_SUFFIX}$")
    find_package(PNG QUIET)
    find_package(ZLIB QUIET)
    foreach(_haru_dep IN ITEMS PNG::PNG ZLIB::ZLIB)
      if(TARGET ${_haru_dep})
        set_property(TARGET Haru::Haru APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${_haru_dep})
      endif()
    endforeach()
    unset(_haru_dep)
  endif()
endif()
