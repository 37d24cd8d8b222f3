# Consumer tests: install the libsegs just built into a prefix under the build
# tree, then build and run tests/consumer against it, once through
# find_package(segs) and once through pkg-config (segs.pc).
#
#   consumer.install       cmake --install <build> --prefix <build>/consumer-prefix
#                          (a fixture the two tests below require)
#   consumer.find_package  configure + build + run tests/consumer with
#                          CMAKE_PREFIX_PATH=<prefix>, same generator/compiler/flags
#   consumer.pkg_config    compile tests/consumer/main.cpp with
#                          `pkg-config --cflags --libs --static segs` and run it
#
# Included from tests/CMakeLists.txt.
if(NOT SEGS_INSTALL)
  message(STATUS "segs: SEGS_INSTALL is OFF, consumer tests not added")
  return()
endif()

set(segs_consumer_prefix "${PROJECT_BINARY_DIR}/consumer-prefix")
# Lists cannot cross add_test() intact; ';' travels as '|'.
string(REPLACE ";" "|" segs_consumer_prefix_path "${CMAKE_PREFIX_PATH}")
set(segs_consumer_args
  "-DSEGS_SOURCE_DIR=${CMAKE_CURRENT_LIST_DIR}"
  "-DSEGS_BUILD_DIR=${PROJECT_BINARY_DIR}"
  "-DSEGS_PREFIX=${segs_consumer_prefix}"
  "-DSEGS_WORK_DIR=${PROJECT_BINARY_DIR}/consumer-tests"
  "-DSEGS_CONFIG=$<CONFIG>"
  "-DSEGS_GENERATOR=${CMAKE_GENERATOR}"
  "-DSEGS_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}"
  "-DSEGS_CXX_COMPILER=${CMAKE_CXX_COMPILER}"
  "-DSEGS_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
  "-DSEGS_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
  "-DSEGS_WARNING_AS_ERROR=${CMAKE_COMPILE_WARNING_AS_ERROR}"
  "-DSEGS_PREFIX_PATH=${segs_consumer_prefix_path}"
  "-DSEGS_PKG_CONFIG=${PKG_CONFIG_EXECUTABLE}")

foreach(step IN ITEMS install find_package pkg_config)
  add_test(NAME consumer.${step}
    COMMAND "${CMAKE_COMMAND}" ${segs_consumer_args} "-DSEGS_STEP=${step}"
            -P "${CMAKE_CURRENT_LIST_DIR}/run-consumer-test.cmake")
  set_tests_properties(consumer.${step} PROPERTIES LABELS consumer TIMEOUT 600)
endforeach()
set_tests_properties(consumer.install PROPERTIES FIXTURES_SETUP segs_consumer_prefix)
set_tests_properties(consumer.find_package consumer.pkg_config
  PROPERTIES FIXTURES_REQUIRED segs_consumer_prefix)

unset(segs_consumer_prefix)
unset(segs_consumer_prefix_path)
unset(segs_consumer_args)
