// harness/server/app.hpp — the application of websec-server: every role of conformance/ROLES.md, built on the
// websec library, following each recommendation of Flask's "Security Considerations".
//
// Paths, methods and response shapes are those of conformance/ROLES.md §2; the constants are its §1 (the defaults of
// app_config). Mechanisms come from the library, never from this file: form parsing (websec::multipart), the
// session cookie (websec::session), CSRF (websec::csrf), escaping and |tojson (websec::escape), dangerous URLs
// (websec::url), control characters (websec::terminal), Set-Cookie text (websec::cookie). Headers of ROLES.md §3
// are added to every response by `decorate`, errors and redirects included.
//
// Routing is a table (`route_table`): one row per role of conformance/profiles/websec-server.yaml, with its path,
// methods, body reader, whether the session and the CSRF check wrap its view, and the view. `app::route` looks the
// request up (`find_route`) and answers 404 for an unknown path and 405 with the row's `Allow` for a known one.
#pragma once

#include "core.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace websec::server {

struct app_config {
  std::string secret_key = "websec-conformance-key-1";
  std::vector<std::string> secret_key_fallbacks = {"websec-conformance-key-0"};
  std::chrono::seconds session_lifetime{3600};   ///< PERMANENT_SESSION_LIFETIME, also every signature's max age
  std::chrono::seconds csrf_time_limit{3600};    ///< WTF_CSRF_TIME_LIMIT
  std::uint64_t max_content_length = 1u << 20;   ///< MAX_CONTENT_LENGTH
  std::size_t max_form_memory_size = 500000;     ///< MAX_FORM_MEMORY_SIZE (per non-file field; urlencoded body)
  std::size_t max_form_parts = 1000;             ///< MAX_FORM_PARTS (fields and files)
  std::size_t max_comments = 100;                ///< comments kept (oldest dropped)
  std::size_t max_files = 64;                    ///< uploads kept in memory (oldest dropped)
  std::size_t max_file_store_bytes = 32u << 20;  ///< total bytes of uploads kept (oldest dropped)
  /// Plain-HTTP requests are redirected (308) to this HTTPS origin when set, e.g. "https://127.0.0.1:8443".
  std::optional<std::string> https_origin;
  /// Clock for sessions and tokens (seconds since the epoch); tests and the fuzzer fix it.
  std::function<std::int64_t()> now;
};

/// The security headers every response carries (ROLES.md §3); HSTS only on HTTPS.
inline constexpr const char* hsts_value = "max-age=31536000; includeSubDomains";
inline constexpr const char* csp_value = "default-src 'self'; object-src 'none'";
inline constexpr const char* xfo_value = "SAMEORIGIN";
inline constexpr const char* xcto_value = "nosniff";
inline constexpr const char* referrer_value = "strict-origin-when-cross-origin";

// ---- the route table (app.cpp) ---------------------------------------------------------------------------------

/// Methods a route answers, as bits; a route that answers GET answers HEAD too (werkzeug's rule).
enum method_bits : unsigned { m_get = 1u, m_head = 2u, m_post = 4u };

/// How a route reads the request body before its view runs.
enum class body_kind {
  none,        ///< read and discarded (bounded by MAX_CONTENT_LENGTH)
  form,        ///< websec::multipart: fields kept, file parts counted and their bytes dropped
  form_files,  ///< the same, file bytes kept (upload)
  json,        ///< collected whole; a Content-Type that is not JSON is 415 before any body byte is read
};

struct view_context;  ///< what a view sees of one request (app.cpp)
using view_fn = response (*)(view_context&);

/// One row of the route table.
struct route_entry {
  std::string_view role;  ///< the role's name in conformance/profiles/websec-server.yaml
  std::string_view path;  ///< the exact path, or with `prefix` every path that starts with it
  bool prefix;
  unsigned methods;       ///< method_bits
  body_kind body;
  bool session;           ///< with_session: the session cookie is opened on demand and saved after the view
  bool csrf;              ///< with_csrf: Flask-WTF's check before the view, 400 when it fails (implies session)
  view_fn view;
};

/// Every route of the server, the roles of the profile first.
std::span<const route_entry> route_table();

/// The row for a path and method; without one, `allow` holds the methods the path answers (0: unknown path).
/// Exact paths are looked up before prefixes.
struct route_match {
  const route_entry* entry = nullptr;
  unsigned allow = 0;
};
route_match find_route(std::string_view path, http::verb method);

/// The value of a 405's Allow header: "GET, HEAD", "POST", "GET, HEAD, POST".
std::string allow_header(unsigned methods);

class app final : public handler {
 public:
  explicit app(app_config cfg = {});
  ~app() override;

  std::unique_ptr<exchange> route(const request_head& head) override;
  void decorate(response& res, const request_head* head, bool https) override;
  /// Server-wide counters shown by GET /debug/stats (may be null).
  void set_stats(const stats* st) { stats_ = st; }
  response error_page(int status, std::string_view detail) override;

  const app_config& config() const { return cfg_; }
  /// Limits for connection_core that match this app (MAX_CONTENT_LENGTH).
  limits connection_limits() const;

  struct state;  // per-user values, comments, uploads (shared by every connection, guarded by a mutex)

 private:
  app_config cfg_;
  std::unique_ptr<state> st_;
  const stats* stats_ = nullptr;
};

}  // namespace websec::server
