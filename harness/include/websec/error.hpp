// websec/error.hpp — the kinds of error the library reports (`websec::error::kind`), one documented value each.
//
// Two vocabularies live in this one enum, and every value belongs to exactly one:
//   - the library's own ids (snake_case names, e.g. `max_form_parts`): a precise reason where the Python stack
//     answers with a status, a silent empty form or a generic exception;
//   - Python exception classes the library reproduces because the Python stack raises them for that input
//     (`is_python_exception`: ValueError, BadSignature, zlib.error, ...), named as Python names the class.
// The string names (`to_string`) exist for the edges only: JSON output of the command line, the `kind` attribute
// and the exception classes of the Python module, messages. They never change once published: vectors, campaigns
// and reports compare them. Inside the library and in tests, kinds are compared as enums.
//
// Each value says what happened, the module that reports it and the outcome Flask gives (`http_status`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace websec {

enum class errc : std::uint8_t {
  none = 0,  ///< no error: what a default-constructed `error` holds (name "")

  // ---- Python exceptions (the Python stack raises this class; the message is Python's) ----
  value_error,           ///< "ValueError": e.g. a bad Signer separator, a port out of range in csrf's urlparse,
                         ///< a datetime beyond year 9999 escaping itsdangerous, a format spec Python refuses
  type_error,            ///< "TypeError": e.g. hmac.compare_digest on a non-str token, a Markup % operand count
  key_error,             ///< "KeyError": a Markup %(key)s / {key} field missing from the mapping
  index_error,           ///< "IndexError": a Markup {N} field beyond the positional arguments
  overflow_error,        ///< "OverflowError": a number Python cannot convert (Markup formatting, time_t overflow)
  os_error,              ///< "OSError": datetime.fromtimestamp past what gmtime() holds ("[Errno 75] ...")
  unicode_decode_error,  ///< "UnicodeDecodeError": a signed payload that is not UTF-8 (BadPayload.original_error)
  zlib_error,            ///< "zlib.error": zlib.decompress refused the payload (itsdangerous's "." prefix)
  binascii_error,        ///< "binascii.Error": base64.b64decode refused the data (Flask's " b" tag)
  bad_data,              ///< "BadData": itsdangerous's base class; base64_decode of invalid data
  bad_signature,         ///< "BadSignature" (⊂ BadData): no separator, or the signature does not match
  bad_time_signature,    ///< "BadTimeSignature" (⊂ BadSignature): timestamp missing or malformed, or a bad MAC
                         ///< on a timed value
  signature_expired,     ///< "SignatureExpired" (⊂ BadTimeSignature): older than max_age, or future-dated
  bad_payload,           ///< "BadPayload" (⊂ BadData): a valid signature over a payload that does not decode
  bad_header,            ///< "BadHeader" (⊂ BadSignature): never reported; completes itsdangerous's hierarchy
  csrf_error,            ///< "CSRFError": Flask-WTF refused the request (http_status 400, Flask-WTF's message)

  // ---- form body: multipart (werkzeug FormDataParser / MultiPartParser) ----
  max_content_length,           ///< the body exceeds max_content_length (413)
  max_form_memory_size,         ///< the multipart decoder buffer, or a urlencoded body, exceeds
                                ///< max_form_memory_size (413)
  max_form_memory_size_field,   ///< one field value exceeds max_form_memory_size (413)
  max_form_parts,               ///< more parts than max_form_parts (413)
  client_disconnected,          ///< the body is shorter than its Content-Length (400)
  field_limit_name_error,       ///< debian: werkzeug 2.2's NameError on a field over the memory limit (500)
  charset_none,                 ///< debian: a part charset parameter without a value (TypeError, 500)
  charset_decode,               ///< a part's bytes are invalid in its charset (silent empty form, 200)
  boundary_none,                ///< a boundary parameter without a value (AttributeError, 500)
  boundary_not_ascii,           ///< the boundary is not ASCII (silent empty form, 200)
  missing_boundary,             ///< multipart/form-data without a boundary (silent empty form, 200)
  incomplete_body,              ///< the body ends inside a part ("Invalid form-data cannot parse beyond State.X",
                                ///< silent empty form, 200)
  missing_content_disposition,  ///< a part without Content-Disposition (silent empty form, 200)
  header_not_utf8,              ///< a part header that is not UTF-8 (silent empty form, 200)
  header_line_without_colon,    ///< a part header line without ':' (silent empty form, 200)
  spool_failed,                 ///< a temporary file for a large file part could not be created or written (500)

  // ---- header parameters (werkzeug parse_options_header, debian) and charsets ----
  parameter_charset_decode,  ///< `key*=enc''v` bytes invalid in `enc` (UnicodeDecodeError: silent empty form, 200)
  unknown_charset,           ///< a charset that is not a Python text codec (LookupError, 500)
  unsupported_charset,       ///< a Python codec the library does not implement (500; the outcome is not certain)
  continuation_of_none,      ///< a `key*N` continuation of a key that holds None (TypeError, 500)

  // ---- urlencoded body ----
  body_not_utf8,  ///< upstream: a urlencoded body that is not UTF-8 (silent empty form, 200)

  // ---- JSON (json.dumps / json.loads as CPython 3.11) ----
  json_decode,       ///< json.JSONDecodeError, with Python's message and the byte offset
  max_depth,         ///< nesting deeper than the limit (Python's RecursionError)
  too_large,         ///< input over the byte limit (json.loads), or a payload that inflates past the cap (413)
  invalid_utf8,      ///< text that is not UTF-8 where JSON text or a str is needed
  nan_not_allowed,   ///< NaN or an infinity with allow_nan=False (ValueError)
  not_serializable,  ///< a value json.dumps refuses: bytes, UUID, datetime (TypeError)

  // ---- escaping (markupsafe) ----
  invalid_attribute_name,  ///< xmlattr: a key with whitespace, '/', '>' or '=' (ValueError, Jinja's message)
  unsupported,             ///< Markup formatting that needs Python objects (field access, custom __format__)

  // ---- session (Flask's SecureCookieSessionInterface) ----
  untag,              ///< TaggedJSONSerializer.loads raised while untagging (message "<Python class>: ...")
  malformed_cookie,   ///< no session cookie can be read from the given header or text (400)
  no_secret_key,      ///< SECRET_KEY is empty: Flask uses a NullSession
  malformed,          ///< not a `payload.timestamp.signature` value, or a payload that does not decode (400)

  // ---- cookies (werkzeug dump_cookie; Set-Cookie read as browsers do; request URLs) ----
  samesite_invalid,         ///< dump_cookie: SameSite not Strict, Lax or None (ValueError, 500)
  domain_no_dot,            ///< dump_cookie, debian: a domain without '.', e.g. localhost (500)
  domain_idna,              ///< the idna codec refused the domain (UnicodeError, 500)
  path_invalid_ipv6,        ///< debian iri_to_uri: unbalanced '[' in a "//netloc" path (ValueError, 500)
  expires_out_of_range,     ///< an Expires whose year leaves 1..9999 (500)
  partitioned_unsupported,  ///< dump_cookie, debian: werkzeug 2.2 has no `partitioned` (TypeError, 500)
  cookie_control_char,      ///< Set-Cookie: a CTL other than HTAB; browsers ignore the line (200)
  cookie_too_large,         ///< Set-Cookie: name and value over 4096 bytes; browsers ignore the line (200)
  cookie_empty,             ///< Set-Cookie: empty name and value; browsers ignore the line (200)
  url_scheme,               ///< a request URL that is not http:// or https:// (400)
  url_host,                 ///< a request URL without a host, or whose host no host name can be (400)
  cookie_not_utf8,          ///< upstream parse_cookie: header bytes that are not UTF-8 (UnicodeDecodeError, 500)

  // ---- response heads and security headers ----
  no_status_line,            ///< the input does not start with an HTTP status line
  bad_header_line,           ///< a header line without ':' or with an empty name
  har_invalid,               ///< not a HAR file: not JSON, no log.entries, no entry with a response
  hsts_syntax,               ///< Strict-Transport-Security outside the RFC 6797 §6.1 grammar
  hsts_duplicate_directive,  ///< a Strict-Transport-Security directive given twice (RFC 6797 §6.1)
  hsts_max_age_invalid,      ///< max-age that is not 1*DIGIT (possibly quoted)
  hsts_max_age_missing,      ///< no max-age directive
  hsts_directive_value,      ///< includeSubDomains or preload with a value
};

namespace detail {
struct errc_entry {
  errc code;
  std::string_view name;
};
inline constexpr errc_entry errc_table[] = {
    {errc::none, ""},
    {errc::value_error, "ValueError"},
    {errc::type_error, "TypeError"},
    {errc::key_error, "KeyError"},
    {errc::index_error, "IndexError"},
    {errc::overflow_error, "OverflowError"},
    {errc::os_error, "OSError"},
    {errc::unicode_decode_error, "UnicodeDecodeError"},
    {errc::zlib_error, "zlib.error"},
    {errc::binascii_error, "binascii.Error"},
    {errc::bad_data, "BadData"},
    {errc::bad_signature, "BadSignature"},
    {errc::bad_time_signature, "BadTimeSignature"},
    {errc::signature_expired, "SignatureExpired"},
    {errc::bad_payload, "BadPayload"},
    {errc::bad_header, "BadHeader"},
    {errc::csrf_error, "CSRFError"},
    {errc::max_content_length, "max_content_length"},
    {errc::max_form_memory_size, "max_form_memory_size"},
    {errc::max_form_memory_size_field, "max_form_memory_size_field"},
    {errc::max_form_parts, "max_form_parts"},
    {errc::client_disconnected, "client_disconnected"},
    {errc::field_limit_name_error, "field_limit_name_error"},
    {errc::charset_none, "charset_none"},
    {errc::charset_decode, "charset_decode"},
    {errc::boundary_none, "boundary_none"},
    {errc::boundary_not_ascii, "boundary_not_ascii"},
    {errc::missing_boundary, "missing_boundary"},
    {errc::incomplete_body, "incomplete_body"},
    {errc::missing_content_disposition, "missing_content_disposition"},
    {errc::header_not_utf8, "header_not_utf8"},
    {errc::header_line_without_colon, "header_line_without_colon"},
    {errc::spool_failed, "spool_failed"},
    {errc::parameter_charset_decode, "parameter_charset_decode"},
    {errc::unknown_charset, "unknown_charset"},
    {errc::unsupported_charset, "unsupported_charset"},
    {errc::continuation_of_none, "continuation_of_none"},
    {errc::body_not_utf8, "body_not_utf8"},
    {errc::json_decode, "json_decode"},
    {errc::max_depth, "max_depth"},
    {errc::too_large, "too_large"},
    {errc::invalid_utf8, "invalid_utf8"},
    {errc::nan_not_allowed, "nan_not_allowed"},
    {errc::not_serializable, "not_serializable"},
    {errc::invalid_attribute_name, "invalid_attribute_name"},
    {errc::unsupported, "unsupported"},
    {errc::untag, "untag"},
    {errc::malformed_cookie, "malformed_cookie"},
    {errc::no_secret_key, "no_secret_key"},
    {errc::malformed, "malformed"},
    {errc::samesite_invalid, "samesite_invalid"},
    {errc::domain_no_dot, "domain_no_dot"},
    {errc::domain_idna, "domain_idna"},
    {errc::path_invalid_ipv6, "path_invalid_ipv6"},
    {errc::expires_out_of_range, "expires_out_of_range"},
    {errc::partitioned_unsupported, "partitioned_unsupported"},
    {errc::cookie_control_char, "cookie_control_char"},
    {errc::cookie_too_large, "cookie_too_large"},
    {errc::cookie_empty, "cookie_empty"},
    {errc::url_scheme, "url_scheme"},
    {errc::url_host, "url_host"},
    {errc::cookie_not_utf8, "cookie_not_utf8"},
    {errc::no_status_line, "no_status_line"},
    {errc::bad_header_line, "bad_header_line"},
    {errc::har_invalid, "har_invalid"},
    {errc::hsts_syntax, "hsts_syntax"},
    {errc::hsts_duplicate_directive, "hsts_duplicate_directive"},
    {errc::hsts_max_age_invalid, "hsts_max_age_invalid"},
    {errc::hsts_max_age_missing, "hsts_max_age_missing"},
    {errc::hsts_directive_value, "hsts_directive_value"},
};

constexpr bool errc_table_complete() {
  for (std::size_t i = 0; i < std::size(errc_table); ++i)
    if (static_cast<std::size_t>(errc_table[i].code) != i) return false;
  return static_cast<std::size_t>(errc::hsts_directive_value) + 1 == std::size(errc_table);
}
static_assert(errc_table_complete(), "errc_table must list every errc, in declaration order");
}  // namespace detail

/// The stable name of a kind: the snake_case id, or the Python exception class ("" for `none`).
constexpr std::string_view to_string(errc e) {
  const auto i = static_cast<std::size_t>(e);
  return i < std::size(detail::errc_table) ? detail::errc_table[i].name : std::string_view();
}

/// The kind named `name` (as `to_string` spells it); nullopt for a name no kind has, and for "".
constexpr std::optional<errc> errc_from_string(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (const auto& e : detail::errc_table)
    if (e.name == name) return e.code;
  return std::nullopt;
}

/// True for the kinds that stand for a Python exception class (ValueError ... CSRFError).
constexpr bool is_python_exception(errc e) { return e >= errc::value_error && e <= errc::csrf_error; }

}  // namespace websec
