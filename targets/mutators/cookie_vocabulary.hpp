// targets/mutators/cookie_vocabulary.hpp — names, values and attributes of cookies, shared by the Cookie and the
// Set-Cookie mutators.
#pragma once

#include "mutators/mutator.hpp"

#include <string>

namespace websec::fuzz::mutate {

inline std::string cookie_name(rng& r) {
  return std::string(r.pick({"session", "sid", "csrftoken", "remember_token", "__Host-sid", "__Secure-id", "__host-x",
                             "__Secure-", "theme", "", " a", "a b", "caf\xc3\xa9", "\xff", "$Version", "a,b", "a\tb",
                             "Session", "x", "__Host-"}));
}

/// A cookie value, sometimes quoted with werkzeug's escapes (\ooo, \", \\).
inline std::string cookie_value(rng& r) {
  switch (r.below(7)) {
    case 0: return std::string(r.pick({"1", "abc", "", "eyJhIjoxfQ.ZWRpdA.c2ln", "deleted", "a=b", "%22x%22"}));
    case 1: return "\"" + std::string(r.pick({"", "a b", "a;b", "\\073", "\\\"", "\\\\", "\\012", "\\377", "\\0", "\\",
                                               "a\\,b"})) + "\"";
    case 2: return std::string(r.pick({"\"unterminated", "x\"", "\"\"\"", "\"a\"b"}));
    case 3: return std::string(r.pick({"caf\xc3\xa9", "\xe2\x82\xac", "\xff\xfe", "\xc3", "\xed\xa0\x80", "\xc2\x85", "\xc2\xa0"}));
    case 4: return std::string(r.pick({"a b", " a ", "a\tb", "\x1c", "\x1f" "a", "a\x7f", "a,b", "a;b", "\x0b"}));
    case 5: return std::string(r.run_length(5000), 'v');
    default: return interesting_number(r);
  }
}

/// A date as Expires= may carry it: RFC 1123, RFC 850 (two-digit year), asctime, odd years, broken ones.
inline std::string cookie_date(rng& r) {
  return std::string(r.pick({"Wed, 21 Oct 2015 07:28:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                             "Sun Nov  6 08:49:37 1994", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 1601 00:00:00 GMT",
                             "Tue, 01 Jan 1600 00:00:00 GMT", "01 Jan 70 00:00:00", "2015-10-21", "Wed, 32 Oct 2015 07:28:00 GMT",
                             "Wed, 21 Oct 2015 24:00:00 GMT", "21 Oct 2015 07:28:60", "Thu, 01-Jan-69 00:00:01 GMT",
                             "Wed, 21 Oct 10000 07:28:00 GMT", "", "0", "Wed 21 Oct 2015 07:28 GMT"}));
}

inline std::string cookie_domain(rng& r) {
  return std::string(r.pick({"example.com", ".example.com", "EXAMPLE.com", "b\xc3\xbc" "cher.example", "xn--bcher-kva.example",
                             "127.0.0.1", "[::1]", "com", "co.uk", ".", "", "localhost", "a..b", "example.com.", "example.com:80",
                             "exa mple.com", "\xe2\x82\xac.com"}));
}

inline std::string cookie_path(rng& r) {
  return std::string(r.pick({"/", "/a", "a", "", "/a b", "//host/x", "/%2F", "/\xc3\xa9", "/a;b", "/a/../b", "//[::1]/", "/\t"}));
}

/// One Set-Cookie attribute ("Name=value" or a flag), in varied case and spacing.
inline std::string set_cookie_attribute(rng& r) {
  switch (r.below(10)) {
    case 0: return "Expires=" + cookie_date(r);
    case 1: return "Max-Age=" + interesting_number(r);
    case 2: return "Domain=" + cookie_domain(r);
    case 3: return "Path=" + cookie_path(r);
    case 4: return std::string(r.pick({"Secure", "secure", "SECURE", "Secure=1", " Secure"}));
    case 5: return std::string(r.pick({"HttpOnly", "httponly", "HttpOnly=false"}));
    case 6: return "SameSite=" + std::string(r.pick({"Lax", "Strict", "None", "lax", "NONE", "bogus", "", "Lax;"}));
    case 7: return std::string(r.pick({"Partitioned", "partitioned"}));
    case 8: return std::string(r.pick({"Priority=High", "Version=1", "Comment=x", "x", "=", "Max-Age", "Expires"}));
    default: return std::string(r.pick({"max-age=0", "expires=Thu, 01 Jan 1970 00:00:00 GMT", "DOMAIN=.example.com", "path=/"}));
  }
}

}  // namespace websec::fuzz::mutate
