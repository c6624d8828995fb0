// websec-server — the reference server of the conformance suite (conformance/ROLES.md §4).
//
//   websec-server [--listen 127.0.0.1:PORT] [--listen-http 127.0.0.1:PORT] [--tls-cert F --tls-key F]
//                 [--cert-out F] [--http-mode redirect|serve] [--threads N] [--max-connections N]
//                 [--header-timeout MS] [--body-timeout MS] [--idle-timeout MS] [--max-header-bytes N]
//                 [--max-header-fields N] [--max-content-length N]
//   aliases: --https-port P (= --listen 127.0.0.1:P), --http-port P (= --listen-http 127.0.0.1:P), --cert/--key
//
// HTTPS on --listen (default 127.0.0.1:0, an ephemeral port); plain HTTP only with --listen-http, where every
// request is redirected to HTTPS (308), or served like HTTPS (without HSTS) with --http-mode serve. When both ports
// are bound it prints one JSON line on stdout, e.g. {"event":"listening","https_port":43121,"http_port":0,"pid":7},
// and flushes it. SIGTERM/SIGINT: stop accepting, let requests in flight finish for up to 1 s, exit 0.
//
// Each connection is a coroutine around connection_core (core.hpp) with per-phase deadlines (idle keep-alive,
// header, body total and between reads, write). Past --max-connections a connection gets 503 + Retry-After and is
// closed (beyond twice the limit it is closed at once). After an early response (413 before the body) the unread body
// is drained (discarded) for at most 2 s / 8 MiB so that the client reads the status instead of a reset.
#include "app.hpp"
#include "core.hpp"
#include "tls.hpp"

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using namespace websec::server;
using std::chrono::milliseconds;

namespace {

struct options {
  std::string listen = "127.0.0.1:0";
  std::optional<std::string> listen_http;
  std::string cert, key, cert_out;
  bool http_serve = false;
  int threads = 1;
  int max_connections = 512;
  limits lim;
  timeouts to;
  bool max_cl_set = false;
};

struct server_ctx {
  app* application = nullptr;
  limits lim;
  timeouts to;
  stats st;
  std::atomic<int> active{0};
  int max_connections = 512;
  std::atomic<bool> stopping{false};
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr, "websec-server: %s\n(see the comment at the top of harness/server/main.cpp)\n", msg);
  std::exit(2);
}

long long to_int(const std::string& s, const char* what) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) usage((std::string("bad number for ") + what).c_str());
  return v;
}

tcp::endpoint parse_endpoint(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) usage("--listen wants HOST:PORT");
  boost::system::error_code ec;
  auto addr = net::ip::make_address(s.substr(0, colon), ec);
  if (ec) usage("--listen wants a numeric address, e.g. 127.0.0.1:8443");
  return {addr, static_cast<unsigned short>(to_int(s.substr(colon + 1), "port"))};
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      auto eq = a.find('=');
      if (eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    std::string name = a.substr(0, a.find('='));
    if (name == "--listen") o.listen = val();
    else if (name == "--listen-http") o.listen_http = val();
    else if (name == "--https-port") o.listen = "127.0.0.1:" + val();
    else if (name == "--http-port") o.listen_http = "127.0.0.1:" + val();
    else if (name == "--tls-cert" || name == "--cert") o.cert = val();
    else if (name == "--tls-key" || name == "--key") o.key = val();
    else if (name == "--cert-out") o.cert_out = val();
    else if (name == "--http-mode") {
      auto v = val();
      if (v == "serve") o.http_serve = true;
      else if (v == "redirect") o.http_serve = false;
      else usage("--http-mode is redirect or serve");
    } else if (name == "--threads") o.threads = static_cast<int>(std::max(1LL, to_int(val(), "--threads")));
    else if (name == "--max-connections") o.max_connections = static_cast<int>(std::max(1LL, to_int(val(), name.c_str())));
    else if (name == "--header-timeout") o.to.header = milliseconds(to_int(val(), name.c_str()));
    else if (name == "--body-timeout") o.to.body = o.to.body_idle = milliseconds(to_int(val(), name.c_str()));
    else if (name == "--idle-timeout") o.to.idle = milliseconds(to_int(val(), name.c_str()));
    else if (name == "--max-header-bytes") o.lim.max_header_bytes = to_int(val(), name.c_str());
    else if (name == "--max-header-fields") o.lim.max_header_fields = to_int(val(), name.c_str());
    else if (name == "--max-content-length") { o.lim.max_content_length = to_int(val(), name.c_str()); o.max_cl_set = true; }
    else if (name == "--help" || name == "-h") {
      std::puts("websec-server [--listen 127.0.0.1:PORT] [--listen-http 127.0.0.1:PORT] [--tls-cert F --tls-key F]\n"
                "  [--cert-out F] [--http-mode redirect|serve] [--threads N] [--max-connections N]\n"
                "  [--header-timeout MS] [--body-timeout MS] [--idle-timeout MS] [--max-header-bytes N]\n"
                "  [--max-header-fields N] [--max-content-length N]\n"
                "aliases: --https-port P, --http-port P, --cert F, --key F");
      std::exit(0);
    } else usage(("unknown option " + a).c_str());
  }
  if (o.cert.empty() != o.key.empty()) usage("--tls-cert and --tls-key go together");
  return o;
}

using clock_type = std::chrono::steady_clock;
using sock_t = tcp::socket::rebind_executor<net::strand<net::any_io_executor>>::other;

/// Runs `op` (an awaitable yielding a tuple<error_code, size_t>) with a deadline: returns the operation's error, or
/// beast::error::timeout when the deadline passed first (the operation is cancelled; the socket stays usable, so a
/// 408 can still be written).
template <class Op>
net::awaitable<std::pair<boost::system::error_code, std::size_t>> with_deadline(Op op, net::steady_timer& timer,
                                                                                  clock_type::time_point deadline) {
  using namespace net::experimental::awaitable_operators;
  timer.expires_at(deadline);
  auto r = co_await (std::move(op) || timer.async_wait(net::as_tuple(net::use_awaitable)));
  if (r.index() == 1) co_return std::pair{boost::system::error_code(beast::error::timeout), std::size_t{0}};
  auto [ec, n] = std::get<0>(r);
  co_return std::pair{ec, n};
}

/// Discards what the client still sends, for at most 2 s / 8 MiB (nothing is kept), so that a client still
/// uploading a refused body reads the response instead of a connection reset (plain TCP: after shutting the write
/// side; TLS: before close_notify).
template <class Stream>
net::awaitable<void> drain(Stream& stream, net::steady_timer& timer) {
  std::vector<char> sink(16384);
  std::size_t drained = 0;
  auto deadline = clock_type::now() + std::chrono::seconds(2);
  while (drained < (8u << 20)) {
    auto [rec, n] = co_await with_deadline(stream.async_read_some(net::buffer(sink), net::as_tuple(net::use_awaitable)),
                                           timer, deadline);
    if (rec) break;
    drained += n;
  }
}

template <class Stream>
net::awaitable<void> serve(Stream stream, server_ctx& sx, bool https, bool busy) {
  constexpr bool is_tls = !std::is_same_v<Stream, sock_t>;
  sock_t& sock = beast::get_lowest_layer(stream);
  net::steady_timer timer(sock.get_executor());
  struct guard {
    server_ctx& sx;
    ~guard() { sx.active.fetch_sub(1); }
  } g{sx};
  if constexpr (is_tls) {
    using namespace net::experimental::awaitable_operators;
    timer.expires_after(sx.to.header);
    auto r = co_await (stream.async_handshake(ssl::stream_base::server, net::as_tuple(net::use_awaitable)) ||
                       timer.async_wait(net::as_tuple(net::use_awaitable)));
    if (r.index() == 1 || std::get<0>(std::get<0>(r))) co_return;
  }
  connection_core core(*sx.application, sx.lim, https, &sx.st);
  std::vector<char> buf(16384);
  auto last = connection_core::phase::closed;  // forces the first deadline
  clock_type::time_point deadline{}, body_deadline{};
  bool peer_closed = false;
  if (busy) core.reject_busy();
  while (!core.closing() || core.has_output()) {
    if (core.has_output()) {
      std::string out = core.take_output();
      auto [wec, wn] = co_await with_deadline(
          net::async_write(stream, net::buffer(out), net::as_tuple(net::use_awaitable)), timer,
          clock_type::now() + sx.to.write);
      if (wec) co_return;
      continue;
    }
    if (sx.stopping.load() && core.current_phase() == connection_core::phase::idle) break;
    auto p = core.current_phase();
    auto now = clock_type::now();
    if (p != last) {
      if (p == connection_core::phase::idle) deadline = now + sx.to.idle;
      else if (p == connection_core::phase::header) deadline = now + sx.to.header;
      else if (p == connection_core::phase::body) body_deadline = now + sx.to.body;
      last = p;
    }
    auto d = p == connection_core::phase::body ? std::min(body_deadline, now + sx.to.body_idle) : deadline;
    if (sx.stopping.load()) d = std::min(d, now + milliseconds(500));
    auto [ec, n] = co_await with_deadline(stream.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable)),
                                          timer, d);
    if (ec == beast::error::timeout) core.on_timeout();
    else if (ec) { core.on_eof(); peer_closed = true; }
    else core.on_data(std::string_view(buf.data(), n));
  }
  if constexpr (!is_tls) {
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_send, ec);
    if (!peer_closed) co_await drain(sock, timer);
  } else {
    using namespace net::experimental::awaitable_operators;
    if (!peer_closed) co_await drain(stream, timer);
    timer.expires_after(milliseconds(300));
    co_await (stream.async_shutdown(net::as_tuple(net::use_awaitable)) ||
              timer.async_wait(net::as_tuple(net::use_awaitable)));
    boost::system::error_code ec;
    sock.close(ec);
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& acc, server_ctx& sx, ssl::context* tls) {
  auto ex = co_await net::this_coro::executor;
  for (;;) {
    auto [ec, sock] = co_await acc.async_accept(net::make_strand(ex), net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec == net::error::operation_aborted || sx.stopping.load()) co_return;
      continue;  // EMFILE and friends: try again
    }
    int n = sx.active.fetch_add(1) + 1;
    if (n > 2 * sx.max_connections) {  // far past the limit: close at once
      sx.active.fetch_sub(1);
      boost::system::error_code ignore;
      sock.close(ignore);
      continue;
    }
    bool busy = n > sx.max_connections;
    sock.set_option(tcp::no_delay(true), ec);
    auto strand = sock.get_executor();
    if (tls) {
      net::co_spawn(strand, serve(ssl::stream<sock_t>(std::move(sock), *tls), sx, true, busy), net::detached);
    } else {
      net::co_spawn(strand, serve(std::move(sock), sx, false, busy), net::detached);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse_args(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  ssl::context tls(ssl::context::tls_server);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  try {
    if (!o.cert.empty()) {
      tls.use_certificate_chain_file(o.cert);
      tls.use_private_key_file(o.key, ssl::context::pem);
    } else {
      auto pem = make_self_signed();
      if (!pem) usage("could not generate a certificate");
      tls.use_certificate_chain(net::buffer(pem->cert_pem));
      tls.use_private_key(net::buffer(pem->key_pem), ssl::context::pem);
      if (!o.cert_out.empty()) {
        std::ofstream f(o.cert_out, std::ios::binary);
        f << pem->cert_pem;
        if (!f) usage("cannot write --cert-out");
      }
    }
  } catch (const std::exception& e) {
    usage((std::string("TLS setup failed: ") + e.what()).c_str());
  }

  net::io_context ioc(o.threads);
  tcp::acceptor https_acc(ioc);
  std::optional<tcp::acceptor> http_acc;
  auto open = [&](tcp::acceptor& acc, const tcp::endpoint& ep) {
    boost::system::error_code ec;
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
    if (ec) usage(("cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) + ": " + ec.message()).c_str());
  };
  open(https_acc, parse_endpoint(o.listen));
  if (o.listen_http) {
    http_acc.emplace(ioc);
    open(*http_acc, parse_endpoint(*o.listen_http));
  }
  unsigned short https_port = https_acc.local_endpoint().port();
  unsigned short http_port = http_acc ? http_acc->local_endpoint().port() : 0;

  app_config cfg;
  if (o.max_cl_set) cfg.max_content_length = o.lim.max_content_length;
  if (!o.http_serve) cfg.https_origin = "https://" + https_acc.local_endpoint().address().to_string() + ":" +
                                        std::to_string(https_port);
  app application(cfg);
  server_ctx sx;
  sx.application = &application;
  sx.lim = application.connection_limits();
  sx.lim.max_header_bytes = o.lim.max_header_bytes;
  sx.lim.max_header_fields = o.lim.max_header_fields;
  sx.to = o.to;
  sx.max_connections = o.max_connections;
  application.set_stats(&sx.st);

  net::co_spawn(ioc, accept_loop(https_acc, sx, &tls), net::detached);
  if (http_acc) net::co_spawn(ioc, accept_loop(*http_acc, sx, nullptr), net::detached);

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer stop_timer(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    sx.stopping.store(true);
    boost::system::error_code ignore;
    https_acc.close(ignore);
    if (http_acc) http_acc->close(ignore);
    stop_timer.expires_after(std::chrono::seconds(1));
    stop_timer.async_wait([&](const boost::system::error_code&) { ioc.stop(); });
  });

  std::printf("{\"event\":\"listening\",\"https_port\":%u,\"http_port\":%u,\"pid\":%d}\n", https_port, http_port,
              static_cast<int>(getpid()));
  std::fflush(stdout);

  std::vector<std::thread> pool;
  for (int i = 1; i < o.threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
