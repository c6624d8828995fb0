// `websec cookie` — audit Set-Cookie lines (a verdict per cookie), write one as werkzeug's dump_cookie would,
// read a Cookie header. `websec cookie --help` describes every sub-command.
#include "audit_output.hpp"
#include "command.hpp"

#include "websec/cookie.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace {

using namespace websec;

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

struct audit_opts {
  cli::audit_common common;
  std::vector<std::string> lines, roles;
  std::optional<std::string> file, url;
  std::optional<std::int64_t> max_lifetime;
  bool http = false, https = false, hsts = false;
};

int audit(const audit_opts& a) {
  const rating fail_on = cli::fail_on_rating(a.common.fail_on);
  cookie::audit_options o;
  o.https = !a.http;
  o.hsts = a.hsts;
  if (a.max_lifetime) o.max_lifetime = *a.max_lifetime;
  if (a.url) {
    auto req = cookie::parse_request_url(*a.url);
    if (!req) return cli::usage_error("--url: " + req.err().message);
    o.url = *a.url;
  }
  std::vector<std::pair<std::string, cookie::cookie_role>> named;
  for (const auto& r : a.roles) {
    std::size_t eq = r.find('=');
    cookie::cookie_role role;
    if (!cookie::parse_role(eq == std::string::npos ? r : r.substr(eq + 1), role))
      return cli::usage_error("--role takes session, remember-me, csrf, preference, other (or NAME=ROLE)");
    if (eq == std::string::npos) o.role = role;
    else named.emplace_back(r.substr(0, eq), role);
  }
  std::vector<std::string> lines;
  const bool from_input = a.lines.empty() || (a.lines.size() == 1 && a.lines[0] == "-") || a.file;
  if (from_input) {
    if (a.file && !a.lines.empty()) return cli::usage_error("cookie audit: give Set-Cookie lines or --file, not both");
    cli::input_file in;
    if (!in.open(a.file.value_or("-"))) return 2;
    auto text = in.all();
    if (!text) return 2;
    for (auto line : cli::split_lines(*text, true)) lines.emplace_back(line);
    if (lines.empty()) return cli::usage_error("cookie audit: no Set-Cookie line in the input");
  } else {
    lines = a.lines;
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
  if (a.common.json) cli::print_report_json(rep, "");
  else cli::print_report_text(rep, !a.common.no_info);
  return at_least(rep.overall, fail_on) ? 1 : 0;
}

struct dump_opts {
  std::string key, value, profile = "upstream";
  std::optional<std::int64_t> max_age;
  std::optional<std::string> expires, path, domain, samesite;
  bool no_path = false, secure = false, httponly = false, partitioned = false, json = false;
};

int dump(const dump_opts& a) {
  cookie::dump_options o;
  parse_profile(a.profile, o.profile);
  if (a.max_age) o.max_age = *a.max_age;
  if (a.expires) {
    char* end = nullptr;
    errno = 0;
    long long s = std::strtoll(a.expires->c_str(), &end, 10);
    if (!a.expires->empty() && !*end && !errno) o.expires = static_cast<std::int64_t>(s);
    else o.expires = *a.expires;
  }
  if (a.path) o.path = *a.path;
  if (a.no_path) o.path.reset();
  if (a.domain) o.domain = *a.domain;
  if (a.samesite) o.samesite = *a.samesite;
  o.secure = a.secure;
  o.httponly = a.httponly;
  o.partitioned = a.partitioned;
  auto r = cookie::dump_cookie(a.key, a.value, o);
  if (!r) {
    std::cerr << "websec: " << to_string(r.err().kind) << ": " << r.err().message << "\n";
    return 1;
  }
  if (r->too_large) std::cerr << "warning: " << r->warning << "\n";
  if (a.json)
    std::cout << "{\"set_cookie\": " << cli::json_string(r->header) << ", \"too_large\": "
              << (r->too_large ? "true" : "false") << ", \"warning\": "
              << (r->too_large ? cli::json_string(r->warning) : std::string("null")) << "}\n";
  else
    std::cout << "Set-Cookie: " << r->header << "\n";
  return 0;
}

struct parse_opts {
  std::vector<std::string> headers;
  std::string profile = "upstream";
  bool json = false;
};

int parse(const parse_opts& a) {
  profile p = profile::upstream;
  parse_profile(a.profile, p);
  std::vector<std::string> headers = a.headers;
  if (headers.empty() || (headers.size() == 1 && headers[0] == "-")) {
    auto text = cli::read_input("-");
    if (!text) return 2;
    headers.clear();
    for (auto line : cli::split_lines(*text, true)) headers.emplace_back(line);
  }
  std::string joined;
  for (const auto& h : headers) {
    std::string s = h;
    if (s.size() >= 7 && (s.compare(0, 7, "Cookie:") == 0 || s.compare(0, 7, "cookie:") == 0)) s.erase(0, 7);
    joined += (joined.empty() ? "" : ";") + s;
  }
  std::string out = a.json ? "{\"cookies\": [" : "";
  bool first = true;
  for (const auto& [k, v] : cookie::parse_cookie_header(joined, p)) {
    if (a.json) out += (first ? "[" : ", [") + cli::json_string(k) + ", " + cli::json_string(v) + "]";
    else out += k + "\t" + v + "\n";
    first = false;
  }
  if (a.json) out += "]}\n";
  std::cout << out;
  return 0;
}

void setup(CLI::App& root) {
  auto* g = cli::group(root, "cookie", "Audit Set-Cookie lines, write one as werkzeug does, read a Cookie header",
                       "Examples:\n"
                       "  websec cookie audit 'Set-Cookie: session=x; Secure; HttpOnly; SameSite=Lax'\n"
                       "  websec cookie dump session abc --secure --httponly --samesite Lax\n"
                       "  websec cookie parse 'Cookie: a=1; b=2'");

  auto au = std::make_shared<audit_opts>();
  auto* ac = cli::leaf(
      *g, "audit", "A verdict per Set-Cookie line (pass, weak, fail, invalid) and overall",
      "Judges each cookie as a browser stores it (RFC 6265bis): a cookie the browser rejects is invalid and nothing\n"
      "else is said about it. The lines are the arguments, or, without arguments (or with - or --file -), one per\n"
      "line of stdin; --file F reads F. The 'Set-Cookie:' prefix is optional; blank lines are skipped.\n"
      "Text: per cookie \"VERDICT  cookie NAME (ROLE)\" and its findings, then \"overall: V\".\n"
      "JSON: {\"overall\", \"headers\": [], \"cookies\": [SUBJECT...], \"findings\": [FINDING...]}\n"
      "  SUBJECT {\"kind\": \"cookie\", \"name\", \"verdict\", \"present\", \"value\", \"resolution\", \"role\", \"findings\"}\n"
      "  FINDING {\"id\", \"severity\", \"verdict\", \"subject\", \"reason\"}\n"
      "Exit: 0 the overall verdict is better than --fail-on, 1 it is not, 2 bad usage or unreadable input.\n"
      "Examples:\n"
      "  websec cookie audit --url https://www.example.com/ 'session=x; Secure; HttpOnly; SameSite=Lax'\n"
      "  curl -sI https://example.com/ | grep -i '^set-cookie:' | websec cookie audit --json",
      [au] { return audit(*au); });
  cli::add_audit_common(ac, au->common);
  ac->add_option("--file", au->file, "read the lines from FILE (- for stdin)")->type_name("FILE")->check(cli::file_or_stdin());
  ac->add_option("--url", au->url,
                 "the request URL: its scheme (Secure needs https) and host (Domain must domain-match it and must not "
                 "be a public suffix)")
      ->type_name("URL");
  ac->add_option("--role", au->roles,
                 "the cookie's role: session, remember-me, csrf, preference, other, or NAME=R for one cookie "
                 "(repeatable; default: guessed from the name)")
      ->type_name("R|NAME=R")
      ->allow_extra_args(false);
  ac->add_flag("--hsts", au->hsts, "the site sends HSTS (a missing Secure on a session cookie is weak, not fail)");
  auto* https = ac->add_flag("--https", au->https, "fetched over https, when --url is not given (the default)");
  ac->add_flag("--http", au->http, "fetched over plain http, when --url is not given")->excludes(https);
  ac->add_option("--max-lifetime", au->max_lifetime,
                 "cookies living longer than S seconds are weak (e.g. 2678400, Flask's 31 days; default: no limit)")
      ->type_name("S")
      ->check(cli::integer(0, INT64_MAX, "seconds"));
  ac->add_option("SET-COOKIE", au->lines, "Set-Cookie lines, or - for stdin (default: stdin)");

  auto du = std::make_shared<dump_opts>();
  auto* dc = cli::leaf(*g, "dump", "The Set-Cookie value werkzeug.http.dump_cookie produces",
                       "Text: \"Set-Cookie: VALUE\" (a warning on stderr when it is too large for browsers).\n"
                       "JSON: {\"set_cookie\": VALUE, \"too_large\": bool, \"warning\": TEXT|null}\n"
                       "Exit: 0 written, 1 werkzeug raises, 2 bad usage.\n"
                       "Example:\n  websec cookie dump session abc --secure --httponly --samesite Lax --max-age 3600",
                       [du] { return dump(*du); });
  dc->add_option("KEY", du->key, "the cookie name")->required();
  dc->add_option("VALUE", du->value, "the cookie value (default: empty)");
  dc->add_option("--max-age", du->max_age, "Max-Age in seconds")->type_name("S")->check(cli::integer(INT64_MIN, INT64_MAX, "seconds"));
  dc->add_option("--expires", du->expires, "Expires: a Unix time or a date string")->type_name("T");
  auto* path = dc->add_option("--path", du->path, "Path")->type_name("P")->default_str("/");
  dc->add_flag("--no-path", du->no_path, "no Path attribute")->excludes(path);
  dc->add_option("--domain", du->domain, "Domain")->type_name("D");
  dc->add_flag("--secure", du->secure, "Secure");
  dc->add_flag("--httponly", du->httponly, "HttpOnly");
  dc->add_option("--samesite", du->samesite, "SameSite: Strict, Lax or None")->type_name("V");
  dc->add_flag("--partitioned", du->partitioned, "Partitioned (CHIPS)");
  dc->add_option("--profile", du->profile, "werkzeug: upstream (newest) or debian (Debian 12's)")
      ->capture_default_str()
      ->check(cli::one_of({"upstream", "debian"}));
  dc->add_flag("--json", du->json, "JSON output");

  auto pa = std::make_shared<parse_opts>();
  auto* pc = cli::leaf(*g, "parse", "request.cookies as werkzeug reads the Cookie header",
                       "Several headers are joined with ';'. Without arguments (or with -), one header per line of stdin.\n"
                       "Text: one KEY<TAB>VALUE per line.  JSON: {\"cookies\": [[KEY, VALUE]...]} (in header order)\n"
                       "Exit: 0, or 2 on bad usage.\n"
                       "Example:\n  websec cookie parse 'Cookie: a=1; b=\"x\\\\073y\"'",
                       [pa] { return parse(*pa); });
  pc->add_option("COOKIE-HEADER", pa->headers, "Cookie header values (\"Cookie:\" optional), or - for stdin");
  pc->add_option("--profile", pa->profile, "werkzeug: upstream (newest) or debian (Debian 12's)")
      ->capture_default_str()
      ->check(cli::one_of({"upstream", "debian"}));
  pc->add_flag("--json", pa->json, "JSON output");
}

const cli::command reg("cookie", setup);

}  // namespace
