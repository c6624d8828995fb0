// csp_fuzzer — Content-Security-Policy header values through the CSP3 parser, the serializer and the audit.
//
// Input: byte 0 selects whether the value is enforced (even) or report-only (odd) and whether a second header is
// split off at the first NUL (bit 1); the rest is the header value.
// Invariants (abort on violation):
//   * parse_csp never throws; directive names are lower-case ASCII without whitespace, values hold no ASCII
//     whitespace, ';' or ','
//   * serialize(parse(x)) re-parses to the same directives for every policy (and serialises identically again)
//   * the verdict is total (exactly one of pass, weak, fail, invalid: the worst effect of the findings),
//     deterministic, the same for the re-serialised header, and info findings never lower it; every finding has
//     an id starting with "csp.", a subject and a reason
//   * report-only never counts as enforcement: with no enforced header the audit says csp.missing,
//     csp.report_only_only or csp.empty_policy and nothing about script weaknesses
//   * adding a policy can only remove script weaknesses (policies are intersected): unsafe_inline of (A, B) implies
//     unsafe_inline of A alone
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
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
  websec::fuzz::input in(data, size);
  std::uint8_t mode = 0;
  if (!in.u8(mode)) return 0;
  const bool report_only = mode & 1;
  std::vector<std::string> values;
  for (std::string_view v : in.split('\0', (mode & 2) ? 2 : 1)) values.emplace_back(v);
  for (const auto& value : values) {
    for (const auto& p : parse_csp(value, report_only)) {
      CHECK(p.report_only == report_only);
      for (const auto& d : p.directives) {
        CHECK(!d.name.empty());
        for (char c : d.name) CHECK(!(c >= 'A' && c <= 'Z') && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != ';' && c != ',');
        for (const auto& v : d.values) {
          CHECK(!v.empty());
          CHECK(v.find_first_of(" \t\n\r\f;,") == std::string::npos);
        }
      }
      const std::string s = serialize(p);
      csp_policy q = parse_csp_policy(s, report_only);
      CHECK(q.directives == p.directives);
      CHECK(serialize(q) == s);
    }
  }
  // the audit below runs three to five times per input (determinism, the audit_csp wrapper, the re-serialised
  // header, one policy alone): the cheaper twin csp_fuzzer_fast stops here
  if (!websec::fuzz::full) return 0;
  const std::vector<std::string> none;
  const subject_report r1 = report_only ? csp_report(none, values, {}) : csp_report(values, none, {});
  CHECK(r1 == (report_only ? csp_report(none, values, {}) : csp_report(values, none, {})));  // deterministic
  const auto& v1 = r1.findings;
  CHECK((report_only ? audit_csp(none, values) : audit_csp(values, none)) == v1);
  CHECK(!v1.empty());
  // total: exactly one verdict, the worst effect of the findings; csp.ok iff pass
  CHECK(r1.result == worst_effect(v1));
  CHECK(has_verdict(v1, F::csp_ok) == (r1.result == rating::pass));
  for (const auto& x : v1) CHECK(to_string(x.id).rfind("csp.", 0) == 0 && !x.subject.empty() && !x.reason.empty());
  for (const auto& x : v1)
    if (x.level == severity::info) CHECK(x.effect == rating::pass);  // advice never lowers the verdict
  if (report_only) {
    CHECK(v1.size() == 1);
    CHECK(v1[0].id == F::csp_report_only_only || v1[0].id == F::csp_missing || v1[0].id == F::csp_empty_policy);
    CHECK(r1.result == rating::fail);
  }
  // stable when the header is re-serialised: every policy written back, joined with ", " (directives a browser
  // skips — non-ASCII ones, later duplicates — are dropped by serialize, so those inputs are left out)
  bool clean = true;
  std::vector<std::string> again;
  for (const auto& value : values) {
    std::string joined;
    for (const auto& p : parse_csp(value, report_only)) {
      clean = clean && p.skipped_tokens == 0 && p.duplicates.empty() && !p.directives.empty();
      joined += (joined.empty() ? "" : ", ") + serialize(p);
    }
    again.push_back(joined);
  }
  if (clean) {
    const subject_report r2 = report_only ? csp_report(none, again, {}) : csp_report(values.empty() ? none : again, none, {});
    CHECK(r2.result == r1.result);
  }
  if (!report_only && values.size() == 2) {
    auto first = audit_csp({values[0]}, none);
    for (finding_id id : {F::csp_unsafe_inline, F::csp_script_wildcard, F::csp_script_data, F::csp_unsafe_eval})
      if (has_verdict(v1, id) && summarize_scripts(parse_csp(values[0])).restricted) CHECK(has_verdict(first, id));
  }
  return 0;
}
