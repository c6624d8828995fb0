// http_request_fuzzer — raw bytes through websec-server's connection core (Boost.Beast's request parser with the
// server's limits) into the server's app, exactly as a socket would deliver them.
//
// Input: byte 0 chooses the connection (bit 0: HTTPS, bit 1: plain-HTTP listener that redirects to HTTPS, bit 2:
// small limits so that 413/431 paths are reached with short inputs; bits 3-7: how the bytes are split into reads);
// the rest is what the client sends, one or more pipelined requests.
//
// Invariants (abort on violation):
//   * every response carries the security headers of conformance/ROLES.md §3 (HSTS exactly on HTTPS), also errors,
//     redirects and responses to requests that never completed their header
//   * every status is one the server is allowed to send; 500 only from the deliberate /error role
//   * no header name or value holds CR, LF or NUL; a response head stays under 64 KiB
//   * the body bytes handed to the app never exceed the body limit
//   * the output parses back (Beast's response parser) into exactly the responses the app produced, nothing after
//     a `Connection: close`, `100 Continue` only before a final response
//   * HTML responses never contain the canary `fzcanary` right after a raw `<`, `"` or `'` (escaping) other than
//     the quote the template opens an attribute with; the values /reflect/{text,attr,unquoted} reflect hold no raw
//     < > " ' and the template text continues intact after them (both /reflect/attr reflections equal); a
//     /reflect/script page has exactly one `</script`, and a /reflect/link href is never a dangerous URL
//   * the same bytes split differently into reads give the same sequence of statuses
//   * a request the app served (anything but 400/431) carrying Transfer-Encoding was framed as chunked HTTP/1.1
//     without Content-Length, and has exactly one Host (HTTP/1.1) or at most one (HTTP/1.0)
#include "fuzz_check.hpp"
#include "websec/ci_string.hpp"
#include "app.hpp"
#include "core.hpp"
#include "glue.hpp"

#include <boost/beast/http.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace websec::server;
namespace http = boost::beast::http;

namespace {

struct record {
  int status = 0;
  bool head_method = false;
  bool has_head = false;
  std::string path;
  std::string content_type;
  std::string body;
  bool close = false;
};

bool bad_chars(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos; }

/// Wraps the app: records every response as the core emits it and checks the per-response invariants.
class checking_handler final : public handler {
 public:
  checking_handler(app& a, bool https_expected) : a_(a) {}
  std::unique_ptr<exchange> route(const request_head& head) override { return a_.route(head); }
  response error_page(int status, std::string_view detail) override { return a_.error_page(status, detail); }
  void decorate(response& res, const request_head* head, bool https) override {
    a_.decorate(res, head, https);
    record r;
    r.status = res.result_int();
    r.has_head = head != nullptr;
    if (head) {
      r.head_method = head->header.method() == http::verb::head;
      std::string_view t = head->header.target();
      r.path = std::string(t.substr(0, t.find('?')));
    }
    auto ct = res.find(http::field::content_type);
    if (ct != res.end()) r.content_type = std::string(ct->value());
    r.body = res.body();

    auto val = [&](std::string_view name) -> std::string {
      auto it = res.find(name);
      return it == res.end() ? std::string("<absent>") : std::string(it->value());
    };
    CHECK(val("Content-Security-Policy") == csp_value, "status %d", r.status);
    CHECK(val("X-Content-Type-Options") == xcto_value, "status %d", r.status);
    CHECK(val("X-Frame-Options") == xfo_value, "status %d", r.status);
    CHECK(val("Referrer-Policy") == referrer_value, "status %d", r.status);
    CHECK((val("Strict-Transport-Security") == hsts_value) == https, "status %d https %d", r.status, int(https));
    std::size_t head_bytes = 0;
    for (const auto& f : res) {
      CHECK(!bad_chars(f.name_string()) && !bad_chars(f.value()), "header %s", std::string(f.name_string()).c_str());
      head_bytes += f.name_string().size() + f.value().size() + 4;
    }
    CHECK(head_bytes < 65536, "%zu", head_bytes);
    static const int allowed[] = {200, 201, 302, 303, 308, 400, 401, 404, 405, 408, 413, 415, 431, 500, 503};
    bool ok = false;
    for (int s : allowed) ok |= s == r.status;
    CHECK(ok, "unexpected status %d for %s", r.status, r.path.c_str());
    if (r.status == 500) CHECK(r.path == "/error", "500 on %s: %s", r.path.c_str(), r.body.c_str());
    if (head && r.status != 400 && r.status != 431) {
      // a request the app served has one way to read its body (RFC 9112 §6.3) and one Host (§3.2)
      const auto& h = head->header;
      if (h.count(http::field::transfer_encoding))
        CHECK(head->chunked && !head->content_length && h.version() == 11,
              "served a request whose Transfer-Encoding is not framed as chunked: status %d", r.status);
      const auto hosts = h.count(http::field::host);
      CHECK(hosts == 1 || (hosts == 0 && h.version() < 11), "served a request with %zu Host fields", hosts);
    }
    recs.push_back(std::move(r));
  }
  std::vector<record> recs;

 private:
  app& a_;
};

// The span of a reflected value between a template prefix and its closing delimiter: it must hold escaped text
// only (no raw < > " '), and the template must continue with `suffix` right after it (a raw quote inside the
// value would have ended the attribute early). Returns the offset of the span, or npos when the prefix is absent.
// The scheme a browser reads from an href attribute value: the value's character references decoded (escape
// writes only &amp; &lt; &gt; &#39; &#34;), leading C0 controls and spaces dropped, tabs and newlines removed
// anywhere (the URL standard's preprocessing), lower-cased up to the first ':'; empty when there is none.
std::string browser_scheme(std::string_view v) {
  static const std::pair<std::string_view, char> refs[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&#39;", '\''}, {"&#34;", '"'}};
  std::string s;
  for (std::size_t i = 0; i < v.size();) {
    bool ref = false;
    for (const auto& [text, c] : refs)
      if (v.substr(i, text.size()) == text) {
        s += c;
        i += text.size();
        ref = true;
        break;
      }
    if (!ref) s += v[i++];
  }
  std::string scheme;
  bool leading = true;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (leading && u <= 0x20) continue;
    leading = false;
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == ':') return scheme;
    if (!std::isalnum(u) && c != '+' && c != '-' && c != '.') return "";
    scheme += websec::ci::lower(c);
  }
  return "";
}

std::size_t reflected_span(const std::string& b, std::string_view prefix, std::string_view suffix, std::string* out,
                           const char* path) {
  std::size_t start = b.find(prefix);
  if (start == std::string::npos) return start;
  start += prefix.size();
  std::size_t end = b.find(suffix, start);
  CHECK(end != std::string::npos, "reflected value on %s is not followed by %.*s", path,
        static_cast<int>(suffix.size()), suffix.data());
  std::string_view v = std::string_view(b).substr(start, end - start);
  CHECK(v.find_first_of("<>\"'") == std::string_view::npos, "raw special character in the value reflected on %s",
        path);
  *out = std::string(v);
  return start;
}

void check_html(const record& r) {
  if (r.content_type.rfind("text/html", 0) != 0) return;
  const std::string& b = r.body;
  // where the template itself opens a quoted attribute right before the reflected value
  std::vector<std::size_t> value_starts;
  if (r.status == 200 && r.path == "/reflect/link") {
    std::string href;
    std::size_t a = reflected_span(b, "<a id=\"out\" href=\"", "\">link</a>", &href, r.path.c_str());
    CHECK(a != std::string::npos, "no link on /reflect/link");
    value_starts.push_back(a);  // the template's own quote opens the href value
    std::string scheme = browser_scheme(href);
    CHECK(scheme != "javascript" && scheme != "vbscript", "a %s: URL in the href of /reflect/link", scheme.c_str());
  }
  if (r.status == 200 && (r.path == "/reflect/attr" || r.path == "/reflect/unquoted" || r.path == "/reflect/text")) {
    std::string v1, v2;
    if (r.path == "/reflect/text") {
      CHECK(reflected_span(b, "<p id=\"out\">", "</p>", &v1, r.path.c_str()) != std::string::npos, "no output");
    } else {
      std::size_t a = reflected_span(b, "<input id=\"out\" value=\"", "\">", &v1, r.path.c_str());
      CHECK(a != std::string::npos, "no input element on %s", r.path.c_str());
      value_starts.push_back(a);
      if (r.path == "/reflect/attr") {
        std::size_t t = reflected_span(b, "<span title='", "'>x</span>", &v2, r.path.c_str());
        CHECK(t != std::string::npos, "no span on /reflect/attr");
        CHECK(v1 == v2, "the two reflections of /reflect/attr differ");
        value_starts.push_back(t);
      }
    }
  }
  // the quote /reflect/script opens its JSON string with (regression canary_first_in_script_string; /reflect/link's
  // href is above, regression canary_first_in_href)
  if (r.status == 200 && r.path == "/reflect/script") {
    constexpr std::string_view open = "<script>var out = \"";
    if (std::size_t at = b.find(open); at != std::string::npos) value_starts.push_back(at + open.size());
  }
  for (std::size_t p = b.find("fzcanary"); p != std::string::npos; p = b.find("fzcanary", p + 1)) {
    if (p == 0) continue;
    char prev = b[p - 1];
    bool template_quote = false;
    for (std::size_t v : value_starts) template_quote |= v == p;
    // inside the /reflect/script JSON string a quote can only appear escaped (\"), which is JavaScript, not HTML
    if (r.path == "/reflect/script" && prev == '"' && p >= 2 && b[p - 2] == '\\') template_quote = true;
    CHECK(prev != '<' && ((prev != '"' && prev != '\'') || template_quote), "raw %c before the canary on %s", prev,
          r.path.c_str());
  }
  if (r.path == "/reflect/script" && r.status == 200) {
    std::size_t n = 0;
    const std::string lower = websec::ci::lower(b);
    for (std::size_t p = lower.find("</script"); p != std::string::npos; p = lower.find("</script", p + 1)) ++n;
    CHECK(n == 1, "%zu </script in a tojson page", n);
  }
  if (r.path == "/reflect/link" && r.status == 200) {
    auto start = b.find("href=\"");
    CHECK(start != std::string::npos, "no href");
    start += 6;
    auto end = b.find('"', start);
    CHECK(end != std::string::npos, "unterminated href");
    CHECK(!glue::dangerous_url(std::string_view(b).substr(start, end - start)), "dangerous href rendered");
  }
}

/// Parses the serialized output back into responses and compares with what the app produced.
void check_wire(std::string_view out, const std::vector<record>& recs) {
  std::size_t i = 0;
  while (!out.empty()) {
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    if (out.substr(0, cont.size()) == cont) {
      out.remove_prefix(cont.size());
      CHECK(i < recs.size(), "100 Continue after the last response");
      continue;
    }
    CHECK(i < recs.size(), "more responses on the wire than produced (%zu)", i);
    http::response_parser<http::string_body> p;
    p.eager(true);
    p.body_limit(boost::none);
    p.header_limit(1 << 20);
    p.skip(recs[i].head_method);
    boost::beast::error_code ec;
    std::size_t n = p.put(boost::asio::buffer(out.data(), out.size()), ec);
    CHECK(!ec && p.is_done(), "response %zu does not parse: %s", i, ec.message().c_str());
    out.remove_prefix(n);
    auto& m = p.get();
    CHECK(static_cast<int>(m.result_int()) == recs[i].status, "%d vs %d", m.result_int(), recs[i].status);
    if (!recs[i].head_method) CHECK(m.body() == recs[i].body, "body of response %zu differs", i);
    if (!m.keep_alive()) CHECK(out.empty(), "bytes after Connection: close");
    ++i;
  }
  CHECK(i == recs.size(), "%zu responses on the wire, %zu produced", i, recs.size());
}

struct run_result {
  std::vector<int> statuses;
};

run_result run(std::string_view bytes, unsigned flags, std::size_t piece) {
  bool https = flags & 1;
  app_config cfg;
  cfg.now = [] { return std::int64_t{1700000000}; };
  if (flags & 2) cfg.https_origin = "https://127.0.0.1:8443";
  if (flags & 4) {
    cfg.max_content_length = 256;
    cfg.max_form_memory_size = 64;
    cfg.max_form_parts = 4;
  }
  app a(cfg);
  limits lim = a.connection_limits();
  if (flags & 4) {
    lim.max_header_bytes = 512;
    lim.max_header_fields = 8;
  }
  checking_handler h(a, https);
  stats st;
  std::string out = serve_bytes(h, lim, https, bytes, piece, &st);
  CHECK(st.max_body_bytes_consumed <= lim.max_content_length, "%llu body bytes over the limit %llu",
        static_cast<unsigned long long>(st.max_body_bytes_consumed),
        static_cast<unsigned long long>(lim.max_content_length));
  for (const auto& r : h.recs) check_html(r);
  check_wire(out, h.recs);
  run_result rr;
  for (const auto& r : h.recs) rr.statuses.push_back(r.status);
  return rr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > (1u << 20)) return 0;
  static const std::size_t pieces[] = {0, 1, 2, 3, 5, 7, 11, 16, 31, 64, 100, 127, 256, 512, 1000, 4096,
                                       0, 1, 2, 3, 5, 7, 11, 16, 31, 64, 100, 127, 256, 512, 1000, 4096};
  unsigned flags = data[0] & 7;
  std::size_t piece = pieces[data[0] >> 3];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  run_result split = run(bytes, flags, piece);
  // the same bytes once more in one read (a second server run): left out by the cheaper twin http_request_fuzzer_fast
  if (piece != 0 && websec::fuzz::full) {
    run_result whole = run(bytes, flags, 0);
    auto show = [](const run_result& r) {
      std::string s;
      for (int x : r.statuses) s += std::to_string(x) + " ";
      return s;
    };
    CHECK(split.statuses == whole.statuses, "statuses depend on how the bytes were split: [%s] in pieces of %zu, [%s] whole",
          show(split).c_str(), piece, show(whole).c_str());
  }
  return 0;
}
