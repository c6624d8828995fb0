// set_cookie_fuzzer — Set-Cookie lines through the browser-style parser, the serializer and the audit, and
// werkzeug-compatible dump_cookie output back through the parser.
//
// Input: byte 0 selects the mode; the rest is the data.
//   even: the data is a Set-Cookie header value (bit 1: judged as a plain-http response, bit 2: max size 100,
//         bit 3: a lifetime limit of 31 days).
//   odd : the data is "key\0value[\0option...]" given to dump_cookie (profile debian from bit 1, Secure/HttpOnly/
//         SameSite=lax/Max-Age=3600 from bits 2-5, partitioned from bit 6, sync_expires=False from bit 7). Each
//         further NUL-separated field is an option written as Python would pass it: "domain=bücher.example",
//         "path=/a b", "nopath", "expires=<str>", "expires#=<int>", "expires.=<float>", "max_age=<int>",
//         "samesite=<str>", "max_size=<int>", "now=<int>".
// Invariants (abort on violation):
//   * parse_set_cookie never throws; on success name+value <= 4096 bytes and no CTL other than HTAB anywhere
//   * parse(serialize(parse(x))) == parse(x)  (re-serialised lines are read back identically)
//   * the verdict is total (exactly one of pass, weak, fail, invalid: the worst effect of the findings),
//     deterministic, and stable when the parsed line is re-serialised; a line that fails to parse, or that the
//     browser rejects (Secure over http, __Host-/__Secure- prefixes, SameSite=None or Partitioned without
//     Secure), is invalid with exactly one finding
//   * the findings agree with the parsed attributes and the role (bit 4: the site sends HSTS; bit 5: a role from
//     bits 6-7): cookie.no_secure exactly without Secure (fail for credentials, weak under HSTS), HttpOnly and
//     SameSite demanded of session, remember-me and unknown cookies only, deletions not judged, size, lifetime,
//     nameless; cookie.ok iff the verdict is pass
//   * dump_cookie fails only with werkzeug's refusals (samesite, domain, path, expires, partitioned on debian), as
//     a model of the options predicts for ASCII input
//   * a dump_cookie line holds no CR, LF or NUL unless the key, the domain, a string Expires or (debian: werkzeug
//     2.2's iri_to_uri keeps a "//host" verbatim) the Path brought them; it
//     starts with "key="; the size warning is set iff size > max_size
//   * for a token key and clean options the line parses back with the same name, the attributes in werkzeug's
//     order (Domain, Expires, Max-Age, Secure, HttpOnly, Path, SameSite, Partitioned), the flags, SameSite and
//     Max-Age asked for, and the request Cookie parser unquotes the value back to the original bytes
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "fuzz_input.hpp"
#include "websec/cookie.hpp"
#include "websec/findings.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;
using namespace websec::cookie;
using F = websec::finding_id;  // finding ids (websec/findings.hpp)

namespace {

using websec::fuzz::lower;
constexpr auto ci_prefix = websec::ci::starts_with_ci;

// The verdict model (websec/cookie.hpp audit_cookie): decisive rejections first, then the role's demands.
void check_audit_model(const set_cookie& p, std::size_t line_size, const audit_options& o, const subject_report& r) {
  const auto& v = r.findings;
  auto find = [&](finding_id id) -> const verdict* {
    for (const auto& x : v)
      if (x.id == id) return &x;
    return nullptr;
  };
  // total: exactly one verdict, the worst effect of the findings
  CHECK(r.result == rating::pass || r.result == rating::weak || r.result == rating::fail || r.result == rating::invalid);
  CHECK(r.result == worst_effect(v));
  CHECK(!v.empty());
  for (const auto& x : v) CHECK(x.subject == (p.has_equals && !p.name.empty() ? p.name : "(nameless)"));
  const bool host_bad = ci_prefix(p.name, "__Host-") && (!p.secure || !p.path || *p.path != "/" ||
                                                         std::any_of(p.attributes.begin(), p.attributes.end(), [](const attribute& a) {
                                                           return lower(a.name) == "domain" && !a.value.empty();
                                                         }));
  const bool secure_bad = !ci_prefix(p.name, "__Host-") && ci_prefix(p.name, "__Secure-") && !p.secure;
  const bool decisive = (p.secure && !o.https) || host_bad || secure_bad || (p.samesite == same_site::none && !p.secure) ||
                        (p.partitioned && !p.secure);
  CHECK(decisive == (r.result == rating::invalid));
  if (decisive) {
    CHECK(v.size() == 1);  // nothing is said after a decisive finding
    CHECK(v[0].effect == rating::invalid);
    return;
  }
  const bool deletion = (p.max_age && *p.max_age <= 0) || (!p.max_age && p.expires && *p.expires <= *o.now);
  const cookie_role role = o.role == cookie_role::automatic ? guess_role(p.name) : o.role;
  CHECK(r.role == to_string(role));
  const bool credential = role == cookie_role::session || role == cookie_role::remember_me;
  CHECK(bool(find(F::cookie_deletion)) == deletion);
  if (deletion) {
    for (finding_id id : {F::cookie_no_secure, F::cookie_no_httponly, F::cookie_no_samesite, F::cookie_samesite_none,
                          F::cookie_lifetime_too_long})
      CHECK(!find(id));
  } else {
    CHECK(bool(find(F::cookie_no_secure)) == !p.secure);
    if (!p.secure && credential) CHECK(find(F::cookie_no_secure)->effect == (o.hsts ? rating::weak : rating::fail));
    const bool wants_httponly = credential || role == cookie_role::other;
    CHECK(bool(find(F::cookie_no_httponly)) == (!p.httponly && wants_httponly));
    const bool samesite_set = p.samesite == same_site::lax || p.samesite == same_site::strict || p.samesite == same_site::none;
    CHECK(bool(find(F::cookie_no_samesite)) == (!samesite_set && wants_httponly));
    CHECK(bool(find(F::cookie_samesite_invalid)) == (p.samesite == same_site::invalid));
    CHECK(bool(find(F::cookie_samesite_none)) == (p.samesite == same_site::none));
  }
  CHECK(bool(find(F::cookie_too_large)) == (line_size > o.max_size));
  CHECK(bool(find(F::cookie_nameless)) == (!p.has_equals || p.name.empty()));
  if (o.max_lifetime && !deletion) {
    std::optional<std::int64_t> life = p.max_age ? p.max_age : (p.expires ? std::optional<std::int64_t>(*p.expires - *o.now) : std::nullopt);
    CHECK(bool(find(F::cookie_lifetime_too_long)) == (life && *life > *o.max_lifetime));
  }
  CHECK(bool(find(F::cookie_ok)) == (r.result == rating::pass));
}

void check_line(std::string_view line, std::uint8_t flags = 0) {
  auto p = parse_set_cookie(line);
  if (!websec::fuzz::full) {  // the cheaper twin set_cookie_fuzzer_fast: the parser and its round trip, no audit
    if (p) {
      CHECK(p->name.size() + p->value.size() <= 4096);
      const std::string s = serialize(*p);
      auto q = parse_set_cookie(s);
      CHECK(q.ok() && *q == *p && serialize(*q) == s);
    }
    return;
  }
  audit_options o;
  o.now = 1700000000;
  o.max_lifetime = (flags & 8) ? std::optional<std::int64_t>(31 * 86400) : std::optional<std::int64_t>(2678400);
  o.https = !(flags & 2);
  if (flags & 4) o.max_size = 100;
  if (flags & 16) o.hsts = true;
  if (flags & 32) o.role = static_cast<cookie_role>(1 + (flags >> 6) % 5);  // session .. other
  const subject_report r1 = audit_cookie(line, o);
  CHECK(r1 == audit_cookie(line, o));  // deterministic
  const auto& v1 = r1.findings;
  CHECK(audit_set_cookie(line, o) == v1);
  CHECK(!v1.empty());
  for (const auto& x : v1) CHECK(!to_string(x.id).empty() && !x.subject.empty() && !x.reason.empty());
  if (!p) {
    CHECK(v1.size() == 1);
    CHECK(v1[0].id == F::cookie_invalid || v1[0].id == F::cookie_too_large);
    CHECK(r1.result == rating::invalid);
    return;
  }
  CHECK(p->name.size() + p->value.size() <= 4096);
  for (unsigned char c : line) CHECK(!((c <= 0x08) || (c >= 0x0A && c <= 0x1F) || c == 0x7F));
  check_audit_model(*p, line.size(), o, r1);
  CHECK(audit_set_cookie(*p, line.size(), o) == v1);
  const std::string s = serialize(*p);
  auto q = parse_set_cookie(s);
  CHECK(q.ok());
  CHECK(*q == *p);
  CHECK(serialize(*q) == s);
  // the verdict is stable when the line is re-serialised (only the size advice may differ with the length)
  const subject_report r2 = audit_cookie(s, o);
  CHECK(r2.result == r1.result);
  auto ids = [](const subject_report& r) {
    std::vector<finding_id> out;
    for (const auto& x : r.findings)
      if (x.id != F::cookie_too_large) out.push_back(x.id);
    return out;
  };
  CHECK(ids(r2) == ids(r1));
}

// --- dump_cookie options from the input -------------------------------------------------------------------
std::optional<std::int64_t> parse_int(std::string_view t) {
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  if (t.empty() || t.size() > 15) return std::nullopt;
  std::int64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

bool has_crlf_nul(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos; }
bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// werkzeug's unquoting of a quoted cookie value (\ooo and \X), what the request Cookie parser applies
std::string unquote_model(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\' || i + 1 == v.size()) {
      out += v[i];
      continue;
    }
    if (i + 3 < v.size() + 0 && v[i + 1] >= '0' && v[i + 1] <= '3' && v[i + 2] >= '0' && v[i + 2] <= '7' && v[i + 3] >= '0' &&
        v[i + 3] <= '7') {
      out += static_cast<char>((v[i + 1] - '0') * 64 + (v[i + 2] - '0') * 8 + (v[i + 3] - '0'));
      i += 3;
    } else {
      out += v[i + 1];
      ++i;
    }
  }
  return out;
}

// The dump_cookie options the flags and the option fields select (fields[2..15]).
dump_options dump_options_from(std::uint8_t flags, const std::vector<std::string_view>& fields) {
  dump_options o;
  o.profile = (flags & 2) ? profile::debian : profile::upstream;
  o.secure = flags & 4;
  o.httponly = flags & 8;
  if (flags & 16) o.samesite = "lax";
  if (flags & 32) o.max_age = 3600;
  o.partitioned = flags & 64;
  o.sync_expires = !(flags & 128);
  o.now = 1700000000.0;
  for (std::size_t i = 2; i < fields.size() && i < 16; ++i) {
    std::string_view f = fields[i];
    std::size_t eq = f.find('=');
    std::string_view name = f.substr(0, eq), arg = eq == std::string_view::npos ? std::string_view() : f.substr(eq + 1);
    if (name == "domain") o.domain = std::string(arg);
    else if (name == "path") o.path = std::string(arg);
    else if (name == "nopath") o.path.reset();
    else if (name == "expires") o.expires = std::string(arg);
    else if (name == "expires#") { if (auto n = parse_int(arg)) o.expires = *n; }
    else if (name == "expires.") {
      std::string t(arg);
      char* end = nullptr;
      double d = std::strtod(t.c_str(), &end);
      if (!t.empty() && end && *end == '\0') o.expires = d;
    }
    else if (name == "max_age") { if (auto n = parse_int(arg)) o.max_age = *n; }
    else if (name == "samesite") o.samesite = std::string(arg);
    else if (name == "max_size") { if (auto n = parse_int(arg); n && *n >= 0) o.max_size = static_cast<std::size_t>(*n); }
    else if (name == "now") { if (auto n = parse_int(arg)) o.now = static_cast<double>(*n); }
  }
  return o;
}

// dump_cookie refused: only werkzeug's refusals, each explained by the options.
void check_refusal(const dump_options& o, const websec::error& err, const websec::error& again) {
  const bool debian = o.profile == profile::debian;
  const auto& k = err.kind;
  CHECK(err.http_status == 500 && !err.message.empty());
  CHECK(k == errc::samesite_invalid || k == errc::domain_no_dot || k == errc::domain_idna || k == errc::path_invalid_ipv6 ||
        k == errc::expires_out_of_range || k == errc::partitioned_unsupported);
  CHECK(again.kind == k && again.message == err.message);
  if (k == errc::partitioned_unsupported) CHECK(debian && o.partitioned);
  if (k == errc::samesite_invalid) CHECK(o.samesite);
  if (k == errc::samesite_invalid && is_ascii(*o.samesite)) {
    const std::string l = lower(*o.samesite);
    CHECK(l != "strict" && l != "lax" && l != "none");
  }
  if (k == errc::domain_no_dot || k == errc::domain_idna) CHECK(o.domain);
  if (k == errc::path_invalid_ipv6) CHECK(debian && o.path);
  if (k == errc::expires_out_of_range) CHECK(!std::get_if<std::string>(&o.expires));
}

// dump_cookie accepted: what the options predict for ASCII input, and the shape of the line.
void check_dumped_line(std::string_view key, const dump_options& o, const dumped_cookie& d) {
  const bool debian = o.profile == profile::debian;
  const auto* expires_str = std::get_if<std::string>(&o.expires);
  if (debian && o.partitioned) CHECK(false);
  if (o.samesite && is_ascii(*o.samesite)) {
    const std::string l = lower(*o.samesite);
    CHECK(l == "strict" || l == "lax" || l == "none");
  }
  if (debian && o.domain && is_ascii(*o.domain)) CHECK(o.domain->substr(0, o.domain->find(':')).find('.') != std::string::npos);

  const std::string& h = d.header;
  CHECK(h.size() >= key.size() + 1);
  CHECK(h.compare(0, key.size(), key) == 0);
  CHECK(h[key.size()] == '=');
  // werkzeug 2.2's iri_to_uri copies the host of a "//netloc" Path verbatim (iri_to_uri("//a\nb/") keeps the LF)
  const bool path_may_inject = debian && o.path && has_crlf_nul(*o.path);
  if (!has_crlf_nul(key) && !(o.domain && has_crlf_nul(*o.domain)) && !(expires_str && has_crlf_nul(*expires_str)) &&
      !path_may_inject)
    CHECK(!has_crlf_nul(h));
  CHECK(d.too_large == (o.max_size != 0 && d.size > o.max_size));
  CHECK(d.too_large == !d.warning.empty());
  if (debian) CHECK(d.size == h.size());
  else CHECK(d.size <= h.size());
}

using websec::fuzz::valid_utf8;

// For a token key and clean options the line parses back with the flags, the attributes in werkzeug's order, and
// a value the request Cookie parser unquotes to the original bytes.
void check_parsed_back(std::string_view key, std::string_view value, const dump_options& o, const set_cookie& p) {
  CHECK(p.secure == (o.secure || o.partitioned));
  CHECK(p.httponly == o.httponly);
  CHECK(p.partitioned == o.partitioned);
  if (o.max_age) CHECK(p.max_age == o.max_age);
  else CHECK(!p.max_age);
  if (o.samesite) {
    const std::string t = lower(p.samesite_raw);
    CHECK((p.samesite == same_site::lax) == (t == "lax"));
    CHECK(p.samesite != same_site::unset && p.samesite != same_site::invalid);
  } else {
    CHECK(p.samesite == same_site::unset);
  }
  std::vector<std::string> want;
  if (o.domain) want.push_back("Domain");
  if (!std::holds_alternative<std::monostate>(o.expires) || (o.max_age && o.sync_expires)) want.push_back("Expires");
  if (o.max_age) want.push_back("Max-Age");
  if (o.secure || o.partitioned) want.push_back("Secure");
  if (o.httponly) want.push_back("HttpOnly");
  if (o.path) want.push_back("Path");
  if (o.samesite) want.push_back("SameSite");
  if (o.partitioned) want.push_back("Partitioned");
  std::vector<std::string> got;
  for (const auto& a : p.attributes) got.push_back(a.name);
  CHECK(got == want);
  CHECK(unquote_model(p.value) == value);  // the browser keeps the quoted form; werkzeug's unquoting restores it
  // the value round trip through werkzeug's request Cookie parser (valid UTF-8 values only: the parser decodes)
  if (valid_utf8(value)) {
    auto pairs = parse_cookie_header(std::string(key) + "=" + p.value, o.profile);
    if (!pairs.empty() && pairs[0].first == key && value.find_first_of(" \t\r\n\f\v\x1c\x1d\x1e\x1f") == std::string_view::npos &&
        value.find("\xc2\x85") == std::string_view::npos && value.find("\xc2\xa0") == std::string_view::npos)
      CHECK(pairs[0].second == value);
  }
}

void check_dump(std::uint8_t flags, std::string_view data) {
  const std::vector<std::string_view> fields = websec::fuzz::input(data).split('\0');  // key, value, options
  std::string_view key = fields[0];
  std::string_view value = fields.size() > 1 ? fields[1] : std::string_view();
  const dump_options o = dump_options_from(flags, fields);
  const auto* expires_str = std::get_if<std::string>(&o.expires);

  auto d = dump_cookie(key, value, o);
  auto d2 = websec::fuzz::full ? dump_cookie(key, value, o) : d;  // deterministic (the cheaper twin: one call)
  CHECK(d.ok() == d2.ok());
  if (!d) {
    check_refusal(o, d.err(), d2.err());
    return;
  }
  CHECK(d->header == d2->header);
  check_dumped_line(key, o, *d);
  const std::string& h = d->header;
  auto p = parse_set_cookie(h);
  if (!p) {  // control bytes in the key, the domain or Expires, upstream's raw 0x1A-0x1F, or over 4096 bytes
    check_line(h, flags & 14);
    return;
  }
  bool token_key = !key.empty() && key.find_first_of("=; \t\",") == std::string_view::npos;
  for (unsigned char c : key) token_key = token_key && c > 0x20 && c < 0x7F;
  const bool clean = !(o.domain && o.domain->find(';') != std::string::npos) &&
                     !(o.path && o.path->find(';') != std::string::npos) && !(expires_str && expires_str->find(';') != std::string::npos);
  if (token_key) {  // werkzeug never validates keys: "a; Secure" as a key injects an attribute
    CHECK(p->name == key);
    if (clean) check_parsed_back(key, value, o, *p);
  }
  check_line(h, flags & 14);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) check_dump(data[0], in);
  else check_line(in, data[0]);
  return 0;
}
