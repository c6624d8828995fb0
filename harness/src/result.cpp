// result.cpp — quote_input, the one way messages quote untrusted input (see websec/result.hpp).
#include "websec/result.hpp"

#include "websec/escape.hpp"
#include "websec/json.hpp"

namespace websec {

namespace {

const char* const hexd = "0123456789abcdef";

/// Length of the valid UTF-8 sequence starting at `i` (strict: no overlongs, surrogates or values past U+10FFFF),
/// 0 when the byte there does not start one; `cp` receives the code point.
std::size_t utf8_at(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + need >= s.size()) return 0;
  for (std::size_t k = 1; k <= need; ++k) {
    unsigned char x = b(i + k);
    if (x < (k == 1 ? lo : 0x80) || x > (k == 1 ? hi : 0xBF)) return 0;
    cp = (cp << 6) | (x & 0x3F);
  }
  return need + 1;
}

void put_x(std::string& out, unsigned char c) {
  out += "\\x";
  out += hexd[c >> 4];
  out += hexd[c & 15];
}

void put_u(std::string& out, char32_t c) {
  out += "\\u";
  for (int sh = 12; sh >= 0; sh -= 4) out += hexd[(c >> sh) & 15];
}

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

void escaped(std::string& out, std::string_view s, bool quoted) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (quoted && (c == '\\' || c == '\'')) {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7F) {
        put_x(out, c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t len = utf8_at(s, i, cp);
    if (len == 0) {
      put_x(out, c);
      ++i;
    } else {
      if (cp <= 0x9F || is_bidi_control(cp)) put_u(out, cp);
      else out.append(s.substr(i, len));
      i += len;
    }
  }
}

}  // namespace

std::string quote_input(std::string_view input, quote_style style, std::size_t max_bytes) {
  std::string_view head = input;
  if (input.size() > max_bytes) {
    std::size_t cut = max_bytes;
    // do not split a valid character: when one starts up to three bytes before the cut and ends after it, cut before
    for (std::size_t k = 1; k <= 3 && k <= cut; ++k) {
      char32_t cp = 0;
      if (utf8_at(input, cut - k, cp) > k) {
        cut -= k;
        break;
      }
      if ((static_cast<unsigned char>(input[cut - k]) & 0xC0) != 0x80) break;
    }
    head = input.substr(0, cut);
  }
  std::string out;
  switch (style) {
    case quote_style::python_str: out = escape::python_repr(head); break;
    case quote_style::python_bytes: out = json::bytes_repr(head); break;
    case quote_style::bare: escaped(out, head, false); break;
    case quote_style::plain:
      out += '\'';
      escaped(out, head, true);
      out += '\'';
      break;
  }
  if (head.size() < input.size()) out += "... (" + std::to_string(input.size()) + " bytes)";
  return out;
}

}  // namespace websec
