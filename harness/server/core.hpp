// harness/server/core.hpp — the socket-free heart of websec-server.
//
// `connection_core` is one HTTP/1.1 connection as a state machine: raw bytes in (`on_data`), serialized
// responses out (`take_output`). It owns Boost.Beast's request parser with the server's limits and applies them
// in this order, each answered with a complete response carrying the security headers:
//
//   * header bytes over `limits::max_header_bytes` or fields over `max_header_fields`      -> 431 (connection closed)
//   * a malformed request line / header / chunked framing                                  -> 400 (closed)
//   * framing that is not exactly one way to read the body (RFC 9112 §6.1, §6.3): Transfer-Encoding other than the
//     single coding `chunked`, Transfer-Encoding in HTTP/1.0, Transfer-Encoding with Content-Length, differing
//     Content-Length values; a missing (HTTP/1.1), repeated or invalid Host (RFC 9112 §3.2) -> 400 (closed)
//   * declared Content-Length over the route's limit                                      -> 413 before any body
//     byte is consumed (connection closed; the network layer drains briefly so the client sees the 413)
//   * streamed (chunked) body growing over the limit                                      -> 413 as soon as exceeded
//   * the route's own body consumer refusing (multipart limits of websec::multipart)      -> its status (413, 400)
//
// The body is never buffered by the core: Beast hands it over in pieces to the route's `exchange::on_body`
// (multipart goes straight into websec::multipart's push parser). Memory per connection is bounded by
// max_header_bytes + the read buffer + what the route itself keeps (bounded by the form limits).
//
// The same object drives the live server (the Beast loop in harness/server/main.cpp), the tests and targets/http_request_fuzzer.cpp,
// so what the fuzzer checks is what the server does. Timeouts are the network layer's: it asks `phase()` to pick
// the deadline and calls `on_timeout()` when it passes.
#pragma once

#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace websec::server {

namespace http = boost::beast::http;

/// Limits of the connection layer (the form limits live in app_config).
struct limits {
  std::size_t max_header_bytes = 16 * 1024;       ///< request line + fields, bytes (431 above)
  std::size_t max_header_fields = 100;            ///< number of header fields (431 above)
  std::uint64_t max_content_length = 16u << 20;   ///< Flask MAX_CONTENT_LENGTH for every route (413 above)
  std::size_t max_requests_per_connection = 1000; ///< keep-alive cap; the last response says Connection: close
};

/// Timeouts applied by the network layer, per phase of the connection.
struct timeouts {
  std::chrono::milliseconds idle{15000};    ///< keep-alive: waiting for the first byte of the next request
  std::chrono::milliseconds header{10000};  ///< from the first byte of a request to the end of its header
  std::chrono::milliseconds body{30000};    ///< whole body, from the end of the header
  std::chrono::milliseconds body_idle{10000}; ///< between two reads of the body
  std::chrono::milliseconds write{10000};   ///< writing one response
};

/// A response as the app builds it; the core adds framing and the security headers.
using response = http::response<http::string_body>;

/// What the route sees of the request once the header is complete.
struct request_head {
  const http::request_header<>& header;
  bool https = false;
  std::optional<std::uint64_t> content_length;  ///< declared length; unset for chunked or bodiless
  bool chunked = false;
};

/// Per-request handler the app returns after the header. The body arrives in pieces (`on_body`), then `finish`.
class exchange {
 public:
  virtual ~exchange() = default;
  /// A response decided from the header alone (404, 405, 413 for this route, redirects): sent without reading the
  /// body. When set, `on_body` and `finish` are not called.
  virtual std::optional<response> early_response() { return std::nullopt; }
  /// Largest body this route accepts (bytes); the core answers 413 above it. Defaults to the global limit.
  virtual std::optional<std::uint64_t> max_body() const { return std::nullopt; }
  /// A piece of the body. Return a response to stop reading now (e.g. 413 from the multipart parser).
  virtual std::optional<response> on_body(std::string_view chunk) { return std::nullopt; }
  /// The body is complete: build the response.
  virtual response finish() = 0;
};

/// The application: routes a complete header to an exchange. Must not throw (exceptions become 500).
class handler {
 public:
  virtual ~handler() = default;
  virtual std::unique_ptr<exchange> route(const request_head& head) = 0;
  /// Called on every response before it is serialized (security headers); `head` is null for responses to
  /// requests that never got a complete header (400, 431, 408, 503); `https` is the connection's.
  virtual void decorate(response& res, const request_head* head, bool https) = 0;
  /// An error page (400, 404, 405, 408, 413, 431, 500, 503) with the app's look and headers.
  virtual response error_page(int status, std::string_view detail) = 0;
};

/// Counters shared by every connection of one server (for /debug/stats and the fuzzer's invariants); atomic because
/// `--threads N` runs connections on several threads.
struct stats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> responses_by_class[6] = {};
  std::atomic<std::uint64_t> max_body_bytes_consumed{0};  ///< most body bytes any request handed to a route
  // the network layer's defences (harness/server/main.cpp)
  std::atomic<std::uint64_t> refused_per_client{0};   ///< connections closed at once: their client held its cap
  std::atomic<std::uint64_t> reclaimed{0};            ///< idle or slow-header connections closed to make room
  std::atomic<std::uint64_t> accept_exhausted{0};     ///< accepts that failed for lack of descriptors or memory
};

/// One connection, without sockets.
class connection_core {
 public:
  enum class phase { idle, header, body, closed };

  connection_core(handler& app, const limits& lim, bool https, stats* st = nullptr);
  ~connection_core();
  connection_core(const connection_core&) = delete;
  connection_core& operator=(const connection_core&) = delete;

  /// Feeds received bytes. Consumes them all (what is not parsed yet is kept, bounded by max_header_bytes).
  void on_data(std::string_view bytes);
  /// The peer closed its side: a request cut short gets 400 (werkzeug's ClientDisconnected).
  void on_eof();
  /// The network layer's deadline for the current phase passed: 408 if a request had started, then close.
  void on_timeout();
  /// A request could not be served for lack of capacity: 503 with Retry-After, then close.
  void reject_busy();

  /// Serialized responses produced so far (moved out).
  std::string take_output();
  bool has_output() const { return !out_.empty(); }
  /// True once the connection must be closed after the pending output is written.
  bool closing() const { return phase_ == phase::closed; }
  phase current_phase() const { return phase_; }
  /// Bytes of the request body still expected when closing early (for the network layer's lingering drain).
  std::size_t buffered_bytes() const { return in_.size(); }

 private:
  struct sink_body;
  using parser_t = http::request_parser<sink_body>;

  void start_message();
  void step();
  void head_complete();
  void message_complete();
  void emit(response res, bool close, const request_head* head, bool head_only);
  void fail(int status, std::string_view detail);
  bool body_piece(std::string_view piece);

  handler& app_;
  limits lim_;
  bool https_;
  stats* stats_;
  std::unique_ptr<parser_t> parser_;
  std::unique_ptr<exchange> ex_;
  std::optional<request_head> head_;
  std::string in_;
  std::string out_;
  phase phase_ = phase::idle;
  bool is_head_method_ = false;
  std::uint64_t body_seen_ = 0;
  std::size_t scan_ = 0;  // bytes of in_ already searched for the end of the header
  bool body_need_more_ = false;  // Beast's last put() in the body asked for more bytes
  std::uint64_t body_max_ = 0;
  std::size_t served_ = 0;
  std::optional<response> stop_;  // response decided while the parser was delivering body bytes
};

/// Convenience for tests and the fuzzer: runs `bytes` through one connection, split into pieces of at most
/// `piece` bytes (0 = one piece), then EOF; returns everything the server wrote.
std::string serve_bytes(handler& app, const limits& lim, bool https, std::string_view bytes, std::size_t piece = 0,
                        stats* st = nullptr);

}  // namespace websec::server
