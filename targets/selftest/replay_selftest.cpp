// replay_selftest — a stand-in target that checks the replay driver's own contract (ctest fuzz.replay.*).
// Input "ok..." passes, "abort" aborts, "fail" returns 1 (a failed input that does not stop the run),
// "hang" loops until the per-input timeout.
#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto is = [&](const char* w) { return size >= std::strlen(w) && std::memcmp(data, w, std::strlen(w)) == 0; };
  if (is("abort")) std::abort();
  if (is("fail")) return 1;
  if (is("hang")) {
    for (volatile unsigned long i = 0;; ++i) {
    }
  }
  return 0;
}
