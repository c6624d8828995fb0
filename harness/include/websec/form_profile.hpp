// websec/form_profile.hpp — every behaviour difference between the two werkzeug versions the form parsers
// follow, in one table (the [Δ] rows of docs/spec.md §1). Nothing else in content_type / multipart /
// urlencoded branches on `websec::profile`: they read these switches.
#pragma once

#include <cstddef>

#include "websec/version.hpp"

namespace websec {

struct form_rules {
  // §1.5 parse_options_header
  bool options_header_regex;        ///< debian: regex parser (spaces around '=', unquoted values up to ';'/',' with
                                    ///< spaces kept, keys without '=' → None, `key*=enc'lang'v` decoded with ANY codec
                                    ///< strictly); upstream: RFC 9110 tokens, quoted strings, `%22`, charset allow-list
  // §1.2 dispatch
  bool accepts_x_url_encoded;       ///< debian also parses `application/x-url-encoded`
  // §1.3 Content-Length / stream
  bool content_length_python_int;   ///< debian `int(v)` (`+5`, ` 5 `, `5_0`; invalid → absent); upstream `_plain_int`
                                    ///< (`-?\d+` after strip; invalid → 0)
  bool exhaust_after_parse;         ///< debian `@exhaust_stream`: a body shorter than Content-Length answers 400
                                    ///< whatever the parse did; upstream: 400 only when the short read is reached
  // §1.4 max_content_length
  bool mcl_limits_stream;           ///< upstream: chunked body limited too (a read at pos ≥ max → 413, so len ≥ max
                                    ///< fails); debian: only a declared Content-Length is compared
  // §1.6 MultipartDecoder
  bool header_line_needs_colon;     ///< debian `split(":", 1)`: a header line without ':' → ValueError (empty form)
  bool data_start_state;            ///< upstream: only half of the blank line is removed, DATA_START eats one line
                                    ///< break (a part without body and blank line is an empty field)
  std::size_t holdback_extra;       ///< hold-back distance = len(boundary) + this: debian len("\n--") = 3,
                                    ///< upstream len("\r\n--") = 4
  bool holdback_cap_both_branches;  ///< upstream caps the hold-back also when `--boundary` is in the buffer but does
                                    ///< not match; debian does not (O(n²) and a 413 on a file upload)
  // §1.7 MultiPartParser
  bool field_limit_is_name_error;   ///< debian: the per-field max_form_memory_size check raises NameError → 500
  bool charset_allow_list;          ///< upstream: part charset in {ascii, us-ascii, utf-8, iso-8859-1} else utf-8;
                                    ///< debian: the parameter verbatim, any Python codec (unknown → LookupError → 500)
  // §1.9 urlencoded
  bool urlencoded_werkzeug_decoder; ///< debian `url_decode_stream` (%FF → U+FFFD); upstream `parse_qsl` over a strict
                                    ///< UTF-8 decode of the body (%FF kept as "%FF", raw invalid UTF-8 → empty form)
};

constexpr form_rules form_rules_for(profile p) {
  if (p == profile::debian)
    return {true, true, true, true, false, true, false, 3, false, true, false, true};
  return {false, false, false, false, true, false, true, 4, true, false, true, false};
}

}  // namespace websec
