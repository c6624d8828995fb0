// websec/headers.cpp — see websec/headers.hpp.
#include "websec/headers.hpp"

#include "websec/cookie.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace websec::headers {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = lower(c);
  return o;
}
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
bool starts_with_ci(std::string_view s, std::string_view p) { return s.size() >= p.size() && iequals(s.substr(0, p.size()), p); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_ascii_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_tchar(char c) {
  return is_alpha(c) || is_digit(c) || (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos);
}
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}
std::string_view trim_ascii_ws(std::string_view s) {
  while (!s.empty() && is_ascii_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_ws(s.back())) s.remove_suffix(1);
  return s;
}
// A value as shown in a reason: at most 80 bytes, control characters as '?'.
std::string shown(std::string_view s) {
  std::string o;
  for (char c : s.substr(0, 80)) o += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
  if (s.size() > 80) o += "...";
  return o;
}
// Splits the combined values of a header on ',' (OWS trimmed), as "get, decode and split" does for tokens.
std::vector<std::string> split_values(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t b = 0;
    while (true) {
      std::size_t c = v.find(',', b);
      out.emplace_back(trim_ows(std::string_view(v).substr(b, c == std::string::npos ? std::string::npos : c - b)));
      if (c == std::string::npos) break;
      b = c + 1;
    }
  }
  return out;
}

error herr(std::string kind, std::size_t offset, std::string msg) { return error{std::move(kind), offset, std::move(msg), 200}; }

constexpr const char* kHSTS = "Strict-Transport-Security";
constexpr const char* kCSP = "Content-Security-Policy";
constexpr const char* kCSPRO = "Content-Security-Policy-Report-Only";
constexpr const char* kXFO = "X-Frame-Options";
constexpr const char* kXCTO = "X-Content-Type-Options";
constexpr const char* kRP = "Referrer-Policy";

}  // namespace

std::vector<std::string> get_all(const header_list& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : h)
    if (iequals(n, name)) out.push_back(v);
  return out;
}

result<response_head> parse_response_head(std::string_view raw) {
  response_head cur;
  bool in_head = false;
  std::size_t pos = 0;
  std::optional<response_head> last;
  while (pos <= raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    std::size_t line_off = pos;
    pos = nl == std::string_view::npos ? raw.size() + 1 : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!in_head) {
      if (line.empty()) continue;
      if (line.substr(0, 5) != "HTTP/") {
        if (last) break;  // a body after the head: stop
        return herr("no_status_line", line_off, "input does not start with an HTTP status line (HTTP/1.1 200 OK)");
      }
      cur = response_head{};
      std::size_t sp = line.find(' ');
      if (sp != std::string_view::npos) {
        int st = 0;
        for (std::size_t k = sp + 1; k < line.size() && k < sp + 4 && is_digit(line[k]); ++k) st = st * 10 + (line[k] - '0');
        cur.status = st;
      }
      in_head = true;
      continue;
    }
    if (line.empty()) {
      last = cur;
      in_head = false;
      continue;
    }
    if (is_ows(line.front()) && !cur.headers.empty()) {  // obs-fold: replaced by one SP, the value stays OWS-trimmed
      std::string_view more = trim_ows(line);
      std::string& value = cur.headers.back().second;
      if (!more.empty()) {
        if (!value.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    std::size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view() : trim_ows(line.substr(0, colon));
    if (name.empty())
      return herr("bad_header_line", line_off, "header line without a name and ':': " + shown(line));
    cur.headers.emplace_back(std::string(name), std::string(trim_ows(line.substr(colon + 1))));
  }
  if (in_head) last = cur;
  if (!last) return herr("no_status_line", 0, "no HTTP response head found");
  return *last;
}

// ------------------------------------------------------------------------------------------------------
// HSTS
// ------------------------------------------------------------------------------------------------------

result<hsts_policy> parse_hsts(std::string_view v) {
  hsts_policy p;
  bool have_max_age = false, have_sub = false, have_preload = false;
  std::vector<std::string> seen;
  std::size_t i = 0;
  const std::size_t n = v.size();
  while (true) {
    while (i < n && is_ows(v[i])) ++i;
    if (i >= n) break;
    if (v[i] == ';') { ++i; continue; }
    std::size_t nb = i;
    while (i < n && is_tchar(v[i])) ++i;
    if (i == nb) return herr("hsts_syntax", i, "unexpected character '" + shown(v.substr(i, 1)) + "' in Strict-Transport-Security");
    std::string name = lower(v.substr(nb, i - nb));
    while (i < n && is_ows(v[i])) ++i;
    bool has_value = false;
    std::string value;
    if (i < n && v[i] == '=') {
      has_value = true;
      ++i;
      while (i < n && is_ows(v[i])) ++i;
      if (i < n && v[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          unsigned char c = static_cast<unsigned char>(v[i]);
          if (c == '"') { closed = true; ++i; break; }
          if (c == '\\') {
            if (i + 1 >= n) break;
            value += v[i + 1];
            i += 2;
            continue;
          }
          if (c < 0x20 && c != '\t') break;
          if (c == 0x7F) break;
          value += static_cast<char>(c);
          ++i;
        }
        if (!closed) return herr("hsts_syntax", i, "unterminated quoted string in Strict-Transport-Security");
      } else {
        std::size_t vb = i;
        while (i < n && is_tchar(v[i])) ++i;
        if (i == vb) return herr("hsts_syntax", i, "directive '" + name + "=' has no value");
        value = std::string(v.substr(vb, i - vb));
      }
      while (i < n && is_ows(v[i])) ++i;
    }
    if (i < n && v[i] != ';')
      return herr("hsts_syntax", i, "unexpected character '" + shown(v.substr(i, 1)) + "' after directive " + name);
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return herr("hsts_duplicate_directive", nb, "directive " + name + " appears twice (RFC 6797 6.1: the header is then invalid)");
    seen.push_back(name);
    if (name == "max-age") {
      if (!has_value || value.empty() || !std::all_of(value.begin(), value.end(), is_digit))
        return herr("hsts_max_age_invalid", nb, "max-age must be a number of seconds");
      std::int64_t x = 0;
      for (char c : value) {
        if (x > (std::numeric_limits<std::int64_t>::max() - 9) / 10) { x = std::numeric_limits<std::int64_t>::max(); break; }
        x = x * 10 + (c - '0');
      }
      p.max_age = x;
      have_max_age = true;
    } else if (name == "includesubdomains") {
      if (has_value) return herr("hsts_directive_value", nb, "includeSubDomains takes no value");
      have_sub = true;
    } else if (name == "preload") {
      if (has_value) return herr("hsts_directive_value", nb, "preload takes no value");
      have_preload = true;
    } else {
      p.unknown.emplace_back(v.substr(nb, name.size()));
    }
  }
  if (!have_max_age) return herr("hsts_max_age_missing", 0, "max-age directive is required");
  p.include_subdomains = have_sub;
  p.preload = have_preload;
  return p;
}

std::string serialize(const hsts_policy& p) {
  std::string s = "max-age=" + std::to_string(p.max_age);
  if (p.include_subdomains) s += "; includeSubDomains";
  if (p.preload) s += "; preload";
  for (const auto& u : p.unknown) s += "; " + u;
  return s;
}

std::vector<verdict> audit_hsts(const std::vector<std::string>& values, const response_options& o) {
  std::vector<verdict> v;
  auto add = [&](const char* id, severity s, std::string r) { v.push_back({id, s, kHSTS, std::move(r)}); };
  if (values.empty()) {
    if (o.https)
      add("hsts.missing", severity::medium,
          "no Strict-Transport-Security on an https response: send max-age=31536000; includeSubDomains");
    return v;
  }
  if (!o.https) {
    add("hsts.over_http", severity::info, "Strict-Transport-Security is ignored by browsers on plain-HTTP responses");
    return v;
  }
  if (values.size() > 1)
    add("hsts.multiple_headers", severity::medium,
        std::to_string(values.size()) + " Strict-Transport-Security headers: browsers use only the first; send one");
  auto p = parse_hsts(values.front());
  if (!p) {
    add("hsts.invalid", severity::high,
        "browsers ignore this Strict-Transport-Security (" + p.err().message + "): fix the syntax");
    return v;
  }
  std::size_t before = v.size();
  if (p->max_age == 0)
    add("hsts.max_age_zero", severity::high, "max-age=0 removes the HSTS policy from browsers: use max-age=31536000");
  else if (p->max_age < o.hsts_min_max_age)
    add("hsts.max_age_too_low", severity::medium,
        "max-age=" + std::to_string(p->max_age) + " is below " + std::to_string(o.hsts_min_max_age) +
            " s: raise it (the Flask doc uses 31536000, one year)");
  if (!p->include_subdomains)
    add("hsts.no_include_subdomains", severity::low,
        "no includeSubDomains: subdomains can still be reached over plain HTTP; add it once they all serve https");
  if (p->preload && (p->max_age < 31536000 || !p->include_subdomains))
    add("hsts.preload_not_eligible", severity::low,
        "preload requested but the preload list needs max-age >= 31536000 and includeSubDomains");
  for (const auto& u : p->unknown)
    add("hsts.unknown_directive", severity::info, "unknown directive '" + shown(u) + "' is ignored");
  bool weak = std::any_of(v.begin() + static_cast<std::ptrdiff_t>(before), v.end(), [](const verdict& x) { return x.level >= severity::low; });
  if (!weak && !any_at_least(v, severity::low))
    add("hsts.ok", severity::info, "max-age=" + std::to_string(p->max_age) + (p->include_subdomains ? "; includeSubDomains" : "") +
                                       (p->preload ? "; preload" : "") + " meets the threshold");
  return v;
}

// ------------------------------------------------------------------------------------------------------
// CSP
// ------------------------------------------------------------------------------------------------------

const csp_directive* csp_policy::find(std::string_view name) const {
  for (const auto& d : directives)
    if (d.name == name) return &d;
  return nullptr;
}

csp_policy parse_csp_policy(std::string_view s, bool report_only) {
  csp_policy p;
  p.report_only = report_only;
  std::size_t b = 0;
  while (b <= s.size()) {
    std::size_t semi = s.find(';', b);
    std::string_view tok = trim_ascii_ws(s.substr(b, semi == std::string_view::npos ? std::string_view::npos : semi - b));
    b = semi == std::string_view::npos ? s.size() + 1 : semi + 1;
    if (tok.empty()) continue;
    if (std::any_of(tok.begin(), tok.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
      ++p.skipped_tokens;
      continue;
    }
    std::size_t k = 0;
    while (k < tok.size() && !is_ascii_ws(tok[k])) ++k;
    csp_directive d;
    d.name = lower(tok.substr(0, k));
    if (p.find(d.name)) {
      p.duplicates.push_back(d.name);
      continue;
    }
    while (k < tok.size()) {
      while (k < tok.size() && is_ascii_ws(tok[k])) ++k;
      std::size_t vb = k;
      while (k < tok.size() && !is_ascii_ws(tok[k])) ++k;
      if (k > vb) d.values.emplace_back(tok.substr(vb, k - vb));
    }
    p.directives.push_back(std::move(d));
  }
  return p;
}

std::vector<csp_policy> parse_csp(std::string_view header_value, bool report_only) {
  std::vector<csp_policy> out;
  std::size_t b = 0;
  while (b <= header_value.size()) {
    std::size_t c = header_value.find(',', b);
    std::string_view part = header_value.substr(b, c == std::string_view::npos ? std::string_view::npos : c - b);
    b = c == std::string_view::npos ? header_value.size() + 1 : c + 1;
    csp_policy p = parse_csp_policy(part, report_only);
    if (!p.directives.empty() || !p.duplicates.empty() || p.skipped_tokens) out.push_back(std::move(p));
  }
  return out;
}

std::string serialize(const csp_policy& p) {
  std::string s;
  for (const auto& d : p.directives) {
    if (!s.empty()) s += "; ";
    s += d.name;
    for (const auto& v : d.values) {
      s += ' ';
      s += v;
    }
  }
  return s;
}

namespace {

enum class src_kind { keyword, nonce, hash, scheme, host, invalid };
struct source {
  src_kind kind = src_kind::invalid;
  std::string keyword;  // lower-cased, with quotes
  std::string scheme;   // lower-cased, without ':'
  std::string host;     // lower-cased
  std::string nonce;
};

bool is_base64_value(std::string_view s) {
  std::size_t k = 0;
  while (k < s.size() && (is_alpha(s[k]) || is_digit(s[k]) || s[k] == '+' || s[k] == '/' || s[k] == '-' || s[k] == '_')) ++k;
  if (k == 0) return false;
  std::size_t pad = 0;
  while (k < s.size() && s[k] == '=' && pad < 2) { ++k; ++pad; }
  return k == s.size();
}

bool is_scheme_token(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.'; });
}

source classify(std::string_view e) {
  source s;
  if (e.size() >= 2 && e.front() == '\'' && e.back() == '\'') {
    std::string l = lower(e);
    static constexpr std::array<std::string_view, 9> kw = {"'self'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'",
                                                           "'unsafe-hashes'", "'report-sample'", "'unsafe-allow-redirects'",
                                                           "'wasm-unsafe-eval'", "'none'"};
    if (std::find(kw.begin(), kw.end(), l) != kw.end()) {
      s.kind = src_kind::keyword;
      s.keyword = l;
      return s;
    }
    std::string_view inner = e.substr(1, e.size() - 2);
    if (starts_with_ci(inner, "nonce-") && is_base64_value(inner.substr(6))) {
      s.kind = src_kind::nonce;
      s.nonce = std::string(inner.substr(6));
      return s;
    }
    for (std::string_view h : {"sha256-", "sha384-", "sha512-"})
      if (starts_with_ci(inner, h) && is_base64_value(inner.substr(h.size()))) {
        s.kind = src_kind::hash;
        return s;
      }
    return s;
  }
  if (e.size() >= 2 && e.back() == ':' && is_scheme_token(e.substr(0, e.size() - 1))) {
    s.kind = src_kind::scheme;
    s.scheme = lower(e.substr(0, e.size() - 1));
    return s;
  }
  // host-source = [ scheme-part "://" ] host-part [ ":" port-part ] [ path-part ]
  std::string_view rest = e;
  std::size_t sep = rest.find("://");
  if (sep != std::string_view::npos) {
    if (!is_scheme_token(rest.substr(0, sep))) return s;
    s.scheme = lower(rest.substr(0, sep));
    rest = rest.substr(sep + 3);
  }
  std::size_t hend = 0;
  while (hend < rest.size() && rest[hend] != ':' && rest[hend] != '/') ++hend;
  std::string_view host = rest.substr(0, hend);
  if (host.empty()) return s;
  if (host != "*") {
    std::string_view h = host;
    if (h.substr(0, 2) == "*.") h.remove_prefix(2);
    if (!h.empty() && h.back() == '.') h.remove_suffix(1);
    if (h.empty()) return s;
    std::size_t lb = 0;
    while (lb <= h.size()) {
      std::size_t d = h.find('.', lb);
      std::string_view label = h.substr(lb, d == std::string_view::npos ? std::string_view::npos : d - lb);
      if (label.empty() || !std::all_of(label.begin(), label.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; }))
        return s;
      lb = d == std::string_view::npos ? h.size() + 1 : d + 1;
    }
  }
  rest = rest.substr(hend);
  if (!rest.empty() && rest[0] == ':') {
    std::size_t pe = 1;
    while (pe < rest.size() && rest[pe] != '/') ++pe;
    std::string_view port = rest.substr(1, pe - 1);
    if (!(port == "*" || (!port.empty() && std::all_of(port.begin(), port.end(), is_digit)))) return s;
    rest = rest.substr(pe);
  }
  if (!rest.empty() && (rest[0] != '/' || rest.find_first_of(",;") != std::string_view::npos)) return s;
  s.kind = src_kind::host;
  s.host = lower(host);
  return s;
}

// Effective source list of `directive` in `p` following CSP3 fallback; nullptr when unrestricted.
const csp_directive* effective(const csp_policy& p, std::string_view directive) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> chains = {
      {"script-src-elem", {"script-src-elem", "script-src", "default-src"}},
      {"script-src-attr", {"script-src-attr", "script-src", "default-src"}},
      {"script-src", {"script-src", "default-src"}},
      {"style-src-elem", {"style-src-elem", "style-src", "default-src"}},
      {"style-src-attr", {"style-src-attr", "style-src", "default-src"}},
      {"style-src", {"style-src", "default-src"}},
      {"object-src", {"object-src", "default-src"}},
  };
  for (const auto& [name, chain] : chains)
    if (name == directive) {
      for (auto c : chain)
        if (const auto* d = p.find(c)) return d;
      return nullptr;
    }
  if (const auto* d = p.find(directive)) return d;
  if (directive == "base-uri" || directive == "form-action" || directive == "frame-ancestors" || directive == "sandbox")
    return nullptr;
  return p.find("default-src");
}

struct list_facts {
  bool none_only = false;
  bool unsafe_inline = false, unsafe_eval = false, unsafe_hashes = false, strict_dynamic = false, self = false;
  bool nonce_or_hash = false, any_host = false, data = false, http = false;
  bool short_nonce = false;
  std::vector<std::string> invalid;
};

list_facts facts(const csp_directive& d) {
  list_facts f;
  f.none_only = d.values.empty();
  std::size_t meaningful = 0;
  bool has_none = false;
  for (const auto& v : d.values) {
    source s = classify(v);
    switch (s.kind) {
      case src_kind::keyword:
        if (s.keyword == "'none'") { has_none = true; continue; }
        if (s.keyword == "'unsafe-inline'") f.unsafe_inline = true;
        else if (s.keyword == "'unsafe-eval'") f.unsafe_eval = true;
        else if (s.keyword == "'unsafe-hashes'") f.unsafe_hashes = true;
        else if (s.keyword == "'strict-dynamic'") f.strict_dynamic = true;
        else if (s.keyword == "'self'") f.self = true;
        break;
      case src_kind::nonce:
        f.nonce_or_hash = true;
        if (s.nonce.size() < 8) f.short_nonce = true;
        break;
      case src_kind::hash: f.nonce_or_hash = true; break;
      case src_kind::scheme:
        if (s.scheme == "https" || s.scheme == "http") f.any_host = true;
        if (s.scheme == "http") f.http = true;
        if (s.scheme == "data") f.data = true;
        break;
      case src_kind::host:
        if (s.host == "*") f.any_host = true;
        if (s.scheme == "http") f.http = true;
        break;
      case src_kind::invalid: f.invalid.push_back(v); continue;
    }
    ++meaningful;
  }
  if (has_none && meaningful == 0) f.none_only = true;
  return f;
}

bool allows_inline(const list_facts& f) { return !f.none_only && f.unsafe_inline && !f.nonce_or_hash && !f.strict_dynamic; }
bool hosts_ignored(const list_facts& f) { return f.strict_dynamic; }

const std::vector<std::string_view>& known_directives() {
  static const std::vector<std::string_view> k = {
      "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "style-src-elem",
      "style-src-attr", "img-src", "font-src", "connect-src", "media-src", "object-src", "frame-src", "child-src",
      "worker-src", "manifest-src", "base-uri", "form-action", "frame-ancestors", "sandbox",
      "upgrade-insecure-requests", "report-uri", "report-to", "require-trusted-types-for", "trusted-types",
      "webrtc", "fenced-frame-src"};
  return k;
}
const std::vector<std::string_view>& deprecated_directives() {
  static const std::vector<std::string_view> k = {"block-all-mixed-content", "plugin-types", "referrer", "reflected-xss",
                                                  "prefetch-src", "navigate-to", "require-sri-for", "disown-opener"};
  return k;
}

}  // namespace

csp_script_summary summarize_scripts(const std::vector<csp_policy>& enforced) {
  csp_script_summary s;
  for (const auto& p : enforced) {
    const auto* elem = effective(p, "script-src-elem");
    const auto* attr = effective(p, "script-src-attr");
    const auto* main = effective(p, "script-src");
    if (!elem && !attr && !main) continue;  // this policy does not restrict scripts
    s.restricted = true;
    bool inl = false, ev = true, any = true, data = true, http = true;
    if (elem || attr) {
      bool elem_inline = !elem || allows_inline(facts(*elem));
      bool attr_inline = !attr || allows_inline(facts(*attr));
      inl = elem_inline || attr_inline;
    }
    if (main) {
      list_facts f = facts(*main);
      ev = !f.none_only && f.unsafe_eval;
      s.uses_nonce_or_hash |= f.nonce_or_hash;
      s.strict_dynamic |= f.strict_dynamic;
    }
    if (elem) {
      list_facts f = facts(*elem);
      s.uses_nonce_or_hash |= f.nonce_or_hash;
      bool ignored = hosts_ignored(f) || f.none_only;
      any = !ignored && f.any_host;
      data = !ignored && f.data;
      http = !ignored && f.http;
    }
    s.inline_allowed = s.inline_allowed && inl;
    s.eval_allowed = s.eval_allowed && ev;
    s.any_host = s.any_host && any;
    s.data_allowed = s.data_allowed && data;
    s.http_allowed = s.http_allowed && http;
  }
  return s;
}

std::vector<verdict> audit_csp(const std::vector<std::string>& enforced_values, const std::vector<std::string>& ro_values,
                               const response_options&) {
  std::vector<verdict> v;
  auto add = [&](const char* id, severity s, std::string r) { v.push_back({id, s, kCSP, std::move(r)}); };
  std::vector<csp_policy> enforced, ro;
  for (const auto& x : enforced_values)
    for (auto& p : parse_csp(x, false)) enforced.push_back(std::move(p));
  for (const auto& x : ro_values)
    for (auto& p : parse_csp(x, true)) ro.push_back(std::move(p));
  if (enforced.empty()) {
    if (!ro.empty())
      v.push_back({"csp.report_only_only", severity::medium, kCSPRO,
                   "only Content-Security-Policy-Report-Only is sent: it reports but never blocks; also send "
                   "Content-Security-Policy"});
    else if (!enforced_values.empty())
      add("csp.empty_policy", severity::medium, "Content-Security-Policy holds no directive: nothing is restricted");
    else
      add("csp.missing", severity::medium, "no Content-Security-Policy: send at least default-src 'self'; object-src 'none'");
    return v;
  }

  bool short_nonce = false, sd_without_nonce = false, unsafe_hashes = false, inline_fallback = false,
       self_script = false, style_inline = false, other_http = false;
  std::vector<std::string> reported_unknown, reported_deprecated, reported_invalid;
  for (const auto& p : enforced) {
    if (p.directives.empty() && p.skipped_tokens == 0)
      add("csp.empty_policy", severity::low, "a comma-separated policy has no directive");
    for (const auto& d : p.duplicates)
      add("csp.duplicate_directive", severity::low, "directive " + d + " repeated: browsers ignore all but the first");
    if (p.skipped_tokens)
      add("csp.non_ascii", severity::low, "a directive with non-ASCII characters is ignored by browsers");
    for (const auto& d : p.directives) {
      const auto& known = known_directives();
      const auto& dep = deprecated_directives();
      if (std::find(dep.begin(), dep.end(), d.name) != dep.end()) {
        if (std::find(reported_deprecated.begin(), reported_deprecated.end(), d.name) == reported_deprecated.end()) {
          reported_deprecated.push_back(d.name);
          add("csp.deprecated_directive", severity::info, "directive " + d.name + " is deprecated and ignored by current browsers");
        }
      } else if (std::find(known.begin(), known.end(), d.name) == known.end()) {
        if (std::find(reported_unknown.begin(), reported_unknown.end(), d.name) == reported_unknown.end()) {
          reported_unknown.push_back(d.name);
          add("csp.unknown_directive", severity::low, "unknown directive '" + shown(d.name) + "' is ignored (typo?)");
        }
      }
      bool is_source_list = d.name.size() > 4 && (d.name.substr(d.name.size() - 4) == "-src" ||
                                                   d.name.substr(d.name.size() - 5) == "-elem" ||
                                                   d.name.substr(d.name.size() - 5) == "-attr") ;
      is_source_list = is_source_list || d.name == "base-uri" || d.name == "form-action" || d.name == "frame-ancestors";
      if (!is_source_list) continue;
      list_facts f = facts(d);
      for (const auto& inv : f.invalid)
        if (std::find(reported_invalid.begin(), reported_invalid.end(), inv) == reported_invalid.end() && reported_invalid.size() < 8) {
          reported_invalid.push_back(inv);
          add("csp.invalid_source", severity::low, "source '" + shown(inv) + "' in " + d.name + " is not valid CSP and is ignored");
        }
      short_nonce |= f.short_nonce;
      bool script_dir = d.name.rfind("script-src", 0) == 0 || d.name == "default-src";
      if (script_dir) {
        if (f.strict_dynamic && !f.nonce_or_hash) sd_without_nonce = true;
        if (f.unsafe_hashes) unsafe_hashes = true;
        if (f.unsafe_inline && (f.nonce_or_hash || f.strict_dynamic)) inline_fallback = true;
      }
      if (!script_dir && d.name.rfind("style-src", 0) != 0 && f.http) other_http = true;
    }
    if (const auto* sd = effective(p, "script-src")) {
      list_facts f = facts(*sd);
      if (f.self && !f.strict_dynamic) self_script = true;
    }
    if (const auto* st = effective(p, "style-src")) {
      list_facts f = facts(*st);
      if (allows_inline(f)) style_inline = true;
      if (f.http) other_http = true;
    }
  }

  csp_script_summary s = summarize_scripts(enforced);
  if (!s.restricted) {
    add("csp.script_src_missing", severity::high,
        "no script-src or default-src: scripts from anywhere (and inline) are allowed; add default-src 'self'");
  } else {
    if (s.inline_allowed)
      add("csp.unsafe_inline", severity::high,
          "'unsafe-inline' in script-src allows injected inline scripts: use nonces or hashes instead");
    else if (inline_fallback)
      add("csp.unsafe_inline_fallback", severity::info,
          "'unsafe-inline' is ignored because nonces/hashes/'strict-dynamic' are present (fallback for old browsers)");
    if (s.eval_allowed) add("csp.unsafe_eval", severity::medium, "'unsafe-eval' in script-src allows eval(): remove it");
    if (unsafe_hashes) add("csp.unsafe_hashes", severity::medium, "'unsafe-hashes' allows inline event handlers: remove it");
    if (s.any_host)
      add("csp.script_wildcard", severity::high,
          "script-src allows any host ('*', https: or http:): list the hosts, or use nonces with 'strict-dynamic'");
    if (s.data_allowed) add("csp.script_data", severity::high, "data: in script-src allows injected scripts: remove it");
    if (s.http_allowed)
      add("csp.insecure_source", severity::high, "script-src allows http: sources, which an attacker on the network can replace");
    if (sd_without_nonce)
      add("csp.strict_dynamic_without_nonce", severity::medium,
          "'strict-dynamic' without a nonce or hash blocks every script in current browsers: add nonces");
    if (self_script && !s.any_host)
      add("csp.self_in_script_src", severity::low,
          "'self' in script-src is bypassable if the origin serves JSONP, AngularJS or user uploads");
  }
  if (short_nonce) add("csp.nonce_too_short", severity::medium, "a nonce shorter than 8 characters can be guessed: use 128 random bits");

  // object-src (plugins): unrestricted only if no policy restricts it
  bool obj_restricted = false, obj_any = true, obj_data = true;
  for (const auto& p : enforced)
    if (const auto* d = effective(p, "object-src")) {
      obj_restricted = true;
      list_facts f = facts(*d);
      obj_any = obj_any && !f.none_only && f.any_host;
      obj_data = obj_data && !f.none_only && f.data;
    }
  if (!obj_restricted)
    add("csp.object_src_missing", severity::high, "no object-src or default-src: plugins can load from anywhere; add object-src 'none'");
  else if (obj_any || obj_data)
    add("csp.object_src_unsafe", severity::high, "object-src allows any host or data: URLs; use object-src 'none'");

  bool base_restricted = false, base_any = true;
  for (const auto& p : enforced)
    if (const auto* d = p.find("base-uri")) {
      base_restricted = true;
      list_facts f = facts(*d);
      base_any = base_any && !f.none_only && (f.any_host || f.data);
    }
  if (!base_restricted && (s.uses_nonce_or_hash || s.strict_dynamic))
    add("csp.base_uri_missing", severity::medium,
        "nonces are used without base-uri: an injected <base> can redirect relative scripts; add base-uri 'none'");
  else if (base_restricted && base_any)
    add("csp.base_uri_unsafe", severity::high, "base-uri allows any host: use base-uri 'self' or 'none'");

  if (style_inline)
    add("csp.unsafe_inline_style", severity::low, "'unsafe-inline' in style-src allows injected styles (CSS exfiltration)");
  if (other_http)
    add("csp.insecure_source", severity::low, "http: sources for passive content (images, styles, media) can be tampered with");

  bool fa_present = false, fa_any = true;
  for (const auto& p : enforced)
    if (const auto* d = p.find("frame-ancestors")) {
      fa_present = true;
      list_facts f = facts(*d);
      fa_any = fa_any && !f.none_only && f.any_host;
    }
  if (fa_present && fa_any)
    add("csp.frame_ancestors_wildcard", severity::medium, "frame-ancestors allows any site to frame the page: use 'self' or 'none'");
  bool form_action = std::any_of(enforced.begin(), enforced.end(), [](const csp_policy& p) { return p.find("form-action") != nullptr; });
  if (!form_action)
    add("csp.form_action_missing", severity::info, "no form-action: forms may post anywhere (form-action has no fallback)");
  if (!ro.empty())
    v.push_back({"csp.report_only", severity::info, kCSPRO, "a Report-Only policy is also sent; it never enforces"});
  if (!any_at_least(v, severity::low)) add("csp.ok", severity::info, "the enforced policy restricts scripts and plugins");
  return v;
}

// ------------------------------------------------------------------------------------------------------
// X-Frame-Options, X-Content-Type-Options, Referrer-Policy
// ------------------------------------------------------------------------------------------------------

std::vector<verdict> audit_x_frame_options(const std::vector<std::string>& values,
                                           const std::vector<std::string>& enforced_csp_values) {
  std::vector<verdict> v;
  auto add = [&](const char* id, severity s, std::string r) { v.push_back({id, s, kXFO, std::move(r)}); };
  bool fa_present = false, fa_any = true, fa_none = true;
  for (const auto& x : enforced_csp_values)
    for (const auto& p : parse_csp(x))
      if (const auto* d = p.find("frame-ancestors")) {
        fa_present = true;
        list_facts f = facts(*d);
        fa_any = fa_any && !f.none_only && f.any_host;
        fa_none = fa_none && f.none_only;
      }
  if (values.empty()) {
    if (fa_present && !fa_any) add("xfo.ok", severity::info, "no X-Frame-Options, but CSP frame-ancestors restricts framing");
    else add("xfo.missing", severity::medium, "no X-Frame-Options (or CSP frame-ancestors): the page can be framed (clickjacking); send SAMEORIGIN");
    return v;
  }
  std::vector<std::string> raw = split_values(values), distinct;
  for (auto& r : raw) {
    std::string l = lower(r);
    if (std::find(distinct.begin(), distinct.end(), l) == distinct.end()) distinct.push_back(l);
  }
  bool protective = false;
  std::string eff;
  if (distinct.size() > 1) {
    bool blocks = std::any_of(distinct.begin(), distinct.end(), [](const std::string& x) { return x == "deny" || x == "sameorigin" || x == "allowall"; });
    if (blocks) {
      add("xfo.conflicting", severity::low, "several different X-Frame-Options values: browsers then refuse all framing; send one value");
      protective = true;
      eff = "deny";
    } else {
      add("xfo.invalid", severity::medium, "X-Frame-Options values are not DENY or SAMEORIGIN: browsers ignore them");
    }
  } else {
    eff = distinct.front();
    if (raw.size() > 1) add("xfo.multiple_values", severity::low, "X-Frame-Options is repeated; send it once");
    if (eff == "deny" || eff == "sameorigin") protective = true;
    else if (eff.rfind("allow-from", 0) == 0)
      add("xfo.allow_from", severity::medium, "ALLOW-FROM is obsolete and ignored by current browsers: use CSP frame-ancestors");
    else
      add("xfo.invalid", severity::medium, "X-Frame-Options '" + shown(raw.front()) + "' is not DENY or SAMEORIGIN: browsers ignore it");
  }
  if (fa_present) {
    if (fa_any && protective)
      add("xfo.frame_ancestors_conflict", severity::medium,
          "CSP frame-ancestors allows any site and overrides X-Frame-Options: restrict frame-ancestors");
    else if (protective && ((eff == "deny") != fa_none))
      add("xfo.frame_ancestors_conflict", severity::info,
          "X-Frame-Options and CSP frame-ancestors disagree; browsers follow frame-ancestors");
  }
  if (!any_at_least(v, severity::low)) add("xfo.ok", severity::info, "framing restricted (" + eff + ")");
  return v;
}

std::vector<verdict> audit_x_content_type_options(const std::vector<std::string>& values) {
  std::vector<verdict> v;
  auto add = [&](const char* id, severity s, std::string r) { v.push_back({id, s, kXCTO, std::move(r)}); };
  if (values.empty()) {
    add("xcto.missing", severity::low, "no X-Content-Type-Options: browsers may sniff uploads as HTML; send nosniff");
    return v;
  }
  std::vector<std::string> raw = split_values(values);
  if (!iequals(raw.front(), "nosniff"))
    add("xcto.invalid", severity::low, "X-Content-Type-Options '" + shown(raw.front()) + "' is not nosniff: browsers ignore it");
  if (raw.size() > 1) add("xcto.multiple_values", severity::low, "X-Content-Type-Options has several values; only the first counts");
  if (v.empty()) add("xcto.ok", severity::info, "nosniff");
  return v;
}

std::vector<verdict> audit_referrer_policy(const std::vector<std::string>& values) {
  std::vector<verdict> v;
  auto add = [&](const char* id, severity s, std::string r) { v.push_back({id, s, kRP, std::move(r)}); };
  if (values.empty()) {
    add("referrer.missing", severity::info, "no Referrer-Policy: browsers default to strict-origin-when-cross-origin");
    return v;
  }
  static constexpr std::array<std::string_view, 8> valid = {"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin",
                                                            "strict-origin", "origin-when-cross-origin",
                                                            "strict-origin-when-cross-origin", "unsafe-url"};
  std::string policy;
  for (const auto& t : split_values(values)) {
    std::string l = lower(t);
    if (std::find(valid.begin(), valid.end(), l) != valid.end()) policy = l;
  }
  if (policy.empty()) {
    add("referrer.invalid", severity::low, "Referrer-Policy has no recognised value and is ignored: use strict-origin-when-cross-origin");
  } else if (policy == "unsafe-url") {
    add("referrer.unsafe", severity::medium, "unsafe-url sends full URLs (with query strings) to other sites, even over http");
  } else if (policy == "no-referrer-when-downgrade" || policy == "origin" || policy == "origin-when-cross-origin") {
    add("referrer.unsafe", severity::low, policy + " leaks the origin or URL to other sites or over http: use strict-origin-when-cross-origin");
  } else {
    add("referrer.ok", severity::info, policy);
  }
  return v;
}

std::vector<verdict> audit_response(const header_list& h, const response_options& o) {
  std::vector<verdict> v;
  auto append = [&](std::vector<verdict> x) { v.insert(v.end(), std::make_move_iterator(x.begin()), std::make_move_iterator(x.end())); };
  const auto csp = get_all(h, kCSP);
  append(audit_hsts(get_all(h, kHSTS), o));
  append(audit_csp(csp, get_all(h, kCSPRO), o));
  append(audit_x_frame_options(get_all(h, kXFO), csp));
  append(audit_x_content_type_options(get_all(h, kXCTO)));
  append(audit_referrer_policy(get_all(h, kRP)));
  for (const auto& x : get_all(h, "X-XSS-Protection"))
    if (trim_ows(x) != "0")
      v.push_back({"xxss.deprecated", severity::info, "X-XSS-Protection",
                   "X-XSS-Protection is ignored by current browsers (and was exploitable); send 0 or omit it"});
  cookie::audit_options co;
  co.https = o.https;
  co.max_lifetime = o.cookie_max_lifetime;
  co.now = o.now;
  co.max_size = o.max_cookie_size;
  // HTTP Observatory: a cookie without Secure weighs less when the site sends a valid HSTS policy (browsers then
  // never make the plain-HTTP request that would carry it): one severity level down.
  const auto hsts = get_all(h, kHSTS);
  bool hsts_active = false;
  if (o.https && !hsts.empty())
    if (auto p = parse_hsts(hsts.front()); p && p->max_age > 0) hsts_active = true;
  for (const auto& line : get_all(h, "Set-Cookie")) {
    auto cv = cookie::audit_set_cookie(line, co);
    if (hsts_active)
      for (auto& x : cv)
        if (x.id == "cookie.no_secure") {
          x.level = static_cast<severity>(static_cast<int>(x.level) - 1);
          x.reason += " (HSTS on this site limits the exposure)";
        }
    append(std::move(cv));
  }
  return v;
}

}  // namespace websec::headers
