// websec-server — the reference server of the conformance suite (conformance/ROLES.md §4).
//
//   websec-server [--listen 127.0.0.1:PORT] [--listen-http 127.0.0.1:PORT] [--tls-cert F --tls-key F]
//                 [--cert-out F] [--http-mode redirect|serve] [--threads N] [--max-connections N]
//                 [--max-connections-per-client N] [--header-timeout MS] [--body-timeout MS]
//                 [--body-idle-timeout MS] [--idle-timeout MS] [--max-header-bytes N] [--max-header-fields N]
//                 [--max-content-length N]
//   aliases: --https-port P (= --listen 127.0.0.1:P), --http-port P (= --listen-http 127.0.0.1:P), --cert/--key
//
// HTTPS on --listen (default 127.0.0.1:0, an ephemeral port); plain HTTP only with --listen-http, where every
// request is redirected to HTTPS (308), or served like HTTPS (without HSTS) with --http-mode serve. When both ports
// are bound it prints one JSON line on stdout, e.g. {"event":"listening","https_port":43121,"http_port":0,"pid":7},
// and flushes it. SIGTERM/SIGINT: stop accepting, let requests in flight finish for up to 1 s, exit 0.
//
// Each connection is a coroutine around connection_core (core.hpp) with per-phase deadlines: a new connection has
// --header-timeout (10 s) from accept, TLS handshake included, to complete its first request header; between
// keep-alive requests --idle-timeout (15 s), then --header-timeout from the first byte of the next header; a body has
// --body-timeout (30 s) in all and --body-idle-timeout (10 s) between reads; writing one response 10 s. A header or
// body deadline that passes is answered 408 and the connection closed.
//
// Abuse (harness/server/README.md, "Threat model"):
//   * one client (one source IP address) holds at most --max-connections-per-client connections (32; 0 = no cap):
//     one more is answered 503 (plain HTTP; TLS is simply closed) and closed at once, holding no slot;
//   * past --max-connections (512) the connection that has waited longest for its request to start or its header to
//     end (an idle keep-alive, a slowloris) is closed to make room; with none, the newcomer gets 503 + Retry-After
//     (beyond twice the limit it is closed at once);
//   * when accept fails for lack of descriptors (EMFILE, ENFILE) or memory, the same reclaiming frees a descriptor
//     and the accept is retried after 1 ms; with nothing to reclaim the loop pauses 10 ms, doubling up to 1 s, until
//     an accept succeeds, instead of spinning on the pending connection.
// After an early response (413 before the body) the unread body is drained (discarded) for at most 2 s / 8 MiB so
// that the client reads the status instead of a reset.
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
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
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
  int max_per_client = 32;
  limits lim;
  timeouts to;
  bool max_cl_set = false;
};

using clock_type = std::chrono::steady_clock;
using strand_t = net::strand<net::any_io_executor>;
using sock_t = tcp::socket::rebind_executor<strand_t>::other;

/// What the accept loop needs to close a connection that is only waiting (for a TLS handshake, for a request to
/// start, or for the rest of a header) when room is needed. `timer`, `waiting` and `evicted` belong to the
/// connection's strand; `listed_at` to the registry's mutex.
struct conn_slot {
  explicit conn_slot(strand_t s) : strand(std::move(s)) {}
  strand_t strand;
  net::steady_timer* timer = nullptr;  // the connection's deadline timer while it lives
  bool waiting = false;                // awaiting a handshake, a request or the rest of its header
  bool evicted = false;                // closed to make room: no 2 s drain
  std::optional<std::pair<clock_type::time_point, std::uint64_t>> listed_at;  // key in server_ctx::waiting
};

struct server_ctx {
  app* application = nullptr;
  limits lim;
  timeouts to;
  stats st;
  std::atomic<int> active{0};
  int max_connections = 512;
  int max_per_client = 32;
  std::string busy_plain;  // the 503 written to a plain-HTTP connection refused at accept
  std::atomic<bool> stopping{false};

  std::mutex mu;  // guards the two maps below
  /// Connections waiting for a request to start or a header to end, oldest wait first: the ones reclaimed for room.
  std::map<std::pair<clock_type::time_point, std::uint64_t>, std::shared_ptr<conn_slot>> waiting;
  std::uint64_t next_id = 0;
  std::unordered_map<std::string, int> per_client;  // open connections per source address

  /// Counts a connection of `client` unless it already holds max_per_client; false when refused.
  bool admit(const std::string& client) {
    std::lock_guard lk(mu);
    int& n = per_client[client];
    if (max_per_client > 0 && n >= max_per_client) {
      if (n == 0) per_client.erase(client);
      return false;
    }
    ++n;
    return true;
  }
  void release(const std::string& client) {
    std::lock_guard lk(mu);
    auto it = per_client.find(client);
    if (it != per_client.end() && --it->second <= 0) per_client.erase(it);
  }
  /// Lists `c` as waiting since `since` (nullopt: not waiting any more); with `keep`, a connection listed already
  /// keeps its place.
  void set_waiting(const std::shared_ptr<conn_slot>& c, std::optional<clock_type::time_point> since,
                   bool keep = false) {
    std::lock_guard lk(mu);
    if (keep && c->listed_at) return;
    if (c->listed_at) waiting.erase(*c->listed_at);
    c->listed_at.reset();
    if (since) {
      c->listed_at.emplace(*since, next_id++);
      waiting.emplace(*c->listed_at, c);
    }
  }
  /// Closes the connection that has waited longest (its deadline fires now: 408 for a begun header, a silent close
  /// when idle); false when no connection is waiting.
  bool reclaim_one() {
    std::shared_ptr<conn_slot> victim;
    {
      std::lock_guard lk(mu);
      if (waiting.empty()) return false;
      victim = waiting.begin()->second;
      waiting.erase(waiting.begin());
      victim->listed_at.reset();
    }
    net::post(victim->strand, [this, victim] {
      if (victim->timer && victim->waiting) {  // still waiting (not answering a request that just arrived)
        victim->evicted = true;
        victim->timer->cancel();
        ++st.reclaimed;
      }
    });
    return true;
  }
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
  bool body_total_set = false, body_idle_set = false;
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
    else if (name == "--max-connections") o.max_connections = static_cast<int>(std::clamp(to_int(val(), name.c_str()), 1LL, 1LL << 20));
    else if (name == "--max-connections-per-client") o.max_per_client = static_cast<int>(std::min(to_int(val(), name.c_str()), 1LL << 20));
    else if (name == "--header-timeout") o.to.header = milliseconds(to_int(val(), name.c_str()));
    else if (name == "--body-timeout") { o.to.body = milliseconds(to_int(val(), name.c_str())); body_total_set = true; }
    else if (name == "--body-idle-timeout") { o.to.body_idle = milliseconds(to_int(val(), name.c_str())); body_idle_set = true; }
    else if (name == "--idle-timeout") o.to.idle = milliseconds(to_int(val(), name.c_str()));
    else if (name == "--max-header-bytes") o.lim.max_header_bytes = to_int(val(), name.c_str());
    else if (name == "--max-header-fields") o.lim.max_header_fields = to_int(val(), name.c_str());
    else if (name == "--max-content-length") { o.lim.max_content_length = to_int(val(), name.c_str()); o.max_cl_set = true; }
    else if (name == "--help" || name == "-h") {
      std::puts("websec-server [--listen 127.0.0.1:PORT] [--listen-http 127.0.0.1:PORT] [--tls-cert F --tls-key F]\n"
                "  [--cert-out F] [--http-mode redirect|serve] [--threads N] [--max-connections N (512)]\n"
                "  [--max-connections-per-client N (32, 0 = no cap)] [--header-timeout MS (10000)]\n"
                "  [--body-timeout MS (30000)] [--body-idle-timeout MS (10000)] [--idle-timeout MS (15000)]\n"
                "  [--max-header-bytes N (16384)] [--max-header-fields N (100)] [--max-content-length N]\n"
                "aliases: --https-port P, --http-port P, --cert F, --key F\n"
                "see harness/server/README.md (limits, deadlines, threat model)");
      std::exit(0);
    } else usage(("unknown option " + a).c_str());
  }
  if (o.cert.empty() != o.key.empty()) usage("--tls-cert and --tls-key go together");
  // --body-timeout alone sets the wait between two reads of the body as well (as it always did)
  if (body_total_set && !body_idle_set) o.to.body_idle = o.to.body;
  return o;
}

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
net::awaitable<void> serve(Stream stream, server_ctx& sx, bool https, bool busy, std::string client) {
  constexpr bool is_tls = !std::is_same_v<Stream, sock_t>;
  sock_t& sock = beast::get_lowest_layer(stream);
  net::steady_timer timer(sock.get_executor());
  const auto accepted = clock_type::now();
  auto slot = std::make_shared<conn_slot>(sock.get_executor());
  slot->timer = &timer;
  struct guard {  // declared after the timer: gone before it
    server_ctx& sx;
    std::shared_ptr<conn_slot> slot;
    std::string client;
    ~guard() {
      slot->timer = nullptr;
      slot->waiting = false;
      sx.set_waiting(slot, std::nullopt);
      sx.release(client);
      sx.active.fetch_sub(1);
    }
  } g{sx, slot, std::move(client)};
  // the first request header, TLS handshake included, must be complete within the header timeout from accept
  const auto first_deadline = accepted + sx.to.header;
  if (!busy) sx.set_waiting(slot, accepted);
  if constexpr (is_tls) {
    using namespace net::experimental::awaitable_operators;
    timer.expires_at(first_deadline);
    slot->waiting = true;
    auto r = co_await (stream.async_handshake(ssl::stream_base::server, net::as_tuple(net::use_awaitable)) ||
                       timer.async_wait(net::as_tuple(net::use_awaitable)));
    slot->waiting = false;
    if (r.index() == 1 || std::get<0>(std::get<0>(r))) co_return;
  }
  connection_core core(*sx.application, sx.lim, https, &sx.st);
  std::vector<char> buf(16384);
  auto last = connection_core::phase::closed;  // forces the first deadline
  clock_type::time_point deadline{}, body_deadline{};
  bool first_request = true;
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
    const bool waits = p == connection_core::phase::idle || p == connection_core::phase::header;
    if (p != last) {
      if (p == connection_core::phase::body || (p == connection_core::phase::idle && last != connection_core::phase::closed))
        first_request = false;
      if (first_request && waits) deadline = first_deadline;
      else if (p == connection_core::phase::idle) deadline = now + sx.to.idle;
      else if (p == connection_core::phase::header) deadline = now + sx.to.header;
      else if (p == connection_core::phase::body) body_deadline = now + sx.to.body;
      // Among the connections that wait, the one waiting longest is reclaimed first: a new wait starts at accept
      // and after each response; idle -> header continues the same wait.
      if (!waits) sx.set_waiting(slot, std::nullopt);
      else sx.set_waiting(slot, now, /*keep=*/p == connection_core::phase::header || first_request);
      last = p;
    }
    auto d = p == connection_core::phase::body ? std::min(body_deadline, now + sx.to.body_idle) : deadline;
    if (sx.stopping.load()) d = std::min(d, now + milliseconds(500));
    slot->waiting = waits;
    auto [ec, n] = co_await with_deadline(stream.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable)),
                                          timer, d);
    slot->waiting = false;
    if (ec == beast::error::timeout) core.on_timeout();
    else if (ec) { core.on_eof(); peer_closed = true; }
    else core.on_data(std::string_view(buf.data(), n));
  }
  if constexpr (!is_tls) {
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_send, ec);
    if (!peer_closed && !slot->evicted) co_await drain(sock, timer);
  } else {
    using namespace net::experimental::awaitable_operators;
    if (!peer_closed && !slot->evicted) co_await drain(stream, timer);
    timer.expires_after(milliseconds(300));
    co_await (stream.async_shutdown(net::as_tuple(net::use_awaitable)) ||
              timer.async_wait(net::as_tuple(net::use_awaitable)));
    boost::system::error_code ec;
    sock.close(ec);
  }
}

/// Errors of accept that mean "no descriptor or memory for one more connection" (the pending connection stays
/// queued, so retrying at once would spin).
bool out_of_resources(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  int v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

/// The address a connection counts against for --max-connections-per-client (IPv4-mapped IPv6 as IPv4).
std::string client_key(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

/// Closes a connection at once, after one non-blocking attempt to write `bytes` (nothing for TLS).
void refuse_now(sock_t& sock, const std::string& bytes) {
  boost::system::error_code ec;
  if (!bytes.empty()) {
    sock.non_blocking(true, ec);
    if (!ec) sock.write_some(net::buffer(bytes), ec);
    sock.shutdown(tcp::socket::shutdown_send, ec);
  }
  sock.close(ec);
}

net::awaitable<void> accept_loop(tcp::acceptor& acc, server_ctx& sx, ssl::context* tls) {
  auto ex = co_await net::this_coro::executor;
  net::steady_timer pause(ex);
  milliseconds backoff{0};
  for (;;) {
    auto [ec, sock] = co_await acc.async_accept(net::make_strand(ex), net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec == net::error::operation_aborted || sx.stopping.load()) co_return;
      if (!out_of_resources(ec)) continue;  // the failed connection is gone (e.g. reset before accept): next
      // Out of descriptors: the connection stays queued and the listener stays readable. Free a descriptor by
      // closing the longest-waiting idle or slow-header connection and retry shortly; with nothing to reclaim,
      // pause for a growing interval (10 ms doubling to 1 s) instead of spinning.
      ++sx.st.accept_exhausted;
      if (sx.reclaim_one()) backoff = milliseconds(1);
      else backoff = std::clamp(backoff * 2, milliseconds(10), milliseconds(1000));
      pause.expires_after(backoff);
      co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      if (sx.stopping.load()) co_return;
      continue;
    }
    backoff = milliseconds(0);
    auto ep = sock.remote_endpoint(ec);
    if (ec) {  // already gone
      refuse_now(sock, {});
      continue;
    }
    std::string client = client_key(ep);
    if (!sx.admit(client)) {  // this client holds its share of connections: refused without taking a slot
      ++sx.st.refused_per_client;
      refuse_now(sock, tls ? std::string() : sx.busy_plain);
      continue;
    }
    int n = sx.active.fetch_add(1) + 1;
    bool busy = false;
    if (n > 2 * sx.max_connections) {  // far past the limit: close at once
      sx.active.fetch_sub(1);
      sx.release(client);
      refuse_now(sock, {});
      continue;
    }
    if (n > sx.max_connections) busy = !sx.reclaim_one();  // make room by closing the longest-waiting connection
    sock.set_option(tcp::no_delay(true), ec);
    auto strand = sock.get_executor();
    if (tls) {
      net::co_spawn(strand, serve(ssl::stream<sock_t>(std::move(sock), *tls), sx, true, busy, std::move(client)),
                    net::detached);
    } else {
      net::co_spawn(strand, serve(std::move(sock), sx, false, busy, std::move(client)), net::detached);
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

  // Declared before the io_context so that they outlive it: destroying it destroys the connections still open at
  // exit, which release their slots in sx and their exchanges in the app.
  server_ctx sx;
  std::optional<app> application;
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
  application.emplace(cfg);
  sx.application = &*application;
  sx.lim = application->connection_limits();
  sx.lim.max_header_bytes = o.lim.max_header_bytes;
  sx.lim.max_header_fields = o.lim.max_header_fields;
  sx.to = o.to;
  sx.max_connections = o.max_connections;
  sx.max_per_client = o.max_per_client;
  {
    connection_core refusal(*application, sx.lim, false);
    refusal.reject_busy();
    sx.busy_plain = refusal.take_output();
  }
  application->set_stats(&sx.st);

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
