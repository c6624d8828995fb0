// urlencoded_fuzzer — application/x-www-form-urlencoded decoding (websec::urlencoded, both profiles).
//
// Input: byte 0 selects the mode; the rest is either a body to decode or material for pairs to encode.
// Invariants (abort on violation):
//   * decoding never fails in the debian profile, and fails in upstream exactly when the body is not UTF-8;
//   * the number of pairs equals the number of non-empty '&'-separated pieces; every output is valid UTF-8;
//   * round trip: pairs built from the input (UTF-8 with U+FFFD replacement), percent-encoded (every byte outside
//     [A-Za-z0-9_.~-], spaces as '+'), joined with '&', decode back to the same pairs in both profiles.
#include "fuzz_check.hpp"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "websec/charset.hpp"
#include "websec/urlencoded.hpp"

using namespace websec;

static std::string quote_plus(std::string_view s) {
  static const char* hx = "0123456789ABCDEF";
  std::string o;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '~' || c == '-')
      o.push_back(static_cast<char>(c));
    else if (c == ' ') o.push_back('+');
    else { o.push_back('%'); o.push_back(hx[c >> 4]); o.push_back(hx[c & 15]); }
  }
  return o;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return -1;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t pieces = 0;
  for (std::size_t i = 0; i <= in.size();) {
    std::size_t a = in.find('&', i);
    std::size_t e = a == std::string_view::npos ? in.size() : a;
    if (e > i) ++pieces;
    if (a == std::string_view::npos) break;
    i = a + 1;
  }
  auto deb = urlencoded::decode(in, profile::debian);
  CHECK(deb.ok(), "debian decoding never fails");
  CHECK(deb->size() == pieces, "debian pair count");
  for (auto& p : *deb) CHECK(charset::utf8_valid(p.name) && charset::utf8_valid(p.value), "debian output not UTF-8");
  auto up = urlencoded::decode(in, profile::upstream);
  CHECK(up.ok() == charset::utf8_valid(in), "upstream fails exactly on non-UTF-8 bodies");
  if (up.ok()) {
    CHECK(up->size() == pieces, "upstream pair count");
    for (auto& p : *up) CHECK(charset::utf8_valid(p.name) && charset::utf8_valid(p.value), "upstream output not UTF-8");
  }
  // round trip: pairs built from the input, percent-encoded (up to three times the input) and decoded in both
  // profiles; the cheaper twin urlencoded_fuzzer_fast stops before it
  if (!websec::fuzz::full) return 0;
  std::vector<urlencoded::pair> pairs;
  std::string text = charset::utf8_replace(in);
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = 1 + static_cast<unsigned char>(text[i]) % 7;
    std::string k = text.substr(i, n);
    i += n;
    std::size_t m = i < text.size() ? static_cast<unsigned char>(text[i]) % 11 : 0;
    std::string v = text.substr(std::min(i, text.size()), m);
    i += m;
    // keep whole UTF-8 sequences: re-validate
    k = charset::utf8_replace(k);
    v = charset::utf8_replace(v);
    if (k.empty() && v.empty()) continue;
    pairs.push_back({k, v});
  }
  std::string body;
  for (auto& p : pairs) {
    if (!body.empty()) body += '&';
    body += quote_plus(p.name) + "=" + quote_plus(p.value);
  }
  for (auto prof : {profile::debian, profile::upstream}) {
    auto back = urlencoded::decode(body, prof);
    CHECK(back.ok(), "encoded body must decode");
    CHECK(back->size() == pairs.size(), "round trip pair count");
    for (std::size_t i = 0; i < pairs.size(); ++i)
      CHECK((*back)[i].name == pairs[i].name && (*back)[i].value == pairs[i].value, "round trip changed a pair");
  }
  return 0;
}
