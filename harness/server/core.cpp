// harness/server/core.cpp — see core.hpp.
#include "core.hpp"

#include <boost/asio/buffer.hpp>

#include <algorithm>
#include <iterator>
#include <exception>
#include <utility>

namespace websec::server {

namespace net = boost::asio;
using boost::beast::error_code;

/// Beast body type that hands every body piece to the connection instead of storing it.
struct connection_core::sink_body {
  struct value_type {
    connection_core* core = nullptr;
  };
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& v) : v_(v) {}
    void init(const boost::optional<std::uint64_t>&, error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      ec = {};
      std::size_t n = 0;
      for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
        net::const_buffer b = *it;
        if (!v_.core->body_piece(std::string_view(static_cast<const char*>(b.data()), b.size()))) {
          ec = http::error::body_limit;  // the core holds the actual response in stop_
          return n + b.size();
        }
        n += b.size();
      }
      return n;
    }
    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& v_;
  };
};

namespace {

bool has_crlf_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_unreserved_or_sub_delim(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
         std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

/// RFC 9112 §3.2 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ], uri-host = IP-literal / IPv4address / reg-name.
/// An empty value is valid (a target URI without authority). IP-literals are checked for their character set only.
bool valid_host(std::string_view v) {
  std::size_t i = 0;
  if (!v.empty() && v[0] == '[') {
    auto close = v.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : v.substr(1, close - 1))
      if (!is_hex(c) && c != ':' && c != '.' && !is_unreserved_or_sub_delim(c)) return false;
    i = close + 1;
  } else {
    while (i < v.size() && v[i] != ':') {
      if (v[i] == '%') {
        if (i + 2 >= v.size() || !is_hex(v[i + 1]) || !is_hex(v[i + 2])) return false;
        i += 3;
      } else if (is_unreserved_or_sub_delim(v[i])) {
        ++i;
      } else {
        return false;
      }
    }
  }
  if (i == v.size()) return true;
  if (v[i] != ':') return false;
  for (++i; i < v.size(); ++i)
    if (!is_digit(v[i])) return false;
  return true;
}

/// The framing and Host rules of RFC 9112 for a request header; the reason for a 400 (the connection is then closed),
/// or nullptr when the request may be served:
///   * §6.1/§6.3: Transfer-Encoding is accepted only as the single coding `chunked` (any other coding, a list with
///     `chunked` not last or more than once, or an empty value cannot be framed reliably), only in HTTP/1.1, and never
///     with Content-Length (differing Content-Length values are refused by the parser itself, §6.3 item 5);
///   * §3.2: exactly one Host field in HTTP/1.1 (at most one in HTTP/1.0), with a valid value.
const char* framing_error(const http::request_header<>& h) {
  const bool has_cl = h.find(http::field::content_length) != h.end();
  auto te = h.equal_range(http::field::transfer_encoding);
  if (te.first != te.second) {
    if (has_cl) return "Content-Length with Transfer-Encoding";
    if (h.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
    std::size_t codings = 0;
    bool only_chunked = true;
    for (auto it = te.first; it != te.second; ++it) {
      std::string_view list = it->value();
      while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item.empty()) continue;  // empty list elements are ignored (RFC 9110 §5.6.1.2)
        ++codings;
        if (!boost::beast::iequals(item, "chunked")) only_chunked = false;
      }
    }
    if (codings != 1 || !only_chunked) return "Transfer-Encoding other than a single chunked coding";
  }
  auto host = h.equal_range(http::field::host);
  std::size_t hosts = static_cast<std::size_t>(std::distance(host.first, host.second));
  if (hosts > 1) return "more than one Host field";
  if (hosts == 0 && h.version() >= 11) return "HTTP/1.1 request without Host";
  if (hosts == 1 && !valid_host(host.first->value())) return "invalid Host";
  return nullptr;
}

}  // namespace

connection_core::connection_core(handler& app, const limits& lim, bool https, stats* st)
    : app_(app), lim_(lim), https_(https), stats_(st) {
  start_message();
}

connection_core::~connection_core() = default;

void connection_core::start_message() {
  head_.reset();
  ex_.reset();
  stop_.reset();
  body_seen_ = 0;
  scan_ = 0;
  body_need_more_ = false;
  is_head_method_ = false;
  parser_ = std::make_unique<parser_t>();
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(lim_.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(boost::none);  // enforced by body_piece with the route's limit
  parser_->eager(false);             // stop after the header so the route can answer before the body
  parser_->get().body().core = this;
}

void connection_core::on_data(std::string_view bytes) {
  if (phase_ == phase::closed || bytes.empty()) return;
  if (phase_ == phase::idle) phase_ = phase::header;
  in_.append(bytes);
  step();
  if (phase_ == phase::closed) in_.clear();
}

void connection_core::step() {
  while (phase_ != phase::closed && !in_.empty()) {
    if (!parser_->is_header_done()) {
      // Hand Beast a header only once it is complete (an empty line, CRLF or bare LF) or over the limit, so that the
      // outcome never depends on how the bytes were split into reads (Beast alone answers a broken request line
      // with 400 or, when it arrives in pieces, with 431).
      std::size_t from = scan_ > 2 ? scan_ - 2 : 0;
      std::size_t lf = from;
      std::size_t header_end = 0;  // bytes of the header with its empty line, once complete
      while ((lf = in_.find('\n', lf)) != std::string::npos) {
        if (lf + 1 < in_.size() && in_[lf + 1] == '\n') {
          header_end = lf + 2;
          break;
        }
        if (lf + 2 < in_.size() && in_[lf + 1] == '\r' && in_[lf + 2] == '\n') {
          header_end = lf + 3;
          break;
        }
        ++lf;
      }
      const bool complete = header_end != 0;
      scan_ = in_.size();
      // The limit counts the whole header, empty line included (as Beast's header_limit does), so a header is too
      // large exactly when more than max_header_bytes arrive without completing it: the same answer whether the
      // bytes come at once or one by one.
      if (complete && header_end > lim_.max_header_bytes) return fail(431, "request header too large");
      if (!complete) {
        if (in_.size() > lim_.max_header_bytes) fail(431, "request header too large");
        return;
      }
    }
    // Boost 1.81's parse_chunk_header asserts that a last-chunk it already began ("0\r\n" with the trailer still
    // incomplete) is presented again with at least 5 bytes, which a chunked body made only of "0\r\n" followed by
    // one more byte breaks (fixed upstream in Beast by boostorg/beast#2861). The shortest complete ending,
    // "0\r\n\r\n", is 5 bytes, so waiting for 5 bytes after a need_more never delays a message that is complete.
    if (body_need_more_ && parser_->is_header_done() && in_.size() < 5) return;
    error_code ec;
    std::size_t n = parser_->put(net::buffer(in_.data(), in_.size()), ec);
    in_.erase(0, n);
    body_need_more_ = ec == http::error::need_more && parser_->is_header_done();
    if (ec == http::error::need_more) {
      // The header is complete (checked above) yet Beast wants more: it is malformed (e.g. a request line whose
      // version is cut short by the empty line), whatever bytes follow.
      if (!parser_->is_header_done()) fail(400, "malformed request header");
      return;
    }
    if (ec) {
      if (stop_) {
        response r = std::move(*stop_);
        stop_.reset();
        emit(std::move(r), true, head_ ? &*head_ : nullptr, is_head_method_);
      } else if (ec == http::error::header_limit) {
        fail(431, "request header too large");
      } else if (ec == http::error::body_limit) {
        fail(413, "request body too large");
      } else {
        fail(400, ec.message());
      }
      return;
    }
    if (parser_->is_header_done() && !head_) {
      head_complete();
      if (phase_ == phase::closed) return;
    }
    if (parser_->is_done()) {
      message_complete();
      if (phase_ == phase::closed) return;
      start_message();
      phase_ = in_.empty() ? phase::idle : phase::header;
      continue;
    }
    if (n == 0) return;
  }
}

void connection_core::head_complete() {
  const auto& h = parser_->get().base();
  std::optional<std::uint64_t> cl;
  if (auto v = parser_->content_length()) cl = *v;
  head_.emplace(request_head{h, https_, cl, parser_->chunked()});
  is_head_method_ = h.method() == http::verb::head;
  if (stats_) ++stats_->requests;

  std::size_t fields = 0;
  for (auto it = h.begin(); it != h.end(); ++it) ++fields;
  if (fields > lim_.max_header_fields) return fail(431, "too many header fields");
  // RFC 9112 §6.3 and §3.2: ambiguous framing (the desync of request smuggling) and a missing or repeated Host.
  if (const char* why = framing_error(h)) return fail(400, why);

  try {
    ex_ = app_.route(*head_);
  } catch (const std::exception&) {
    ex_.reset();
  }
  if (!ex_) return fail(500, "internal error");

  std::optional<response> early;
  try {
    early = ex_->early_response();
  } catch (const std::exception&) {
    return fail(500, "internal error");
  }
  if (early) {
    // Answer without reading the body; a body that is still coming closes the connection.
    bool body_pending = !parser_->is_done();
    bool close = body_pending || !parser_->keep_alive() || served_ + 1 >= lim_.max_requests_per_connection;
    ++served_;
    emit(std::move(*early), close, &*head_, is_head_method_);
    if (phase_ != phase::closed) {
      // bodiless request answered early: the message is complete; step() continues with a fresh parser
      start_message();
      phase_ = in_.empty() ? phase::idle : phase::header;
    }
    return;
  }

  body_max_ = lim_.max_content_length;
  try {
    if (auto m = ex_->max_body()) body_max_ = *m;
  } catch (const std::exception&) {
  }
  if (head_->content_length && *head_->content_length > body_max_)
    return fail(413, "declared Content-Length over the limit");

  if (!parser_->is_done()) {
    phase_ = phase::body;
    auto expect = h.find(http::field::expect);
    if (expect != h.end() && boost::beast::iequals(expect->value(), "100-continue") && h.version() >= 11)
      out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    parser_->eager(true);
  }
}

bool connection_core::body_piece(std::string_view piece) {
  body_seen_ += piece.size();
  if (body_seen_ > body_max_) {
    stop_ = app_.error_page(413, "request body over the limit");
    return false;
  }
  if (stats_) {
    auto seen = stats_->max_body_bytes_consumed.load(std::memory_order_relaxed);
    while (seen < body_seen_ && !stats_->max_body_bytes_consumed.compare_exchange_weak(seen, body_seen_)) {
    }
  }
  try {
    if (auto r = ex_->on_body(piece)) {
      stop_ = std::move(r);
      return false;
    }
  } catch (const std::exception&) {
    stop_ = app_.error_page(500, "internal error");
    return false;
  }
  return true;
}

void connection_core::message_complete() {
  response res;
  try {
    res = ex_->finish();
  } catch (const std::exception&) {
    res = app_.error_page(500, "internal error");
  }
  ++served_;
  bool close = !parser_->keep_alive() || served_ >= lim_.max_requests_per_connection;
  emit(std::move(res), close, &*head_, is_head_method_);
  ex_.reset();
  head_.reset();
}

void connection_core::emit(response res, bool close, const request_head* head, bool head_only) {
  try {
    app_.decorate(res, head, https_);
  } catch (const std::exception&) {
  }
  // Never let a value with CR, LF or NUL reach the wire (header injection): that is a bug of the app.
  for (const auto& f : res) {
    if (has_crlf_or_nul(f.name_string()) || has_crlf_or_nul(f.value())) {
      res = app_.error_page(500, "invalid response header");
      app_.decorate(res, head, https_);
      break;
    }
  }
  res.version(11);
  res.keep_alive(!close);
  res.prepare_payload();
  if (stats_) {
    unsigned cls = res.result_int() / 100;
    if (cls < 6) ++stats_->responses_by_class[cls];
  }

  std::string& o = out_;
  o += "HTTP/1.1 ";
  o += std::to_string(res.result_int());
  o += ' ';
  auto reason = res.reason();
  o.append(reason.data(), reason.size());
  o += "\r\n";
  for (const auto& f : res) {
    auto n = f.name_string();
    auto v = f.value();
    o.append(n.data(), n.size());
    o += ": ";
    o.append(v.data(), v.size());
    o += "\r\n";
  }
  o += "\r\n";
  if (!head_only) o += res.body();
  if (close) phase_ = phase::closed;
}

void connection_core::fail(int status, std::string_view detail) {
  emit(app_.error_page(status, detail), true, head_ ? &*head_ : nullptr, is_head_method_ && head_);
}

void connection_core::on_eof() {
  if (phase_ == phase::closed) return;
  if (phase_ == phase::body || (phase_ == phase::header && head_))
    fail(400, "request body shorter than announced");  // werkzeug's ClientDisconnected
  else if (phase_ == phase::header && !in_.empty())
    fail(400, "request header cut short");
  phase_ = phase::closed;
  in_.clear();
}

void connection_core::on_timeout() {
  if (phase_ == phase::header || phase_ == phase::body) fail(408, "request timed out");
  phase_ = phase::closed;
  in_.clear();
}

void connection_core::reject_busy() {
  response r = app_.error_page(503, "server busy");
  r.set(http::field::retry_after, "1");
  emit(std::move(r), true, nullptr, false);
}

std::string connection_core::take_output() { return std::exchange(out_, std::string()); }

std::string serve_bytes(handler& app, const limits& lim, bool https, std::string_view bytes, std::size_t piece,
                        stats* st) {
  connection_core c(app, lim, https, st);
  std::string out;
  if (piece == 0) piece = bytes.size() ? bytes.size() : 1;
  for (std::size_t i = 0; i < bytes.size() && !c.closing(); i += piece) {
    c.on_data(bytes.substr(i, piece));
    out += c.take_output();
  }
  c.on_eof();
  out += c.take_output();
  return out;
}

}  // namespace websec::server
