// set_cookie_fuzzer — Set-Cookie lines through the browser-style parser, the serializer and the audit, and
// werkzeug-compatible dump_cookie output back through the parser.
//
// Input: byte 0 selects the mode; the rest is the data.
//   even: the data is a Set-Cookie header value.
//   odd : the data is "key\0value" given to dump_cookie (profile from bit 1, Secure/HttpOnly/SameSite/Max-Age from
//         bits 2-5).
// Invariants (abort on violation):
//   * parse_set_cookie never throws; on success name+value <= 4096 bytes and no CTL other than HTAB anywhere
//   * parse(serialize(parse(x))) == parse(x)  (re-serialised lines are read back identically)
//   * audit verdicts are deterministic, every verdict has an id, subject and reason, and a line that fails to parse
//     yields exactly one cookie.invalid / cookie.too_large verdict
//   * a dump_cookie line parses back with the same name (for token names), the Secure/HttpOnly flags and SameSite
//     asked for, unless it contains a control byte (upstream leaves 0x1A-0x1F raw inside quotes)
#include "websec/cookie.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace websec;
using namespace websec::cookie;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "set_cookie_fuzzer: invariant failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace {

void check_line(std::string_view line) {
  auto p = parse_set_cookie(line);
  audit_options o;
  o.now = 1700000000;
  o.max_lifetime = 2678400;
  auto v1 = audit_set_cookie(line, o);
  auto v2 = audit_set_cookie(line, o);
  CHECK(v1 == v2);
  CHECK(!v1.empty());
  for (const auto& x : v1) CHECK(!x.id.empty() && !x.subject.empty() && !x.reason.empty());
  if (!p) {
    CHECK(v1.size() == 1);
    CHECK(v1[0].id == "cookie.invalid" || v1[0].id == "cookie.too_large");
    return;
  }
  CHECK(p->name.size() + p->value.size() <= 4096);
  for (unsigned char c : line) CHECK(!((c <= 0x08) || (c >= 0x0A && c <= 0x1F) || c == 0x7F));
  const std::string s = serialize(*p);
  auto q = parse_set_cookie(s);
  CHECK(q.ok());
  CHECK(*q == *p);
  CHECK(serialize(*q) == s);
}

void check_dump(std::uint8_t flags, std::string_view data) {
  std::size_t nul = data.find('\0');
  std::string_view key = data.substr(0, nul);
  std::string_view value = nul == std::string_view::npos ? std::string_view() : data.substr(nul + 1);
  dump_options o;
  o.profile = (flags & 2) ? profile::debian : profile::upstream;
  o.secure = flags & 4;
  o.httponly = flags & 8;
  if (flags & 16) o.samesite = "lax";
  if (flags & 32) o.max_age = 3600;
  o.now = 1700000000.0;
  auto d = dump_cookie(key, value, o);
  CHECK(d.ok());  // no domain/expires/samesite error possible with these options
  CHECK(d->header.size() >= key.size() + 1);
  CHECK(d->header.compare(0, key.size(), key) == 0);
  auto p = parse_set_cookie(d->header);
  if (!p) return;  // control bytes in the key, or upstream's raw 0x1A-0x1F, or over 4096 bytes
  bool token_key = !key.empty() && key.find_first_of("=; \t") == std::string_view::npos;
  if (token_key) {  // werkzeug never validates keys: "a; Secure" as a key injects an attribute
    CHECK(p->name == key);
    CHECK(p->secure == o.secure);
    CHECK(p->httponly == o.httponly);
    CHECK((p->samesite == same_site::lax) == bool(flags & 16));
    if (flags & 32) CHECK(p->max_age == std::optional<std::int64_t>(3600));
  }
  check_line(d->header);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) check_dump(data[0], in);
  else check_line(in);
  return 0;
}
