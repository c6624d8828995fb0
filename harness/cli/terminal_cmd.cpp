// `websec terminal clean`: text made safe for a terminal or for copy/paste.
//
// Streams: the input is read 64 KiB at a time through websec::terminal::cleaner, each piece's clean text written to
// stdout and its finished changes to stderr before the next is read, so memory stays bounded (a few hundred KiB)
// whatever the size of the input.
#include "command.hpp"

#include "websec/result.hpp"
#include "websec/terminal.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

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
           "  Clean text on stdout; one line per change on stderr: kind, byte offset, length, count.\n"
           "  Streams: memory does not grow with the input.\n";
    return p.has("help") ? 0 : 2;
  }
  const auto& pos = p.positionals();
  if (pos[0] != "clean" || pos.size() > 2) return websec::cli::usage_error("usage: websec terminal clean [--strict] [FILE|-]");
  if (p.has("visible") && !p.has("strict")) return websec::cli::usage_error("terminal: --visible needs --strict");
  const std::string path = pos.size() == 2 ? pos[1] : "-";
  std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!in) {
    std::cerr << "websec: cannot read " << websec::quote_input(path) << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  websec::terminal::options o;
  if (p.has("visible")) o.act = websec::terminal::action::visible;
  websec::terminal::cleaner c = p.has("strict") ? websec::terminal::cleaner(o) : websec::terminal::cleaner::documented();
  const bool quiet = p.has("quiet");
  std::vector<char> buf(1u << 16);
  std::string text, report;
  std::vector<websec::terminal::change> changes;
  std::size_t total = 0;
  bool ok = true;
  auto flush = [&] {
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) ok = false;
    total += changes.size();
    if (!quiet) {
      for (const auto& ch : changes) {
        report += websec::terminal::to_string(ch.what);
        report += " offset=" + std::to_string(ch.offset) + " length=" + std::to_string(ch.length) +
                  " count=" + std::to_string(ch.count) + "\n";
      }
      std::fwrite(report.data(), 1, report.size(), stderr);
    }
    text.clear();
    report.clear();
    changes.clear();
  };
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), in);
    if (n > 0) {
      c.feed(std::string_view(buf.data(), n), text, changes);
      flush();
    }
    if (n < buf.size()) break;
  }
  const bool read_failed = std::ferror(in);
  if (in != stdin) std::fclose(in);
  if (read_failed) {
    std::cerr << "websec: read error on " << websec::quote_input(path) << "\n";
    return 2;
  }
  c.finish(text, changes);
  flush();
  if (!quiet) std::cerr << total << (total == 1 ? " change\n" : " changes\n");
  return ok && std::fflush(stdout) == 0 ? 0 : 2;
}

const websec::cli::command reg("terminal", "terminal clean [--strict [--visible]] [FILE|-]", run);

}  // namespace
