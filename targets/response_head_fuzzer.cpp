// response_head_fuzzer — raw HTTP response heads (`curl -sI` output) through parse_response_head, then the whole
// security-header audit (audit_response) and each audit_* function on its own.
//
// Input: byte 0 = options (bit0 the response came over plain http, bit1 HTTP Observatory's HSTS threshold,
// bit2 a cookie lifetime limit of 31 days, bit3 MAX_COOKIE_SIZE 256); the rest is the raw response head.
// Invariants (abort on violation):
//   * parse_response_head never throws; errors are no_status_line / bad_header_line with an offset inside the input
//   * parsed names are non-empty and hold no ':' or LF, names and values carry no surrounding SP/HTAB, values no LF
//   * parse -> serialise (CRLF) -> parse gives the same status and headers (same names, same order, repeats kept)
//   * get_all(h, name) returns exactly the values of the headers with that name (ASCII case-insensitive), in order
//   * audit() reports HSTS, CSP, framing, X-Content-Type-Options, Referrer-Policy (then X-XSS-Protection when
//     sent) equal to the per-header reports computed on their own, and every Set-Cookie line as audit_cookie
//     judges it with the site's HSTS; audit_response is the flattened findings; the overall verdict is the worst
//   * every finding has a known "<area>." id, a severity in info..high, a subject and a reason, info never lowers
//     a verdict; each subject's verdict is the worst effect of its findings; "*.ok" only with pass; deterministic
//   * a header that is absent fails (framing only without CSP frame-ancestors)
//   * X-Content-Type-Options and Referrer-Policy verdicts follow a model of the rules computed here
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "websec/cookie.hpp"
#include "websec/headers.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;
using namespace websec::headers;
using F = websec::finding_id;  // finding ids (websec/findings.hpp)

namespace {

using websec::fuzz::lower;
std::vector<std::string> values_of(const header_list& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : h)
    if (lower(n) == lower(name)) out.push_back(v);
  return out;
}
std::string serialize_head(const response_head& r) {
  std::string s = "HTTP/1.1 " + std::to_string(r.status) + " X\r\n";
  for (const auto& [n, v] : r.headers) s += n + ": " + v + "\r\n";
  return s + "\r\n";
}

void check_verdicts(const std::vector<verdict>& v) {
  static const char* areas[] = {"hsts.", "csp.", "xfo.", "xcto.", "referrer.", "xxss.", "cookie."};
  for (const auto& x : v) {
    bool known = false;
    for (const char* a : areas) known = known || to_string(x.id).rfind(a, 0) == 0;
    CHECK(known);
    CHECK(to_string(x.id).size() > to_string(x.id).find('.') + 1);
    for (char c : to_string(x.id)) CHECK((c >= 'a' && c <= 'z') || c == '_' || c == '.');
    CHECK(x.level >= severity::info && x.level <= severity::high);
    CHECK(!x.subject.empty() || to_string(x.id).rfind("cookie.", 0) == 0);  // a nameless cookie has an empty name
    CHECK(!x.reason.empty());
    if (x.level == severity::info) CHECK(x.effect == rating::pass);  // advice never lowers a verdict
  }
}

// one subject: the verdict is the worst effect of its findings; "<area>.ok" only with the verdict pass
void check_subject(const subject_report& r, finding_id ok_id) {
  check_verdicts(r.findings);
  CHECK(r.result == worst_effect(r.findings));
  if (has_verdict(r.findings, ok_id)) CHECK(r.result == rating::pass);
}

void check_audits(const header_list& h, const response_options& o) {
  const auto hsts = values_of(h, "Strict-Transport-Security");
  const auto csp = values_of(h, "Content-Security-Policy");
  const auto cspro = values_of(h, "Content-Security-Policy-Report-Only");
  const auto xfo = values_of(h, "X-Frame-Options");
  const auto xcto = values_of(h, "X-Content-Type-Options");
  const auto rp = values_of(h, "Referrer-Policy");
  CHECK(get_all(h, "strict-transport-security") == hsts);
  CHECK(get_all(h, "X-FRAME-OPTIONS") == xfo);
  CHECK(get_all(h, "Set-Cookie") == values_of(h, "set-cookie"));

  audit_input in;
  in.form = "headers";
  in.headers = h;
  const audit_report rep = audit(in, o);
  CHECK(rep == audit(in, o));  // deterministic
  // the subjects, in order, are the per-header reports computed on their own
  const std::vector<subject_report> want = {hsts_report(hsts, o), csp_report(csp, cspro, {}, o, h), xfo_report(xfo, csp),
                                            xcto_report(xcto), referrer_report(rp)};
  CHECK(rep.headers.size() == want.size() + (values_of(h, "X-XSS-Protection").empty() ? 0 : 1));
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(rep.headers[i] == want[i]);
  check_subject(rep.headers[0], F::hsts_ok);
  check_subject(rep.headers[1], F::csp_ok);
  check_subject(rep.headers[2], F::xfo_ok);
  check_subject(rep.headers[3], F::xcto_ok);
  check_subject(rep.headers[4], F::referrer_ok);
  // the overall verdict is the worst subject verdict
  rating overall = rating::pass;
  for (const auto* list : {&rep.headers, &rep.cookies})
    for (const auto& x : *list) overall = worst(overall, x.result);
  CHECK(rep.overall == overall);
  CHECK(audit_response(h, o) == rep.findings());

  // absent headers
  if (hsts.empty() && o.https) CHECK(has_verdict(rep.headers[0].findings, F::hsts_missing) && rep.headers[0].result == rating::fail);
  if (csp.empty() && cspro.empty()) CHECK(has_verdict(rep.headers[1].findings, F::csp_missing) && rep.headers[1].result == rating::fail);
  bool frame_ancestors = false;
  for (const auto& x : csp)
    for (const auto& p : parse_csp(x)) frame_ancestors = frame_ancestors || p.find("frame-ancestors");
  if (xfo.empty() && !frame_ancestors) CHECK(rep.headers[2].findings.size() == 1 && rep.headers[2].result == rating::fail);

  // X-Content-Type-Options model (Fetch "determine nosniff")
  if (xcto.empty()) {
    CHECK(rep.headers[3].result == rating::fail);
  } else {
    auto t = get_decode_split(xcto);
    CHECK(!t.empty());
    CHECK(rep.headers[3].result == (lower(t.front()) == "nosniff" ? rating::pass : rating::invalid));
  }
  // Referrer-Policy model: the last recognised token applies
  if (rp.empty()) {
    CHECK(rep.headers[4].result == rating::pass);
  } else {
    static const char* valid[] = {"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
                                  "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"};
    std::string policy;
    for (const auto& t : get_decode_split(rp))
      for (const char* p : valid)
        if (lower(t) == p) policy = p;
    if (policy.empty()) CHECK(rep.headers[4].result == rating::invalid);
    else if (policy == "unsafe-url" || policy == "no-referrer-when-downgrade" || policy == "origin" ||
             policy == "origin-when-cross-origin")
      CHECK(rep.headers[4].result == rating::fail);
    else CHECK(rep.headers[4].result == rating::pass);
  }

  // every Set-Cookie line is judged on its own, with the site's HSTS
  bool hsts_active = false;
  if (o.https && !hsts.empty())
    if (auto p = parse_hsts(hsts.front()); p && p->max_age > 0) hsts_active = true;
  cookie::audit_options co;
  co.https = o.https;
  co.max_lifetime = o.cookie_max_lifetime;
  co.now = o.now;
  co.max_size = o.max_cookie_size;
  co.hsts = hsts_active;
  const auto lines = values_of(h, "Set-Cookie");
  CHECK(rep.cookies.size() == lines.size());
  for (std::size_t i = 0; i < lines.size() && i < rep.cookies.size(); ++i) {
    auto c = cookie::audit_cookie(lines[i], co);
    CHECK(c.findings == rep.cookies[i].findings);
    CHECK(c.result == rep.cookies[i].result);
    check_subject(rep.cookies[i], F::cookie_ok);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 65536) return 0;
  const std::uint8_t flags = data[0];
  std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  response_options o;
  o.https = !(flags & 1);
  if (flags & 2) o.hsts_min_max_age = hsts_common_max_age;
  if (flags & 4) o.cookie_max_lifetime = 31 * 86400;
  if (flags & 8) o.max_cookie_size = 256;
  o.now = 1700000000;

  auto r = parse_response_head(raw);
  if (!r) {
    CHECK(r.err().kind == errc::no_status_line || r.err().kind == errc::bad_header_line);
    CHECK(r.err().offset <= raw.size());
    // whatever the head, the audits of its header lines must still hold: judge the lines that look like headers
    header_list h;
    std::size_t b = 0;
    while (b < raw.size() && h.size() < 64) {
      std::size_t e = raw.find('\n', b);
      std::string_view line = raw.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
      std::size_t c = line.find(':');
      if (c != std::string_view::npos && c > 0) h.emplace_back(std::string(line.substr(0, c)), std::string(websec::fuzz::trim_ows(line.substr(c + 1))));
      if (e == std::string_view::npos) break;
      b = e + 1;
    }
    if (websec::fuzz::full) check_audits(h, o);
    return 0;
  }
  CHECK(r->status >= 0 && r->status <= 999);
  for (const auto& [n, v] : r->headers) {
    CHECK(!n.empty());
    CHECK(n.find(':') == std::string::npos && n.find('\n') == std::string::npos);
    CHECK(v.find('\n') == std::string::npos);
    CHECK(websec::fuzz::trim_ows(n) == n);
    CHECK(websec::fuzz::trim_ows(v) == v);
  }
  const std::string s = serialize_head(*r);
  auto again = parse_response_head(s);
  CHECK(again.ok());
  CHECK(again->status == r->status);
  CHECK(again->headers == r->headers);
  CHECK(serialize_head(*again) == s);
  // the whole audit, each report on its own, audit_response and every cookie again (four audits of the head): the
  // cheaper twin response_head_fuzzer_fast leaves them out
  if (websec::fuzz::full) check_audits(r->headers, o);
  return 0;
}
