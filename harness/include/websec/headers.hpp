// websec/headers.hpp — parse and judge the security headers of a response: Strict-Transport-Security
// (RFC 6797), Content-Security-Policy (CSP Level 3), X-Frame-Options (HTML "check a navigation response's
// adherence to X-Frame-Options"), X-Content-Type-Options (Fetch "determine nosniff"), Referrer-Policy
// (W3C Referrer Policy), plus every Set-Cookie line through websec::cookie::audit_set_cookie.
//
// Verdicts follow Google's CSP Evaluator checks and Mozilla HTTP Observatory's rubric where those tools
// agree, and Flask's "Security Considerations" where they do not (the doc's `default-src 'self'` passes, its
// HSTS max-age of one year is the default threshold). docs/spec.md §5 lists what Flask-Talisman sends.
// Every function here is total: hostile header values yield verdicts, never exceptions.
#pragma once

#include "websec/result.hpp"
#include "websec/verdict.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace websec::headers {

/// A response head as received: (name, value) pairs in order, names in any case, repeated names kept.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Values of every header named `name` (ASCII case-insensitive), in order.
std::vector<std::string> get_all(const header_list& h, std::string_view name);

/// Parses a raw HTTP/1.x response head ("HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n", e.g. `curl -sI`).
/// Accepts LF or CRLF line ends, skips any leading interim/redirect heads (`curl -sIL` prints several: the
/// last one is returned), unfolds obsolete line folding (one SP per fold, empty folds dropped), trims optional
/// whitespace around names and values.
/// Errors: "no_status_line" (input does not start with "HTTP/"), "bad_header_line" (a line without ':' or
/// with an empty name),
/// with the byte offset of the offending line.
struct response_head {
  int status = 0;
  header_list headers;
};
result<response_head> parse_response_head(std::string_view raw);

// ------------------------------------------------------------------------------------------------------
// Strict-Transport-Security (RFC 6797 §6.1)
// ------------------------------------------------------------------------------------------------------

/// The doc's example (`max-age=31536000; includeSubDomains`) and the common "six months" of HTTP
/// Observatory, testssl.sh and SSL Labs (15552000 s).
inline constexpr std::int64_t hsts_doc_max_age = 31536000;
inline constexpr std::int64_t hsts_common_max_age = 15552000;

struct hsts_policy {
  std::int64_t max_age = 0;               ///< saturated at INT64_MAX
  bool include_subdomains = false;
  bool preload = false;
  std::vector<std::string> unknown;       ///< directive names outside RFC 6797 / preload, as written
  bool operator==(const hsts_policy&) const = default;
};

/// RFC 6797 §6.1 grammar: directives separated by ';', `name [= token | quoted-string]`, optional
/// whitespace around tokens. Errors (a user agent then ignores the whole header): "hsts_syntax" (a character
/// outside the grammar, e.g. ',' from folded duplicate headers), "hsts_duplicate_directive" (§6.1: each
/// directive at most once), "hsts_max_age_missing", "hsts_max_age_invalid" (not 1*DIGIT, possibly quoted),
/// "hsts_directive_value" (includeSubDomains / preload with a value). Offsets point into `value`.
result<hsts_policy> parse_hsts(std::string_view value);
std::string serialize(const hsts_policy& p);  ///< "max-age=N[; includeSubDomains][; preload]"

// ------------------------------------------------------------------------------------------------------
// Content-Security-Policy (CSP Level 3 §2.2 "parse a serialized CSP")
// ------------------------------------------------------------------------------------------------------

struct csp_directive {
  std::string name;                  ///< ASCII-lowercased
  std::vector<std::string> values;   ///< source expressions / tokens as written
  bool operator==(const csp_directive&) const = default;
};

struct csp_policy {
  std::vector<csp_directive> directives;  ///< first occurrence of each name, in order
  std::vector<std::string> duplicates;    ///< names of later occurrences, which browsers ignore
  std::size_t skipped_tokens = 0;         ///< non-ASCII directives (ignored by browsers)
  bool report_only = false;
  const csp_directive* find(std::string_view name) const;
};

/// One serialized policy (no commas): split on ';', trim ASCII whitespace, skip empty and non-ASCII tokens,
/// name = first run of non-whitespace lower-cased, first occurrence wins, values split on ASCII whitespace.
csp_policy parse_csp_policy(std::string_view serialized, bool report_only = false);
/// A header value: policies separated by ',' (CSP3 "parse a serialized CSP list"); empty policies dropped.
std::vector<csp_policy> parse_csp(std::string_view header_value, bool report_only = false);
/// "name v1 v2; name2 ..." — parse_csp_policy(serialize(p)).directives == p.directives.
std::string serialize(const csp_policy& p);

/// How the enforced policies, taken together (a load must pass every one), treat scripts.
struct csp_script_summary {
  bool restricted = false;     ///< some policy has script-src or default-src
  bool inline_allowed = true;  ///< 'unsafe-inline' effective (not neutralised by nonce/hash/strict-dynamic)
  bool eval_allowed = true;    ///< 'unsafe-eval'
  bool any_host = true;        ///< '*' or https:/http: or a '*' host
  bool data_allowed = true;    ///< data:
  bool http_allowed = true;    ///< http: or an http:// host source
  bool uses_nonce_or_hash = false;
  bool strict_dynamic = false;
};
csp_script_summary summarize_scripts(const std::vector<csp_policy>& enforced);

// ------------------------------------------------------------------------------------------------------
// Audits
// ------------------------------------------------------------------------------------------------------

struct response_options {
  bool https = true;                                   ///< the response came over HTTPS
  std::int64_t hsts_min_max_age = hsts_doc_max_age;    ///< hsts_common_max_age for Observatory parity
  std::optional<std::int64_t> cookie_max_lifetime;     ///< cookie.lifetime_too_long above this
  std::optional<std::int64_t> now;                     ///< clock for cookie Expires (default: system clock)
  std::size_t max_cookie_size = 4093;                  ///< Flask MAX_COOKIE_SIZE
};

/// HSTS header values (every Strict-Transport-Security header, in order). Ids: hsts.missing (medium, https
/// only), hsts.over_http (info: browsers ignore HSTS on http), hsts.multiple_headers (medium: only the first
/// counts), hsts.invalid (high: browsers ignore the header; reason names the parse error),
/// hsts.max_age_zero (high: deletes the policy), hsts.max_age_too_low (medium below hsts_min_max_age),
/// hsts.no_include_subdomains (low), hsts.preload_not_eligible (low: preload list needs max-age >= 31536000
/// and includeSubDomains), hsts.unknown_directive (info), hsts.ok (info).
std::vector<verdict> audit_hsts(const std::vector<std::string>& values, const response_options& o = {});

/// CSP header values. Ids: csp.missing (medium), csp.report_only_only (medium: Report-Only never enforces),
/// csp.report_only (info), csp.empty_policy (low), csp.duplicate_directive (low), csp.unknown_directive (low),
/// csp.deprecated_directive (info), csp.invalid_source (low), csp.non_ascii (low),
/// csp.script_src_missing (high: no script-src/default-src), csp.object_src_missing (high: no object-src/
/// default-src), csp.unsafe_inline (high), csp.unsafe_inline_fallback (info: neutralised by nonce/hash),
/// csp.unsafe_eval (medium), csp.unsafe_hashes (medium), csp.script_wildcard (high: '*', https:, http:),
/// csp.script_data (high: data:), csp.insecure_source (high in script-src, low elsewhere: http:),
/// csp.object_src_unsafe (high), csp.base_uri_missing (medium: nonces/hashes without base-uri),
/// csp.base_uri_unsafe (high), csp.strict_dynamic_without_nonce (medium), csp.nonce_too_short (medium),
/// csp.self_in_script_src (low: risky only with JSONP/Angular/uploads on the origin),
/// csp.unsafe_inline_style (low), csp.frame_ancestors_wildcard (medium), csp.form_action_missing (info),
/// csp.ok (info). Multiple enforced policies are intersected: a weakness counts only if every policy has it.
std::vector<verdict> audit_csp(const std::vector<std::string>& enforced_values,
                               const std::vector<std::string>& report_only_values, const response_options& o = {});

/// X-Frame-Options values with the enforced CSP values (frame-ancestors supersedes XFO). Ids: xfo.missing
/// (medium: no XFO and no frame-ancestors), xfo.invalid (medium), xfo.allow_from (medium: obsolete, ignored),
/// xfo.conflicting (low: several values, browsers then block all framing), xfo.multiple_values (low: same
/// value repeated), xfo.frame_ancestors_conflict (medium when frame-ancestors is looser than XFO, else info),
/// xfo.ok (info).
std::vector<verdict> audit_x_frame_options(const std::vector<std::string>& values,
                                           const std::vector<std::string>& enforced_csp_values);

/// X-Content-Type-Options: the first comma-separated value must be "nosniff" (ASCII case-insensitive, OWS
/// trimmed). Ids: xcto.missing (low), xcto.invalid (low), xcto.multiple_values (low), xcto.ok (info).
std::vector<verdict> audit_x_content_type_options(const std::vector<std::string>& values);

/// Referrer-Policy: the last recognised token of the comma-separated list applies. Ids: referrer.missing
/// (info: browsers default to strict-origin-when-cross-origin), referrer.invalid (low), referrer.unsafe
/// (medium for unsafe-url, low for no-referrer-when-downgrade / origin / origin-when-cross-origin),
/// referrer.ok (info).
std::vector<verdict> audit_referrer_policy(const std::vector<std::string>& values);

/// The whole response head: every header above (Content-Security-Policy-Report-Only included), every
/// Set-Cookie line (websec::cookie::audit_set_cookie, subject = cookie name), X-XSS-Protection
/// (xxss.deprecated, info). As HTTP Observatory does, cookie.no_secure is one level lower when the https response
/// carries a valid HSTS policy. Verdicts in the order HSTS, CSP, XFO, XCTO, Referrer-Policy, X-XSS-Protection,
/// cookies. This is the entry point the conformance suite calls through the Python module.
std::vector<verdict> audit_response(const header_list& headers, const response_options& o = {});

}  // namespace websec::headers
