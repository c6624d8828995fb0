#include "command.hpp"

#include "websec/result.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

namespace websec::cli {
namespace {
struct entry {
  const char* usage;
  command_fn fn;
  const char* help;
};
std::map<std::string, entry>& registry() {
  static std::map<std::string, entry> r;
  return r;
}
}  // namespace

command::command(const char* name, const char* usage, command_fn fn, const char* help) {
  registry()[name] = {usage, fn, help};
}

std::optional<std::string> read_input(const std::string& path) {
  if (path.empty() || path == "-") {
    std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return s;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "websec: cannot read " << quote_input(path) << ": " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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

int usage_error(const std::string& msg) {
  std::cerr << "websec: " << msg << "\n";
  return 2;
}

bool option_parser::parse(const std::vector<std::string>& with_value, const std::vector<std::string>& flags) {
  auto is = [](const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  bool only_pos = false;
  for (size_t i = 0; i < a_.size(); ++i) {
    const std::string& s = a_[i];
    if (only_pos || s == "-" || s.size() < 3 || s.compare(0, 2, "--") != 0) {
      if (s == "--" && !only_pos) { only_pos = true; continue; }
      pos_.push_back(s);
      continue;
    }
    std::string name = s.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (is(with_value, name)) {
      if (!inline_value) {
        if (i + 1 >= a_.size()) { usage_error("option --" + quote_input(name, quote_style::bare) + " needs a value"); return false; }
        value = a_[++i];
      }
      opts_.emplace_back(name, value);
    } else if (is(flags, name) && !inline_value) {
      opts_.emplace_back(name, "");
    } else {
      usage_error("unknown option --" + quote_input(name, quote_style::bare));
      return false;
    }
  }
  return true;
}

std::optional<std::string> option_parser::get(const std::string& name) const {
  std::optional<std::string> r;
  for (auto& [k, v] : opts_) if (k == name) r = v;
  return r;
}
std::vector<std::string> option_parser::all(const std::string& name) const {
  std::vector<std::string> r;
  for (auto& [k, v] : opts_) if (k == name) r.push_back(v);
  return r;
}
bool option_parser::has(const std::string& name) const {
  for (auto& [k, v] : opts_) if (k == name) return true;
  return false;
}

}  // namespace websec::cli

int main(int argc, char** argv) {
  using namespace websec::cli;
  auto& reg = registry();
  auto help = [&](std::ostream& o) {
    o << "usage: websec <command> [options]\n\ncommands:\n";
    for (auto& [name, e] : reg) o << "  " << e.usage << "\n";
  };
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    help(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::cout << "websec 0.1.0\n";
    return 0;
  }
  auto it = reg.find(argv[1]);
  if (it == reg.end()) {
    std::cerr << "websec: unknown command " << websec::quote_input(argv[1]) << "\n";
    help(std::cerr);
    return 2;
  }
  args a(argv + 2, argv + argc);
  if (it->second.help) {
    for (const auto& s : a) {
      if (s == "--") break;
      if (s == "-h" || s == "--help") {
        std::cout << it->second.help;
        return 0;
      }
    }
  }
  try {
    return it->second.fn(a);
  } catch (const std::exception& e) {
    std::cerr << "websec: internal error: " << e.what() << "\n";
    return 2;
  }
}
