#include "text_util.hpp"

#include "escape_tables.hpp"

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

bool in_ranges(const escape::detail::codepoint_range* r, std::size_t n, char32_t c) {
  const auto* end = r + n;
  const auto* it = std::lower_bound(r, end, c, [](const escape::detail::codepoint_range& x, char32_t v) { return x.last < v; });
  return it != end && it->first <= c;
}

// An invalid sequence at `lead` whose maximal subpart is `subpart` bytes, as `errors` decodes it.
utf8_char invalid(unsigned char lead, std::size_t subpart, bool truncated, utf8_errors errors) {
  switch (errors) {
    case utf8_errors::strict: return {0, subpart, false, truncated};
    case utf8_errors::replace: return {0xFFFD, subpart, false, truncated};
    case utf8_errors::surrogateescape:
    case utf8_errors::allow_surrogates: break;
  }
  return {char32_t{0xDC00} + lead, 1, false, truncated};
}

const char* const hex_digits = "0123456789abcdef";
}  // namespace

// ---- UTF-8 --------------------------------------------------------------------------------------------------------

utf8_char decode_utf8_at(std::string_view s, std::size_t i, utf8_errors errors) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return {c, 1, true};
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte; the others are 80..BF
  char32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;                                              // overlong
    if (c == 0xED && errors != utf8_errors::allow_surrogates) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    return invalid(c, 1, false, errors);
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return invalid(c, k, true, errors);
    const unsigned char x = b(i + k);
    if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) return invalid(c, k, false, errors);
    v = (v << 6) | (x & 0x3F);
  }
  return {v, need + 1, true};
}

bool decode_utf8(std::string_view s, std::u32string& out, utf8_errors errors) {
  out.clear();
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const utf8_char d = decode_utf8_at(s, i, errors);
    if (!d.valid && errors == utf8_errors::strict) return false;
    out.push_back(d.cp);
    i += d.len;
  }
  return true;
}

std::u32string from_utf8(std::string_view s, utf8_errors errors) {
  std::u32string out;
  decode_utf8(s, out, errors);
  return out;
}

std::size_t utf8_first_error(std::string_view s, const char** reason) noexcept {
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
    const utf8_char d = decode_utf8_at(s, i);
    if (!d.valid) {
      if (reason) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const bool start_ok = c >= 0xC2 && c <= 0xF4;
        *reason = !start_ok ? "invalid start byte" : d.truncated ? "unexpected end of data" : "invalid continuation byte";
      }
      return i;
    }
    i += d.len;
  }
  return std::string_view::npos;
}

void append_utf8(std::string& out, char32_t c, utf8_errors errors) {
  if (c >= 0xDC80 && c <= 0xDCFF && errors == utf8_errors::surrogateescape) {
    out.push_back(static_cast<char>(c - 0xDC00));
    return;
  }
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
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
  std::size_t ascii = 0;  // ASCII is the same in both: copy the leading run at once
  while (ascii < bytes.size() && static_cast<unsigned char>(bytes[ascii]) < 0x80) ++ascii;
  std::string out(bytes.substr(0, ascii));
  if (ascii == bytes.size()) return out;
  out.reserve(bytes.size() + (bytes.size() - ascii));
  for (unsigned char c : bytes.substr(ascii)) append_utf8(out, c);
  return out;
}

// ---- Python's str ---------------------------------------------------------------------------------------------------

bool py_isspace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return in_ranges(kSpaceRanges, std::size(kSpaceRanges), c);
}
bool py_isdecimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in_ranges(kDecimalRanges, std::size(kDecimalRanges), c);
}
bool py_isprintable(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7F;
  return !in_ranges(escape::detail::non_printable, escape::detail::non_printable_count, c);
}

char32_t py_lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE) && c != 0xD7) return c + 32;
  return c;
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
std::string_view py_strip_utf8(std::string_view s) {
  // Whitespace characters are valid sequences, so what strip() keeps is a piece of `s` whatever bytes it holds.
  while (!s.empty()) {
    const utf8_char d = decode_utf8_at(s, 0);
    if (!d.valid || !py_isspace(d.cp)) break;
    s.remove_prefix(d.len);
  }
  while (!s.empty()) {
    std::size_t b = s.size() - 1;  // where the last character starts, when it is a valid sequence
    while (b > 0 && s.size() - b < 4 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
    const utf8_char d = decode_utf8_at(s, b);
    if (!d.valid || b + d.len != s.size() || !py_isspace(d.cp)) break;
    s.remove_suffix(d.len);
  }
  return s;
}

char py_repr_quote(std::string_view s) noexcept {
  const bool has_sq = s.find('\'') != std::string_view::npos, has_dq = s.find('"') != std::string_view::npos;
  return (has_sq && !has_dq) ? '"' : '\'';
}

bool py_repr_escape(std::string& out, char32_t c, char quote) {
  switch (c) {
    case '\t': out += "\\t"; return true;
    case '\n': out += "\\n"; return true;
    case '\r': out += "\\r"; return true;
    default: break;
  }
  if (c != static_cast<char32_t>(static_cast<unsigned char>(quote)) && c != '\\') return false;
  out += '\\';
  out += static_cast<char>(c);
  return true;
}

std::string py_repr(std::string_view s, utf8_errors errors) {
  const char q = py_repr_quote(s);
  std::string out(1, q);
  for (std::size_t i = 0; i < s.size();) {
    const utf8_char d = decode_utf8_at(s, i, errors);
    const char32_t c = d.cp;
    if (py_repr_escape(out, c, q)) {
      // done
    } else if (py_isprintable(c)) {
      out.append(s.substr(i, d.len));  // the character's own bytes
    } else {
      const int digits = c < 0x100 ? 2 : c < 0x10000 ? 4 : 8;
      out += digits == 2 ? "\\x" : digits == 4 ? "\\u" : "\\U";
      for (int sh = 4 * (digits - 1); sh >= 0; sh -= 4) out += hex_digits[(c >> sh) & 15];
    }
    i += d.len;
  }
  out += q;
  return out;
}

}  // namespace websec::detail

namespace websec::ci {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace websec::ci
