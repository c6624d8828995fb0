// http_request_mutator — structure-aware mutations for http_request_fuzzer (http_request_fuzzer_sa;
// libhttp_request_fuzzer_mutator.so for AFL++).
//
// http_request_fuzzer's layout: byte 0 (connection flags and how the bytes are split into reads), then what a
// client sends: pipelined requests. They are cut here into request line, header fields and body (Content-Length
// or chunked framing); what does not parse is kept as trailing bytes. Mutations change the connection byte, the
// method, the target (the reference server's roles with reflected payloads and the canary), the version, add,
// drop, duplicate or change header fields (Host, Content-Type, Content-Length right and wrong, Transfer-Encoding
// variants, Connection, Expect, Cookie, Referer, Origin, X-CSRFToken), give a request a body that fits its role
// (urlencoded, JSON, multipart) with a matching Content-Length or chunked framing, and duplicate, drop or reorder
// whole requests. Crossover takes requests from the second input.
#include "mutators/mutator.hpp"
#include "websec/ci_string.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using websec::fuzz::mutate::rng;
namespace V = websec::fuzz::mutate;

struct request {
  std::string method = "GET", target = "/", version = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body_wire;  // the body as sent (chunked framing included)
};
struct model {
  std::uint8_t conn = 0;
  std::vector<request> reqs;
  std::string trailing;  // bytes that do not parse as a request
};

using websec::ci::lower;

const std::string* field(const request& q, std::string_view name) {
  for (const auto& [k, v] : q.fields)
    if (lower(k) == name) return &v;
  return nullptr;
}

// The length of a chunked body at the start of `s`, or npos when it is incomplete.
std::size_t chunked_length(std::string_view s) {
  std::size_t at = 0;
  for (;;) {
    std::size_t eol = s.find("\r\n", at);
    if (eol == std::string_view::npos) return std::string_view::npos;
    std::size_t n = 0, i = at;
    for (; i < eol && n < (1u << 24); ++i) {
      char c = s[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) break;
      n = n * 16 + static_cast<std::size_t>(d);
    }
    at = eol + 2;
    if (n == 0) {  // trailers up to the blank line
      std::size_t end = s.find("\r\n", at);
      while (end != std::string_view::npos && end != at) {
        at = end + 2;
        end = s.find("\r\n", at);
      }
      return end == std::string_view::npos ? std::string_view::npos : end + 2;
    }
    if (at + n + 2 > s.size()) return std::string_view::npos;
    at += n + 2;
  }
}

model read(std::string_view data) {
  model m;
  if (data.empty()) return m;
  m.conn = static_cast<std::uint8_t>(data[0]);
  std::string_view s = data.substr(1);
  while (!s.empty()) {
    std::size_t end = s.find("\r\n\r\n");
    if (end == std::string_view::npos) break;
    std::string_view head = s.substr(0, end);
    request q;
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    std::size_t a = line.find(' '), b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos) break;
    q.method = std::string(line.substr(0, a));
    q.target = std::string(line.substr(a + 1, b - a - 1));
    q.version = std::string(line.substr(b + 1));
    for (std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2); !rest.empty();) {
      std::size_t e = rest.find("\r\n");
      std::string_view f = rest.substr(0, e);
      std::size_t colon = f.find(':');
      std::string_view v = colon == std::string_view::npos ? std::string_view() : f.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      q.fields.emplace_back(std::string(f.substr(0, colon)), std::string(v));
      if (e == std::string_view::npos) break;
      rest.remove_prefix(e + 2);
    }
    std::string_view after = s.substr(end + 4);
    std::size_t body = 0;
    const std::string* te = field(q, "transfer-encoding");
    const std::string* cl = field(q, "content-length");
    if (te && lower(*te).find("chunked") != std::string::npos) {
      body = chunked_length(after);
      if (body == std::string_view::npos) body = after.size();
    } else if (cl) {
      std::size_t n = 0;
      for (char c : *cl) {
        if (c < '0' || c > '9' || n > (1u << 24)) break;
        n = n * 10 + static_cast<std::size_t>(c - '0');
      }
      body = std::min(n, after.size());
    }
    q.body_wire = std::string(after.substr(0, body));
    m.reqs.push_back(std::move(q));
    s = after.substr(body);
  }
  m.trailing = std::string(s);
  return m;
}

std::string write(const model& m) {
  std::string out(1, static_cast<char>(m.conn));
  for (const request& q : m.reqs) {
    out += q.method + " " + q.target + " " + q.version + "\r\n";
    for (const auto& [k, v] : q.fields) out += k + ": " + v + "\r\n";
    out += "\r\n" + q.body_wire;
  }
  return out + m.trailing;
}

// ---- vocabulary -------------------------------------------------------------------------------------------------
std::string payload(rng& r) {
  return std::string(r.pick({"fzcanary", "<script>fzcanary</script>", "fzcanary\"'><", "'fzcanary", "\"fzcanary",
                             "javascript:alert(1)", " JaVaScRiPt:fzcanary", "&#106;avascript:fzcanary", "data:text/html,fzcanary",
                             "%3Cfzcanary", "%22fzcanary%27", "</script><fzcanary", "fzcanary\xe2\x80\xa8", "\x1b[31mfzcanary",
                             "vbscript:fzcanary", "//evil.example/fzcanary", "\\\\evil.example", "fzcanary%00", "%E2%80%AEfzcanary",
                             "https://example.com/?a=<fzcanary>"}));
}

std::string new_target(rng& r) {
  std::string path(r.pick({"/", "/reflect/text", "/reflect/attr", "/reflect/unquoted", "/reflect/link", "/reflect/script",
                           "/reflect/other", "/login", "/logout", "/whoami", "/csrf", "/state", "/comments", "/files",
                           "/files/1", "/form", "/json", "/redirect", "/error", "/static/app.css", "/no-such-page",
                           "//double", "/reflect/text/", "*", "http://127.0.0.1/whoami", "/%2e%2e/etc", "/files/../login"}));
  if (r.chance(2, 3)) path += std::string(r.pick({"?q=", "?url=", "?next=", "?q=a&q=", "?"})) + payload(r);
  return path;
}

std::pair<std::string, std::string> new_field(rng& r, const request& q) {
  switch (r.below(12)) {
    case 0: return {"Host", std::string(r.pick({"127.0.0.1", "127.0.0.1:8443", "example.com", "", "[::1]", "a b"}))};
    case 1:
      return {"Content-Type", std::string(r.pick({"application/x-www-form-urlencoded", "application/json", "text/plain",
                                                  "multipart/form-data; boundary=b", "multipart/form-data",
                                                  "application/x-www-form-urlencoded; charset=latin1", "APPLICATION/JSON"}))};
    case 2: return {"Content-Length", std::to_string(q.body_wire.size() + r.below(3) - 1)};
    case 3: return {"Content-Length", V::interesting_number(r)};
    case 4:
      return {std::string(r.pick({"Transfer-Encoding", "transfer-encoding", "Transfer-Encoding "})),
              std::string(r.pick({"chunked", " chunked", "gzip, chunked", "chunked, identity", "Chunked", "identity", "chunked\t"}))};
    case 5: return {"Connection", std::string(r.pick({"close", "keep-alive", "Close", "upgrade", "close, keep-alive"}))};
    case 6: return {"Expect", std::string(r.pick({"100-continue", "100-Continue", "200-ok"}))};
    case 7: return {"Cookie", std::string(r.pick({"session=", "session=eyJ1c2VyIjoiYWxpY2UifQ.ZWRpdA.c2ln", "a=b; session=x", ""}))};
    case 8: return {std::string(r.pick({"Referer", "Origin"})),
                    std::string(r.pick({"https://127.0.0.1/", "http://127.0.0.1/", "https://evil.example/", "null", ""}))};
    case 9: return {std::string(r.pick({"X-CSRFToken", "X-CSRF-Token"})), std::string(r.pick({"", "x", "IjAxMjMi.ZWRpdA.c2ln"}))};
    case 10: return {"X-Long", std::string(r.run_length(9000), 'h')};
    default: return {std::string(r.pick({"Bad Name", "X\x01", "", "X-Fold"})), std::string(r.pick({"v\r\n folded", "\x7f", "a\x01b"}))};
  }
}

std::string new_body(rng& r, const request& q) {
  const std::string path = q.target.substr(0, q.target.find('?'));
  if (path == "/login" || (path != "/json" && r.chance(1, 3)))
    return std::string(r.pick({"username=alice&password=alice-password", "username=alice&password=wrong", "username=&password=",
                               "value=", "value=fzcanary%3C", "text=fzcanary<b>", "csrf_token=x&value=1", "a=%zz", "=&=&&",
                               "value=\xff"}));
  if (path == "/json") return std::string(r.pick({"{\"a\": 1}", "[1, 2]", "{\"a\": \"fzcanary</script>\"}", "{", "\"\\ud800\"", "1e999"}));
  if (r.chance(1, 2))
    return "--b\r\nContent-Disposition: form-data; name=\"" + std::string(r.pick({"file", "text", "value"})) +
           "\"; filename=\"" + std::string(r.pick({"a.txt", "fzcanary<.html", ""})) + "\"\r\n\r\n" + payload(r) + "\r\n--b--\r\n";
  return std::string(r.run_length(2000), 'x');
}

std::string chunked(rng& r, std::string_view body) {
  std::string out;
  while (!body.empty()) {
    std::size_t n = std::min(body.size(), 1 + r.small(body.size()));
    static constexpr char hex[] = "0123456789abcdef";
    std::string size;
    for (std::size_t v = n; v; v /= 16) size.insert(size.begin(), hex[v % 16]);
    out += size + (r.chance(1, 8) ? ";ext=1" : "") + "\r\n" + std::string(body.substr(0, n)) + "\r\n";
    body.remove_prefix(n);
  }
  return out + "0\r\n" + (r.chance(1, 8) ? "X-Trailer: 1\r\n" : "") + "\r\n";
}

void set_field(request& q, std::string_view name, std::string value) {
  for (auto& [k, v] : q.fields)
    if (lower(k) == name) {
      v = std::move(value);
      return;
    }
  q.fields.emplace_back(std::string(name), std::move(value));
}

void drop_field(request& q, std::string_view name) {
  std::erase_if(q.fields, [&](const auto& f) { return lower(f.first) == name; });
}

// A body that fits the request's role, framed by Content-Length (mostly) or chunked.
void give_body(request& q, rng& r) {
  const std::string b = new_body(r, q);
  if (q.method == "GET" || q.method == "HEAD") q.method = "POST";
  if (r.chance(1, 4)) {
    drop_field(q, "content-length");
    set_field(q, "transfer-encoding", "chunked");
    q.body_wire = chunked(r, b);
  } else {
    drop_field(q, "transfer-encoding");
    set_field(q, "content-length", std::to_string(b.size()));
    q.body_wire = b;
  }
  if (!field(q, "content-type"))
    q.fields.emplace_back("Content-Type", b.rfind("--b", 0) == 0 ? "multipart/form-data; boundary=b"
                                                                  : b.rfind("{", 0) == 0 || b.rfind("[", 0) == 0 ? "application/json"
                                                                                                               : "application/x-www-form-urlencoded");
}

void mutate_request(request& q, rng& r) {
  switch (r.below(10)) {
    case 0: q.method = std::string(r.pick({"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "CONNECT", "TRACE", "G ET"})); break;
    case 1:
    case 2: q.target = new_target(r); break;
    case 3: q.version = std::string(r.pick({"HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "http/1.1", "HTTP/1.1 ", "HTTP/0.9", "HTTP/1.10"})); break;
    case 4:
    case 5: q.fields.insert(q.fields.begin() + static_cast<std::ptrdiff_t>(r.below(q.fields.size() + 1)), new_field(r, q)); break;
    case 6:
      if (!q.fields.empty()) q.fields.erase(q.fields.begin() + static_cast<std::ptrdiff_t>(r.below(q.fields.size())));
      break;
    case 7:
      if (!q.fields.empty()) q.fields.push_back(q.fields[r.below(q.fields.size())]);
      break;
    default: give_body(q, r);
  }
}

request fresh(rng& r) {
  request q;
  q.target = new_target(r);
  q.fields.emplace_back("Host", "127.0.0.1");
  if (r.chance(1, 2)) give_body(q, r);
  return q;
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  model m = read(data);
  if (m.reqs.empty()) m.reqs.push_back(fresh(r));
  if (r.prefer_removal(data.size())) {  // a request, a field or half a body fewer
    request& q = m.reqs[r.below(m.reqs.size())];
    if (m.reqs.size() > 1 && r.chance(1, 2)) m.reqs.erase(m.reqs.begin() + (&q - m.reqs.data()));
    else if (!q.fields.empty() && r.chance(1, 2)) q.fields.erase(q.fields.begin() + static_cast<std::ptrdiff_t>(r.below(q.fields.size())));
    else {
      m.trailing.clear();
      q.body_wire.resize(q.body_wire.size() / 2);
    }
    data = write(m);
    return data.size() <= max_size;
  }
  const std::size_t rounds = 1 + r.small(4);
  for (std::size_t i = 0; i < rounds; ++i) {
    const std::size_t n = m.reqs.size();
    switch (r.below(12)) {
      case 0: m.conn ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
      case 1: m.reqs.insert(m.reqs.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), m.reqs[r.below(n)]); break;
      case 2:
        if (n > 1) m.reqs.erase(m.reqs.begin() + static_cast<std::ptrdiff_t>(r.below(n)));
        break;
      case 3:
        if (n > 1) std::swap(m.reqs[r.below(n)], m.reqs[r.below(n)]);
        break;
      case 4: m.reqs.push_back(fresh(r)); break;
      case 5: m.trailing = r.chance(1, 2) ? std::string() : std::string(r.pick({"GET / HTTP/1.1\r\nHost: a\r\n", "\r\n", "0\r\n\r\n", "x"})); break;
      default: mutate_request(m.reqs[r.below(n)], r);
    }
  }
  data = write(m);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  model ma = read(a), mb = read(b);
  if (mb.reqs.empty() || a.empty()) return false;
  for (std::size_t i = 0, n = 1 + r.below(mb.reqs.size()); i < n; ++i)
    ma.reqs.insert(ma.reqs.begin() + static_cast<std::ptrdiff_t>(r.below(ma.reqs.size() + 1)), mb.reqs[r.below(mb.reqs.size())]);
  out = write(ma);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
