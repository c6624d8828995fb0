# Fuzz targets that need more than the library (included by targets/CMakeLists.txt before the *_fuzzer.cpp glob).

# http_request_fuzzer drives websec-server's socket-free core (harness/server/core.cmake), also in presets that do
# not build the server itself.
include(${WEBSEC_SOURCE_ROOT}/harness/server/core.cmake)
websec_add_fuzzer(http_request_fuzzer LIBS websec_server_core)
