// url_test — scheme extraction and the dangerous-URL verdict: the url_scheme vectors of both profiles and a
// differential test against Python's urllib.parse.urlsplit(...).scheme (with and without html.unescape first).
#include "websec/url.hpp"

#include "websec/escape.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

using namespace websec;

class UrlVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(UrlVectors, SchemeAsUrlsplitAndAfterUnescape) {
  websec::test::json v = websec::test::load_vectors(GetParam(), "escape");  // (bare `json` would also name websec::json)
  ASSERT_EQ(v["url_scheme"].size(), 20u);
  for (const auto& c : v["url_scheme"]) {
    std::string in = c["input"];
    EXPECT_EQ(url::scheme(in, url::source::text), c["urlsplit_scheme"].get<std::string>()) << in;
    EXPECT_EQ(escape::unescape(in), c["html_unescaped"].get<std::string>()) << in;
    EXPECT_EQ(url::scheme(in, url::source::attribute), c["urlsplit_scheme_after_unescape"].get<std::string>()) << in;
    std::string s = c["urlsplit_scheme_after_unescape"];
    auto a = url::check(in, url::source::attribute);
    bool dangerous = s == "javascript" || s == "vbscript" || s == "data";
    EXPECT_EQ(a.v == url::verdict::dangerous, dangerous) << in;
    EXPECT_EQ(a.v == url::verdict::relative, s.empty()) << in;
    EXPECT_FALSE(a.reason.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, UrlVectors, ::testing::Values("debian", "upstream"));

TEST(Url, Verdicts) {
  auto a = url::check("JaVaScRiPt:alert(1)");
  EXPECT_EQ(a.v, url::verdict::dangerous);
  EXPECT_EQ(a.kind, url::danger::javascript);
  EXPECT_EQ(url::check("vbscript:x").kind, url::danger::vbscript);
  EXPECT_EQ(url::check("data:text/html,<script>").kind, url::danger::data);
  EXPECT_EQ(url::check(" \x01java\tscript:x ").kind, url::danger::javascript);
  EXPECT_EQ(url::check("java&#x09;script:alert(1)").kind, url::danger::javascript);  // decoded TAB, then removed
  EXPECT_EQ(url::check("java&#x09;script:alert(1)", url::source::text).v, url::verdict::relative);
  EXPECT_EQ(url::check("%6Aavascript:alert(1)").v, url::verdict::relative);
  EXPECT_EQ(url::check("https://example.com/").v, url::verdict::safe);
  EXPECT_EQ(url::check("mailto:a@b").v, url::verdict::safe);
  EXPECT_EQ(url::check("").v, url::verdict::relative);
  EXPECT_EQ(url::check(":x").v, url::verdict::relative);
  EXPECT_NE(url::check("//evil.example/").reason.find("protocol-relative"), std::string::npos);
  EXPECT_EQ(url::scheme("a+b-c.d:x"), "a+b-c.d");
  EXPECT_EQ(url::scheme("\xd0\xb0:x"), "");
  EXPECT_EQ(url::scheme("javascript\x00:x"), "");
}

namespace {
std::string random_url(websec::test::rng& r) {
  static const std::vector<std::string> pieces = {
      "javascript", "JaVaScRiPt", "vbscript", "data", "https", "mailto", "java", "script", ":", ":", ":", "//",
      "/", "?", "#", "\t", "\n", "\r", " ", "\x00", "\x01", "\x1f", "\x7f", "\xc2\xa0", "\xd0\xb0", "&#106;",
      "&colon;", "&#58;", "&#x09;", "&Tab;", "&NewLine;", "&#0;", "&amp;", "%3A", "1", "+", "-", ".", "a", "Z",
      "x", "@", "alert(1)", "\xff", "\xf0\x9f\x98\x80"};
  std::string s;
  for (std::size_t k = r.below(8); k > 0; --k) {
    if (r.chance(10))
      s += static_cast<char>(r.below(256));
    else {
      const std::string& p = pieces[r.below(pieces.size())];
      s += p.empty() ? std::string(1, '\0') : p;
    }
  }
  // the "\x00" piece is an empty C string: make NULs explicit sometimes
  if (r.chance(10)) s.insert(s.begin() + static_cast<long>(r.below(s.size() + 1)), '\0');
  return s;
}
}  // namespace

TEST(UrlDifferential, UrlsplitScheme) {
  auto seed = websec::test::test_seed(0x0A1C0001);
  websec::test::rng r(seed);
  std::vector<std::string> inputs;
  for (int k = 0; k < 10000; ++k) inputs.push_back(random_url(r));
  std::string stdin_text;
  for (const auto& s : inputs) stdin_text += "x" + websec::test::to_hex(s) + "\n";
  auto res = websec::test::run_python(
      "import sys, html\nfrom urllib.parse import urlsplit\n"
      "def sch(u):\n"
      "    try:\n        return urlsplit(u).scheme.encode('utf-8', 'surrogateescape').hex()\n"
      "    except ValueError:\n        return '!'\n"
      "out = []\n"
      "for line in sys.stdin.read().split('\\n'):\n"
      "    if not line: continue\n"
      "    s = bytes.fromhex(line[1:]).decode('utf-8', 'surrogateescape')\n"
      "    out.append(sch(s) + ' ' + sch(html.unescape(s)))\n"
      "print('\\n'.join(out))\n",
      stdin_text);
  ASSERT_EQ(res.exit_code, 0) << res.err;
  std::vector<std::string> lines;
  for (std::size_t st = 0; st < res.out.size();) {
    std::size_t nl = res.out.find('\n', st);
    if (nl == std::string::npos) nl = res.out.size();
    lines.push_back(res.out.substr(st, nl - st));
    st = nl + 1;
  }
  ASSERT_EQ(lines.size(), inputs.size());
  std::size_t compared = 0, skipped = 0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    std::string a = lines[k].substr(0, lines[k].find(' ')), b = lines[k].substr(lines[k].find(' ') + 1);
    if (a == "!" || b == "!") {  // urlsplit raised (e.g. an unbalanced '[' in the netloc): no scheme to compare
      ++skipped;
      continue;
    }
    ASSERT_EQ(url::scheme(inputs[k], url::source::text), websec::test::from_hex(a))
        << "seed " << seed << " input " << websec::test::to_hex(inputs[k]);
    ASSERT_EQ(url::scheme(inputs[k], url::source::attribute), websec::test::from_hex(b))
        << "seed " << seed << " input " << websec::test::to_hex(inputs[k]);
    ++compared;
  }
  EXPECT_GE(compared, 9900u) << "skipped " << skipped;
}

RC_GTEST_PROP(UrlProperties, SchemeIsLowerCaseAndWellFormed, (std::string s)) {
  std::string sc = url::scheme(s, url::source::attribute);
  if (!sc.empty()) {
    RC_ASSERT(sc[0] >= 'a' && sc[0] <= 'z');
    for (char c : sc) RC_ASSERT((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
  }
  auto a = url::check(s);
  RC_ASSERT(a.scheme == sc);
  RC_ASSERT((a.v == url::verdict::dangerous) == (sc == "javascript" || sc == "vbscript" || sc == "data"));
}
