// websec/content_type.hpp — `werkzeug.http.parse_options_header` for Content-Type and Content-Disposition
// (docs/spec.md §1.5), in both behaviour profiles (see websec/form_profile.hpp).
//
// Input is the header *as a Python str*, given as UTF-8: the request's Content-Type is the raw header bytes
// decoded as latin-1 (WSGI; use `latin1_to_utf8`), a part's Content-Disposition is its header line decoded as
// UTF-8. The result mirrors Python's `(value, dict)`: `params` keeps dict order (first insertion; a later
// duplicate overwrites in place, i.e. last wins) and keys are lower-cased.
//
//   upstream (W 3.1.8 http.py): value = text before the first ';', stripped; sections `key=value` with key
//     `[\w!#$%&'*+\-.^`|~]+` (ASCII) immediately followed by '='; value a token (stops at the first non-token
//     char: `a:b` -> `a`) or a quoted string honouring `\\` and `\"`; other text skipped to the next ';'.
//     `key*` = RFC 2231 `charset'lang'pct` decoded with `urllib.parse.unquote(errors="replace")` for
//     ascii/us-ascii/utf-8/iso-8859-1 only; quotes removed and `\\`->`\`, `\"`->`"`, `%22`->`"`; `key*N`
//     continuations concatenated. Keys without a value are dropped.
//   debian (W 2.2.2 http.py `_option_header_piece_re`): "\n" -> ","; value `[^;,\s]+`; spaces around '='; unquoted
//     values run to the next ';' or ',' and keep spaces; keys without '=' map to None; `key*=enc'lang'v` ->
//     `unquote_to_bytes(v).decode(enc)` with any Python codec, strict (websec/charset.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "websec/result.hpp"
#include "websec/version.hpp"

namespace websec::content_type {

struct parameter {
  std::string key;                   ///< lower-cased
  std::optional<std::string> value;  ///< nullopt = Python None (debian only: `; key` without '=')
};

struct options_header {
  std::string value;              ///< e.g. "multipart/form-data" (case kept; `mimetype()` lower-cases)
  std::vector<parameter> params;  ///< dict order of Python's result

  /// Python `dict.get(key)`: nullptr when absent; a parameter whose value may be None.
  const parameter* find(std::string_view key) const;
  /// `options.get(key, "")` convenience: "" when absent or None.
  std::string get(std::string_view key) const;
  /// `value.lower()`, as `Request.mimetype` compares it.
  std::string mimetype() const;
};

/// Error kinds (debian only; upstream never fails):
///  - errc::parameter_charset_decode: `key*=enc''v` bytes invalid in `enc` (UnicodeDecodeError, a ValueError:
///    werkzeug's silent empty form, http_status 200);
///  - errc::unknown_charset: `enc` is not a Python text codec (LookupError → 500);
///  - errc::unsupported_charset: a Python codec websec does not implement (reported with http_status 500, the
///    outcome is not certain).
///  - errc::continuation_of_none: a `key*N` continuation of a key that holds None (`name=; name*0=x`): Python's
///    `options.get(key, "") + value` raises TypeError (500).
/// The offset is the code-point index of the parameter in the input.
result<options_header> parse_options_header(std::string_view utf8_value, profile p);

/// WSGI's view of raw header bytes (each byte one code point) as UTF-8.
std::string latin1_to_utf8(std::string_view bytes);

}  // namespace websec::content_type
