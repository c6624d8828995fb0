# Fuzz targets that need more than the library (included by targets/CMakeLists.txt before the *_fuzzer.cpp glob).

# http_request_fuzzer drives websec-server's socket-free core (harness/server/core.cmake), also in presets that do
# not build the server itself.
include(${WEBSEC_SOURCE_ROOT}/harness/server/core.cmake)
websec_add_fuzzer(http_request_fuzzer LIBS websec_server_core)

# Cheaper twins (<target>_fast): the same source compiled with WEBSEC_FUZZ_FAST, which leaves out the invariants that
# need the time (each target marks them with websec::fuzz::full; docs/FUZZING.md "Speed" says which and why). A twin
# shares its target's corpus, dictionary and options, and is replayed, measured for coverage and minimised there.
set(WEBSEC_FAST_TWINS audit_input_fuzzer cookie_header_fuzzer csp_fuzzer csrf_fuzzer escape_fuzzer http_request_fuzzer multipart_fuzzer response_head_fuzzer
    set_cookie_fuzzer terminal_fuzzer urlencoded_fuzzer)
foreach(T ${WEBSEC_FAST_TWINS})
  set(libs "")
  if(T STREQUAL "http_request_fuzzer")
    set(libs websec_server_core)
  endif()
  websec_add_fuzzer(${T}_fast SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${T}.cpp LIBS ${libs})
  target_compile_definitions(${T}_fast PRIVATE WEBSEC_FUZZ_FAST)
endforeach()
