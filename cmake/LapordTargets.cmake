# Helpers every CMakeLists.txt of the project uses, so that warnings, sanitizers and test
# labels are set in one place.

add_library(lapord_warnings INTERFACE)
target_compile_options(lapord_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough)
if(LAPORD_WERROR)
  target_compile_options(lapord_warnings INTERFACE -Werror)
endif()

if(LAPORD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

if(LAPORD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LAPORD_FUZZ needs clang: configure with CC=clang CXX=clang++")
  endif()
  # Coverage instrumentation for everything; the fuzzer main is linked into fuzz targets only.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# All unit test executables hang off this target, so the sanitizer build can build just them.
add_custom_target(unit_tests)

# lapord_library(NAME SOURCES ... LIBS ...): a static library of lapord's own code.
function(lapord_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_LIBS} PRIVATE lapord_warnings)
endfunction()

# lapord_unit_test(NAME SOURCES ... LIBS ...): a doctest executable, each TEST_CASE a ctest
# test labelled "unit" (pure code, no sockets, no sleeping).
function(lapord_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} doctest::doctest lapord_warnings)
  target_compile_definitions(${name} PRIVATE LAPORD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(unit_tests ${name})
  doctest_discover_tests(${name} PROPERTIES LABELS unit WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

# lapord_system_test(NAME COMMAND ...): a test that starts real binaries on loopback.
function(lapord_system_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "COMMAND" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${ARG_COMMAND} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "LAPORD_BUILD_DIR=${PROJECT_BINARY_DIR};LAPORD_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# lapord_fuzzer(NAME SOURCES ... LIBS ...): a libFuzzer target fuzz_NAME (only with LAPORD_FUZZ).
function(lapord_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT LAPORD_FUZZ)
    return()
  endif()
  add_executable(fuzz_${name} ${ARG_SOURCES})
  target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS} lapord_warnings)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  # scripts/fuzz runs build-fuzz/tests/fuzz_NAME whatever folder declared the target.
  set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
endfunction()
