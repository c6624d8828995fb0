// The `websec` command-line tool. Arguments are parsed by CLI11: each module adds its sub-commands in its own file
// (harness/cli/<module>_cmd.cpp) with a static `websec::cli::command` object; main.cpp builds the tree and runs it.
//
// Conventions shared by every command (README "The command line", websec.1):
//   input   FILE or `-` (stdin, also when FILE is left out); commands whose input is a header line or a cookie also
//           take it as an argument.
//   output  text for people by default; --json prints one JSON document whose schema the command's --help gives.
//   exit    0 ok; 1 a finding: a verdict at or above --fail-on, a failed verification, an error outcome, a
//           dangerous URL; 2 bad usage or unreadable input (CLI11 parse and validation errors included).
#pragma once

#include <CLI/CLI.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace websec::cli {

inline constexpr const char* version = "0.2.0";

/// Adds a command (and its sub-commands) to the root.
using setup_fn = void (*)(CLI::App& root);

struct command {
  command(const char* name, setup_fn setup);
};

/// Thrown from a command's callback: main prints `websec: <what>` and exits 2.
struct usage_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Prints `websec: <msg>` to stderr and returns 2 (bad usage).
int usage_error(const std::string& msg);

/// A command with sub-commands (`websec session`): answers --help, and without a known sub-command says which
/// exist (exit 2).
CLI::App* group(CLI::App& parent, const std::string& name, const std::string& description, const std::string& footer);

/// A command that runs: `run` gives the exit status. Arguments it does not know are refused (exit 2) with
/// "unknown option --x" or "unexpected argument 'y'". `footer` holds the examples and the JSON schema.
CLI::App* leaf(CLI::App& parent, const std::string& name, const std::string& description, const std::string& footer,
               std::function<int()> run);

// ---------------------------------------------------------------------------------------------- validators

/// An integer from `min` to `max`, with a message naming what it counts.
CLI::Validator integer(std::int64_t min, std::int64_t max, const std::string& what);
/// FILE or `-`: a readable file (not a directory), or stdin.
CLI::Validator file_or_stdin();
/// One of `choices`: "takes a, b or c".
CLI::Validator one_of(std::vector<std::string> choices);

// ---------------------------------------------------------------------------------------------- input

/// FILE or `-` (stdin), read in large blocks; a regular file is mapped whole by all().
class input_file {
 public:
  input_file() = default;
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  ~input_file();
  /// Opens `path` ("-" or "" = stdin). On failure prints "websec: cannot read 'path': reason" and returns false.
  bool open(const std::string& path);
  /// The whole input (mmap of a regular file, else read in 1 MiB blocks). nullopt (message printed) on a read
  /// error or when it holds more than `limit` bytes (then `over_limit()` is true and nothing was printed).
  std::optional<std::string_view> all(std::size_t limit = SIZE_MAX);
  bool over_limit() const { return over_limit_; }
  /// The next bytes, at most n: >0 read, 0 end of input, -1 error (message printed).
  ssize_t read(char* buf, std::size_t n);
  bool is_regular() const { return regular_; }
  std::uint64_t size() const { return size_; }
  const std::string& name() const { return name_; }

 private:
  int fd_ = -1;
  bool regular_ = false, over_limit_ = false;
  std::uint64_t size_ = 0;
  std::string name_;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::string buf_;
};

/// Reads a whole file, or stdin for "-" / empty. Returns nullopt and prints a message on failure.
std::optional<std::string> read_input(const std::string& path);

/// Lines of `text` without their "\n" / "\r\n"; blank lines (spaces and tabs only) left out when `skip_blank`.
std::vector<std::string_view> split_lines(std::string_view text, bool skip_blank);

// ---------------------------------------------------------------------------------------------- output

/// Large buffered writes to a descriptor (stdout by default): one write(2) per `capacity` bytes.
class output {
 public:
  explicit output(int fd = 1, std::size_t capacity = 1u << 20);
  output(const output&) = delete;
  output& operator=(const output&) = delete;
  ~output();
  void write(std::string_view s);
  /// Room for n bytes at the end of the buffer (flushing first when needed); commit(k) keeps k of them.
  char* reserve(std::size_t n);
  void commit(std::size_t k) { used_ += k; }
  /// Writes what is buffered; false once any write failed.
  bool flush();
  bool ok() const { return ok_; }

 private:
  int fd_;
  std::vector<char> buf_;
  std::size_t used_ = 0;
  bool ok_ = true;
};

/// Makes a pipe on stdin/stdout larger (1 MiB) so that fewer, larger transfers cross it; harmless elsewhere.
void widen_pipes();

/// JSON string literal (UTF-8 passed through, controls and invalid bytes escaped as \u00XX / latin-1).
std::string json_string(std::string_view s);

}  // namespace websec::cli
