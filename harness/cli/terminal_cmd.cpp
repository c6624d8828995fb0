// `websec terminal clean`: text made safe for a terminal or for copy/paste.
//
// Streams: the input is read 1 MiB at a time through websec::terminal::cleaner, each piece's clean text written to
// stdout and its finished changes to stderr before the next is read, so memory stays bounded (a few MiB)
// whatever the size of the input. --json gathers the whole result into one document.
#include "command.hpp"

#include "websec/result.hpp"
#include "websec/terminal.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace cli = websec::cli;
namespace term = websec::terminal;

struct opts {
  std::string path = "-";
  bool strict = false, visible = false, quiet = false, json = false;
};

std::string change_line(const term::change& ch) {
  return std::string(term::to_string(ch.what)) + " offset=" + std::to_string(ch.offset) +
         " length=" + std::to_string(ch.length) + " count=" + std::to_string(ch.count) + "\n";
}

int run(const opts& o) {
  cli::widen_pipes();
  cli::input_file in;
  if (!in.open(o.path)) return 2;
  term::options topt;
  if (o.visible) topt.act = term::action::visible;
  term::cleaner c = o.strict ? term::cleaner(topt) : term::cleaner::documented();
  std::vector<char> buf(1u << 20);
  std::string text, report, json_text, json_changes;
  std::vector<term::change> changes;
  std::size_t total = 0;
  cli::output out;
  auto flush = [&] {
    total += changes.size();
    if (o.json) {
      json_text += text;
      for (const auto& ch : changes)
        json_changes += std::string(json_changes.empty() ? "" : ", ") + "{\"kind\": " +
                        cli::json_string(term::to_string(ch.what)) + ", \"offset\": " + std::to_string(ch.offset) +
                        ", \"length\": " + std::to_string(ch.length) + ", \"count\": " + std::to_string(ch.count) + "}";
    } else {
      out.write(text);
      if (!o.quiet) {
        for (const auto& ch : changes) report += change_line(ch);
        if (!report.empty()) {
          out.flush();
          std::fwrite(report.data(), 1, report.size(), stderr);
        }
      }
    }
    text.clear();
    report.clear();
    changes.clear();
  };
  for (;;) {
    ssize_t n = in.read(buf.data(), buf.size());
    if (n < 0) return 2;
    if (n == 0) break;
    c.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), text, changes);
    flush();
  }
  c.finish(text, changes);
  flush();
  if (o.json) {
    out.write("{\"text\": " + cli::json_string(json_text) + ", \"changes\": [" + json_changes +
              "], \"count\": " + std::to_string(total) + "}\n");
  } else {
    if (!out.flush()) return 2;
    if (!o.quiet) std::cerr << total << (total == 1 ? " change\n" : " changes\n");
  }
  return out.flush() ? 0 : 2;
}

void setup(CLI::App& root) {
  auto* g = cli::group(root, "terminal", "Make text safe for a terminal or for copy/paste",
                       "Example:\n  websec terminal clean --strict access.log | less");
  auto o = std::make_shared<opts>();
  auto* c = cli::leaf(
      *g, "clean", "Remove what a terminal would act on",
      "  (default)  Flask's documented filter: remove every backspace (\\b)\n"
      "  --strict   also remove C0/C1 controls (TAB, LF, CRLF kept), DEL, ANSI escape sequences (CSI, OSC\n"
      "             incl. hyperlinks, DCS...), bidi overrides/isolates/marks; invalid UTF-8 -> U+FFFD\n"
      "  --visible  with --strict: show what was removed as \\xNN / \\uNNNN instead of dropping it\n"
      "Text: clean text on stdout; one line per change on stderr (kind offset= length= count=), then\n"
      "\"N changes\". Streams: memory does not grow with the input.\n"
      "JSON: {\"text\": TEXT, \"changes\": [{\"kind\", \"offset\", \"length\", \"count\"}], \"count\": N}\n"
      "Exit: 0 done, 2 bad usage or unreadable input.\n"
      "Examples:\n"
      "  websec terminal clean --strict --quiet untrusted.txt\n"
      "  curl -s URL | websec terminal clean --strict --visible -",
      [o] { return run(*o); });
  auto* strict = c->add_flag("--strict", o->strict, "remove controls, escape sequences and bidi controls too");
  c->add_flag("--visible", o->visible, "with --strict: show removed characters as escapes")->needs(strict);
  c->add_flag("--quiet", o->quiet, "no report on stderr");
  c->add_flag("--json", o->json, "JSON output (not streamed)");
  c->add_option("FILE", o->path, "input, or - for stdin")->type_name("FILE")->capture_default_str()->check(cli::file_or_stdin());
}

const cli::command reg("terminal", setup);

}  // namespace
