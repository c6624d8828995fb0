// websec/cookie.hpp — Set-Cookie writing (werkzeug's dump_cookie, byte for byte), Set-Cookie reading as a
// browser does (RFC 6265bis §5.6), a weakness audit of a Set-Cookie line, and the request `Cookie` header
// exactly as werkzeug reads it (`request.cookies`). Behaviour of both profiles: docs/spec.md §4.
//
// Strings are bytes. Text the Python side holds as `str` (keys, values, paths, domains) is taken as UTF-8;
// bytes that are not UTF-8 are carried through as bytes where werkzeug would accept `bytes`, and rejected
// with an error where Python could never have received them (IDNA domains).
#pragma once

#include "websec/findings.hpp"
#include "websec/result.hpp"
#include "websec/verdict.hpp"
#include "websec/version.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace websec::cookie {

// ------------------------------------------------------------------------------------------------------
// dump_cookie
// ------------------------------------------------------------------------------------------------------

/// Flask's MAX_COOKIE_SIZE and werkzeug's default `max_size`.
inline constexpr std::size_t default_max_size = 4093;

/// `expires=` of dump_cookie: nothing, a string emitted verbatim (Python `str`), or a Unix timestamp
/// (Python int / float / datetime: convert a datetime to its UTC timestamp first; naive = UTC).
using expires_value = std::variant<std::monostate, std::string, std::int64_t, double>;

/// Keyword arguments of `werkzeug.http.dump_cookie`, with its defaults.
struct dump_options {
  std::optional<std::int64_t> max_age;           ///< seconds (a timedelta: int(total_seconds())); may be <= 0
  expires_value expires;                          ///< see expires_value
  std::optional<std::string> path = "/";         ///< nullopt omits Path
  std::optional<std::string> domain;             ///< nullopt omits Domain
  bool secure = false;
  bool httponly = false;
  bool sync_expires = true;                       ///< max_age without expires also emits Expires=now+max_age
  std::size_t max_size = default_max_size;        ///< 0 disables the size warning
  std::optional<std::string> samesite;            ///< any case; must title-case to Strict|Lax|None
  bool partitioned = false;                       ///< upstream only (werkzeug 3.1); forces Secure
  std::optional<double> now;                      ///< clock for Expires=now+max_age (default: system clock)
  websec::profile profile = websec::profile::upstream;
};

/// What dump_cookie returns: the header value (without "Set-Cookie: ") and werkzeug's size warning.
struct dumped_cookie {
  std::string header;        ///< bytes as werkzeug's latin-1-tunnelled str holds them
  std::size_t size = 0;      ///< len() of werkzeug's return value (what the size warning compares)
  bool too_large = false;    ///< werkzeug emitted its UserWarning (size > max_size, max_size != 0)
  std::string warning;       ///< the warning text when too_large
};

/// `werkzeug.http.dump_cookie(key, value, **options)` — same bytes, same attribute order (Domain, Expires,
/// Max-Age, Secure, HttpOnly, Path, SameSite, Partitioned), same value quoting (profile-specific, spec §4.1),
/// `http_date` for Expires, IDNA (punycode) for non-ASCII domains, Path percent-encoding per profile.
/// Errors (werkzeug raises): errc::samesite_invalid (ValueError "SameSite must be 'Strict', 'Lax', or 'None'."),
/// errc::domain_no_dot (debian: a domain without '.', e.g. localhost), errc::domain_idna (UnicodeError from the
/// idna codec: empty/over-long label, label starting with xn--, a prohibited character or a bidi violation
/// — see idna_encode), errc::path_invalid_ipv6 (debian iri_to_uri: unbalanced '[' in a
/// "//netloc" path), errc::expires_out_of_range (year outside 1..9999), errc::partitioned_unsupported (debian:
/// werkzeug 2.2 has no `partitioned`). Every error has http_status 500 (the exception would propagate).
result<dumped_cookie> dump_cookie(std::string_view key, std::string_view value = {}, const dump_options& options = {});

/// `werkzeug.http.http_date(timestamp)` for a Unix timestamp: "Wdy, DD Mon YYYY HH:MM:SS GMT".
/// Floats are rounded to microseconds half-even (datetime.fromtimestamp) then the fraction dropped.
/// Error errc::expires_out_of_range when the year would leave 1..9999.
result<std::string> http_date(std::int64_t unix_seconds);
result<std::string> http_date(double unix_seconds);

/// Python's `str.encode("idna")` (encodings.idna, IDNA 2003): an ASCII domain is checked only (every label but
/// the last 1..63 bytes, the last under 64); otherwise labels are split on . U+3002 U+FF0E U+FF61 (a trailing dot
/// kept) and each goes through ToASCII: ASCII as is, else nameprep (RFC 3491 with Debian's libidn: RFC 3454
/// tables, Unicode 3.2 NFKC, unassigned code points allowed as Python allows them), the "xn--" prefix check,
/// RFC 3492 punycode, and the 1..63 length check. Errors (kind errc::domain_idna) carry Python's UnicodeError
/// messages: "label empty or too long", "label too long", "Invalid character '\\u200e'", "Violation of BIDI
/// requirement 2" / "3", "Label starts with ACE prefix". A build without libidn refuses non-ASCII labels.
result<std::string> idna_encode(std::string_view utf8_domain);

/// RFC 3492 punycode of a sequence of code points (no ACE prefix).
std::string punycode_encode(const std::u32string& code_points);

// ------------------------------------------------------------------------------------------------------
// Set-Cookie, read as a browser does (RFC 6265bis-15 §5.6, §5.1.1 dates)
// ------------------------------------------------------------------------------------------------------

enum class same_site { unset, none, lax, strict, invalid };
constexpr std::string_view to_string(same_site s) {
  switch (s) {
    case same_site::unset: return "unset";
    case same_site::none: return "None";
    case same_site::lax: return "Lax";
    case same_site::strict: return "Strict";
    case same_site::invalid: return "invalid";
  }
  return "unset";
}

/// One attribute as written (name and value trimmed of SP/HTAB), in order.
struct attribute {
  std::string name;
  std::string value;
  bool has_value = false;  ///< the cookie-av contained '='
  bool operator==(const attribute&) const = default;
};

/// A Set-Cookie line after the browser algorithm. The effective attributes are those a user agent stores:
/// the last occurrence of each attribute wins; attributes whose value is unusable are ignored (kept in
/// `attributes` and reported by the audit).
struct set_cookie {
  std::string name;
  std::string value;
  bool has_equals = true;                   ///< false: "Set-Cookie: foo" (nameless cookie, value "foo")
  std::optional<std::int64_t> expires;      ///< cookie-date of the last valid Expires, Unix seconds
  std::optional<std::int64_t> max_age;      ///< last valid Max-Age (saturated to int64)
  std::optional<std::string> domain;        ///< last Domain, leading '.' removed, lower-cased ASCII
  std::optional<std::string> path;          ///< last Path whose value starts with '/'
  bool secure = false;
  bool httponly = false;
  bool partitioned = false;
  same_site samesite = same_site::unset;    ///< last SameSite; `invalid` for an unknown value
  std::string samesite_raw;                 ///< value of that SameSite attribute as written
  std::vector<attribute> attributes;        ///< every cookie-av in order, as written (trimmed)
  bool operator==(const set_cookie&) const = default;
};

/// Parses a Set-Cookie header value (without the "Set-Cookie:" field name). Errors — the cases where a browser
/// ignores the whole line: errc::cookie_control_char (a CTL other than HTAB, RFC 6265bis step 1),
/// errc::cookie_empty (empty name and value), errc::cookie_too_large (name+value over 4096 bytes). http_status is
/// 200 for all (a browser silently drops the cookie). Never throws.
result<set_cookie> parse_set_cookie(std::string_view line);

/// RFC 6265 §5.1.1 cookie-date; nullopt when the algorithm fails.
std::optional<std::int64_t> parse_cookie_date(std::string_view text);

/// Writes a Set-Cookie value from the parsed form: "name=value" then every entry of `attributes` in order
/// ("; Name" or "; Name=Value"). parse_set_cookie(serialize(c)) == c for every c that parse_set_cookie
/// returned (the round trip the fuzz target checks).
std::string serialize(const set_cookie& c);

// ------------------------------------------------------------------------------------------------------
// Audit: a verdict per cookie (websec/verdict.hpp), with the findings that decide it
// ------------------------------------------------------------------------------------------------------

/// What a cookie is for, which decides what it needs: credentials (session, remember-me) need Secure, HttpOnly
/// and SameSite; a CSRF double-submit cookie is read by scripts, so HttpOnly is not demanded; a preference
/// (theme, language, consent) holds nothing an attacker wants. `automatic` guesses from the name (guess_role).
enum class cookie_role { automatic, session, remember_me, csrf, preference, other };
constexpr std::string_view to_string(cookie_role r) {
  switch (r) {
    case cookie_role::automatic: return "auto";
    case cookie_role::session: return "session";
    case cookie_role::remember_me: return "remember-me";
    case cookie_role::csrf: return "csrf";
    case cookie_role::preference: return "preference";
    case cookie_role::other: return "other";
  }
  return "other";
}
/// "auto" | "session" | "remember-me" | "csrf" | "preference" | "other" (also "remember_me") -> role.
bool parse_role(std::string_view s, cookie_role& out);

/// The role a cookie's name suggests (ASCII case-insensitive): "csrf"/"xsrf" -> csrf; "remember"/"persist" ->
/// remember-me; "sess", "login", "auth", "token", "jwt", "sid" (whole name or after '.', '_', '-') -> session;
/// "theme", "lang", "locale", "pref", "consent", "tz", "timezone", "currency", "font", "color" -> preference;
/// else other. The guess is only a default: callers that know better pass audit_options::role.
cookie_role guess_role(std::string_view name);

/// The request a Set-Cookie answered (RFC 6265bis §5.1.4 request-uri): scheme, canonical host (lower-case ASCII,
/// IDNA for non-ASCII names, IPv6 without brackets), default-path (§5.1.4).
struct request_context {
  std::string scheme;        ///< "https" or "http"
  std::string host;
  std::string default_path;  ///< directory of the request path ("/" when none)
  bool operator==(const request_context&) const = default;
};
/// Parses "http(s)://host[:port][/path][?query][#fragment]". Errors: errc::url_scheme (not http or https),
/// errc::url_host (empty host or a character a host name cannot hold).
result<request_context> parse_request_url(std::string_view url);

/// RFC 6265bis §5.1.3 domain-match of a canonical host and a cookie domain (both lower-case, no leading dot).
bool domain_match(std::string_view host, std::string_view domain);

/// Whether `domain` is a public suffix (ICANN or private section, "*" default rule not applied) according to
/// Debian's libpsl and its publicsuffix list (/usr/share/publicsuffix). nullopt when the library was built
/// without libpsl (WEBSEC_HAVE_LIBPSL undefined), in which case the public-suffix rule is not judged.
std::optional<bool> is_public_suffix(std::string_view domain);
/// True when the public-suffix rule can be judged (built with libpsl and the list loaded).
bool public_suffix_list_available();

struct audit_options {
  bool https = true;                           ///< the response came over HTTPS (overridden by `url`'s scheme)
  std::optional<std::int64_t> max_lifetime;    ///< seconds; longer Max-Age / Expires is reported
  std::optional<std::int64_t> now;             ///< clock for Expires (default: system clock)
  std::size_t max_size = default_max_size;     ///< Flask MAX_COOKIE_SIZE
  std::optional<std::string> url;              ///< the request URL: Domain is checked against its host
  cookie_role role = cookie_role::automatic;   ///< what the cookie is for (default: guessed from the name)
  bool hsts = false;                           ///< the site sends a valid HSTS policy (missing Secure: weak)
};

/// Judges one Set-Cookie header value as a browser stores it (RFC 6265bis-15 §5.6 parsing, §5.7 storage model)
/// and returns the cookie's verdict with its findings (subject = cookie name):
///
/// Decisive findings — the browser drops the cookie: verdict `invalid`, and no other finding follows:
///   cookie.invalid (a CTL character §5.6 step 1, empty name and value §5.6), cookie.too_large (name+value over
///   4096 bytes §5.6), cookie.domain_mismatch (§5.7: the request host does not domain-match Domain; needs `url`),
///   cookie.public_suffix (§5.7: Domain is a public suffix other than the host; needs `url` and libpsl),
///   cookie.secure_over_http (§5.7: Secure set by a non-secure origin), cookie.host_prefix / cookie.secure_prefix
///   (§4.1.3 / §5.7 cookie name prefixes), cookie.samesite_none_without_secure (§5.7: SameSite=None needs
///   Secure), cookie.partitioned_without_secure (CHIPS: Partitioned needs Secure).
/// Other findings, judged by role (docs/verdicts.md):
///   cookie.no_secure (session / remember-me: high, fail — medium, weak when `hsts`; csrf / other: medium, weak;
///   preference: low, weak), cookie.no_httponly (session / remember-me: high, fail; other: low, weak; csrf and
///   preference: not demanded), cookie.no_samesite (session / remember-me: medium, weak — only Chromium defaults
///   to Lax; other: low, weak), cookie.samesite_invalid (the value is ignored, same as no SameSite),
///   cookie.samesite_none (session / remember-me: medium, weak; else info), cookie.nameless (medium, weak),
///   cookie.lifetime_too_long (medium, weak; only with max_lifetime), and advice that never lowers the verdict
///   (info): cookie.domain_scoped, cookie.domain_host_only (Domain equal to a public-suffix host becomes
///   host-only), cookie.too_large (over max_size but within the browser limit), cookie.max_age_invalid,
///   cookie.expires_invalid, cookie.attribute_ignored, cookie.duplicate_attribute, cookie.unknown_attribute,
///   cookie.role (the role used, when guessed), cookie.deletion (Max-Age<=0 or past Expires: flags not judged),
///   cookie.ok.
subject_report audit_cookie(std::string_view line, const audit_options& options = {});

/// The findings of audit_cookie(line, options).
std::vector<verdict> audit_set_cookie(std::string_view line, const audit_options& options = {});

/// Same, for a line already parsed (size is judged on `line_size`, the length of the original line).
std::vector<verdict> audit_set_cookie(const set_cookie& c, std::size_t line_size, const audit_options& options = {});
subject_report audit_cookie(const set_cookie& c, std::size_t line_size, const audit_options& options = {});

/// True for names HTTP Observatory treats as session cookies (contains "sess" or "login", any case).
bool is_session_like(std::string_view name);

// ------------------------------------------------------------------------------------------------------
// Request Cookie header (werkzeug `request.cookies`)
// ------------------------------------------------------------------------------------------------------

/// `request.cookies` (werkzeug's Request.cookies) for the given raw Cookie header bytes (several Cookie headers: join them with ";"
/// first, as werkzeug does). Returns (key, value) pairs in header order, UTF-8 encoded, duplicates kept
/// (MultiDict order; `cookies[k]` is the first).
///   debian  : werkzeug 2.2 `_cookie_parse_impl` on the bytes (regex match from the start, stops at the first
///             position that does not match), keys stripped of ASCII whitespace, `\ooo` / `\X` unquoting of a
///             fully quoted value, then UTF-8 decoding with U+FFFD for each maximal invalid subpart.
///   upstream: werkzeug 3.1 `parse_cookie` on the latin-1 str (regex findall: skips what does not match),
///             key and value `str.strip()`ed (Unicode whitespace incl. U+0085, U+00A0, U+001C..U+001F),
///             unquoting on the UTF-8 of the quoted text; unquoted non-ASCII bytes become their latin-1
///             code points (mojibake, e.g. "é" -> "Ã©").
/// Total: never fails, output pairs <= number of ';' + 1.
std::vector<std::pair<std::string, std::string>> parse_cookie_header(std::string_view header,
                                                                     websec::profile profile = websec::profile::upstream);

/// `werkzeug.http.parse_cookie(header)` for the raw Cookie header bytes (a WSGI str is these bytes as latin-1 code
/// points). Returns (key, value) pairs as parse_cookie_header does, UTF-8.
///   debian  : the same as parse_cookie_header (werkzeug 2.2 decodes the bytes as UTF-8 with replacement).
///   upstream: werkzeug 3.1 `parse_cookie` does `header.encode("latin1").decode()`: the bytes are decoded as UTF-8
///             ("k=f\xc3\xb6" gives "fö", and dump_cookie's output reads back), then `_sansio_http.parse_cookie`
///             runs on the text (keys and values `str.strip()`ed of Unicode whitespace, quoted values unquoted
///             on their UTF-8 and decoded with replacement). Bytes that are not UTF-8 are an error, as the strict
///             decode raises UnicodeDecodeError: kind errc::cookie_not_utf8, offset = the first invalid byte.
/// Note the difference from `request.cookies` (parse_cookie_header), which in werkzeug 3.1 never decodes.
result<std::vector<std::pair<std::string, std::string>>> parse_cookie(std::string_view header,
                                                                      websec::profile profile = websec::profile::upstream);

}  // namespace websec::cookie
