// websec/verdict.hpp — what an audit (security headers, Set-Cookie) says: findings, and a verdict per header,
// per cookie and overall.
//
// A finding (`struct verdict`, for historical reasons; Python: websec.Finding) names one fact or weakness with
// a stable identifier (a `finding_id`: finding_id::hsts_max_age_too_low, named "hsts.max_age_too_low"), a
// severity, the subject it is about (a header name such as "Strict-Transport-Security", or a cookie name), one
// line a person can act on, and the verdict it imposes on its subject (`effect`). Identifiers never change
// meaning once published: reports, baselines and the conformance suite key on them. websec/findings.hpp is the
// catalogue of every id: its meaning, severity rule and the specification it follows.
//
// A verdict (`rating`) answers "does this header / cookie protect?":
//   pass     protects as intended (findings, if any, are advice: severity info)
//   weak     protects, with a named weakness
//   fail     does not protect against what it is for (absent, or bypassable as sent)
//   invalid  browsers ignore it: the same outcome as absent, and a sign the sender thinks otherwise
// Ordered pass < weak < fail < invalid: a subject's verdict is the worst effect of its findings, the overall
// verdict the worst subject verdict, and `--fail-on X` fails on X and anything after it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace websec {

/// The id of a finding; its values and their catalogue are in websec/findings.hpp.
enum class finding_id : std::uint8_t;

/// Ordered: `info < low < medium < high`. `info` records a fact or advice that never weakens protection
/// (e.g. "HSTS is ignored over plain HTTP", "'self' in script-src"); it never lowers a verdict.
enum class severity { info = 0, low = 1, medium = 2, high = 3 };

constexpr std::string_view to_string(severity s) {
  switch (s) {
    case severity::info: return "info";
    case severity::low: return "low";
    case severity::medium: return "medium";
    case severity::high: return "high";
  }
  return "info";
}

/// The verdict on one header, one cookie, or a whole response (see the file comment).
enum class rating { pass = 0, weak = 1, fail = 2, invalid = 3 };

constexpr std::string_view to_string(rating r) {
  switch (r) {
    case rating::pass: return "pass";
    case rating::weak: return "weak";
    case rating::fail: return "fail";
    case rating::invalid: return "invalid";
  }
  return "pass";
}

/// "pass" | "weak" | "fail" | "invalid" -> rating; false for anything else.
constexpr bool parse_rating(std::string_view s, rating& out) {
  for (rating r : {rating::pass, rating::weak, rating::fail, rating::invalid})
    if (to_string(r) == s) {
      out = r;
      return true;
    }
  return false;
}

constexpr rating worst(rating a, rating b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }
constexpr bool at_least(rating r, rating threshold) { return static_cast<int>(r) >= static_cast<int>(threshold); }

/// The effect a finding of this severity has when its rule does not say otherwise: info never lowers a
/// verdict, low and medium make it weak, high makes it fail.
constexpr rating default_effect(severity s) {
  return s == severity::info ? rating::pass : s == severity::high ? rating::fail : rating::weak;
}

/// One finding of an audit.
struct verdict {
  finding_id id{};      ///< stable id, e.g. finding_id::cookie_no_secure ("cookie.no_secure"; websec/findings.hpp)
  severity level = severity::info;
  std::string subject;  ///< header name ("Content-Security-Policy") or cookie name ("session")
  std::string reason;   ///< one line a person can act on
  rating effect = rating::pass;  ///< the verdict this finding imposes on its subject

  bool operator==(const verdict&) const = default;
};
using finding = verdict;

/// The verdict on one header or one cookie, with the findings that decide it.
struct subject_report {
  std::string kind;        ///< "header" or "cookie"
  std::string name;        ///< "Content-Security-Policy", "X-Frame-Options", ... or the cookie name
  rating result = rating::pass;
  bool present = false;    ///< the header (or its stand-in: CSP frame-ancestors for framing) was sent
  std::string value;       ///< the value browsers act on after resolving repeats ("" when absent)
  std::string resolution;  ///< how repeated / comma-joined values were resolved, with the spec section
  std::string role;        ///< cookies: session, remember-me, csrf, preference, other
  std::vector<verdict> findings;

  bool operator==(const subject_report&) const = default;
};

/// A whole audit: every judged header, every cookie, and the overall verdict (the worst of them).
struct audit_report {
  rating overall = rating::pass;
  std::vector<subject_report> headers;
  std::vector<subject_report> cookies;

  /// Every finding, headers first then cookies, in report order.
  std::vector<verdict> findings() const {
    std::vector<verdict> out;
    for (const auto* list : {&headers, &cookies})
      for (const auto& s : *list) out.insert(out.end(), s.findings.begin(), s.findings.end());
    return out;
  }
  bool operator==(const audit_report&) const = default;
};

/// The worst effect of `v` (pass when empty).
inline rating worst_effect(const std::vector<verdict>& v) {
  rating r = rating::pass;
  for (const auto& x : v) r = worst(r, x.effect);
  return r;
}

/// True when some verdict of `v` is at or above `threshold`.
inline bool any_at_least(const std::vector<verdict>& v, severity threshold) {
  for (const auto& x : v)
    if (x.level >= threshold) return true;
  return false;
}

/// True when `v` holds a verdict with this id (and, if given, this subject).
inline bool has_verdict(const std::vector<verdict>& v, finding_id id, std::string_view subject = {}) {
  for (const auto& x : v)
    if (x.id == id && (subject.empty() || x.subject == subject)) return true;
  return false;
}

}  // namespace websec
