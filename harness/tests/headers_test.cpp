// Tests of websec/headers.hpp: the Flask-Talisman responses of harness/tests/vectors/{debian,upstream}/
// headers.json, a hand-written table of real-world-shaped CSP and HSTS headers with the verdicts expected
// (and why), the other headers, response-head parsing, and properties of the CSP parser.
#include "websec/headers.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

using namespace websec;
using namespace websec::headers;
using websec::test::json;

namespace {

std::string ids(const std::vector<verdict>& v) {
  std::string s;
  for (const auto& x : v) s += x.id + "(" + std::string(to_string(x.level)) + ":" + x.subject + ") ";
  return s;
}

header_list headers_of(const json& v) {
  header_list h;
  for (const auto& kv : v["headers"]) h.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  return h;
}

}  // namespace

// ------------------------------------------------------------------------------------------------------
// Flask-Talisman vectors: every response of both profiles, with the verdict each option set must produce.
// ------------------------------------------------------------------------------------------------------

TEST(HeadersVectors, TalismanResponses) {
  for (const char* prof : {"debian", "upstream"}) {
    json doc = websec::test::load_vectors(prof, "headers");
    const json& cases = doc["talisman"];
    ASSERT_EQ(cases.size(), 48u);
    std::size_t checked = 0;
    for (const auto& c : cases) {
      const std::string variant = c["variant"].get<std::string>();
      const std::string request = c["request"].get<std::string>();
      const bool https = request != "http";  // http_xfp_https: TLS ends at the proxy (X-Forwarded-Proto)
      header_list h = headers_of(c);
      response_options o;
      o.https = https;
      o.now = doc["meta"]["fixed_timestamp"].get<std::int64_t>();
      auto v = audit_response(h, o);
      SCOPED_TRACE(std::string(prof) + " " + variant + " " + request + ": " + ids(v));
      ++checked;

      // Talisman sends HSTS only when the request is secure (or X-Forwarded-Proto: https).
      EXPECT_EQ(!get_all(h, "Strict-Transport-Security").empty(), https && variant != "hsts_off");
      EXPECT_FALSE(has_verdict(v, "hsts.over_http"));

      // The verdicts per option set.
      const bool weak_variant = variant == "frame_allow_from" || variant == "csp_none" || (variant == "csp_nonce" && https) ||
                                variant == "csp_report_only" || (variant == "hsts_off" && https) ||
                                (variant == "no_force_https" && !https);
      EXPECT_EQ(any_at_least(v, severity::medium), weak_variant);
      if (variant == "frame_allow_from") EXPECT_TRUE(has_verdict(v, "xfo.allow_from"));
      else EXPECT_TRUE(has_verdict(v, "xfo.ok"));
      if (variant == "csp_none") EXPECT_TRUE(has_verdict(v, "csp.missing"));
      if (variant == "csp_report_only") EXPECT_TRUE(has_verdict(v, "csp.report_only_only"));
      if (variant == "csp_nonce" && https) EXPECT_TRUE(has_verdict(v, "csp.base_uri_missing"));
      if (variant == "csp_nonce" && !https) EXPECT_FALSE(has_verdict(v, "csp.base_uri_missing"));  // no nonce on the redirect
      if (variant == "x_content_type_options_off") EXPECT_TRUE(has_verdict(v, "xcto.missing"));
      else EXPECT_TRUE(has_verdict(v, "xcto.ok"));
      if (variant == "referrer_no_referrer") EXPECT_TRUE(has_verdict(v, "referrer.ok"));
      if (https && variant == "hsts_off") EXPECT_TRUE(has_verdict(v, "hsts.missing"));
      if (https && variant == "hsts_no_subdomains") EXPECT_TRUE(has_verdict(v, "hsts.no_include_subdomains"));
      if (https && variant != "hsts_off" && variant != "hsts_no_subdomains") EXPECT_TRUE(has_verdict(v, "hsts.ok"));
      if (!https) EXPECT_FALSE(has_verdict(v, "hsts.missing"));  // HSTS is judged on https responses only
      // The session cookie Talisman configures passes: Secure; HttpOnly; SameSite=Lax
      if (!get_all(h, "Set-Cookie").empty()) {
        EXPECT_TRUE(has_verdict(v, https ? "cookie.ok" : "cookie.secure_over_http", "session"));
        EXPECT_FALSE(has_verdict(v, "cookie.no_httponly"));
        EXPECT_FALSE(has_verdict(v, "cookie.no_samesite"));
      }
      // Talisman 1.0 (Debian) still sends X-XSS-Protection: 1; mode=block; 1.1 does not.
      EXPECT_EQ(has_verdict(v, "xxss.deprecated"), std::string(prof) == "debian");
      // The doc's CSP (default-src 'self'; object-src 'none') is never judged weak.
      if (variant == "defaults") {
        EXPECT_FALSE(any_at_least(v, severity::medium));
        EXPECT_FALSE(has_verdict(v, "csp.unsafe_inline"));
        EXPECT_FALSE(has_verdict(v, "csp.object_src_missing"));
      }
    }
    EXPECT_EQ(checked, 48u);
  }
}

TEST(HeadersVectors, DocRecommendationPassesBothThresholds) {
  header_list h = {{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
                   {"Content-Security-Policy", "default-src 'self'"},
                   {"X-Content-Type-Options", "nosniff"},
                   {"X-Frame-Options", "SAMEORIGIN"},
                   {"Set-Cookie", "session=x; Secure; HttpOnly; Path=/; SameSite=Lax"}};
  for (std::int64_t threshold : {hsts_doc_max_age, hsts_common_max_age}) {
    response_options o;
    o.hsts_min_max_age = threshold;
    auto v = audit_response(h, o);
    EXPECT_FALSE(any_at_least(v, severity::medium)) << ids(v);
  }
}

// ------------------------------------------------------------------------------------------------------
// Real-world-shaped headers with the verdicts written by hand.
// ------------------------------------------------------------------------------------------------------

namespace {
struct header_case {
  const char* why;                       // the reason for the expected verdicts
  std::vector<std::string> csp;          // Content-Security-Policy values (empty when an HSTS case)
  std::vector<std::string> hsts;         // Strict-Transport-Security values
  std::vector<std::string> present;      // ids that must be reported
  std::vector<std::string> absent;       // ids that must not be reported
  std::vector<std::string> report_only = {};
  bool https = true;
  std::int64_t hsts_min = hsts_doc_max_age;
};

const std::vector<header_case>& table() {
  static const std::vector<header_case> t = {
      // ---------------- CSP ----------------
      {"the Flask doc's example: scripts only from the origin; object-src falls back to default-src",
       {"default-src 'self'"}, {}, {"csp.self_in_script_src"}, {"csp.unsafe_inline", "csp.object_src_missing", "csp.script_src_missing"}},
      {"Flask-Talisman's default policy", {"default-src 'self'; object-src 'none'"}, {}, {}, {"csp.unsafe_inline", "csp.object_src_unsafe", "csp.missing"}},
      {"nonce + strict-dynamic strict CSP (search-engine style): https: and 'unsafe-inline' are fallbacks only",
       {"script-src 'nonce-rAnd0mNonce123' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'"}, {},
       {"csp.unsafe_inline_fallback"}, {"csp.unsafe_inline", "csp.script_wildcard", "csp.base_uri_missing"}},
      {"same strict CSP without base-uri: an injected <base> retargets nonce'd relative scripts (CSP Evaluator)",
       {"script-src 'nonce-rAnd0mNonce123' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'"}, {},
       {"csp.base_uri_missing"}, {"csp.unsafe_inline"}},
      {"strict CSP listing http: for old browsers: ignored under 'strict-dynamic'",
       {"script-src 'report-sample' 'nonce-abc12345xyz' 'unsafe-inline' 'strict-dynamic' https: http:; object-src 'none'; base-uri 'self'"},
       {}, {}, {"csp.insecure_source", "csp.script_wildcard", "csp.unsafe_inline"}},
      {"permissive shop policy: everything allowed", {"default-src * 'unsafe-inline' 'unsafe-eval' data: blob:"}, {},
       {"csp.unsafe_inline", "csp.unsafe_eval", "csp.script_wildcard", "csp.script_data", "csp.object_src_unsafe"}, {}},
      {"upgrade-insecure-requests alone restricts no script", {"upgrade-insecure-requests"}, {},
       {"csp.script_src_missing", "csp.object_src_missing"}, {"csp.missing"}},
      {"frame-ancestors only (anti-clickjacking deployments)", {"frame-ancestors 'self'"}, {}, {"csp.script_src_missing"}, {}},
      {"code-hosting style lockdown: default-src 'none' then explicit origins",
       {"default-src 'none'; base-uri 'self'; connect-src 'self'; form-action 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'"},
       {}, {}, {"csp.script_data", "csp.unsafe_inline", "csp.form_action_missing", "csp.object_src_missing"}},
      {"analytics allowed next to 'unsafe-inline': inline injection works",
       {"script-src 'self' 'unsafe-inline' https://www.google-analytics.com; object-src 'none'"}, {}, {"csp.unsafe_inline"}, {"csp.script_wildcard"}},
      {"hash-only policy without 'strict-dynamic': base-uri not needed (a <base> cannot change which inline scripts run)",
       {"script-src 'self' 'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='; object-src 'none'"}, {},
       {"csp.ok"}, {"csp.unsafe_inline", "csp.base_uri_missing"}},
      {"hashes with 'strict-dynamic' need base-uri", {"script-src 'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8=' 'strict-dynamic'; object-src 'none'"}, {},
       {"csp.base_uri_missing"}, {"csp.unsafe_inline"}},
      {"'strict-dynamic' without any nonce or hash blocks every script", {"script-src 'strict-dynamic'; object-src 'none'; base-uri 'none'"}, {},
       {"csp.strict_dynamic_without_nonce"}, {"csp.unsafe_inline"}},
      {"plain-http CDN in default-src: scripts can be swapped on the network", {"default-src 'self' http://cdn.example.com"}, {},
       {"csp.insecure_source"}, {"csp.script_wildcard"}},
      {"http images only: passive content, not judged", {"default-src 'self'; img-src http://images.example.com"}, {},
       {"csp.ok"}, {"csp.script_wildcard", "csp.unsafe_inline"}},
      {"https: scheme source lets any https host serve script", {"default-src https:"}, {}, {"csp.script_wildcard", "csp.object_src_unsafe"}, {}},
      {"wildcard script-src", {"script-src *; object-src 'none'"}, {}, {"csp.script_wildcard"}, {"csp.object_src_unsafe"}},
      {"data: in script-src", {"script-src 'self' data:; object-src 'none'"}, {}, {"csp.script_data"}, {}},
      {"object-src *: plugins from anywhere", {"script-src 'self'; object-src *"}, {}, {"csp.object_src_unsafe"}, {}},
      {"'unsafe-eval' for a template engine", {"default-src 'self'; script-src 'self' 'unsafe-eval'"}, {}, {"csp.unsafe_eval"}, {"csp.unsafe_inline"}},
      {"inline styles only: Observatory does not penalise, we note it as low",
       {"default-src 'self'; style-src 'self' 'unsafe-inline'"}, {}, {"csp.unsafe_inline_style"}, {"csp.unsafe_inline"}},
      {"two policies in one header are intersected: the second blocks inline and foreign scripts",
       {"script-src 'unsafe-inline' *, script-src 'self'"}, {}, {}, {"csp.unsafe_inline", "csp.script_wildcard"}},
      {"two headers: script weaknesses need both to allow them; object-src * stands (the second policy leaves plugins open)",
       {"default-src *", "script-src 'self' 'unsafe-inline'"}, {}, {"csp.object_src_unsafe"}, {"csp.unsafe_inline", "csp.script_wildcard"}},
      {"'unsafe-inline' beside a nonce is neutralised", {"script-src 'self' 'unsafe-inline' 'nonce-xyz12345abc'; object-src 'none'; base-uri 'self'"}, {},
       {"csp.unsafe_inline_fallback"}, {"csp.unsafe_inline"}},
      {"a 3-character nonce is guessable; no object-src; no base-uri", {"script-src 'nonce-abc'"}, {},
       {"csp.nonce_too_short", "csp.object_src_missing", "csp.base_uri_missing"}, {}},
      {"a repeated directive: browsers keep the first, so 'unsafe-inline' has no effect",
       {"default-src 'self'; script-src 'self'; script-src 'unsafe-inline'"}, {}, {"csp.duplicate_directive"}, {"csp.unsafe_inline"}},
      {"typo in a directive name", {"scripts-src 'self'; default-src 'self'"}, {}, {"csp.unknown_directive"}, {"csp.script_src_missing"}},
      {"deprecated directive", {"default-src 'self'; block-all-mixed-content"}, {}, {"csp.deprecated_directive"}, {"csp.unknown_directive"}},
      {"frame-ancestors * invites framing", {"default-src 'self'; frame-ancestors *"}, {}, {"csp.frame_ancestors_wildcard"}, {}},
      {"directive names and keywords are case-insensitive", {"DEFAULT-SRC 'SELF'; OBJECT-SRC 'NONE'"}, {}, {},
       {"csp.unknown_directive", "csp.script_src_missing", "csp.object_src_missing"}},
      {"base-uri * lets injected <base> point anywhere", {"default-src 'self'; base-uri *"}, {}, {"csp.base_uri_unsafe"}, {}},
      {"no script at all", {"script-src 'none'; object-src 'none'"}, {}, {}, {"csp.script_src_missing", "csp.unsafe_inline", "csp.self_in_script_src"}},
      {"inline <script> allowed through script-src-elem", {"default-src 'self'; script-src-elem 'self' 'unsafe-inline'"}, {}, {"csp.unsafe_inline"}, {}},
      {"inline event handlers allowed through script-src-attr", {"default-src 'self'; script-src-attr 'unsafe-inline'"}, {}, {"csp.unsafe_inline_attr"}, {}},
      {"'unsafe-hashes' re-enables hashed event handlers", {"default-src 'self' 'unsafe-hashes' 'sha256-xzi4zkCjuC8lZcD2UmnqDG0vurmq12W/XKM5Vd0+MlQ='"}, {},
       {"csp.unsafe_hashes"}, {"csp.unsafe_inline"}},
      {"subdomain wildcard is an allow-list, not a wildcard", {"default-src 'self'; script-src 'self' https://*.example.com; object-src 'none'"}, {},
       {}, {"csp.script_wildcard"}},
      {"https://* matches every https host", {"default-src 'self'; script-src https://*"}, {}, {"csp.script_wildcard"}, {}},
      {"report-only alone never enforces", {}, {}, {"csp.report_only_only"}, {"csp.missing"}, {"default-src 'none'"}},
      {"weak enforced policy beside a strict report-only one: the report-only one does not help",
       {"default-src 'self' 'unsafe-inline'"}, {}, {"csp.unsafe_inline", "csp.report_only"}, {}, {"default-src 'none'; script-src 'nonce-abcdefgh1234'"}},
      {"empty directives between semicolons are skipped", {"default-src 'self' ; ; ;"}, {}, {}, {"csp.unknown_directive", "csp.script_src_missing"}},
      {"a leading empty policy before the comma is dropped", {", default-src 'self'"}, {}, {}, {"csp.script_src_missing", "csp.empty_policy"}},
      {"'wasm-unsafe-eval' is not 'unsafe-eval'", {"script-src 'self' 'wasm-unsafe-eval'; object-src 'none'"}, {}, {}, {"csp.unsafe_eval"}},
      {"blob: workers are not flagged (CSP Evaluator does not either)", {"default-src 'self'; script-src 'self' blob:"}, {}, {},
       {"csp.script_wildcard", "csp.script_data"}},
      {"default-src 'none' blocks everything", {"default-src 'none'"}, {}, {}, {"csp.script_src_missing", "csp.object_src_missing", "csp.unsafe_inline"}},
      {"allow-listed JSONP host: known-bypass lists are not modelled; only the 'self' note remains",
       {"script-src 'self' ajax.googleapis.com; object-src 'none'"}, {}, {"csp.self_in_script_src"}, {"csp.script_wildcard"}},
      {"'unsafe-eval' survives strict-dynamic", {"script-src 'nonce-r4nd0mv4lue' 'unsafe-eval' 'strict-dynamic'; object-src 'none'; base-uri 'none'"}, {},
       {"csp.unsafe_eval"}, {"csp.unsafe_inline", "csp.base_uri_missing"}},
      {"only passive-content directives", {"img-src *; media-src *; style-src 'self'"}, {}, {"csp.script_src_missing"}, {}},
      {"no CSP at all", {}, {}, {"csp.missing"}, {"csp.report_only_only"}},
      {"a directive with non-ASCII bytes is ignored by browsers", {"default-src 'self'; script-src 'self' caf\xc3\xa9.example"}, {},
       {"csp.non_ascii"}, {"csp.script_src_missing"}},
      {"an invalid source expression is ignored", {"default-src 'self'; script-src 'self' 'nonce-'"}, {}, {"csp.invalid_source"}, {}},
      {"'none' next to other sources is ignored: 'unsafe-inline' still applies", {"script-src 'none' 'unsafe-inline'; object-src 'none'"}, {},
       {"csp.unsafe_inline"}, {}},
      // ---------------- HSTS ----------------
      {"the doc's example", {}, {"max-age=31536000; includeSubDomains"}, {"hsts.ok"}, {"hsts.max_age_too_low"}},
      {"one year without includeSubDomains (warn)", {}, {"max-age=31536000"}, {"hsts.no_include_subdomains"}, {"hsts.max_age_too_low"}},
      {"six months fails the doc threshold", {}, {"max-age=15552000; includeSubDomains"}, {"hsts.max_age_too_low"}, {}},
      {"six months passes the Observatory threshold", {}, {"max-age=15552000; includeSubDomains"}, {"hsts.ok"}, {"hsts.max_age_too_low"}, {}, true,
       hsts_common_max_age},
      {"two years with preload (preload-list shape)", {}, {"max-age=63072000; includeSubDomains; preload"}, {"hsts.ok"}, {"hsts.preload_not_eligible"}},
      {"max-age=0 clears the policy", {}, {"max-age=0"}, {"hsts.max_age_zero"}, {"hsts.ok"}},
      {"five minutes (testing value left in production)", {}, {"max-age=300; includeSubDomains"}, {"hsts.max_age_short"}, {}},
      {"preload without includeSubDomains cannot be preloaded", {}, {"max-age=31536000; preload"}, {"hsts.preload_not_eligible"}, {}},
      {"RFC 6797 allows a quoted max-age", {}, {"max-age=\"31536000\"; includeSubDomains"}, {"hsts.ok"}, {"hsts.invalid"}},
      {"duplicate directive makes the header invalid (RFC 6797 6.1)", {}, {"max-age=31536000; max-age=31536000"}, {"hsts.invalid"}, {"hsts.ok"}},
      {"max-age is required", {}, {"includeSubDomains"}, {"hsts.invalid"}, {}},
      {"two headers folded with a comma are invalid syntax", {}, {"max-age=31536000, max-age=31536000"}, {"hsts.invalid"}, {}},
      {"max-age must be digits", {}, {"max-age=abc"}, {"hsts.invalid"}, {}},
      {"directive names are case-insensitive", {}, {"Max-Age=31536000; INCLUDESUBDOMAINS"}, {"hsts.ok"}, {}},
      {"trailing semicolon is an empty directive", {}, {"max-age=31536000;includeSubDomains;"}, {"hsts.ok"}, {}},
      {"optional whitespace around tokens and '='", {}, {"  max-age = 31536000 ; includeSubDomains  "}, {"hsts.ok"}, {}},
      {"includeSubDomains takes no value", {}, {"max-age=31536000; includeSubDomains=true"}, {"hsts.invalid"}, {}},
      {"unknown directives are ignored", {}, {"max-age=31536000; includeSubDomains; foo=bar"}, {"hsts.unknown_directive"}, {"hsts.invalid"}},
      {"negative max-age is not delta-seconds", {}, {"max-age=-1"}, {"hsts.invalid"}, {}},
      {"Flask-Talisman's 365.24 days", {}, {"max-age=31556926; includeSubDomains"}, {"hsts.ok"}, {}},
      {"HSTS on plain HTTP is ignored", {}, {"max-age=31536000; includeSubDomains"}, {"hsts.over_http"}, {"hsts.ok"}, {}, false},
      {"no HSTS on https", {}, {}, {"hsts.missing"}, {}},
      {"no HSTS on http is expected", {}, {}, {}, {"hsts.missing"}, {}, false},
      {"two HSTS headers: only the first counts", {}, {"max-age=31536000", "max-age=0"}, {"hsts.multiple_headers"}, {"hsts.max_age_zero"}},
      {"huge max-age saturates, still valid", {}, {"max-age=99999999999999999999999; includeSubDomains"}, {"hsts.ok"}, {}},
      {"a quoted directive name is not a token", {}, {"max-age=31536000; includeSubDomains; \"preload\""}, {"hsts.invalid"}, {}},
  };
  return t;
}
}  // namespace

TEST(HeadersTable, RealWorldShapedCspAndHsts) {
  ASSERT_GE(table().size(), 60u);
  for (const auto& c : table()) {
    response_options o;
    o.https = c.https;
    o.hsts_min_max_age = c.hsts_min;
    const bool is_hsts = !c.present.empty() ? c.present[0].rfind("hsts", 0) == 0 : (!c.absent.empty() && c.absent[0].rfind("hsts", 0) == 0);
    auto v = is_hsts ? audit_hsts(c.hsts, o) : audit_csp(c.csp, c.report_only, o);
    SCOPED_TRACE(std::string(c.why) + " -> " + ids(v));
    for (const auto& id : c.present) EXPECT_TRUE(has_verdict(v, id)) << "missing " << id;
    for (const auto& id : c.absent) EXPECT_FALSE(has_verdict(v, id)) << "unexpected " << id;
    for (const auto& x : v) {
      EXPECT_FALSE(x.reason.empty());
      EXPECT_FALSE(x.subject.empty());
    }
  }
}

// ------------------------------------------------------------------------------------------------------
// X-Frame-Options, X-Content-Type-Options, Referrer-Policy
// ------------------------------------------------------------------------------------------------------

TEST(HeadersOther, XFrameOptions) {
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"DENY"}, {}), "xfo.ok"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({" sameorigin "}, {}), "xfo.ok"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({}, {}), "xfo.missing"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({}, {"frame-ancestors 'self'"}), "xfo.ok"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({}, {"frame-ancestors *"}), "xfo.frame_ancestors_wildcard"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"ALLOW-FROM https://a.example"}, {}), "xfo.allow_from"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"ALLOWALL"}, {}), "xfo.allowall"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"SAMEORIGIN, SAMEORIGIN"}, {}), "xfo.multiple_values"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"DENY", "SAMEORIGIN"}, {}), "xfo.conflicting"));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"SAMEORIGIN"}, {"frame-ancestors *"}), "xfo.frame_ancestors_wildcard"));
  auto v = audit_x_frame_options({"DENY"}, {"frame-ancestors 'self'"});
  ASSERT_TRUE(has_verdict(v, "xfo.frame_ancestors_conflict"));
  EXPECT_FALSE(any_at_least(v, severity::low));  // browsers follow frame-ancestors, which still protects
}

TEST(HeadersOther, XContentTypeOptions) {
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"nosniff"}), "xcto.ok"));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({" NoSniff "}), "xcto.ok"));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({}), "xcto.missing"));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"no-sniff"}), "xcto.invalid"));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"sniff, nosniff"}), "xcto.invalid"));  // first value only
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"nosniff", "nosniff"}), "xcto.multiple_values"));
}

TEST(HeadersOther, ReferrerPolicy) {
  EXPECT_TRUE(has_verdict(audit_referrer_policy({"strict-origin-when-cross-origin"}), "referrer.ok"));
  EXPECT_TRUE(has_verdict(audit_referrer_policy({"no-referrer, bogus"}), "referrer.ok"));  // last *recognised* token
  EXPECT_TRUE(has_verdict(audit_referrer_policy({"bogus"}), "referrer.invalid"));
  EXPECT_TRUE(has_verdict(audit_referrer_policy({}), "referrer.missing"));
  auto v = audit_referrer_policy({"no-referrer, unsafe-url"});
  ASSERT_TRUE(has_verdict(v, "referrer.unsafe"));
  EXPECT_EQ(v.back().level, severity::medium);
  EXPECT_EQ(audit_referrer_policy({"origin"})[0].level, severity::low);
}

TEST(HeadersResponse, ParseCurlHead) {
  auto r = parse_response_head(
      "HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/\r\n\r\n"
      "HTTP/2 200\r\ncontent-type: text/html\r\nstrict-transport-security: max-age=63072000\r\n"
      "set-cookie: a=1; Secure\r\nset-cookie: b=2\r\nx-folded: one\r\n two\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(r->headers.size(), 5u);
  EXPECT_EQ(get_all(r->headers, "Set-Cookie").size(), 2u);
  EXPECT_EQ(r->headers[4].second, "one two");
  EXPECT_EQ(parse_response_head("garbage").err().kind, "no_status_line");
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\nno colon here\n\n").err().kind, "bad_header_line");
  auto lf = parse_response_head("HTTP/1.0 404 Not Found\nServer: x\n");
  ASSERT_TRUE(lf.ok());
  EXPECT_EQ(lf->status, 404);
}

TEST(HeadersResponse, CookiesAreJudgedPerLine) {
  header_list h = {{"Set-Cookie", "session=a; HttpOnly"}, {"Set-Cookie", "tracker=dark; Secure; SameSite=Lax"}};
  response_options o;
  o.now = 1700000000;
  auto v = audit_response(h, o);
  EXPECT_TRUE(has_verdict(v, "cookie.no_secure", "session"));
  EXPECT_TRUE(has_verdict(v, "cookie.no_httponly", "tracker"));
  EXPECT_FALSE(has_verdict(v, "cookie.no_secure", "tracker"));
  auto level_of = [](const std::vector<verdict>& vs, const std::string& id, const std::string& subject) {
    for (const auto& x : vs)
      if (x.id == id && x.subject == subject) return x.level;
    return severity::info;
  };
  EXPECT_EQ(level_of(v, "cookie.no_secure", "session"), severity::high);
  // With HSTS the missing Secure flag weighs one level less (Observatory: -40 -> -10 for session cookies).
  h.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  v = audit_response(h, o);
  EXPECT_EQ(level_of(v, "cookie.no_secure", "session"), severity::medium);
}

// ------------------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------------------

RC_GTEST_PROP(HeadersProperty, CspSerializeReparses, ()) {
  const auto parts = *rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
      "default-src", "script-src", "Script-Src", "'self'", "'none'", "'unsafe-inline'", "'nonce-abc123456'", "*",
      "https:", "data:", ";", ",", " ", "\t", "\n", "'strict-dynamic'", "object-src", "x\xc3\xa9", "'sha256-abc='"));
  std::string s;
  for (const auto& p : parts) s += p;
  for (const auto& p : parse_csp(s)) {
    csp_policy q = parse_csp_policy(serialize(p));
    RC_ASSERT(q.directives == p.directives);
    RC_ASSERT(q.duplicates.empty());
  }
  // verdicts are deterministic
  RC_ASSERT(audit_csp({s}, {}) == audit_csp({s}, {}));
}

RC_GTEST_PROP(HeadersProperty, HstsSerializeReparses, (std::int64_t age, bool sub, bool pre)) {
  hsts_policy p;
  p.max_age = age < 0 ? -(age + 1) : age;
  p.include_subdomains = sub;
  p.preload = pre;
  auto q = parse_hsts(serialize(p));
  RC_ASSERT(q.ok());
  RC_ASSERT(*q == p);
}

// hsts_fuzzer regression quoted_comma_in_unknown_directive: a ',' inside a quoted-string value is valid RFC 6797
// grammar (the fuzz invariant "no ',' ever parses" was too strict); a bare ',' stays a syntax error.
TEST(HeadersRegression, HstsCommaInsideQuotedString) {
  auto p = parse_hsts("  x-ge=\"3153601,0\"; inclu=\"0\"; Max-Age =5 ;IEL36000 ;IELNUCDSUBI!NCNI;S;$");
  ASSERT_TRUE(p.ok()) << p.err().message;
  EXPECT_EQ(p->max_age, 5);
  EXPECT_EQ(p->unknown.size(), 6u);
  auto q = parse_hsts(serialize(*p));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, *p);
  EXPECT_EQ(parse_hsts("max-age=1, max-age=2").err().kind, "hsts_syntax");
}

// Found by response_head_fuzzer (parse -> serialise -> parse): an empty obs-fold line left a trailing space
// (and a fold of an empty value a leading one), and a name made only of whitespace was accepted as "".
TEST(HeadersResponse, FoldsKeepValuesTrimmedAndNamesNonEmpty) {
  auto r = parse_response_head("HTTP/1.1 200 OK\r\nX-A: one\r\n \t\r\nX-B:\r\n  two\r\nX-C: three\r\n four \r\n\r\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->headers.size(), 3u);
  EXPECT_EQ(r->headers[0], (std::pair<std::string, std::string>{"X-A", "one"}));
  EXPECT_EQ(r->headers[1], (std::pair<std::string, std::string>{"X-B", "two"}));
  EXPECT_EQ(r->headers[2], (std::pair<std::string, std::string>{"X-C", "three four"}));
  auto again = parse_response_head("HTTP/1.1 200 OK\r\nX-A: one\r\nX-B: two\r\nX-C: three four\r\n\r\n");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->headers, r->headers);
  auto blank_name = parse_response_head("HTTP/1.1 200 OK\r\n \t: value\r\n\r\n");
  ASSERT_FALSE(blank_name.ok());
  EXPECT_EQ(blank_name.err().kind, "bad_header_line");
  EXPECT_EQ(blank_name.err().offset, 17u);
}
