// hsts_fuzzer — Strict-Transport-Security values through the RFC 6797 parser, the serializer and the audit.
//
// Input: the header value (byte 0 bit 0: judge as an http response, bit 1: Observatory threshold).
// Invariants (abort on violation):
//   * parse_hsts never throws; an error's offset lies within the input
//   * a value that parses re-serialises to a value that parses to the same policy, and serialising is stable
//   * a value with a bare ',' (folded duplicate headers) never parses (inside a quoted-string it may: regression
//     quoted_comma_in_unknown_directive)
//   * the audit is deterministic; over http it only ever says hsts.over_http; over https exactly one of
//     hsts.invalid / hsts.max_age_zero / hsts.max_age_too_low / hsts.ok decides max-age
#include "fuzz_check.hpp"
#include "websec/headers.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace websec;
using namespace websec::headers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto p = parse_hsts(value);
  if (!p) {
    CHECK(p.err().offset <= value.size());
    CHECK(!p.err().kind.empty());
  } else {
    // ',' can only sit inside a quoted-string (RFC 6797 directive-value); bare, it is a syntax error
    if (value.find('"') == std::string::npos) CHECK(value.find(',') == std::string::npos);
    const std::string s = serialize(*p);
    auto q = parse_hsts(s);
    CHECK(q.ok());
    CHECK(*q == *p);
    CHECK(serialize(*q) == s);
  }
  response_options o;
  o.https = !(data[0] & 1);
  if (data[0] & 2) o.hsts_min_max_age = hsts_common_max_age;
  auto v1 = audit_hsts({value}, o);
  CHECK(v1 == audit_hsts({value}, o));
  if (!o.https) {
    CHECK(v1.size() == 1 && v1[0].id == "hsts.over_http");
  } else {
    int deciding = 0;
    for (const auto& x : v1)
      deciding += x.id == "hsts.invalid" || x.id == "hsts.max_age_zero" || x.id == "hsts.max_age_too_low" ||
                  (x.id == "hsts.ok");
    bool low_only = false;
    for (const auto& x : v1) low_only |= x.id == "hsts.no_include_subdomains" || x.id == "hsts.preload_not_eligible";
    // max-age decided by exactly one verdict, or the policy is fine apart from low findings
    CHECK(deciding == 1 || (deciding == 0 && low_only));
    CHECK(p.ok() != has_verdict(v1, "hsts.invalid"));
  }
  return 0;
}
