// content_type_fuzzer — werkzeug's parse_options_header (websec::content_type, both profiles) on arbitrary headers.
//
// Invariants (abort on violation):
//   * upstream never fails; debian fails only with the charset kinds (silent 200 or 500);
//   * keys are lower-case (ASCII) and unique (dict semantics);
//   * upstream: the value is the input before the first ';' stripped; keys are RFC 9110 tokens;
//   * a boundary that came from a plain token (no quotes, backslashes, '%', no `boundary*`) is a substring of the
//     input;
//   * idempotence: serializing the parsed result as `value; k="v"` (only for plain token keys and values without
//     '"', '\', '%', ',' , ';', newline) and parsing it again gives the same value and parameters.
#include "fuzz_check.hpp"
#include "websec/ci_string.hpp"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "websec/content_type.hpp"

using namespace websec;

namespace {
bool token_key(const std::string& k) {
  if (k.empty()) return false;
  for (unsigned char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '!' || c == '#' ||
              c == '$' || c == '&' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
    if (!ok) return false;
  }
  return true;
}
bool plain_value(const std::string& v) {
  for (unsigned char c : v)
    if (c == '"' || c == '\\' || c == '%' || c == ',' || c == ';' || c == '\n' || c == '\r' || c < 0x20 || c >= 0x80) return false;
  return true;
}
bool plain_mimetype(const std::string& v) {
  if (v.empty()) return false;
  for (unsigned char c : v)
    if (c == ';' || c == ',' || c <= 0x20 || c >= 0x7f) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  for (profile prof : {profile::upstream, profile::debian}) {
    auto r = content_type::parse_options_header(in, prof);
    if (!r) {
      CHECK(prof == profile::debian, "upstream never fails");
      const auto& k = r.err().kind;
      CHECK(k == errc::parameter_charset_decode || k == errc::unknown_charset || k == errc::unsupported_charset ||
                k == errc::continuation_of_none, "unexpected error kind");
      continue;
    }
    for (std::size_t i = 0; i < r->params.size(); ++i) {
      for (unsigned char c : r->params[i].key) CHECK(!(c >= 'A' && c <= 'Z'), "key not lower-cased");
      for (std::size_t j = i + 1; j < r->params.size(); ++j) CHECK(r->params[i].key != r->params[j].key, "duplicate key");
      if (prof == profile::upstream) CHECK(r->params[i].value.has_value(), "upstream has no None values");
    }
    // parameter names are case-insensitive: "boundAry*0=" continues the boundary too (regression
    // boundary_continuation_mixed_case)
    const std::string folded = websec::ci::lower(in);
    if (const auto* b = r->find("boundary"); b && b->value && folded.find("boundary*") == std::string::npos) {
      if (b->value->find_first_of("\"\\%") == std::string::npos && in.find('"') == std::string::npos &&
          in.find('\\') == std::string::npos && in.find('%') == std::string::npos)
        CHECK(in.find(*b->value) != std::string::npos, "boundary is not a substring of the input");
    }
    // idempotence
    if (!plain_mimetype(r->value)) continue;
    std::string ser = r->value;
    bool ok = true;
    for (auto& p : r->params) {
      if (!token_key(p.key)) { ok = false; break; }
      if (!p.value) { ser += "; " + p.key; continue; }
      if (!plain_value(*p.value)) { ok = false; break; }
      ser += "; " + p.key + "=\"" + *p.value + "\"";
    }
    if (!ok || r->params.empty()) continue;
    if (prof == profile::upstream) {
      bool has_none = false;
      for (auto& p : r->params) has_none |= !p.value;
      if (has_none) continue;
    }
    auto again = content_type::parse_options_header(ser, prof);
    CHECK(again.ok(), "re-serialized header fails");
    CHECK(again->value == r->value, "value changed on re-parse");
    CHECK(again->params.size() == r->params.size(), "parameter count changed on re-parse");
    for (std::size_t i = 0; i < r->params.size(); ++i)
      CHECK(again->params[i].key == r->params[i].key && again->params[i].value == r->params[i].value, "parameter changed on re-parse");
  }
  return 0;
}
