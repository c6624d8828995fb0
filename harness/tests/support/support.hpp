// Test support shared by every module's tests: the Python-stack vectors, body reconstruction, hex helpers
// and a way to run the installed Python stack (/usr/bin/python3) as a live oracle.
#pragma once

#include <nlohmann/json.hpp>
#include <websec/error.hpp>
#include <websec/findings.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace websec {
/// Tests (and GoogleTest's messages) print an error kind or a finding id by its name.
inline std::ostream& operator<<(std::ostream& os, errc e) { return os << (e == errc::none ? "errc::none" : to_string(e)); }
inline std::ostream& operator<<(std::ostream& os, finding_id f) { return os << to_string(f); }
}  // namespace websec

namespace websec::test {

using json = nlohmann::json;

/// The error kind a vector names (websec::to_string spelling, e.g. "BadSignature"); errc::none for a name no kind
/// has, so that a comparison with it fails.
inline errc kind_named(const json& name) { return errc_from_string(name.get<std::string>()).value_or(errc::none); }

/// Loads `harness/tests/vectors/<profile>/<name>.json` (profile is "debian" or "upstream").
/// Aborts the test (ADD_FAILURE + empty object) when the file is missing or malformed.
json load_vectors(std::string_view profile, std::string_view name);

/// Rebuilds bytes from the vector segment language of gen_vectors.py:
/// a list of {"latin1": s} (one byte per code point), {"fill": byte, "count": n}, {"hex": "..."};
/// a plain string is taken as latin1; {"utf8": s} as UTF-8.
std::string segments_to_bytes(const json& segments);

/// Python's latin-1 view of a JSON string: each code point (must be < 256) becomes one byte.
std::string latin1(const json& s);

std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);
std::string sha256_hex(std::string_view bytes);

/// Result of running a process.
struct process_result {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not be started
  std::string out;     // stdout
  std::string err;     // stderr
};
using python_result = process_result;

/// Runs `argv[0]` (a path) with `argv`, writes `input` to its stdin (closed at once when empty) and collects both
/// outputs. With `timeout_ms` >= 0, a process that goes that long without any output is killed (exit_code
/// 128 + SIGKILL). Input the child does not read before it exits is dropped (the calling process ignores SIGPIPE
/// from then on). Never throws.
process_result run_process(const std::vector<std::string>& argv, std::string_view input = {}, int timeout_ms = -1);

/// Runs `/usr/bin/python3 -c <program>` (the interpreter with Debian's python3-* packages), writes `input`
/// to its stdin and returns what it printed. Used by differential tests; never throws.
python_result run_python(const std::string& program, std::string_view input = {});

/// True when /usr/bin/python3 can import every module named (e.g. {"werkzeug", "itsdangerous"}).
bool python_has(const std::vector<std::string>& modules);

/// Deterministic 64-bit generator for differential tests (seed printed by the caller on failure).
struct rng {
  std::uint64_t state;
  explicit rng(std::uint64_t seed) : state(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
};

/// Seed for differential tests: $WEBSEC_TEST_SEED if set, else `fallback`.
std::uint64_t test_seed(std::uint64_t fallback);

}  // namespace websec::test
