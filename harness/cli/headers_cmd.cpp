// `websec headers audit` — judge the security headers of a raw HTTP response head read from stdin or a file.
//
//   curl -sI https://example.com/ | websec headers audit [--json] [--https|--http] [--observatory]
//        [--hsts-min S] [--max-lifetime S] [FILE|-]
//
// Prints the verdict for every security header (Strict-Transport-Security, Content-Security-Policy[-Report-Only],
// X-Frame-Options, X-Content-Type-Options, Referrer-Policy, X-XSS-Protection) and every Set-Cookie line:
// "[severity] id  subject: reason", or with --json one object {"status", "https", "verdicts": [...]}.
// --https (default) / --http says how the response was fetched (HSTS counts only over https; Secure cookies
// are dropped over http). --observatory uses HTTP Observatory's six-month HSTS threshold (15552000 s) instead
// of the Flask doc's one year; --hsts-min sets any threshold. With `curl -sIL` the last response is judged.
// Exit status: 1 when any verdict is medium or high, 0 otherwise, 2 on bad usage or unreadable input.
#include "command.hpp"

#include "websec/headers.hpp"

#include <iostream>

namespace {

using namespace websec;

bool parse_int(const std::string& s, std::int64_t& out) {
  try {
    std::size_t used = 0;
    out = std::stoll(s, &used);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

int audit(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"hsts-min", "max-lifetime"}, {"json", "https", "http", "observatory"})) return 2;
  if (op.has("https") && op.has("http")) return cli::usage_error("--https and --http exclude each other");
  if (op.positionals().size() > 1) return cli::usage_error("headers audit reads one response head (FILE or stdin)");
  auto raw = cli::read_input(op.positionals().empty() ? "-" : op.positionals()[0]);
  if (!raw) return 2;
  auto head = headers::parse_response_head(*raw);
  if (!head) {
    std::cerr << "websec: " << head.err().kind << " at byte " << head.err().offset << ": " << head.err().message << "\n";
    return 2;
  }
  headers::response_options o;
  o.https = !op.has("http");
  if (op.has("observatory")) o.hsts_min_max_age = headers::hsts_common_max_age;
  if (auto m = op.get("hsts-min")) {
    std::int64_t s;
    if (!parse_int(*m, s)) return cli::usage_error("--hsts-min needs seconds");
    o.hsts_min_max_age = s;
  }
  if (auto m = op.get("max-lifetime")) {
    std::int64_t s;
    if (!parse_int(*m, s)) return cli::usage_error("--max-lifetime needs seconds");
    o.cookie_max_lifetime = s;
  }
  auto v = headers::audit_response(head->headers, o);
  if (op.has("json")) {
    std::cout << "{\"status\": " << head->status << ", \"https\": " << (o.https ? "true" : "false") << ", \"verdicts\": [";
    for (std::size_t i = 0; i < v.size(); ++i)
      std::cout << (i ? ", " : "") << "{\"id\": " << cli::json_string(v[i].id) << ", \"severity\": \""
                << to_string(v[i].level) << "\", \"subject\": " << cli::json_string(v[i].subject)
                << ", \"reason\": " << cli::json_string(v[i].reason) << "}";
    std::cout << "]}\n";
  } else {
    for (const auto& x : v)
      std::cout << "[" << to_string(x.level) << "] " << x.id << "  " << x.subject << ": " << x.reason << "\n";
  }
  return any_at_least(v, severity::medium) ? 1 : 0;
}

int run(const cli::args& a) {
  if (a.empty() || a[0] != "audit") return cli::usage_error("headers audit [--json] [--https|--http] [--observatory] [FILE|-]");
  return audit(cli::args(a.begin() + 1, a.end()));
}

const cli::command reg("headers",
                       "headers audit [--json] [--https|--http] [--observatory] [--hsts-min S] [--max-lifetime S] [FILE|-]  "
                       "(reads a response head, e.g. curl -sI; exit 1 on a medium/high finding)",
                       run);

}  // namespace
