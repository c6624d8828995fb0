// Flask-WTF CSRF tokens and a double-submit token (see websec/csrf.hpp).
#include "websec/csrf.hpp"

#include "websec/serializer.hpp"

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
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
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
struct origin {
  std::string scheme, host;
  std::optional<long> port;
  bool bad_port = false;
};
// urllib.parse.urlparse(u).scheme / .hostname / .port
origin parse_origin(std::string_view u) {
  origin o;
  size_t colon = u.find(':');
  bool scheme_ok = colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(u[0]));
  for (size_t i = 0; scheme_ok && i < colon; ++i) {
    char c = u[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) scheme_ok = false;
  }
  std::string_view rest = u;
  if (scheme_ok) {
    for (size_t i = 0; i < colon; ++i) o.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(u[i]))));
    rest = u.substr(colon + 1);
  }
  if (rest.substr(0, 2) != "//") return o;
  rest.remove_prefix(2);
  size_t end = rest.find_first_of("/?#");
  std::string_view netloc = rest.substr(0, end);
  size_t at = netloc.rfind('@');
  std::string_view hostport = at == std::string_view::npos ? netloc : netloc.substr(at + 1);
  std::string_view host = hostport, port;
  if (!hostport.empty() && hostport[0] == '[') {
    size_t rb = hostport.find(']');
    host = hostport.substr(1, rb == std::string_view::npos ? std::string_view::npos : rb - 1);
    if (rb != std::string_view::npos && rb + 1 < hostport.size() && hostport[rb + 1] == ':') port = hostport.substr(rb + 2);
  } else {
    size_t pc = hostport.find(':');
    if (pc != std::string_view::npos) {
      host = hostport.substr(0, pc);
      port = hostport.substr(pc + 1);
    }
  }
  for (char c : host) o.host.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (!port.empty()) {
    long v = 0;
    bool ok = port.size() <= 9;
    for (char c : port)
      if (c < '0' || c > '9') ok = false;
    if (ok)
      for (char c : port) v = v * 10 + (c - '0');
    if (!ok || v > 65535)
      o.bad_port = true;
    else
      o.port = v;
  }
  return o;
}
}  // namespace

std::optional<error> check_referrer(const config& c, bool is_secure, std::optional<std::string_view> referer,
                                    std::string_view host) {
  if (!is_secure || !c.ssl_strict) return std::nullopt;
  if (!referer || referer->empty()) return csrf_error(messages::referrer_missing);
  origin a = parse_origin(*referer);
  origin b = parse_origin("https://" + std::string(host) + "/");
  if (a.bad_port || b.bad_port) return error{"ValueError", 0, "Port could not be cast to integer value", 500};
  if (a.scheme != b.scheme || a.host != b.host || a.port != b.port) return csrf_error(messages::referrer_mismatch);
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
