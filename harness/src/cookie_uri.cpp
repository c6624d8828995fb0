// websec/cookie_uri.cpp — percent-encoding and werkzeug 2.2 iri_to_uri for the Path attribute of dump_cookie;
// see websec/cookie.hpp and docs/spec.md §4.
#include "websec/cookie.hpp"

#include "cookie_internal.hpp"

#include <algorithm>
#include <optional>

namespace websec::cookie {
namespace internal {

// ---- percent-encoding -------------------------------------------------------------------------------

void percent_quote(std::string& out, std::string_view s, std::string_view safe) {
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (is_ascii_alnum(c) || (c < 0x80 && safe.find(static_cast<char>(c)) != std::string_view::npos)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}

}  // namespace internal

using namespace internal;

namespace {

// int(s) for a str made of the UTF-8 bytes `s` (whitespace, sign, digits, single underscores).
std::optional<long long> py_int(std::string_view s) {
  std::u32string cps;
  if (!detail::decode_utf8(s, cps)) return std::nullopt;
  std::size_t b = 0, e = cps.size();
  auto space = [](char32_t c) {
    // int() strips str.isspace() characters except U+001C..U+001F (checked against CPython 3.11)
    return detail::py_isspace(c) && !(c >= 0x1C && c <= 0x1F);
  };
  while (b < e && space(cps[b])) ++b;
  while (e > b && space(cps[e - 1])) --e;
  bool neg = false;
  if (b < e && (cps[b] == '+' || cps[b] == '-')) neg = cps[b++] == '-';
  if (b == e) return std::nullopt;
  long long v = 0;
  bool prev_digit = false;
  for (std::size_t i = b; i < e; ++i) {
    char32_t c = cps[i];
    if (c == '_') {
      if (!prev_digit || i + 1 == e) return std::nullopt;
      prev_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;  // non-ASCII digits: not supported (treated as invalid)
    prev_digit = true;
    if (v > 1'000'000'000'000LL) v = 1'000'000'000'000LL;  // saturate: only the 0..65535 range matters
    else v = v * 10 + (c - '0');
  }
  if (!prev_digit) return std::nullopt;
  return neg ? -v : v;
}

// ---- werkzeug 2.2 iri_to_uri for the Path attribute ---------------------------------------------------

constexpr std::string_view to_uri_safe = "-._~$!'()*+,;:/?#[]@&=%";

bool is_scheme(std::string_view s) {
  // re.match(r"^[a-zA-Z0-9+-.]+$", s): '$' also matches before one trailing newline
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_ascii_alnum(c) && !(c >= '+' && c <= '.')) return false;
  return true;
}

// werkzeug 2.2 BaseURL.encode_netloc() of a non-empty netloc: userinfo percent-quoted, the host through the idna
// codec (or its ASCII characters when that fails), a port only when int() reads it in 0..65535.
std::string encode_netloc(std::string_view netloc) {
  std::optional<std::string_view> auth;
  std::string_view hostport = netloc;
  std::size_t at = netloc.find('@');
  if (at != std::string_view::npos) { auth = netloc.substr(0, at); hostport = netloc.substr(at + 1); }
  std::optional<std::string_view> host, port;
  if (!hostport.empty()) {
    if (hostport.front() != '[') {
      std::size_t c = hostport.find(':');
      if (c != std::string_view::npos) { host = hostport.substr(0, c); port = hostport.substr(c + 1); }
      else host = hostport;
    } else {
      std::size_t rbk = hostport.find(']');
      if (rbk == std::string_view::npos) host = hostport;
      else {
        host = hostport.substr(1, rbk - 1);
        std::string_view rest = hostport.substr(rbk + 1);
        if (!rest.empty() && rest.front() == ':') port = rest.substr(1);
      }
    }
  }
  std::string rv;
  if (host) {
    auto idna = encode_idna_debian(*host);
    if (idna) rv = *idna;
    else
      for (unsigned char c : *host)
        if (c < 0x80) rv += static_cast<char>(c);  // .encode("ascii", "ignore")
  }
  if (rv.find(':') != std::string::npos) rv = "[" + rv + "]";
  if (port) {
    auto p = py_int(*port);
    if (p && *p >= 0 && *p <= 65535) rv += ":" + std::to_string(*p);
  }
  std::string user_q, pass_q;
  if (auth && !auth->empty()) {
    std::size_t c = auth->find(':');
    if (c == std::string_view::npos) percent_quote(user_q, *auth, "-._~$!'()*+,;/:%");
    else {
      percent_quote(user_q, auth->substr(0, c), "-._~$!'()*+,;/:%");
      percent_quote(pass_q, auth->substr(c + 1), "-._~$!'()*+,;/:%");
    }
  }
  std::string a = user_q;
  if (!pass_q.empty()) a = a.empty() ? pass_q : a + ":" + pass_q;
  return a.empty() ? rv : a + "@" + rv;
}

}  // namespace

namespace internal {

result<std::string> iri_to_uri_debian(std::string_view iri) {
  std::string scheme;
  std::string_view url = iri;
  std::size_t i = url.find(':');
  if (i != std::string_view::npos && i > 0 && is_scheme(url.substr(0, i))) {
    std::string_view rest = url.substr(i + 1);
    bool port = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!port) {
      scheme = lower(url.substr(0, i));
      url = rest;
    }
  }
  std::string_view netloc;
  bool has_netloc_part = false;
  if (url.substr(0, 2) == "//") {
    std::size_t delim = url.size();
    for (char c : std::string_view("/?#")) {
      std::size_t w = url.find(c, 2);
      if (w != std::string_view::npos) delim = std::min(delim, w);
    }
    netloc = url.substr(2, delim - 2);
    url = url.substr(delim);
    has_netloc_part = true;
    bool lb = netloc.find('[') != std::string_view::npos, rb = netloc.find(']') != std::string_view::npos;
    if (lb != rb) return make_error("path_invalid_ipv6", "Invalid IPv6 URL");
  }
  std::string_view fragment, query;
  std::size_t h = url.find('#');
  if (h != std::string_view::npos) { fragment = url.substr(h + 1); url = url.substr(0, h); }
  std::size_t q = url.find('?');
  if (q != std::string_view::npos) { query = url.substr(q + 1); url = url.substr(0, q); }

  std::string path_q, query_q, fragment_q;
  percent_quote(path_q, url, to_uri_safe);
  percent_quote(query_q, query, to_uri_safe);
  percent_quote(fragment_q, fragment, to_uri_safe);

  // BaseURL.encode_netloc()
  std::string enc_netloc;
  if (has_netloc_part && !netloc.empty()) enc_netloc = encode_netloc(netloc);

  // url_unparse
  std::string out;
  if (!enc_netloc.empty() || (!scheme.empty() && !path_q.empty() && path_q.front() == '/')) {
    if (!path_q.empty() && path_q.front() != '/') path_q = "/" + path_q;
    out = "//" + enc_netloc + path_q;
  } else if (!path_q.empty()) {
    out = path_q;
  }
  if (!scheme.empty()) out = scheme + ":" + out;
  if (!query_q.empty()) out += "?" + query_q;
  if (!fragment_q.empty()) out += "#" + fragment_q;
  return out;
}

}  // namespace internal
}  // namespace websec::cookie
