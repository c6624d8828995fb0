// `websec headers audit` — a verdict (pass, weak, fail, invalid) for every security header of a response, every
// Set-Cookie line, and the whole response (websec/headers.hpp, docs/verdicts.md).
#include "audit_output.hpp"
#include "command.hpp"

#include "websec/headers.hpp"

#include <iostream>
#include <memory>

namespace {

using namespace websec;

struct opts {
  cli::audit_common common;
  std::string path = "-";
  std::vector<std::string> only, cookie_roles;
  std::optional<std::string> url;
  bool https = false, http = false, observatory = false;
  std::optional<std::int64_t> hsts_min, max_lifetime;
};

int audit(const opts& a) {
  const rating fail_on = cli::fail_on_rating(a.common.fail_on);
  headers::response_options o;
  o.https = !a.http;
  if (a.observatory) o.hsts_min_max_age = headers::hsts_common_max_age;
  if (a.hsts_min) o.hsts_min_max_age = *a.hsts_min;
  if (a.max_lifetime) o.cookie_max_lifetime = *a.max_lifetime;
  if (a.url) {
    auto req = cookie::parse_request_url(*a.url);
    if (!req) return cli::usage_error("--url: " + req.err().message);
    o.url = *a.url;
  }
  for (const auto& cr : a.cookie_roles) {
    std::size_t eq = cr.find('=');
    cookie::cookie_role role;
    if (eq == std::string::npos || eq == 0 || !cookie::parse_role(cr.substr(eq + 1), role))
      return cli::usage_error("--cookie-role NAME=ROLE (session, remember-me, csrf, preference, other)");
    o.cookie_roles.emplace_back(cr.substr(0, eq), role);
  }
  for (const auto& h : a.only)
    if (!h.empty()) o.only.push_back(h);
  cli::input_file file;
  if (!file.open(a.path)) return 2;
  auto raw = file.all();
  if (!raw) return 2;
  auto in = headers::read_audit_input(*raw);
  if (!in) {
    std::cerr << "websec: " << to_string(in.err().kind) << " at byte " << in.err().offset << ": " << in.err().message << "\n";
    return 2;
  }
  auto rep = headers::audit(*in, o);
  bool https = o.https;
  if (!o.url && in->url)
    if (auto req = cookie::parse_request_url(*in->url)) https = req->scheme == "https";
  if (o.url)
    if (auto req = cookie::parse_request_url(*o.url)) https = req->scheme == "https";
  if (a.common.json) {
    cli::print_report_json(rep, ", \"status\": " + std::to_string(in->status) + ", \"https\": " + (https ? "true" : "false") +
                                    ", \"form\": " + cli::json_string(in->form));
  } else {
    cli::print_report_text(rep, !a.common.no_info);
  }
  return at_least(rep.overall, fail_on) ? 1 : 0;
}

void setup(CLI::App& root) {
  auto* g = cli::group(root, "headers", "Judge the security headers of a response",
                       "Example:\n  curl -sI https://example.com/ | websec headers audit");
  auto o = std::make_shared<opts>();
  auto* c = cli::leaf(
      *g, "audit", "A verdict per security header and cookie of one response, and overall",
      "Verdicts: pass (protects as intended), weak (protects, with a named weakness), fail (does not protect\n"
      "against what it is for), invalid (browsers ignore it: the same as absent). Repeated and comma-joined\n"
      "headers are resolved as browsers resolve them; docs/verdicts.md lists every rule with its source.\n"
      "\n"
      "Input (FILE, or stdin when absent or '-'), recognised from the text:\n"
      "  a response head      curl -sI URL, curl -sIL URL (the last response), curl -si URL (the HTML body's\n"
      "                       <meta> elements are read too)\n"
      "  bare header lines    Name: value, one per line (a leading request line is skipped)\n"
      "  an HTML page         its <meta http-equiv=Content-Security-Policy> and <meta name=referrer>\n"
      "  a HAR file           the first HTML response of a browser's \"Save all as HAR\" (its URL is used)\n"
      "\n"
      "Text: per subject \"VERDICT  NAME: value\" and its findings \"[severity] id: reason\", then \"overall: V\".\n"
      "JSON: {\"overall\", \"status\", \"https\", \"form\", \"headers\": [SUBJECT...], \"cookies\": [SUBJECT...],\n"
      "       \"findings\": [FINDING...]}\n"
      "  SUBJECT {\"kind\", \"name\", \"verdict\", \"present\", \"value\", \"resolution\", (\"role\",) \"findings\"}\n"
      "  FINDING {\"id\", \"severity\", \"verdict\", \"subject\", \"reason\"}\n"
      "Exit: 0 the overall verdict is better than --fail-on, 1 it is not, 2 bad usage or unreadable input.\n"
      "Examples:\n"
      "  curl -sI https://example.com/ | websec headers audit\n"
      "  websec headers audit --json --only csp,hsts --fail-on fail response.txt\n"
      "  websec headers audit --url https://app.example.com/ --cookie-role sid=session page.har",
      [o] { return audit(*o); });
  cli::add_audit_common(c, o->common);
  c->add_option("--only", o->only,
                "judge only this header (repeatable, or comma-separated): a header name or hsts, csp, xfo, xcto, "
                "referrer, cookies, cookie:NAME; the overall verdict covers only these")
      ->type_name("HEADER")
      ->delimiter(',')
      ->allow_extra_args(false);
  c->add_option("--url", o->url, "the request URL: https or http, and the host cookie Domain attributes must match")
      ->type_name("URL");
  auto* https = c->add_flag("--https", o->https, "the response was fetched over https (the default without --url)");
  c->add_flag("--http", o->http, "the response was fetched over plain http")->excludes(https);
  c->add_option("--cookie-role", o->cookie_roles,
                "the role of cookie N: session, remember-me, csrf, preference, other (repeatable; default: guessed "
                "from the name)")
      ->type_name("N=R")
      ->allow_extra_args(false);
  c->add_flag("--observatory", o->observatory,
              "HSTS threshold of HTTP Observatory, six months (15552000 s), instead of one year");
  c->add_option("--hsts-min", o->hsts_min, "HSTS max-age below S seconds is weak")
      ->type_name("S")
      ->default_str("31536000")
      ->check(cli::integer(0, INT64_MAX, "seconds"));
  c->add_option("--max-lifetime", o->max_lifetime, "cookies living longer than S seconds are weak (default: no limit)")
      ->type_name("S")
      ->check(cli::integer(0, INT64_MAX, "seconds"));
  c->add_option("FILE", o->path, "the response, or - for stdin")->type_name("FILE")->capture_default_str()->check(cli::file_or_stdin());
}

const cli::command reg("headers", setup);

}  // namespace
