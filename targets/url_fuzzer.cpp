// url_fuzzer — scheme extraction and the dangerous-URL verdict on arbitrary bytes.
//
// Invariants (abort on violation):
//   * scheme() equals a literal transcription of Python 3.11's urlsplit scheme rule (lstrip C0/space, remove
//     TAB/LF/CR, `url[:i]` before the first ':' all scheme characters, first one an ASCII letter, lower-cased)
//   * the scheme is empty or matches [a-z][a-z0-9+.-]*
//   * attribute source == text source after html.unescape
//   * check(): verdict dangerous exactly for javascript/vbscript/data, relative exactly for no scheme; a reason
//   * a URL whose scheme is javascript stays javascript with any C0/space prefix, and with TAB/LF/CR inserted
#include "fuzz_check.hpp"
#include "websec/ci_string.hpp"
#include "websec/escape.hpp"
#include "websec/url.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace websec;

namespace {

// Python 3.11 urllib.parse.urlsplit, the scheme part, transcribed.
std::string python_scheme(std::string_view u) {
  std::size_t b = 0;
  while (b < u.size() && static_cast<unsigned char>(u[b]) <= 0x20) ++b;  // url.lstrip(_WHATWG_C0_CONTROL_OR_SPACE)
  std::string url;
  for (std::size_t i = b; i < u.size(); ++i)
    if (u[i] != '\t' && u[i] != '\r' && u[i] != '\n') url += u[i];
  std::size_t i = url.find(':');
  if (i == std::string::npos || i == 0) return "";
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(url[0])) return "";
  for (std::size_t k = 0; k < i; ++k) {
    char c = url[k];
    if (!(alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return "";
  }
  return websec::ci::lower(url.substr(0, i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view x(reinterpret_cast<const char*>(data), size);
  std::string st = url::scheme(x, url::source::text);
  CHECK(st == python_scheme(x), "scheme differs from urlsplit's rule");
  if (!st.empty()) {
    CHECK(st[0] >= 'a' && st[0] <= 'z', "scheme must start with a letter");
    for (char c : st)
      CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.', "scheme char");
  }
  std::string sa = url::scheme(x, url::source::attribute);
  CHECK(sa == url::scheme(escape::unescape(x), url::source::text), "attribute scheme != scheme(unescape)");

  for (auto src : {url::source::text, url::source::attribute}) {
    auto a = url::check(x, src);
    const std::string& s = src == url::source::text ? st : sa;
    CHECK(a.scheme == s, "check().scheme");
    bool danger = s == "javascript" || s == "vbscript" || s == "data";
    CHECK((a.v == url::verdict::dangerous) == danger, "dangerous verdict");
    CHECK((a.v == url::verdict::relative) == s.empty(), "relative verdict");
    CHECK(danger == (a.kind != url::danger::none), "danger kind");
    CHECK(!a.reason.empty(), "reason");
  }

  if (st == "javascript") {
    std::string prefixed = std::string("\x00\x1f \t", 4) + std::string(x);
    CHECK(url::scheme(prefixed) == "javascript", "C0 prefix hid javascript:");
    std::string split(x);
    std::size_t colon = split.find(':');
    split.insert(colon / 2, "\t\n\r");
    CHECK(url::scheme(split) == "javascript", "TAB/LF/CR hid javascript:");
  }
  // verdict and danger names: distinct and non-empty (the CLI and reports print them)
  for (auto src : {url::source::text, url::source::attribute}) {
    auto a = url::check(x, src);
    CHECK(!url::to_string(a.v).empty() && !url::to_string(a.kind).empty(), "unnamed verdict");
  }
  for (auto d1 : {url::danger::none, url::danger::javascript, url::danger::vbscript, url::danger::data})
    for (auto d2 : {url::danger::none, url::danger::javascript, url::danger::vbscript, url::danger::data})
      CHECK((d1 == d2) == (url::to_string(d1) == url::to_string(d2)), "danger names not distinct");
  for (auto v1 : {url::verdict::safe, url::verdict::dangerous, url::verdict::relative})
    for (auto v2 : {url::verdict::safe, url::verdict::dangerous, url::verdict::relative})
      CHECK((v1 == v2) == (url::to_string(v1) == url::to_string(v2)), "verdict names not distinct");
  return 0;
}
