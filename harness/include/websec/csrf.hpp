// websec/csrf.hpp — CSRF tokens as Flask-WTF makes and checks them (flask_wtf/csrf.py 1.3.0; docs/spec.md §6),
// and a plain double-submit token for applications without a session.
//
// Flask-WTF model: a raw token `sha1(os.urandom(64)).hexdigest()` lives in the (signed) session under
// "csrf_token"; forms and headers carry `URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)`
// (django-concat, SHA-1; the 42-byte JSON of a random 40-hex token does not compress — zlib gives 49 bytes — so
// tokens start with "I", the base64 of the opening quote: "Ij" when the hex starts with a digit). Validation order and
// messages follow `validate_csrf` and `CSRFProtect.protect`; every failure is a 400 CSRFError (errc::csrf_error).
#pragma once

#include "websec/result.hpp"
#include "websec/signing.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace websec::csrf {

inline constexpr std::string_view salt = "wtf-csrf-token";          ///< flask_wtf.csrf salt
inline constexpr std::string_view field_name = "csrf_token";        ///< WTF_CSRF_FIELD_NAME and session key
inline constexpr std::int64_t default_time_limit = 3600;            ///< WTF_CSRF_TIME_LIMIT
/// WTF_CSRF_HEADERS, in the order they are consulted.
inline constexpr std::string_view header_names[] = {"X-CSRFToken", "X-CSRF-Token"};
/// WTF_CSRF_METHODS: the methods `protect()` checks.
inline constexpr std::string_view protected_methods[] = {"POST", "PUT", "PATCH", "DELETE"};

/// The exact messages of Flask-WTF.
namespace messages {
inline constexpr std::string_view missing = "The CSRF token is missing.";
inline constexpr std::string_view session_missing = "The CSRF session token is missing.";
inline constexpr std::string_view expired = "The CSRF token has expired.";
inline constexpr std::string_view invalid = "The CSRF token is invalid.";
inline constexpr std::string_view mismatch = "The CSRF tokens do not match.";
inline constexpr std::string_view referrer_missing = "The referrer header is missing.";
inline constexpr std::string_view referrer_mismatch = "The referrer does not match the host.";
}  // namespace messages

struct config {
  std::string secret_key;                                ///< WTF_CSRF_SECRET_KEY or SECRET_KEY
  std::optional<std::int64_t> time_limit = default_time_limit;  ///< nullopt = no age check
  bool ssl_strict = true;                                ///< WTF_CSRF_SSL_STRICT
};

/// `hashlib.sha1(os.urandom(64)).hexdigest()` with OpenSSL's RAND_bytes (40 lowercase hex characters).
std::string generate_raw_token();

/// `generate_csrf()`'s signed token for a raw token at time `ts`. `raw` is the text of a Python str and must be
/// UTF-8; for bytes that are not UTF-8 (which no session can hold) the result is empty.
std::string sign_token(const config& c, std::string_view raw, std::uint64_t ts);

/// `validate_csrf(data)`: ok when valid, else an error whose message is Flask-WTF's
/// (kind errc::csrf_error, http_status 400). `session_raw` = session["csrf_token"] if present. A token that
/// verifies but does not load to a str makes `hmac.compare_digest` raise TypeError in Python: kind
/// errc::type_error, http_status 500. An error the serializer raises outside BadData (a datetime overflow) keeps
/// its kind, with http_status 500.
result<void> validate(const config& c, std::string_view submitted, std::optional<std::string_view> session_raw,
                      std::int64_t now = signing::now_seconds());

/// The token `CSRFProtect._get_csrf_token` picks: form field "csrf_token" if non-empty, else the first
/// non-empty form field whose name ends with "csrf_token", else the first non-empty X-CSRFToken /
/// X-CSRF-Token header (header names compared case-insensitively). Empty when none.
std::string find_token(const std::vector<std::pair<std::string, std::string>>& form,
                       const std::vector<std::pair<std::string, std::string>>& headers);

/// True for the methods `protect()` checks.
bool is_protected_method(std::string_view method);

/// The HTTPS referrer check of `protect()` (only when the request is secure and ssl_strict): ok when
/// `same_origin(referer, "https://<host>/")` holds, else "The referrer header is missing." / "The referrer
/// does not match the host." (400). `referer` and `host` are header bytes (WSGI latin-1 text). same_origin is
/// computed as CPython 3.11's urllib.parse.urlparse does (Debian backports included): leading C0 controls and
/// spaces stripped, TAB/CR/LF removed, scheme lower-cased, hostname = host of the last '@'-part (bracketed
/// form anywhere in it) lower-cased before any '%'; scheme and hostname are compared first and only then the
/// ports are parsed, so a port that is not ASCII digits or is outside 0..65535 raises only when scheme and
/// hostname match (kind errc::value_error, 500). Unbalanced brackets or a bracketed host that is not an IPv6
/// address (or IPvFuture) make urlparse itself raise (errc::value_error, 500).
result<void> check_referrer(const config& c, bool is_secure, std::optional<std::string_view> referer,
                            std::string_view host);

/// Full `protect()`: method filter, token lookup, validate, then the referrer check. Ok when the request passes.
result<void> protect(const config& c, std::string_view method,
                     const std::vector<std::pair<std::string, std::string>>& form,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::optional<std::string_view> session_raw, bool is_secure,
                     std::optional<std::string_view> referer, std::string_view host,
                     std::int64_t now = signing::now_seconds());

// ---------------------------------------------------------------------------------------------- double submit

/// A random token for the double-submit pattern (no session): `bytes` random bytes (RAND_bytes),
/// base64url without padding.
std::string generate_double_submit_token(std::size_t bytes = 32);

/// Cookie token vs submitted token: both non-empty and equal, compared in constant time.
bool double_submit_matches(std::string_view cookie_token, std::string_view submitted);

}  // namespace websec::csrf
