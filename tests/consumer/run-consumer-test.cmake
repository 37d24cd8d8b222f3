# cmake -P script behind the consumer.* tests (see consumer-test.cmake).
# Inputs (-D): SEGS_STEP (install | find_package | pkg_config), SEGS_SOURCE_DIR
# (tests/consumer), SEGS_BUILD_DIR, SEGS_PREFIX, SEGS_WORK_DIR, SEGS_CONFIG,
# SEGS_GENERATOR, SEGS_MAKE_PROGRAM, SEGS_CXX_COMPILER, SEGS_CXX_FLAGS,
# SEGS_EXE_LINKER_FLAGS, SEGS_WARNING_AS_ERROR, SEGS_PREFIX_PATH ('|'
# separated), SEGS_PKG_CONFIG.
cmake_minimum_required(VERSION 3.25)

function(run)
  message(STATUS "consumer: ${ARGV}")
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: command failed (${rc}): ${ARGV}")
  endif()
endfunction()

# Runs the consumer binary and checks it reports success.
function(run_consumer exe)
  execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "consumer: ${exe} -> ${rc}\n${out}${err}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "consumer ok")
    message(FATAL_ERROR "consumer: ${exe} failed (exit ${rc})")
  endif()
endfunction()

set(config_args "")
if(SEGS_CONFIG)
  set(config_args --config "${SEGS_CONFIG}")
endif()

if(SEGS_STEP STREQUAL "install")
  # A fresh prefix, so a header removed from the project cannot linger here.
  file(REMOVE_RECURSE "${SEGS_PREFIX}")
  run("${CMAKE_COMMAND}" --install "${SEGS_BUILD_DIR}" --prefix "${SEGS_PREFIX}" ${config_args})
  foreach(expected IN ITEMS include/segs/export.hpp include/segs/types.hpp include/segs/error.hpp)
    if(NOT EXISTS "${SEGS_PREFIX}/${expected}")
      message(FATAL_ERROR "consumer: ${expected} was not installed")
    endif()
  endforeach()
  file(GLOB_RECURSE config_files "${SEGS_PREFIX}/segsConfig.cmake")
  file(GLOB_RECURSE pc_files "${SEGS_PREFIX}/segs.pc")
  if(NOT config_files OR NOT pc_files)
    message(FATAL_ERROR "consumer: segsConfig.cmake or segs.pc was not installed")
  endif()

elseif(SEGS_STEP STREQUAL "find_package")
  set(build "${SEGS_WORK_DIR}/find_package")
  file(REMOVE_RECURSE "${build}")
  string(REPLACE "|" ";" prefix_path "${SEGS_PREFIX_PATH}")
  list(PREPEND prefix_path "${SEGS_PREFIX}")
  string(REPLACE ";" "\\;" prefix_path "${prefix_path}")
  set(configure_args
    -S "${SEGS_SOURCE_DIR}" -B "${build}" -G "${SEGS_GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix_path}"
    "-DCMAKE_CXX_COMPILER=${SEGS_CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${SEGS_CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${SEGS_EXE_LINKER_FLAGS}"
    # Only the installed package may satisfy find_package(segs), never the
    # user package registry or a system-wide copy.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  if(SEGS_MAKE_PROGRAM)
    list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${SEGS_MAKE_PROGRAM}")
  endif()
  if(SEGS_CONFIG)
    list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${SEGS_CONFIG}")
  endif()
  if(SEGS_WARNING_AS_ERROR)
    list(APPEND configure_args "-DCMAKE_COMPILE_WARNING_AS_ERROR=${SEGS_WARNING_AS_ERROR}")
  endif()
  run("${CMAKE_COMMAND}" ${configure_args})
  # The package must come from the prefix we just installed.
  file(STRINGS "${build}/CMakeCache.txt" segs_dir_line REGEX "^segs_DIR:")
  string(FIND "${segs_dir_line}" "${SEGS_PREFIX}/" at)
  if(NOT at GREATER -1)
    message(FATAL_ERROR "consumer: found segs outside ${SEGS_PREFIX}: ${segs_dir_line}")
  endif()
  run("${CMAKE_COMMAND}" --build "${build}" ${config_args})
  file(GLOB_RECURSE exe LIST_DIRECTORIES false "${build}/segs_consumer" "${build}/segs_consumer.exe")
  if(NOT exe)
    message(FATAL_ERROR "consumer: segs_consumer was not built")
  endif()
  list(GET exe 0 exe)
  run_consumer("${exe}")

elseif(SEGS_STEP STREQUAL "pkg_config")
  if(NOT SEGS_PKG_CONFIG)
    find_program(SEGS_PKG_CONFIG NAMES pkgconf pkg-config)
  endif()
  if(NOT SEGS_PKG_CONFIG)
    message(FATAL_ERROR "consumer: pkg-config not found")
  endif()
  file(GLOB_RECURSE pc_file "${SEGS_PREFIX}/segs.pc")
  list(GET pc_file 0 pc_file)
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}:$ENV{PKG_CONFIG_PATH}")
  else()
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  endif()
  function(pkg_config out)
    execute_process(COMMAND "${SEGS_PKG_CONFIG}" ${ARGN}
      RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "consumer: pkg-config ${ARGN} failed: ${err}")
    endif()
    set(${out} "${text}" PARENT_SCOPE)
  endfunction()
  pkg_config(ignored --exists --print-errors segs)
  pkg_config(pc_flags --cflags --libs segs)
  # A static libsegs links its dependencies' shared libraries. That is not
  # `pkg-config --static`, which asks for a fully static link and, on Debian
  # and Ubuntu, names static-only libraries libpq.pc lists but libpq-dev does
  # not ship (-lpgcommon -lpgport): so use one level of the private
  # dependencies, as a build system linking a static segs would.
  if(pc_flags MATCHES "-DSEGS_STATIC_DEFINE")
    file(STRINGS "${pc_file}" libs_private REGEX "^Libs\\.private:")
    string(REGEX REPLACE "^Libs\\.private:[ ]*" "" libs_private "${libs_private}")
    pkg_config(requires_private --print-requires-private segs)
    string(REGEX REPLACE "\n" ";" requires_private "${requires_private}")
    set(modules "")
    foreach(line IN LISTS requires_private)
      string(REGEX MATCH "^[^ <>=]+" module "${line}")
      list(APPEND modules "${module}")
    endforeach()
    pkg_config(deps_flags --libs ${modules})
    string(APPEND pc_flags " ${libs_private} ${deps_flags}")
  endif()
  execute_process(COMMAND "${SEGS_PKG_CONFIG}" --variable=libdir segs
    OUTPUT_VARIABLE libdir OUTPUT_STRIP_TRAILING_WHITESPACE)
  message(STATUS "consumer: pkg-config flags: ${pc_flags}")
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  separate_arguments(cxx_flags UNIX_COMMAND "${SEGS_CXX_FLAGS}")
  separate_arguments(ld_flags UNIX_COMMAND "${SEGS_EXE_LINKER_FLAGS}")
  set(build "${SEGS_WORK_DIR}/pkg_config")
  file(REMOVE_RECURSE "${build}")
  file(MAKE_DIRECTORY "${build}")
  # rpath: a shared libsegs must be found at run time without LD_LIBRARY_PATH.
  run("${SEGS_CXX_COMPILER}" ${cxx_flags} -std=c++20 "${SEGS_SOURCE_DIR}/main.cpp"
      -o "${build}/segs_consumer" ${pc_flags} "-Wl,-rpath,${libdir}" ${ld_flags})
  run_consumer("${build}/segs_consumer")

else()
  message(FATAL_ERROR "consumer: unknown SEGS_STEP '${SEGS_STEP}'")
endif()
