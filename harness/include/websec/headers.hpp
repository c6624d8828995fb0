// websec/headers.hpp — parse and judge the security headers of a response: Strict-Transport-Security
// (RFC 6797), Content-Security-Policy (CSP Level 3, header and <meta>), X-Frame-Options (HTML "check a navigation
// response's adherence to X-Frame-Options"), X-Content-Type-Options (Fetch "determine nosniff"), Referrer-Policy
// (W3C Referrer Policy), plus every Set-Cookie line through websec::cookie::audit_cookie.
//
// Every header gets a verdict (websec/verdict.hpp: pass, weak, fail, invalid) decided by what browsers do with
// it: repeated and comma-joined headers are resolved the way browsers resolve them (each subject_report says
// which value wins and cites the section), and the outcome is judged. docs/verdicts.md gives every rule with its
// source and where it departs from Google's CSP Evaluator and Mozilla HTTP Observatory. docs/spec.md §5 lists
// what Flask-Talisman sends. Every function here is total: hostile header values yield findings, never
// exceptions, in time linear in the input.
#pragma once

#include "websec/cookie.hpp"
#include "websec/findings.hpp"
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
/// Errors: errc::no_status_line (input does not start with "HTTP/"), errc::bad_header_line (a line without ':' or
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
/// whitespace around tokens. Errors (a user agent then ignores the whole header): errc::hsts_syntax (a character
/// outside the grammar, e.g. ',' from folded duplicate headers), errc::hsts_duplicate_directive (§6.1: each
/// directive at most once), errc::hsts_max_age_missing, errc::hsts_max_age_invalid (not 1*DIGIT, possibly quoted),
/// errc::hsts_directive_value (includeSubDomains / preload with a value). Offsets point into `value`.
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
// What browsers make of repeated and comma-joined values
// ------------------------------------------------------------------------------------------------------

/// Fetch "get, decode, and split" of every header named `name`: the values joined with ", ", split on commas
/// outside HTTP quoted strings, each trimmed of HTTP tab or space. Empty when no such header.
std::vector<std::string> get_decode_split(const header_list& h, std::string_view name);
/// The same over raw values (each one a header line's value).
std::vector<std::string> get_decode_split(const std::vector<std::string>& values);

// ------------------------------------------------------------------------------------------------------
// Audit input: a response head, bare header lines, an HTML page, or a HAR file
// ------------------------------------------------------------------------------------------------------

/// A <meta> element of an HTML page that concerns the audit.
struct meta_element {
  std::string http_equiv;  ///< lower-cased http-equiv ("" for name=)
  std::string name;        ///< lower-cased name ("referrer"), "" for http-equiv
  std::string content;     ///< character references decoded
  bool in_head = true;     ///< false: after <body> (a CSP <meta> outside <head> is ignored)
  bool after_script = false;  ///< a <script> element came before it (the policy does not cover that script)
  bool operator==(const meta_element&) const = default;
};

/// What an audit reads: the response's headers, and the <meta> elements of its HTML body when there is one.
struct audit_input {
  std::string form;        ///< "response" (a head as curl -i/-sI prints it), "headers" (bare lines), "html", "har"
  int status = 0;          ///< 0 when unknown
  header_list headers;
  std::vector<meta_element> metas;
  std::optional<std::string> url;  ///< the request URL when the input says it (HAR)
  bool operator==(const audit_input&) const = default;
};

/// Reads any of the four input forms, recognised from the text:
///   "response" — starts with "HTTP/": parse_response_head (the last head of curl -sIL), and the body after it
///                when it is HTML (curl -i);
///   "har"      — a JSON object with "log": the first entry whose response is text/html (else the first entry):
///                its response headers, status, request URL and content text;
///   "html"     — starts with '<' (after a BOM and whitespace): the <meta http-equiv> and <meta name=referrer>;
///   "headers"  — otherwise: "Name: value" lines (obs-fold unfolded, blank lines and a leading "GET ..." /
///                "HTTP/" line skipped).
/// Errors: errc::bad_header_line (a line without ':'), errc::har_invalid (not the HAR shape, or JSON over 64 MiB),
/// errc::no_status_line. Never throws; bounded by the input size.
result<audit_input> read_audit_input(std::string_view raw);

/// The <meta> elements of an HTML text (comments, <script>, <style> and <template> contents skipped). At most
/// 64 are kept.
std::vector<meta_element> html_metas(std::string_view html);

// ------------------------------------------------------------------------------------------------------
// Audits
// ------------------------------------------------------------------------------------------------------

struct response_options {
  bool https = true;                                   ///< the response came over HTTPS (overridden by `url`)
  std::int64_t hsts_min_max_age = hsts_doc_max_age;    ///< below: weak; hsts_common_max_age for Observatory parity
  std::optional<std::int64_t> cookie_max_lifetime;     ///< cookie.lifetime_too_long above this
  std::optional<std::int64_t> now;                     ///< clock for cookie Expires (default: system clock)
  std::size_t max_cookie_size = 4093;                  ///< Flask MAX_COOKIE_SIZE
  std::optional<std::string> url;                      ///< the request URL: scheme, and the host for cookie Domain
  /// Cookie roles by name (websec::cookie::cookie_role); cookies not listed get the role their name suggests.
  std::vector<std::pair<std::string, cookie::cookie_role>> cookie_roles;
  /// Subjects to judge, by header name or alias (hsts, csp, xfo, xcto, referrer, cookies, cookie:NAME), ASCII
  /// case-insensitive, blanks around each ignored; empty = everything. The overall verdict covers only these.
  /// cookies (also cookie, set-cookie) selects every Set-Cookie line; cookie:NAME the cookie NAME, and "cookie:"
  /// without a name selects none, not even a cookie without a name.
  std::vector<std::string> only;
};

/// Strict-Transport-Security (RFC 6797). Resolution: only the first header counts (§8.1), over https only.
/// Ids: hsts.missing (https: fail), hsts.over_http (info), hsts.multiple_headers (medium, weak: Chromium uses the
/// first, Firefox joins them with ',' which does not parse and ignores HSTS), hsts.invalid (invalid),
/// hsts.max_age_zero (fail: deletes the policy), hsts.max_age_short (below one day: fail), hsts.max_age_too_low
/// (below hsts_min_max_age: weak), hsts.no_include_subdomains (info), hsts.preload_not_eligible (info),
/// hsts.unknown_directive (info), hsts.ok (info).
subject_report hsts_report(const std::vector<std::string>& values, const response_options& o = {});
std::vector<verdict> audit_hsts(const std::vector<std::string>& values, const response_options& o = {});

/// Content-Security-Policy: the enforced header values, the Report-Only values, and the policies of <meta
/// http-equiv> elements (the `content` strings; pass in_head/after_script through csp_report's meta overload).
/// Resolution: every enforced policy applies (each header, each comma-separated policy, each <meta>; a load must
/// pass all of them), within a policy the first of a directive wins (CSP3 "parse a serialized CSP").
/// Ids (see docs/verdicts.md for each rule and its severity):
///   absent / ignored: csp.missing (fail), csp.report_only_only (fail), csp.empty_policy / csp.no_known_directive
///     (invalid: a policy without a directive browsers know is no policy);
///   scripts: csp.script_src_missing (fail), csp.unsafe_inline (fail), csp.unsafe_inline_attr (fail: event
///     handlers), csp.script_wildcard (fail), csp.script_data (fail), csp.allowlist_bypass (fail: a host of
///     harness/data/csp_bypasses.tsv), csp.host_allowlist (weak: hosts without 'strict-dynamic'),
///     csp.host_fallback (info: hosts next to 'strict-dynamic', used by CSP2 browsers only), csp.unsafe_eval
///     (weak), csp.unsafe_hashes (weak), csp.strict_dynamic_without_nonce (weak: blocks every script),
///     csp.nonce_too_short (weak), csp.base_uri_missing (high, fail: required with a nonce, or hashes with
///     'strict-dynamic'), csp.base_uri_unsafe (fail when required, else info), csp.self_in_script_src (info),
///     csp.unsafe_inline_fallback (info), csp.insecure_source (info: http: hosts on an https page are blocked as
///     mixed content);
///   plugins: csp.object_src_missing (medium, weak), csp.object_src_unsafe (weak);
///   syntax: csp.missing_semicolon (weak), csp.unquoted_keyword (weak), csp.comma_split (weak),
///     csp.unknown_directive (info when a fallback covers it, else weak), csp.duplicate_directive (info),
///     csp.deprecated_directive (info), csp.invalid_source (info), csp.non_ascii (weak);
///   reporting: csp.report_insecure (weak: report-uri / Reporting-Endpoints over http);
///   delivery: csp.meta_ignored_directive (info: frame-ancestors, report-uri, sandbox in <meta>),
///     csp.meta_not_in_head (info), csp.meta_after_script (weak), csp.meta_report_only (info);
///   other: csp.frame_ancestors_wildcard (weak), csp.unsafe_inline_style (info), csp.form_action_missing (info),
///     csp.report_only (info), csp.ok (info).
subject_report csp_report(const std::vector<std::string>& enforced_values, const std::vector<std::string>& report_only_values,
                          const std::vector<meta_element>& metas, const response_options& o = {},
                          const header_list& reporting_headers = {});
std::vector<verdict> audit_csp(const std::vector<std::string>& enforced_values,
                               const std::vector<std::string>& report_only_values, const response_options& o = {});

/// Framing (subject "X-Frame-Options"): X-Frame-Options with the enforced CSP header values, since an enforced
/// frame-ancestors makes browsers ignore X-Frame-Options (HTML "check a navigation response's adherence to
/// X-Frame-Options"). Ids: xfo.missing (fail), xfo.invalid (invalid), xfo.allow_from (invalid: ALLOW-FROM is
/// ignored by current browsers), xfo.allowall (fail), xfo.conflicting (info: different values block all
/// framing), xfo.multiple_values (info), xfo.frame_ancestors_wildcard (fail: an enforced frame-ancestors allowing
/// any origin overrides X-Frame-Options), xfo.frame_ancestors_conflict (info), xfo.meta_ignored (info:
/// frame-ancestors or X-Frame-Options in <meta>), xfo.ok (info).
subject_report xfo_report(const std::vector<std::string>& values, const std::vector<std::string>& enforced_csp_values,
                          const std::vector<meta_element>& metas = {});
std::vector<verdict> audit_x_frame_options(const std::vector<std::string>& values,
                                           const std::vector<std::string>& enforced_csp_values);

/// X-Content-Type-Options: the first value of get, decode and split must be "nosniff" (ASCII case-insensitive;
/// Fetch "determine nosniff"). Ids: xcto.missing (fail), xcto.invalid (invalid), xcto.multiple_values (info),
/// xcto.ok (info).
subject_report xcto_report(const std::vector<std::string>& values);
std::vector<verdict> audit_x_content_type_options(const std::vector<std::string>& values);

/// Referrer-Policy: the last token of get, decode and split that is a referrer policy wins (Referrer Policy
/// §11.1 "parse a referrer policy from a Referrer-Policy header"; browsers compare ASCII case-insensitively);
/// a <meta name=referrer> then replaces it (HTML, legacy keywords mapped). Ids: referrer.missing (info: the
/// default is strict-origin-when-cross-origin, Fetch), referrer.invalid (invalid: no token is a policy),
/// referrer.unknown_token (info when another token applies), referrer.unsafe (fail: unsafe-url and
/// no-referrer-when-downgrade send the full URL cross-origin; origin and origin-when-cross-origin send the
/// origin over a downgrade to http), referrer.fallback (info), referrer.meta (info), referrer.ok (info).
subject_report referrer_report(const std::vector<std::string>& values, const std::vector<meta_element>& metas = {});
std::vector<verdict> audit_referrer_policy(const std::vector<std::string>& values);

/// The whole input: every header above, X-XSS-Protection when sent (info), and every Set-Cookie line
/// (websec::cookie::audit_cookie with the request URL, the role map, and `hsts` when the https response carries
/// a valid HSTS policy — HTTP Observatory's rule that a missing Secure weighs less under HSTS). The overall
/// verdict is the worst subject verdict among those `only` selects.
audit_report audit(const audit_input& in, const response_options& o = {});

/// audit({headers}, o).findings(): findings in the order HSTS, CSP, XFO, XCTO, Referrer-Policy,
/// X-XSS-Protection, cookies. The entry point the conformance suite called before verdicts existed.
std::vector<verdict> audit_response(const header_list& headers, const response_options& o = {});

/// Whether `subject` (a header name, or "cookie:NAME") is selected by `only` (see response_options::only).
bool selected(const std::vector<std::string>& only, std::string_view subject);

/// One CSP allowlist-bypass entry of harness/data/csp_bypasses.tsv.
struct bypass_entry {
  std::string kind;    ///< jsonp, angular, user_content, gadget
  std::string host;    ///< "*.github.io" for "a subdomain of the attacker's choosing"
  std::string path;
  std::string what;
  std::string source;
};
/// The table, parsed once.
const std::vector<bypass_entry>& csp_bypasses();
/// The entries a source expression of script-src allows (CSP3 host-part and path-part matching, as CSP
/// Evaluator matches its lists: wildcards and path prefixes).
std::vector<const bypass_entry*> bypasses_allowed_by(std::string_view source_expression);

}  // namespace websec::headers
