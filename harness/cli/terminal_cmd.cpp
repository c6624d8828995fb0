// `websec terminal clean`: text made safe for a terminal or for copy/paste.
#include "command.hpp"

#include "websec/terminal.hpp"

#include <iostream>

namespace {

int run(const websec::cli::args& a) {
  websec::cli::option_parser p(a);
  if (!p.parse({}, {"strict", "visible", "quiet", "help"})) return 2;
  if (p.has("help") || p.positionals().empty()) {
    (p.has("help") ? std::cout : std::cerr)
        << "websec terminal clean [--strict [--visible]] [--quiet] [FILE|-]\n"
           "  (default)  Flask's documented filter: remove every backspace (\\b)\n"
           "  --strict   also remove C0/C1 controls (TAB, LF, CRLF kept), DEL, ANSI escape sequences (CSI, OSC\n"
           "             incl. hyperlinks, DCS...), bidi overrides/isolates/marks; invalid UTF-8 -> U+FFFD\n"
           "  --visible  with --strict: show what was removed as \\xNN / \\uNNNN instead of dropping it\n"
           "  Clean text on stdout; one line per change on stderr: kind, byte offset, length, count.\n";
    return p.has("help") ? 0 : 2;
  }
  const auto& pos = p.positionals();
  if (pos[0] != "clean" || pos.size() > 2) return websec::cli::usage_error("usage: websec terminal clean [--strict] [FILE|-]");
  if (p.has("visible") && !p.has("strict")) return websec::cli::usage_error("terminal: --visible needs --strict");
  auto in = websec::cli::read_input(pos.size() == 2 ? pos[1] : "-");
  if (!in) return 2;
  websec::terminal::cleaned r;
  if (p.has("strict")) {
    websec::terminal::options o;
    if (p.has("visible")) o.act = websec::terminal::action::visible;
    r = websec::terminal::clean(*in, o);
  } else {
    r = websec::terminal::clean_doc(*in);
  }
  std::cout << r.text;
  if (!p.has("quiet")) {
    for (const auto& c : r.changes)
      std::cerr << websec::terminal::to_string(c.what) << " offset=" << c.offset << " length=" << c.length
                << " count=" << c.count << "\n";
    std::cerr << r.changes.size() << (r.changes.size() == 1 ? " change\n" : " changes\n");
  }
  return std::cout.good() ? 0 : 2;
}

const websec::cli::command reg("terminal", "terminal clean [--strict [--visible]] [FILE|-]", run);

}  // namespace
