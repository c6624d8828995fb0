// websec/cookie.cpp — see websec/cookie.hpp and docs/spec.md §4. IDNA is in cookie_idna.cpp, dates in
// cookie_date.cpp, percent-encoding and werkzeug 2.2 iri_to_uri in cookie_uri.cpp.
#include "websec/cookie.hpp"

#include "cookie_internal.hpp"
#include "websec/charset.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace websec::cookie {
namespace internal {

error make_error(std::string kind, std::string message, std::uint64_t offset, int status) {
  return error{std::move(kind), offset, std::move(message), status};
}

bool is_ascii_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

}  // namespace internal

using namespace internal;

namespace {

// ---- cookie value quoting ---------------------------------------------------------------------------

void octal_escape(std::string& out, unsigned char c) {
  out += '\\';
  out += static_cast<char>('0' + (c >> 6));
  out += static_cast<char>('0' + ((c >> 3) & 7));
  out += static_cast<char>('0' + (c & 7));
}

// werkzeug 2.2 _internal._cookie_quote
std::string quote_debian(std::string_view b) {
  static constexpr std::string_view legal_extra = "/=!#$%&'*+-.^_`|~:";
  bool all_legal = true;
  std::string buf;
  buf.reserve(b.size() + 2);
  for (unsigned char c : b) {
    if (is_ascii_alnum(c) || legal_extra.find(static_cast<char>(c)) != std::string_view::npos) {
      buf += static_cast<char>(c);
      continue;
    }
    all_legal = false;
    if (c == ',') buf += "\\054";
    else if (c == ';') buf += "\\073";
    else if (c == '"') buf += "\\\"";
    else if (c == '\\') buf += "\\\\";
    else if (c < 32 || c >= 127) octal_escape(buf, c);
    else buf += static_cast<char>(c);
  }
  if (all_legal) return buf;
  return "\"" + buf + "\"";
}

// werkzeug 3.1 http._cookie_no_quote_re / _cookie_slash_re
std::string quote_upstream(std::string_view b) {
  static constexpr std::string_view no_quote_extra = "_!#$%&'()*+-./:<=>?@[]^`{|}~";
  bool bare = true;
  for (unsigned char c : b)
    if (!is_ascii_alnum(c) && no_quote_extra.find(static_cast<char>(c)) == std::string_view::npos) {
      bare = false;
      break;
    }
  if (bare) return std::string(b);
  std::string out = "\"";
  for (unsigned char c : b) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c <= 0x19 || c == ',' || c == ';' || c >= 0x7F) octal_escape(out, c);
    else out += static_cast<char>(c);
  }
  out += '"';
  return out;
}

// Python str.title() result compared with Strict / Lax / None (see header). Returns "" when no match.
std::string samesite_title(std::string_view s) {
  std::u32string cps;
  if (!detail::decode_utf8(s, cps) || cps.empty()) return {};
  std::string out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    if (i == 0) {
      if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 32);
      else if (c >= 'A' && c <= 'Z') out += static_cast<char>(c);
      else if (c == 0x17F) out += 'S';                  // LATIN SMALL LETTER LONG S, titlecase 'S'
      else if (c == 0xFB05 || c == 0xFB06) out += "St";  // ligatures long-s-t / s-t, titlecase "St"
      else return {};
    } else {
      if (c >= 'A' && c <= 'Z') out += static_cast<char>(c + 32);
      else if (c >= 'a' && c <= 'z') out += static_cast<char>(c);
      else if (c == 0x212A) out += 'k';  // KELVIN SIGN lower-cases to 'k'
      else return {};
    }
  }
  if (out == "Strict" || out == "Lax" || out == "None") return out;
  return {};
}

double system_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

namespace {

// The Expires attribute of dump_cookie: a string as given (counting its UTF-8 continuation bytes, which upstream's
// len() does not count), http_date of a timestamp, or now + max_age when sync_expires.
result<std::optional<std::string>> expires_attribute(const dump_options& o, std::size_t& extra_bytes) {
  std::optional<std::string> expires;
  if (const auto* s = std::get_if<std::string>(&o.expires)) {
    expires = *s;
    for (unsigned char c : *s)
      if ((c & 0xC0) == 0x80) ++extra_bytes;
  } else if (const auto* i = std::get_if<std::int64_t>(&o.expires)) {
    auto d = http_date(*i);
    if (!d) return d.err();
    expires = std::move(*d);
  } else if (const auto* f = std::get_if<double>(&o.expires)) {
    auto d = http_date(*f);
    if (!d) return d.err();
    expires = std::move(*d);
  } else if (o.max_age && o.sync_expires) {
    double now = o.now ? *o.now : system_now();
    auto d = http_date(now + static_cast<double>(*o.max_age));
    if (!d) return d.err();
    expires = std::move(*d);
  }
  return expires;
}

// werkzeug's warning for a header over max_size (the key as repr() of the str in 2.2, in plain quotes in 3.x).
void size_warning(dumped_cookie& out, std::string_view key, std::size_t value_size, std::size_t max_size, bool debian) {
  out.too_large = true;
  std::string k = debian ? detail::py_repr(key) : "'" + std::string(key) + "'";
  out.warning = "The " + k + " cookie is too large: the value was " + std::to_string(value_size) +
                " bytes but the header required " + std::to_string(out.size - value_size) +
                " extra bytes. The final size was " + std::to_string(out.size) + " bytes but the limit is " +
                std::to_string(max_size) + " bytes. Browsers may silently ignore cookies larger than this.";
}

}  // namespace

// ---- public: dump_cookie ----------------------------------------------------------------------------

result<dumped_cookie> dump_cookie(std::string_view key, std::string_view value, const dump_options& o) {
  const bool debian = o.profile == websec::profile::debian;
  if (debian && o.partitioned)
    return make_error("partitioned_unsupported",
                      "dump_cookie() got an unexpected keyword argument 'partitioned' (werkzeug 2.2)");

  // Path
  std::optional<std::string> path;
  if (o.path) {
    if (debian) {
      auto p = iri_to_uri_debian(*o.path);
      if (!p) return p.err();
      path = std::move(*p);
    } else {
      std::string p;
      percent_quote(p, *o.path, "_.-~%!$&'()*+,/:=@");
      path = std::move(p);
    }
  }

  // Domain
  std::optional<std::string> domain;
  if (o.domain) {
    if (debian) {
      auto d = encode_idna_debian(*o.domain);
      if (!d) return d.err();
      std::string s = std::move(*d);
      if (auto c = s.find(':'); c != std::string::npos) s.resize(c);
      if (s.find('.') == std::string::npos)
        return make_error("domain_no_dot",
                          "Setting 'domain' for a cookie on a server running locally (ex: localhost) is not supported "
                          "by complying browsers. You should have something like: '127.0.0.1 localhost "
                          "dev.localhost' on your hosts file and then point your server to run on 'dev.localhost' "
                          "and also set 'domain' for 'dev.localhost'");
      domain = quote_debian(s);
    } else if (o.domain->empty()) {
      domain = std::string();
    } else {
      std::string_view d = *o.domain;
      if (auto c = d.find(':'); c != std::string_view::npos) d = d.substr(0, c);
      while (!d.empty() && d.front() == '.') d.remove_prefix(1);
      auto enc = idna_encode(d);
      if (!enc) return enc.err();
      domain = std::move(*enc);
    }
  }

  // Expires
  std::size_t expires_extra_bytes = 0;  // UTF-8 continuation bytes of a verbatim string (upstream len())
  auto expires_r = expires_attribute(o, expires_extra_bytes);
  if (!expires_r) return expires_r.err();
  const std::optional<std::string>& expires = *expires_r;

  // SameSite
  std::optional<std::string> samesite;
  if (o.samesite) {
    std::string t = samesite_title(*o.samesite);
    if (t.empty()) return make_error("samesite_invalid", "SameSite must be 'Strict', 'Lax', or 'None'.");
    samesite = std::move(t);
  }

  const bool secure = o.secure || o.partitioned;
  const std::string quoted = debian ? quote_debian(value) : quote_upstream(value);

  dumped_cookie out;
  std::string& h = out.header;
  h.reserve(key.size() + quoted.size() + 128);
  h.append(key);
  h += '=';
  h += quoted;
  if (domain) { h += "; Domain="; h += *domain; }
  if (expires) { h += "; Expires="; h += *expires; }
  if (o.max_age) { h += "; Max-Age="; h += std::to_string(*o.max_age); }
  if (secure) h += "; Secure";
  if (o.httponly) h += "; HttpOnly";
  if (path) { h += "; Path="; h += *path; }
  if (samesite) { h += "; SameSite="; h += *samesite; }
  if (o.partitioned) h += "; Partitioned";

  out.size = debian ? h.size() : h.size() - expires_extra_bytes;
  if (o.max_size && out.size > o.max_size) size_warning(out, key, debian ? value.size() : quoted.size(), o.max_size, debian);
  return out;
}

}  // namespace websec::cookie

// =====================================================================================================
// Set-Cookie parsing (RFC 6265bis §5.6) and audit
// =====================================================================================================

namespace websec::cookie {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

result<set_cookie> parse_set_cookie(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c <= 0x08) || (c >= 0x0A && c <= 0x1F) || c == 0x7F)
      return error{"cookie_control_char", i, "control character in Set-Cookie: browsers ignore the whole line", 200};
  }
  set_cookie out;
  std::size_t semi = line.find(';');
  std::string_view pair = line.substr(0, semi);
  std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) {
    out.has_equals = false;
    out.value = std::string(trim_wsp(pair));
  } else {
    out.name = std::string(trim_wsp(pair.substr(0, eq)));
    out.value = std::string(trim_wsp(pair.substr(eq + 1)));
  }
  if (out.name.size() + out.value.size() > 4096)
    return error{"cookie_too_large", 0, "name and value exceed 4096 bytes: browsers ignore the cookie", 200};
  if (out.name.empty() && out.value.empty())
    return error{"cookie_empty", 0, "empty cookie name and value: browsers ignore the line", 200};

  std::size_t pos = semi;
  while (pos != std::string_view::npos && pos < line.size()) {
    std::size_t next = line.find(';', pos + 1);
    std::string_view av = line.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    pos = next;
    attribute a;
    std::size_t e = av.find('=');
    if (e == std::string_view::npos) {
      a.name = std::string(trim_wsp(av));
    } else {
      a.has_value = true;
      a.name = std::string(trim_wsp(av.substr(0, e)));
      a.value = std::string(trim_wsp(av.substr(e + 1)));
    }
    out.attributes.push_back(a);
    if (a.value.size() > 1024) continue;  // ignored by user agents
    const std::string& n = a.name;
    const std::string& v = a.value;
    if (iequals(n, "expires")) {
      if (auto t = parse_cookie_date(v)) out.expires = t;
    } else if (iequals(n, "max-age")) {
      if (v.empty() || !(is_digit(static_cast<unsigned char>(v[0])) || v[0] == '-')) continue;
      bool neg = v[0] == '-';
      std::string_view digits = std::string_view(v).substr(neg ? 1 : 0);
      if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return is_digit(static_cast<unsigned char>(c)); }))
        continue;
      std::int64_t x = 0;
      for (char c : digits) {
        if (x > (std::numeric_limits<std::int64_t>::max() - 9) / 10) { x = std::numeric_limits<std::int64_t>::max(); break; }
        x = x * 10 + (c - '0');
      }
      out.max_age = neg ? -x : x;
    } else if (iequals(n, "domain")) {
      if (v.empty()) continue;
      std::string_view d = v;
      if (d.front() == '.') d.remove_prefix(1);
      out.domain = lower(d);
    } else if (iequals(n, "path")) {
      if (v.empty() || v[0] != '/') out.path.reset();  // default-path
      else out.path = v;
    } else if (iequals(n, "secure")) {
      out.secure = true;
    } else if (iequals(n, "httponly")) {
      out.httponly = true;
    } else if (iequals(n, "partitioned")) {
      out.partitioned = true;
    } else if (iequals(n, "samesite")) {
      out.samesite_raw = v;
      if (iequals(v, "none")) out.samesite = same_site::none;
      else if (iequals(v, "lax")) out.samesite = same_site::lax;
      else if (iequals(v, "strict")) out.samesite = same_site::strict;
      else out.samesite = same_site::invalid;
    }
  }
  return out;
}

std::string serialize(const set_cookie& c) {
  std::string out;
  if (c.has_equals) {
    out += c.name;
    out += '=';
  }
  out += c.value;
  for (const auto& a : c.attributes) {
    out += "; ";
    out += a.name;
    if (a.has_value) {
      out += '=';
      out += a.value;
    }
  }
  return out;
}

bool is_session_like(std::string_view name) {
  std::string n = lower(name);
  return n.find("sess") != std::string::npos || n.find("login") != std::string::npos;
}

bool parse_role(std::string_view s, cookie_role& out) {
  for (cookie_role r : {cookie_role::automatic, cookie_role::session, cookie_role::remember_me, cookie_role::csrf,
                        cookie_role::preference, cookie_role::other})
    if (to_string(r) == s) {
      out = r;
      return true;
    }
  if (s == "remember_me" || s == "automatic") {
    out = s == "automatic" ? cookie_role::automatic : cookie_role::remember_me;
    return true;
  }
  return false;
}

namespace {
bool has_word(const std::string& n, std::string_view w) {
  // w as the whole name, or delimited by . _ - on the left and end/delimiter on the right
  for (std::size_t p = n.find(w); p != std::string::npos; p = n.find(w, p + 1)) {
    bool left = p == 0 || n[p - 1] == '.' || n[p - 1] == '_' || n[p - 1] == '-';
    std::size_t e = p + w.size();
    bool right = e == n.size() || n[e] == '.' || n[e] == '_' || n[e] == '-';
    if (left && right) return true;
  }
  return false;
}
}  // namespace

cookie_role guess_role(std::string_view name) {
  std::string n = lower(name);
  auto has = [&](std::string_view w) { return n.find(w) != std::string::npos; };
  if (has("csrf") || has("xsrf")) return cookie_role::csrf;
  if (has("remember") || has("persist")) return cookie_role::remember_me;
  if (has("sess") || has("login") || has("auth") || has("token") || has("jwt") || has_word(n, "sid") ||
      n == "id" || n == "uid")
    return cookie_role::session;
  for (std::string_view w : {"theme", "lang", "locale", "pref", "consent", "timezone", "currency", "font", "color",
                             "colour", "dark", "cookie_notice", "gdpr"})
    if (has(w)) return cookie_role::preference;
  if (has_word(n, "tz")) return cookie_role::preference;
  return cookie_role::other;
}

result<request_context> parse_request_url(std::string_view url) {
  request_context r;
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return error{"url_scheme", 0, "the request URL must start with http:// or https://", 400};
  r.scheme = lower(url.substr(0, sep));
  if (r.scheme != "http" && r.scheme != "https")
    return error{"url_scheme", 0, "the request URL must start with http:// or https://", 400};
  std::string_view rest = url.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return error{"url_host", sep + 3, "unbalanced '[' in the request host", 400};
    host = host.substr(1, close - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return error{"url_host", sep + 3, "the request URL has no host", 400};
  if (is_ascii(host)) {
    r.host = lower(host);
  } else {
    auto a = idna_encode(host);
    if (!a) return error{"url_host", sep + 3, "the request host is not a valid domain name: " + a.err().message, 400};
    r.host = lower(*a);
  }
  for (char c : r.host)
    if (!(is_ascii_alnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':'))
      return error{"url_host", sep + 3, "the request host holds a character a host name cannot hold", 400};
  // RFC 6265bis §5.1.4 default-path: the path up to (not including) its right-most '/', or "/".
  std::string_view p = path.substr(0, path.find_first_of("?#"));
  if (p.empty() || p[0] != '/' || p.find('/', 1) == std::string_view::npos) r.default_path = "/";
  else r.default_path = std::string(p.substr(0, p.rfind('/')));
  return r;
}

namespace {
bool is_ip_literal(std::string_view h) {
  if (h.find(':') != std::string_view::npos) return true;  // IPv6
  int dots = 0;
  for (char c : h) {
    if (c == '.') ++dots;
    else if (!is_digit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}
}  // namespace

bool domain_match(std::string_view host, std::string_view domain) {
  // RFC 6265bis §5.1.3: identical, or host ends with "." + domain and host is a host name (not an IP address).
  if (host == domain) return true;
  if (domain.empty() || host.size() <= domain.size() + 1) return false;
  if (host.substr(host.size() - domain.size()) != domain || host[host.size() - domain.size() - 1] != '.') return false;
  return !is_ip_literal(host);
}

}  // namespace websec::cookie

#if defined(WEBSEC_HAVE_LIBPSL)
#include <libpsl.h>
namespace websec::cookie {
namespace {
// Debian's libpsl: psl_latest(NULL) loads the newest of its built-in data and the distribution's list
// (/usr/share/publicsuffix/public_suffix_list.dafsa from the publicsuffix package). Loaded once, kept for the
// life of the process (psl contexts are read-only and thread-safe once loaded).
const psl_ctx_t* psl() {
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c ? c : psl_builtin();
  }();
  return ctx;
}
}  // namespace
std::optional<bool> is_public_suffix(std::string_view domain) {
  const psl_ctx_t* c = psl();
  if (!c) return std::nullopt;
  std::string d = lower(domain);
  if (d.empty() || d.find('\0') != std::string::npos) return false;
  return psl_is_public_suffix2(c, d.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}
bool public_suffix_list_available() { return psl() != nullptr; }
}  // namespace websec::cookie
#else
namespace websec::cookie {
std::optional<bool> is_public_suffix(std::string_view) { return std::nullopt; }
bool public_suffix_list_available() { return false; }
}  // namespace websec::cookie
#endif

namespace websec::cookie {

namespace {
std::int64_t system_now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}
std::string shown_value(std::string_view s) { return quote_input(s, quote_style::bare, 80); }
}  // namespace

namespace {

// One audit of one Set-Cookie: what every step reads (the cookie, the options, its role, the request), and the report
// the steps fill, in the order a browser applies the rules.
struct cookie_audit {
  const set_cookie& c;
  const audit_options& o;
  subject_report rep;
  std::string subject;
  cookie_role role;
  bool credential;
  std::int64_t now;
  std::optional<request_context> req;
  bool https;
  bool domain_attr;
  bool host_only;

  cookie_audit(const set_cookie& cookie, const audit_options& options);
  void add(const char* id, severity s, std::string reason, std::optional<rating> effect = std::nullopt);
  bool decisive(const char* id, std::string reason);
  bool rejected_domain();
  bool rejected_prefix();
  bool rejected();
  void judge_secure_httponly();
  void judge_samesite();
  void judge_lifetime();
  void judge_attribute(const attribute& a, std::vector<std::string>& seen);
  void finish(bool deletion);
};

cookie_audit::cookie_audit(const set_cookie& cookie, const audit_options& options) : c(cookie), o(options) {
  rep.kind = "cookie";
  rep.present = true;
  subject = c.has_equals && !c.name.empty() ? c.name : std::string("(nameless)");
  rep.name = subject;
  rep.value = serialize(c);
  if (rep.value.size() > 200) rep.value = rep.value.substr(0, 200) + "...";
  role = o.role == cookie_role::automatic ? guess_role(c.name) : o.role;
  rep.role = std::string(to_string(role));
  credential = role == cookie_role::session || role == cookie_role::remember_me;
  now = o.now ? *o.now : system_now_seconds();
  https = o.https;
  if (o.url) {
    if (auto r = parse_request_url(*o.url)) {
      req = *r;
      https = req->scheme == "https";
    }
  }
  domain_attr = c.domain.has_value();
  host_only = !domain_attr;
}

void cookie_audit::add(const char* id, severity s, std::string reason, std::optional<rating> effect) {
  rep.findings.push_back({id, s, subject, std::move(reason), effect ? *effect : default_effect(s)});
}

// A finding that makes the browser ignore the cookie (RFC 6265bis-15 §5.7 storage model): nothing follows it.
bool cookie_audit::decisive(const char* id, std::string reason) {
  add(id, severity::high, std::move(reason), rating::invalid);
  rep.result = rating::invalid;
  return true;
}

// §5.7 steps 5 and 6: the Domain attribute against the public suffix list and the request host.
bool cookie_audit::rejected_domain() {
  if (!req || !domain_attr) return false;
  // §5.7 step 5: a Domain that is a public suffix is dropped when it equals the host, else the cookie is.
  if (auto ps = is_public_suffix(*c.domain); ps && *ps) {
    if (*c.domain != req->host)
      return decisive("cookie.public_suffix", "Domain=" + shown_value(*c.domain) +
                                                  " is a public suffix (publicsuffix list): browsers reject the "
                                                  "cookie (RFC 6265bis 5.7); omit Domain");
    host_only = true;
    add("cookie.domain_host_only", severity::info,
        "Domain=" + shown_value(*c.domain) + " is a public suffix equal to the host: browsers store a host-only cookie");
  } else if (!domain_match(req->host, *c.domain)) {
    // §5.7 step 6: the request host must domain-match the Domain attribute.
    return decisive("cookie.domain_mismatch", "Domain=" + shown_value(*c.domain) + " does not domain-match the request host " +
                                                  req->host + ": browsers reject the cookie (RFC 6265bis 5.7)");
  }
  return false;
}

// §4.1.3 / §5.7 cookie name prefixes (matched ASCII case-insensitively, as current browsers do).
bool cookie_audit::rejected_prefix() {
  if (starts_with_ci(c.name, "__Host-")) {
    std::vector<std::string> why;
    if (!c.secure) why.push_back("Secure");
    if (!host_only || std::any_of(c.attributes.begin(), c.attributes.end(), [](const attribute& a) {
          return iequals(a.name, "domain") && !a.value.empty();
        }))
      why.push_back("no Domain attribute");
    if (!c.path || *c.path != "/") why.push_back("Path=/");
    if (!why.empty()) {
      std::string r = "__Host- cookie needs ";
      for (std::size_t i = 0; i < why.size(); ++i) r += (i ? ", " : "") + why[i];
      return decisive("cookie.host_prefix", r + " (RFC 6265bis 4.1.3): browsers reject it as sent");
    }
  } else if (starts_with_ci(c.name, "__Secure-") && !c.secure) {
    return decisive("cookie.secure_prefix",
                    "__Secure- cookie without Secure (RFC 6265bis 4.1.3): browsers reject it as sent; add Secure");
  }
  return false;
}

// The storage model's refusals, in the order browsers apply them; true when the browser ignores the cookie.
bool cookie_audit::rejected() {
  if (rejected_domain()) return true;
  if (c.secure && !https)
    return decisive("cookie.secure_over_http",
                    "a Secure cookie set by a plain-HTTP response is ignored by browsers (RFC 6265bis 5.7): serve the "
                    "site over https");
  if (rejected_prefix()) return true;
  if (c.samesite == same_site::none && !c.secure)
    return decisive("cookie.samesite_none_without_secure",
                    "SameSite=None without Secure is rejected by browsers (RFC 6265bis 5.7): add Secure (or use "
                    "SameSite=Lax)");
  if (c.partitioned && !c.secure)
    return decisive("cookie.partitioned_without_secure",
                    "Partitioned without Secure is rejected by browsers (CHIPS): add Secure");
  return false;
}

// Secure and HttpOnly, judged by the cookie's role.
void cookie_audit::judge_secure_httponly() {
  if (!c.secure) {
    if (credential && !o.hsts)
      add("cookie.no_secure", severity::high,
          rep.role + " cookie without Secure is sent over plain HTTP, where anyone on the network reads it: add "
                     "Secure (SESSION_COOKIE_SECURE=True)");
    else if (credential)
      add("cookie.no_secure", severity::medium,
          rep.role + " cookie without Secure: add Secure (HSTS on this site limits the exposure to a first visit "
                     "over http)");
    else if (role == cookie_role::preference)
      add("cookie.no_secure", severity::low, "cookie without Secure is also sent (and can be changed) over plain HTTP");
    else
      add("cookie.no_secure", severity::medium, "cookie without Secure is also sent over plain HTTP: add Secure");
  }
  if (!c.httponly) {
    if (credential)
      add("cookie.no_httponly", severity::high,
          rep.role + " cookie readable by JavaScript, so an XSS steals it: add HttpOnly (SESSION_COOKIE_HTTPONLY=True)");
    else if (role == cookie_role::other)
      add("cookie.no_httponly", severity::low,
          "cookie readable by JavaScript: add HttpOnly, or give its role (csrf, preference) if scripts read it");
  }
}

// SameSite, judged by the cookie's role.
void cookie_audit::judge_samesite() {
  const bool samesite_effective = c.samesite == same_site::lax || c.samesite == same_site::strict ||
                                  c.samesite == same_site::none;
  if (c.samesite == same_site::invalid)
    add("cookie.samesite_invalid", severity::info,
        "SameSite=" + shown_value(c.samesite_raw) + " is not Strict, Lax or None: browsers ignore it (RFC 6265bis 5.6.7)");
  if (!samesite_effective) {
    if (credential)
      add("cookie.no_samesite", severity::medium,
          "no (valid) SameSite: only Chromium defaults to Lax, Firefox and Safari send it on cross-site requests; "
          "set SameSite=Lax (SESSION_COOKIE_SAMESITE='Lax')");
    else if (role == cookie_role::other)
      add("cookie.no_samesite", severity::low, "no (valid) SameSite: set SameSite=Lax to limit cross-site sending");
  } else if (c.samesite == same_site::none) {
    if (credential)
      add("cookie.samesite_none", severity::medium,
          "SameSite=None sends the " + rep.role + " cookie on cross-site requests (CSRF exposure): use Lax unless it "
                                                  "must be embedded");
    else
      add("cookie.samesite_none", severity::info, "SameSite=None: the cookie goes with cross-site requests");
  }
}

// The lifetime against the allowed maximum (only with max_lifetime).
void cookie_audit::judge_lifetime() {
  if (!o.max_lifetime) return;
  std::optional<std::int64_t> life;
  if (c.max_age) life = *c.max_age;
  else if (c.expires) life = *c.expires - now;
  if (life && *life > *o.max_lifetime)
    add("cookie.lifetime_too_long", severity::medium,
        "cookie lives " + std::to_string(*life) + " s, longer than the allowed " + std::to_string(*o.max_lifetime) +
            " s: shorten Max-Age/Expires (PERMANENT_SESSION_LIFETIME)");
}

// Attribute-level advice: each is ignored by the browser, which the flag findings already reflect.
void cookie_audit::judge_attribute(const attribute& a, std::vector<std::string>& seen) {
  std::string ln = lower(a.name);
  bool known = ln == "expires" || ln == "max-age" || ln == "domain" || ln == "path" || ln == "secure" ||
               ln == "httponly" || ln == "samesite" || ln == "partitioned";
  if (!known) {
    if (!ln.empty())
      add("cookie.unknown_attribute", severity::info, "unknown attribute '" + shown_value(a.name) + "' is ignored by browsers");
    return;
  }
  if (std::find(seen.begin(), seen.end(), ln) != seen.end())
    add("cookie.duplicate_attribute", severity::info,
        "attribute " + a.name + " appears more than once; browsers use the last one: keep one");
  else
    seen.push_back(ln);
  if (a.value.size() > 1024) {
    add("cookie.attribute_ignored", severity::info, a.name + " value over 1024 bytes is ignored by browsers");
    return;
  }
  if (ln == "max-age") {
    std::string_view d = a.value;
    if (!d.empty() && d[0] == '-') d.remove_prefix(1);
    if (d.empty() || !std::all_of(d.begin(), d.end(), [](char ch) { return is_digit(static_cast<unsigned char>(ch)); }))
      add("cookie.max_age_invalid", severity::info, "Max-Age=" + shown_value(a.value) + " is not an integer; browsers ignore it");
  } else if (ln == "expires" && !parse_cookie_date(a.value)) {
    add("cookie.expires_invalid", severity::info, "Expires=" + shown_value(a.value) + " is not a cookie date; browsers ignore it");
  } else if (ln == "domain" && a.value.empty()) {
    add("cookie.attribute_ignored", severity::info, "empty Domain attribute is ignored by browsers: remove it");
  } else if (ln == "path" && (a.value.empty() || a.value[0] != '/')) {
    add("cookie.attribute_ignored", severity::info,
        "Path=" + shown_value(a.value) + " does not start with '/'; browsers use the default path: write Path=/...");
  }
}

// The verdict: the worst effect of the findings, or cookie.ok when nothing lowered it.
void cookie_audit::finish(bool deletion) {
  rep.result = worst_effect(rep.findings);
  if (rep.result == rating::pass)
    add("cookie.ok", severity::info,
        deletion ? "deletion cookie"
                 : credential ? "Secure, HttpOnly and SameSite are set"
                              : "has what a " + rep.role + " cookie needs");
}

}  // namespace

subject_report audit_cookie(const set_cookie& c, std::size_t line_size, const audit_options& o) {
  cookie_audit audit(c, o);
  if (audit.rejected()) return std::move(audit.rep);

  // ---- Judged by role ----
  const bool deletion = (c.max_age && *c.max_age <= 0) || (!c.max_age && c.expires && *c.expires <= audit.now);
  if (o.role == cookie_role::automatic)
    audit.add("cookie.role", severity::info,
              "judged as a " + audit.rep.role + " cookie (guessed from its name; give the role if it is something else)");
  if (!c.has_equals || c.name.empty())
    audit.add("cookie.nameless", severity::medium,
              "cookie has no name (no '=' before the first ';'); browsers and servers disagree on such cookies: give it a name");
  if (deletion) {
    audit.add("cookie.deletion", severity::info,
              "deletion cookie (Max-Age<=0 or Expires in the past); make sure Path/Domain match the cookie it removes");
  } else {
    audit.judge_secure_httponly();
    audit.judge_samesite();
    audit.judge_lifetime();
  }
  if (line_size > o.max_size)
    audit.add("cookie.too_large", severity::info,
              "Set-Cookie value is " + std::to_string(line_size) + " bytes, over " + std::to_string(o.max_size) +
                  " (MAX_COOKIE_SIZE): close to the 4096-byte limit where browsers drop it; store less in the cookie");
  if (audit.domain_attr && !audit.host_only)
    audit.add("cookie.domain_scoped", severity::info,
              "Domain=" + shown_value(*c.domain) + " sends the cookie to every subdomain: omit Domain unless subdomains need it");
  std::vector<std::string> seen;
  for (const auto& a : c.attributes) audit.judge_attribute(a, seen);
  audit.finish(deletion);
  return std::move(audit.rep);
}

std::vector<verdict> audit_set_cookie(const set_cookie& c, std::size_t line_size, const audit_options& o) {
  return audit_cookie(c, line_size, o).findings;
}

subject_report audit_cookie(std::string_view line, const audit_options& o) {
  auto r = parse_set_cookie(line);
  if (!r) {
    std::string_view name = line.substr(0, std::min(line.find('='), line.find(';')));
    name = trim_wsp(name);
    subject_report rep;
    rep.kind = "cookie";
    rep.present = true;
    rep.name = name.empty() ? "(nameless)" : shown_value(name.substr(0, 64));
    rep.role = std::string(to_string(o.role == cookie_role::automatic ? guess_role(name) : o.role));
    rep.value = shown_value(line.substr(0, 200));
    rep.result = rating::invalid;
    if (r.err().kind == "cookie_too_large")
      rep.findings.push_back({"cookie.too_large", severity::high, rep.name,
                              "name and value exceed 4096 bytes: browsers drop this cookie (RFC 6265bis 5.6); store less in it",
                              rating::invalid});
    else
      rep.findings.push_back({"cookie.invalid", severity::high, rep.name, r.err().message + " (RFC 6265bis 5.6)", rating::invalid});
    return rep;
  }
  return audit_cookie(*r, line.size(), o);
}

std::vector<verdict> audit_set_cookie(std::string_view line, const audit_options& o) { return audit_cookie(line, o).findings; }

// =====================================================================================================
// Request Cookie header (werkzeug)
// =====================================================================================================

namespace {

bool re_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

struct cookie_match {
  std::size_t key_b, key_e;
  bool has_val;
  std::size_t val_b, val_e;
  std::size_t end;
  std::size_t fail_skip;  // on failure: first position that may match (werkzeug 3 findall)
};

// One match of werkzeug's cookie regex at `i` of `s` (which ends with ';'):
//   ([^=;]*)(?:\s*=\s*("(?:[^\\"]|\\.)*"|.*?))?\s*;   (upstream adds \s* after ';')
// `nonws[k]` = first index >= k that is not regex whitespace. Returns false when nothing matches at i.
// `lazy_fail` memoises a failed `.*?` scan [from, to]: a later scan starting inside it checks a subset of the
// same end positions and fails too (keeps hostile headers linear).
struct lazy_memo {
  std::size_t from = 1, to = 0;
};

bool match_cookie(std::string_view s, std::size_t i, const std::vector<std::size_t>& nonws, bool trailing_ws,
                  cookie_match& m, lazy_memo& memo) {
  const std::size_t n = s.size();
  std::size_t K = i;
  while (K < n && s[K] != '=' && s[K] != ';') ++K;
  m.key_b = i;
  m.key_e = K;
  m.has_val = false;
  m.fail_skip = K + 1;
  if (K >= n) return false;
  auto finish = [&](std::size_t semi) {
    m.end = semi + 1;
    if (trailing_ws) m.end = nonws[m.end];
    return true;
  };
  if (s[K] == ';') return finish(K);
  std::size_t p = nonws[K + 1];
  if (p < n && s[p] == '"') {
    std::size_t q = p + 1;
    while (q < n) {
      char c = s[q];
      if (c == '"') break;
      if (c == '\\') {
        if (q + 1 < n && s[q + 1] != '\n') { q += 2; continue; }
        q = n;
        break;
      }
      ++q;
    }
    if (q < n) {
      std::size_t t = nonws[q + 1];
      if (t < n && s[t] == ';') {
        m.has_val = true;
        m.val_b = p;
        m.val_e = q + 1;
        return finish(t);
      }
    }
  }
  if (p >= memo.from && p <= memo.to) return false;
  for (std::size_t q = p;; ++q) {
    std::size_t t = nonws[q];
    if (t < n && s[t] == ';') {
      m.has_val = true;
      m.val_b = p;
      m.val_e = q;
      return finish(t);
    }
    if (q >= n || s[q] == '\n') {
      memo.from = p;
      memo.to = q;
      return false;
    }
  }
}

// werkzeug's unquoting of a fully quoted value: \ooo (first digit 0-3) -> byte, \X -> X (X not newline).
std::string unslash(std::string_view b) {
  std::string out;
  for (std::size_t i = 0; i < b.size();) {
    if (b[i] == '\\' && i + 1 < b.size()) {
      if (i + 3 < b.size() + 0 && b[i + 1] >= '0' && b[i + 1] <= '3' && b[i + 2] >= '0' && b[i + 2] <= '7' &&
          b[i + 3] >= '0' && b[i + 3] <= '7') {
        out += static_cast<char>(((b[i + 1] - '0') << 6) | ((b[i + 2] - '0') << 3) | (b[i + 3] - '0'));
        i += 4;
        continue;
      }
      if (b[i + 1] != '\n') {
        out += b[i + 1];
        i += 2;
        continue;
      }
    }
    out += b[i++];
  }
  return out;
}

std::string_view strip_ascii_ws(std::string_view s) {
  while (!s.empty() && re_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && re_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
std::string_view strip_py_latin1(std::string_view s) {
  while (!s.empty() && detail::py_isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && detail::py_isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_cookie_header(std::string_view header, websec::profile p) {
  std::vector<std::pair<std::string, std::string>> out;
  if (header.empty()) return out;
  std::string s(header);
  s += ';';
  const std::size_t n = s.size();
  std::vector<std::size_t> nonws(n + 1);
  nonws[n] = n;
  for (std::size_t k = n; k-- > 0;) nonws[k] = re_space(static_cast<unsigned char>(s[k])) ? nonws[k + 1] : k;
  cookie_match m{};
  lazy_memo memo;
  if (p == websec::profile::debian) {
    std::size_t i = 0;
    while (i < header.size()) {
      if (!match_cookie(s, i, nonws, false, m, memo)) break;
      i = m.end;
      std::string_view key = strip_ascii_ws(std::string_view(s).substr(m.key_b, m.key_e - m.key_b));
      if (key.empty()) continue;
      std::string_view val = m.has_val ? std::string_view(s).substr(m.val_b, m.val_e - m.val_b) : std::string_view();
      std::string raw = (val.size() >= 2 && val.front() == '"' && val.back() == '"') ? unslash(val.substr(1, val.size() - 2))
                                                                                      : std::string(val);
      out.emplace_back(charset::utf8_replace(key), charset::utf8_replace(raw));
    }
    return out;
  }
  std::size_t i = 0;
  while (i < n) {
    if (!match_cookie(s, i, nonws, true, m, memo)) {
      i = m.fail_skip;
      continue;
    }
    i = m.end;
    std::string_view key = strip_py_latin1(std::string_view(s).substr(m.key_b, m.key_e - m.key_b));
    std::string_view val = m.has_val ? strip_py_latin1(std::string_view(s).substr(m.val_b, m.val_e - m.val_b)) : std::string_view();
    if (key.empty()) continue;
    std::string v;
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"')
      v = charset::utf8_replace(unslash(detail::latin1_to_utf8(val.substr(1, val.size() - 2))));
    else
      v = detail::latin1_to_utf8(val);
    out.emplace_back(detail::latin1_to_utf8(key), std::move(v));
  }
  return out;
}

result<std::vector<std::pair<std::string, std::string>>> parse_cookie(std::string_view header, websec::profile p) {
  if (p == websec::profile::debian) return parse_cookie_header(header, p);
  std::vector<std::pair<std::string, std::string>> out;
  if (header.empty()) return out;
  if (std::size_t bad = detail::utf8_first_error(header); bad != std::string_view::npos)
    return make_error("cookie_not_utf8", "'utf-8' codec can't decode the Cookie header at byte " + std::to_string(bad),
                      bad, 400);
  // _sansio_http.parse_cookie on the decoded str: the regex only looks at ASCII (= ; " \\ whitespace, newline),
  // so it matches the UTF-8 bytes the same way; str.strip() removes Unicode whitespace.
  std::string s(header);
  s += ';';
  const std::size_t n = s.size();
  std::vector<std::size_t> nonws(n + 1);
  nonws[n] = n;
  for (std::size_t k = n; k-- > 0;) nonws[k] = re_space(static_cast<unsigned char>(s[k])) ? nonws[k + 1] : k;
  cookie_match m{};
  lazy_memo memo;
  std::size_t i = 0;
  while (i < n) {
    if (!match_cookie(s, i, nonws, true, m, memo)) {
      i = m.fail_skip;
      continue;
    }
    i = m.end;
    std::string_view key = detail::py_strip_utf8(std::string_view(s).substr(m.key_b, m.key_e - m.key_b));
    std::string_view val = m.has_val ? detail::py_strip_utf8(std::string_view(s).substr(m.val_b, m.val_e - m.val_b)) : std::string_view();
    if (key.empty()) continue;
    std::string v;
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"')
      v = charset::utf8_replace(unslash(val.substr(1, val.size() - 2)));
    else
      v = std::string(val);
    out.emplace_back(std::string(key), std::move(v));
  }
  return out;
}

}  // namespace websec::cookie
