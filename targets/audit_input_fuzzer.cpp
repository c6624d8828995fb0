// audit_input_fuzzer — what `websec headers audit` and `websec cookie audit` run: any of the four input forms
// (a response head with its HTML body, bare header lines, an HTML page with <meta> elements, a HAR file) through
// headers::read_audit_input, then the whole-response audit with the command line's options (the request URL,
// --only, --cookie-role), and each header's audit on its own.
//
// Input (read in this order with websec::fuzz::input):
//   u8 flags   bit0 plain http, bit1 HTTP Observatory's HSTS threshold, bit2 a cookie lifetime limit of 31 days,
//              bit3 MAX_COOKIE_SIZE 256, bit4 a URL line follows, bit5 an --only line follows, bit6 a
//              --cookie-role line follows, bit7 read only: the input forms and their write-back, no audit (the
//              audit runs most of the code an input reaches; inputs about the reader alone run 3-4 times faster)
//   lines      for bits 4, 5, 6 in that order, the bytes up to the next '\n': the request URL; the subjects of
//              --only, comma-separated; NAME=ROLE pairs, comma-separated (a role that cookie::parse_role refuses is
//              skipped, as the command line refuses it)
//   rest       the audit input, as `websec headers audit FILE` reads it
// Invariants (abort on violation):
//   * read_audit_input never throws; its errors are bad_header_line / har_invalid / no_status_line with an offset
//     inside the input; the form follows the first bytes (after a BOM and whitespace): "HTTP/" -> response,
//     '{' holding "log" -> har, '<' -> html, else headers; an html input never fails and carries no headers;
//     at most 64 <meta> elements, each with a lower-case http-equiv or name; in_head and after_script never go
//     back once they change; only a HAR says the URL
//   * written back in its own form (a response head with the <meta> elements as HTML after it, CRLF header lines,
//     an HTML page, a one-entry HAR made with json::dumps), the input reads back equal (form, status, headers,
//     <meta> elements, URL)
//   * audit() reports the subjects `only` selects (HSTS, CSP, framing, X-Content-Type-Options, Referrer-Policy,
//     X-XSS-Protection when sent), each equal to its own report computed with the options audit() derives (the
//     URL's scheme decides https); every selected Set-Cookie line as cookie::audit_cookie judges it with its
//     role; the documented aliases of --only select their subject; the overall verdict is the worst reported;
//     audit_* equal the findings of the *_report functions
//   * every finding has a known "<area>." id, a severity, a reason, and info never lowers a verdict; each
//     subject's verdict is the worst effect of its findings; "*.ok" only with pass
//   * over http, HSTS says at most hsts.over_http; the <meta> findings of CSP and framing appear exactly when
//     such a <meta> is there; Referrer-Policy follows a model of header tokens replaced by <meta name=referrer>
//   * a cookie with a decisive finding (the browser drops it) is invalid and that finding is its last; with a
//     URL, a Domain the host does not domain-match is cookie.domain_mismatch (or cookie.public_suffix); a role
//     given by name is the role reported
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "fuzz_input.hpp"
#include "websec/cookie.hpp"
#include "websec/escape.hpp"
#include "websec/findings.hpp"
#include "websec/headers.hpp"
#include "websec/json.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace websec;
using namespace websec::headers;

namespace {

using websec::fuzz::lower;
constexpr auto trim = websec::fuzz::trim_ows;
bool html_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
std::vector<std::string> split(std::string_view s, char d) {
  std::vector<std::string> out;
  std::size_t b = 0;
  while (out.size() < 16) {
    std::size_t e = s.find(d, b);
    out.emplace_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}
bool ci_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}
std::vector<std::string> values_of(const header_list& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : h)
    if (ci_equal(n, name)) out.push_back(v);
  return out;
}

// ---- the input written back in its own form ----

std::string metas_html(const std::vector<meta_element>& metas) {
  std::string s = "<html>";
  bool script = false, body = false;
  for (const auto& m : metas) {
    if (m.after_script && !script) s += "<script></script>", script = true;
    if (!m.in_head && !body) s += "<body>", body = true;
    s += "<meta";
    if (!m.http_equiv.empty()) s += " http-equiv=\"" + escape::escape(m.http_equiv) + "\"";
    if (!m.name.empty()) s += " name=\"" + escape::escape(m.name) + "\"";
    s += " content=\"" + escape::escape(m.content) + "\">";
  }
  return s;
}

std::string header_lines(const header_list& h) {
  std::string s;
  for (const auto& [n, v] : h) s += n + ": " + v + "\r\n";
  return s;
}

std::optional<std::string> rewrite(const audit_input& in) {
  if (in.form == "response") {
    std::string s = "HTTP/1.1 " + std::to_string(in.status) + " X\r\n" + header_lines(in.headers) + "\r\n";
    if (!in.metas.empty()) s += metas_html(in.metas);
    return s;
  }
  if (in.form == "headers") return header_lines(in.headers);
  if (in.form == "html") return metas_html(in.metas);
  // har: one entry, its response an HTML page holding the <meta> elements
  std::vector<json::value> hs;
  for (const auto& [n, v] : in.headers)
    hs.push_back(json::value::dict({{"name", json::value::string(n)}, {"value", json::value::string(v)}}));
  std::vector<json::value::member> entry;
  if (in.url) entry.emplace_back("request", json::value::dict({{"url", json::value::string(*in.url)}}));
  entry.emplace_back(
      "response",
      json::value::dict({{"status", json::value::integer(in.status)},
                         {"headers", json::value::list(std::move(hs))},
                         {"content", json::value::dict({{"mimeType", json::value::string("text/html")},
                                                        {"text", json::value::string(metas_html(in.metas))}})}}));
  auto doc = json::value::dict(
      {{"log", json::value::dict({{"entries", json::value::list({json::value::dict(std::move(entry))})}})}});
  auto text = json::dumps(doc);
  if (!text) return std::nullopt;
  return *text;
}

// The form the first bytes announce (read_audit_input's documentation).
std::string announced_form(std::string_view raw) {
  std::size_t i = raw.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < raw.size() && html_ws(raw[i])) ++i;
  std::string_view b = raw.substr(i);
  if (b.substr(0, 5) == "HTTP/") return "response";
  if (!b.empty() && b[0] == '{' && b.find("\"log\"") != std::string_view::npos) return "har";
  if (!b.empty() && b[0] == '<') return "html";
  return "headers";
}

// ---- findings ----

void check_verdicts(const std::vector<verdict>& v) {
  static const char* areas[] = {"hsts.", "csp.", "xfo.", "xcto.", "referrer.", "xxss.", "cookie."};
  for (const auto& x : v) {
    const std::string id(websec::to_string(x.id));
    bool known = false;
    for (const char* a : areas) known = known || id.rfind(a, 0) == 0;
    CHECK(known, "unknown finding id %s", id.c_str());
    CHECK(id.size() > id.find('.') + 1);
    for (char c : id) CHECK((c >= 'a' && c <= 'z') || c == '_' || c == '.');
    CHECK(x.level >= severity::info && x.level <= severity::high);
    CHECK(!x.reason.empty());
    if (x.level == severity::info) CHECK(x.effect == rating::pass, "info lowered a verdict: %s", id.c_str());
  }
}

void check_subject(const subject_report& r) {
  check_verdicts(r.findings);
  CHECK(r.result == worst_effect(r.findings));
  for (const auto& f : r.findings) {
    const std::string id(websec::to_string(f.id));
    if (id.size() > 3 && id.compare(id.size() - 3, 3, ".ok") == 0) CHECK(r.result == rating::pass, "%s", id.c_str());
  }
}

// The documented names of --only (headers.hpp): a header name, hsts, csp, xfo, xcto, referrer, cookies, cookie:NAME.
bool documented_selection(const std::vector<std::string>& only, const std::string& subject) {
  if (only.empty()) return true;
  for (const auto& o : only) {
    std::string l = lower(trim(o));
    if (subject.rfind("cookie:", 0) == 0) {
      // every cookie: cookies (or cookie, set-cookie); one: cookie:NAME ("cookie:" in any case) with a NAME, so
      // "cookie:" alone, blanks after it or not, selects nothing
      if (l == "cookies" || l == "cookie" || l == "set-cookie") return true;
      const std::string_view t = trim(o);
      if (t.size() > 7 && l.rfind("cookie:", 0) == 0 && t.substr(7) == std::string_view(subject).substr(7)) return true;
      continue;
    }
    const std::string s = lower(subject);
    if (l == s) return true;
    if ((l == "hsts" && s == "strict-transport-security") || (l == "csp" && s == "content-security-policy") ||
        (l == "xfo" && s == "x-frame-options") || (l == "xcto" && s == "x-content-type-options") ||
        (l == "referrer" && s == "referrer-policy"))
      return true;
  }
  return false;
}

bool is_referrer_policy(const std::string& t) {
  static const char* valid[] = {"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
                                "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"};
  for (const char* p : valid)
    if (t == p) return true;
  return false;
}

// Referrer-Policy: the last policy token of the header wins, then each <meta name=referrer> that names a policy
// (legacy keywords mapped) replaces it.
rating referrer_model(const std::vector<std::string>& values, const std::vector<meta_element>& metas) {
  std::string policy;
  for (const auto& t : get_decode_split(values))
    if (is_referrer_policy(lower(t))) policy = lower(t);
  for (const auto& m : metas) {
    if (m.name != "referrer") continue;
    std::string_view c = m.content;
    while (!c.empty() && html_ws(c.front())) c.remove_prefix(1);
    while (!c.empty() && html_ws(c.back())) c.remove_suffix(1);
    std::string l = lower(c);
    if (l == "never") l = "no-referrer";
    else if (l == "default") l = "strict-origin-when-cross-origin";
    else if (l == "always") l = "unsafe-url";
    else if (l == "origin-when-crossorigin") l = "origin-when-cross-origin";
    if (is_referrer_policy(l)) policy = l;
  }
  if (policy.empty()) return values.empty() ? rating::pass : rating::invalid;
  if (policy == "unsafe-url" || policy == "no-referrer-when-downgrade" || policy == "origin" ||
      policy == "origin-when-cross-origin")
    return rating::fail;
  return rating::pass;
}

bool decisive(websec::finding_id fid) {
  const std::string id(websec::to_string(fid));
  static const char* ids[] = {"cookie.invalid",           "cookie.domain_mismatch",
                              "cookie.public_suffix",     "cookie.secure_over_http",
                              "cookie.host_prefix",       "cookie.secure_prefix",
                              "cookie.samesite_none_without_secure", "cookie.partitioned_without_secure"};
  for (const char* d : ids)
    if (id == d) return true;
  return false;
}

// The options audit() derives: the URL (given, else the HAR's) decides the scheme; req is that URL, parsed.
response_options effective_options(const audit_input& in, const response_options& o,
                                   std::optional<cookie::request_context>& req) {
  response_options eff = o;
  if (!eff.url && in.url) eff.url = in.url;
  if (eff.url)
    if (auto r = cookie::parse_request_url(*eff.url)) req = *r;
  if (req) eff.https = req->scheme == "https";
  return eff;
}

// The values of the headers audit() judges.
struct audited_headers {
  std::vector<std::string> hsts, csp, cspro, xfo, xcto, rp, xxss;
};

audited_headers audited_values(const header_list& h) {
  return {values_of(h, "Strict-Transport-Security"), values_of(h, "Content-Security-Policy"),
          values_of(h, "Content-Security-Policy-Report-Only"), values_of(h, "X-Frame-Options"),
          values_of(h, "X-Content-Type-Options"), values_of(h, "Referrer-Policy"), values_of(h, "X-XSS-Protection")};
}

// The subjects audit() reports, in order, as --only selects them: got[i] is the report of names[i] (or null when not
// selected); k counts the reports taken.
const char* const subject_names[] = {"Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options",
                                     "X-Content-Type-Options", "Referrer-Policy"};

std::vector<const subject_report*> selected_subjects(const audit_report& rep, const response_options& o,
                                                     std::size_t& k) {
  std::vector<const subject_report*> got(5, nullptr);
  for (std::size_t i = 0; i < 5; ++i) {
    const char* name = subject_names[i];
    const bool sel = selected(o.only, name);
    CHECK(sel || !documented_selection(o.only, name), "--only alias of %s", name);
    if (!sel) continue;
    CHECK(k < rep.headers.size() && rep.headers[k].name == name, "subject %s missing", name);
    got[i] = &rep.headers[k++];
    check_subject(*got[i]);
  }
  return got;
}

// The reports the model checks go on with: HSTS, CSP, framing, and the Referrer-Policy verdict.
struct header_subjects {
  subject_report hs, cs, xf;
  rating rp_result = rating::pass;
};

// Each selected subject against its own report computed here when <meta> elements, a URL or --only are involved
// (without them response_head_fuzzer checks the same agreement): CSP and, with <meta> elements, framing and
// Referrer-Policy by their reports, the others through their audit_* entry points.
header_subjects check_against_own_reports(const audit_input& in, const response_options& o,
                                          const response_options& eff, const audited_headers& v,
                                          const std::vector<const subject_report*>& got) {
  const header_list& h = in.headers;
  bool referrer_meta = false;
  for (const auto& m : in.metas) referrer_meta = referrer_meta || m.name == "referrer";
  // what this target adds to response_head_fuzzer's agreement check: <meta> elements, a URL, --only
  const bool options = !in.metas.empty() || eff.url || !o.only.empty();
  header_subjects s;
  s.hs = got[0] ? *got[0] : hsts_report(v.hsts, eff);
  if (got[0] && options) CHECK(audit_hsts(v.hsts, eff) == got[0]->findings, "HSTS differs from its own report");
  if (!in.metas.empty() || eff.url) {
    s.cs = csp_report(v.csp, v.cspro, in.metas, eff, h);
    if (got[1]) CHECK(*got[1] == s.cs, "CSP differs from its own report");
  } else {
    s.cs = got[1] ? *got[1] : csp_report(v.csp, v.cspro, {}, eff, h);
  }
  if (in.metas.empty()) {
    s.xf = got[2] ? *got[2] : xfo_report(v.xfo, v.csp);
    if (got[2] && options)
      CHECK(audit_x_frame_options(v.xfo, v.csp) == s.xf.findings, "framing differs from its own report");
  } else {
    s.xf = xfo_report(v.xfo, v.csp, in.metas);
    if (got[2]) CHECK(*got[2] == s.xf, "framing differs from its own report");
  }
  if (got[3] && options)
    CHECK(audit_x_content_type_options(v.xcto) == got[3]->findings, "X-Content-Type-Options differs");
  if (referrer_meta) {
    subject_report r = referrer_report(v.rp, in.metas);
    if (got[4]) CHECK(*got[4] == r, "Referrer-Policy differs from its own report");
    s.rp_result = r.result;
  } else if (got[4] && !options) {
    s.rp_result = got[4]->result;
  } else {
    auto f = audit_referrer_policy(v.rp);
    if (got[4]) CHECK(f == got[4]->findings, "Referrer-Policy differs from its own report");
    s.rp_result = worst_effect(f);
  }
  return s;
}

// X-XSS-Protection, reported after the others when sent and selected; then no subject is left over.
void check_xxss(const audit_report& rep, const response_options& o, const audited_headers& v, std::size_t& k) {
  if (!v.xxss.empty() && selected(o.only, "X-XSS-Protection")) {
    CHECK(k < rep.headers.size() && rep.headers[k].name == "X-XSS-Protection");
    CHECK(has_verdict(rep.headers[k].findings, websec::finding_id::xxss_deprecated) == (trim(v.xxss.front()) != "0"));
    check_subject(rep.headers[k]);
    ++k;
  }
  CHECK(k == rep.headers.size(), "audit reports a subject --only does not select");
}

// HSTS over http; the <meta> findings of CSP and framing; the Referrer-Policy model
void check_meta_findings(const audit_input& in, const response_options& eff, const audited_headers& v,
                         const header_subjects& s) {
  if (!eff.https)
    CHECK(s.hs.findings.empty() ||
          (s.hs.findings.size() == 1 && s.hs.findings[0].id == websec::finding_id::hsts_over_http));
  bool meta_ro = false, meta_body = false, meta_after = false, meta_frame = false;
  for (const auto& m : in.metas) {
    meta_ro = meta_ro || m.http_equiv == "content-security-policy-report-only";
    if (m.http_equiv == "content-security-policy") {
      meta_body = meta_body || !m.in_head;
      meta_after = meta_after || (m.in_head && m.after_script);
      meta_frame = meta_frame || parse_csp_policy(m.content).find("frame-ancestors");
    }
    meta_frame = meta_frame || m.http_equiv == "x-frame-options";
  }
  CHECK(has_verdict(s.cs.findings, websec::finding_id::csp_meta_report_only) == meta_ro);
  CHECK(has_verdict(s.cs.findings, websec::finding_id::csp_meta_not_in_head) == meta_body);
  CHECK(has_verdict(s.cs.findings, websec::finding_id::csp_meta_after_script) == meta_after);
  CHECK(has_verdict(s.xf.findings, websec::finding_id::xfo_meta_ignored) == meta_frame);
  CHECK(s.rp_result == referrer_model(v.rp, in.metas), "Referrer-Policy verdict differs from the model");
}

// The cookie options audit() derives from its own.
cookie::audit_options cookie_options(const response_options& eff, const audited_headers& v) {
  cookie::audit_options co;
  co.https = eff.https;
  co.max_lifetime = eff.cookie_max_lifetime;
  co.now = eff.now;
  co.max_size = eff.max_cookie_size;
  co.url = eff.url;
  if (eff.https && !v.hsts.empty())
    if (auto p = parse_hsts(v.hsts.front()); p && p->max_age > 0) co.hsts = true;
  return co;
}

// With a URL, a Domain the host does not domain-match is cookie.domain_mismatch (or cookie.public_suffix).
void check_cookie_domain(const std::string& line, const subject_report& got,
                         const std::optional<cookie::request_context>& req) {
  auto sc = cookie::parse_set_cookie(line);
  if (req && sc && sc->domain && sc->value.size() + sc->name.size() <= 4096) {
    auto ps = cookie::is_public_suffix(*sc->domain);
    if (ps && *ps) {
      if (*sc->domain != req->host) CHECK(has_verdict(got.findings, websec::finding_id::cookie_public_suffix));
    } else if (!cookie::domain_match(req->host, *sc->domain)) {
      CHECK(has_verdict(got.findings, websec::finding_id::cookie_domain_mismatch), "Domain=%s on host %s",
            sc->domain->c_str(), req->host.c_str());
    }
  }
}

// One Set-Cookie line, if --only selects it: judged on its own with its role (the next of rep.cookies, c counting).
void check_cookie(const std::string& line, const cookie::audit_options& co, const response_options& o,
                  const response_options& eff, const std::optional<cookie::request_context>& req,
                  const audit_report& rep, std::size_t& c) {
  std::string name(trim(std::string_view(line).substr(0, std::min(line.find('='), line.find(';')))));
  cookie::audit_options one = co;
  for (const auto& [n, r] : eff.cookie_roles)
    if (n == name) one.role = r;
  CHECK(selected(o.only, "cookie:" + name) == documented_selection(o.only, "cookie:" + name), "--only and cookie %s",
        name.c_str());
  if (!selected(o.only, "cookie:" + name)) return;
  CHECK(c < rep.cookies.size(), "cookie %s missing", name.c_str());
  const subject_report& got = rep.cookies[c++];
  if (eff.url || one.role != cookie::cookie_role::automatic) {  // without them, response_head_fuzzer checks it
    const subject_report want = cookie::audit_cookie(line, one);
    CHECK(got.findings == want.findings && got.result == want.result && got.role == want.role, "cookie %s",
          name.c_str());
  }
  check_subject(got);
  if (one.role != cookie::cookie_role::automatic)
    CHECK(got.role == cookie::to_string(one.role), "role of %s", name.c_str());
  for (std::size_t i = 0; i < got.findings.size(); ++i)
    if (decisive(got.findings[i].id))
      CHECK(i + 1 == got.findings.size() && got.result == rating::invalid, "%s is not decisive",
            std::string(websec::to_string(got.findings[i].id)).c_str());
  if (cookie::is_session_like(name)) {
    auto g = cookie::guess_role(name);
    CHECK(g == cookie::cookie_role::session || g == cookie::cookie_role::csrf || g == cookie::cookie_role::remember_me,
          "a session-like name guessed as %s", std::string(cookie::to_string(g)).c_str());
  }
  check_cookie_domain(line, got, req);
}

void check_audit(const audit_input& in, const response_options& o) {
  const audit_report rep = audit(in, o);
  if (!websec::fuzz::full) {
    // the twin: each report's own shape and the overall result; the full target judges every header and cookie
    // again on its own and compares (docs/FUZZING.md "Speed")
    rating overall = rating::pass;
    for (const auto* list : {&rep.headers, &rep.cookies})
      for (const auto& r : *list) {
        check_subject(r);
        overall = worst(overall, r.result);
      }
    CHECK(rep.overall == overall);
    return;
  }
  std::optional<cookie::request_context> req;
  const response_options eff = effective_options(in, o, req);
  const audited_headers v = audited_values(in.headers);

  std::size_t k = 0;
  const auto got = selected_subjects(rep, o, k);
  const header_subjects s = check_against_own_reports(in, o, eff, v, got);
  check_xxss(rep, o, v, k);
  check_meta_findings(in, eff, v, s);

  // every selected Set-Cookie line, judged on its own with its role
  const cookie::audit_options co = cookie_options(eff, v);
  std::size_t c = 0;
  for (const auto& line : values_of(in.headers, "Set-Cookie")) check_cookie(line, co, o, eff, req, rep, c);
  CHECK(c == rep.cookies.size(), "audit reports a cookie --only does not select");
  rating overall = rating::pass;
  for (const auto* list : {&rep.headers, &rep.cookies})
    for (const auto& r : *list) overall = worst(overall, r.result);
  CHECK(rep.overall == overall);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 65536) return 0;
  fuzz::input in(data, size);
  std::uint8_t flags;
  if (!in.u8(flags)) return -1;
  response_options o;
  o.https = !(flags & 1);
  if (flags & 2) o.hsts_min_max_age = hsts_common_max_age;
  if (flags & 4) o.cookie_max_lifetime = 31 * 86400;
  if (flags & 8) o.max_cookie_size = 256;
  o.now = 1700000000;
  std::string_view line;
  if (flags & 0x10) {
    if (!in.until('\n', line)) return -1;
    o.url = std::string(line);
  }
  if (flags & 0x20) {
    if (!in.until('\n', line)) return -1;
    for (auto& s : split(line, ','))
      if (!s.empty()) o.only.push_back(s);
  }
  if (flags & 0x40) {
    if (!in.until('\n', line)) return -1;
    for (const auto& pair : split(line, ',')) {
      std::size_t eq = pair.find('=');
      cookie::cookie_role role;
      if (eq == std::string::npos || eq == 0 || !cookie::parse_role(pair.substr(eq + 1), role)) continue;
      CHECK(cookie::to_string(role) == pair.substr(eq + 1) || pair.substr(eq + 1) == "remember_me" ||
                pair.substr(eq + 1) == "automatic",
            "parse_role accepted %s", pair.c_str());
      o.cookie_roles.emplace_back(pair.substr(0, eq), role);
    }
  }
  const std::string_view raw = in.rest();

  auto r = read_audit_input(raw);
  const std::string form = announced_form(raw);
  if (!r) {
    const std::string k(websec::to_string(r.err().kind));
    CHECK(k == "bad_header_line" || k == "har_invalid" || k == "no_status_line", "error kind %s", k.c_str());
    CHECK(r.err().offset <= raw.size());
    CHECK(form != "html", "an HTML input failed");
    CHECK((k == "har_invalid") == (form == "har"), "%s for a %s input", k.c_str(), form.c_str());
    return 0;
  }
  CHECK(r->form == form, "read as %s, announced %s", r->form.c_str(), form.c_str());
  CHECK(!r->url || r->form == "har", "only a HAR says the URL");
  if (r->form == "html") CHECK(r->headers.empty() && r->status == 0);
  if (r->form == "headers") CHECK(r->metas.empty() && r->status == 0);
  CHECK(r->status >= 0 && r->status <= 999);
  CHECK(r->metas.size() <= 64);
  for (std::size_t i = 0; i < r->metas.size(); ++i) {
    const meta_element& m = r->metas[i];
    CHECK(!m.http_equiv.empty() || !m.name.empty());
    CHECK(lower(m.http_equiv) == m.http_equiv && lower(m.name) == m.name);
    if (i) {
      CHECK(r->metas[i - 1].in_head || !m.in_head, "in_head went back");
      CHECK(!r->metas[i - 1].after_script || m.after_script, "after_script went back");
    }
  }
  if (websec::fuzz::full) {  // the twin leaves the round trip out (docs/FUZZING.md "Speed")
    auto again_text = rewrite(*r);
    CHECK(again_text.has_value(), "the input cannot be written back");
    auto again = read_audit_input(*again_text);
    CHECK(again.ok(), "the written-back %s input does not read: %s", r->form.c_str(),
          again ? "" : again.err().message.c_str());
    CHECK(*again == *r, "the written-back %s input reads differently", r->form.c_str());
  }

  if (!(flags & 0x80)) check_audit(*r, o);
  return 0;
}
