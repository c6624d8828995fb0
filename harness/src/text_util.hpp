// Text utilities the library's modules share, each written once: ASCII case (in the manner of Boost.URL's
// grammar/ci_string.hpp), the one UTF-8 decoder with an explicit error policy and the one encoder, Python's
// str.isspace()/str.isdecimal()/str.isprintable() sets, str.strip(), and Python's repr() of a str.
// The Unicode sets come from generated tables (charset_tables.inc, escape_entities.cpp; generators in harness/gen/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "websec/ci_string.hpp"

namespace websec::detail {

// ---- ASCII case (websec/ci_string.hpp, public: the server and the tools use it too) -----------------------------

using ci::ends_with_ci;
using ci::iequals;
using ci::lower;
using ci::starts_with_ci;

// ---- UTF-8 --------------------------------------------------------------------------------------------------------

/// What the decoder makes of bytes that are not UTF-8. Validity is always CPython's: no overlong forms, nothing past
/// U+10FFFF, and no encoded surrogates (ED A0..BF xx) except under allow_surrogates.
enum class utf8_errors {
  strict,            ///< an invalid sequence is an error (bytes.decode("utf-8"))
  surrogateescape,   ///< each byte of an invalid sequence decodes to U+DC80..U+DCFF (errors="surrogateescape")
  allow_surrogates,  ///< encoded surrogates decode to U+D800..U+DFFF (errors="surrogatepass", the generalized
                     ///< UTF-8 a str with lone surrogates encodes to); other invalid bytes as with surrogateescape
  replace,           ///< one U+FFFD per maximal invalid subpart (errors="replace"; Unicode 15 §3.9, D93b)
};

/// One step of the decoder.
struct utf8_char {
  char32_t cp;            ///< the code point; for an invalid sequence what the policy makes of it (U+DC80+byte,
                          ///< U+FFFD; 0 under strict)
  std::size_t len;        ///< bytes consumed: the sequence; for an invalid one 1 under surrogateescape and
                          ///< allow_surrogates, else the maximal invalid subpart (where CPython's error ends)
  bool valid;             ///< the bytes were a well-formed sequence
  bool truncated = false; ///< invalid only because the input ended inside a sequence that more bytes could complete
};

/// Decodes the character at `s[i]` (`i < s.size()`).
utf8_char decode_utf8_at(std::string_view s, std::size_t i, utf8_errors errors = utf8_errors::strict) noexcept;

/// Decodes `s` into code points. False only under strict, at the first invalid sequence (`out` then holds what came
/// before it).
bool decode_utf8(std::string_view s, std::u32string& out, utf8_errors errors = utf8_errors::strict);
/// `s` decoded under a policy that cannot fail; with surrogateescape `to_utf8(from_utf8(s)) == s` for every byte string.
std::u32string from_utf8(std::string_view s, utf8_errors errors = utf8_errors::surrogateescape);

/// Strict validation as CPython's decoder does it. npos when `s` is valid, else the offset of the first invalid byte,
/// with CPython's wording in `reason` ("invalid start byte", "invalid continuation byte", "unexpected end of data").
std::size_t utf8_first_error(std::string_view s, const char** reason = nullptr) noexcept;

/// Appends the UTF-8 of a code point. Under surrogateescape (the default) U+DC80..U+DCFF go back to the byte they
/// escaped; otherwise surrogates are written as three bytes (generalized UTF-8, CPython's "surrogatepass").
void append_utf8(std::string& out, char32_t c, utf8_errors errors = utf8_errors::surrogateescape);
/// Code points to UTF-8 (surrogateescape: the inverse of `from_utf8`).
std::string to_utf8(std::u32string_view s);
/// Latin-1 bytes (as WSGI decodes header bytes) to UTF-8.
std::string latin1_to_utf8(std::string_view bytes);

// ---- Python's str ---------------------------------------------------------------------------------------------------

/// Python `str.isspace()` (also `\s` of a str regex): Unicode whitespace incl. \x1c-\x1f, \x85, \xa0.
bool py_isspace(char32_t c);
/// Python `str.isdecimal()` (also `\d` of a str regex).
bool py_isdecimal(char32_t c);
/// Python `str.isprintable()` of one code point (Python 3.11's Unicode database).
bool py_isprintable(char32_t c);
/// ASCII lower-casing plus the Latin-1 letters (what `str.lower()` does for the code points that matter here).
char32_t py_lower(char32_t c);

/// Python `str.strip()` / `lstrip()` on code points.
std::u32string_view py_strip(std::u32string_view s);
std::u32string_view py_lstrip(std::u32string_view s);
/// Python `str.strip()` of UTF-8 text (invalid bytes taken as surrogateescape does): the piece of `s` it keeps.
std::string_view py_strip_utf8(std::string_view s);

/// Python `repr()` of a str held as UTF-8: the quote CPython chooses, \\ \t \n \r and the quote escaped, \xNN, \uNNNN
/// or \UNNNNNNNN for what `str.isprintable()` rejects, everything else as it is. `errors` says which str the bytes
/// hold: surrogateescape (an invalid byte is the lone surrogate U+DC80+byte, shown \udcNN) or allow_surrogates
/// (also encoded surrogates, as a str with lone surrogates encodes with surrogatepass).
std::string py_repr(std::string_view s, utf8_errors errors = utf8_errors::surrogateescape);
/// The quote repr() puts around a str or bytes: ' unless the text holds ' and no ".
char py_repr_quote(std::string_view s) noexcept;
/// Appends repr()'s escape of `c` when it is the quote, a backslash, a tab, a newline or a carriage return (the
/// escapes repr(str) and repr(bytes) share); false, with nothing appended, for any other `c`.
bool py_repr_escape(std::string& out, char32_t c, char quote);

}  // namespace websec::detail
