// Internal helpers shared by charset.cpp, content_type.cpp, multipart.cpp and urlencoded.cpp:
// code points <-> UTF-8, Python's str.isspace()/str.isdecimal() sets, str.strip().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace websec::detail {

/// Python `str.isspace()` (also `\s` of a str regex): Unicode whitespace incl. \x1c-\x1f, \x85, \xa0.
bool py_isspace(char32_t c);
/// Python `str.isdecimal()` (also `\d` of a str regex).
bool py_isdecimal(char32_t c);

/// Decodes UTF-8 into code points; a byte that is not part of a valid sequence becomes U+DC80+byte
/// (Python's surrogateescape), so that `to_utf8(from_utf8(s)) == s` for every byte string.
std::u32string from_utf8(std::string_view s);
/// Encodes code points as UTF-8; U+DC80..U+DCFF go back to the single byte they escaped.
std::string to_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);
/// Latin-1 bytes (as WSGI decodes header bytes) to UTF-8.
std::string latin1_to_utf8(std::string_view bytes);

/// Python `str.strip()` / `lstrip()` on code points.
std::u32string_view py_strip(std::u32string_view s);
std::u32string_view py_lstrip(std::u32string_view s);
/// Python `str.strip()` on a UTF-8 string.
std::string py_strip_utf8(std::string_view s);

/// ASCII lower-casing plus the Latin-1 letters (what `str.lower()` does for the code points that matter here).
char32_t py_lower(char32_t c);

/// Strict UTF-8 validation as CPython's decoder does it. Returns npos when valid, else the offset of the
/// first invalid byte and sets `reason` to CPython's wording ("invalid start byte", ...).
std::size_t utf8_first_error(std::string_view s, const char** reason = nullptr);

}  // namespace websec::detail
