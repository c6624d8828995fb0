// Tests of `websec terminal clean` (harness/cli/terminal_cmd.cpp), run as a process: the tool streams its input
// through websec::terminal::cleaner in 64 KiB reads, so its output and change report must be exactly those of
// terminal::clean over the whole input (sequences cut by the read boundaries included), and its peak memory must not
// depend on the input's size (it used to hold about 17-25 times the input: 2.5 GB for 100 MB).
//
// The path of the tool comes from harness/cli/CMakeLists.txt (WEBSEC_CLI); without the CLI the tests skip.
#include "websec/terminal.hpp"
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace term = websec::terminal;

namespace {

using websec::test::cli;

#ifdef WEBSEC_CLI
const char* kCli = WEBSEC_CLI;
#else
const char* kCli = "";
#endif

/// Text that keeps a terminal busy: escape sequences of every kind (some longer than a 64 KiB read), controls,
/// bidi characters, multi-byte and invalid UTF-8, CRLF, plain text.
std::string terminal_junk(std::size_t size, std::uint64_t seed) {
  websec::test::rng r(seed);
  const std::string parts[] = {"plain text ", "\x1b[31m", "\x1b[0;1;38;5;196m", "\x1b]0;title\x07",
                               "\x1b]8;;http://x/\x1b\\", "\x1bPq#0\xc2\x9c", "\x1b(B", "\xc2\x9b" "2J", "\xe2\x80\xae",
                               "\xf0\x9f\x98\x80", "caf\xc3\xa9", "\xff", "\xe2\x82", "\r\n", "\r", "\t", "\b", "\x7f",
                               "\x01", "\x1b"};
  std::string s;
  while (s.size() < size) {
    if (r.chance(1)) {  // a long OSC whose body spans several reads
      s += "\x1b]52;c;" + std::string(100000 + r.below(100000), 'A') + "\x07";
      continue;
    }
    s += parts[r.below(std::size(parts))];
  }
  return s;
}

std::string report_of(const term::cleaned& c) {
  std::string out;
  for (const auto& ch : c.changes)
    out += std::string(term::to_string(ch.what)) + " offset=" + std::to_string(ch.offset) +
           " length=" + std::to_string(ch.length) + " count=" + std::to_string(ch.count) + "\n";
  return out + std::to_string(c.changes.size()) + (c.changes.size() == 1 ? " change\n" : " changes\n");
}

/// Runs the tool on `path` with `args`, output discarded; returns its peak resident set size in KiB.
long peak_rss_kib(std::vector<std::string> args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::FILE* null = std::fopen("/dev/null", "w");
    if (null) {
      dup2(fileno(null), 1);
      dup2(fileno(null), 2);
    }
    std::vector<char*> argv{const_cast<char*>(kCli)};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(kCli, argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return ru.ru_maxrss;
}

}  // namespace

TEST(TerminalCli, StreamedOutputAndReportEqualCleanOverTheWholeInput) {
  REQUIRE_CLI();
  const std::string input = terminal_junk(3u << 20, 0x7E4A);
  const fs::path file = fs::temp_directory_path() / ("websec_terminal_cli_" + std::to_string(getpid()));
  std::ofstream(file, std::ios::binary) << input;
  term::options visible;
  visible.act = term::action::visible;
  struct variant {
    std::vector<std::string> flags;
    term::cleaned want;
  } variants[] = {{{}, term::clean_doc(input)},
                  {{"--strict"}, term::clean(input)},
                  {{"--strict", "--visible"}, term::clean(input, visible)}};
  for (auto& v : variants) {
    std::vector<std::string> args{"terminal", "clean"};
    args.insert(args.end(), v.flags.begin(), v.flags.end());
    args.push_back(file.string());
    auto r = cli(args);
    ASSERT_EQ(r.status, 0) << r.err.substr(0, 500);
    EXPECT_TRUE(r.out == v.want.text) << "stdout differs for " << ::testing::PrintToString(v.flags);
    EXPECT_TRUE(r.err == report_of(v.want)) << "report differs for " << ::testing::PrintToString(v.flags);
    // the same through stdin
    args.back() = "-";
    auto s = cli(args, input);
    EXPECT_TRUE(s.out == v.want.text && s.err == r.err) << "stdin differs for " << ::testing::PrintToString(v.flags);
  }
  fs::remove(file);
}

// Peak memory of --strict --visible (the heaviest: up to 4 output bytes per input byte) on 8 MiB and on 64 MiB of
// input: the same few MiB, and far below the size of the input.
TEST(TerminalCli, PeakMemoryDoesNotGrowWithTheInput) {
  REQUIRE_CLI();
  const fs::path small = fs::temp_directory_path() / ("websec_terminal_rss_s_" + std::to_string(getpid()));
  const fs::path large = fs::temp_directory_path() / ("websec_terminal_rss_l_" + std::to_string(getpid()));
  {
    const std::string chunk = terminal_junk(8u << 20, 0xB16);
    std::ofstream(small, std::ios::binary) << chunk;
    std::ofstream out(large, std::ios::binary);
    for (int i = 0; i < 8; ++i) out << chunk;
  }
  const long rss_small = peak_rss_kib({"terminal", "clean", "--strict", "--visible", "--quiet", small.string()});
  const long rss_large = peak_rss_kib({"terminal", "clean", "--strict", "--visible", "--quiet", large.string()});
  fs::remove(small);
  fs::remove(large);
  std::printf("websec terminal clean --strict --visible: peak RSS %ld KiB for 8 MiB, %ld KiB for 64 MiB of input\n",
              rss_small, rss_large);
  ASSERT_GT(rss_small, 0);
  ASSERT_GT(rss_large, 0);
  EXPECT_LT(rss_large, 16 * 1024) << "64 MiB of input must not need more than 16 MiB";
  EXPECT_LT(rss_large, rss_small + 2048) << "memory grows with the input";
}
