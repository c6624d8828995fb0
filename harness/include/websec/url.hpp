// websec/url.hpp — is a URL in an attribute dangerous? Scheme extraction as browsers do it (spec §3.3).
//
// Neither Flask nor Jinja inspects URLs: `href="{{ v }}"` with `javascript:alert(1)` is emitted unchanged
// (autoescaping only protects quotes). This module decides what a browser would run. It follows the WHATWG URL
// parser's scheme state (https://url.spec.whatwg.org/#concept-basic-url-parser), which for the scheme agrees
// with Python's `urllib.parse.urlsplit(url).scheme` (Debian's 3.11.2 with the CVE-2023-24329 fix):
//   1. when the value comes from an HTML attribute, decode character references first (html.unescape),
//      so `&#106;avascript&colon;` is `javascript:`;
//   2. strip leading and trailing C0 controls and spaces (U+0000–U+0020);
//   3. remove every TAB, LF and CR (anywhere);
//   4. scheme = `[A-Za-z][A-Za-z0-9+.-]*` immediately before the first `:`, lower-cased; none otherwise.
// `JaVaScRiPt:`, `\x00 javascript:`, `java\tscript:` are `javascript`; `java\x00script:`, `\xa0javascript:`,
// a Cyrillic `а`, `javascript :` and `javascript%3A` have no scheme (a browser resolves them as relative URLs).
#pragma once

#include <string>
#include <string_view>

namespace websec::url {

/// Where the value was found.
enum class source {
  text,       ///< a URL as it is (a header, an API value): no HTML decoding
  attribute,  ///< the value of an HTML attribute (href, src, action, formaction…): references decoded first
};

/// The scheme a browser would see, lower-cased, or "" when the URL has none (relative, protocol-relative,
/// or not a valid scheme). Never fails; linear time.
std::string scheme(std::string_view url, source from = source::text);

/// The verdict of check().
enum class verdict {
  safe,       ///< an explicit scheme that does not run script (https, http, mailto, tel, ftp, any other)
  dangerous,  ///< javascript:, vbscript: or data: — runs script or renders attacker-controlled HTML
  relative,   ///< no scheme: resolved against the page (includes protocol-relative `//host/`)
};

std::string_view to_string(verdict v);

/// The dangerous schemes.
enum class danger { none, javascript, vbscript, data };

std::string_view to_string(danger d);

struct assessment {
  verdict v = verdict::relative;
  danger kind = danger::none;  ///< set when v == dangerous
  std::string scheme;          ///< as scheme() returns it
  std::string reason;          ///< one line a person can act on
};

/// Judges a URL value. `from` as for scheme().
assessment check(std::string_view url, source from = source::attribute);

}  // namespace websec::url
