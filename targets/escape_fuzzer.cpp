// escape_fuzzer — markupsafe escaping, html.unescape, striptags, Markup and |tojson on arbitrary bytes.
//
// Invariants (abort on violation):
//   * escape(x) contains no raw < > ' " and every & starts one of &amp; &lt; &gt; &#39; &#34;
//   * every kernel (scalar, SSE2, AVX2 where the CPU has it) gives the same bytes; escaped_size is exact;
//     escape_into writes exactly escape(x) in one pass and never past its capacity (npos when it does not fit)
//   * unescape(escape(x)) == x
//   * striptags (both profiles) equals a direct transcription of markupsafe's quadratic code (inputs ≤ 2 KiB)
//   * Markup + x == Markup + escape(x); join escapes every item
//   * |tojson of x as a string has none of < > & ' and parses back (json::loads, then surrogateescape) to
//     exactly x; JSON text that json::loads accepts dumps to a fixed point
#include "websec/escape.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;
using namespace websec::escape;

namespace {

// Python's str.encode("utf-8", "surrogateescape") of a string json::loads returned: each lone surrogate
// U+DC80..U+DCFF (3 generalized-UTF-8 bytes ED B2 80 .. ED B3 BF) goes back to the byte it stands for.
std::string surrogateescape_bytes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    if (b(i) == 0xED && i + 2 < s.size() && (b(i + 1) == 0xB2 || b(i + 1) == 0xB3)) {
      out += static_cast<char>(((b(i + 1) & 0x01) << 6 | (b(i + 2) & 0x3F)) | 0x80);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

#define CHECK(cond, what)                                                        \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "escape_fuzzer: invariant failed: %s (%s)\n", what, #cond); \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

bool no_raw_specials(std::string_view e) {
  for (std::size_t i = 0; i < e.size(); ++i) {
    char c = e[i];
    if (c == '<' || c == '>' || c == '\'' || c == '"') return false;
    if (c == '&') {
      std::string_view rest = e.substr(i);
      bool ok = false;
      for (std::string_view ent : {"&amp;", "&lt;", "&gt;", "&#39;", "&#34;"})
        if (rest.substr(0, ent.size()) == ent) ok = true;
      if (!ok) return false;
    }
  }
  return true;
}

// markupsafe 3.0.2 Markup.striptags, comment and tag loops, transcribed literally (quadratic).
std::string reference_strip_upstream(std::string v) {
  for (;;) {
    std::size_t start = v.find("<!--");
    if (start == std::string::npos) break;
    std::size_t end = v.find("-->", start);
    if (end == std::string::npos) break;
    v = v.substr(0, start) + v.substr(end + 3);
  }
  for (;;) {
    std::size_t start = v.find('<');
    if (start == std::string::npos) break;
    std::size_t end = v.find('>', start);
    if (end == std::string::npos) break;
    v = v.substr(0, start) + v.substr(end + 1);
  }
  return v;
}

// markupsafe 2.1.2: re.sub(r"<!--.*?-->", "", v, DOTALL) then re.sub(r"<.*?>", "", v, DOTALL), as regex scans.
std::string reference_strip_debian(const std::string& s) {
  auto sub = [](const std::string& in, std::string_view open, std::string_view close) {
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
      if (in.compare(i, open.size(), open) == 0) {
        std::size_t e = in.find(close, i + open.size());
        if (e != std::string::npos) {
          i = e + close.size();
          continue;
        }
      }
      out += in[i++];
    }
    return out;
  };
  return sub(sub(s, "<!--", "-->"), "<", ">");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view x(reinterpret_cast<const char*>(data), size);

  // escape and its kernels
  std::string e = escape::escape(x);
  CHECK(no_raw_specials(e), "raw special character in escaped output");
  CHECK(escaped_size(x) == e.size(), "escaped_size");
  CHECK(is_escape_free(x) == (e.size() == x.size()), "is_escape_free");
  for (kernel k : {kernel::scalar, kernel::sse2, kernel::avx2}) {
    if (!kernel_supported(k)) continue;
    CHECK(escape_with(k, x) == e, "kernels disagree");
    std::vector<char> buf(e.size() + 64, '\x5a');
    std::size_t w = escape_into(k, x, buf.data(), e.size());
    CHECK(w == e.size() && std::memcmp(buf.data(), e.data(), w) == 0, "escape_into output");
    for (std::size_t j = w; j < buf.size(); ++j) CHECK(buf[j] == '\x5a', "escape_into wrote past escaped_size");
    if (!e.empty()) {
      std::size_t cap = size > 0 ? (data[0] * e.size()) / 256 : 0;  // a capacity that is too small
      std::vector<char> small(cap + 64, '\x5a');
      CHECK(escape_into(k, x, small.data(), cap) == npos, "escape_into claimed to fit");
      for (std::size_t j = cap; j < small.size(); ++j) CHECK(small[j] == '\x5a', "escape_into wrote past capacity");
    }
  }
  CHECK(unescape(e) == x, "unescape(escape(x)) != x");

  // unescape alone: never crashes; input without '&' unchanged
  std::string u = unescape(x);
  if (x.find('&') == std::string_view::npos) CHECK(u == x, "unescape changed text without '&'");

  // striptags against the literal transcriptions
  if (size <= 2048) {
    std::string ref_up = unescape(collapse_whitespace(reference_strip_upstream(std::string(x))));
    CHECK(striptags(x, profile::upstream) == ref_up, "striptags upstream differs from markupsafe 3.0 loop");
    std::string ref_deb = unescape(collapse_whitespace(reference_strip_debian(std::string(x))));
    CHECK(striptags(x, profile::debian) == ref_deb, "striptags debian differs from markupsafe 2.1.2 regexes");
  } else {
    (void)striptags(x, profile::upstream);
    (void)striptags(x, profile::debian);
  }

  // Markup operations escape the other operand
  CHECK((markup("<b>") + x).str() == "<b>" + e, "markup + str");
  CHECK((operand(x) + markup("<b>")).str() == e + "<b>", "str + markup");
  CHECK(markup("<br>").join({x, x}).str() == e + "<br>" + e, "join");

  // |tojson of the bytes as a string: HTML-safe, and it parses back to the same bytes
  auto tj = tojson(json::value::string(std::string(x)));
  CHECK(tj.ok(), "tojson refused a string");
  const std::string& j = tj->str();
  CHECK(j.find_first_of("<>&'") == std::string::npos, "tojson left an HTML special");
  json::load_limits unbounded;
  unbounded.max_size = static_cast<std::size_t>(-1);
  auto back = json::loads(j, unbounded);
  CHECK(back.ok() && back->kind() == json::kind::string && surrogateescape_bytes(back->str()) == x,
        "tojson round trip");

  // the input as JSON text: when it parses, dumping is a fixed point
  auto parsed = json::loads(x);
  if (parsed.ok()) {
    auto d1 = json::dumps(*parsed);
    CHECK(d1.ok(), "dumps refused what loads returned");
    auto again = json::loads(*d1, unbounded);
    CHECK(again.ok(), "dumps output does not parse");
    auto d2 = json::dumps(*again);
    CHECK(d2.ok() && *d2 == *d1, "dumps is not a fixed point");
    CHECK(tojson(*parsed, 2).ok(), "tojson(indent=2) refused what loads returned");
  }
  return 0;
}
