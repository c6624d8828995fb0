// websec/charset.hpp — Python's `bytes.decode(encoding, errors)` for the codecs a form body can name.
//
// werkzeug decodes field values with the charset a part declares (`Content-Type: text/plain; charset=X`,
// spec §1.7) and Debian's werkzeug decodes RFC 2231 parameters (`filename*=X''%E9`) with *any* Python codec
// (§1.5). This module reproduces CPython 3.11's lookup (`codecs.lookup`: lower-case, `encodings.normalize_encoding`,
// `encodings.aliases`) and the decoders of: utf-8 (maximal-subpart U+FFFD replacement), utf-8-sig, ascii,
// latin-1, utf-16/-le/-be, utf-32/-le/-be and every single-byte charmap codec of the standard library
// (cp1252, koi8-r, iso8859-*, mac-*, cp437, ...). Python codecs it does not implement (CJK multibyte codecs,
// utf-7, idna, punycode, unicode_escape, ...) are reported as `status::unsupported`, never guessed.
#pragma once

#include <string>
#include <string_view>

namespace websec::charset {

enum class errors { strict, replace };

enum class status {
  ok,            ///< decoded; `text` holds UTF-8
  decode_error,  ///< UnicodeDecodeError (strict) or UnicodeError ("undefined" codec): a ValueError in Python
  lookup_error,  ///< LookupError: no such codec, or not a text encoding (rot13, hex, zlib, ...)
  unsupported,   ///< a real Python text codec this library does not implement
};

struct decoded {
  status st = status::ok;
  std::string text;     ///< UTF-8 (lone surrogates from utf-16/32 "replace" never occur: they become U+FFFD)
  std::string message;  ///< Python-like message for errors
};

/// `bytes.decode(encoding, errors)` with CPython 3.11's codec lookup.
decoded decode(std::string_view bytes, std::string_view encoding, errors e);

/// Canonical codec module name Python resolves `encoding` to ("utf_8", "latin_1", "koi8_r"), or "" if unknown.
std::string canonical_codec(std::string_view encoding);

/// `bytes.decode("utf-8", "replace")`: invalid sequences become U+FFFD per maximal subpart (Unicode §3.9,
/// CPython's rule: `ff fe 41 c3` -> U+FFFD U+FFFD 'A' U+FFFD). Fast path for valid input.
std::string utf8_replace(std::string_view bytes);

/// True when `bytes.decode("utf-8")` (strict) succeeds.
bool utf8_valid(std::string_view bytes);

}  // namespace websec::charset
