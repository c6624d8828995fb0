// The `websec` command-line tool: each module registers its sub-command in its own file
// (harness/cli/<module>_cmd.cpp) with a static `websec::cli::command` object; main.cpp dispatches.
//
// Exit statuses shared by every command: 0 success, 1 the input was judged bad (error outcome, failed
// verification, a verdict at or above --fail-on), 2 bad usage or unreadable input. `websec CMD ... --help`
// (or -h) prints the command's help and exits 0.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace websec::cli {

using args = std::vector<std::string>;  // arguments after the command name
using command_fn = int (*)(const args&);

struct command {
  /// `help`: the full text `websec NAME --help` prints (every sub-command, every option). Commands registered
  /// without one parse --help themselves.
  command(const char* name, const char* usage, command_fn fn, const char* help = nullptr);
};

/// Reads a whole file, or stdin for "-" / empty. Returns nullopt and prints a message on failure.
std::optional<std::string> read_input(const std::string& path);

/// JSON string literal (UTF-8 passed through, controls and invalid bytes escaped as \u00XX / latin-1).
std::string json_string(std::string_view s);

/// Prints `websec: <msg>` to stderr and returns 2 (bad usage).
int usage_error(const std::string& msg);

/// Small option scanner: `--name value`, `--name=value`, flags, and positionals.
class option_parser {
 public:
  explicit option_parser(const args& a) : a_(a) {}
  /// Returns false (and prints) on unknown option or missing value. `with_value` lists options taking a value;
  /// `flags` lists options without one. Repeated options are kept in order.
  bool parse(const std::vector<std::string>& with_value, const std::vector<std::string>& flags);
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  bool has(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return pos_; }

 private:
  const args& a_;
  std::vector<std::pair<std::string, std::string>> opts_;
  std::vector<std::string> pos_;
};

}  // namespace websec::cli
