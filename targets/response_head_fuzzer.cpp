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
//   * audit_response == audit_hsts ++ audit_csp ++ audit_x_frame_options ++ audit_x_content_type_options ++
//     audit_referrer_policy ++ X-XSS-Protection ++ audit_set_cookie per line (cookie.no_secure one level lower
//     when an https response has a valid HSTS policy), computed here from the parts
//   * every verdict has a known "<area>." id, a severity in info..high, a subject and a reason; the audits are
//     deterministic; "*.ok" comes only without findings at low or above
//   * a header that is absent yields its "missing" verdict (xfo only without CSP frame-ancestors)
//   * X-Content-Type-Options and Referrer-Policy verdicts follow a model of the rules computed here
#include "fuzz_check.hpp"
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

namespace {

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return o;
}
bool ows(char c) { return c == ' ' || c == '\t'; }
std::string trim(std::string_view s) {
  while (!s.empty() && ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && ows(s.back())) s.remove_suffix(1);
  return std::string(s);
}
std::vector<std::string> values_of(const header_list& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : h)
    if (lower(n) == lower(name)) out.push_back(v);
  return out;
}
std::vector<std::string> tokens(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t b = 0;
    while (true) {
      std::size_t c = v.find(',', b);
      out.push_back(trim(std::string_view(v).substr(b, c == std::string::npos ? std::string::npos : c - b)));
      if (c == std::string::npos) break;
      b = c + 1;
    }
  }
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
    for (const char* a : areas) known = known || x.id.rfind(a, 0) == 0;
    CHECK(known);
    CHECK(x.id.size() > x.id.find('.') + 1);
    for (char c : x.id) CHECK((c >= 'a' && c <= 'z') || c == '_' || c == '.');
    CHECK(x.level >= severity::info && x.level <= severity::high);
    CHECK(!x.subject.empty() || x.id.rfind("cookie.", 0) == 0);  // a nameless cookie has an empty name
    CHECK(!x.reason.empty());
  }
}

// "<area>.ok" only when the same audit found nothing at low or above
void check_ok_rule(const std::vector<verdict>& v, std::string_view ok_id) {
  if (has_verdict(v, ok_id)) CHECK(!any_at_least(v, severity::low));
}

void append(std::vector<verdict>& a, std::vector<verdict> b) { a.insert(a.end(), b.begin(), b.end()); }

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

  const auto v_hsts = audit_hsts(hsts, o);
  const auto v_csp = audit_csp(csp, cspro, o);
  const auto v_xfo = audit_x_frame_options(xfo, csp);
  const auto v_xcto = audit_x_content_type_options(xcto);
  const auto v_rp = audit_referrer_policy(rp);
  for (const auto* v : {&v_hsts, &v_csp, &v_xfo, &v_xcto, &v_rp}) {
    check_verdicts(*v);
    CHECK(!v->empty() || (v == &v_hsts && hsts.empty() && !o.https));  // no HSTS over http is nothing to say
  }
  check_ok_rule(v_xfo, "xfo.ok");
  check_ok_rule(v_xcto, "xcto.ok");

  // absent headers
  if (hsts.empty() && o.https) CHECK(has_verdict(v_hsts, "hsts.missing"));
  if (csp.empty() && cspro.empty()) CHECK(has_verdict(v_csp, "csp.missing"));
  bool frame_ancestors = false;
  for (const auto& x : csp)
    for (const auto& p : parse_csp(x)) frame_ancestors = frame_ancestors || p.find("frame-ancestors");
  if (xfo.empty() && !frame_ancestors) CHECK(v_xfo.size() == 1 && v_xfo[0].id == "xfo.missing");
  if (xfo.empty()) CHECK(v_xfo.size() == 1 && (v_xfo[0].id == "xfo.missing" || v_xfo[0].id == "xfo.ok"));
  if (!xfo.empty()) CHECK(!has_verdict(v_xfo, "xfo.missing"));

  // X-Content-Type-Options model
  if (xcto.empty()) {
    CHECK(v_xcto.size() == 1 && v_xcto[0].id == "xcto.missing" && v_xcto[0].level == severity::low);
  } else {
    auto t = tokens(xcto);
    const bool nosniff = lower(t.front()) == "nosniff";
    CHECK(has_verdict(v_xcto, "xcto.invalid") == !nosniff);
    CHECK(has_verdict(v_xcto, "xcto.multiple_values") == (t.size() > 1));
    CHECK(has_verdict(v_xcto, "xcto.ok") == (nosniff && t.size() == 1));
  }
  // Referrer-Policy model: the last recognised token applies
  if (rp.empty()) {
    CHECK(v_rp.size() == 1 && v_rp[0].id == "referrer.missing" && v_rp[0].level == severity::info);
  } else {
    static const char* valid[] = {"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
                                  "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"};
    std::string policy;
    for (const auto& t : tokens(rp))
      for (const char* p : valid)
        if (lower(t) == p) policy = p;
    CHECK(v_rp.size() == 1);
    if (policy.empty()) CHECK(v_rp[0].id == "referrer.invalid");
    else if (policy == "unsafe-url") CHECK(v_rp[0].id == "referrer.unsafe" && v_rp[0].level == severity::medium);
    else if (policy == "no-referrer-when-downgrade" || policy == "origin" || policy == "origin-when-cross-origin")
      CHECK(v_rp[0].id == "referrer.unsafe" && v_rp[0].level == severity::low);
    else CHECK(v_rp[0].id == "referrer.ok" && v_rp[0].reason == policy);
  }

  // audit_response is the concatenation of the parts
  std::vector<verdict> want;
  append(want, v_hsts);
  append(want, v_csp);
  append(want, v_xfo);
  append(want, v_xcto);
  append(want, v_rp);
  for (const auto& x : values_of(h, "X-XSS-Protection"))
    if (trim(x) != "0") want.push_back({"xxss.deprecated", severity::info, "X-XSS-Protection", "?"});
  bool hsts_active = false;
  if (o.https && !hsts.empty())
    if (auto p = parse_hsts(hsts.front()); p && p->max_age > 0) hsts_active = true;
  cookie::audit_options co;
  co.https = o.https;
  co.max_lifetime = o.cookie_max_lifetime;
  co.now = o.now;
  co.max_size = o.max_cookie_size;
  for (const auto& line : values_of(h, "Set-Cookie")) {
    auto cv = cookie::audit_set_cookie(line, co);
    CHECK(!cv.empty());
    for (auto& x : cv)
      if (hsts_active && x.id == "cookie.no_secure") {
        CHECK(x.level > severity::info);
        x.level = static_cast<severity>(static_cast<int>(x.level) - 1);
      }
    append(want, cv);
  }
  const auto got = audit_response(h, o);
  check_verdicts(got);
  CHECK(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].id == want[i].id);
    CHECK(got[i].level == want[i].level);
    CHECK(got[i].subject == want[i].subject);
    if (want[i].reason != "?" && !(hsts_active && want[i].id == "cookie.no_secure")) CHECK(got[i].reason == want[i].reason);
  }
  const auto again = audit_response(h, o);
  CHECK(again == got);
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
    CHECK(r.err().kind == "no_status_line" || r.err().kind == "bad_header_line");
    CHECK(r.err().offset <= raw.size());
    // whatever the head, the audits of its header lines must still hold: judge the lines that look like headers
    header_list h;
    std::size_t b = 0;
    while (b < raw.size() && h.size() < 64) {
      std::size_t e = raw.find('\n', b);
      std::string_view line = raw.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
      std::size_t c = line.find(':');
      if (c != std::string_view::npos && c > 0) h.emplace_back(std::string(line.substr(0, c)), trim(line.substr(c + 1)));
      if (e == std::string_view::npos) break;
      b = e + 1;
    }
    check_audits(h, o);
    return 0;
  }
  CHECK(r->status >= 0 && r->status <= 999);
  for (const auto& [n, v] : r->headers) {
    CHECK(!n.empty());
    CHECK(n.find(':') == std::string::npos && n.find('\n') == std::string::npos);
    CHECK(v.find('\n') == std::string::npos);
    CHECK(!ows(n.front()) && !ows(n.back()));
    CHECK(v.empty() || (!ows(v.front()) && !ows(v.back())));
  }
  const std::string s = serialize_head(*r);
  auto again = parse_response_head(s);
  CHECK(again.ok());
  CHECK(again->status == r->status);
  CHECK(again->headers == r->headers);
  CHECK(serialize_head(*again) == s);
  check_audits(r->headers, o);
  return 0;
}
