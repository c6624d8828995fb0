// Internal to the library (not installed): the string writer of websec::json::dumps, shared with the session
// module's one-pass tagged JSON writer (harness/src/session.cpp) so that both write strings alike.
#pragma once

#include <string>
#include <string_view>

namespace websec::json::detail {

/// Appends the JSON string literal of `s` (quotes included) exactly as `json.dumps` writes a str with these
/// options (see dump_options). Returns false when `s` is not (generalized) UTF-8 and cannot be written.
bool encode_string(std::string& out, std::string_view s, bool ensure_ascii, bool surrogateescape = false);

}  // namespace websec::json::detail
