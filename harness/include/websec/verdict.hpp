// websec/verdict.hpp — one finding of an audit (cookie, security headers).
//
// A verdict names a weakness with a stable identifier ("hsts.max_age_too_low", "csp.unsafe_inline",
// "cookie.no_httponly"), a severity, the subject it is about (a header name such as
// "Strict-Transport-Security", or a cookie name) and one line a person can act on. Identifiers never change
// meaning once published: reports, baselines and the conformance suite key on them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace websec {

/// Ordered: `info < low < medium < high`. `info` records a fact (e.g. "HSTS is ignored over plain HTTP"),
/// never a weakness by itself; the command-line tools fail on `medium` and above.
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

struct verdict {
  std::string id;       ///< stable snake_case id, "<area>.<what>", e.g. "cookie.no_secure"
  severity level = severity::info;
  std::string subject;  ///< header name ("Content-Security-Policy") or cookie name ("session")
  std::string reason;   ///< one line a person can act on

  bool operator==(const verdict&) const = default;
};

/// True when some verdict of `v` is at or above `threshold`.
inline bool any_at_least(const std::vector<verdict>& v, severity threshold) {
  for (const auto& x : v)
    if (x.level >= threshold) return true;
  return false;
}

/// True when `v` holds a verdict with this id (and, if given, this subject).
inline bool has_verdict(const std::vector<verdict>& v, std::string_view id, std::string_view subject = {}) {
  for (const auto& x : v)
    if (x.id == id && (subject.empty() || x.subject == subject)) return true;
  return false;
}

}  // namespace websec
