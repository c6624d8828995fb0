#include "text_util.hpp"

#include <algorithm>
#include <iterator>

namespace websec::detail {
namespace {
#include "charset_tables.inc"

bool in_ranges(const unsigned int (*r)[2], std::size_t n, char32_t c) {
  std::size_t lo = 0, hi = n;
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (c < r[mid][0]) hi = mid;
    else if (c > r[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

// Length of a valid UTF-8 sequence starting at s[i] (CPython's strict rules), 0 if invalid. `need_more` is
// set when the bytes available form a valid prefix that the end of input cut short.
std::size_t utf8_seq(std::string_view s, std::size_t i, char32_t* cp, std::size_t* valid_prefix) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  *valid_prefix = 0;
  if (c < 0x80) { *cp = c; return 1; }
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
  else return 0;
  std::size_t k = 1;
  *valid_prefix = 1;
  for (; k < len; ++k) {
    if (i + k >= s.size()) return 0;
    unsigned char d = b(i + k);
    if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
    *valid_prefix = k + 1;
  }
  char32_t v = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (k = 1; k < len; ++k) v = (v << 6) | (b(i + k) & 0x3F);
  *cp = v;
  return len;
}
}  // namespace

bool py_isspace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return in_ranges(kSpaceRanges, std::size(kSpaceRanges), c);
}
bool py_isdecimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in_ranges(kDecimalRanges, std::size(kDecimalRanges), c);
}

std::u32string from_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t vp;
    std::size_t n = utf8_seq(s, i, &cp, &vp);
    if (n) { out.push_back(cp); i += n; }
    else { out.push_back(0xDC00 + static_cast<unsigned char>(s[i])); ++i; }
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c >= 0xDC80 && c <= 0xDCFF) { out.push_back(static_cast<char>(c - 0xDC00)); return; }
  if (c < 0x80) out.push_back(static_cast<char>(c));
  else if (c < 0x800) { out.push_back(static_cast<char>(0xC0 | (c >> 6))); out.push_back(static_cast<char>(0x80 | (c & 0x3F))); }
  else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
    else { out.push_back(static_cast<char>(0xC0 | (c >> 6))); out.push_back(static_cast<char>(0x80 | (c & 0x3F))); }
  }
  return out;
}

std::u32string_view py_lstrip(std::u32string_view s) {
  std::size_t i = 0;
  while (i < s.size() && py_isspace(s[i])) ++i;
  return s.substr(i);
}
std::u32string_view py_strip(std::u32string_view s) {
  s = py_lstrip(s);
  std::size_t j = s.size();
  while (j > 0 && py_isspace(s[j - 1])) --j;
  return s.substr(0, j);
}
std::string py_strip_utf8(std::string_view s) {
  // fast path: ASCII edges
  std::size_t i = 0, j = s.size();
  bool ascii_edges = true;
  while (i < j) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) { ascii_edges = false; break; }
    if (!py_isspace(c)) break;
    ++i;
  }
  while (ascii_edges && j > i) {
    unsigned char c = static_cast<unsigned char>(s[j - 1]);
    if (c >= 0x80) { ascii_edges = false; break; }
    if (!py_isspace(c)) break;
    --j;
  }
  if (ascii_edges) return std::string(s.substr(i, j - i));
  std::u32string u = from_utf8(s);
  return to_utf8(py_strip(u));
}

char32_t py_lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE) && c != 0xD7) return c + 32;
  return c;
}

std::size_t utf8_first_error(std::string_view s, const char** reason) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // ASCII fast path, 8 bytes at a time
    while (i + 8 <= n) {
      std::uint64_t w;
      __builtin_memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    char32_t cp;
    std::size_t vp;
    std::size_t k = utf8_seq(s, i, &cp, &vp);
    if (!k) {
      if (reason) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        bool start_ok = (c >= 0xC2 && c <= 0xF4);
        *reason = !start_ok ? "invalid start byte" : (i + vp >= n ? "unexpected end of data" : "invalid continuation byte");
      }
      return i;
    }
    i += k;
  }
  return std::string_view::npos;
}

}  // namespace websec::detail
