// Running the `websec` command-line tool from a test (the *_cli_test.cpp files). Header-only: the path of the tool
// is WEBSEC_CLI, which harness/cli/CMakeLists.txt defines for each CLI test target; without it (the CLI is not
// built) cli() returns an empty result and REQUIRE_CLI() skips the test.
#pragma once

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace websec::test {

/// What one run of the tool gave: its exit status and both outputs.
struct cli_result {
  int status = -1;
  std::string out, err;
};

/// The tool may be silent this long before it is killed (which fails the test through its status).
inline constexpr int cli_silence_timeout_ms = 60000;

#ifdef WEBSEC_CLI
/// Runs `websec ARGS...` with `input` on stdin (closed at once when empty) and collects both outputs.
inline cli_result cli(const std::vector<std::string>& args, std::string_view input = {}) {
  std::vector<std::string> argv{WEBSEC_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = run_process(argv, input, cli_silence_timeout_ms);
  return {p.exit_code, std::move(p.out), std::move(p.err)};
}
#define REQUIRE_CLI() (void)0
#else
inline cli_result cli(const std::vector<std::string>&, std::string_view = {}) { return {}; }
#define REQUIRE_CLI() GTEST_SKIP() << "the websec command-line tool is not built (WEBSEC_BUILD_CLI=OFF)"
#endif

}  // namespace websec::test
