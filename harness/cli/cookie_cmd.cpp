// `websec cookie` — audit Set-Cookie lines (a verdict per cookie), write one as werkzeug's dump_cookie would,
// read a Cookie header. `websec cookie --help` describes every sub-command.
#include "audit_output.hpp"
#include "command.hpp"

#include "websec/cookie.hpp"

#include <iostream>

namespace {

using namespace websec;

constexpr const char* kHelp =
    "usage: websec cookie audit [options] [SET-COOKIE...]\n"
    "       websec cookie dump KEY [VALUE] [options]\n"
    "       websec cookie parse COOKIE-HEADER... [--profile debian|upstream]\n"
    "\n"
    "cookie audit: a verdict per Set-Cookie line (pass, weak, fail, invalid) and overall, as a browser stores the\n"
    "cookie (RFC 6265bis): a cookie the browser rejects is invalid and nothing else is said about it. The lines\n"
    "are the arguments, or, without arguments (or with --file -), one per line of stdin; --file F reads F. The\n"
    "'Set-Cookie:' prefix is optional.\n"
    "  --url URL           the request URL: its scheme (Secure needs https) and host (Domain must domain-match it\n"
    "                      and must not be a public suffix, from Debian's publicsuffix list)\n"
    "  --role R            the cookie's role: session, remember-me, csrf, preference, other, or NAME=R for one\n"
    "                      cookie (repeatable). Default: guessed from the name. HttpOnly is demanded of session and\n"
    "                      remember-me cookies (and unknown ones), not of csrf or preference cookies scripts read\n"
    "  --hsts              the site sends HSTS (a missing Secure on a session cookie is weak instead of fail)\n"
    "  --http | --https    how the response was fetched when --url is not given (default --https)\n"
    "  --max-lifetime S    cookies living longer than S seconds are weak (e.g. 2678400, Flask's 31 days)\n"
    "  --json              {\"overall\", \"cookies\": [{name, role, verdict, value, findings}], \"findings\"}\n"
    "  --fail-on V         exit 1 when the overall verdict is V or worse: weak (default), fail, invalid\n"
    "  --no-info           leave out findings of severity info\n"
    "cookie dump: the Set-Cookie value werkzeug.http.dump_cookie produces (exit 1 when werkzeug raises):\n"
    "  --max-age S --expires T --path P --no-path --domain D --secure --httponly --samesite V --partitioned\n"
    "  --profile debian|upstream\n"
    "cookie parse: request.cookies as werkzeug reads the Cookie header, one KEY<TAB>VALUE per line.\n"
    "\n"
    "Exit status: 0 fine, 1 the verdict is at or above --fail-on (audit) or werkzeug raises (dump), 2 bad usage.\n";

std::string strip_field_name(std::string s) {
  static constexpr std::string_view p = "set-cookie:";
  if (s.size() >= p.size()) {
    bool match = true;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) match = false;
    if (match) {
      s.erase(0, p.size());
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
    }
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

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
  if (!op.parse({"max-lifetime", "url", "role", "file", "fail-on"}, {"http", "https", "json", "hsts", "no-info"})) return 2;
  if (op.has("https") && op.has("http")) return cli::usage_error("--https and --http exclude each other");
  rating fail_on;
  if (!cli::parse_fail_on(op, fail_on)) return 2;
  cookie::audit_options o;
  o.https = !op.has("http");
  o.hsts = op.has("hsts");
  if (auto m = op.get("max-lifetime")) {
    std::int64_t s;
    if (!parse_int(*m, s)) return cli::usage_error("--max-lifetime needs a number of seconds");
    o.max_lifetime = s;
  }
  if (auto u = op.get("url")) {
    auto req = cookie::parse_request_url(*u);
    if (!req) return cli::usage_error("--url: " + req.err().message);
    o.url = *u;
  }
  std::vector<std::pair<std::string, cookie::cookie_role>> named;
  for (const auto& r : op.all("role")) {
    std::size_t eq = r.find('=');
    cookie::cookie_role role;
    if (!cookie::parse_role(eq == std::string::npos ? r : r.substr(eq + 1), role))
      return cli::usage_error("--role takes session, remember-me, csrf, preference, other (or NAME=ROLE)");
    if (eq == std::string::npos) o.role = role;
    else named.emplace_back(r.substr(0, eq), role);
  }
  std::vector<std::string> lines;
  if (op.positionals().empty() || op.get("file")) {
    if (!op.positionals().empty()) return cli::usage_error("cookie audit: give Set-Cookie lines or --file, not both");
    auto text = cli::read_input(op.get("file").value_or("-"));
    if (!text) return 2;
    std::size_t b = 0;
    while (b <= text->size()) {
      std::size_t e = text->find('\n', b);
      std::string line = text->substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      bool blank = line.find_first_not_of(" \t") == std::string::npos;
      if (!blank) lines.push_back(line);
      if (e == std::string::npos) break;
      b = e + 1;
    }
    if (lines.empty()) return cli::usage_error("cookie audit: no Set-Cookie line in the input");
  } else {
    lines = op.positionals();
  }
  audit_report rep;
  for (const auto& line : lines) {
    std::string value = strip_field_name(line);
    cookie::audit_options one = o;
    std::string name = value.substr(0, std::min(value.find('='), value.find(';')));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(0, 1);
    for (const auto& [n, r] : named)
      if (n == name) one.role = r;
    rep.cookies.push_back(cookie::audit_cookie(value, one));
    rep.overall = worst(rep.overall, rep.cookies.back().result);
  }
  if (op.has("json")) cli::print_report_json(rep, "");
  else cli::print_report_text(rep, !op.has("no-info"));
  return at_least(rep.overall, fail_on) ? 1 : 0;
}

int dump(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"max-age", "path", "domain", "samesite", "profile", "expires"}, {"secure", "httponly", "partitioned", "no-path"}))
    return 2;
  const auto& pos = op.positionals();
  if (pos.empty() || pos.size() > 2) return cli::usage_error("cookie dump KEY [VALUE] [options]");
  cookie::dump_options o;
  if (auto p = op.get("profile"); p && !parse_profile(*p, o.profile)) return cli::usage_error("--profile debian|upstream");
  if (auto m = op.get("max-age")) {
    std::int64_t s;
    if (!parse_int(*m, s)) return cli::usage_error("--max-age needs seconds");
    o.max_age = s;
  }
  if (auto e = op.get("expires")) {
    std::int64_t s;
    if (parse_int(*e, s)) o.expires = s;
    else o.expires = *e;
  }
  if (auto p = op.get("path")) o.path = *p;
  if (op.has("no-path")) o.path.reset();
  if (auto d = op.get("domain")) o.domain = *d;
  if (auto s = op.get("samesite")) o.samesite = *s;
  o.secure = op.has("secure");
  o.httponly = op.has("httponly");
  o.partitioned = op.has("partitioned");
  auto r = cookie::dump_cookie(pos[0], pos.size() > 1 ? pos[1] : "", o);
  if (!r) {
    std::cerr << "websec: " << r.err().kind << ": " << r.err().message << "\n";
    return 1;
  }
  if (r->too_large) std::cerr << "warning: " << r->warning << "\n";
  std::cout << "Set-Cookie: " << r->header << "\n";
  return 0;
}

int parse(const cli::args& a) {
  cli::option_parser op(a);
  if (!op.parse({"profile"}, {})) return 2;
  profile p = profile::upstream;
  if (auto s = op.get("profile"); s && !parse_profile(*s, p)) return cli::usage_error("--profile debian|upstream");
  std::string joined;
  for (const auto& h : op.positionals()) {
    std::string s = h;
    if (s.size() >= 7 && (s.compare(0, 7, "Cookie:") == 0 || s.compare(0, 7, "cookie:") == 0)) s.erase(0, 7);
    joined += (joined.empty() ? "" : ";") + s;
  }
  for (const auto& [k, v] : cookie::parse_cookie_header(joined, p)) std::cout << k << "\t" << v << "\n";
  return 0;
}

int run(const cli::args& a) {
  if (a.empty()) return cli::usage_error("cookie audit|dump|parse ...");
  cli::args rest(a.begin() + 1, a.end());
  if (a[0] == "audit") return audit(rest);
  if (a[0] == "dump") return dump(rest);
  if (a[0] == "parse") return parse(rest);
  return cli::usage_error("unknown cookie sub-command " + quote_input(a[0]) + " (audit, dump, parse)");
}

const cli::command reg("cookie",
                       "cookie audit [SET-COOKIE...|--file F] [--url URL] [--role R|NAME=R] [--hsts] [--http] "
                       "[--max-lifetime S] [--json] [--fail-on weak|fail|invalid] [--no-info]  (a verdict per cookie; "
                       "lines from stdin when none given); "
                       "cookie dump KEY [VALUE] [--secure --httponly --samesite V --max-age S --path P --domain D --profile P]; "
                       "cookie parse 'a=1; b=2' [--profile P]",
                       run, kHelp);

}  // namespace
