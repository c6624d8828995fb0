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
  for (const auto& x : v) s += std::string(to_string(x.id)) + "(" + std::string(to_string(x.level)) + ":" + x.subject + ") ";
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
      EXPECT_FALSE(has_verdict(v, finding_id::hsts_over_http));

      // The verdicts per option set.
      const bool weak_variant = variant == "frame_allow_from" || variant == "csp_none" || (variant == "csp_nonce" && https) ||
                                variant == "csp_report_only" || (variant == "hsts_off" && https) ||
                                (variant == "no_force_https" && !https);
      EXPECT_EQ(any_at_least(v, severity::medium), weak_variant);
      if (variant == "frame_allow_from") EXPECT_TRUE(has_verdict(v, finding_id::xfo_allow_from));
      else EXPECT_TRUE(has_verdict(v, finding_id::xfo_ok));
      if (variant == "csp_none") EXPECT_TRUE(has_verdict(v, finding_id::csp_missing));
      if (variant == "csp_report_only") EXPECT_TRUE(has_verdict(v, finding_id::csp_report_only_only));
      if (variant == "csp_nonce" && https) EXPECT_TRUE(has_verdict(v, finding_id::csp_base_uri_missing));
      if (variant == "csp_nonce" && !https) EXPECT_FALSE(has_verdict(v, finding_id::csp_base_uri_missing));  // no nonce on the redirect
      if (variant == "x_content_type_options_off") EXPECT_TRUE(has_verdict(v, finding_id::xcto_missing));
      else EXPECT_TRUE(has_verdict(v, finding_id::xcto_ok));
      if (variant == "referrer_no_referrer") EXPECT_TRUE(has_verdict(v, finding_id::referrer_ok));
      if (https && variant == "hsts_off") EXPECT_TRUE(has_verdict(v, finding_id::hsts_missing));
      if (https && variant == "hsts_no_subdomains") EXPECT_TRUE(has_verdict(v, finding_id::hsts_no_include_subdomains));
      if (https && variant != "hsts_off" && variant != "hsts_no_subdomains") EXPECT_TRUE(has_verdict(v, finding_id::hsts_ok));
      if (!https) EXPECT_FALSE(has_verdict(v, finding_id::hsts_missing));  // HSTS is judged on https responses only
      // The session cookie Talisman configures passes: Secure; HttpOnly; SameSite=Lax
      if (!get_all(h, "Set-Cookie").empty()) {
        EXPECT_TRUE(has_verdict(v, https ? finding_id::cookie_ok : finding_id::cookie_secure_over_http, "session"));
        EXPECT_FALSE(has_verdict(v, finding_id::cookie_no_httponly));
        EXPECT_FALSE(has_verdict(v, finding_id::cookie_no_samesite));
      }
      // Talisman 1.0 (Debian) still sends X-XSS-Protection: 1; mode=block; 1.1 does not.
      EXPECT_EQ(has_verdict(v, finding_id::xxss_deprecated), std::string(prof) == "debian");
      // The doc's CSP (default-src 'self'; object-src 'none') is never judged weak.
      if (variant == "defaults") {
        EXPECT_FALSE(any_at_least(v, severity::medium));
        EXPECT_FALSE(has_verdict(v, finding_id::csp_unsafe_inline));
        EXPECT_FALSE(has_verdict(v, finding_id::csp_object_src_missing));
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
  std::vector<finding_id> present;       // ids that must be reported
  std::vector<finding_id> absent;        // ids that must not be reported
  std::vector<std::string> report_only = {};
  bool https = true;
  std::int64_t hsts_min = hsts_doc_max_age;
};

std::vector<header_case> csp_cases() {
  return {
      // ---------------- CSP ----------------
      {"the Flask doc's example: scripts only from the origin; object-src falls back to default-src",
       {"default-src 'self'"}, {}, {finding_id::csp_self_in_script_src}, {finding_id::csp_unsafe_inline, finding_id::csp_object_src_missing, finding_id::csp_script_src_missing}},
      {"Flask-Talisman's default policy", {"default-src 'self'; object-src 'none'"}, {}, {}, {finding_id::csp_unsafe_inline, finding_id::csp_object_src_unsafe, finding_id::csp_missing}},
      {"nonce + strict-dynamic strict CSP (search-engine style): https: and 'unsafe-inline' are fallbacks only",
       {"script-src 'nonce-rAnd0mNonce123' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'"}, {},
       {finding_id::csp_unsafe_inline_fallback}, {finding_id::csp_unsafe_inline, finding_id::csp_script_wildcard, finding_id::csp_base_uri_missing}},
      {"same strict CSP without base-uri: an injected <base> retargets nonce'd relative scripts (CSP Evaluator)",
       {"script-src 'nonce-rAnd0mNonce123' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'"}, {},
       {finding_id::csp_base_uri_missing}, {finding_id::csp_unsafe_inline}},
      {"strict CSP listing http: for old browsers: ignored under 'strict-dynamic'",
       {"script-src 'report-sample' 'nonce-abc12345xyz' 'unsafe-inline' 'strict-dynamic' https: http:; object-src 'none'; base-uri 'self'"},
       {}, {}, {finding_id::csp_insecure_source, finding_id::csp_script_wildcard, finding_id::csp_unsafe_inline}},
      {"permissive shop policy: everything allowed", {"default-src * 'unsafe-inline' 'unsafe-eval' data: blob:"}, {},
       {finding_id::csp_unsafe_inline, finding_id::csp_unsafe_eval, finding_id::csp_script_wildcard, finding_id::csp_script_data, finding_id::csp_object_src_unsafe}, {}},
      {"upgrade-insecure-requests alone restricts no script", {"upgrade-insecure-requests"}, {},
       {finding_id::csp_script_src_missing, finding_id::csp_object_src_missing}, {finding_id::csp_missing}},
      {"frame-ancestors only (anti-clickjacking deployments)", {"frame-ancestors 'self'"}, {}, {finding_id::csp_script_src_missing}, {}},
      {"code-hosting style lockdown: default-src 'none' then explicit origins",
       {"default-src 'none'; base-uri 'self'; connect-src 'self'; form-action 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'"},
       {}, {}, {finding_id::csp_script_data, finding_id::csp_unsafe_inline, finding_id::csp_form_action_missing, finding_id::csp_object_src_missing}},
      {"analytics allowed next to 'unsafe-inline': inline injection works",
       {"script-src 'self' 'unsafe-inline' https://www.google-analytics.com; object-src 'none'"}, {}, {finding_id::csp_unsafe_inline}, {finding_id::csp_script_wildcard}},
      {"hash-only policy without 'strict-dynamic': base-uri not needed (a <base> cannot change which inline scripts run)",
       {"script-src 'self' 'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='; object-src 'none'"}, {},
       {finding_id::csp_ok}, {finding_id::csp_unsafe_inline, finding_id::csp_base_uri_missing}},
      {"hashes with 'strict-dynamic' need base-uri", {"script-src 'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8=' 'strict-dynamic'; object-src 'none'"}, {},
       {finding_id::csp_base_uri_missing}, {finding_id::csp_unsafe_inline}},
      {"'strict-dynamic' without any nonce or hash blocks every script", {"script-src 'strict-dynamic'; object-src 'none'; base-uri 'none'"}, {},
       {finding_id::csp_strict_dynamic_without_nonce}, {finding_id::csp_unsafe_inline}},
      {"plain-http CDN in default-src: scripts can be swapped on the network", {"default-src 'self' http://cdn.example.com"}, {},
       {finding_id::csp_insecure_source}, {finding_id::csp_script_wildcard}},
      {"http images only: passive content, not judged", {"default-src 'self'; img-src http://images.example.com"}, {},
       {finding_id::csp_ok}, {finding_id::csp_script_wildcard, finding_id::csp_unsafe_inline}},
      {"https: scheme source lets any https host serve script", {"default-src https:"}, {}, {finding_id::csp_script_wildcard, finding_id::csp_object_src_unsafe}, {}},
      {"wildcard script-src", {"script-src *; object-src 'none'"}, {}, {finding_id::csp_script_wildcard}, {finding_id::csp_object_src_unsafe}},
      {"data: in script-src", {"script-src 'self' data:; object-src 'none'"}, {}, {finding_id::csp_script_data}, {}},
      {"object-src *: plugins from anywhere", {"script-src 'self'; object-src *"}, {}, {finding_id::csp_object_src_unsafe}, {}},
      {"'unsafe-eval' for a template engine", {"default-src 'self'; script-src 'self' 'unsafe-eval'"}, {}, {finding_id::csp_unsafe_eval}, {finding_id::csp_unsafe_inline}},
      {"inline styles only: Observatory does not penalise, we note it as low",
       {"default-src 'self'; style-src 'self' 'unsafe-inline'"}, {}, {finding_id::csp_unsafe_inline_style}, {finding_id::csp_unsafe_inline}},
      {"two policies in one header are intersected: the second blocks inline and foreign scripts",
       {"script-src 'unsafe-inline' *, script-src 'self'"}, {}, {}, {finding_id::csp_unsafe_inline, finding_id::csp_script_wildcard}},
      {"two headers: script weaknesses need both to allow them; object-src * stands (the second policy leaves plugins open)",
       {"default-src *", "script-src 'self' 'unsafe-inline'"}, {}, {finding_id::csp_object_src_unsafe}, {finding_id::csp_unsafe_inline, finding_id::csp_script_wildcard}},
      {"'unsafe-inline' beside a nonce is neutralised", {"script-src 'self' 'unsafe-inline' 'nonce-xyz12345abc'; object-src 'none'; base-uri 'self'"}, {},
       {finding_id::csp_unsafe_inline_fallback}, {finding_id::csp_unsafe_inline}},
      {"a 3-character nonce is guessable; no object-src; no base-uri", {"script-src 'nonce-abc'"}, {},
       {finding_id::csp_nonce_too_short, finding_id::csp_object_src_missing, finding_id::csp_base_uri_missing}, {}},
      {"a repeated directive: browsers keep the first, so 'unsafe-inline' has no effect",
       {"default-src 'self'; script-src 'self'; script-src 'unsafe-inline'"}, {}, {finding_id::csp_duplicate_directive}, {finding_id::csp_unsafe_inline}},
      {"typo in a directive name", {"scripts-src 'self'; default-src 'self'"}, {}, {finding_id::csp_unknown_directive}, {finding_id::csp_script_src_missing}},
      {"deprecated directive", {"default-src 'self'; block-all-mixed-content"}, {}, {finding_id::csp_deprecated_directive}, {finding_id::csp_unknown_directive}},
      {"frame-ancestors * invites framing", {"default-src 'self'; frame-ancestors *"}, {}, {finding_id::csp_frame_ancestors_wildcard}, {}},
      {"directive names and keywords are case-insensitive", {"DEFAULT-SRC 'SELF'; OBJECT-SRC 'NONE'"}, {}, {},
       {finding_id::csp_unknown_directive, finding_id::csp_script_src_missing, finding_id::csp_object_src_missing}},
      {"base-uri * lets injected <base> point anywhere", {"default-src 'self'; base-uri *"}, {}, {finding_id::csp_base_uri_unsafe}, {}},
      {"no script at all", {"script-src 'none'; object-src 'none'"}, {}, {}, {finding_id::csp_script_src_missing, finding_id::csp_unsafe_inline, finding_id::csp_self_in_script_src}},
      {"inline <script> allowed through script-src-elem", {"default-src 'self'; script-src-elem 'self' 'unsafe-inline'"}, {}, {finding_id::csp_unsafe_inline}, {}},
      {"inline event handlers allowed through script-src-attr", {"default-src 'self'; script-src-attr 'unsafe-inline'"}, {}, {finding_id::csp_unsafe_inline_attr}, {}},
      {"'unsafe-hashes' re-enables hashed event handlers", {"default-src 'self' 'unsafe-hashes' 'sha256-xzi4zkCjuC8lZcD2UmnqDG0vurmq12W/XKM5Vd0+MlQ='"}, {},
       {finding_id::csp_unsafe_hashes}, {finding_id::csp_unsafe_inline}},
      {"subdomain wildcard is an allow-list, not a wildcard", {"default-src 'self'; script-src 'self' https://*.example.com; object-src 'none'"}, {},
       {}, {finding_id::csp_script_wildcard}},
      {"https://* matches every https host", {"default-src 'self'; script-src https://*"}, {}, {finding_id::csp_script_wildcard}, {}},
      {"report-only alone never enforces", {}, {}, {finding_id::csp_report_only_only}, {finding_id::csp_missing}, {"default-src 'none'"}},
      {"weak enforced policy beside a strict report-only one: the report-only one does not help",
       {"default-src 'self' 'unsafe-inline'"}, {}, {finding_id::csp_unsafe_inline, finding_id::csp_report_only}, {}, {"default-src 'none'; script-src 'nonce-abcdefgh1234'"}},
      {"empty directives between semicolons are skipped", {"default-src 'self' ; ; ;"}, {}, {}, {finding_id::csp_unknown_directive, finding_id::csp_script_src_missing}},
      {"a leading empty policy before the comma is dropped", {", default-src 'self'"}, {}, {}, {finding_id::csp_script_src_missing, finding_id::csp_empty_policy}},
      {"'wasm-unsafe-eval' is not 'unsafe-eval'", {"script-src 'self' 'wasm-unsafe-eval'; object-src 'none'"}, {}, {}, {finding_id::csp_unsafe_eval}},
      {"blob: workers are not flagged (CSP Evaluator does not either)", {"default-src 'self'; script-src 'self' blob:"}, {}, {},
       {finding_id::csp_script_wildcard, finding_id::csp_script_data}},
      {"default-src 'none' blocks everything", {"default-src 'none'"}, {}, {}, {finding_id::csp_script_src_missing, finding_id::csp_object_src_missing, finding_id::csp_unsafe_inline}},
      {"allow-listed JSONP host: known-bypass lists are not modelled; only the 'self' note remains",
       {"script-src 'self' ajax.googleapis.com; object-src 'none'"}, {}, {finding_id::csp_self_in_script_src}, {finding_id::csp_script_wildcard}},
      {"'unsafe-eval' survives strict-dynamic", {"script-src 'nonce-r4nd0mv4lue' 'unsafe-eval' 'strict-dynamic'; object-src 'none'; base-uri 'none'"}, {},
       {finding_id::csp_unsafe_eval}, {finding_id::csp_unsafe_inline, finding_id::csp_base_uri_missing}},
      {"only passive-content directives", {"img-src *; media-src *; style-src 'self'"}, {}, {finding_id::csp_script_src_missing}, {}},
      {"no CSP at all", {}, {}, {finding_id::csp_missing}, {finding_id::csp_report_only_only}},
      {"a directive with non-ASCII bytes is ignored by browsers", {"default-src 'self'; script-src 'self' caf\xc3\xa9.example"}, {},
       {finding_id::csp_non_ascii}, {finding_id::csp_script_src_missing}},
      {"an invalid source expression is ignored", {"default-src 'self'; script-src 'self' 'nonce-'"}, {}, {finding_id::csp_invalid_source}, {}},
      {"'none' next to other sources is ignored: 'unsafe-inline' still applies", {"script-src 'none' 'unsafe-inline'; object-src 'none'"}, {},
       {finding_id::csp_unsafe_inline}, {}},
  };
}

std::vector<header_case> hsts_cases() {
  return {
      // ---------------- HSTS ----------------
      {"the doc's example", {}, {"max-age=31536000; includeSubDomains"}, {finding_id::hsts_ok}, {finding_id::hsts_max_age_too_low}},
      {"one year without includeSubDomains (warn)", {}, {"max-age=31536000"}, {finding_id::hsts_no_include_subdomains}, {finding_id::hsts_max_age_too_low}},
      {"six months fails the doc threshold", {}, {"max-age=15552000; includeSubDomains"}, {finding_id::hsts_max_age_too_low}, {}},
      {"six months passes the Observatory threshold", {}, {"max-age=15552000; includeSubDomains"}, {finding_id::hsts_ok}, {finding_id::hsts_max_age_too_low}, {}, true,
       hsts_common_max_age},
      {"two years with preload (preload-list shape)", {}, {"max-age=63072000; includeSubDomains; preload"}, {finding_id::hsts_ok}, {finding_id::hsts_preload_not_eligible}},
      {"max-age=0 clears the policy", {}, {"max-age=0"}, {finding_id::hsts_max_age_zero}, {finding_id::hsts_ok}},
      {"five minutes (testing value left in production)", {}, {"max-age=300; includeSubDomains"}, {finding_id::hsts_max_age_short}, {}},
      {"preload without includeSubDomains cannot be preloaded", {}, {"max-age=31536000; preload"}, {finding_id::hsts_preload_not_eligible}, {}},
      {"RFC 6797 allows a quoted max-age", {}, {"max-age=\"31536000\"; includeSubDomains"}, {finding_id::hsts_ok}, {finding_id::hsts_invalid}},
      {"duplicate directive makes the header invalid (RFC 6797 6.1)", {}, {"max-age=31536000; max-age=31536000"}, {finding_id::hsts_invalid}, {finding_id::hsts_ok}},
      {"max-age is required", {}, {"includeSubDomains"}, {finding_id::hsts_invalid}, {}},
      {"two headers folded with a comma are invalid syntax", {}, {"max-age=31536000, max-age=31536000"}, {finding_id::hsts_invalid}, {}},
      {"max-age must be digits", {}, {"max-age=abc"}, {finding_id::hsts_invalid}, {}},
      {"directive names are case-insensitive", {}, {"Max-Age=31536000; INCLUDESUBDOMAINS"}, {finding_id::hsts_ok}, {}},
      {"trailing semicolon is an empty directive", {}, {"max-age=31536000;includeSubDomains;"}, {finding_id::hsts_ok}, {}},
      {"optional whitespace around tokens and '='", {}, {"  max-age = 31536000 ; includeSubDomains  "}, {finding_id::hsts_ok}, {}},
      {"includeSubDomains takes no value", {}, {"max-age=31536000; includeSubDomains=true"}, {finding_id::hsts_invalid}, {}},
      {"unknown directives are ignored", {}, {"max-age=31536000; includeSubDomains; foo=bar"}, {finding_id::hsts_unknown_directive}, {finding_id::hsts_invalid}},
      {"negative max-age is not delta-seconds", {}, {"max-age=-1"}, {finding_id::hsts_invalid}, {}},
      {"Flask-Talisman's 365.24 days", {}, {"max-age=31556926; includeSubDomains"}, {finding_id::hsts_ok}, {}},
      {"HSTS on plain HTTP is ignored", {}, {"max-age=31536000; includeSubDomains"}, {finding_id::hsts_over_http}, {finding_id::hsts_ok}, {}, false},
      {"no HSTS on https", {}, {}, {finding_id::hsts_missing}, {}},
      {"no HSTS on http is expected", {}, {}, {}, {finding_id::hsts_missing}, {}, false},
      {"two HSTS headers: only the first counts", {}, {"max-age=31536000", "max-age=0"}, {finding_id::hsts_multiple_headers}, {finding_id::hsts_max_age_zero}},
      {"huge max-age saturates, still valid", {}, {"max-age=99999999999999999999999; includeSubDomains"}, {finding_id::hsts_ok}, {}},
      {"a quoted directive name is not a token", {}, {"max-age=31536000; includeSubDomains; \"preload\""}, {finding_id::hsts_invalid}, {}},
  };
}

const std::vector<header_case>& table() {
  static const std::vector<header_case> t = [] {
    std::vector<header_case> all = csp_cases();
    for (auto& c : hsts_cases()) all.push_back(std::move(c));
    return all;
  }();
  return t;
}
}  // namespace

TEST(HeadersTable, RealWorldShapedCspAndHsts) {
  ASSERT_GE(table().size(), 60u);
  for (const auto& c : table()) {
    response_options o;
    o.https = c.https;
    o.hsts_min_max_age = c.hsts_min;
    auto hsts_id = [](finding_id id) { return to_string(id).rfind("hsts.", 0) == 0; };
    const bool is_hsts = !c.present.empty() ? hsts_id(c.present[0]) : (!c.absent.empty() && hsts_id(c.absent[0]));
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
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"DENY"}, {}), finding_id::xfo_ok));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({" sameorigin "}, {}), finding_id::xfo_ok));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({}, {}), finding_id::xfo_missing));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({}, {"frame-ancestors 'self'"}), finding_id::xfo_ok));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({}, {"frame-ancestors *"}), finding_id::xfo_frame_ancestors_wildcard));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"ALLOW-FROM https://a.example"}, {}), finding_id::xfo_allow_from));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"ALLOWALL"}, {}), finding_id::xfo_allowall));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"SAMEORIGIN, SAMEORIGIN"}, {}), finding_id::xfo_multiple_values));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"DENY", "SAMEORIGIN"}, {}), finding_id::xfo_conflicting));
  EXPECT_TRUE(has_verdict(audit_x_frame_options({"SAMEORIGIN"}, {"frame-ancestors *"}), finding_id::xfo_frame_ancestors_wildcard));
  auto v = audit_x_frame_options({"DENY"}, {"frame-ancestors 'self'"});
  ASSERT_TRUE(has_verdict(v, finding_id::xfo_frame_ancestors_conflict));
  EXPECT_FALSE(any_at_least(v, severity::low));  // browsers follow frame-ancestors, which still protects
}

TEST(HeadersOther, XContentTypeOptions) {
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"nosniff"}), finding_id::xcto_ok));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({" NoSniff "}), finding_id::xcto_ok));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({}), finding_id::xcto_missing));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"no-sniff"}), finding_id::xcto_invalid));
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"sniff, nosniff"}), finding_id::xcto_invalid));  // first value only
  EXPECT_TRUE(has_verdict(audit_x_content_type_options({"nosniff", "nosniff"}), finding_id::xcto_multiple_values));
}

TEST(HeadersOther, ReferrerPolicy) {
  EXPECT_TRUE(has_verdict(audit_referrer_policy({"strict-origin-when-cross-origin"}), finding_id::referrer_ok));
  EXPECT_TRUE(has_verdict(audit_referrer_policy({"no-referrer, bogus"}), finding_id::referrer_ok));  // last *recognised* token
  EXPECT_TRUE(has_verdict(audit_referrer_policy({"bogus"}), finding_id::referrer_invalid));
  EXPECT_TRUE(has_verdict(audit_referrer_policy({}), finding_id::referrer_missing));
  auto v = audit_referrer_policy({"no-referrer, unsafe-url"});
  ASSERT_TRUE(has_verdict(v, finding_id::referrer_unsafe));
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
  EXPECT_EQ(parse_response_head("garbage").err().kind, websec::errc::no_status_line);
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\nno colon here\n\n").err().kind, websec::errc::bad_header_line);
  auto lf = parse_response_head("HTTP/1.0 404 Not Found\nServer: x\n");
  ASSERT_TRUE(lf.ok());
  EXPECT_EQ(lf->status, 404);
}

TEST(HeadersResponse, CookiesAreJudgedPerLine) {
  header_list h = {{"Set-Cookie", "session=a; HttpOnly"}, {"Set-Cookie", "tracker=dark; Secure; SameSite=Lax"}};
  response_options o;
  o.now = 1700000000;
  auto v = audit_response(h, o);
  EXPECT_TRUE(has_verdict(v, finding_id::cookie_no_secure, "session"));
  EXPECT_TRUE(has_verdict(v, finding_id::cookie_no_httponly, "tracker"));
  EXPECT_FALSE(has_verdict(v, finding_id::cookie_no_secure, "tracker"));
  auto level_of = [](const std::vector<verdict>& vs, finding_id id, const std::string& subject) {
    for (const auto& x : vs)
      if (x.id == id && x.subject == subject) return x.level;
    return severity::info;
  };
  EXPECT_EQ(level_of(v, finding_id::cookie_no_secure, "session"), severity::high);
  // With HSTS the missing Secure flag weighs one level less (Observatory: -40 -> -10 for session cookies).
  h.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  v = audit_response(h, o);
  EXPECT_EQ(level_of(v, finding_id::cookie_no_secure, "session"), severity::medium);
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
  EXPECT_EQ(parse_hsts("max-age=1, max-age=2").err().kind, websec::errc::hsts_syntax);
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
  EXPECT_EQ(blank_name.err().kind, websec::errc::bad_header_line);
  EXPECT_EQ(blank_name.err().offset, 17u);
}

// ------------------------------------------------------------------------------------------------------
// Verdicts (websec/verdict.hpp): one rule, one test. docs/verdicts.md lists every rule with its source.
// ------------------------------------------------------------------------------------------------------

namespace {

audit_report report_of(const std::string& text, response_options o = {}) {
  auto in = read_audit_input(text);
  EXPECT_TRUE(in.ok()) << (in.ok() ? "" : in.err().message);
  if (!o.now) o.now = 1700000000;
  return audit(in.ok() ? *in : audit_input{}, o);
}
audit_report report_of(const std::vector<std::string>& lines, response_options o = {}) {
  std::string t = "HTTP/1.1 200 OK\r\n";
  for (const auto& l : lines) t += l + "\r\n";
  return report_of(t + "\r\n", o);
}
const subject_report& subject(const audit_report& r, std::string_view name) {
  for (const auto* list : {&r.headers, &r.cookies})
    for (const auto& s : *list)
      if (s.name == name) return s;
  static subject_report none;
  ADD_FAILURE() << "no subject " << name;
  return none;
}
std::string dump(const subject_report& s) {
  std::string o = std::string(to_string(s.result)) + ":";
  for (const auto& f : s.findings) o += " " + std::string(to_string(f.id)) + "(" + std::string(to_string(f.effect)) + ")";
  return o;
}
// The CSP verdict and whether `id` is among its findings.
rating csp_verdict(const std::string& policy, std::optional<finding_id> id = std::nullopt, bool want = true) {
  auto r = report_of(std::vector<std::string>{"Content-Security-Policy: " + policy});
  const auto& s = subject(r, "Content-Security-Policy");
  if (id) EXPECT_EQ(has_verdict(s.findings, *id), want) << policy << " -> " << dump(s);
  return s.result;
}

}  // namespace

TEST(Verdict, OrderAndNames) {
  EXPECT_TRUE(at_least(rating::invalid, rating::fail));
  EXPECT_TRUE(at_least(rating::fail, rating::weak));
  EXPECT_FALSE(at_least(rating::pass, rating::weak));
  EXPECT_EQ(worst(rating::weak, rating::fail), rating::fail);
  rating r;
  ASSERT_TRUE(parse_rating("invalid", r));
  EXPECT_EQ(r, rating::invalid);
  EXPECT_FALSE(parse_rating("bad", r));
  EXPECT_EQ(default_effect(severity::info), rating::pass);
  EXPECT_EQ(default_effect(severity::medium), rating::weak);
  EXPECT_EQ(default_effect(severity::high), rating::fail);
}

TEST(Verdict, OverallIsTheWorstSubjectAndOnlySelects) {
  std::vector<std::string> h = {"Strict-Transport-Security: max-age=31536000; includeSubDomains",
                                "Content-Security-Policy: default-src 'self'", "X-Content-Type-Options: nosniff",
                                "X-Frame-Options: DENY", "Referrer-Policy: unsafe-url"};
  auto r = report_of(h);
  EXPECT_EQ(r.overall, rating::fail);
  for (const auto& s : r.headers) EXPECT_EQ(s.result, worst_effect(s.findings)) << s.name;
  response_options o;
  o.only = {"csp", "X-Frame-Options"};
  auto only = report_of(h, o);
  ASSERT_EQ(only.headers.size(), 2u);
  EXPECT_EQ(only.overall, rating::pass);
  EXPECT_TRUE(selected({"hsts"}, "Strict-Transport-Security"));
  EXPECT_TRUE(selected({"cookies"}, "cookie:session"));
  EXPECT_TRUE(selected({"cookie:session"}, "cookie:session"));
  EXPECT_FALSE(selected({"cookie:session"}, "cookie:theme"));
  EXPECT_FALSE(selected({"csp"}, "cookie:session"));
  // "cookie:" with or without blanks after it names no cookie, so it does not pick the nameless one
  EXPECT_FALSE(selected({"cookie:"}, "cookie:"));
  EXPECT_FALSE(selected({"cookie: "}, "cookie:"));
  EXPECT_FALSE(selected({" cookie:\t"}, "cookie:"));
  EXPECT_TRUE(selected({" cookie:session "}, "cookie:session"));
  // findings of the whole report are the flattened subjects; audit_response returns them
  header_list hl;
  for (const auto& l : h) hl.emplace_back(l.substr(0, l.find(':')), l.substr(l.find(':') + 2));
  response_options fixed;
  fixed.now = 1700000000;
  EXPECT_EQ(audit_response(hl, fixed), r.findings());
}

TEST(Verdict, InfoAdviceNeverLowersAVerdict) {
  // 'self' in script-src, 'unsafe-inline' only in style-src, a duplicated reporting directive, an unknown
  // directive that default-src covers: all info, verdict pass
  auto s = csp_verdict("default-src 'self'; style-src 'self' 'unsafe-inline'; report-uri /a; report-uri /b; scirpt-src x");
  EXPECT_EQ(s, rating::pass);
  auto r = report_of(std::vector<std::string>{"Content-Security-Policy: default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                              "report-uri /a; report-uri /b; scirpt-src x"});
  for (const auto& f : subject(r, "Content-Security-Policy").findings) {
    EXPECT_EQ(f.level, severity::info) << f.id;
    EXPECT_EQ(f.effect, rating::pass) << f.id;
  }
}

// ---- resolution of repeated and comma-joined values ----

TEST(Resolution, GetDecodeSplitAsFetch) {
  EXPECT_EQ(get_decode_split(std::vector<std::string>{"a, b", "c"}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(get_decode_split(std::vector<std::string>{"\"x,y\" z, w"}), (std::vector<std::string>{"\"x,y\" z", "w"}));
  EXPECT_EQ(get_decode_split(std::vector<std::string>{"a,"}), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(get_decode_split(std::vector<std::string>{" \t nosniff \t"}), (std::vector<std::string>{"nosniff"}));
  EXPECT_TRUE(get_decode_split(std::vector<std::string>{}).empty());
  EXPECT_EQ(get_decode_split(std::vector<std::string>{"\"unterminated, x"}), (std::vector<std::string>{"\"unterminated, x"}));
}

TEST(Resolution, HstsFirstHeaderAndFirefoxIgnoresSeveral) {
  auto r = report_of(std::vector<std::string>{"Strict-Transport-Security: max-age=31536000", "Strict-Transport-Security: max-age=0"});
  const auto& s = subject(r, "Strict-Transport-Security");
  EXPECT_EQ(s.value, "max-age=31536000");
  EXPECT_EQ(s.result, rating::weak) << dump(s);
  EXPECT_TRUE(has_verdict(s.findings, finding_id::hsts_multiple_headers));
  EXPECT_NE(s.resolution.find("RFC 6797 8.1"), std::string::npos);
}

TEST(Resolution, EverySubjectSaysWhichValueWins) {
  auto r = report_of(std::vector<std::string>{"Strict-Transport-Security: max-age=1", "Content-Security-Policy: default-src 'self'",
                                              "X-Frame-Options: DENY", "X-Content-Type-Options: nosniff", "Referrer-Policy: no-referrer",
                                              "Set-Cookie: a=1"});
  for (const auto* list : {&r.headers, &r.cookies})
    for (const auto& s : *list) EXPECT_FALSE(s.resolution.empty()) << s.name;
}

// ---- HSTS ----

TEST(HstsVerdict, Rules) {
  auto v = [](const std::vector<std::string>& values, bool https = true) {
    response_options o;
    o.https = https;
    return hsts_report(values, o).result;
  };
  EXPECT_EQ(v({"max-age=31536000; includeSubDomains"}), rating::pass);
  EXPECT_EQ(v({"max-age=31536000"}), rating::pass);  // includeSubDomains is advice
  EXPECT_EQ(v({}), rating::fail);
  EXPECT_EQ(v({}, false), rating::pass);
  EXPECT_EQ(v({"max-age=0"}), rating::fail);
  EXPECT_EQ(v({"max-age=3600"}), rating::fail);
  EXPECT_EQ(v({"max-age=86400"}), rating::weak);
  EXPECT_EQ(v({"includeSubDomains"}), rating::invalid);
  EXPECT_EQ(v({"max-age=1, max-age=2"}), rating::invalid);
  EXPECT_EQ(v({"max-age=31536000"}, false), rating::pass);  // ignored over http: nothing to judge
}

// ---- CSP ----

TEST(CspVerdict, AbsentIgnoredAndReportOnly) {
  auto none = report_of(std::vector<std::string>{"X-A: b"});
  EXPECT_EQ(subject(none, "Content-Security-Policy").result, rating::fail);
  EXPECT_EQ(csp_verdict("", finding_id::csp_empty_policy), rating::invalid);
  EXPECT_EQ(csp_verdict("scirpt-src 'self'; obejct-src 'none'", finding_id::csp_no_known_directive), rating::invalid);
  auto ro = report_of(std::vector<std::string>{"Content-Security-Policy-Report-Only: default-src 'self'"});
  EXPECT_EQ(subject(ro, "Content-Security-Policy").result, rating::fail);
  EXPECT_TRUE(has_verdict(subject(ro, "Content-Security-Policy").findings, finding_id::csp_report_only_only));
}

TEST(CspVerdict, StrictModel) {
  const std::string n = "'nonce-R4nd0mR4nd0mR4nd0m12'";
  const std::string h = "'sha256-B2yPHKaXnvFWtRChIbabYmUBFZdVfKKXHbWtWidDVF8='";
  EXPECT_EQ(csp_verdict("script-src " + n + " 'strict-dynamic'; object-src 'none'; base-uri 'none'"), rating::pass);
  EXPECT_EQ(csp_verdict("script-src " + n + " 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'",
                        finding_id::csp_host_fallback),
            rating::pass);
  // base-uri is required with a nonce (high, fail) ...
  auto r = report_of(std::vector<std::string>{"Content-Security-Policy: script-src " + n + " 'strict-dynamic'; object-src 'none'"});
  const auto& s = subject(r, "Content-Security-Policy");
  EXPECT_EQ(s.result, rating::fail);
  auto it = std::find_if(s.findings.begin(), s.findings.end(), [](const verdict& f) { return f.id == finding_id::csp_base_uri_missing; });
  ASSERT_NE(it, s.findings.end());
  EXPECT_EQ(it->level, severity::high);
  EXPECT_NE(it->reason.find("nonce"), std::string::npos);
  // ... and with hashes plus 'strict-dynamic', where the message never mentions nonces ...
  auto rh = report_of(std::vector<std::string>{"Content-Security-Policy: script-src " + h + " 'strict-dynamic'; object-src 'none'"});
  const auto& sh = subject(rh, "Content-Security-Policy");
  auto ith = std::find_if(sh.findings.begin(), sh.findings.end(), [](const verdict& f) { return f.id == finding_id::csp_base_uri_missing; });
  ASSERT_NE(ith, sh.findings.end());
  EXPECT_EQ(ith->reason.find("nonce"), std::string::npos) << ith->reason;
  // ... but not for a hash-only policy without 'strict-dynamic'
  EXPECT_EQ(csp_verdict("script-src " + h + "; object-src 'none'", finding_id::csp_base_uri_missing, false), rating::pass);
  EXPECT_EQ(csp_verdict("script-src " + n + " 'strict-dynamic'; object-src 'none'; base-uri *", finding_id::csp_base_uri_unsafe), rating::fail);
  EXPECT_EQ(csp_verdict("script-src 'nonce-abc'; object-src 'none'; base-uri 'none'", finding_id::csp_nonce_too_short), rating::weak);
}

TEST(CspVerdict, StrictDynamicWithoutNonceOrHash) {
  EXPECT_EQ(csp_verdict("script-src 'strict-dynamic'; object-src 'none'", finding_id::csp_strict_dynamic_without_nonce), rating::weak);
  EXPECT_EQ(csp_verdict("script-src 'self' 'strict-dynamic' https://a.example; object-src 'none'", finding_id::csp_strict_dynamic_without_nonce),
            rating::weak);
}

TEST(CspVerdict, HostAllowlistsAreNamedAlsoNextToANonce) {
  EXPECT_EQ(csp_verdict("script-src 'self' https://cdn.example.com; object-src 'none'", finding_id::csp_host_allowlist), rating::weak);
  EXPECT_EQ(csp_verdict("script-src 'nonce-R4nd0mR4nd0mR4nd0m12' https://cdn.example.com; object-src 'none'; base-uri 'none'",
                        finding_id::csp_host_allowlist),
            rating::weak);
  EXPECT_EQ(csp_verdict("script-src 'nonce-R4nd0mR4nd0mR4nd0m12' 'strict-dynamic' https://cdn.example.com; object-src 'none'; "
                        "base-uri 'none'",
                        finding_id::csp_host_allowlist, false),
            rating::pass);
  // 'self' alone is advice
  EXPECT_EQ(csp_verdict("script-src 'self'; object-src 'none'", finding_id::csp_self_in_script_src), rating::pass);
}

TEST(CspVerdict, AllowlistBypassTable) {
  const auto& t = csp_bypasses();
  ASSERT_GE(t.size(), 30u);
  for (const auto& b : t) {
    EXPECT_TRUE(b.kind == "jsonp" || b.kind == "angular" || b.kind == "user_content" || b.kind == "gadget") << b.host;
    EXPECT_FALSE(b.host.empty());
    EXPECT_EQ(b.path.front(), '/') << b.host;
    EXPECT_FALSE(b.what.empty()) << b.host;
    EXPECT_GE(b.source.size(), 10u) << b.host;  // every entry names its source
  }
  auto hits = [](const std::string& src) { return bypasses_allowed_by(src).size(); };
  EXPECT_GT(hits("https://www.google.com"), 0u);
  EXPECT_GT(hits("*.google.com"), 0u);           // wildcard host
  EXPECT_GT(hits("http://www.google.com"), 0u);  // http: sources match https (CSP3)
  EXPECT_EQ(hits("google.com"), 0u);
  EXPECT_GT(hits("https://ajax.googleapis.com/ajax/libs/"), 0u);          // path prefix
  EXPECT_EQ(hits("https://ajax.googleapis.com/ajax/libs/jquery/"), 0u);   // another prefix
  EXPECT_EQ(hits("https://www.google.com/complete/search"), 1u);          // exact path
  EXPECT_EQ(hits("https://www.google.com/complete/searchx"), 0u);
  EXPECT_GT(hits("https://*.github.io"), 0u);   // a subdomain of the attacker's choosing
  EXPECT_EQ(hits("https://me.github.io"), 0u);  // one named site is its owner's
  EXPECT_EQ(hits("https://www.google.com:8443"), 0u);
  EXPECT_EQ(hits("wss://www.google.com"), 0u);
  EXPECT_EQ(csp_verdict("script-src 'self' https://cdnjs.cloudflare.com; object-src 'none'", finding_id::csp_allowlist_bypass), rating::fail);
  EXPECT_EQ(csp_verdict("script-src 'nonce-R4nd0mR4nd0mR4nd0m12' https://cdnjs.cloudflare.com; object-src 'none'; base-uri 'none'",
                        finding_id::csp_allowlist_bypass),
            rating::fail);
}

TEST(CspVerdict, UnquotedKeywordsBecomeHostNames) {
  EXPECT_EQ(csp_verdict("default-src self", finding_id::csp_unquoted_keyword), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; object-src none", finding_id::csp_unquoted_keyword), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; script-src 'self' unsafe-inline", finding_id::csp_unquoted_keyword), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; script-src 'self' \"unsafe-eval\"", finding_id::csp_unquoted_keyword), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; script-src 'self' 'nonce-abcdefghijklmnopq", finding_id::csp_unquoted_keyword), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; script-src 'self' 'nonce-'", finding_id::csp_invalid_source), rating::pass);
}

TEST(CspVerdict, MissingSemicolonIsDiagnosedAsSuch) {
  auto r = report_of(std::vector<std::string>{"Content-Security-Policy: default-src 'self' script-src 'self' 'unsafe-inline'"});
  const auto& s = subject(r, "Content-Security-Policy");
  EXPECT_TRUE(has_verdict(s.findings, finding_id::csp_missing_semicolon)) << dump(s);
  EXPECT_EQ(s.result, rating::fail);  // browsers apply the swallowed 'unsafe-inline' to default-src
  for (const auto& f : s.findings)
    if (f.id == finding_id::csp_unsafe_inline) EXPECT_NE(f.reason.find("default-src"), std::string::npos) << f.reason;
  EXPECT_EQ(csp_verdict("default-src 'self' object-src 'none'", finding_id::csp_missing_semicolon), rating::weak);
  EXPECT_EQ(csp_verdict("script-src 'self', 'unsafe-inline'; object-src 'none'", finding_id::csp_comma_split), rating::weak);
}

TEST(CspVerdict, ReportEndpointsOverHttp) {
  EXPECT_EQ(csp_verdict("default-src 'self'; report-uri http://r.example/", finding_id::csp_report_insecure), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; report-uri https://r.example/", finding_id::csp_report_insecure, false), rating::pass);
  auto r = report_of(std::vector<std::string>{"Content-Security-Policy: default-src 'self'; report-to g",
                                              "Reporting-Endpoints: g=\"http://r.example/\", h=\"https://x/\""});
  EXPECT_TRUE(has_verdict(subject(r, "Content-Security-Policy").findings, finding_id::csp_report_insecure));
  auto rt = report_of(std::vector<std::string>{"Content-Security-Policy: default-src 'self'; report-to g",
                                               "Report-To: {\"group\":\"g\",\"endpoints\":[{\"url\":\"http://r.example/\"}]}"});
  EXPECT_TRUE(has_verdict(subject(rt, "Content-Security-Policy").findings, finding_id::csp_report_insecure));
}

TEST(CspVerdict, ScriptsUnrestricted) {
  EXPECT_EQ(csp_verdict("img-src 'self'", finding_id::csp_script_src_missing), rating::fail);
  EXPECT_EQ(csp_verdict("default-src 'self' 'unsafe-inline'", finding_id::csp_unsafe_inline), rating::fail);
  EXPECT_EQ(csp_verdict("default-src 'self'; script-src-attr 'unsafe-inline'", finding_id::csp_unsafe_inline_attr), rating::fail);
  EXPECT_EQ(csp_verdict("default-src *", finding_id::csp_script_wildcard), rating::fail);
  EXPECT_EQ(csp_verdict("default-src https:", finding_id::csp_script_wildcard), rating::fail);
  EXPECT_EQ(csp_verdict("script-src 'self' data:; object-src 'none'", finding_id::csp_script_data), rating::fail);
  EXPECT_EQ(csp_verdict("default-src 'self'; script-src 'self' 'unsafe-eval'", finding_id::csp_unsafe_eval), rating::weak);
  EXPECT_EQ(csp_verdict("script-src 'self'", finding_id::csp_object_src_missing), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; object-src *", finding_id::csp_object_src_unsafe), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; frame-ancestors *", finding_id::csp_frame_ancestors_wildcard), rating::weak);
  EXPECT_EQ(csp_verdict("default-src 'self'; frame-ancestor 'none'", finding_id::csp_unknown_directive), rating::weak);
  // a load must pass every enforced policy
  auto r = report_of(std::vector<std::string>{"Content-Security-Policy: script-src 'self'; object-src 'none'",
                                              "Content-Security-Policy: script-src 'self' 'unsafe-inline'"});
  EXPECT_EQ(subject(r, "Content-Security-Policy").result, rating::pass);
}

TEST(CspVerdict, MetaDelivery) {
  auto ok = report_of("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; frame-ancestors "
                      "'none'; report-uri /r; sandbox\"></head><body></body></html>");
  const auto& s = subject(ok, "Content-Security-Policy");
  EXPECT_EQ(s.result, rating::pass) << dump(s);
  std::size_t ignored = 0;
  for (const auto& f : s.findings) ignored += f.id == finding_id::csp_meta_ignored_directive;
  EXPECT_EQ(ignored, 3u);  // frame-ancestors, report-uri, sandbox
  // framing is not protected by a <meta> frame-ancestors
  EXPECT_EQ(subject(ok, "X-Frame-Options").result, rating::fail);
  auto body = report_of("<html><body><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\"></body></html>");
  EXPECT_EQ(subject(body, "Content-Security-Policy").result, rating::fail);
  auto late = report_of("<html><head><script src=/a.js></script><meta http-equiv=content-security-policy content=\"default-src "
                        "'self'\"></head></html>");
  EXPECT_TRUE(has_verdict(subject(late, "Content-Security-Policy").findings, finding_id::csp_meta_after_script));
  // a <meta> policy is one policy: a ',' is not a separator there, so "script-src *" lands in default-src
  auto comma = report_of("<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self', "
                         "script-src *\"></head></html>");
  EXPECT_TRUE(has_verdict(subject(comma, "Content-Security-Policy").findings, finding_id::csp_script_wildcard));
  EXPECT_TRUE(has_verdict(subject(comma, "Content-Security-Policy").findings, finding_id::csp_missing_semicolon));
}

// ---- framing ----

TEST(FramingVerdict, XfoAndFrameAncestors) {
  auto v = [](const std::vector<std::string>& xfo, const std::vector<std::string>& csp = {}) { return xfo_report(xfo, csp).result; };
  EXPECT_EQ(v({"DENY"}), rating::pass);
  EXPECT_EQ(v({"sameorigin"}), rating::pass);
  EXPECT_EQ(v({}), rating::fail);
  EXPECT_EQ(v({"ALLOW-FROM https://a.example"}), rating::invalid);
  EXPECT_EQ(v({"ALLOWALL"}), rating::fail);
  EXPECT_EQ(v({"DENY", "SAMEORIGIN"}), rating::pass);  // different values block all framing
  EXPECT_EQ(v({"foo, bar"}), rating::invalid);
  EXPECT_EQ(v({"SAMEORIGIN,"}), rating::pass);
  EXPECT_EQ(v({}, {"frame-ancestors 'self'"}), rating::pass);
  // an enforced frame-ancestors allowing any origin overrides X-Frame-Options: fail
  auto wild = xfo_report({"DENY"}, {"frame-ancestors *"});
  EXPECT_EQ(wild.result, rating::fail);
  EXPECT_TRUE(has_verdict(wild.findings, finding_id::xfo_frame_ancestors_wildcard));
  EXPECT_EQ(v({"DENY"}, {"frame-ancestors https:"}), rating::fail);
  // Report-Only does not override
  auto ro = report_of(std::vector<std::string>{"Content-Security-Policy-Report-Only: frame-ancestors *", "X-Frame-Options: DENY"});
  EXPECT_EQ(subject(ro, "X-Frame-Options").result, rating::pass);
}

// ---- X-Content-Type-Options ----

TEST(XctoVerdict, FirstValueMustBeNosniff) {
  EXPECT_EQ(xcto_report({"nosniff"}).result, rating::pass);
  EXPECT_EQ(xcto_report({"NoSniff, x"}).result, rating::pass);
  EXPECT_EQ(xcto_report({}).result, rating::fail);
  EXPECT_EQ(xcto_report({"sniff, nosniff"}).result, rating::invalid);
  EXPECT_EQ(xcto_report({"garbage", "nosniff"}).result, rating::invalid);
}

// ---- Referrer-Policy ----

TEST(ReferrerVerdict, LeaksFailAndUnknownTokensAreDiagnosed) {
  auto v = [](const std::vector<std::string>& values) { return referrer_report(values).result; };
  for (const char* good : {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin", "Strict-Origin"})
    EXPECT_EQ(v({good}), rating::pass) << good;
  for (const char* bad : {"unsafe-url", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin"})
    EXPECT_EQ(v({bad}), rating::fail) << bad;
  EXPECT_EQ(v({}), rating::pass);  // the default is strict-origin-when-cross-origin
  EXPECT_EQ(v({"bogus"}), rating::invalid);
  EXPECT_EQ(v({""}), rating::invalid);
  auto r = referrer_report({"strict-origin-when-cross-origin, strict-orgin"});
  EXPECT_EQ(r.result, rating::pass);
  EXPECT_TRUE(has_verdict(r.findings, finding_id::referrer_unknown_token));  // diagnosed even though another token is valid
  EXPECT_EQ(v({"no-referrer", "unsafe-url"}), rating::fail);       // the last token of the joined headers wins
  // <meta name=referrer> replaces the header's policy; legacy keywords map
  auto m = report_of("HTTP/1.1 200 OK\r\nReferrer-Policy: no-referrer\r\n\r\n<html><head><meta name=referrer content=always>");
  EXPECT_EQ(subject(m, "Referrer-Policy").result, rating::fail);
}

// ---- input forms ----

TEST(AuditInput, FourForms) {
  auto head = read_audit_input("HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\n\r\n<html><head>"
                               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;self&#39;\"></head>");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->form, "response");
  EXPECT_EQ(head->status, 200);
  ASSERT_EQ(head->metas.size(), 1u);
  EXPECT_EQ(head->metas[0].content, "default-src 'self'");
  auto bare = read_audit_input("GET / HTTP/1.1\nX-Frame-Options: DENY\n  \nContent-Security-Policy: default-src\n 'self'\n");
  ASSERT_TRUE(bare.ok()) << bare.err().message;
  EXPECT_EQ(bare->form, "headers");
  ASSERT_EQ(bare->headers.size(), 2u);
  EXPECT_EQ(bare->headers[1].second, "default-src 'self'");
  EXPECT_FALSE(read_audit_input("X-Frame-Options DENY\n").ok());
  auto html = read_audit_input("\xEF\xBB\xBF <!doctype html><!-- <meta http-equiv=refresh content=x> --><script>var s = '<meta "
                               "name=referrer content=unsafe-url>';</script><meta name=referrer content='no-referrer'>");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->form, "html");
  ASSERT_EQ(html->metas.size(), 1u);  // comments and script contents are skipped
  EXPECT_EQ(html->metas[0].content, "no-referrer");
  EXPECT_TRUE(html->metas[0].after_script);
  // one byte order mark is skipped; a second one is text, so the input is header lines (and not valid ones)
  auto two_marks = read_audit_input("\xEF\xBB\xBF \xEF\xBB\xBF<meta name=referrer content=origin>");
  ASSERT_FALSE(two_marks.ok());
  EXPECT_EQ(two_marks.err().kind, websec::errc::bad_header_line);
  const std::string har =
      R"({"log": {"version": "1.2", "entries": [
        {"request": {"url": "https://a.example/app.js"}, "response": {"status": 200, "headers": [], "content": {"mimeType": "text/javascript"}}},
        {"request": {"url": "http://a.example/"}, "response": {"status": 200, "headers": [
          {"name": "X-Frame-Options", "value": "DENY"}, {"name": "set-cookie", "value": "a=1; Secure\nb=2"}],
          "content": {"mimeType": "text/html; charset=utf-8", "text": "<meta name=referrer content=origin>"}}}]}})";
  auto h = read_audit_input(har);
  ASSERT_TRUE(h.ok()) << h.err().message;
  EXPECT_EQ(h->form, "har");
  EXPECT_EQ(h->url, "http://a.example/");
  EXPECT_EQ(get_all(h->headers, "Set-Cookie").size(), 2u);
  ASSERT_EQ(h->metas.size(), 1u);
  auto rep = audit(*h);
  // the HAR's http URL: the Secure cookie from an http origin is dropped
  EXPECT_EQ(subject(rep, "a").result, rating::invalid);
  EXPECT_FALSE(read_audit_input("{\"log\": {}}").ok());
}

TEST(AuditInput, HostileHtmlStaysBounded) {
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "<meta http-equiv=content-security-policy content=\"default-src *\">";
  EXPECT_EQ(html_metas(many).size(), 64u);
  EXPECT_TRUE(html_metas("<meta content=\"unterminated").empty());
  EXPECT_TRUE(html_metas("<script>never closed <meta name=referrer content=x>").empty());
  EXPECT_TRUE(html_metas(std::string(100000, '<')).empty());
}
