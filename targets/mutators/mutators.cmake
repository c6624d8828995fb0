# Structure-aware mutators (targets/mutators/<name>_mutator.cpp), included by targets/CMakeLists.txt.
#
# For every target T of WEBSEC_MUTATED_TARGETS (T = <name>_fuzzer):
#   T_sa                       the twin: T's own source plus its mutator (LLVMFuzzerCustomMutator and
#                              LLVMFuzzerCustomCrossOver), in every build and in fuzz_targets.txt; it shares T's corpus,
#                              dictionary and options (scripts/lib/fuzzing.py base_target), so the two can be compared
#                              from the same seeds. Engines without custom mutators (AFL++'s driver, the replay
#                              driver) run it as T.
#   lib<T>_mutator.so          (afl preset, target websec_afl_mutators) the same mutator as an AFL++ custom mutator
#                              library (afl_custom_init / afl_custom_fuzz / afl_custom_deinit), for
#                              AFL_CUSTOM_MUTATOR_LIBRARY; written to build/<preset>/mutators/.
# The mutator objects are compiled without the engine's coverage instrumentation: their compares would otherwise
# land in the tables the engine mutates from.
set(WEBSEC_MUTATED_TARGETS multipart_fuzzer csp_fuzzer cookie_header_fuzzer set_cookie_fuzzer http_request_fuzzer
    session_fuzzer signer_fuzzer csrf_fuzzer)
set(WEBSEC_MUTATOR_DIR ${CMAKE_CURRENT_LIST_DIR})
set(WEBSEC_AFL_MUTATOR_LIBS OFF CACHE BOOL "Build only the AFL++ custom mutator libraries (set by the afl preset's nested build)")
set(WEBSEC_AFL_MUTATOR_OUTPUT_DIR "${CMAKE_BINARY_DIR}/mutators" CACHE PATH "Where the AFL++ custom mutator libraries go")

function(websec_mutator_name T OUT)
  string(REGEX REPLACE "_fuzzer$" "" m ${T})
  set(${OUT} ${WEBSEC_MUTATOR_DIR}/${m}_mutator.cpp PARENT_SCOPE)
endfunction()

if(WEBSEC_AFL_MUTATOR_LIBS)
  # the nested build of the afl preset: plain clang, no instrumentation, position-independent code
  add_custom_target(websec_afl_mutator_libs)
  foreach(T ${WEBSEC_MUTATED_TARGETS})
    websec_mutator_name(${T} src)
    add_library(${T}_mutator MODULE ${src})
    set_target_properties(${T}_mutator PROPERTIES PREFIX "lib" LIBRARY_OUTPUT_DIRECTORY ${WEBSEC_AFL_MUTATOR_OUTPUT_DIR})
    target_compile_definitions(${T}_mutator PRIVATE WEBSEC_AFL_CUSTOM_MUTATOR)
    target_include_directories(${T}_mutator PRIVATE ${WEBSEC_MUTATOR_DIR}/..)
    target_link_libraries(${T}_mutator PRIVATE websec)
    add_dependencies(websec_afl_mutator_libs ${T}_mutator)
  endforeach()
  return()
endif()

foreach(T ${WEBSEC_MUTATED_TARGETS})
  websec_mutator_name(${T} src)
  add_library(${T}_mutator_obj OBJECT ${src})
  target_include_directories(${T}_mutator_obj PRIVATE ${WEBSEC_MUTATOR_DIR}/..)
  target_link_libraries(${T}_mutator_obj PRIVATE websec)
  set(libs ${T}_mutator_obj)
  if(T STREQUAL "http_request_fuzzer")
    list(APPEND libs websec_server_core)
  endif()
  websec_add_fuzzer(${T}_sa SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${T}.cpp LIBS ${libs})
endforeach()

if(WEBSEC_FUZZ_ENGINE STREQUAL "afl")
  # AFL++ loads the library into afl-fuzz itself: it must not carry afl-clang-fast's instrumentation, so it is
  # built by a nested build of this project with the plain clang afl-clang-fast wraps.
  find_program(WEBSEC_HOST_CXX NAMES clang++-14 clang++ REQUIRED)
  find_program(WEBSEC_HOST_CC NAMES clang-14 clang REQUIRED)
  set(launcher "")
  if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
    set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  endif()
  set(WEBSEC_AFL_MUTATOR_JOBS 2 CACHE STRING "Compile jobs of the nested build of the AFL++ custom mutator libraries")
  include(ExternalProject)
  ExternalProject_Add(websec_afl_mutators
    SOURCE_DIR ${WEBSEC_SOURCE_ROOT}
    BINARY_DIR ${CMAKE_BINARY_DIR}/afl-mutators-build
    CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${WEBSEC_HOST_CXX} -DCMAKE_C_COMPILER=${WEBSEC_HOST_CC}
               ${launcher} -DWEBSEC_FUZZ_ENGINE=replay -DWEBSEC_AFL_MUTATOR_LIBS=ON
               -DWEBSEC_AFL_MUTATOR_OUTPUT_DIR=${WEBSEC_AFL_MUTATOR_OUTPUT_DIR}
               -DWEBSEC_BUILD_TESTS=OFF -DBUILD_TESTING=OFF -DWEBSEC_BUILD_CLI=OFF -DWEBSEC_BUILD_SERVER=OFF
               -DWEBSEC_BUILD_PYTHON=OFF -DWEBSEC_BUILD_BENCH=OFF -DWEBSEC_PYTHON_EXECUTABLE=${WEBSEC_PYTHON_EXECUTABLE}
    BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target websec_afl_mutator_libs -j ${WEBSEC_AFL_MUTATOR_JOBS}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    EXCLUDE_FROM_ALL ON)
endif()
