// `websec url check URL`: would a browser run this URL as script?
#include "command.hpp"

#include "websec/url.hpp"

#include <iostream>
#include <memory>

namespace {

namespace cli = websec::cli;

struct opts {
  std::string url;
  bool text = false, json = false;
};

int run(const opts& o) {
  std::string u = o.url;
  if (u == "-") {
    auto in = cli::read_input("-");
    if (!in) return 2;
    u = std::move(*in);
    while (!u.empty() && (u.back() == '\n' || u.back() == '\r')) u.pop_back();
  }
  auto src = o.text ? websec::url::source::text : websec::url::source::attribute;
  auto r = websec::url::check(u, src);
  if (o.json) {
    std::cout << "{\"verdict\": " << cli::json_string(websec::url::to_string(r.v))
              << ", \"danger\": " << cli::json_string(websec::url::to_string(r.kind))
              << ", \"scheme\": " << cli::json_string(r.scheme) << ", \"reason\": " << cli::json_string(r.reason)
              << "}\n";
  } else {
    std::cout << websec::url::to_string(r.v) << "  " << (r.scheme.empty() ? "-" : r.scheme) << "  " << r.reason
              << "\n";
  }
  return r.v == websec::url::verdict::dangerous ? 1 : 0;
}

void setup(CLI::App& root) {
  auto* g = cli::group(root, "url", "Judge URLs as a browser follows them",
                       "Example:\n  websec url check 'jav&#x09;ascript:alert(1)'");
  auto o = std::make_shared<opts>();
  auto* c = cli::leaf(
      *g, "check", "Would a browser run this URL as script?",
      "The URL is judged as it would be followed from an HTML attribute (href, src, action): character\n"
      "references decoded, leading/trailing C0 and spaces stripped, TAB/LF/CR removed, scheme lower-cased.\n"
      "Text: `safe|dangerous|relative  scheme  reason`.\n"
      "JSON: {\"verdict\": \"safe\"|\"dangerous\"|\"relative\", \"danger\": KIND, \"scheme\": TEXT, \"reason\": TEXT}\n"
      "Exit: 0 safe or relative, 1 dangerous, 2 bad usage.\n"
      "Examples:\n"
      "  websec url check 'jav&#x09;ascript:alert(1)'\n"
      "  echo 'https://example.com/' | websec url check --text --json -",
      [o] { return run(*o); });
  c->add_flag("--text", o->text, "the URL is not from HTML (no character-reference decoding)");
  c->add_flag("--json", o->json, "JSON output");
  c->add_option("URL", o->url, "the URL, or - to read it from stdin")->required();
}

const cli::command reg("url", setup);

}  // namespace
