// `websec headers audit` — a verdict (pass, weak, fail, invalid) for every security header of a response, every
// Set-Cookie line, and the whole response (websec/headers.hpp, docs/verdicts.md).
#include "audit_output.hpp"
#include "command.hpp"

#include "websec/headers.hpp"

#include <iostream>

namespace {

using namespace websec;

constexpr const char* kHelp =
    "usage: websec headers audit [options] [FILE|-]\n"
    "\n"
    "Judges the security headers of one response and prints a verdict per header and per cookie, then the overall\n"
    "verdict: pass (protects as intended), weak (protects, with a named weakness), fail (does not protect against\n"
    "what it is for), invalid (browsers ignore it: the same as absent). Repeated and comma-joined headers are\n"
    "resolved as browsers resolve them; docs/verdicts.md lists every rule with its source.\n"
    "\n"
    "Input (FILE, or stdin when absent or '-'), recognised from the text:\n"
    "  a response head      curl -sI URL, curl -sIL URL (the last response), curl -si URL (the HTML body's\n"
    "                       <meta> elements are read too)\n"
    "  bare header lines    Name: value, one per line (a leading request line is skipped)\n"
    "  an HTML page         its <meta http-equiv=Content-Security-Policy> and <meta name=referrer>\n"
    "  a HAR file           the first HTML response of a browser's \"Save all as HAR\" (its URL is used)\n"
    "\n"
    "Options:\n"
    "  --json               print {\"overall\", \"status\", \"https\", \"form\", \"headers\": [...], \"cookies\": [...],\n"
    "                       \"findings\": [...]}; each subject has name, verdict, present, value, resolution,\n"
    "                       findings (id, severity, verdict, subject, reason)\n"
    "  --only HEADER        judge only this header (repeatable, or comma-separated): a header name or hsts, csp,\n"
    "                       xfo, xcto, referrer, cookies, cookie:NAME; the overall verdict covers only these\n"
    "  --fail-on V          exit 1 when the overall verdict is V or worse: weak (default), fail, invalid\n"
    "  --url URL            the request URL: https or http, and the host cookie Domain attributes must match\n"
    "  --https | --http     how the response was fetched when --url is not given (default --https)\n"
    "  --cookie-role N=R    the role of cookie N: session, remember-me, csrf, preference, other (repeatable;\n"
    "                       default: guessed from the name)\n"
    "  --observatory        HSTS threshold of HTTP Observatory, six months (15552000 s), instead of one year\n"
    "  --hsts-min S         HSTS max-age below S seconds is weak (default 31536000)\n"
    "  --max-lifetime S     cookies living longer than S seconds are weak\n"
    "  --no-info            leave out findings of severity info (advice that never lowers a verdict)\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 the overall verdict is better than --fail-on, 1 it is not, 2 bad usage or unreadable input.\n";

bool parse_int(const std::string& s, std::int64_t& out) {
  try {
    std::size_t used = 0;
    out = std::stoll(s, &used);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

std::vector<std::string> split_commas(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) {
    std::size_t b = 0;
    while (b <= s.size()) {
      std::size_t c = s.find(',', b);
      std::string part = s.substr(b, c == std::string::npos ? std::string::npos : c - b);
      if (!part.empty()) out.push_back(part);
      if (c == std::string::npos) break;
      b = c + 1;
    }
  }
  return out;
}

int audit(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"hsts-min", "max-lifetime", "only", "fail-on", "url", "cookie-role"},
                {"json", "https", "http", "observatory", "no-info"}))
    return 2;
  if (op.has("https") && op.has("http")) return cli::usage_error("--https and --http exclude each other");
  if (op.positionals().size() > 1) return cli::usage_error("headers audit reads one input (FILE or stdin)");
  rating fail_on;
  if (!cli::parse_fail_on(op, fail_on)) return 2;
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
  if (auto u = op.get("url")) {
    auto req = cookie::parse_request_url(*u);
    if (!req) return cli::usage_error("--url: " + req.err().message);
    o.url = *u;
  }
  for (const auto& cr : op.all("cookie-role")) {
    std::size_t eq = cr.find('=');
    cookie::cookie_role role;
    if (eq == std::string::npos || eq == 0 || !cookie::parse_role(cr.substr(eq + 1), role))
      return cli::usage_error("--cookie-role NAME=ROLE (session, remember-me, csrf, preference, other)");
    o.cookie_roles.emplace_back(cr.substr(0, eq), role);
  }
  o.only = split_commas(op.all("only"));
  auto raw = cli::read_input(op.positionals().empty() ? "-" : op.positionals()[0]);
  if (!raw) return 2;
  auto in = headers::read_audit_input(*raw);
  if (!in) {
    std::cerr << "websec: " << in.err().kind << " at byte " << in.err().offset << ": " << in.err().message << "\n";
    return 2;
  }
  auto rep = headers::audit(*in, o);
  bool https = o.https;
  if (!o.url && in->url)
    if (auto req = cookie::parse_request_url(*in->url)) https = req->scheme == "https";
  if (o.url)
    if (auto req = cookie::parse_request_url(*o.url)) https = req->scheme == "https";
  if (op.has("json")) {
    cli::print_report_json(rep, ", \"status\": " + std::to_string(in->status) + ", \"https\": " + (https ? "true" : "false") +
                                    ", \"form\": " + cli::json_string(in->form));
  } else {
    cli::print_report_text(rep, !op.has("no-info"));
  }
  return at_least(rep.overall, fail_on) ? 1 : 0;
}

int run(const cli::args& a) {
  if (a.empty() || a[0] != "audit") return cli::usage_error("headers audit [options] [FILE|-]   (websec headers --help)");
  return audit(cli::args(a.begin() + 1, a.end()));
}

const cli::command reg("headers",
                       "headers audit [--json] [--only H] [--fail-on weak|fail|invalid] [--url URL] [--https|--http] "
                       "[--cookie-role N=R] [--observatory] [--hsts-min S] [--max-lifetime S] [--no-info] [FILE|-]  "
                       "(a response head, header lines, HTML or HAR; a verdict per header and cookie)",
                       run, kHelp);

}  // namespace
