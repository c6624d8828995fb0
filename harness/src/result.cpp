// result.cpp — quote_input, the one way messages quote untrusted input (see websec/result.hpp).
#include "websec/result.hpp"

#include "websec/escape.hpp"
#include "websec/json.hpp"

#include "text_util.hpp"

namespace websec {

namespace {

const char* const hexd = "0123456789abcdef";

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
    const detail::utf8_char d = detail::decode_utf8_at(s, i);
    if (!d.valid) {
      put_x(out, c);
      ++i;
    } else {
      if (d.cp <= 0x9F || is_bidi_control(d.cp)) put_u(out, d.cp);
      else out.append(s.substr(i, d.len));
      i += d.len;
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
      const detail::utf8_char d = detail::decode_utf8_at(input, cut - k);
      if (d.valid && d.len > k) {
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
