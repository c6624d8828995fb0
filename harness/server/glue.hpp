// harness/server/glue.hpp — the only place where websec-server calls into the library's mechanisms.
//
// Each function forwards to one module of the library (named in its comment). The server implements none of these
// mechanisms itself.
#pragma once

#include "core.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace websec::server::glue {

// ---- websec::escape -------------------------------------------------------------------------------------------
/// markupsafe.escape on UTF-8 bytes (& < > ' ").
std::string escape(std::string_view s);
/// Jinja's `|tojson` of a string value: a JSON string literal with < > & ' as \u003c \u003e \u0026 \u0027.
std::string tojson_string(std::string_view s);

// ---- websec::url ----------------------------------------------------------------------------------------------
/// True when the URL (as it would appear in an href attribute) resolves to javascript:, vbscript: or data:.
bool dangerous_url(std::string_view url);

// ---- websec::terminal -----------------------------------------------------------------------------------------
/// The strict terminal policy: C0/C1 controls except \t \n, ANSI escape sequences and bidi overrides removed.
std::string terminal_clean(std::string_view s);

// ---- websec::multipart (multipart/form-data and application/x-www-form-urlencoded) -----------------------------
struct form_file {
  std::string name, filename, content_type;
  std::string data;  ///< the bytes (bounded by MAX_CONTENT_LENGTH)
  std::uint64_t size = 0;
};
struct form_data {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<form_file> files;
  std::size_t parts = 0;
  /// Part order: (is_file, index into fields or files).
  std::vector<std::pair<bool, std::size_t>> order;
  const std::string* get(std::string_view name) const;
};
struct form_limits {
  std::optional<std::uint64_t> max_content_length;
  std::size_t max_form_memory_size = 500000;
  std::size_t max_form_parts = 1000;
};
/// Streaming form reader: created from the request's Content-Type and declared length, fed the body in pieces.
/// A non-form content type gives an empty form (werkzeug). Errors carry the HTTP status (413, 400).
class form_reader {
 public:
  virtual ~form_reader() = default;
  /// Returns an HTTP status (413/400) to stop with, or 0 to go on.
  virtual int feed(std::string_view piece) = 0;
  /// The body is complete: the form, or an HTTP status (413/400) with a reason.
  virtual int finish(form_data& out, std::string& reason) = 0;
};
/// `keep_file_bytes`: keep file contents in form_file::data (upload) or only count them (form_echo).
std::unique_ptr<form_reader> make_form_reader(std::string_view content_type, std::optional<std::uint64_t> content_length,
                                              bool chunked, const form_limits& lim, bool keep_file_bytes);
/// werkzeug's url_decode of a query string: the first value of `name`, or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// ---- websec::json --------------------------------------------------------------------------------------------
/// Flask's `jsonify({"json": request.get_json()})` for a UTF-8 JSON body (Python's json.loads rules, compact sorted
/// ASCII output, bounded depth). Returns false with `reason` for a body json.loads refuses.
bool json_echo(std::string_view body, std::string& out, std::string& reason);

// ---- websec::cookie -------------------------------------------------------------------------------------------
/// werkzeug's request.cookies: the first value of `name` in the Cookie header(s), joined with ";".
std::optional<std::string> request_cookie(std::string_view cookie_header, std::string_view name);
struct cookie_options {
  std::optional<std::int64_t> expires;  ///< unix seconds
  std::optional<std::int64_t> max_age;
  bool secure = true, httponly = true;
  std::string path = "/";
  std::string samesite = "Lax";
};
/// werkzeug's dump_cookie: the Set-Cookie value.
std::string set_cookie(std::string_view name, std::string_view value, const cookie_options& o);

// ---- websec::session (Flask's SecureCookieSessionInterface) ---------------------------------------------------
/// The values of the session the server uses (ROLES.md §1): {"_permanent": true, "user": ..., "csrf_token": ...}.
struct session_values {
  std::optional<std::string> user;
  std::optional<std::string> csrf_token;
  bool permanent = false;
  bool empty() const { return !user && !csrf_token && !permanent; }
};
struct session_keys {
  std::string secret;
  std::vector<std::string> fallbacks;
  std::int64_t max_age = 3600;
};
/// One codec per app: signs with SECRET_KEY, verifies with it and its fallbacks, cookie `Secure; HttpOnly;
/// Path=/; SameSite=Lax`, lifetime = max age of every signature and Expires of permanent sessions.
class session_store {
 public:
  explicit session_store(const session_keys& keys);
  ~session_store();
  struct opened {
    session_values values;
    bool error_500 = false;  ///< validly signed but undecodable payload (Flask's BadPayload -> 500)
  };
  /// Flask's open_session on the request's Cookie header(s) (joined with ";"): a bad, expired, future-dated or
  /// foreign cookie gives an empty session, never an error.
  opened open(std::string_view cookie_header, std::int64_t now) const;
  /// Flask's save_session: the response headers (Vary: Cookie, Set-Cookie) in Flask's order.
  std::vector<std::pair<std::string, std::string>> save(const session_values& v, bool accessed, bool modified,
                                                        std::int64_t now) const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// ---- websec::csrf (Flask-WTF's CSRFProtect) --------------------------------------------------------------------
/// A new raw token (Flask-WTF: sha1(os.urandom(64)).hexdigest()).
std::string csrf_raw_token();
/// The form/header token for a raw token, signed at `now`.
std::string csrf_token(std::string_view raw, std::string_view secret, std::int64_t now);
/// CSRFProtect.protect for one request: token from the form field `csrf_token` or the X-CSRFToken / X-CSRF-Token
/// headers, validated against the session's raw token (time limit), and on HTTPS the same-origin Referer check.
/// Empty when valid, else Flask-WTF's reason ("The CSRF token is missing." ...).
std::string csrf_protect(std::string_view secret, std::int64_t time_limit, std::string_view method,
                         const form_data* form, const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::optional<std::string>& session_raw, bool https,
                         const std::optional<std::string>& referer, std::string_view host, std::int64_t now);

}  // namespace websec::server::glue
