// `websec cookie` — audit Set-Cookie lines, write one as werkzeug's dump_cookie would, read a Cookie header.
//
//   websec cookie audit 'Set-Cookie: session=...; HttpOnly' [...] [--max-lifetime S] [--http] [--json]
//       Judges each Set-Cookie line (the "Set-Cookie:" prefix is optional) as a browser reads it
//       (RFC 6265bis) and prints one verdict per line of output: "[severity] id  cookie: reason".
//       --max-lifetime S  report cookies living longer than S seconds (e.g. 2678400 = Flask's 31 days)
//       --http            the response came over plain HTTP (default: https)
//       --json            print {"verdicts": [{"id","severity","subject","reason"}...]}
//       Exit status: 1 when any verdict is medium or high, 0 otherwise, 2 on bad usage.
//   websec cookie dump KEY [VALUE] [--max-age S] [--path P] [--domain D] [--secure] [--httponly]
//                      [--samesite V] [--partitioned] [--profile debian|upstream]
//       Prints the Set-Cookie value werkzeug.http.dump_cookie would produce (exit 1 when werkzeug raises).
//   websec cookie parse 'a=1; b="x"' [--profile debian|upstream]
//       Prints request.cookies as werkzeug reads the Cookie header, one "key<TAB>value" per line.
#include "command.hpp"

#include "websec/cookie.hpp"

#include <iostream>

namespace {

using namespace websec;

void print_verdicts(const std::vector<verdict>& v, bool json) {
  if (json) {
    std::cout << "{\"verdicts\": [";
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::cout << (i ? ", " : "") << "{\"id\": " << cli::json_string(v[i].id) << ", \"severity\": \""
                << to_string(v[i].level) << "\", \"subject\": " << cli::json_string(v[i].subject)
                << ", \"reason\": " << cli::json_string(v[i].reason) << "}";
    }
    std::cout << "]}\n";
    return;
  }
  for (const auto& x : v)
    std::cout << "[" << to_string(x.level) << "] " << x.id << "  " << x.subject << ": " << x.reason << "\n";
}

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
  if (!op.parse({"max-lifetime"}, {"http", "https", "json"})) return 2;
  if (op.positionals().empty()) return cli::usage_error("cookie audit: give at least one 'Set-Cookie: ...' line");
  cookie::audit_options o;
  o.https = !op.has("http");
  if (auto m = op.get("max-lifetime")) {
    std::int64_t s;
    if (!parse_int(*m, s)) return cli::usage_error("--max-lifetime needs a number of seconds");
    o.max_lifetime = s;
  }
  std::vector<verdict> all;
  for (const auto& line : op.positionals()) {
    auto v = cookie::audit_set_cookie(strip_field_name(line), o);
    all.insert(all.end(), v.begin(), v.end());
  }
  print_verdicts(all, op.has("json"));
  return any_at_least(all, severity::medium) ? 1 : 0;
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
  return cli::usage_error("unknown cookie sub-command '" + a[0] + "' (audit, dump, parse)");
}

const cli::command reg("cookie",
                       "cookie audit 'Set-Cookie: ...' [--max-lifetime S] [--http] [--json]  (exit 1 on a medium/high finding); "
                       "cookie dump KEY [VALUE] [--secure --httponly --samesite V --max-age S --path P --domain D --profile P]; "
                       "cookie parse 'a=1; b=2' [--profile P]",
                       run);

}  // namespace
