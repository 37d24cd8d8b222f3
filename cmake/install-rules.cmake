# Install rules: headers, the library, a CMake package (find_package(segs))
# and a pkg-config file. Included from the root CMakeLists.txt when
# SEGS_INSTALL is ON (the default for a top-level build).
#
# Components:
#   segs_Runtime      the shared library (nothing for a static build)
#   segs_Development  headers, the static/import library, CMake and pkg-config
#                     files
# e.g. `cmake --install build --component segs_Runtime` for a runtime-only
# package.
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(SEGS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/segs"
  CACHE STRING "Where segsConfig.cmake is installed, relative to the prefix")
set(SEGS_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
  CACHE STRING "Where segs.pc is installed, relative to the prefix")
mark_as_advanced(SEGS_INSTALL_CMAKEDIR SEGS_INSTALL_PKGCONFIGDIR)

# Public headers only: include/segs holds the public API and nothing else.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/segs"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT segs_Development
  FILES_MATCHING PATTERN "*.hpp")
install(FILES "${PROJECT_BINARY_DIR}/export/segs/export.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/segs"
  COMPONENT segs_Development)

install(TARGETS segs
  EXPORT segsTargets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT segs_Runtime
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT segs_Runtime
          NAMELINK_COMPONENT segs_Development
  # The include directory comes from the target's $<INSTALL_INTERFACE:...>.
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT segs_Development)

install(EXPORT segsTargets
  NAMESPACE segs::
  FILE segsTargets.cmake
  DESTINATION "${SEGS_INSTALL_CMAKEDIR}"
  COMPONENT segs_Development)

# A static libsegs carries its private dependencies as $<LINK_ONLY:...> in
# the exported target, so segsConfig.cmake must find them again; a shared one
# does not (no Boost, SQLite, libpq or libsodium type appears in a public
# header).
get_target_property(segs_target_type segs TYPE)
if(segs_target_type STREQUAL "STATIC_LIBRARY")
  set(SEGS_CONFIG_STATIC ON)
  set(SEGS_PC_CFLAGS_EXTRA " -DSEGS_STATIC_DEFINE")
else()
  set(SEGS_CONFIG_STATIC OFF)
  set(SEGS_PC_CFLAGS_EXTRA "")
endif()
# libharu (SEGS_WITH_PDF) has no pkg-config file on Debian, so segs.pc names
# it in Libs.private, and segsConfig.cmake finds it with the FindHaru.cmake
# installed beside it.
if(SEGS_WITH_PDF)
  set(SEGS_CONFIG_WITH_PDF ON)
  set(SEGS_PC_LIBS_PRIVATE_EXTRA " -lhpdf")
else()
  set(SEGS_CONFIG_WITH_PDF OFF)
  set(SEGS_PC_LIBS_PRIVATE_EXTRA "")
endif()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/segsConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/segsConfig.cmake"
  INSTALL_DESTINATION "${SEGS_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/segsConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES
    "${PROJECT_BINARY_DIR}/segsConfig.cmake"
    "${PROJECT_BINARY_DIR}/segsConfigVersion.cmake"
  DESTINATION "${SEGS_INSTALL_CMAKEDIR}"
  COMPONENT segs_Development)
if(SEGS_CONFIG_STATIC AND SEGS_CONFIG_WITH_PDF)
  install(FILES "${PROJECT_SOURCE_DIR}/cmake/FindHaru.cmake"
    DESTINATION "${SEGS_INSTALL_CMAKEDIR}"
    COMPONENT segs_Development)
endif()

# segs.pc locates the prefix from its own directory (${pcfiledir}), so the
# installed tree stays correct after `cmake --install --prefix <elsewhere>`
# or being moved. Absolute GNUInstallDirs paths are used as they are.
function(segs_pc_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${SEGS_INSTALL_PKGCONFIGDIR}")
  set(SEGS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH segs_pc_up "/segs-prefix/${SEGS_INSTALL_PKGCONFIGDIR}" "/segs-prefix")
  string(REGEX REPLACE "/$" "" segs_pc_up "${segs_pc_up}")
  set(SEGS_PC_PREFIX "\${pcfiledir}/${segs_pc_up}")
endif()
segs_pc_dir(SEGS_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
segs_pc_dir(SEGS_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/segs.pc.in"
  "${PROJECT_BINARY_DIR}/segs.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/segs.pc"
  DESTINATION "${SEGS_INSTALL_PKGCONFIGDIR}"
  COMPONENT segs_Development)
