// `websec url check URL`: would a browser run this URL as script?
#include "command.hpp"

#include "websec/url.hpp"

#include <iostream>

namespace {

int run(const websec::cli::args& a) {
  websec::cli::option_parser p(a);
  if (!p.parse({}, {"text", "json", "help"})) return 2;
  if (p.has("help") || p.positionals().empty()) {
    (p.has("help") ? std::cout : std::cerr)
        << "websec url check [--text] [--json] URL\n"
           "  Judges a URL as it would be followed from an HTML attribute (href, src, action): character\n"
           "  references decoded, leading/trailing C0 and spaces stripped, TAB/LF/CR removed, scheme lower-cased.\n"
           "  --text  the URL is not from HTML (no reference decoding)\n"
           "  Prints `safe|dangerous|relative  scheme  reason`; exit 1 when dangerous.\n";
    return p.has("help") ? 0 : 2;
  }
  const auto& pos = p.positionals();
  if (pos[0] != "check" || pos.size() != 2) return websec::cli::usage_error("usage: websec url check URL");
  auto src = p.has("text") ? websec::url::source::text : websec::url::source::attribute;
  auto r = websec::url::check(pos[1], src);
  if (p.has("json")) {
    std::cout << "{\"verdict\": " << websec::cli::json_string(websec::url::to_string(r.v))
              << ", \"danger\": " << websec::cli::json_string(websec::url::to_string(r.kind))
              << ", \"scheme\": " << websec::cli::json_string(r.scheme)
              << ", \"reason\": " << websec::cli::json_string(r.reason) << "}\n";
  } else {
    std::cout << websec::url::to_string(r.v) << "  " << (r.scheme.empty() ? "-" : r.scheme) << "  " << r.reason
              << "\n";
  }
  return r.v == websec::url::verdict::dangerous ? 1 : 0;
}

const websec::cli::command reg("url", "url check [--text] [--json] URL", run);

}  // namespace
