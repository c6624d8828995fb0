// targets/fuzz_text.hpp — the text helpers the targets' models share: ASCII case from the library
// (websec/ci_string.hpp) and HTTP's optional whitespace.
#pragma once

#include "websec/ci_string.hpp"

#include <string_view>

namespace websec::fuzz {

using websec::ci::lower;

/// `s` without the optional whitespace (SP and HTAB, RFC 9110 §5.6.3) at either end.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace websec::fuzz
