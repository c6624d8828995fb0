// Flask-WTF CSRF tokens and a double-submit token (see websec/csrf.hpp).
#include "websec/csrf.hpp"

#include "websec/serializer.hpp"

#include "text_util.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <cstring>

namespace websec::csrf {

namespace {
serializer::serializer make_serializer(const config& c) {
  serializer::options o;
  o.secret_keys = {c.secret_key};
  o.salt = std::string(salt);
  o.url_safe = true;
  o.timed = true;
  auto s = serializer::serializer::make(std::move(o));
  return s ? std::move(s.value()) : serializer::serializer();
}
error csrf_error(std::string_view msg, int status = 400, std::string kind = "CSRFError") {
  return error{std::move(kind), 0, std::string(msg), status};
}
using websec::detail::iequals;
}  // namespace

std::string generate_raw_token() {
  unsigned char rnd[64];
  if (RAND_bytes(rnd, sizeof rnd) != 1) std::abort();  // no entropy: refuse to make a guessable token
  std::string d = signing::hash(signing::digest::sha1, std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

std::string sign_token(const config& c, std::string_view raw, std::uint64_t ts) {
  auto s = make_serializer(c);
  auto r = s.dumps(json::value::string(std::string(raw)), ts);
  return r ? std::move(r.value()) : std::string();
}

std::optional<error> validate(const config& c, std::string_view submitted, std::optional<std::string_view> session_raw,
                              std::int64_t now) {
  if (submitted.empty()) return csrf_error(messages::missing);
  if (!session_raw) return csrf_error(messages::session_missing);
  auto s = make_serializer(c);
  auto r = s.loads(submitted, c.time_limit, now);
  if (!r) {
    if (r.err().kind == "SignatureExpired") return csrf_error(messages::expired);
    if (signing::is_a(r.err().kind, "BadData")) return csrf_error(messages::invalid);
    return error{r.err().kind, 0, r.err().message, 500};  // e.g. datetime overflow escapes flask-wtf
  }
  const json::value& token = r->value;
  if (token.kind() != json::kind::string)
    return error{"TypeError", 0, "unsupported operand types(s) or combination of types: 'str' and '" +
                                     std::string(token.kind() == json::kind::integer ? "int" : "object") + "'",
                 500};
  // hmac.compare_digest on two str: both must be ASCII, else TypeError.
  for (unsigned char ch : token.str())
    if (ch >= 0x80) return error{"TypeError", 0, "comparing strings with non-ASCII characters is not supported", 500};
  for (unsigned char ch : *session_raw)
    if (ch >= 0x80) return error{"TypeError", 0, "comparing strings with non-ASCII characters is not supported", 500};
  if (!signing::constant_time_equal(*session_raw, token.str())) return csrf_error(messages::mismatch);
  return std::nullopt;
}

std::string find_token(const std::vector<std::pair<std::string, std::string>>& form,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  // request.form.get(field_name): the first value of that key
  for (const auto& [k, v] : form)
    if (k == field_name) {
      if (!v.empty()) return v;
      break;
    }
  // for key in request.form (unique keys in order): request.form[key] is the first value
  std::vector<std::string_view> seen;
  for (const auto& [k, v] : form) {
    bool dup = false;
    for (auto s : seen)
      if (s == k) dup = true;
    if (dup) continue;
    seen.push_back(k);
    if (k.size() >= field_name.size() && k.compare(k.size() - field_name.size(), field_name.size(), field_name) == 0 &&
        !v.empty())
      return v;
  }
  for (auto name : header_names)
    for (const auto& [k, v] : headers)
      if (iequals(k, name)) {
        if (!v.empty()) return v;
        break;  // headers.get returns the first
      }
  return {};
}

bool is_protected_method(std::string_view method) {
  for (auto m : protected_methods)
    if (m == method) return true;
  return false;
}

namespace {
// urllib.parse.urlparse(u) as far as same_origin() looks at it: scheme, netloc, then the lazy .hostname and
// .port properties (CPython 3.11 with Debian's backports: C0/space lstrip, TAB/CR/LF removal, bracketed-host
// validation). Header text is a WSGI latin-1 str, so every byte is one code point.
struct origin {
  std::string scheme;
  std::optional<std::string> hostname;  ///< .hostname: None when empty; lowered before '%'
  std::optional<std::string> port;      ///< the port text of _hostinfo (None when empty)
  bool invalid = false;                 ///< urlparse itself raised ValueError ("Invalid IPv6 URL", bad address)
};

bool ascii_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool ascii_hex(unsigned char c) { return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// str.lower() of a latin-1 code point
char latin1_lower(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) return static_cast<char>(c + 0x20);
  return ch;
}

// ipaddress.IPv4Address(s) accepts s
bool ipv4_ok(std::string_view s) {
  int octets = 0;
  std::size_t b = 0;
  while (true) {
    std::size_t e = s.find('.', b);
    std::string_view o = s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    if (o.empty() || o.size() > 3) return false;
    for (unsigned char c : o)
      if (!ascii_digit(c)) return false;
    if (o.size() > 1 && o[0] == '0') return false;
    int v = 0;
    for (char c : o) v = v * 10 + (c - '0');
    if (v > 255) return false;
    ++octets;
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return octets == 4;
}

// ipaddress.IPv6Address(s) accepts s (scope id after '%' allowed, non-empty, without another '%')
bool ipv6_ok(std::string_view s) {
  if (std::size_t pc = s.find('%'); pc != std::string_view::npos) {
    std::string_view scope = s.substr(pc + 1);
    if (scope.empty() || scope.find('%') != std::string_view::npos) return false;
    s = s.substr(0, pc);
  }
  if (s.empty()) return false;
  std::vector<std::string_view> parts;
  for (std::size_t b = 0;;) {
    std::size_t e = s.find(':', b);
    parts.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  if (parts.size() < 3) return false;
  if (parts.back().find('.') != std::string_view::npos) {
    if (!ipv4_ok(parts.back())) return false;
    parts.pop_back();
    parts.push_back("0");  // two hextets stand for the IPv4 address
    parts.push_back("0");
  }
  if (parts.size() > 9) return false;
  std::optional<std::size_t> skip;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i)
    if (parts[i].empty()) {
      if (skip) return false;
      skip = i;
    }
  std::size_t hi, lo;
  if (skip) {
    hi = *skip;
    lo = parts.size() - *skip - 1;
    if (parts.front().empty() && --hi) return false;
    if (parts.back().empty() && --lo) return false;
    if (hi + lo >= 8) return false;
  } else {
    if (parts.size() != 8 || parts.front().empty() || parts.back().empty()) return false;
    hi = parts.size();
    lo = 0;
  }
  auto hextet = [](std::string_view h) {
    if (h.empty() || h.size() > 4) return false;
    for (unsigned char c : h)
      if (!ascii_hex(c)) return false;
    return true;
  };
  for (std::size_t i = 0; i < hi; ++i)
    if (!hextet(parts[i])) return false;
  for (std::size_t i = parts.size() - lo; i < parts.size(); ++i)
    if (!hextet(parts[i])) return false;
  return true;
}

// urllib.parse._check_bracketed_host: IPvFuture (v<hex>.<anything>) or an IPv6 address
bool bracketed_host_ok(std::string_view h) {
  if (!h.empty() && h[0] == 'v') {
    std::size_t k = 1;
    while (k < h.size() && ascii_hex(static_cast<unsigned char>(h[k]))) ++k;
    return k > 1 && k < h.size() && h[k] == '.' && k + 1 < h.size() && h.find('\n') == std::string_view::npos;
  }
  return ipv6_ok(h);
}

origin parse_origin(std::string_view input) {
  origin o;
  std::string u;
  std::size_t b = 0;
  while (b < input.size() && static_cast<unsigned char>(input[b]) <= 0x20) ++b;  // lstrip C0 control or space
  for (char c : input.substr(b))
    if (c != '\t' && c != '\r' && c != '\n') u += c;  // _UNSAFE_URL_BYTES_TO_REMOVE
  std::string_view rest = u;
  std::size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 && ascii_alpha(static_cast<unsigned char>(rest[0]))) {
    bool ok = true;
    for (std::size_t i = 0; i < colon; ++i) {
      unsigned char c = static_cast<unsigned char>(rest[i]);
      if (!(ascii_alpha(c) || ascii_digit(c) || c == '+' || c == '-' || c == '.')) ok = false;
    }
    if (ok) {
      for (std::size_t i = 0; i < colon; ++i) o.scheme += latin1_lower(rest[i]);
      rest.remove_prefix(colon + 1);
    }
  }
  if (rest.substr(0, 2) != "//") return o;
  rest.remove_prefix(2);
  std::string_view netloc = rest.substr(0, rest.find_first_of("/?#"));
  const bool lb = netloc.find('[') != std::string_view::npos, rb = netloc.find(']') != std::string_view::npos;
  std::size_t at = netloc.rfind('@');
  std::string_view hostinfo = at == std::string_view::npos ? netloc : netloc.substr(at + 1);
  std::string_view host, port;
  if (std::size_t ob = hostinfo.find('['); ob != std::string_view::npos) {
    std::string_view bracketed = hostinfo.substr(ob + 1);
    std::size_t cb = bracketed.find(']');
    host = bracketed.substr(0, cb);
    std::string_view after = cb == std::string_view::npos ? std::string_view() : bracketed.substr(cb + 1);
    if (std::size_t pc = after.find(':'); pc != std::string_view::npos) port = after.substr(pc + 1);
    if (lb && rb && (ob != 0 || (!after.empty() && after[0] != ':'))) o.invalid = true;
  } else {
    std::size_t pc = hostinfo.find(':');
    host = hostinfo.substr(0, pc);
    if (pc != std::string_view::npos) port = hostinfo.substr(pc + 1);
  }
  if (lb != rb) o.invalid = true;
  if (lb && rb && !o.invalid && !bracketed_host_ok(host)) o.invalid = true;
  if (!host.empty()) {
    std::string h;
    std::size_t pct = host.find('%');
    for (std::size_t i = 0; i < host.size(); ++i) h += i < pct ? latin1_lower(host[i]) : host[i];
    o.hostname = std::move(h);
  }
  if (!port.empty()) o.port = std::string(port);
  return o;
}

// SplitResult.port: int, or ValueError
std::optional<error> port_value(const origin& o, std::optional<long>& out) {
  out.reset();
  if (!o.port) return std::nullopt;
  const std::string& p = *o.port;
  for (unsigned char c : p)
    if (!ascii_digit(c))
      return error{"ValueError", 0, "Port could not be cast to integer value as " + quote_input(p, quote_style::python_bytes).substr(1), 500};
  std::size_t nz = p.find_first_not_of('0');
  std::string_view digits = nz == std::string::npos ? std::string_view("0") : std::string_view(p).substr(nz);
  if (digits.size() > 5) return error{"ValueError", 0, "Port out of range 0-65535", 500};
  long v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  if (v > 65535) return error{"ValueError", 0, "Port out of range 0-65535", 500};
  out = v;
  return std::nullopt;
}
}  // namespace

std::optional<error> check_referrer(const config& c, bool is_secure, std::optional<std::string_view> referer,
                                    std::string_view host) {
  if (!is_secure || !c.ssl_strict) return std::nullopt;
  if (!referer || referer->empty()) return csrf_error(messages::referrer_missing);
  // flask_wtf.csrf.same_origin(request.referrer, f"https://{request.host}/"): both urlparse calls first (they may
  // raise), then scheme, hostname and port compared left to right with `and` (a port is only parsed — and may
  // raise — once scheme and hostname are equal).
  origin a = parse_origin(*referer);
  if (a.invalid) return error{"ValueError", 0, "Invalid IPv6 URL", 500};
  origin b = parse_origin("https://" + std::string(host) + "/");
  if (b.invalid) return error{"ValueError", 0, "Invalid IPv6 URL", 500};
  if (a.scheme != b.scheme || a.hostname != b.hostname) return csrf_error(messages::referrer_mismatch);
  std::optional<long> pa, pb;
  if (auto e = port_value(a, pa)) return e;
  if (auto e = port_value(b, pb)) return e;
  if (pa != pb) return csrf_error(messages::referrer_mismatch);
  return std::nullopt;
}

std::optional<error> protect(const config& c, std::string_view method,
                             const std::vector<std::pair<std::string, std::string>>& form,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             std::optional<std::string_view> session_raw, bool is_secure,
                             std::optional<std::string_view> referer, std::string_view host, std::int64_t now) {
  if (!is_protected_method(method)) return std::nullopt;
  if (auto e = validate(c, find_token(form, headers), session_raw, now)) return e;
  return check_referrer(c, is_secure, referer, host);
}

std::string generate_double_submit_token(std::size_t bytes) {
  std::string rnd(bytes, '\0');
  if (bytes && RAND_bytes(reinterpret_cast<unsigned char*>(rnd.data()), static_cast<int>(bytes)) != 1) std::abort();
  return signing::base64_encode(rnd);
}

bool double_submit_matches(std::string_view cookie_token, std::string_view submitted) {
  if (cookie_token.empty() || submitted.empty()) return false;
  return signing::constant_time_equal(cookie_token, submitted);
}

}  // namespace websec::csrf
