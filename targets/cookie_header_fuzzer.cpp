// cookie_header_fuzzer — request Cookie headers through werkzeug's parsing, both profiles.
//
// Input: the Cookie header bytes.
// Invariants (abort on violation):
//   * parse_cookie_header is total for both profiles and returns at most (number of ';') + 1 pairs
//   * every key is non-empty (CVE-2023-23934: werkzeug drops empty keys) and holds no ';'; keys and values are
//     valid UTF-8 (debian decodes with U+FFFD replacement, upstream maps latin-1 code points)
//   * on input made only of printable ASCII, space and TAB — where werkzeug 2.2 and 3.1 cannot differ (no newline
//     stops either regex, no U+001C..U+001F for str.strip) — both profiles give identical pairs
//   * parsing is deterministic, and a header rebuilt from debian's pairs as `key="escaped value"` parses back to
//     the same pairs (what dump_cookie's quoting promises); cookie_header_fuzzer_fast leaves these two out
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "websec/cookie.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace websec;

namespace {

using websec::fuzz::valid_utf8;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t semis = static_cast<std::size_t>(std::count(in.begin(), in.end(), ';'));
  auto deb = cookie::parse_cookie_header(in, profile::debian);
  auto up = cookie::parse_cookie_header(in, profile::upstream);
  for (const auto* pairs : {&deb, &up}) {
    CHECK(pairs->size() <= semis + 1);
    for (const auto& [k, v] : *pairs) {
      CHECK(!k.empty());
      CHECK(k.find(';') == std::string::npos);
      CHECK(valid_utf8(k));
      CHECK(valid_utf8(v));
    }
  }
  if (websec::fuzz::full) CHECK(deb == cookie::parse_cookie_header(in, profile::debian));
  bool plain = std::all_of(in.begin(), in.end(), [](char c) { return (c >= 0x20 && c < 0x7F) || c == '\t'; });
  if (plain) CHECK(deb == up);

  if (!websec::fuzz::full) return 0;
  // Rebuild from debian's pairs with werkzeug 2.2's quoting and parse again.
  std::string rebuilt;
  bool rebuildable = true;
  for (const auto& [k, v] : deb) {
    if (k.find_first_of("=\"\\ \t\n\r\f\v") != std::string::npos) { rebuildable = false; break; }
    cookie::dump_options o;
    o.profile = profile::debian;
    o.path.reset();
    auto d = cookie::dump_cookie(k, v, o);
    CHECK(d.ok());
    rebuilt += (rebuilt.empty() ? "" : "; ") + d->header;
  }
  if (rebuildable) CHECK(cookie::parse_cookie_header(rebuilt, profile::debian) == deb);
  return 0;
}
