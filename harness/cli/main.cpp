// `websec`: builds the CLI11 command tree from the registered commands and runs it; io helpers shared by them.
#include "command.hpp"

#include "websec/result.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>

namespace websec::cli {
namespace {

std::map<std::string, setup_fn>& registry() {
  static std::map<std::string, setup_fn> r;
  return r;
}

int& exit_status() {
  static int s = 0;
  return s;
}

std::string names_of(const CLI::App& app) {
  std::string out;
  for (const auto* s : const_cast<CLI::App&>(app).get_subcommands([](const CLI::App*) { return true; }))
    out += (out.empty() ? "" : ", ") + s->get_name();
  return out;
}

void reject_extras(const CLI::App& app) {
  for (const auto& x : app.remaining()) {
    if (x.size() > 1 && x[0] == '-') throw usage_failure("unknown option " + quote_input(x, quote_style::bare));
    throw usage_failure("unexpected argument " + quote_input(x) + " (websec " + app.get_name() + " --help)");
  }
}

}  // namespace

command::command(const char* name, setup_fn setup) { registry()[name] = setup; }

int usage_error(const std::string& msg) {
  std::cerr << "websec: " << msg << "\n";
  return 2;
}

CLI::App* group(CLI::App& parent, const std::string& name, const std::string& description, const std::string& footer) {
  CLI::App* g = parent.add_subcommand(name, description);
  g->allow_extras();
  g->footer(footer);
  g->callback([g] {
    if (!g->get_subcommands().empty()) return;
    if (!g->remaining().empty()) {
      const std::string x = g->remaining().front();
      if (x.size() > 1 && x[0] == '-') throw usage_failure("unknown option " + quote_input(x, quote_style::bare));
      throw usage_failure("unknown " + g->get_name() + " sub-command " + quote_input(x) + " (" + names_of(*g) + ")");
    }
    throw usage_failure(g->get_name() + " needs a sub-command: " + names_of(*g) + " (websec " + g->get_name() +
                        " --help)");
  });
  return g;
}

CLI::App* leaf(CLI::App& parent, const std::string& name, const std::string& description, const std::string& footer,
               std::function<int()> run) {
  CLI::App* s = parent.add_subcommand(name, description);
  s->allow_extras();
  s->footer(footer);
  s->callback([s, run = std::move(run)] {
    reject_extras(*s);
    exit_status() = run();
  });
  return s;
}

CLI::Validator integer(std::int64_t min, std::int64_t max, const std::string& what) {
  std::string desc = max == INT64_MAX ? (min == 0 ? "INT>=0" : "INT>=" + std::to_string(min))
                                      : "INT in [" + std::to_string(min) + "," + std::to_string(max) + "]";
  return CLI::Validator(
      [min, max, what](std::string& s) -> std::string {
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end || errno || v < min || v > max)
          return "takes " + what + (max == INT64_MAX ? " (an integer >= " + std::to_string(min) + ")"
                                                     : " (an integer from " + std::to_string(min) + " to " +
                                                           std::to_string(max) + ")") +
                 ", not " + quote_input(s);
        return {};
      },
      desc);
}

CLI::Validator file_or_stdin() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s == "-") return {};
        struct stat st {};
        if (::stat(s.c_str(), &st) != 0) return "cannot read " + quote_input(s) + ": " + std::strerror(errno);
        if (S_ISDIR(st.st_mode)) return "cannot read " + quote_input(s) + ": is a directory";
        return {};
      },
      "");
}

CLI::Validator one_of(std::vector<std::string> choices) {
  std::string desc = "{";
  for (std::size_t i = 0; i < choices.size(); ++i) desc += (i ? "," : "") + choices[i];
  desc += "}";
  return CLI::Validator(
      [choices](std::string& s) -> std::string {
        if (std::find(choices.begin(), choices.end(), s) != choices.end()) return {};
        std::string list;
        for (std::size_t i = 0; i < choices.size(); ++i)
          list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        return "takes " + list + ", not " + quote_input(s);
      },
      desc);
}

// ---------------------------------------------------------------------------------------------- input

input_file::~input_file() {
  if (map_) ::munmap(map_, map_size_);
  if (fd_ > 0) ::close(fd_);
}

bool input_file::open(const std::string& path) {
  name_ = path.empty() ? "-" : path;
  if (name_ == "-") {
    fd_ = 0;
  } else {
    fd_ = ::open(name_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      std::cerr << "websec: cannot read " << quote_input(name_) << ": " << std::strerror(errno) << "\n";
      return false;
    }
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      std::cerr << "websec: cannot read " << quote_input(name_) << ": is a directory\n";
      return false;
    }
    regular_ = S_ISREG(st.st_mode);
    size_ = regular_ ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
  if (regular_) ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return true;
}

ssize_t input_file::read(char* buf, std::size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    std::cerr << "websec: read error on " << quote_input(name_) << ": " << std::strerror(errno) << "\n";
    return -1;
  }
}

std::optional<std::string_view> input_file::all(std::size_t limit) {
  if (regular_ && size_ > 0 && fd_ > 0) {
    if (size_ > limit) {
      over_limit_ = true;
      return std::nullopt;
    }
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p != MAP_FAILED) {
      map_ = p;
      map_size_ = size_;
      ::madvise(p, size_, MADV_SEQUENTIAL);
      return std::string_view(static_cast<const char*>(p), size_);
    }
  }
  buf_.clear();
  constexpr std::size_t block = 1u << 20;
  for (;;) {
    std::size_t at = buf_.size();
    buf_.resize(at + block);
    ssize_t n = read(buf_.data() + at, block);
    if (n < 0) return std::nullopt;
    buf_.resize(at + static_cast<std::size_t>(n));
    if (buf_.size() > limit) {
      over_limit_ = true;
      return std::nullopt;
    }
    if (n == 0) break;
  }
  return std::string_view(buf_);
}

std::optional<std::string> read_input(const std::string& path) {
  input_file in;
  if (!in.open(path)) return std::nullopt;
  auto v = in.all();
  if (!v) return std::nullopt;
  return std::string(*v);
}

std::vector<std::string_view> split_lines(std::string_view text, bool skip_blank) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (b < text.size()) {
    std::size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = text.substr(b, e - b);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!skip_blank || line.find_first_not_of(" \t") != std::string_view::npos) out.push_back(line);
    b = e + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- output

output::output(int fd, std::size_t capacity) : fd_(fd), buf_(capacity) {}
output::~output() { flush(); }

bool output::flush() {
  std::size_t done = 0;
  while (ok_ && done < used_) {
    ssize_t n = ::write(fd_, buf_.data() + done, used_ - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok_ = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  used_ = 0;
  return ok_;
}

char* output::reserve(std::size_t n) {
  if (buf_.size() - used_ < n) {
    flush();
    if (buf_.size() < n) buf_.resize(n);
  }
  return buf_.data() + used_;
}

void output::write(std::string_view s) {
  if (s.size() >= buf_.size()) {
    flush();
    std::size_t done = 0;
    while (ok_ && done < s.size()) {
      ssize_t n = ::write(fd_, s.data() + done, s.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ok_ = false;
      else done += static_cast<std::size_t>(n);
    }
    return;
  }
  std::memcpy(reserve(s.size()), s.data(), s.size());
  used_ += s.size();
}

void widen_pipes() {
#ifdef F_SETPIPE_SZ
  for (int fd : {0, 1}) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
  }
#endif
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          // pass valid UTF-8 sequences through; escape stray bytes as their latin-1 code point
          size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
          bool valid = len && i + len <= s.size();
          for (size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
          if (valid) {
            out.append(s.substr(i, len));
            i += len - 1;
          } else {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
          }
        }
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------------------------------------- completion

namespace {

void collect(CLI::App* app, const std::string& path, std::string& cases, std::string& values) {
  std::string words;
  auto subs = app->get_subcommands([](const CLI::App*) { return true; });
  for (auto* s : subs) words += s->get_name() + " ";
  for (const CLI::Option* o : app->get_options()) {
    for (const auto& l : o->get_lnames()) words += "--" + l + " ";
    for (const auto& s : o->get_snames()) words += "-" + s + " ";
  }
  if (!words.empty()) words.pop_back();
  cases += "    \"" + path + "\") words=\"" + words + "\" ;;\n";
  for (const CLI::Option* o : app->get_options()) {
    // an option whose type names its choices ({a,b,c}) completes them
    std::string t = o->get_type_name();
    auto b = t.find('{'), e = t.find('}');
    if (b == std::string::npos || e == std::string::npos || o->get_lnames().empty()) continue;
    std::string choices = t.substr(b + 1, e - b - 1);
    for (auto& c : choices)
      if (c == ',') c = ' ';
    values += "    \"" + path + (path.empty() ? "" : " ") + "--" + o->get_lnames()[0] + "\") words=\"" + choices +
              "\" ;;\n";
  }
  for (auto* s : subs) collect(s, path + (path.empty() ? "" : " ") + s->get_name(), cases, values);
}

}  // namespace

std::string bash_completion(CLI::App& root) {
  std::string cases, values;
  collect(&root, "", cases, values);
  return "# bash completion for websec (websec completion bash)\n"
         "_websec() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w i words\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=${COMP_WORDS[i]}\n"
         "    case \"$w\" in -*) continue ;; esac\n"
         "    _websec_words \"$path\"\n"
         "    case \" $words \" in *\" $w \"*) path=\"${path:+$path }$w\" ;; esac\n"
         "  done\n"
         "  _websec_words \"$path\"\n"
         "  if ((COMP_CWORD > 1)); then _websec_values \"$path ${COMP_WORDS[COMP_CWORD-1]}\"; fi\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "_websec_words() {\n"
         "  case \"$1\" in\n" +
         cases +
         "    *) words=\"\" ;;\n"
         "  esac\n"
         "}\n"
         "_websec_values() {\n"
         "  case \"$1\" in\n" +
         values +
         "  esac\n"
         "}\n"
         "complete -o default -F _websec websec\n";
}

}  // namespace websec::cli

int main(int argc, char** argv) {
  using namespace websec::cli;
  CLI::App app{"websec: check web-application security mechanisms as Flask, werkzeug, itsdangerous and markupsafe "
               "implement them",
               "websec"};
  app.set_version_flag("--version", std::string("websec ") + version, "Print the version and exit");
  app.allow_extras();
  app.footer(
      "Input:  FILE or - (stdin, also when FILE is left out); header lines and cookies may also be arguments.\n"
      "Output: text by default; --json prints one JSON document (its schema is in each command's --help).\n"
      "Exit status:\n"
      "  0  ok\n"
      "  1  a finding: a verdict at or above --fail-on (headers audit, cookie audit), a failed verification,\n"
      "     an error outcome (multipart parse), a dangerous URL, no key found (session crack)\n"
      "  2  bad usage or unreadable input\n"
      "Every command answers --help (or websec help COMMAND...); `websec completion bash` prints a bash completion script. See websec(1).");
  for (auto& [name, setup] : registry()) setup(app);
  CLI::App* completion = app.add_subcommand("completion", "Print a shell completion script");
  CLI::App* bash = completion->add_subcommand("bash", "Print the bash completion script");
  bash->footer("Example:\n  source <(websec completion bash)\n  websec completion bash > /etc/bash_completion.d/websec");
  completion->require_subcommand(1);
  bash->callback([&app] { std::cout << bash_completion(app); });
  app.callback([&app] {
    if (!app.get_subcommands().empty()) return;
    if (!app.remaining().empty()) {
      const std::string x = app.remaining().front();
      if (x.size() > 1 && x[0] == '-') throw usage_failure("unknown option " + websec::quote_input(x, websec::quote_style::bare));
      throw usage_failure("unknown command " + websec::quote_input(x) + " (websec --help)");
    }
  });
  if (argc < 2) {
    std::cerr << app.help();
    return 2;
  }
  // `websec help [COMMAND...]` is `websec [COMMAND...] --help`
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.front() == "help") {
    args.erase(args.begin());
    args.push_back("--help");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "websec: " << websec::quote_input(e.what(), websec::quote_style::bare, 1024) << "\n"
              << "Run with --help for more information.\n";
    return 2;
  } catch (const usage_failure& e) {
    std::cerr << "websec: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "websec: internal error: " << e.what() << "\n";
    return 2;
  }
  std::cout.flush();
  return exit_status();
}
