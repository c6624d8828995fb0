// websec/version.hpp — library version and the behaviour profiles it implements.
#pragma once

#include <string_view>

namespace websec {

/// Library version (semantic versioning).
constexpr std::string_view version = "0.1.0";

/// Which Python stack a behaviour follows where versions differ (the [Δ] rows of the spec).
/// `upstream`: the newest releases the Flask 3.x documentation describes (werkzeug 3.1, flask 3.1,
/// itsdangerous 2.2, markupsafe 3.0). `debian`: Debian 12's packages (werkzeug 2.2.2+deb12u1, flask 2.2.2,
/// markupsafe 2.1.2), the live oracle the tests compare against.
enum class profile { upstream, debian };

constexpr std::string_view to_string(profile p) { return p == profile::upstream ? "upstream" : "debian"; }

/// Parses "upstream" / "debian"; returns false for anything else.
constexpr bool parse_profile(std::string_view s, profile& out) {
  if (s == "upstream") { out = profile::upstream; return true; }
  if (s == "debian") { out = profile::debian; return true; }
  return false;
}

}  // namespace websec
