// `websec escape`: markupsafe escaping and its relatives on a file or stdin.
#include "command.hpp"

#include "websec/escape.hpp"

#include <iostream>

namespace {

int run(const websec::cli::args& a) {
  websec::cli::option_parser p(a);
  if (!p.parse({"profile", "indent"}, {"tojson", "attr", "unescape", "striptags", "help"})) return 2;
  if (p.has("help")) {
    std::cout << "websec escape [--tojson [--indent N]|--attr|--unescape|--striptags [--profile P]] [FILE|-]\n"
                 "  (default)    markupsafe.escape: & < > ' \" -> &amp; &lt; &gt; &#39; &#34;\n"
                 "  --attr       the escaped value inside double quotes, ready for name=\"...\"\n"
                 "  --unescape   html.unescape (Markup.unescape)\n"
                 "  --striptags  Markup.striptags (--profile upstream = markupsafe 3.0, debian = 2.1.2)\n"
                 "  --tojson     the input is JSON; prints Flask's {{ v|tojson }} (sort_keys, ASCII, \\u003c...)\n"
                 "Output is the transformed bytes; --striptags and --tojson end with a newline.\n";
    return 0;
  }
  int modes = p.has("tojson") + p.has("attr") + p.has("unescape") + p.has("striptags");
  if (modes > 1) return websec::cli::usage_error("escape: choose one of --tojson, --attr, --unescape, --striptags");
  if (p.positionals().size() > 1) return websec::cli::usage_error("escape: at most one FILE");
  websec::profile prof = websec::profile::upstream;
  if (auto pr = p.get("profile"); pr && !websec::parse_profile(*pr, prof))
    return websec::cli::usage_error("escape: --profile is upstream or debian");
  auto in = websec::cli::read_input(p.positionals().empty() ? "-" : p.positionals()[0]);
  if (!in) return 2;
  namespace e = websec::escape;
  if (p.has("tojson")) {
    int indent = -1;
    if (auto i = p.get("indent")) {
      try {
        indent = std::stoi(*i);
      } catch (...) {
        return websec::cli::usage_error("escape: --indent takes a number");
      }
      if (indent < 0 || indent > 64) return websec::cli::usage_error("escape: --indent takes 0..64");
    }
    websec::json::load_limits limits;  // the input is already in memory: no size bound beyond that
    limits.max_size = in->size();
    auto v = websec::json::loads(*in, limits);
    if (!v) {
      std::cerr << "websec: escape --tojson: invalid JSON at byte " << v.err().offset << ": " << v.err().message << "\n";
      return 2;
    }
    auto out = e::tojson(*v, indent);
    if (!out) {
      std::cerr << "websec: escape --tojson: " << out.err().message << "\n";
      return 2;
    }
    std::cout << out->str() << "\n";
  } else if (p.has("attr")) {
    std::cout << '"' << e::escape(*in) << '"';
  } else if (p.has("unescape")) {
    std::cout << e::unescape(*in);
  } else if (p.has("striptags")) {
    std::cout << e::striptags(*in, prof) << "\n";
  } else {
    std::cout << e::escape(*in);
  }
  return std::cout.good() ? 0 : 2;
}

const websec::cli::command reg("escape", "escape [--tojson|--attr|--unescape|--striptags] [FILE|-]", run);

}  // namespace
