// websec/urlencoded.hpp — `application/x-www-form-urlencoded` request bodies as werkzeug decodes them
// (docs/spec.md §1.9). The request-level pipeline (limits, Content-Length, dispatch) is
// `websec::multipart::form_parser`, which calls this for urlencoded bodies.
//
//   debian  (W 2.2.2 `url_decode_stream`): split on `&`, skip empty pieces, `k=v` split at the first `=`
//           (no `=` → value ""), `+` → space, `%XX` → byte, then UTF-8 with errors="replace" (`%FF` → U+FFFD).
//   upstream (W 3.1.8 `parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")`):
//           the body must be valid UTF-8 (else ValueError → werkzeug's silent empty form); same splitting;
//           percent-decoded bytes that are not valid UTF-8 are re-quoted (`%FF` stays "%FF").
// Both: only `&` separates (`f=2;g=3` is one value), `&e` → ("e", ""), `&=x` → ("", "x").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "websec/result.hpp"
#include "websec/version.hpp"

namespace websec::urlencoded {

struct pair {
  std::string name, value;  ///< UTF-8
};

/// Decodes a whole body. Error (upstream only): kind errc::body_not_utf8, http_status 200 (silent empty form),
/// offset = first invalid byte.
result<std::vector<pair>> decode(std::string_view body, profile p);

}  // namespace websec::urlencoded
