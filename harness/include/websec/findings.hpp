// websec/findings.hpp — the catalogue of audit findings: every id the header and cookie audits report, what it
// means, the severity and verdict it carries, and the specification section it follows.
//
// A finding's id (`verdict::id`, websec/verdict.hpp) is a `finding_id`. Its name ("csp.unsafe_inline",
// "<area>.<what>") is what reports, baselines, the Python module and the conformance suite see; a name never
// changes meaning once published. `finding_catalogue` has one row per id, in declaration order:
//   meaning   one line: what the finding says about its subject
//   rule      when the audit gives which severity and which verdict (effect)
//   follows   the specification (or the reference the rule comes from)
//   levels    the severities the audit gives it, and `effects` the verdicts it imposes (checked by the tests)
// docs/verdicts.md carries the catalogue as a table; findings_test checks that the table matches this file.
#pragma once

#include "websec/verdict.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace websec {

/// Every audit finding. Each value is described by its row in `finding_catalogue`.
enum class finding_id : std::uint8_t {
  // Strict-Transport-Security
  hsts_missing,
  hsts_over_http,
  hsts_multiple_headers,
  hsts_invalid,
  hsts_max_age_zero,
  hsts_max_age_short,
  hsts_max_age_too_low,
  hsts_no_include_subdomains,
  hsts_preload_not_eligible,
  hsts_unknown_directive,
  hsts_ok,
  // Content-Security-Policy: delivery and absence
  csp_comma_split,
  csp_meta_report_only,
  csp_meta_not_in_head,
  csp_meta_ignored_directive,
  csp_meta_after_script,
  csp_empty_policy,
  csp_no_known_directive,
  csp_report_only_only,
  csp_missing,
  // Content-Security-Policy: syntax
  csp_duplicate_directive,
  csp_non_ascii,
  csp_deprecated_directive,
  csp_unknown_directive,
  csp_missing_semicolon,
  csp_report_insecure,
  csp_unquoted_keyword,
  csp_invalid_source,
  // Content-Security-Policy: scripts
  csp_script_src_missing,
  csp_unsafe_inline,
  csp_unsafe_inline_attr,
  csp_unsafe_inline_fallback,
  csp_script_wildcard,
  csp_script_data,
  csp_allowlist_bypass,
  csp_host_allowlist,
  csp_host_fallback,
  csp_self_in_script_src,
  csp_unsafe_eval,
  csp_unsafe_hashes,
  csp_strict_dynamic_without_nonce,
  csp_insecure_source,
  csp_nonce_too_short,
  csp_base_uri_missing,
  csp_base_uri_unsafe,
  // Content-Security-Policy: plugins, styles, framing, forms
  csp_object_src_missing,
  csp_object_src_unsafe,
  csp_unsafe_inline_style,
  csp_frame_ancestors_wildcard,
  csp_form_action_missing,
  csp_report_only,
  csp_ok,
  // X-Frame-Options and CSP frame-ancestors
  xfo_meta_ignored,
  xfo_frame_ancestors_wildcard,
  xfo_frame_ancestors_conflict,
  xfo_missing,
  xfo_conflicting,
  xfo_invalid,
  xfo_multiple_values,
  xfo_allow_from,
  xfo_allowall,
  xfo_ok,
  // X-Content-Type-Options
  xcto_missing,
  xcto_invalid,
  xcto_multiple_values,
  xcto_ok,
  // Referrer-Policy
  referrer_meta,
  referrer_unknown_token,
  referrer_missing,
  referrer_invalid,
  referrer_fallback,
  referrer_unsafe,
  referrer_ok,
  // X-XSS-Protection
  xxss_deprecated,
  // Set-Cookie: the browser rejects the cookie
  cookie_invalid,
  cookie_public_suffix,
  cookie_domain_mismatch,
  cookie_secure_over_http,
  cookie_host_prefix,
  cookie_secure_prefix,
  cookie_samesite_none_without_secure,
  cookie_partitioned_without_secure,
  // Set-Cookie: judged by the cookie's role
  cookie_domain_host_only,
  cookie_role,
  cookie_nameless,
  cookie_deletion,
  cookie_no_secure,
  cookie_no_httponly,
  cookie_samesite_invalid,
  cookie_no_samesite,
  cookie_samesite_none,
  cookie_lifetime_too_long,
  cookie_too_large,
  cookie_domain_scoped,
  // Set-Cookie: attributes browsers ignore
  cookie_unknown_attribute,
  cookie_duplicate_attribute,
  cookie_attribute_ignored,
  cookie_max_age_invalid,
  cookie_expires_invalid,
  cookie_ok,
};

/// A set of severities or of verdicts: bit (1 << value).
using level_set = std::uint8_t;
template <class... E>
constexpr level_set set_of(E... e) {
  return static_cast<level_set>(((1u << static_cast<unsigned>(e)) | ...));
}

/// One row of the catalogue.
struct finding_info {
  finding_id id;
  std::string_view name;     ///< the stable id as reports show it: "<area>.<what>"
  level_set levels;          ///< the severities the audit gives it (set_of(severity::...))
  level_set effects;         ///< the verdicts it imposes on its subject (set_of(rating::...))
  std::string_view meaning;  ///< what it says about its subject
  std::string_view rule;     ///< which severity and verdict, when
  std::string_view follows;  ///< the specification section (or reference) the rule follows
};

namespace detail {
using S = severity;
using R = rating;
}  // namespace detail

// clang-format off
inline constexpr finding_info finding_catalogue[] = {
    // ---- Strict-Transport-Security (RFC 6797) ----
    {finding_id::hsts_missing, "hsts.missing", set_of(detail::S::medium), set_of(detail::R::fail),
     "no Strict-Transport-Security on an https response: browsers keep trying http first",
     "medium, fail (judged on https responses only)", "RFC 6797 §7.1"},
    {finding_id::hsts_over_http, "hsts.over_http", set_of(detail::S::info), set_of(detail::R::pass),
     "Strict-Transport-Security on a plain-HTTP response, where browsers ignore it", "info", "RFC 6797 §8.1"},
    {finding_id::hsts_multiple_headers, "hsts.multiple_headers", set_of(detail::S::medium), set_of(detail::R::weak),
     "several Strict-Transport-Security headers: Chromium uses the first, Firefox joins them and ignores HSTS",
     "medium, weak", "RFC 6797 §8.1"},
    {finding_id::hsts_invalid, "hsts.invalid", set_of(detail::S::high), set_of(detail::R::invalid),
     "the first header is outside the grammar (no max-age, a directive twice, a ',', a value on includeSubDomains)",
     "high, invalid", "RFC 6797 §6.1"},
    {finding_id::hsts_max_age_zero, "hsts.max_age_zero", set_of(detail::S::high), set_of(detail::R::fail),
     "max-age=0 removes the site from the browser's HSTS list", "high, fail", "RFC 6797 §6.1.1"},
    {finding_id::hsts_max_age_short, "hsts.max_age_short", set_of(detail::S::high), set_of(detail::R::fail),
     "max-age under one day: users are back on http at their next visit", "high, fail", "RFC 6797 §6.1.1"},
    {finding_id::hsts_max_age_too_low, "hsts.max_age_too_low", set_of(detail::S::medium), set_of(detail::R::weak),
     "max-age under the threshold (one year, the Flask doc; six months with --observatory)", "medium, weak",
     "RFC 6797 §6.1.1; Flask \"Security Considerations\""},
    {finding_id::hsts_no_include_subdomains, "hsts.no_include_subdomains", set_of(detail::S::info),
     set_of(detail::R::pass), "no includeSubDomains: the host is protected, its subdomains are not", "info",
     "RFC 6797 §6.1.2"},
    {finding_id::hsts_preload_not_eligible, "hsts.preload_not_eligible", set_of(detail::S::info),
     set_of(detail::R::pass), "preload requested without the preload list's max-age >= 31536000 and includeSubDomains",
     "info", "hstspreload.org submission requirements"},
    {finding_id::hsts_unknown_directive, "hsts.unknown_directive", set_of(detail::S::info), set_of(detail::R::pass),
     "a directive RFC 6797 does not define, which browsers ignore", "info", "RFC 6797 §6.1"},
    {finding_id::hsts_ok, "hsts.ok", set_of(detail::S::info), set_of(detail::R::pass),
     "the policy meets the threshold", "info, only when the verdict is pass", "RFC 6797 §6.1"},

    // ---- Content-Security-Policy (CSP Level 3): delivery and absence ----
    {finding_id::csp_comma_split, "csp.comma_split", set_of(detail::S::low), set_of(detail::R::weak),
     "a ',' splits the header into policies and the second starts with a source expression",
     "low, weak", "CSP3 \"parse a response's Content Security Policies\""},
    {finding_id::csp_meta_report_only, "csp.meta_report_only", set_of(detail::S::info), set_of(detail::R::pass),
     "Content-Security-Policy-Report-Only in <meta>, which browsers ignore", "info", "CSP3 §3.3"},
    {finding_id::csp_meta_not_in_head, "csp.meta_not_in_head", set_of(detail::S::info), set_of(detail::R::pass),
     "a CSP <meta> outside <head>, which browsers ignore", "info", "CSP3 §3.3; HTML <meta http-equiv>"},
    {finding_id::csp_meta_ignored_directive, "csp.meta_ignored_directive", set_of(detail::S::info),
     set_of(detail::R::pass), "frame-ancestors, report-uri or sandbox in a <meta> policy, where browsers ignore them",
     "info (the framing verdict shows the consequence)", "CSP3 §3.3"},
    {finding_id::csp_meta_after_script, "csp.meta_after_script", set_of(detail::S::low), set_of(detail::R::weak),
     "a CSP <meta> after a <script>: the policy does not cover what came before it", "low, weak", "CSP3 §3.3"},
    {finding_id::csp_empty_policy, "csp.empty_policy", set_of(detail::S::medium), set_of(detail::R::invalid),
     "the enforced policy holds no directive: browsers enforce nothing", "medium, invalid",
     "CSP3 \"parse a serialized CSP\""},
    {finding_id::csp_no_known_directive, "csp.no_known_directive", set_of(detail::S::medium),
     set_of(detail::R::invalid), "no directive of the policy is one browsers know: a policy of typos is no policy",
     "medium, invalid", "CSP3 \"parse a serialized CSP\", §6"},
    {finding_id::csp_report_only_only, "csp.report_only_only", set_of(detail::S::medium), set_of(detail::R::fail),
     "only Content-Security-Policy-Report-Only is sent: it reports and never blocks", "medium, fail", "CSP3 §3.2"},
    {finding_id::csp_missing, "csp.missing", set_of(detail::S::medium), set_of(detail::R::fail),
     "no Content-Security-Policy: nothing restricts injected script", "medium, fail", "CSP3 §1.1"},

    // ---- Content-Security-Policy: syntax ----
    {finding_id::csp_duplicate_directive, "csp.duplicate_directive", set_of(detail::S::info), set_of(detail::R::pass),
     "a directive repeated in one policy: browsers use the first", "info", "CSP3 \"parse a serialized CSP\""},
    {finding_id::csp_non_ascii, "csp.non_ascii", set_of(detail::S::low), set_of(detail::R::weak),
     "a directive with non-ASCII characters, which browsers skip", "low, weak", "CSP3 \"parse a serialized CSP\""},
    {finding_id::csp_deprecated_directive, "csp.deprecated_directive", set_of(detail::S::info),
     set_of(detail::R::pass), "a deprecated directive current browsers ignore", "info", "CSP3 §6"},
    {finding_id::csp_unknown_directive, "csp.unknown_directive", set_of(detail::S::info, detail::S::low),
     set_of(detail::R::pass, detail::R::weak), "a directive browsers do not know (a typo?)",
     "info when default-src covers what it would restrict, else low, weak", "CSP3 §6, \"directive fallback list\""},
    {finding_id::csp_missing_semicolon, "csp.missing_semicolon", set_of(detail::S::low), set_of(detail::R::weak),
     "a directive name among another directive's values: a ';' is missing, the directive is not set",
     "low, weak", "CSP3 \"parse a serialized CSP\""},
    {finding_id::csp_report_insecure, "csp.report_insecure", set_of(detail::S::low), set_of(detail::R::weak),
     "report-uri or a report-to endpoint over plain http: violation reports travel in clear", "low, weak",
     "CSP3 §5.2 report-uri, report-to; Reporting API"},
    {finding_id::csp_unquoted_keyword, "csp.unquoted_keyword", set_of(detail::S::low), set_of(detail::R::weak),
     "a keyword without single quotes ('self', 'none', 'nonce-...'), read as a host name or ignored", "low, weak",
     "CSP3 §2.3.1 source expressions"},
    {finding_id::csp_invalid_source, "csp.invalid_source", set_of(detail::S::info), set_of(detail::R::pass),
     "a source expression outside the grammar, which browsers ignore", "info", "CSP3 §2.3.1 source expressions"},

    // ---- Content-Security-Policy: scripts (a weakness counts when every enforced policy has it) ----
    {finding_id::csp_script_src_missing, "csp.script_src_missing", set_of(detail::S::high), set_of(detail::R::fail),
     "no script-src or default-src: scripts from anywhere, inline ones included, run", "high, fail",
     "CSP3 \"directive fallback list\""},
    {finding_id::csp_unsafe_inline, "csp.unsafe_inline", set_of(detail::S::high), set_of(detail::R::fail),
     "'unsafe-inline' without a nonce, hash or 'strict-dynamic': injected inline <script> runs", "high, fail",
     "CSP3 \"does a source list allow all inline behavior\""},
    {finding_id::csp_unsafe_inline_attr, "csp.unsafe_inline_attr", set_of(detail::S::high), set_of(detail::R::fail),
     "script-src-attr allows 'unsafe-inline': injected event handlers run", "high, fail",
     "CSP3 \"does a source list allow all inline behavior\", script-src-attr"},
    {finding_id::csp_unsafe_inline_fallback, "csp.unsafe_inline_fallback", set_of(detail::S::info),
     set_of(detail::R::pass), "'unsafe-inline' neutralised by a nonce, hash or 'strict-dynamic' (kept for CSP1)",
     "info", "CSP3 \"does a source list allow all inline behavior\""},
    {finding_id::csp_script_wildcard, "csp.script_wildcard", set_of(detail::S::high), set_of(detail::R::fail),
     "scripts from any host: *, https:, http: or scheme://*", "high, fail",
     "CSP3 \"does url match expression in origin with redirect count\""},
    {finding_id::csp_script_data, "csp.script_data", set_of(detail::S::high), set_of(detail::R::fail),
     "data: among the script sources: <script src=data:...> runs", "high, fail",
     "CSP3 \"does url match expression in origin with redirect count\""},
    {finding_id::csp_allowlist_bypass, "csp.allowlist_bypass", set_of(detail::S::high), set_of(detail::R::fail),
     "an allowed host serves JSONP, AngularJS, script gadgets or files anyone can publish", "high, fail",
     "CSP3 host-source matching; harness/data/csp_bypasses.tsv (Weichselbaum et al., CCS 2016)"},
    {finding_id::csp_host_allowlist, "csp.host_allowlist", set_of(detail::S::medium), set_of(detail::R::weak),
     "scripts trusted by host without 'strict-dynamic': everything those hosts serve runs", "medium, weak",
     "CSP3 §8.2; Weichselbaum et al., CCS 2016"},
    {finding_id::csp_host_fallback, "csp.host_fallback", set_of(detail::S::info), set_of(detail::R::pass),
     "hosts next to 'strict-dynamic', used by CSP2 browsers only", "info", "CSP3 §8.2"},
    {finding_id::csp_self_in_script_src, "csp.self_in_script_src", set_of(detail::S::info), set_of(detail::R::pass),
     "'self' in script-src: safe while the origin serves no JSONP, AngularJS or uploads as script", "info",
     "CSP Evaluator"},
    {finding_id::csp_unsafe_eval, "csp.unsafe_eval", set_of(detail::S::medium), set_of(detail::R::weak),
     "'unsafe-eval' allows eval() and new Function()", "medium, weak",
     "CSP3 \"EnsureCSPDoesNotBlockStringCompilation\""},
    {finding_id::csp_unsafe_hashes, "csp.unsafe_hashes", set_of(detail::S::low), set_of(detail::R::weak),
     "'unsafe-hashes' lets injected markup reuse the hashed event handlers", "low, weak", "CSP3 'unsafe-hashes'"},
    {finding_id::csp_strict_dynamic_without_nonce, "csp.strict_dynamic_without_nonce", set_of(detail::S::medium),
     set_of(detail::R::weak), "'strict-dynamic' without a nonce or hash: CSP3 browsers block every script",
     "medium, weak", "CSP3 §8.2"},
    {finding_id::csp_insecure_source, "csp.insecure_source", set_of(detail::S::info), set_of(detail::R::pass),
     "an http:// script host, blocked as mixed content on https pages", "info", "Mixed Content"},
    {finding_id::csp_nonce_too_short, "csp.nonce_too_short", set_of(detail::S::medium), set_of(detail::R::weak),
     "a nonce under 16 characters can be guessed", "medium, weak", "CSP3 §8.1 nonce usage (128 bits)"},
    {finding_id::csp_base_uri_missing, "csp.base_uri_missing", set_of(detail::S::high), set_of(detail::R::fail),
     "a nonce-based (or hash-based 'strict-dynamic') policy without base-uri: an injected <base> moves the trusted "
     "scripts", "high, fail", "CSP3 base-uri; CSP Evaluator"},
    {finding_id::csp_base_uri_unsafe, "csp.base_uri_unsafe", set_of(detail::S::high, detail::S::info),
     set_of(detail::R::fail, detail::R::pass), "base-uri allows any host",
     "high, fail where base-uri is required (nonces, or hashes with 'strict-dynamic'), else info",
     "CSP3 base-uri"},

    // ---- Content-Security-Policy: plugins, styles, framing, forms ----
    {finding_id::csp_object_src_missing, "csp.object_src_missing", set_of(detail::S::medium), set_of(detail::R::weak),
     "no object-src or default-src: <object> and <embed> load from anywhere", "medium, weak",
     "CSP3 object-src; \"directive fallback list\""},
    {finding_id::csp_object_src_unsafe, "csp.object_src_unsafe", set_of(detail::S::medium), set_of(detail::R::weak),
     "object-src (or its default-src) allows any host or data:", "medium, weak", "CSP3 object-src"},
    {finding_id::csp_unsafe_inline_style, "csp.unsafe_inline_style", set_of(detail::S::info),
     set_of(detail::R::pass), "'unsafe-inline' in style-src: injected styles apply", "info", "CSP3 style-src"},
    {finding_id::csp_frame_ancestors_wildcard, "csp.frame_ancestors_wildcard", set_of(detail::S::medium),
     set_of(detail::R::weak), "frame-ancestors allows any site to frame the page",
     "medium, weak here (the framing verdict fails)", "CSP3 frame-ancestors"},
    {finding_id::csp_form_action_missing, "csp.form_action_missing", set_of(detail::S::info),
     set_of(detail::R::pass), "no form-action: forms may post anywhere (it has no fallback)", "info",
     "CSP3 form-action"},
    {finding_id::csp_report_only, "csp.report_only", set_of(detail::S::info), set_of(detail::R::pass),
     "a Report-Only policy is sent next to the enforced one", "info", "CSP3 §3.2"},
    {finding_id::csp_ok, "csp.ok", set_of(detail::S::info), set_of(detail::R::pass),
     "the enforced policies restrict scripts and plugins", "info, only when the verdict is pass", "CSP3"},

    // ---- X-Frame-Options and CSP frame-ancestors (HTML "check a navigation response's adherence to
    //      X-Frame-Options") ----
    {finding_id::xfo_meta_ignored, "xfo.meta_ignored", set_of(detail::S::info), set_of(detail::R::pass),
     "X-Frame-Options, or frame-ancestors, in <meta>, where browsers ignore it", "info", "HTML; CSP3 §3.3"},
    {finding_id::xfo_frame_ancestors_wildcard, "xfo.frame_ancestors_wildcard", set_of(detail::S::high),
     set_of(detail::R::fail), "an enforced frame-ancestors allows any origin and overrides X-Frame-Options",
     "high, fail", "HTML X-Frame-Options processing; CSP3 frame-ancestors"},
    {finding_id::xfo_frame_ancestors_conflict, "xfo.frame_ancestors_conflict", set_of(detail::S::info),
     set_of(detail::R::pass), "X-Frame-Options and frame-ancestors disagree; browsers follow frame-ancestors",
     "info", "HTML X-Frame-Options processing"},
    {finding_id::xfo_missing, "xfo.missing", set_of(detail::S::medium), set_of(detail::R::fail),
     "neither X-Frame-Options nor frame-ancestors: any site can frame the page", "medium, fail",
     "HTML X-Frame-Options processing"},
    {finding_id::xfo_conflicting, "xfo.conflicting", set_of(detail::S::info), set_of(detail::R::pass),
     "different X-Frame-Options values, one of them blocking: browsers refuse all framing", "info",
     "HTML X-Frame-Options processing"},
    {finding_id::xfo_invalid, "xfo.invalid", set_of(detail::S::medium), set_of(detail::R::invalid),
     "a value that is neither DENY nor SAMEORIGIN, which browsers ignore", "medium, invalid",
     "HTML X-Frame-Options processing"},
    {finding_id::xfo_multiple_values, "xfo.multiple_values", set_of(detail::S::info), set_of(detail::R::pass),
     "the same X-Frame-Options value sent more than once", "info", "HTML X-Frame-Options processing"},
    {finding_id::xfo_allow_from, "xfo.allow_from", set_of(detail::S::medium), set_of(detail::R::invalid),
     "ALLOW-FROM, which current browsers ignore", "medium, invalid", "HTML X-Frame-Options processing"},
    {finding_id::xfo_allowall, "xfo.allowall", set_of(detail::S::medium), set_of(detail::R::fail),
     "ALLOWALL lets any site frame the page", "medium, fail", "HTML X-Frame-Options processing"},
    {finding_id::xfo_ok, "xfo.ok", set_of(detail::S::info), set_of(detail::R::pass), "framing is restricted",
     "info, only when the verdict is pass", "HTML X-Frame-Options processing"},

    // ---- X-Content-Type-Options (Fetch "determine nosniff") ----
    {finding_id::xcto_missing, "xcto.missing", set_of(detail::S::low), set_of(detail::R::fail),
     "no X-Content-Type-Options: browsers may sniff a response as HTML or script", "low, fail",
     "Fetch \"determine nosniff\""},
    {finding_id::xcto_invalid, "xcto.invalid", set_of(detail::S::low), set_of(detail::R::invalid),
     "the first value is not nosniff, so browsers ignore the header", "low, invalid", "Fetch \"determine nosniff\""},
    {finding_id::xcto_multiple_values, "xcto.multiple_values", set_of(detail::S::info), set_of(detail::R::pass),
     "several values; the first (nosniff) counts", "info", "Fetch \"determine nosniff\""},
    {finding_id::xcto_ok, "xcto.ok", set_of(detail::S::info), set_of(detail::R::pass), "nosniff",
     "info, only when the verdict is pass and one value is sent", "Fetch \"determine nosniff\""},

    // ---- Referrer-Policy ----
    {finding_id::referrer_meta, "referrer.meta", set_of(detail::S::info), set_of(detail::R::pass),
     "a <meta name=referrer> replaces the header's policy, or is not a policy and is ignored", "info",
     "HTML <meta name=referrer>"},
    {finding_id::referrer_unknown_token, "referrer.unknown_token", set_of(detail::S::info), set_of(detail::R::pass),
     "a token that is not a referrer policy, next to one that is", "info", "Referrer Policy §11.1"},
    {finding_id::referrer_missing, "referrer.missing", set_of(detail::S::info), set_of(detail::R::pass),
     "no Referrer-Policy: browsers use strict-origin-when-cross-origin", "info", "Fetch (default referrer policy)"},
    {finding_id::referrer_invalid, "referrer.invalid", set_of(detail::S::low), set_of(detail::R::invalid),
     "no token of the header is a referrer policy, so browsers ignore it", "low, invalid", "Referrer Policy §11.1"},
    {finding_id::referrer_fallback, "referrer.fallback", set_of(detail::S::info), set_of(detail::R::pass),
     "several policies listed: the last one browsers know applies", "info", "Referrer Policy §11.1"},
    {finding_id::referrer_unsafe, "referrer.unsafe", set_of(detail::S::medium, detail::S::low), set_of(detail::R::fail),
     "the policy sends the full URL to other sites, or the origin over a downgrade to http",
     "medium, fail for unsafe-url and no-referrer-when-downgrade; low, fail for origin and origin-when-cross-origin",
     "Referrer Policy §3"},
    {finding_id::referrer_ok, "referrer.ok", set_of(detail::S::info), set_of(detail::R::pass),
     "the policy keeps the URL on the site", "info, only when the verdict is pass", "Referrer Policy §3"},

    // ---- X-XSS-Protection ----
    {finding_id::xxss_deprecated, "xxss.deprecated", set_of(detail::S::info), set_of(detail::R::pass),
     "X-XSS-Protection other than 0: current browsers ignore it, and its filter was exploitable", "info",
     "none (the XSS filters were removed from browsers)"},

    // ---- Set-Cookie (RFC 6265bis-15): the browser rejects the cookie; no other finding follows ----
    {finding_id::cookie_invalid, "cookie.invalid", set_of(detail::S::high), set_of(detail::R::invalid),
     "a control character, or an empty name and value: browsers ignore the line", "high, invalid",
     "RFC 6265bis §5.6"},
    {finding_id::cookie_public_suffix, "cookie.public_suffix", set_of(detail::S::high), set_of(detail::R::invalid),
     "Domain is a public suffix other than the host (needs the request URL and libpsl)", "high, invalid",
     "RFC 6265bis §5.7"},
    {finding_id::cookie_domain_mismatch, "cookie.domain_mismatch", set_of(detail::S::high),
     set_of(detail::R::invalid), "the request host does not domain-match Domain (needs the request URL)",
     "high, invalid", "RFC 6265bis §5.7"},
    {finding_id::cookie_secure_over_http, "cookie.secure_over_http", set_of(detail::S::high),
     set_of(detail::R::invalid), "a Secure cookie set by a plain-HTTP response", "high, invalid",
     "RFC 6265bis §5.7"},
    {finding_id::cookie_host_prefix, "cookie.host_prefix", set_of(detail::S::high), set_of(detail::R::invalid),
     "a __Host- cookie without Secure, with Domain, or with a Path other than /", "high, invalid",
     "RFC 6265bis §4.1.3.2, §5.7"},
    {finding_id::cookie_secure_prefix, "cookie.secure_prefix", set_of(detail::S::high), set_of(detail::R::invalid),
     "a __Secure- cookie without Secure", "high, invalid", "RFC 6265bis §4.1.3.1, §5.7"},
    {finding_id::cookie_samesite_none_without_secure, "cookie.samesite_none_without_secure", set_of(detail::S::high),
     set_of(detail::R::invalid), "SameSite=None without Secure", "high, invalid", "RFC 6265bis §5.7"},
    {finding_id::cookie_partitioned_without_secure, "cookie.partitioned_without_secure", set_of(detail::S::high),
     set_of(detail::R::invalid), "Partitioned without Secure", "high, invalid", "CHIPS"},

    // ---- Set-Cookie: judged by the cookie's role (session, remember-me, csrf, preference, other) ----
    {finding_id::cookie_domain_host_only, "cookie.domain_host_only", set_of(detail::S::info),
     set_of(detail::R::pass), "Domain is a public suffix equal to the host: browsers store a host-only cookie",
     "info", "RFC 6265bis §5.7"},
    {finding_id::cookie_role, "cookie.role", set_of(detail::S::info), set_of(detail::R::pass),
     "the role the cookie was judged as, guessed from its name", "info (only when the role was guessed)",
     "docs/verdicts.md (roles)"},
    {finding_id::cookie_nameless, "cookie.nameless", set_of(detail::S::medium), set_of(detail::R::weak),
     "no name (no '=' before the first ';'): browsers and servers disagree on such cookies", "medium, weak",
     "RFC 6265bis §5.6"},
    {finding_id::cookie_deletion, "cookie.deletion", set_of(detail::S::info), set_of(detail::R::pass),
     "a deletion cookie (Max-Age <= 0 or Expires in the past): its flags are not judged", "info",
     "RFC 6265bis §5.7"},
    {finding_id::cookie_no_secure, "cookie.no_secure", set_of(detail::S::high, detail::S::medium, detail::S::low),
     set_of(detail::R::fail, detail::R::weak), "no Secure: the cookie also travels over plain HTTP",
     "session and remember-me: high, fail (medium, weak when the site sends HSTS); preference: low, weak; "
     "csrf and other: medium, weak", "RFC 6265bis §4.1.2.5; Flask SESSION_COOKIE_SECURE"},
    {finding_id::cookie_no_httponly, "cookie.no_httponly", set_of(detail::S::high, detail::S::low),
     set_of(detail::R::fail, detail::R::weak), "no HttpOnly: scripts, and so an XSS, read the cookie",
     "session and remember-me: high, fail; other: low, weak; not demanded of csrf and preference cookies",
     "RFC 6265bis §4.1.2.6; Flask SESSION_COOKIE_HTTPONLY"},
    {finding_id::cookie_samesite_invalid, "cookie.samesite_invalid", set_of(detail::S::info),
     set_of(detail::R::pass), "a SameSite value other than Strict, Lax or None, which browsers ignore",
     "info (cookie.no_samesite says what it costs)", "RFC 6265bis §5.6.7"},
    {finding_id::cookie_no_samesite, "cookie.no_samesite", set_of(detail::S::medium, detail::S::low),
     set_of(detail::R::weak), "no valid SameSite: only Chromium defaults to Lax",
     "session and remember-me: medium, weak; other: low, weak; not demanded of csrf and preference cookies",
     "RFC 6265bis §4.1.2.7, §5.6.7; Flask SESSION_COOKIE_SAMESITE"},
    {finding_id::cookie_samesite_none, "cookie.samesite_none", set_of(detail::S::medium, detail::S::info),
     set_of(detail::R::weak, detail::R::pass), "SameSite=None: the cookie goes with cross-site requests",
     "session and remember-me: medium, weak; else info", "RFC 6265bis §4.1.2.7"},
    {finding_id::cookie_lifetime_too_long, "cookie.lifetime_too_long", set_of(detail::S::medium),
     set_of(detail::R::weak), "Max-Age or Expires beyond the allowed lifetime (only with --max-lifetime)",
     "medium, weak", "Flask PERMANENT_SESSION_LIFETIME"},
    {finding_id::cookie_too_large, "cookie.too_large", set_of(detail::S::high, detail::S::info),
     set_of(detail::R::invalid, detail::R::pass), "the cookie is large enough to be dropped, or to be near the limit",
     "name and value over 4096 bytes: high, invalid (browsers drop it); the line over max_size (werkzeug's warning): "
     "info", "RFC 6265bis §5.6; Flask MAX_COOKIE_SIZE"},
    {finding_id::cookie_domain_scoped, "cookie.domain_scoped", set_of(detail::S::info), set_of(detail::R::pass),
     "Domain sends the cookie to every subdomain", "info", "RFC 6265bis §4.1.2.3"},

    // ---- Set-Cookie: attributes browsers ignore (advice; the flag findings above reflect the effect) ----
    {finding_id::cookie_unknown_attribute, "cookie.unknown_attribute", set_of(detail::S::info),
     set_of(detail::R::pass), "an attribute RFC 6265bis does not define, which browsers ignore", "info",
     "RFC 6265bis §5.6"},
    {finding_id::cookie_duplicate_attribute, "cookie.duplicate_attribute", set_of(detail::S::info),
     set_of(detail::R::pass), "an attribute given twice: browsers use the last", "info", "RFC 6265bis §5.6"},
    {finding_id::cookie_attribute_ignored, "cookie.attribute_ignored", set_of(detail::S::info),
     set_of(detail::R::pass), "an attribute value over 1024 bytes, an empty Domain, or a Path not starting with '/'",
     "info", "RFC 6265bis §5.6, §5.6.3, §5.6.4"},
    {finding_id::cookie_max_age_invalid, "cookie.max_age_invalid", set_of(detail::S::info), set_of(detail::R::pass),
     "a Max-Age that is not an integer, which browsers ignore", "info", "RFC 6265bis §5.6.2"},
    {finding_id::cookie_expires_invalid, "cookie.expires_invalid", set_of(detail::S::info), set_of(detail::R::pass),
     "an Expires that is not a cookie date, which browsers ignore", "info", "RFC 6265bis §5.1.1, §5.6.1"},
    {finding_id::cookie_ok, "cookie.ok", set_of(detail::S::info), set_of(detail::R::pass),
     "the cookie has what its role needs", "info, only when the verdict is pass", "RFC 6265bis §4.1.2"},
};
// clang-format on

namespace detail {
constexpr bool finding_catalogue_complete() {
  for (std::size_t i = 0; i < std::size(finding_catalogue); ++i)
    if (static_cast<std::size_t>(finding_catalogue[i].id) != i) return false;
  return static_cast<std::size_t>(finding_id::cookie_ok) + 1 == std::size(finding_catalogue);
}
static_assert(finding_catalogue_complete(), "finding_catalogue must list every finding_id, in declaration order");
}  // namespace detail

/// The catalogue row of a finding.
constexpr const finding_info& describe(finding_id id) { return finding_catalogue[static_cast<std::size_t>(id)]; }

/// The stable name of a finding ("csp.unsafe_inline").
constexpr std::string_view to_string(finding_id id) { return describe(id).name; }

/// The finding named `name`; nullopt for a name no finding has.
constexpr std::optional<finding_id> finding_from_string(std::string_view name) {
  for (const auto& f : finding_catalogue)
    if (f.name == name) return f.id;
  return std::nullopt;
}

/// True when the catalogue allows a finding `id` of severity `s` with effect `e`.
constexpr bool allowed(finding_id id, severity s, rating e) {
  const finding_info& f = describe(id);
  return (f.levels >> static_cast<unsigned>(s) & 1u) && (f.effects >> static_cast<unsigned>(e) & 1u);
}

}  // namespace websec
