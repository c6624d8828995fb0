// csrf_fuzzer — Flask-WTF CSRF tokens (generate, validate, protect) and the HTTPS referrer check.
//
// Input layout:
//   byte 0  flags: bit0 WTF_CSRF_SSL_STRICT, bit1 request is https, bit2 no time limit (WTF_CSRF_TIME_LIMIT=None),
//           bit3 a session token is present, bit4 a Referer is present, bit5 the token travels in a header
//           (X-CSRFToken) instead of the form, bits6-7 the method (POST, GET, PUT, delete)
//   byte 1  time limit in minutes (0..255; 60 = Flask-WTF's 3600 s)
//   byte 2  clock offset: now = 1700000000 + (int8)byte2 * 60
//   byte 3  mutation of the library's own token: position = byte3 * 7, new byte = byte3 ^ 0x5A
//   then NUL-separated fields: secret key, submitted token (untrusted), session raw token, Referer, Host,
//   form body ("k=v&k2=v2"), request headers ("Name: value" lines), double-submit cookie token
// Invariants (abort on violation):
//   * every error is a CSRFError (400) with one of Flask-WTF's exact messages, or a 500 of the kinds Python
//     raises (TypeError from hmac.compare_digest, ValueError from urlparse / datetime)
//   * validation order: empty token -> "missing", no session -> "session missing"; a token whose signature does
//     not verify (checked here with the Signer directly) -> "invalid", never "expired" or accepted
//   * an accepted token is correctly signed with the secret, its timestamp lies within the time limit and it
//     carries exactly the session token (signing the session token at that timestamp gives the same payload
//     unless the payload is a differently-encoded but signed one)
//   * a token from sign_token validates with the same config and session at ages 0 and time_limit, is "expired"
//     at time_limit + 1 and one second in the future (only with a time limit), "do not match" with another
//     session token, "invalid" under another secret, and after a changed byte it is accepted only if it is
//     still correctly signed (base64 leniency, docs/spec.md §2.1)
//   * check_referrer agrees with same_origin() as computed here (urlparse's scheme/hostname/port, lazy port)
//   * protect() == method filter, then validate(find_token(...)), then check_referrer; find_token agrees with a
//     model of CSRFProtect._get_csrf_token
//   * double submit: matches iff both non-empty and equal; generated tokens are 43 base64url characters
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "fuzz_input.hpp"
#include "websec/csrf.hpp"
#include "websec/signing.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;

namespace {

using kv = std::vector<std::pair<std::string, std::string>>;
constexpr std::int64_t kBase = 1700000000;
constexpr std::int64_t kMaxDatetime = 253402300799;  // 9999-12-31T23:59:59Z

// The error of a check, nullopt when it passed.
std::optional<error> failure(const result<void>& r) { return r ? std::nullopt : std::optional<error>(r.err()); }

bool same(const std::optional<error>& a, const std::optional<error>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->kind == b->kind && a->message == b->message && a->http_status == b->http_status && a->offset == b->offset);
}

bool is_msg(const std::optional<error>& e, std::string_view m) {
  return e && e->kind == errc::csrf_error && e->http_status == 400 && e->message == m;
}

void check_error_shape(const std::optional<error>& e) {
  if (!e) return;
  if (e->kind == errc::csrf_error) {
    CHECK(e->http_status == 400);
    namespace M = csrf::messages;
    CHECK(e->message == M::missing || e->message == M::session_missing || e->message == M::expired ||
          e->message == M::invalid || e->message == M::mismatch || e->message == M::referrer_missing ||
          e->message == M::referrer_mismatch);
  } else {
    CHECK(e->http_status == 500);
    CHECK(e->kind == errc::type_error || e->kind == errc::value_error || e->kind == errc::overflow_error ||
          e->kind == errc::os_error);
    CHECK(!e->message.empty());
  }
}

// The parts of a token "payload.timestamp.signature" (the payload may itself start with '.').
struct token_parts {
  std::string_view value, payload, ts, sig;
  bool ok = false;
};
token_parts split_token(std::string_view t) {
  token_parts p;
  std::size_t s = t.rfind('.');
  if (s == std::string_view::npos) return p;
  p.value = t.substr(0, s);
  p.sig = t.substr(s + 1);
  std::size_t d = p.value.rfind('.');
  if (d == std::string_view::npos) return p;
  p.payload = p.value.substr(0, d);
  p.ts = p.value.substr(d + 1);
  p.ok = true;
  return p;
}

// Signature check straight with the Signer: the lenient decoding of the signature equals the HMAC of the value.
bool signature_valid(const signing::signer& s, std::string_view token) {
  std::size_t dot = token.rfind('.');
  if (dot == std::string_view::npos) return false;
  auto want = signing::base64_decode(s.signature(token.substr(0, dot)));
  auto got = signing::base64_decode(token.substr(dot + 1));
  return want && got && *want == *got;
}

std::optional<std::int64_t> token_time(std::string_view ts) {
  auto b = signing::base64_decode(ts);
  if (!b) return std::nullopt;
  auto v = signing::bytes_to_int(*b);
  if (!v || *v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

// ---- same_origin model (flask_wtf.csrf.same_origin over urllib.parse.urlparse) -----------------------------
struct url_model {
  std::string scheme, netloc;
};
url_model urlparse_model(std::string_view in) {
  std::size_t k = 0;
  while (k < in.size() && static_cast<unsigned char>(in[k]) <= ' ') ++k;
  std::string u;
  for (char c : in.substr(k))
    if (c != '\t' && c != '\n' && c != '\r') u.push_back(c);
  url_model m;
  std::size_t colon = u.find(':');
  if (colon != std::string::npos && colon > 0) {
    bool ok = (u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z');
    for (std::size_t i = 0; ok && i < colon; ++i) {
      char c = u[i];
      ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    }
    if (ok) {
      for (std::size_t i = 0; i < colon; ++i) m.scheme.push_back((u[i] >= 'A' && u[i] <= 'Z') ? u[i] + 32 : u[i]);
      u.erase(0, colon + 1);
    }
  }
  if (u.rfind("//", 0) == 0) {
    std::size_t end = u.size();
    for (char c : {'/', '?', '#'}) {
      std::size_t w = u.find(c, 2);
      if (w != std::string::npos && w < end) end = w;
    }
    m.netloc = u.substr(2, end - 2);
  }
  return m;
}
std::optional<std::string> hostname_of(const url_model& m) {
  std::string h = m.netloc.substr(m.netloc.rfind('@') == std::string::npos ? 0 : m.netloc.rfind('@') + 1);
  h = h.substr(0, h.find(':'));
  if (h.empty()) return std::nullopt;
  for (char& c : h) {
    if (c == '%') break;
    unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 0xC0 && u <= 0xDE && u != 0xD7)) c = static_cast<char>(u + 32);
  }
  return h;
}
// the port: nullopt = None, -1 = ValueError
std::optional<long> port_of(const url_model& m) {
  std::string h = m.netloc.substr(m.netloc.rfind('@') == std::string::npos ? 0 : m.netloc.rfind('@') + 1);
  std::size_t c = h.find(':');
  if (c == std::string::npos || c + 1 == h.size()) return std::nullopt;
  std::string p = h.substr(c + 1);
  long v = 0;
  for (char ch : p) {
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
    if (v > 65535) return -1;
  }
  return v;
}

void check_referrer_model(const csrf::config& c, bool secure, std::optional<std::string_view> referer,
                          std::string_view host) {
  auto got = failure(csrf::check_referrer(c, secure, referer, host));
  check_error_shape(got);
  if (!secure || !c.ssl_strict) {
    CHECK(!got);
    return;
  }
  if (!referer || referer->empty()) {
    CHECK(is_msg(got, csrf::messages::referrer_missing));
    return;
  }
  url_model a = urlparse_model(*referer), b = urlparse_model("https://" + std::string(host) + "/");
  if (a.netloc.find_first_of("[]") != std::string::npos || b.netloc.find_first_of("[]") != std::string::npos) {
    // bracketed hosts: urlparse validates them as IPv6 addresses; only the outcome's shape is checked here
    CHECK(!got || got->kind == errc::value_error || got->message == csrf::messages::referrer_mismatch);
    return;
  }
  if (a.scheme != b.scheme || hostname_of(a) != hostname_of(b)) {
    CHECK(is_msg(got, csrf::messages::referrer_mismatch));
    return;
  }
  auto pa = port_of(a), pb = port_of(b);
  if (pa == -1L || pb == -1L) {
    CHECK(got && got->kind == errc::value_error && got->http_status == 500);
    return;
  }
  if (pa != pb) CHECK(is_msg(got, csrf::messages::referrer_mismatch));
  else CHECK(!got);
}

// ---- find_token model (CSRFProtect._get_csrf_token) --------------------------------------------------------
std::string find_token_model(const kv& form, const kv& headers) {
  const std::string field(csrf::field_name);
  for (const auto& [k, v] : form)
    if (k == field) {
      if (!v.empty()) return v;
      break;
    }
  for (std::size_t i = 0; i < form.size(); ++i) {
    const auto& k = form[i].first;
    bool first = true;
    for (std::size_t j = 0; j < i; ++j)
      if (form[j].first == k) first = false;
    if (!first) continue;
    if (k.size() >= field.size() && k.substr(k.size() - field.size()) == field && !form[i].second.empty())
      return form[i].second;
  }
  auto lower = [](std::string s) {
    for (char& ch : s)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    return s;
  };
  for (auto name : {std::string("x-csrftoken"), std::string("x-csrf-token")})
    for (const auto& [k, v] : headers)
      if (lower(k) == name) {
        if (!v.empty()) return v;
        break;
      }
  return {};
}

kv parse_form(std::string_view body) {
  kv out;
  std::size_t b = 0;
  while (b <= body.size() && !body.empty()) {
    std::size_t e = body.find('&', b);
    std::string_view item = body.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    std::size_t eq = item.find('=');
    out.emplace_back(std::string(item.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1)));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}
kv parse_headers(std::string_view text) {
  kv out;
  std::size_t b = 0;
  while (b < text.size()) {
    std::size_t e = text.find('\n', b);
    std::string_view line = text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      out.emplace_back(std::string(line.substr(0, colon)), std::string(v));
    }
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}

using websec::fuzz::valid_utf8;

bool ascii_only(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// ---- validate of an untrusted token -------------------------------------------------------------------------
void check_untrusted(const csrf::config& c, const signing::signer& signer, std::string_view submitted,
                     std::optional<std::string_view> session, std::int64_t now) {
  auto got = failure(csrf::validate(c, submitted, session, now));
  CHECK(same(got, failure(csrf::validate(c, submitted, session, now))));  // deterministic
  check_error_shape(got);
  if (submitted.empty()) {
    CHECK(is_msg(got, csrf::messages::missing));
    return;
  }
  if (!session) {
    CHECK(is_msg(got, csrf::messages::session_missing));
    return;
  }
  const bool signed_ok = signature_valid(signer, submitted);
  if (!signed_ok) {
    CHECK(is_msg(got, csrf::messages::invalid));
    return;
  }
  if (got) {
    // correctly signed, in time and carrying the session token in its canonical encoding: must be accepted
    token_parts p = split_token(submitted);
    auto ts = p.ok ? token_time(p.ts) : std::nullopt;
    if (ts && !c.time_limit && *ts > kMaxDatetime) {  // datetime.fromtimestamp overflows: escapes Flask-WTF
      CHECK(got->http_status == 500);
      return;
    }
    if (ts && ascii_only(*session) && (!c.time_limit || (now - *ts >= 0 && now - *ts <= *c.time_limit))) {
      const std::string canon = csrf::sign_token(c, *session, static_cast<std::uint64_t>(*ts));
      token_parts q = split_token(canon);
      CHECK(!(q.ok && q.payload == p.payload));
    }
    return;
  }
  // accepted: correctly signed, in time, carrying the session token
  token_parts p = split_token(submitted);
  CHECK(p.ok);
  auto ts = token_time(p.ts);
  CHECK(ts.has_value());
  if (c.time_limit) CHECK(now - *ts >= 0 && now - *ts <= *c.time_limit);
  CHECK(*ts <= kMaxDatetime);
  CHECK(ascii_only(*session));
  std::string canon = csrf::sign_token(c, *session, static_cast<std::uint64_t>(*ts));
  token_parts q = split_token(canon);
  CHECK(q.ok);
  if (p.payload != q.payload) {
    // a signed payload in another encoding (uncompressed, escaped JSON) must still differ only in encoding: the
    // canonical token for this session token at this time validates too
    CHECK(!failure(csrf::validate(c, canon, session, now)));
  }
}

// ---- the library's own token --------------------------------------------------------------------------------
void check_round_trip(const csrf::config& c, const signing::signer& signer, std::string_view raw,
                      std::int64_t ts, std::uint8_t mutation) {
  const std::string tok = csrf::sign_token(c, raw, static_cast<std::uint64_t>(ts));
  CHECK(!tok.empty());
  token_parts p = split_token(tok);
  CHECK(p.ok);
  for (unsigned char ch : tok)
    CHECK((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
          ch == '.');
  CHECK(p.sig.size() == 27);  // base64url of a SHA-1 HMAC, unpadded
  CHECK(token_time(p.ts) == std::optional<std::int64_t>(ts));
  CHECK(signature_valid(signer, tok));
  CHECK(csrf::sign_token(c, raw, static_cast<std::uint64_t>(ts)) == tok);  // deterministic for a given time
  const bool hex40 = raw.size() == 40 && raw.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (hex40) CHECK(tok[0] == 'I' || tok[0] == '.');  // base64 of the JSON '"', or "." when zlib saves 2 bytes

  const bool ascii = ascii_only(raw);
  auto at = [&](std::int64_t now) { return failure(csrf::validate(c, tok, raw, now)); };
  if (ascii) {
    CHECK(!at(ts));
    if (c.time_limit) {
      CHECK(!at(ts + *c.time_limit));
      CHECK(is_msg(at(ts + *c.time_limit + 1), csrf::messages::expired));
      CHECK(is_msg(at(ts - 1), csrf::messages::expired));
    } else {
      CHECK(!at(ts - 1));
      CHECK(!at(ts + 100000000));
    }
    std::string other(raw);
    other += 'x';
    CHECK(is_msg(failure(csrf::validate(c, tok, other, ts)), csrf::messages::mismatch));
  } else {
    auto e = at(ts);
    CHECK(e && e->kind == errc::type_error && e->http_status == 500);  // hmac.compare_digest on non-ASCII str
  }
  csrf::config other_key = c;
  other_key.secret_key += "x";
  CHECK(is_msg(failure(csrf::validate(other_key, tok, raw, ts)), csrf::messages::invalid));

  // one changed byte
  std::string bad = tok;
  std::size_t pos = (mutation * 7u) % bad.size();
  char nb = static_cast<char>(mutation ^ 0x5A);
  if (bad[pos] == nb) nb = static_cast<char>(nb ^ 1);
  bad[pos] = nb;
  auto e = failure(csrf::validate(c, bad, raw, ts));
  check_error_shape(e);
  if (!e) CHECK(signature_valid(signer, bad));
  check_untrusted(c, signer, bad, raw, ts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4 || size > 16384) return 0;
  websec::fuzz::input in(data, size);
  std::uint8_t flags = 0, minutes = 0, clock = 0, mutation = 0;
  if (!in.u8(flags) || !in.u8(minutes) || !in.u8(clock) || !in.u8(mutation)) return 0;
  csrf::config c;
  c.ssl_strict = flags & 1;
  const bool secure = flags & 2;
  if (flags & 4) c.time_limit = std::nullopt;
  else c.time_limit = static_cast<std::int64_t>(minutes) * 60;
  const std::int64_t now = kBase + static_cast<std::int64_t>(static_cast<std::int8_t>(clock)) * 60;
  auto f = in.split('\0', 8);  // secret, submitted, session, Referer, Host, form, headers, cookie token
  f.resize(8);                  // missing fields are empty
  c.secret_key = std::string(f[0]);
  const std::string_view submitted = f[1];
  const std::optional<std::string_view> session = (flags & 8) ? std::optional<std::string_view>(f[2]) : std::nullopt;
  const std::optional<std::string_view> referer = (flags & 16) ? std::optional<std::string_view>(f[3]) : std::nullopt;
  const std::string_view host = f[4];

  signing::signer_options so;
  so.secret_keys = {c.secret_key};
  so.salt = std::string(csrf::salt);
  auto signer = signing::signer::make(so);
  CHECK(signer.ok());

  // the untrusted token
  check_untrusted(c, *signer, submitted, session, now);

  // the library's own token for the session token (or a raw token of the usual shape)
  std::string raw = session && !session->empty() ? std::string(*session) : "0123456789abcdef0123456789abcdef01234567";
  if (!valid_utf8(raw)) {
    CHECK(csrf::sign_token(c, raw, static_cast<std::uint64_t>(now)).empty());  // no Python str holds these bytes
    raw = "5b0e2bb1d4c63b9a6b4e5c2c2f4a7a0e9b1d3c5f";
  }
  // the library's token validated at six ages, under another session and key, and with a byte changed (each
  // validation derives the serializer's keys again): left out by the cheaper twin csrf_fuzzer_fast
  if (websec::fuzz::full) check_round_trip(c, *signer, raw, now, mutation);

  // referrer check against the model
  check_referrer_model(c, secure, referer, host);

  // protect() = method filter, validate(find_token), referrer
  static const char* methods[] = {"POST", "GET", "PUT", "delete"};
  const std::string method = methods[flags >> 6];
  kv form = parse_form(f[5]), headers = parse_headers(f[6]);
  if (flags & 32) headers.emplace_back("X-CSRFToken", std::string(submitted));
  else form.emplace_back("csrf_token", std::string(submitted));
  const std::string found = csrf::find_token(form, headers);
  CHECK(found == find_token_model(form, headers));
  auto prot = failure(csrf::protect(c, method, form, headers, session, secure, referer, host, now));
  check_error_shape(prot);
  const bool is_protected = method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
  CHECK(csrf::is_protected_method(method) == is_protected);
  if (!is_protected) {
    CHECK(!prot);
  } else if (auto v = failure(csrf::validate(c, found, session, now))) {
    CHECK(same(prot, v));
  } else {
    CHECK(same(prot, failure(csrf::check_referrer(c, secure, referer, host))));
  }

  // plain double submit
  const std::string_view cookie_token = f[7];
  CHECK(csrf::double_submit_matches(cookie_token, submitted) == (!cookie_token.empty() && cookie_token == submitted));
  if (mutation == 0) {  // RAND_bytes is slow under sanitizers: only now and then
    std::string a = csrf::generate_double_submit_token(), b = csrf::generate_double_submit_token();
    CHECK(a.size() == 43 && a != b);
    CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    CHECK(csrf::double_submit_matches(a, a) && !csrf::double_submit_matches(a, b));
    auto dec = signing::base64_decode(a);
    CHECK(dec && dec->size() == 32);
    std::string r = csrf::generate_raw_token();
    CHECK(r.size() == 40 && r.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  return 0;
}
