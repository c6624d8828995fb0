// targets/fuzz_text.hpp — the text helpers the targets' models share: ASCII case from the library
// (websec/ci_string.hpp) and HTTP's optional whitespace.
#pragma once

#include "websec/ci_string.hpp"

#include <cstddef>
#include <string_view>

namespace websec::fuzz {

using websec::ci::lower;

/// `s` without the optional whitespace (SP and HTAB, RFC 9110 §5.6.3) at either end.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Offset of the first byte of the first invalid UTF-8 sequence, or npos. Strict, as Python's decoder: no
/// overlongs, surrogates or code points beyond U+10FFFF. The targets' own, not the library's: a model must not
/// share the code it checks.
constexpr std::size_t first_invalid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0;
    if (!need) return i;
    const unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (std::size_t k = 1; k <= need; ++k) {
      if (i + k >= s.size()) return i;
      const unsigned d = static_cast<unsigned char>(s[i + k]);
      if (d < (k == 1 ? lo : 0x80u) || d > (k == 1 ? hi : 0xBFu)) return i;
    }
    i += need + 1;
  }
  return std::string_view::npos;
}

constexpr bool valid_utf8(std::string_view s) noexcept { return first_invalid_utf8(s) == std::string_view::npos; }

}  // namespace websec::fuzz
