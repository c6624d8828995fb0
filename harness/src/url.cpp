// url.cpp — WHATWG-style scheme extraction and the dangerous-URL verdict (see websec/url.hpp).
#include "websec/url.hpp"

#include "websec/escape.hpp"

namespace websec::url {
namespace {

inline bool c0_or_space(unsigned char c) { return c <= 0x20; }
inline bool alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool scheme_char(unsigned char c) {
  return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

std::string scheme_of(std::string_view u) {
  std::size_t b = 0, e = u.size();
  while (b < e && c0_or_space(static_cast<unsigned char>(u[b]))) ++b;
  while (e > b && c0_or_space(static_cast<unsigned char>(u[e - 1]))) --e;
  std::string out;
  bool first = true;
  for (std::size_t i = b; i < e; ++i) {
    unsigned char c = static_cast<unsigned char>(u[i]);
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == ':') return first ? std::string() : out;
    if (first ? !alpha(c) : !scheme_char(c)) return {};
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    first = false;
  }
  return {};  // no ':' at all
}

}  // namespace

std::string scheme(std::string_view u, source from) {
  if (from == source::attribute && u.find('&') != std::string_view::npos) return scheme_of(escape::unescape(u));
  return scheme_of(u);
}

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::safe: return "safe";
    case verdict::dangerous: return "dangerous";
    case verdict::relative: return "relative";
  }
  return "?";
}

std::string_view to_string(danger d) {
  switch (d) {
    case danger::none: return "none";
    case danger::javascript: return "javascript";
    case danger::vbscript: return "vbscript";
    case danger::data: return "data";
  }
  return "?";
}

assessment check(std::string_view u, source from) {
  assessment a;
  a.scheme = scheme(u, from);
  bool decoded_changed = false;
  if (from == source::attribute && u.find('&') != std::string_view::npos)
    decoded_changed = scheme_of(u) != a.scheme;
  std::string how = decoded_changed ? " (after decoding HTML character references)" : "";
  if (a.scheme.empty()) {
    a.v = verdict::relative;
    std::string_view t = u;
    while (!t.empty() && static_cast<unsigned char>(t.front()) <= 0x20) t.remove_prefix(1);
    if (t.size() >= 2 && (t[0] == '/' || t[0] == '\\') && (t[1] == '/' || t[1] == '\\'))
      a.reason = "protocol-relative URL: no scheme, but it leaves the site for another host";
    else
      a.reason = "no scheme: resolved relative to the page";
    return a;
  }
  if (a.scheme == "javascript") a.kind = danger::javascript;
  else if (a.scheme == "vbscript") a.kind = danger::vbscript;
  else if (a.scheme == "data") a.kind = danger::data;
  if (a.kind != danger::none) {
    a.v = verdict::dangerous;
    a.reason = "scheme '" + a.scheme + "'" + how +
               (a.kind == danger::data ? " renders attacker-chosen content in the page's context"
                                       : " runs script when followed") +
               "; escaping does not help — allow-list http(s) URLs and set a CSP";
    return a;
  }
  a.v = verdict::safe;
  a.reason = "scheme '" + a.scheme + "'" + how + " does not run script";
  return a;
}

}  // namespace websec::url
