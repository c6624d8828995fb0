// `websec escape`: markupsafe escaping and its relatives on a file or stdin.
//
// The default mode and --attr stream: the input is read in 1 MiB blocks, each escaped by the library's fastest
// kernel straight into a 5 MiB output buffer that goes out in one write(2); memory does not grow with the input.
// --unescape, --striptags and --tojson need the whole input (mapped when it is a regular file).
#include "command.hpp"

#include "websec/escape.hpp"

#include <iostream>
#include <memory>

namespace {

namespace e = websec::escape;
namespace cli = websec::cli;

struct opts {
  std::string path = "-", profile = "upstream";
  bool tojson = false, attr = false, unescape = false, striptags = false, json = false;
  int indent = -1;
};

int stream_escape(cli::input_file& in, bool attr) {
  constexpr std::size_t block = 1u << 20;
  std::unique_ptr<char[]> buf(new char[block]);
  cli::output out(1, 5 * block + 2);
  const e::kernel k = e::active_kernel();
  if (attr) out.write("\"");
  for (;;) {
    ssize_t n = in.read(buf.get(), block);
    if (n < 0) return 2;
    if (n == 0) break;
    const auto m = static_cast<std::size_t>(n);
    char* dst = out.reserve(5 * m);
    out.commit(e::escape_into(k, std::string_view(buf.get(), m), dst, 5 * m));
    if (!out.ok()) break;
  }
  if (attr) out.write("\"");
  return out.flush() ? 0 : 2;
}

int run(const opts& o) {
  if (o.indent >= 0 && !o.tojson) return cli::usage_error("escape: --indent needs --tojson");
  websec::profile prof = websec::profile::upstream;
  websec::parse_profile(o.profile, prof);
  cli::widen_pipes();
  cli::input_file in;
  if (!in.open(o.path)) return 2;
  const bool whole = o.tojson || o.unescape || o.striptags || o.json;
  if (!whole) return stream_escape(in, o.attr);
  auto text = in.all();
  if (!text) return 2;
  std::string result;
  const char* mode = "escape";
  if (o.tojson) {
    mode = "tojson";
    websec::json::load_limits limits;  // the input is already in memory: no size bound beyond that
    limits.max_size = text->size();
    auto v = websec::json::loads(*text, limits);
    if (!v) {
      std::cerr << "websec: escape --tojson: invalid JSON at byte " << v.err().offset << ": " << v.err().message << "\n";
      return 2;
    }
    auto r = e::tojson(*v, o.indent);
    if (!r) {
      std::cerr << "websec: escape --tojson: " << r.err().message << "\n";
      return 2;
    }
    result = r->str() + "\n";
  } else if (o.attr) {
    mode = "attr";
    result = '"' + e::escape(*text) + '"';
  } else if (o.unescape) {
    mode = "unescape";
    result = e::unescape(*text);
  } else if (o.striptags) {
    mode = "striptags";
    result = e::striptags(*text, prof) + "\n";
  } else {
    result = e::escape(*text);
  }
  cli::output out;
  if (o.json) {
    if (o.tojson || o.striptags) result.pop_back();
    out.write("{\"mode\": \"" + std::string(mode) + "\", \"output\": " + cli::json_string(result) + "}\n");
  } else {
    out.write(result);
  }
  return out.flush() ? 0 : 2;
}

void setup(CLI::App& root) {
  auto o = std::make_shared<opts>();
  auto* c = cli::leaf(
      root, "escape", "markupsafe.escape and its relatives on FILE or stdin",
      "Modes (one at most):\n"
      "  (default)    markupsafe.escape: & < > ' \" -> &amp; &lt; &gt; &#39; &#34; (streams)\n"
      "  --attr       the escaped value inside double quotes, ready for name=\"...\" (streams)\n"
      "  --unescape   html.unescape (Markup.unescape)\n"
      "  --striptags  Markup.striptags (--profile upstream = markupsafe 3.0, debian = 2.1.2)\n"
      "  --tojson     the input is JSON; prints Flask's {{ v|tojson }} (sort_keys, ASCII, \\u003c...)\n"
      "Text output: the transformed bytes; --striptags and --tojson end with a newline.\n"
      "JSON (--json): {\"mode\": \"escape\"|\"attr\"|\"unescape\"|\"striptags\"|\"tojson\", \"output\": TEXT}\n"
      "Exit: 0 done, 2 bad usage, unreadable input or invalid JSON (--tojson).\n"
      "Examples:\n"
      "  websec escape page.txt > page.html\n"
      "  printf '<b>\"x\"</b>' | websec escape --attr\n"
      "  echo '{\"a\": \"</script>\"}' | websec escape --tojson",
      [o] { return run(*o); });
  auto* tj = c->add_flag("--tojson", o->tojson, "the input is JSON: Flask's tojson filter");
  auto* at = c->add_flag("--attr", o->attr, "escaped and double-quoted, for an attribute");
  auto* un = c->add_flag("--unescape", o->unescape, "html.unescape");
  auto* st = c->add_flag("--striptags", o->striptags, "Markup.striptags");
  tj->excludes(at)->excludes(un)->excludes(st);
  at->excludes(un)->excludes(st);
  un->excludes(st);
  c->add_option("--indent", o->indent, "with --tojson: indent by N spaces (default: one line)")
      ->check(cli::integer(0, 64, "spaces"));
  c->add_option("--profile", o->profile, "striptags of markupsafe 3.0 (upstream) or 2.1.2 (debian)")
      ->capture_default_str()
      ->check(cli::one_of({"upstream", "debian"}));
  c->add_flag("--json", o->json, "JSON output");
  c->add_option("FILE", o->path, "input, or - for stdin")->type_name("FILE")->capture_default_str()->check(cli::file_or_stdin());
}

const cli::command reg("escape", setup);

}  // namespace
