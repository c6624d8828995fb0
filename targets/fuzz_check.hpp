// targets/fuzz_check.hpp — the invariant check of every fuzz target.
//
//   CHECK(cond);                       CHECK(cond, "what it means");      CHECK(cond, "fmt %d", args...);
//
// On violation it prints "<target>: invariant failed: <cond>: <message> (line N)" on stderr and aborts, which every
// engine and `scripts/corpus replay` report as a crash of the target (the stack of the abort deduplicates it). A
// message without arguments is printed as written (it may contain '%'); with arguments it is a printf format.
// The check holds in every build type, NDEBUG or not.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace websec::fuzz {

// A target's cheaper twin (<target>_fast, targets/extra.cmake) is the same source compiled with WEBSEC_FUZZ_FAST: it
// leaves out the invariants that need the time (docs/FUZZING.md, "Speed") and keeps the rest.
//   if (!websec::fuzz::full) return 0;     // what follows runs in the full target only
#ifdef WEBSEC_FUZZ_FAST
inline constexpr bool full = false;
#else
inline constexpr bool full = true;
#endif

inline std::string message() { return {}; }
inline std::string message(const char* text) { return text; }
template <class A, class... More>
std::string message(const char* fmt, A a, More... more) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, a, more...);
  return buf;
}

[[noreturn]] inline void check_failed(const char* file, int line, const char* cond, const std::string& msg) {
  const char* base = std::strrchr(file, '/');
  std::string target = base ? base + 1 : file;
  if (auto dot = target.rfind('.'); dot != std::string::npos) target.resize(dot);
  std::fprintf(stderr, "%s: invariant failed: %s%s%s (line %d)\n", target.c_str(), cond, msg.empty() ? "" : ": ",
               msg.c_str(), line);
  std::abort();
}

}  // namespace websec::fuzz

#define CHECK(cond, ...)                                                                                    \
  do {                                                                                                      \
    if (!(cond)) ::websec::fuzz::check_failed(__FILE__, __LINE__, #cond, ::websec::fuzz::message(__VA_ARGS__)); \
  } while (0)
