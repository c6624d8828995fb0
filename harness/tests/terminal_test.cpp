// terminal_test — the documented backspace filter and the strict terminal policy (no oracle: behaviour written
// down case by case, plus properties: no control, bidi or ESC survives, output is valid UTF-8, idempotent).
#include "websec/terminal.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <optional>
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


// ---- the oracle: the whole-input implementation this module had before it streamed (kept verbatim) ---------------

namespace reference {

void record(std::vector<change>& ch, kind k, std::size_t off, std::size_t len) {
  if (!ch.empty() && ch.back().what == k && ch.back().offset + ch.back().length == off) {
    ch.back().length += len;
    ch.back().count += 1;
    return;
  }
  ch.push_back({k, off, len, 1});
}

struct cp {
  char32_t c;       // code point (valid only when ok)
  std::size_t len;  // bytes: the sequence, or the maximal invalid subpart
  bool ok;
};

// Strict UTF-8; on error the maximal subpart of an ill-formed sequence (Unicode 15 §3.9, D93b).
cp decode(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1, true};
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {0, 1, false};
  }
  std::size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) return {0, k, false};
    unsigned char x = b(i + k);
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (x < l || x > h) return {0, k, false};
    v = (v << 6) | (x & 0x3F);
  }
  return {v, need + 1, true};
}

const char* hexd = "0123456789abcdef";

void visible_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += hexd[c >> 4];
  out += hexd[c & 15];
}

void visible_cp(std::string& out, char32_t c) {
  if (c < 0x80) {
    visible_byte(out, static_cast<unsigned char>(c));
    return;
  }
  out += "\\u";
  for (int sh = 12; sh >= 0; sh -= 4) out += hexd[(c >> sh) & 15];
}

bool is_bidi(char32_t c, kind& k) {
  if (c >= 0x202A && c <= 0x202E) return k = kind::bidi_override, true;
  if (c >= 0x2066 && c <= 0x2069) return k = kind::bidi_isolate, true;
  if (c == 0x200E || c == 0x200F || c == 0x061C) return k = kind::bidi_mark, true;
  return false;
}

// Renders a removed range visibly: every control, bidi character and invalid byte as an escape; printable
// characters as they are.
void render_visible(std::string& out, std::string_view s, std::size_t b, std::size_t e) {
  for (std::size_t i = b; i < e;) {
    cp d = decode(s, i);
    if (i + d.len > e) d = {0, e - i, false};
    kind k;
    if (!d.ok) {
      for (std::size_t j = 0; j < d.len; ++j) visible_byte(out, static_cast<unsigned char>(s[i + j]));
    } else if (d.c < 0x20 || d.c == 0x7F || (d.c >= 0x80 && d.c <= 0x9F) || is_bidi(d.c, k)) {
      visible_cp(out, d.c);
    } else {
      out.append(s.data() + i, d.len);
    }
    i += d.len;
  }
}

// Terminators of OSC and the other string sequences: BEL (OSC only), ESC \, U+009C; CAN and SUB cancel.
// Returns the end of the sequence (after its terminator), or where a new ESC starts, or the end of input.
std::size_t string_end(std::string_view s, std::size_t j, bool bel_ends) {
  const std::size_t n = s.size();
  while (j < n) {
    unsigned char c = static_cast<unsigned char>(s[j]);
    if (c == 0x07 && bel_ends) return j + 1;
    if (c == 0x18 || c == 0x1A) return j + 1;
    if (c == 0x1B) return (j + 1 < n && s[j + 1] == '\\') ? j + 2 : j;
    if (c == 0xC2 && j + 1 < n && static_cast<unsigned char>(s[j + 1]) == 0x9C) return j + 2;
    ++j;
  }
  return n;
}

std::size_t csi_end(std::string_view s, std::size_t j) {
  const std::size_t n = s.size();
  while (j < n && s[j] >= 0x30 && s[j] <= 0x3F) ++j;
  while (j < n && s[j] >= 0x20 && s[j] <= 0x2F) ++j;
  if (j < n && s[j] >= 0x40 && s[j] <= 0x7E) ++j;
  return j;
}


cleaned reference_clean(std::string_view s, const options& o) {
  cleaned r;
  r.text.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto drop = [&](kind k, std::size_t b, std::size_t e) {
    record(r.changes, k, b, e - b);
    if (o.act == action::visible) render_visible(r.text, s, b, e);
  };
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      std::size_t j = i + 1;
      while (j < n && static_cast<unsigned char>(s[j]) >= 0x20 && static_cast<unsigned char>(s[j]) < 0x7F) ++j;
      r.text.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c == 0x1B) {
      std::size_t e = i + 1;
      kind k = kind::escape_sequence;
      if (e < n) {
        unsigned char x = static_cast<unsigned char>(s[e]);
        if (x == '[') {
          k = kind::csi_sequence;
          e = csi_end(s, e + 1);
        } else if (x == ']') {
          k = kind::osc_sequence;
          e = string_end(s, e + 1, true);
        } else if (x == 'P' || x == 'X' || x == '^' || x == '_') {
          k = kind::string_sequence;
          e = string_end(s, e + 1, false);
        } else if (x >= 0x20 && x <= 0x2F) {
          while (e < n && s[e] >= 0x20 && s[e] <= 0x2F) ++e;
          if (e < n && s[e] >= 0x30 && s[e] <= 0x7E) ++e;
        } else if (x >= 0x30 && x <= 0x7E) {
          e += 1;
        }
      }
      drop(k, i, e);
      i = e;
      continue;
    }
    if (c < 0x20) {
      if ((c == '\t' && o.keep_tab) || (c == '\n' && o.keep_newline) ||
          (c == '\r' && o.keep_crlf && i + 1 < n && s[i + 1] == '\n')) {
        r.text += static_cast<char>(c);
      } else {
        drop(kind::c0_control, i, i + 1);
      }
      ++i;
      continue;
    }
    if (c == 0x7F) {
      drop(kind::del, i, i + 1);
      ++i;
      continue;
    }
    cp d = decode(s, i);
    if (!d.ok) {
      record(r.changes, kind::invalid_utf8, i, d.len);
      if (o.act == action::visible)
        render_visible(r.text, s, i, i + d.len);
      else
        r.text += "\xEF\xBF\xBD";
      i += d.len;
      continue;
    }
    if (d.c >= 0x80 && d.c <= 0x9F) {
      std::size_t e = i + 2;
      kind k = kind::c1_control;
      if (d.c == 0x9B) {
        k = kind::csi_sequence;
        e = csi_end(s, e);
      } else if (d.c == 0x9D) {
        k = kind::osc_sequence;
        e = string_end(s, e, true);
      } else if (d.c == 0x90 || d.c == 0x98 || d.c == 0x9E || d.c == 0x9F) {
        k = kind::string_sequence;
        e = string_end(s, e, false);
      }
      drop(k, i, e);
      i = e;
      continue;
    }
    kind k;
    if (is_bidi(d.c, k)) {
      drop(k, i, i + d.len);
      i += d.len;
      continue;
    }
    r.text.append(s.data() + i, d.len);
    i += d.len;
  }
  return r;
}


}  // namespace reference

bool same(const cleaned& a, const cleaned& b) {
  if (a.text != b.text || a.changes.size() != b.changes.size()) return false;
  for (std::size_t i = 0; i < a.changes.size(); ++i) {
    const change &x = a.changes[i], &y = b.changes[i];
    if (x.what != y.what || x.offset != y.offset || x.length != y.length || x.count != y.count) return false;
  }
  return true;
}

/// `s` pushed through a cleaner in pieces of the sizes given (cycled), then finished.
cleaned streamed(std::string_view s, std::optional<options> o, const std::vector<std::size_t>& sizes) {
  cleaner c = o ? cleaner(*o) : cleaner::documented();
  cleaned r;
  std::size_t k = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = std::min(std::max<std::size_t>(sizes[k++ % sizes.size()], 1), s.size() - i);
    c.feed(s.substr(i, n), r.text, r.changes);
    i += n;
  }
  c.finish(r.text, r.changes);
  return r;
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

// The streaming cleaner gives exactly what the whole-input implementation gave, whatever the split: every action,
// with and without TAB/LF/CRLF kept, pieces of 1 byte up to the whole input.
RC_GTEST_PROP(TerminalProperties, StreamingEqualsTheWholeInputOracleForAnySplit, ()) {
  std::string s = *terminal_ish();
  std::vector<std::size_t> sizes = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 9)));
  for (int variant = 0; variant < 4; ++variant) {
    options o;
    o.act = (variant & 1) ? action::visible : action::remove;
    if (variant & 2) o.keep_tab = o.keep_newline = o.keep_crlf = false;
    auto want = reference::reference_clean(s, o);
    RC_ASSERT(same(clean(s, o), want));
    RC_ASSERT(same(streamed(s, o, sizes), want));
    RC_ASSERT(same(streamed(s, o, {1}), want));
  }
  RC_ASSERT(same(streamed(s, std::nullopt, sizes), clean_doc(s)));
}

TEST(Terminal, StreamingSplitsInsideEverySequence) {
  // every split point of inputs whose items span pieces: CSI, OSC with ESC \ and C1 ST, DCS, ESC intermediates,
  // CRLF, multi-byte characters, invalid bytes, bidi controls
  const std::string inputs[] = {
      "a\x1b[38;5;196mred\x1b[0m\r\nb", "\x1b]8;;http://x/\x1b\\link\x1b]8;;\x07 tail", "\x1bPq#0;2;0\xc2\x9c after",
      "\x1b(B\x1b#8\x1b", "caf\xc3\xa9 \xe2\x80\xae rtl \xf0\x9f\x98\x80 \xff\xc3(\xe2\x82", "\xc2\x9b1;2m\xc2\x9d0;t\xc2\x9c\r",
      "\x1b]0;title \xc3\xa9\xe2\x82", "\x1b]unterminated \xc2", "\r\r\n\r"};
  for (const std::string& s : inputs) {
    for (action a : {action::remove, action::visible}) {
      options o;
      o.act = a;
      auto want = reference::reference_clean(s, o);
      for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        cleaner c(o);
        cleaned r;
        c.feed(s.substr(0, cut), r.text, r.changes);
        c.feed(s.substr(cut), r.text, r.changes);
        c.finish(r.text, r.changes);
        EXPECT_TRUE(same(r, want)) << "cut " << cut << " of " << websec::test::to_hex(s) << ": " << kinds(r) << " vs "
                                   << kinds(want);
      }
    }
  }
}

// A string sequence never terminated, 64 MiB long, streams through in constant memory: nothing of it is held, and
// the one change covering it arrives at the end.
TEST(Terminal, StreamingHoldsNothingOfALongSequence) {
  cleaner c;
  std::string text;
  std::vector<change> changes;
  c.feed("ok \x1b]", text, changes);
  std::string chunk(1u << 16, 'x');
  for (int i = 0; i < 1024; ++i) {
    c.feed(chunk, text, changes);
    ASSERT_EQ(text, "ok ");
    ASSERT_TRUE(changes.empty());
  }
  c.finish(text, changes);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].what, kind::osc_sequence);
  EXPECT_EQ(changes[0].offset, 3u);
  EXPECT_EQ(changes[0].length, 2u + (1024u << 16));
}
