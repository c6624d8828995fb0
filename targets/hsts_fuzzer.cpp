// hsts_fuzzer — Strict-Transport-Security values through the RFC 6797 parser, the serializer and the audit.
//
// Input: the header value (byte 0 bit 0: judge as an http response, bit 1: Observatory threshold).
// Invariants (abort on violation):
//   * parse_hsts never throws; an error's offset lies within the input
//   * a value that parses re-serialises to a value that parses to the same policy, and serialising is stable
//   * a value with a bare ',' (folded duplicate headers) never parses (inside a quoted-string it may: regression
//     quoted_comma_in_unknown_directive)
//   * the verdict is total (exactly one of pass, weak, fail, invalid: the worst effect of the findings),
//     deterministic, and the same for the re-serialised header; over http the header only says hsts.over_http;
//     over https exactly one of hsts.invalid / max_age_zero / max_age_short / max_age_too_low / ok decides
//     max-age, invalid iff the value does not parse, hsts.ok iff the verdict is pass
#include "fuzz_check.hpp"
#include "websec/headers.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace websec;
using namespace websec::headers;
using F = websec::finding_id;  // finding ids (websec/findings.hpp)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto p = parse_hsts(value);
  if (!p) {
    CHECK(p.err().offset <= value.size());
    CHECK(p.err().kind != errc::none);
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
  const subject_report r = hsts_report({value}, o);
  CHECK(r == hsts_report({value}, o));  // deterministic
  const auto& v1 = r.findings;
  CHECK(audit_hsts({value}, o) == v1);
  // total: exactly one verdict, the worst effect of the findings
  CHECK(r.result == worst_effect(v1));
  CHECK(r.present && r.name == "Strict-Transport-Security");
  if (!o.https) {
    CHECK(v1.size() == 1 && v1[0].id == F::hsts_over_http && r.result == rating::pass);
  } else {
    int deciding = 0;
    for (const auto& x : v1)
      deciding += x.id == F::hsts_invalid || x.id == F::hsts_max_age_zero || x.id == F::hsts_max_age_short ||
                  x.id == F::hsts_max_age_too_low || x.id == F::hsts_ok;
    CHECK(deciding == 1);  // max-age is decided by exactly one finding
    CHECK(p.ok() != (r.result == rating::invalid));
    CHECK(has_verdict(v1, F::hsts_ok) == (r.result == rating::pass));
    if (p) {
      // stable when the header is re-serialised: the same verdict for the same policy
      const subject_report again = hsts_report({serialize(*p)}, o);
      CHECK(again.result == r.result);
    }
  }
  return 0;
}
