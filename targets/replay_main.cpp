// replay_main.cpp — the engine-less fuzz driver: runs files and folders through LLVMFuzzerTestOneInput.
//
// Used for the regression check (every corpus file under sanitizers, in the test run) and wherever no fuzzing
// engine is linked (g++ builds, $LIB_FUZZING_ENGINE unset). Command lines written for libFuzzer work
// unchanged: `-flag=value` arguments are ignored except -timeout=S and -runs=N.
//
//   <target> [-timeout=S] [-runs=N] [-quiet=1] FILE|DIR...
//
// Each input is copied into a heap buffer of exactly its size (so ASan catches off-by-one reads). A per-input
// timeout (default 25 s, $FUZZ_TIMEOUT_SECS or -timeout=) reports the file and exits 70. Folders are walked
// recursively in sorted order; names starting with '.' are skipped. Before each input the driver prints
// "Running: <file>" (unless -quiet=1), and when the process dies (sanitizer report, abort, trap, segfault) it
// prints "replay: FAILED on input <file>", so the input that killed it is always named; scripts/corpus replay
// then resumes with the next file. A target returning a value other than 0 or -1 fails its input without
// stopping the run. Exit status: 0 all inputs passed, 1 some failed, 70 timeout, 2 usage.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*)(void));

namespace fs = std::filesystem;

namespace {
const char* g_current = "";
void on_alarm(int) {
  const char msg[] = "\nreplay: TIMEOUT on ";
  ssize_t w = write(2, msg, sizeof msg - 1);
  w = write(2, g_current, std::strlen(g_current));
  w = write(2, "\n", 1);
  (void)w;
  _exit(70);
}
void name_current() {
  const char msg[] = "\nreplay: FAILED on input ";
  ssize_t w = write(2, msg, sizeof msg - 1);
  w = write(2, g_current, std::strlen(g_current));
  w = write(2, "\n", 1);
  (void)w;
}
void on_fatal(int sig) {
  name_current();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
// Installs on_fatal for sig unless someone (a sanitizer runtime) already handles it: ASan's own SEGV handler
// prints the report we want, and calls the death callback that names the input.
void catch_fatal(int sig) {
  struct sigaction old {};
  if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO))
    std::signal(sig, on_fatal);
}
bool read_file(const fs::path& p, std::vector<uint8_t>& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  unsigned timeout = 25;
  if (const char* t = std::getenv("FUZZ_TIMEOUT_SECS")) timeout = static_cast<unsigned>(std::atoi(t));
  long runs = 1;
  bool quiet = false;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") continue;
    if (a.rfind("-timeout=", 0) == 0) { timeout = static_cast<unsigned>(std::atoi(a.c_str() + 9)); continue; }
    if (a.rfind("-runs=", 0) == 0) { runs = std::max(1L, std::atol(a.c_str() + 6)); continue; }
    if (a.rfind("-quiet=", 0) == 0) { quiet = a != "-quiet=0"; continue; }
    if (a.size() > 1 && a[0] == '-') continue;  // other libFuzzer flags
    fs::path p(a);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto& e : fs::recursive_directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().filename().string().rfind('.', 0) != 0) found.push_back(e.path());
      std::sort(found.begin(), found.end());
      inputs.insert(inputs.end(), found.begin(), found.end());
    } else {
      inputs.push_back(p);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s [-timeout=S] [-runs=N] FILE|DIR...\n(engine-less replay driver)\n", argv[0]);
    return 2;
  }
  std::signal(SIGALRM, on_alarm);
  // name the input that killed the process: sanitizer reports (death callback) and abort()/__builtin_trap()
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(name_current);
  for (int sig : {SIGABRT, SIGILL, SIGFPE, SIGSEGV, SIGBUS}) catch_fatal(sig);
  size_t passed = 0, failed = 0;
  std::vector<uint8_t> data;
  for (const auto& p : inputs) {
    if (!read_file(p, data)) {
      std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
      ++failed;
      continue;
    }
    std::string name = p.string();
    g_current = name.c_str();
    if (!quiet) std::fprintf(stderr, "Running: %s\n", name.c_str());
    alarm(timeout);
    int rc = 0;
    for (long r = 0; r < runs; ++r) {
      // exact-size heap copy so that reads past the end are caught by ASan
      std::unique_ptr<uint8_t[]> buf(new uint8_t[data.size() ? data.size() : 1]);
      if (!data.empty()) std::memcpy(buf.get(), data.data(), data.size());
      rc = LLVMFuzzerTestOneInput(buf.get(), data.size());
    }
    alarm(0);
    if (rc != 0 && rc != -1) {
      std::fprintf(stderr, "replay: FAILED %s (target returned %d)\n", name.c_str(), rc);
      ++failed;
    } else {
      ++passed;
    }
  }
  std::fprintf(stderr, "replay: %zu passed, %zu failed (%zu inputs)\nDone %zu runs\n", passed, failed, inputs.size(),
               inputs.size() * static_cast<size_t>(runs));
  // LeakSanitizer checks at exit: a leak is then reported against no single input.
  g_current = "(leak check at exit; replay the files one by one to find the input)";
  return failed ? 1 : 0;
}
