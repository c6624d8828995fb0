// websec/session.hpp — Flask's signed cookie session (flask.sessions.SecureCookieSessionInterface and
// flask.json.tag.TaggedJSONSerializer; Flask 3.1.3 / Debian's 2.2.2; docs/spec.md §2.5, §2.6, §4.3).
//
// Cookie value = URLSafeTimedSerializer(keys, salt="cookie-session", key_derivation="hmac", digest=SHA-1)
// over the tagged JSON of the session dict (sorted keys, ASCII, compact separators). Opening a cookie follows
// `open_session`: a bad, expired, future-dated or foreign signature gives an empty session (not an error); a
// valid signature over an undecodable payload is Flask's 500. The lifetime check applies to every session.
#pragma once

#include "websec/json.hpp"
#include "websec/result.hpp"
#include "websec/serializer.hpp"
#include "websec/version.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace websec::session {

// ---------------------------------------------------------------------------------------------- tagged JSON

/// `TaggedJSONSerializer.tag(value)`: replaces tuple/bytes/Markup/UUID/datetime (and one-key dicts whose key is
/// a tag) by their `{" t": ...}` forms, in Flask's tag order (" di", dict, " t", list, " b", " m", " u", " d").
json::value tag(const json::value& v);

/// `TaggedJSONSerializer.dumps(value)` inside an app context: `json.dumps(tag(v), separators=(",", ":"),
/// sort_keys=True, ensure_ascii=True)`.
result<std::string> tagged_dumps(const json::value& v);

/// `TaggedJSONSerializer.loads(text)`: json.loads then untag bottom-up. Errors where Python raises (e.g.
/// " t" over a number, " b" with bad padding, " u" that is not a UUID, " di" over an empty dict) have kind
/// "untag" with Python's exception class in the message; Flask answers those with 500.
result<json::value> tagged_loads(std::string_view text, const json::load_limits& limits = {});

/// Untag one already-parsed JSON value (bottom-up), as `_untag_scan`.
result<json::value> untag(json::value v);

/// werkzeug `parse_date(text)` (email.utils.parsedate_to_datetime; naive → UTC): nullopt when Python returns
/// None.
std::optional<json::datetime_value> parse_http_date(std::string_view text);

// ---------------------------------------------------------------------------------------------- configuration

/// The Flask config keys the session interface reads (§4.3), with Flask's defaults.
struct config {
  std::string secret_key;                   ///< SECRET_KEY (empty = no key: NullSession, no cookie)
  std::vector<std::string> fallbacks;       ///< SECRET_KEY_FALLBACKS, in config order (upstream only)
  std::string salt = "cookie-session";      ///< SecureCookieSessionInterface.salt
  std::int64_t lifetime_seconds = 31 * 86400;  ///< PERMANENT_SESSION_LIFETIME (int(total_seconds()))
  websec::profile prof = websec::profile::upstream;

  std::string cookie_name = "session";      ///< SESSION_COOKIE_NAME
  std::optional<std::string> domain;        ///< SESSION_COOKIE_DOMAIN
  std::optional<std::string> server_name;   ///< SERVER_NAME (debian: domain fallback ".<name>")
  std::string path = "/";                   ///< SESSION_COOKIE_PATH or APPLICATION_ROOT
  bool httponly = true;                     ///< SESSION_COOKIE_HTTPONLY
  bool secure = false;                      ///< SESSION_COOKIE_SECURE
  std::optional<std::string> samesite;      ///< SESSION_COOKIE_SAMESITE ("Lax", "Strict", "None")
  bool partitioned = false;                 ///< SESSION_COOKIE_PARTITIONED (upstream; forces Secure)
  bool refresh_each_request = true;         ///< SESSION_REFRESH_EACH_REQUEST

  std::size_t max_decompressed = serializer::default_max_decompressed;
  json::load_limits json_limits{};
};

/// Outcome of opening a session cookie, as Flask's request sees it.
struct opened {
  enum class outcome {
    session,        ///< valid cookie: `data` holds the session
    empty_session,  ///< no cookie / bad signature / expired / future-dated: a new empty session
    exception_500,  ///< valid signature, undecodable payload (BadPayload) or datetime overflow: Flask's 500
  };
  outcome result = outcome::empty_session;
  json::value data = json::value::dict();
  std::optional<std::uint64_t> timestamp;  ///< signing time when it could be read
  /// Why the session is empty or the request fails: itsdangerous's class and message (empty when ok or when
  /// there was no cookie).
  std::string error_kind;
  std::string error_message;
  std::string detail;    ///< the cause Python hides behind BadPayload (e.g. the JSON error), when there is one
  std::int64_t age = 0;  ///< for SignatureExpired
};

/// A response header, in order.
using header = std::pair<std::string, std::string>;

class codec {
 public:
  codec() = default;  ///< unusable; see make()
  /// Errors: kind "no_secret_key" when `secret_key` is empty (Flask uses a NullSession then).
  static result<codec> make(config c);
  const config& conf() const { return c_; }

  /// `get_signing_serializer(app).dumps(dict(session))` at time `ts`: the cookie value.
  result<std::string> encode(const json::value& session, std::uint64_t ts) const;

  /// `open_session` on a cookie value (already taken from the Cookie header): `loads(val, max_age=lifetime)`
  /// at `now`. Empty value → empty session.
  opened open(std::string_view cookie_value, std::int64_t now) const;

  /// `open_session` on a whole `Cookie:` header value: the first cookie named `cookie_name` (werkzeug's
  /// parsing, quoted values unquoted).
  opened open_request(std::string_view cookie_header, std::int64_t now) const;

  /// What the session looked like at the end of a request.
  struct state {
    bool accessed = false;  ///< read or written during the request
    bool modified = false;  ///< written during the request
  };
  /// `save_session`: the headers Flask adds, in order (Vary: Cookie and/or Set-Cookie). `session["_permanent"]`
  /// truthy = permanent (Expires = now + lifetime).
  result<std::vector<header>> save(const json::value& session, state st, std::int64_t now) const;

  /// The `Set-Cookie` value Flask sends for a cookie value (`expires` = Unix time or none), written by
  /// websec::cookie::dump_cookie. Errors are dump_cookie's (e.g. an invalid SameSite value).
  result<std::string> set_cookie_line(std::string_view value, std::optional<std::int64_t> expires) const;
  /// The `Set-Cookie` value of `delete_cookie` (expires=0, max_age=0).
  result<std::string> delete_cookie_line() const;

  const serializer::serializer& signing_serializer() const { return s_; }

 private:
  config c_;
  serializer::serializer s_;
};

/// The cookie value from a `Cookie:` header, `Set-Cookie:` header or a bare value, for the command line:
/// accepts "session=VALUE; ...", "Cookie: a=b; session=VALUE", "Set-Cookie: session=VALUE; HttpOnly", or VALUE.
/// `name` = cookie name to look for. Error kind "malformed_cookie" with a message a person can act on.
result<std::string> extract_cookie_value(std::string_view text, std::string_view name = "session");

/// werkzeug's request-side cookie parsing of one `Cookie` header (websec::cookie::parse_cookie_header).
std::vector<std::pair<std::string, std::string>> parse_cookie_header(
    std::string_view header, websec::profile prof = websec::profile::upstream);

/// Reads the payload of a session cookie *without* verifying it (the `flask-unsign --decode` view):
/// the JSON text and, when present, the timestamp. Errors: kind "malformed" with what is wrong.
struct unverified {
  std::string tagged_json;
  json::value value;
  std::optional<std::uint64_t> timestamp;
  bool compressed = false;
};
result<unverified> decode_unverified(std::string_view cookie_value, const json::load_limits& limits = {},
                                     std::size_t max_decompressed = serializer::default_max_decompressed);

/// Precomputed material for auditing one cookie against candidate secrets (`websec session crack`): the
/// signed part, the decoded signature, the salt. `matches(secret)` = HMAC(HMAC(secret, salt), signed) == sig.
class crack_target {
 public:
  /// Error kind "malformed" when the value has no `payload.timestamp.signature` shape or the signature does
  /// not decode to a SHA-1 MAC.
  static result<crack_target> make(std::string_view cookie_value, std::string salt = "cookie-session");
  bool matches(std::string_view secret) const;
  std::string_view signed_part() const { return signed_; }

 private:
  std::string signed_, salt_;
  unsigned char sig_[20] = {};
};

/// Shared state of a running `crack`: candidates tried so far (read it from another thread for progress), and
/// a stop request. Each counter sits on its own cache line; workers add to `tried` once per chunk of words.
struct crack_progress {
  alignas(64) std::atomic<std::size_t> tried{0};
  alignas(64) std::atomic<bool> stop{false};
};

/// What `crack` found.
struct crack_result {
  std::optional<std::string> key;  ///< the first matching word found (any matching word when several match)
  std::size_t tried = 0;           ///< candidates tried (all of them when nothing matched)
};

/// `websec session crack`: tries every word as the secret key with `threads` workers (0 = one per core). Words
/// are handed out in chunks through one atomic index, each worker keeps its counts in registers and publishes
/// them once per chunk, so the rate scales with the cores; every worker stops at the chunk boundary after a
/// match (or after `progress->stop`).
crack_result crack(const crack_target& target, const std::vector<std::string_view>& words, unsigned threads = 0,
                   crack_progress* progress = nullptr);

}  // namespace websec::session
