// terminal_test — the documented backspace filter and the strict terminal policy (no oracle: behaviour written
// down case by case, plus properties: no control, bidi or ESC survives, output is valid UTF-8, idempotent).
#include "websec/terminal.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

using namespace websec::terminal;

namespace {

// Independent check of the output: strict UTF-8 and none of the forbidden code points.
bool safe_output(const std::string& s, const options& o) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == 0x7F) return false;
      if (c < 0x20) {
        bool ok = (c == '\t' && o.keep_tab) || (c == '\n' && o.keep_newline) ||
                  (c == '\r' && o.keep_crlf && i + 1 < s.size() && s[i + 1] == '\n');
        if (!ok) return false;
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return false;
    char32_t cp = c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char x = static_cast<unsigned char>(s[i + k]);
      if ((x & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (x & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    if (cp >= 0x80 && cp <= 0x9F) return false;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
        cp == 0x061C)
      return false;
    i += len;
  }
  return true;
}

rc::Gen<std::string> terminal_ish() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
          rc::gen::arbitrary<std::string>(),
          rc::gen::elementOf(std::vector<std::string>{
              "\x1b", "\x1b[", "\x1b[31m", "\x1b[0;1;38;5;196m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\",
              "\x1bP", "\x1b\\", "\x1b(B", "\x1b#8", "\xc2\x9b", "\xc2\x9d", "\xc2\x9c", "\xc2\x85", "\xe2\x80\xae",
              "\xe2\x81\xa6", "\xe2\x80\x8f", "\r", "\n", "\r\n", "\t", "\b", "\x7f", "\xff", "\xc3", "\xe2\x80",
              "\xf0\x9f\x98\x80", "text", "[31m"}))),
      [](const std::vector<std::string>& parts) {
        std::string s;
        for (const auto& p : parts) s += p;
        return s;
      });
}

std::string kinds(const cleaned& c) {
  std::string s;
  for (const auto& ch : c.changes) {
    if (!s.empty()) s += ",";
    s += std::string(to_string(ch.what)) + "@" + std::to_string(ch.offset) + "+" + std::to_string(ch.length);
    if (ch.count > 1) s += "x" + std::to_string(ch.count);
  }
  return s;
}

}  // namespace

TEST(Terminal, DocumentedFilterRemovesBackspacesOnly) {
  EXPECT_EQ(filter_doc("pa\bss\b\bword\x1b[0m"), "password\x1b[0m");
  auto r = clean_doc("a\b\bb\b");
  EXPECT_EQ(r.text, "ab");
  EXPECT_EQ(kinds(r), "backspace@1+2x2,backspace@4+1");
}

TEST(Terminal, StrictRemovesSequences) {
  auto r = clean("a\x1b[31mred\x1b[0m b");
  EXPECT_EQ(r.text, "ared b");
  EXPECT_EQ(kinds(r), "csi_sequence@1+5,csi_sequence@9+4");
  r = clean("x\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\y");
  EXPECT_EQ(r.text, "xclicky");
  EXPECT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].what, kind::osc_sequence);
  r = clean("t\x1b]0;title\x07u");
  EXPECT_EQ(r.text, "tu");
  r = clean("\x1bPq#0;2;0;0;0\x1b\\z");  // DCS (sixel)
  EXPECT_EQ(r.text, "z");
  EXPECT_EQ(r.changes[0].what, kind::string_sequence);
  r = clean("\x1b(Bk\x1b" "7\x1b");  // designate charset, save cursor, lone ESC at the end
  EXPECT_EQ(r.text, "k");
  EXPECT_EQ(kinds(r), "escape_sequence@0+3,escape_sequence@4+3x2");  // adjacent items of one kind are merged
  r = clean("\xc2\x9b" "2Jx");  // 8-bit CSI as U+009B
  EXPECT_EQ(r.text, "x");
  EXPECT_EQ(r.changes[0].what, kind::csi_sequence);
  r = clean("\x1b]unterminated title");  // a terminal swallows the rest
  EXPECT_EQ(r.text, "");
}

TEST(Terminal, StrictControlsAndBidi) {
  auto r = clean(std::string("a\x00" "b\rc\r\nd\te\x7f" "f\xc2\x85g", 15));
  EXPECT_EQ(r.text, "abc\r\nd\tefg");
  EXPECT_EQ(kinds(r), "c0_control@1+1,c0_control@3+1,del@10+1,c1_control@12+2");
  // Trojan Source: "access level" comment reordered by RLO ... PDI
  r = clean("if (a != \"user\xe2\x80\xae \xe2\x81\xa6// admin\xe2\x81\xa9\xe2\x81\xa6\")");
  EXPECT_EQ(r.text, "if (a != \"user // admin\")");
  EXPECT_EQ(r.changes[0].what, kind::bidi_override);
  EXPECT_EQ(r.changes[1].what, kind::bidi_isolate);
  r = clean("\xe2\x80\x8f" "x");
  EXPECT_EQ(r.changes[0].what, kind::bidi_mark);
  options keep_nothing;
  keep_nothing.keep_tab = keep_nothing.keep_newline = keep_nothing.keep_crlf = false;
  EXPECT_EQ(clean("a\tb\r\nc", keep_nothing).text, "abc");
}

TEST(Terminal, InvalidUtf8MaximalSubparts) {
  // Unicode's example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b FFFD c FFFD FFFD d
  auto r = clean("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64");
  std::string f = "\xEF\xBF\xBD";
  EXPECT_EQ(r.text, "a" + f + f + f + "b" + f + "c" + f + f + "d");
  EXPECT_EQ(kinds(r), "invalid_utf8@1+6x3,invalid_utf8@8+1,invalid_utf8@10+2x2");
  EXPECT_EQ(clean("\xed\xa0\x80").text, f + f + f);  // surrogates are not UTF-8
  EXPECT_EQ(clean("\xc0\xaf").text, f + f);         // overlong
  options vis;
  vis.act = action::visible;
  EXPECT_EQ(clean("\xff\x1b[1m\xe2\x80\xae", vis).text, "\\xff\\x1b[1m\\u202e");
}

TEST(Terminal, ValidTextUntouched) {
  std::string s = "plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 text\n\tindent\r\n";
  auto r = clean(s);
  EXPECT_EQ(r.text, s);
  EXPECT_TRUE(r.changes.empty());
}

RC_GTEST_PROP(TerminalProperties, StrictOutputIsSafeAndIdempotent, ()) {
  std::string s = *terminal_ish();
  for (action a : {action::remove, action::visible}) {
    options o;
    o.act = a;
    auto r = clean(s, o);
    RC_ASSERT(safe_output(r.text, o));
    auto again = clean(r.text, o);
    RC_ASSERT(again.text == r.text);
    RC_ASSERT(again.changes.empty());
    RC_ASSERT(r.text.find('\x1b') == std::string::npos);
    RC_ASSERT(r.changes.empty() == (r.text == s));
    std::size_t covered = 0;
    for (const auto& c : r.changes) {
      RC_ASSERT(c.offset >= covered);
      RC_ASSERT(c.offset + c.length <= s.size());
      RC_ASSERT(c.count >= 1 && c.length >= c.count);
      covered = c.offset + c.length;
    }
  }
}

RC_GTEST_PROP(TerminalProperties, DocFilterIsPythonReplace, (std::string s)) {
  std::string want;
  for (char c : s)
    if (c != '\b') want += c;
  RC_ASSERT(filter_doc(s) == want);
  RC_ASSERT(clean_doc(s).text == want);
}
