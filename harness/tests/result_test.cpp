// Tests of websec/result.hpp: quote_input, the one way messages quote untrusted input — bounded, escaped, one line of
// valid UTF-8 — and, below its cap, byte-identical to Python's repr in the Python styles (checked against
// /usr/bin/python3); and the stable names of the error kinds (websec/error.hpp).
#include "websec/result.hpp"

#include "websec/escape.hpp"
#include "websec/json.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <string>

using websec::quote_input;
using websec::quote_style;

namespace {

/// True when `s` is valid UTF-8 and holds no C0 control, DEL, C1 control or bidirectional control.
bool safe_line(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return false;
    char32_t cp = c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp <= 0x9F) return false;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C)
      return false;
    i += len;
  }
  return true;
}

/// Inverse of the plain style (without its quotes): the bytes a quoted text stands for.
std::string unescape_plain(std::string_view q) {
  std::string out;
  auto hexv = [](char h) { return h <= '9' ? h - '0' : h - 'a' + 10; };
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] != '\\') {
      out += q[i];
      continue;
    }
    char k = q[++i];
    if (k == 'n') out += '\n';
    else if (k == 'r') out += '\r';
    else if (k == 't') out += '\t';
    else if (k == 'x') {
      out += static_cast<char>(hexv(q[i + 1]) * 16 + hexv(q[i + 2]));
      i += 2;
    } else if (k == 'u') {
      char32_t cp = 0;
      for (int d = 1; d <= 4; ++d) cp = cp * 16 + static_cast<char32_t>(hexv(q[i + d]));
      i += 4;
      if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
      } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      }
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += k;  // \\ and \'
    }
  }
  return out;
}

}  // namespace

TEST(QuoteInput, PlainEscapesEverythingThatCouldLie) {
  EXPECT_EQ(quote_input("abc"), "'abc'");
  EXPECT_EQ(quote_input(""), "''");
  EXPECT_EQ(quote_input("it's a\\b"), "'it\\'s a\\\\b'");
  EXPECT_EQ(quote_input("a\nb\r\tc"), "'a\\nb\\r\\tc'");
  EXPECT_EQ(quote_input(std::string("\0\x1b[31m\x7f", 7)), "'\\x00\\x1b[31m\\x7f'");
  EXPECT_EQ(quote_input("\xff\xc3(\xe2\x82"), "'\\xff\\xc3(\\xe2\\x82'");     // invalid UTF-8, byte by byte
  EXPECT_EQ(quote_input("caf\xc3\xa9 \xe2\x9c\x93"), "'caf\xc3\xa9 \xe2\x9c\x93'");  // valid text stays as it is
  EXPECT_EQ(quote_input("\xc2\x9b" "31m"), "'\\u009b31m'");               // C1 CSI
  EXPECT_EQ(quote_input("user\xe2\x80\xaegnp.exe"), "'user\\u202egnp.exe'");  // bidi override (Trojan Source)
  EXPECT_EQ(quote_input("\xed\xa0\x80"), "'\\xed\\xa0\\x80'");              // a surrogate is not UTF-8
  EXPECT_EQ(quote_input("a'b\\c\x01", quote_style::bare), "a'b\\c\\x01");
}

TEST(QuoteInput, CutsAtTheCapAtACharacterBoundaryAndSaysTheSize) {
  std::string big(1000, 'a');
  EXPECT_EQ(quote_input(big, quote_style::plain, 8), "'aaaaaaaa'... (1000 bytes)");
  EXPECT_EQ(quote_input(big), "'" + std::string(websec::max_quoted_input, 'a') + "'... (1000 bytes)");
  EXPECT_EQ(quote_input(std::string(8, 'a'), quote_style::plain, 8), "'aaaaaaaa'");
  // "é" is two bytes: a cut inside it backs up to the character's start instead of escaping half of it
  EXPECT_EQ(quote_input("abcdefg\xc3\xa9xyz", quote_style::plain, 8), "'abcdefg'... (12 bytes)");
  EXPECT_EQ(quote_input("abcdef\xe2\x9c\x93xyz", quote_style::plain, 8), "'abcdef'... (12 bytes)");
  EXPECT_EQ(quote_input(big, quote_style::python_bytes, 4), "b'aaaa'... (1000 bytes)");
  EXPECT_EQ(quote_input(big, quote_style::python_str, 4), "'aaaa'... (1000 bytes)");
  EXPECT_EQ(quote_input(big, quote_style::bare, 4), "aaaa... (1000 bytes)");
  // invalid bytes are not characters: a cut among them is exact
  EXPECT_EQ(quote_input(std::string(10, '\x80'), quote_style::plain, 3), "'\\x80\\x80\\x80'... (10 bytes)");
}

TEST(QuoteInput, HundredMegabytesQuoteAsAFewHundredBytes) {
  std::string huge(100u << 20, '\x1b');
  std::string q = quote_input(huge);
  EXPECT_LE(q.size(), 4 * websec::max_quoted_input + 40);
  EXPECT_TRUE(safe_line(q));
  EXPECT_NE(q.find("... (104857600 bytes)"), std::string::npos);
  // the longest escape per byte: an invalid byte in Python's str repr (a surrogate escape)
  std::string invalid(100u << 20, '\xff');
  EXPECT_LE(quote_input(invalid, quote_style::python_str).size(), 6 * websec::max_quoted_input + 40);
  EXPECT_LE(quote_input(invalid, quote_style::python_bytes).size(), 4 * websec::max_quoted_input + 40);
}

RC_GTEST_PROP(QuoteInputProps, BoundedSafeAndFaithful, (std::string in, unsigned cap_seed)) {
  const std::size_t cap = cap_seed % 48;
  for (quote_style st : {quote_style::plain, quote_style::bare, quote_style::python_str, quote_style::python_bytes}) {
    std::string q = quote_input(in, st, cap);
    RC_ASSERT(q.size() <= (st == quote_style::python_str ? 6 : 4) * cap + 40);
    RC_ASSERT(safe_line(q));
    const bool cut = in.size() > cap;
    RC_ASSERT((q.find("... (" + std::to_string(in.size()) + " bytes)") != std::string::npos) == cut);
    if (!cut && st == quote_style::python_str) RC_ASSERT(q == websec::escape::python_repr(in));
    if (!cut && st == quote_style::python_bytes) RC_ASSERT(q == websec::json::bytes_repr(in));
  }
  // the plain style is a faithful rendering: its escapes give back exactly the bytes it quotes
  std::string q = quote_input(in, quote_style::plain, cap);
  std::string body = q.substr(1, q.rfind('\'') - 1);
  std::string back = unescape_plain(body);
  RC_ASSERT(back.size() <= cap && back.size() + 3 >= std::min(in.size(), cap));
  RC_ASSERT(in.compare(0, back.size(), back) == 0);
}

// Up to the cap, the Python styles are Python's own repr: the messages that reproduce a Python exception stay exact.
TEST(QuoteInputDifferential, PythonStylesEqualPythonReprUpToTheCap) {
  const std::uint64_t seed = websec::test::test_seed(0x0B0E5);
  websec::test::rng r(seed);
  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::string> inputs;
  const std::string alphabet[] = {"a", "'", "\"", "\\", "\n", "\t", "\x01", "\x7f", "\x80", "\xff", "\xc3\xa9",
                                  "\xe2\x80\xae", "\xf0\x9f\x98\x80", "\xc2\x85", "\xed\xa0\x80", " ", "~"};
  for (int i = 0; i < 300; ++i) {
    std::string s;
    std::size_t n = r.below(i % 10 == 0 ? websec::max_quoted_input + 1 : 12);
    while (s.size() < n) s += alphabet[r.below(std::size(alphabet))];
    if (s.size() > websec::max_quoted_input) s.resize(websec::max_quoted_input);
    inputs.push_back(s);
    cases.push_back(websec::test::to_hex(s));
  }
  auto py = websec::test::run_python(
      "import sys, json\n"
      "out = []\n"
      "for h in json.load(sys.stdin):\n"
      "    b = bytes.fromhex(h)\n"
      "    out.append([repr(b), repr(b.decode('utf-8', 'surrogateescape'))])\n"
      "print(json.dumps(out))\n",
      cases.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto want = nlohmann::json::parse(py.out);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(quote_input(inputs[i], quote_style::python_bytes), want[i][0].get<std::string>()) << "seed " << seed;
    EXPECT_EQ(quote_input(inputs[i], quote_style::python_str), want[i][1].get<std::string>()) << "seed " << seed;
  }
}

// websec/error.hpp: every kind has one stable name, in the vocabulary it belongs to.
TEST(ErrorKinds, NamesAreUniqueAndRoundTrip) {
  using websec::errc;
  std::set<std::string_view> names;
  for (const auto& e : websec::detail::errc_table) {
    const std::string_view n = websec::to_string(e.code);
    EXPECT_EQ(n, e.name);
    if (e.code == errc::none) {
      EXPECT_TRUE(n.empty());
      EXPECT_FALSE(websec::errc_from_string(n).has_value());
      continue;
    }
    ASSERT_FALSE(n.empty());
    EXPECT_TRUE(names.insert(n).second) << "duplicate name " << n;
    EXPECT_EQ(websec::errc_from_string(n), e.code) << n;
    if (websec::is_python_exception(e.code)) {
      // a Python class: CapWords, or module.Class (zlib.error, binascii.Error)
      EXPECT_TRUE((n[0] >= 'A' && n[0] <= 'Z') || n.find('.') != std::string_view::npos) << n;
    } else {
      for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << n;
    }
  }
  EXPECT_FALSE(websec::errc_from_string("NoSuchError").has_value());
  EXPECT_EQ(websec::error{}.kind, errc::none);
}
