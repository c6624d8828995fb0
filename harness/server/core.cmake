# websec_server_core: the socket-free part of websec-server (connection state machine, app, library glue).
# Included by harness/server/CMakeLists.txt and by targets/extra.cmake (http_request_fuzzer), so the fuzzer drives
# exactly the server's request handling, also in presets that do not build the server.
if(NOT TARGET websec_server_core)
  find_package(Boost 1.81 REQUIRED CONFIG)
  find_package(nlohmann_json 3 REQUIRED)
  set(_ws_dir ${CMAKE_CURRENT_LIST_DIR})
  add_library(websec_server_core STATIC ${_ws_dir}/core.cpp ${_ws_dir}/app.cpp ${_ws_dir}/glue.cpp)
  target_include_directories(websec_server_core PUBLIC ${_ws_dir})
  target_link_libraries(websec_server_core PUBLIC websec Boost::headers nlohmann_json::nlohmann_json OpenSSL::Crypto)
  target_compile_definitions(websec_server_core PUBLIC BOOST_ASIO_NO_DEPRECATED)
  if(WEBSEC_FUZZ_ENGINE_KIND STREQUAL "flags" OR WEBSEC_FUZZ_ENGINE STREQUAL "libfuzzer" OR WEBSEC_FUZZ_ENGINE STREQUAL "afl")
    target_compile_options(websec_server_core PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endif()
