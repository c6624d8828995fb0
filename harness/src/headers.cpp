// websec/headers.cpp — see websec/headers.hpp.
#include "websec/headers.hpp"

#include "websec/cookie.hpp"
#include "websec/json.hpp"

#include "text_util.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace websec::headers {
namespace {

using websec::detail::iequals;
using websec::detail::lower;
using websec::detail::starts_with_ci;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_ascii_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_tchar(char c) {
  return is_alpha(c) || is_digit(c) || (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos);
}
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}
std::string_view trim_ascii_ws(std::string_view s) {
  while (!s.empty() && is_ascii_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_ws(s.back())) s.remove_suffix(1);
  return s;
}
// A value as shown in a reason: at most 80 bytes, escaped (websec::quote_input).
std::string shown(std::string_view s) { return quote_input(s, quote_style::bare, 80); }
// A value as shown in a report: at most 400 bytes, escaped (websec::quote_input).
std::string shown_long(std::string_view s) { return quote_input(s, quote_style::bare, 400); }

error herr(errc kind, std::size_t offset, std::string msg) { return error{kind, offset, std::move(msg), 200}; }

constexpr const char* kHSTS = "Strict-Transport-Security";
constexpr const char* kCSP = "Content-Security-Policy";
constexpr const char* kCSPRO = "Content-Security-Policy-Report-Only";
constexpr const char* kXFO = "X-Frame-Options";
constexpr const char* kXCTO = "X-Content-Type-Options";
constexpr const char* kRP = "Referrer-Policy";

}  // namespace

std::vector<std::string> get_all(const header_list& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : h)
    if (iequals(n, name)) out.push_back(v);
  return out;
}

result<response_head> parse_response_head(std::string_view raw) {
  response_head cur;
  bool in_head = false;
  std::size_t pos = 0;
  std::optional<response_head> last;
  while (pos <= raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    std::size_t line_off = pos;
    pos = nl == std::string_view::npos ? raw.size() + 1 : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!in_head) {
      if (line.empty()) continue;
      if (line.substr(0, 5) != "HTTP/") {
        if (last) break;  // a body after the head: stop
        return herr(errc::no_status_line, line_off, "input does not start with an HTTP status line (HTTP/1.1 200 OK)");
      }
      cur = response_head{};
      std::size_t sp = line.find(' ');
      if (sp != std::string_view::npos) {
        int st = 0;
        for (std::size_t k = sp + 1; k < line.size() && k < sp + 4 && is_digit(line[k]); ++k) st = st * 10 + (line[k] - '0');
        cur.status = st;
      }
      in_head = true;
      continue;
    }
    if (line.empty()) {
      last = cur;
      in_head = false;
      continue;
    }
    if (is_ows(line.front()) && !cur.headers.empty()) {  // obs-fold: replaced by one SP, the value stays OWS-trimmed
      std::string_view more = trim_ows(line);
      std::string& value = cur.headers.back().second;
      if (!more.empty()) {
        if (!value.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    std::size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view() : trim_ows(line.substr(0, colon));
    if (name.empty())
      return herr(errc::bad_header_line, line_off, "header line without a name and ':': " + shown(line));
    cur.headers.emplace_back(std::string(name), std::string(trim_ows(line.substr(colon + 1))));
  }
  if (in_head) last = cur;
  if (!last) return herr(errc::no_status_line, 0, "no HTTP response head found");
  return *last;
}

// ------------------------------------------------------------------------------------------------------
// HSTS
// ------------------------------------------------------------------------------------------------------

result<hsts_policy> parse_hsts(std::string_view v) {
  hsts_policy p;
  bool have_max_age = false, have_sub = false, have_preload = false;
  std::vector<std::string> seen;
  std::size_t i = 0;
  const std::size_t n = v.size();
  while (true) {
    while (i < n && is_ows(v[i])) ++i;
    if (i >= n) break;
    if (v[i] == ';') { ++i; continue; }
    std::size_t nb = i;
    while (i < n && is_tchar(v[i])) ++i;
    if (i == nb) return herr(errc::hsts_syntax, i, "unexpected character '" + shown(v.substr(i, 1)) + "' in Strict-Transport-Security");
    std::string name = lower(v.substr(nb, i - nb));
    while (i < n && is_ows(v[i])) ++i;
    bool has_value = false;
    std::string value;
    if (i < n && v[i] == '=') {
      has_value = true;
      ++i;
      while (i < n && is_ows(v[i])) ++i;
      if (i < n && v[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          unsigned char c = static_cast<unsigned char>(v[i]);
          if (c == '"') { closed = true; ++i; break; }
          if (c == '\\') {
            if (i + 1 >= n) break;
            value += v[i + 1];
            i += 2;
            continue;
          }
          if (c < 0x20 && c != '\t') break;
          if (c == 0x7F) break;
          value += static_cast<char>(c);
          ++i;
        }
        if (!closed) return herr(errc::hsts_syntax, i, "unterminated quoted string in Strict-Transport-Security");
      } else {
        std::size_t vb = i;
        while (i < n && is_tchar(v[i])) ++i;
        if (i == vb) return herr(errc::hsts_syntax, i, "directive '" + name + "=' has no value");
        value = std::string(v.substr(vb, i - vb));
      }
      while (i < n && is_ows(v[i])) ++i;
    }
    if (i < n && v[i] != ';')
      return herr(errc::hsts_syntax, i, "unexpected character '" + shown(v.substr(i, 1)) + "' after directive " + name);
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return herr(errc::hsts_duplicate_directive, nb, "directive " + name + " appears twice (RFC 6797 6.1: the header is then invalid)");
    seen.push_back(name);
    if (name == "max-age") {
      if (!has_value || value.empty() || !std::all_of(value.begin(), value.end(), is_digit))
        return herr(errc::hsts_max_age_invalid, nb, "max-age must be a number of seconds");
      std::int64_t x = 0;
      for (char c : value) {
        if (x > (std::numeric_limits<std::int64_t>::max() - 9) / 10) { x = std::numeric_limits<std::int64_t>::max(); break; }
        x = x * 10 + (c - '0');
      }
      p.max_age = x;
      have_max_age = true;
    } else if (name == "includesubdomains") {
      if (has_value) return herr(errc::hsts_directive_value, nb, "includeSubDomains takes no value");
      have_sub = true;
    } else if (name == "preload") {
      if (has_value) return herr(errc::hsts_directive_value, nb, "preload takes no value");
      have_preload = true;
    } else {
      p.unknown.emplace_back(v.substr(nb, name.size()));
    }
  }
  if (!have_max_age) return herr(errc::hsts_max_age_missing, 0, "max-age directive is required");
  p.include_subdomains = have_sub;
  p.preload = have_preload;
  return p;
}

std::string serialize(const hsts_policy& p) {
  std::string s = "max-age=" + std::to_string(p.max_age);
  if (p.include_subdomains) s += "; includeSubDomains";
  if (p.preload) s += "; preload";
  for (const auto& u : p.unknown) s += "; " + u;
  return s;
}

// ------------------------------------------------------------------------------------------------------
// Fetch "get, decode, and split"
// ------------------------------------------------------------------------------------------------------

std::vector<std::string> get_decode_split(const std::vector<std::string>& raw_values) {
  std::vector<std::string> values;
  if (raw_values.empty()) return values;
  std::string input;
  for (std::size_t i = 0; i < raw_values.size(); ++i) {
    if (i) input += ", ";
    input += raw_values[i];
  }
  std::size_t pos = 0;
  const std::size_t n = input.size();
  std::string temp;
  while (true) {
    while (pos < n && input[pos] != '"' && input[pos] != ',') temp += input[pos++];
    if (pos < n && input[pos] == '"') {
      // collect an HTTP quoted string (extract-value false): the raw text, quotes included
      std::size_t start = pos++;
      while (true) {
        while (pos < n && input[pos] != '"' && input[pos] != '\\') ++pos;
        if (pos >= n) break;
        char q = input[pos++];
        if (q == '\\') {
          if (pos >= n) break;
          ++pos;
        } else {
          break;
        }
      }
      temp += input.substr(start, pos - start);
      if (pos < n) continue;
    }
    values.emplace_back(trim_ows(temp));
    temp.clear();
    if (pos >= n) return values;
    ++pos;  // the ','
  }
}

std::vector<std::string> get_decode_split(const header_list& h, std::string_view name) {
  return get_decode_split(get_all(h, name));
}

// ------------------------------------------------------------------------------------------------------
// Input forms
// ------------------------------------------------------------------------------------------------------

namespace {

bool ci_at(std::string_view s, std::size_t i, std::string_view w) {
  return i + w.size() <= s.size() && iequals(s.substr(i, w.size()), w);
}

// Decodes the character references an attribute value of a CSP or referrer <meta> uses in practice.
std::string decode_refs(std::string_view s) {
  std::string o;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '&') { o += s[i++]; continue; }
    std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) { o += s[i++]; continue; }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    std::string rep;
    if (ent == "quot") rep = "\"";
    else if (ent == "apos") rep = "'";
    else if (ent == "amp") rep = "&";
    else if (ent == "lt") rep = "<";
    else if (ent == "gt") rep = ">";
    else if (!ent.empty() && ent[0] == '#') {
      unsigned long cp = 0;
      bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
      std::string_view digits = ent.substr(hex ? 2 : 1);
      bool ok = !digits.empty();
      for (char c : digits) {
        int d = is_digit(c) ? c - '0' : (hex && lower(c) >= 'a' && lower(c) <= 'f') ? lower(c) - 'a' + 10 : -1;
        if (d < 0 || cp > 0x10FFFF) { ok = false; break; }
        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
      }
      if (ok && cp > 0 && cp < 0x80) rep = std::string(1, static_cast<char>(cp));
      else if (ok && cp >= 0x80 && cp <= 0x10FFFF) rep = "?";
    }
    if (rep.empty()) { o += s[i++]; continue; }
    o += rep;
    i = semi + 1;
  }
  return o;
}

}  // namespace

std::vector<meta_element> html_metas(std::string_view html) {
  std::vector<meta_element> out;
  bool in_body = false, seen_script = false;
  std::size_t i = 0;
  const std::size_t n = html.size();
  while (i < n && out.size() < 64) {
    std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) break;
    i = lt + 1;
    if (ci_at(html, lt, "<!--")) {
      std::size_t e = html.find("-->", lt + 4);
      i = e == std::string_view::npos ? n : e + 3;
      continue;
    }
    std::size_t k = lt + 1;
    bool closing = k < n && html[k] == '/';
    if (closing) ++k;
    std::size_t nb = k;
    while (k < n && (is_alpha(html[k]) || is_digit(html[k]) || html[k] == '-')) ++k;
    std::string tag = lower(html.substr(nb, k - nb));
    if (tag.empty()) continue;
    if (closing) continue;
    // attributes up to '>'
    std::vector<std::pair<std::string, std::string>> attrs;
    while (k < n && html[k] != '>') {
      while (k < n && (is_ascii_ws(html[k]) || html[k] == '/')) ++k;
      if (k >= n || html[k] == '>') break;
      std::size_t ab = k;
      while (k < n && !is_ascii_ws(html[k]) && html[k] != '=' && html[k] != '>' && html[k] != '/') ++k;
      if (k == ab) { ++k; continue; }
      std::string an = lower(html.substr(ab, k - ab));
      while (k < n && is_ascii_ws(html[k])) ++k;
      std::string av;
      if (k < n && html[k] == '=') {
        ++k;
        while (k < n && is_ascii_ws(html[k])) ++k;
        if (k < n && (html[k] == '"' || html[k] == '\'')) {
          char q = html[k++];
          std::size_t e = html.find(q, k);
          if (e == std::string_view::npos) e = n;
          av = std::string(html.substr(k, e - k));
          k = e < n ? e + 1 : n;
        } else {
          std::size_t vb = k;
          while (k < n && !is_ascii_ws(html[k]) && html[k] != '>') ++k;
          av = std::string(html.substr(vb, k - vb));
        }
      }
      if (attrs.size() < 32) attrs.emplace_back(std::move(an), decode_refs(av));
    }
    i = k < n ? k + 1 : n;
    if (tag == "body") in_body = true;
    if (tag == "script" || tag == "style" || tag == "template" || tag == "textarea" || tag == "title") {
      if (tag == "script") seen_script = true;
      // raw text: skip to the matching end tag
      std::string end = "</" + tag;
      std::size_t e = i;
      while (true) {
        e = html.find("</", e);
        if (e == std::string_view::npos || ci_at(html, e, end)) break;
        e += 2;
      }
      i = e == std::string_view::npos ? n : e;
      continue;
    }
    if (tag != "meta") continue;
    meta_element m;
    bool has_content = false;
    for (const auto& [an, av] : attrs) {
      if (an == "http-equiv" && m.http_equiv.empty()) m.http_equiv = lower(trim_ascii_ws(av));
      else if (an == "name" && m.name.empty()) m.name = lower(trim_ascii_ws(av));
      else if (an == "content" && !has_content) { m.content = av; has_content = true; }
    }
    if (!has_content || (m.http_equiv.empty() && m.name.empty())) continue;
    m.in_head = !in_body;
    m.after_script = seen_script;
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

result<header_list> bare_header_lines(std::string_view raw) {
  header_list h;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::string_view line = raw.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    std::size_t off = pos;
    pos = nl == std::string_view::npos ? raw.size() + 1 : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim_ows(line).empty()) continue;
    if (first) {
      first = false;
      // a request line copied along ("GET /path HTTP/1.1"): an upper-case method, a space, ... " HTTP/"
      std::size_t sp = line.find(' ');
      if (sp != std::string_view::npos && sp > 0 && line.find(" HTTP/") != std::string_view::npos &&
          std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(sp), [](char c) { return c >= 'A' && c <= 'Z'; }))
        continue;
    }
    if (is_ows(line.front()) && !h.empty()) {
      std::string_view more = trim_ows(line);
      if (!more.empty()) {
        if (!h.back().second.empty()) h.back().second += ' ';
        h.back().second += more;
      }
      continue;
    }
    std::size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view() : trim_ows(line.substr(0, colon));
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_tchar))
      return herr(errc::bad_header_line, off, "not a 'Name: value' header line: " + shown(line));
    h.emplace_back(std::string(name), std::string(trim_ows(line.substr(colon + 1))));
  }
  return h;
}

bool looks_like_html(std::string_view s) {
  std::size_t i = 0;
  if (s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < s.size() && is_ascii_ws(s[i])) ++i;
  return i < s.size() && s[i] == '<';
}

const json::value* member(const json::value& v, std::string_view key) {
  return v.kind() == json::kind::dict ? v.find(key) : nullptr;
}
std::string json_text(const json::value* v) { return v && v->kind() == json::kind::string ? v->str() : std::string(); }

result<audit_input> read_har(std::string_view raw) {
  json::load_limits lim;
  lim.max_size = 64u << 20;
  auto doc = json::loads(raw, lim);
  if (!doc) return herr(errc::har_invalid, doc.err().offset, "not a HAR file: " + doc.err().message);
  const json::value* log = member(*doc, "log");
  const json::value* entries = log ? member(*log, "entries") : nullptr;
  if (!entries || entries->kind() != json::kind::list || entries->items().empty())
    return herr(errc::har_invalid, 0, "a HAR file needs log.entries with at least one entry");
  const json::value* chosen = nullptr;
  for (const auto& e : entries->items()) {
    const json::value* resp = member(e, "response");
    const json::value* content = resp ? member(*resp, "content") : nullptr;
    std::string mime = lower(json_text(content ? member(*content, "mimeType") : nullptr));
    if (!chosen && resp) chosen = &e;
    if (resp && mime.rfind("text/html", 0) == 0) {
      chosen = &e;
      break;
    }
  }
  if (!chosen) return herr(errc::har_invalid, 0, "no HAR entry has a response");
  audit_input in;
  in.form = "har";
  const json::value* resp = member(*chosen, "response");
  if (const json::value* st = member(*resp, "status"); st && st->int_fits()) in.status = static_cast<int>(std::clamp<std::int64_t>(st->as_int(), 0, 999));
  if (const json::value* hs = member(*resp, "headers"); hs && hs->kind() == json::kind::list)
    for (const auto& x : hs->items()) {
      std::string name = json_text(member(x, "name")), value = json_text(member(x, "value"));
      if (name.empty()) continue;
      // HAR writers put each header line in its own entry; some join Set-Cookie lines with '\n'.
      if (iequals(name, "set-cookie") && value.find('\n') != std::string::npos) {
        std::size_t b = 0;
        while (b <= value.size()) {
          std::size_t e = value.find('\n', b);
          std::string_view one = trim_ascii_ws(std::string_view(value).substr(b, e == std::string::npos ? std::string::npos : e - b));
          if (!one.empty()) in.headers.emplace_back(name, std::string(one));
          if (e == std::string::npos) break;
          b = e + 1;
        }
        continue;
      }
      in.headers.emplace_back(std::move(name), std::string(trim_ows(value)));
    }
  if (const json::value* req = member(*chosen, "request")) {
    std::string u = json_text(member(*req, "url"));
    if (!u.empty()) in.url = u;
  }
  if (const json::value* content = member(*resp, "content")) {
    std::string mime = lower(json_text(member(*content, "mimeType")));
    std::string enc = json_text(member(*content, "encoding"));
    if (mime.rfind("text/html", 0) == 0 && enc.empty()) in.metas = html_metas(json_text(member(*content, "text")));
  }
  return in;
}

}  // namespace

result<audit_input> read_audit_input(std::string_view raw) {
  std::size_t i = 0;
  if (raw.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < raw.size() && is_ascii_ws(raw[i])) ++i;
  std::string_view body = raw.substr(i);
  if (body.substr(0, 5) == "HTTP/") {
    auto head = parse_response_head(body);
    if (!head) return head.err();
    audit_input in;
    in.form = "response";
    in.status = head->status;
    in.headers = std::move(head->headers);
    // the body after the last head (curl -i), when it is HTML
    std::size_t last = 0, p = 0;
    while (true) {
      std::size_t a = body.find("\r\n\r\n", p), b = body.find("\n\n", p);
      std::size_t e = std::min(a, b);
      if (e == std::string_view::npos) break;
      std::size_t after = e + (e == a ? 4 : 2);
      std::size_t q = after;
      while (q < body.size() && is_ascii_ws(body[q])) ++q;
      last = after;
      if (body.substr(q, 5) != "HTTP/") break;
      p = q;
    }
    if (last && looks_like_html(body.substr(last))) in.metas = html_metas(body.substr(last));
    return in;
  }
  if (!body.empty() && body[0] == '{') {
    std::size_t k = 1;
    while (k < body.size() && is_ascii_ws(body[k])) ++k;
    if (body.substr(k, 5) == "\"log\"" || body.find("\"log\"") != std::string_view::npos) return read_har(raw.substr(i));
  }
  // body is past the one byte order mark and the blanks already: a second mark is text, not the start of HTML
  if (!body.empty() && body[0] == '<') {
    audit_input in;
    in.form = "html";
    in.metas = html_metas(body);
    return in;
  }
  auto h = bare_header_lines(body);
  if (!h) return h.err();
  audit_input in;
  in.form = "headers";
  in.headers = std::move(*h);
  return in;
}

// ------------------------------------------------------------------------------------------------------
// Strict-Transport-Security
// ------------------------------------------------------------------------------------------------------

namespace {

subject_report make_report(const char* name) {
  subject_report r;
  r.kind = "header";
  r.name = name;
  return r;
}

struct adder {
  subject_report& r;
  void operator()(finding_id id, severity s, std::string reason, std::optional<rating> effect = std::nullopt) const {
    r.findings.push_back({id, s, r.name, std::move(reason), effect ? *effect : default_effect(s)});
  }
};

void finish(subject_report& r) { r.result = worst_effect(r.findings); }

std::string joined(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

}  // namespace

subject_report hsts_report(const std::vector<std::string>& values, const response_options& o) {
  subject_report r = make_report(kHSTS);
  adder add{r};
  r.present = !values.empty();
  r.resolution = "the first Strict-Transport-Security header of an https response counts (RFC 6797 8.1); "
                 "the header is ignored over http";
  if (values.empty()) {
    if (o.https)
      add(finding_id::hsts_missing, severity::medium,
          "no Strict-Transport-Security on an https response: browsers keep trying http first; send "
          "max-age=31536000; includeSubDomains",
          rating::fail);
    finish(r);  // over http there is nothing to say: HSTS is judged on the site's https responses
    return r;
  }
  r.value = shown_long(values.front());
  if (!o.https) {
    add(finding_id::hsts_over_http, severity::info,
        "Strict-Transport-Security is ignored on plain-HTTP responses (RFC 6797 8.1); it counts on the https ones");
    finish(r);
    return r;
  }
  if (values.size() > 1)
    add(finding_id::hsts_multiple_headers, severity::medium,
        std::to_string(values.size()) + " Strict-Transport-Security headers: Chromium uses the first (RFC 6797 8.1), "
                                        "Firefox joins them with ',' which the grammar does not allow and ignores "
                                        "HSTS; send one");
  auto p = parse_hsts(values.front());
  if (!p) {
    add(finding_id::hsts_invalid, severity::high,
        "browsers ignore this Strict-Transport-Security (" + p.err().message + ", RFC 6797 6.1): fix the syntax",
        rating::invalid);
    finish(r);
    return r;
  }
  if (p->max_age == 0)
    add(finding_id::hsts_max_age_zero, severity::high,
        "max-age=0 removes the site from the browser's HSTS list (RFC 6797 6.1.1): use max-age=31536000", rating::fail);
  else if (p->max_age < 86400)
    add(finding_id::hsts_max_age_short, severity::high,
        "max-age=" + std::to_string(p->max_age) + " expires within a day: users are back on http at their next visit; "
                                                   "use max-age=31536000",
        rating::fail);
  else if (p->max_age < o.hsts_min_max_age)
    add(finding_id::hsts_max_age_too_low, severity::medium,
        "max-age=" + std::to_string(p->max_age) + " is below " + std::to_string(o.hsts_min_max_age) +
            " s: raise it (the Flask doc uses 31536000, one year)");
  if (!p->include_subdomains)
    add(finding_id::hsts_no_include_subdomains, severity::info,
        "no includeSubDomains: this host is protected, its subdomains are not (and can set cookies for it over "
        "http); add it once they all serve https");
  if (p->preload && (p->max_age < 31536000 || !p->include_subdomains))
    add(finding_id::hsts_preload_not_eligible, severity::info,
        "preload requested but the preload list needs max-age >= 31536000 and includeSubDomains");
  for (const auto& u : p->unknown)
    add(finding_id::hsts_unknown_directive, severity::info, "unknown directive '" + shown(u) + "' is ignored (RFC 6797 6.1)");
  finish(r);
  if (r.result == rating::pass)
    add(finding_id::hsts_ok, severity::info, "max-age=" + std::to_string(p->max_age) + (p->include_subdomains ? "; includeSubDomains" : "") +
                                       (p->preload ? "; preload" : "") + " meets the threshold");
  return r;
}

std::vector<verdict> audit_hsts(const std::vector<std::string>& values, const response_options& o) {
  return hsts_report(values, o).findings;
}

// ------------------------------------------------------------------------------------------------------
// CSP
// ------------------------------------------------------------------------------------------------------

const csp_directive* csp_policy::find(std::string_view name) const {
  for (const auto& d : directives)
    if (d.name == name) return &d;
  return nullptr;
}

csp_policy parse_csp_policy(std::string_view s, bool report_only) {
  csp_policy p;
  p.report_only = report_only;
  std::size_t b = 0;
  while (b <= s.size()) {
    std::size_t semi = s.find(';', b);
    std::string_view tok = trim_ascii_ws(s.substr(b, semi == std::string_view::npos ? std::string_view::npos : semi - b));
    b = semi == std::string_view::npos ? s.size() + 1 : semi + 1;
    if (tok.empty()) continue;
    if (std::any_of(tok.begin(), tok.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
      ++p.skipped_tokens;
      continue;
    }
    std::size_t k = 0;
    while (k < tok.size() && !is_ascii_ws(tok[k])) ++k;
    csp_directive d;
    d.name = lower(tok.substr(0, k));
    if (p.find(d.name)) {
      p.duplicates.push_back(d.name);
      continue;
    }
    while (k < tok.size()) {
      while (k < tok.size() && is_ascii_ws(tok[k])) ++k;
      std::size_t vb = k;
      while (k < tok.size() && !is_ascii_ws(tok[k])) ++k;
      if (k > vb) d.values.emplace_back(tok.substr(vb, k - vb));
    }
    p.directives.push_back(std::move(d));
  }
  return p;
}

std::vector<csp_policy> parse_csp(std::string_view header_value, bool report_only) {
  std::vector<csp_policy> out;
  std::size_t b = 0;
  while (b <= header_value.size()) {
    std::size_t c = header_value.find(',', b);
    std::string_view part = header_value.substr(b, c == std::string_view::npos ? std::string_view::npos : c - b);
    b = c == std::string_view::npos ? header_value.size() + 1 : c + 1;
    csp_policy p = parse_csp_policy(part, report_only);
    if (!p.directives.empty() || !p.duplicates.empty() || p.skipped_tokens) out.push_back(std::move(p));
  }
  return out;
}

std::string serialize(const csp_policy& p) {
  std::string s;
  for (const auto& d : p.directives) {
    if (!s.empty()) s += "; ";
    s += d.name;
    for (const auto& v : d.values) {
      s += ' ';
      s += v;
    }
  }
  return s;
}

// ------------------------------------------------------------------------------------------------------
// CSP source expressions and source lists (CSP3 §2.3.1 grammar, §6.7.2 matching)
// ------------------------------------------------------------------------------------------------------

namespace {

#include "websec_data.inc"

enum class src_kind { keyword, nonce, hash, scheme, host, invalid };
struct source {
  src_kind kind = src_kind::invalid;
  std::string keyword;  // lower-cased, with quotes
  std::string scheme;   // lower-cased, without ':'
  std::string host;     // lower-cased
  std::string port;     // as written, "" when absent
  std::string path;     // as written, "" when absent
  std::string nonce;
};

bool is_base64_value(std::string_view s) {
  std::size_t k = 0;
  while (k < s.size() && (is_alpha(s[k]) || is_digit(s[k]) || s[k] == '+' || s[k] == '/' || s[k] == '-' || s[k] == '_')) ++k;
  if (k == 0) return false;
  std::size_t pad = 0;
  while (k < s.size() && s[k] == '=' && pad < 2) { ++k; ++pad; }
  return k == s.size();
}

bool is_scheme_token(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.'; });
}

constexpr std::array<std::string_view, 10> kKeywords = {"'self'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'",
                                                       "'unsafe-hashes'", "'report-sample'", "'unsafe-allow-redirects'",
                                                       "'wasm-unsafe-eval'", "'none'", "'inline-speculation-rules'"};

source classify(std::string_view e) {
  source s;
  if (e.size() >= 2 && e.front() == '\'' && e.back() == '\'') {
    std::string l = lower(e);
    if (std::find(kKeywords.begin(), kKeywords.end(), l) != kKeywords.end()) {
      s.kind = src_kind::keyword;
      s.keyword = l;
      return s;
    }
    std::string_view inner = e.substr(1, e.size() - 2);
    if (starts_with_ci(inner, "nonce-") && is_base64_value(inner.substr(6))) {
      s.kind = src_kind::nonce;
      s.nonce = std::string(inner.substr(6));
      return s;
    }
    for (std::string_view h : {"sha256-", "sha384-", "sha512-"})
      if (starts_with_ci(inner, h) && is_base64_value(inner.substr(h.size()))) {
        s.kind = src_kind::hash;
        return s;
      }
    return s;
  }
  if (e.size() >= 2 && e.back() == ':' && is_scheme_token(e.substr(0, e.size() - 1))) {
    s.kind = src_kind::scheme;
    s.scheme = lower(e.substr(0, e.size() - 1));
    return s;
  }
  // host-source = [ scheme-part "://" ] host-part [ ":" port-part ] [ path-part ]
  std::string_view rest = e;
  std::size_t sep = rest.find("://");
  if (sep != std::string_view::npos) {
    if (!is_scheme_token(rest.substr(0, sep))) return s;
    s.scheme = lower(rest.substr(0, sep));
    rest = rest.substr(sep + 3);
  }
  std::size_t hend = 0;
  while (hend < rest.size() && rest[hend] != ':' && rest[hend] != '/') ++hend;
  std::string_view host = rest.substr(0, hend);
  if (host.empty()) return s;
  if (host != "*") {
    std::string_view h = host;
    if (h.substr(0, 2) == "*.") h.remove_prefix(2);
    if (!h.empty() && h.back() == '.') h.remove_suffix(1);
    if (h.empty()) return s;
    std::size_t lb = 0;
    while (lb <= h.size()) {
      std::size_t d = h.find('.', lb);
      std::string_view label = h.substr(lb, d == std::string_view::npos ? std::string_view::npos : d - lb);
      if (label.empty() || !std::all_of(label.begin(), label.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; }))
        return s;
      lb = d == std::string_view::npos ? h.size() + 1 : d + 1;
    }
  }
  rest = rest.substr(hend);
  if (!rest.empty() && rest[0] == ':') {
    std::size_t pe = 1;
    while (pe < rest.size() && rest[pe] != '/') ++pe;
    std::string_view port = rest.substr(1, pe - 1);
    if (!(port == "*" || (!port.empty() && std::all_of(port.begin(), port.end(), is_digit)))) return s;
    s.port = std::string(port);
    rest = rest.substr(pe);
  }
  if (!rest.empty() && (rest[0] != '/' || rest.find_first_of(",;") != std::string_view::npos)) return s;
  s.kind = src_kind::host;
  s.host = lower(host);
  s.path = std::string(rest);
  return s;
}

// A bare word that was meant as a keyword ("self", "none", "nonce-...") parses as a host name.
bool unquoted_keyword(const source& s, std::string_view raw) {
  if (s.kind == src_kind::host && s.scheme.empty() && s.port.empty() && s.path.empty()) {
    for (auto k : kKeywords)
      if (s.host == k.substr(1, k.size() - 2)) return true;
    if (s.host.rfind("nonce-", 0) == 0) return true;
  }
  if (s.kind == src_kind::invalid) {
    std::string l = lower(raw);
    if (l.size() >= 2 && (l.front() == '"' || l.front() == '\''))
      for (auto k : kKeywords)
        if (l.substr(1, l.size() - 2) == k.substr(1, k.size() - 2) || l.substr(1) == k.substr(1) ||
            l == "'" + std::string(k.substr(1, k.size() - 2)))
          return true;
    for (std::string_view h : {"sha256-", "sha384-", "sha512-"})
      if (l.rfind(h, 0) == 0) return true;
    // a nonce or hash that lost its closing quote
    for (std::string_view h : {"'nonce-", "'sha256-", "'sha384-", "'sha512-"})
      if (l.rfind(h, 0) == 0 && l.back() != '\'') return true;
  }
  return false;
}

const std::vector<std::string_view>& known_directives() {
  static const std::vector<std::string_view> k = {
      "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "style-src-elem",
      "style-src-attr", "img-src", "font-src", "connect-src", "media-src", "object-src", "frame-src", "child-src",
      "worker-src", "manifest-src", "base-uri", "form-action", "frame-ancestors", "sandbox",
      "upgrade-insecure-requests", "report-uri", "report-to", "require-trusted-types-for", "trusted-types",
      "webrtc", "fenced-frame-src"};
  return k;
}
const std::vector<std::string_view>& deprecated_directives() {
  static const std::vector<std::string_view> k = {"block-all-mixed-content", "plugin-types", "referrer", "reflected-xss",
                                                  "prefetch-src", "navigate-to", "require-sri-for", "disown-opener"};
  return k;
}
bool contains(const std::vector<std::string_view>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }
bool is_known(std::string_view d) { return contains(known_directives(), d); }
bool is_source_list(std::string_view n) {
  auto ends = [&](std::string_view suf) { return n.size() > suf.size() && n.substr(n.size() - suf.size()) == suf; };
  return ends("-src") || ends("-src-elem") || ends("-src-attr") || n == "base-uri" || n == "form-action" ||
         n == "frame-ancestors";
}

// CSP3 "get the effective directive" fallback lists (§6.8.3 "get the effective directive for request" and
// "directive fallback list"); nullptr when no directive of the chain is present (unrestricted).
const csp_directive* effective(const csp_policy& p, std::string_view directive) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> chains = {
      {"script-src-elem", {"script-src-elem", "script-src", "default-src"}},
      {"script-src-attr", {"script-src-attr", "script-src", "default-src"}},
      {"script-src", {"script-src", "default-src"}},
      {"style-src-elem", {"style-src-elem", "style-src", "default-src"}},
      {"style-src-attr", {"style-src-attr", "style-src", "default-src"}},
      {"style-src", {"style-src", "default-src"}},
      {"object-src", {"object-src", "default-src"}},
  };
  for (const auto& [name, chain] : chains)
    if (name == directive) {
      for (auto c : chain)
        if (const auto* d = p.find(c)) return d;
      return nullptr;
    }
  if (const auto* d = p.find(directive)) return d;
  if (directive == "base-uri" || directive == "form-action" || directive == "frame-ancestors" || directive == "sandbox")
    return nullptr;
  return p.find("default-src");
}

struct list_facts {
  bool none_only = false;  // empty, or 'none' with nothing else that means anything
  bool unsafe_inline = false, unsafe_eval = false, unsafe_hashes = false, strict_dynamic = false, self = false;
  bool nonce = false, hash = false, short_nonce = false;
  bool data = false;
  std::vector<std::string> wildcards;   // '*', https:, http:, scheme://* as written
  std::vector<std::string> hosts;       // other host sources as written
  std::vector<std::string> http_hosts;  // http:// host sources
  std::vector<std::string> invalid, unquoted;
  bool nonce_or_hash() const { return nonce || hash; }
};

list_facts facts(const csp_directive& d) {
  list_facts f;
  std::size_t meaningful = 0;
  for (const auto& v : d.values) {
    source s = classify(v);
    if (unquoted_keyword(s, v)) {
      if (f.unquoted.size() < 8) f.unquoted.push_back(v);
      if (s.kind == src_kind::invalid) continue;
    }
    switch (s.kind) {
      case src_kind::keyword:
        if (s.keyword == "'none'") continue;
        if (s.keyword == "'unsafe-inline'") f.unsafe_inline = true;
        else if (s.keyword == "'unsafe-eval'") f.unsafe_eval = true;
        else if (s.keyword == "'unsafe-hashes'") f.unsafe_hashes = true;
        else if (s.keyword == "'strict-dynamic'") f.strict_dynamic = true;
        else if (s.keyword == "'self'") f.self = true;
        else if (s.keyword == "'report-sample'") continue;
        break;
      case src_kind::nonce:
        f.nonce = true;
        if (s.nonce.size() < 16) f.short_nonce = true;
        break;
      case src_kind::hash: f.hash = true; break;
      case src_kind::scheme:
        if (s.scheme == "https" || s.scheme == "http") f.wildcards.push_back(v);
        if (s.scheme == "data") f.data = true;
        break;
      case src_kind::host:
        if (s.host == "*") f.wildcards.push_back(v);
        else {
          if (f.hosts.size() < 64) f.hosts.push_back(v);
          if (s.scheme == "http" && f.http_hosts.size() < 8) f.http_hosts.push_back(v);
        }
        break;
      case src_kind::invalid:
        if (f.invalid.size() < 8) f.invalid.push_back(v);
        continue;
    }
    ++meaningful;
  }
  f.none_only = meaningful == 0;
  return f;
}

// CSP3 "Does a source list allow all inline behavior for type?" (script types: nonces, hashes and
// 'strict-dynamic' switch 'unsafe-inline' off).
bool allows_inline(const list_facts& f) { return !f.none_only && f.unsafe_inline && !f.nonce && !f.hash && !f.strict_dynamic; }
bool allows_inline_style(const list_facts& f) { return !f.none_only && f.unsafe_inline && !f.nonce && !f.hash; }

// --- allowlist bypass table ---
std::vector<bypass_entry> parse_bypasses() {
  std::vector<bypass_entry> out;
  std::string_view t = k_data_csp_bypasses;
  std::size_t b = 0;
  while (b < t.size()) {
    std::size_t e = t.find('\n', b);
    std::string_view line = t.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    b = e == std::string_view::npos ? t.size() : e + 1;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::size_t c = 0;
    while (c <= line.size()) {
      std::size_t tab = line.find('\t', c);
      cols.emplace_back(line.substr(c, tab == std::string_view::npos ? std::string_view::npos : tab - c));
      if (tab == std::string_view::npos) break;
      c = tab + 1;
    }
    if (cols.size() != 5) continue;  // the table test checks every line has five columns
    out.push_back({cols[0], lower(cols[1]), cols[2], cols[3], cols[4]});
  }
  return out;
}

// CSP3 §6.7.2.10 host-part match: "*." + suffix matches any host ending in "." + suffix.
bool host_part_match(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  if (pattern.substr(0, 2) == "*.") {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
  }
  return pattern == host;
}
// CSP3 §6.7.2.12 path-part match: empty or "/" matches all; a path ending in '/' is a prefix; else exact.
bool path_part_match(std::string_view pattern, std::string_view path) {
  if (pattern.empty() || pattern == "/") return true;
  if (pattern.back() == '/') return path.substr(0, pattern.size()) == pattern;
  return pattern == path;
}

}  // namespace

const std::vector<bypass_entry>& csp_bypasses() {
  static const std::vector<bypass_entry> t = parse_bypasses();
  return t;
}

std::vector<const bypass_entry*> bypasses_allowed_by(std::string_view expr) {
  std::vector<const bypass_entry*> out;
  source s = classify(expr);
  if (s.kind != src_kind::host || s.host == "*") return out;
  if (!s.scheme.empty() && s.scheme != "https" && s.scheme != "http") return out;
  if (!s.port.empty() && s.port != "*" && s.port != "443") return out;
  std::string host = s.host;
  if (!host.empty() && host.back() == '.') host.pop_back();
  for (const auto& b : csp_bypasses()) {
    // "*.github.io" stands for a subdomain of the attacker's choosing
    std::string url_host = b.host.substr(0, 2) == "*." ? "websec-attacker-chosen" + b.host.substr(1) : b.host;
    if (host_part_match(host, url_host) && path_part_match(s.path, b.path)) out.push_back(&b);
  }
  return out;
}

csp_script_summary summarize_scripts(const std::vector<csp_policy>& enforced) {
  csp_script_summary s;
  for (const auto& p : enforced) {
    const auto* elem = effective(p, "script-src-elem");
    const auto* attr = effective(p, "script-src-attr");
    const auto* main = effective(p, "script-src");
    if (!elem && !attr && !main) continue;  // this policy does not restrict scripts
    s.restricted = true;
    bool inl = (!elem || allows_inline(facts(*elem))) || (!attr || allows_inline(facts(*attr)));
    bool ev = true, any = true, data = true, http = true;
    if (main) {
      list_facts f = facts(*main);
      ev = !f.none_only && f.unsafe_eval;
      s.uses_nonce_or_hash |= f.nonce_or_hash();
      s.strict_dynamic |= f.strict_dynamic;
    }
    if (elem) {
      list_facts f = facts(*elem);
      s.uses_nonce_or_hash |= f.nonce_or_hash();
      s.strict_dynamic |= f.strict_dynamic;
      bool ignored = f.strict_dynamic || f.none_only;
      any = !ignored && !f.wildcards.empty();
      data = !ignored && f.data;
      http = !ignored && (!f.http_hosts.empty() ||
                          std::any_of(f.wildcards.begin(), f.wildcards.end(), [](const std::string& w) { return lower(w) == "http:"; }));
    }
    s.inline_allowed = s.inline_allowed && inl;
    s.eval_allowed = s.eval_allowed && ev;
    s.any_host = s.any_host && any;
    s.data_allowed = s.data_allowed && data;
    s.http_allowed = s.http_allowed && http;
  }
  return s;
}

// ------------------------------------------------------------------------------------------------------
// CSP report
// ------------------------------------------------------------------------------------------------------

namespace {

// Reporting endpoints named by report-to: Reporting-Endpoints (structured dictionary name="url") and the older
// Report-To (JSON objects with "group" and "endpoints": [{"url": ...}]).
std::vector<std::string> endpoint_urls(const header_list& h, std::string_view group) {
  std::vector<std::string> out;
  for (const auto& item : get_decode_split(h, "Reporting-Endpoints")) {
    std::size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    if (lower(trim_ows(std::string_view(item).substr(0, eq))) != lower(group)) continue;
    std::string_view u = trim_ows(std::string_view(item).substr(eq + 1));
    if (u.size() >= 2 && u.front() == '"' && u.back() == '"') u = u.substr(1, u.size() - 2);
    out.emplace_back(u);
  }
  for (const auto& v : get_all(h, "Report-To")) {
    if (v.size() > 65536) continue;
    auto doc = json::loads("[" + v + "]");
    if (!doc) continue;
    for (const auto& obj : doc->items()) {
      if (obj.kind() != json::kind::dict) continue;
      const json::value* g = obj.find("group");
      std::string gname = g && g->kind() == json::kind::string ? g->str() : "default";
      if (lower(gname) != lower(group)) continue;
      const json::value* eps = obj.find("endpoints");
      if (!eps || eps->kind() != json::kind::list) continue;
      for (const auto& ep : eps->items())
        if (ep.kind() == json::kind::dict)
          if (const json::value* u = ep.find("url"); u && u->kind() == json::kind::string) out.push_back(u->str());
    }
  }
  return out;
}

struct policy_in {
  csp_policy p;
  bool meta = false;
};

// The policies of a response: every enforced one (each header value split at ',', then each <meta> in <head>)
// and the Report-Only ones.
struct csp_inputs {
  std::vector<policy_in> enforced;
  std::vector<csp_policy> ro;
};

// The header values, split into policies (CSP3 "parse a response's Content Security Policies").
void header_policies(const std::vector<std::string>& values, std::vector<policy_in>& enforced, const adder& add) {
  for (const auto& x : values) {
    auto ps = parse_csp(x, false);
    for (std::size_t i = 0; i < ps.size(); ++i) {
      // a ',' inside what was meant as one policy: the second part starts with a source expression
      if (i > 0 && !ps[i].directives.empty()) {
        const std::string& n = ps[i].directives.front().name;
        if (!n.empty() && (n[0] == '\'' || n.find("://") != std::string::npos || n.back() == ':' || n == "*"))
          add(finding_id::csp_comma_split, severity::low,
              "a ',' splits the header into separate policies (CSP3): '" + shown(n) +
                  "' starts a policy of its own and means nothing; separate directives with ';' and sources with spaces");
      }
      enforced.push_back({std::move(ps[i]), false});
    }
  }
}

// The <meta http-equiv> policies browsers enforce: in <head>, one policy each, without the directives CSP3 §3.3
// ignores there.
void meta_policies(const std::vector<meta_element>& metas, std::vector<policy_in>& enforced, const adder& add) {
  for (const auto& m : metas) {
    if (m.http_equiv == "content-security-policy-report-only") {
      add(finding_id::csp_meta_report_only, severity::info, "Content-Security-Policy-Report-Only in <meta> is ignored by browsers (CSP3 3.3)");
      continue;
    }
    if (m.http_equiv != "content-security-policy") continue;
    if (!m.in_head) {
      add(finding_id::csp_meta_not_in_head, severity::info, "a CSP <meta> outside <head> is ignored by browsers (HTML, CSP3 3.3)");
      continue;
    }
    csp_policy p = parse_csp_policy(m.content, false);  // a <meta> holds one policy: no ',' split
    std::vector<csp_directive> kept;
    for (auto& d : p.directives) {
      if (d.name == "frame-ancestors" || d.name == "report-uri" || d.name == "sandbox") {
        add(finding_id::csp_meta_ignored_directive, severity::info,
            d.name + " is ignored in a <meta> policy (CSP3 3.3): send it in the Content-Security-Policy header");
        continue;
      }
      kept.push_back(std::move(d));
    }
    p.directives = std::move(kept);
    if (m.after_script)
      add(finding_id::csp_meta_after_script, severity::low,
          "the CSP <meta> comes after a <script>: the policy does not cover what came before it; put it first in <head>");
    enforced.push_back({std::move(p), true});
  }
}

csp_inputs collect_policies(const std::vector<std::string>& enforced_values, const std::vector<std::string>& ro_values,
                            const std::vector<meta_element>& metas, const adder& add) {
  csp_inputs in;
  header_policies(enforced_values, in.enforced, add);
  for (const auto& x : ro_values)
    for (auto& p : parse_csp(x, true)) in.ro.push_back(std::move(p));
  meta_policies(metas, in.enforced, add);
  return in;
}

bool any_known(const csp_policy& p) {
  return std::any_of(p.directives.begin(), p.directives.end(), [](const csp_directive& d) { return is_known(d.name); });
}

// No enforced policy holds a directive browsers know: why the page has no policy.
void judge_absent(const std::vector<std::string>& enforced_values, const csp_inputs& in, const adder& add) {
  bool ro_live = false;
  for (const auto& p : in.ro) ro_live = ro_live || any_known(p);
  const auto& enforced = in.enforced;
  if (enforced.empty() && !enforced_values.empty()) {
    add(finding_id::csp_empty_policy, severity::medium, "Content-Security-Policy holds no directive: browsers enforce nothing",
        rating::invalid);
  } else if (!enforced.empty()) {
    bool all_empty = std::all_of(enforced.begin(), enforced.end(), [](const policy_in& e) { return e.p.directives.empty(); });
    if (all_empty)
      add(finding_id::csp_empty_policy, severity::medium, "Content-Security-Policy holds no directive: browsers enforce nothing",
          rating::invalid);
    else
      add(finding_id::csp_no_known_directive, severity::medium,
          "no directive of this policy is one browsers know (" +
              shown(enforced.front().p.directives.empty() ? std::string() : enforced.front().p.directives.front().name) +
              "...): it is no policy; check the names (script-src, default-src, ...)",
          rating::invalid);
  } else if (ro_live) {
    add(finding_id::csp_report_only_only, severity::medium,
        "only Content-Security-Policy-Report-Only is sent: it reports but never blocks; also send Content-Security-Policy",
        rating::fail);
  } else {
    add(finding_id::csp_missing, severity::medium, "no Content-Security-Policy: send at least default-src 'self'; object-src 'none'",
        rating::fail);
  }
}

// True the first time a key is seen (and while fewer than 65 keys are kept): a syntax finding is reported once for
// all the policies that repeat it.
struct once_set {
  std::vector<std::string> reported;
  bool operator()(const std::string& key) {
    if (std::find(reported.begin(), reported.end(), key) != reported.end() || reported.size() > 64) return false;
    reported.push_back(key);
    return true;
  }
};

// A directive name browsers do not act on: deprecated, or unknown.
void directive_name_findings(const csp_policy& p, const csp_directive& d, once_set& once, const adder& add) {
  if (contains(deprecated_directives(), d.name)) {
    if (once("dep:" + d.name))
      add(finding_id::csp_deprecated_directive, severity::info, "directive " + d.name + " is deprecated and ignored by current browsers");
  } else if (!is_known(d.name)) {
    if (once("unk:" + d.name)) {
      bool covered = p.find("default-src") && d.name.size() > 4 && d.name.substr(d.name.size() - 4) == "-src";
      std::string hint = d.name.back() == ':' ? " (no ':' after a directive name)" : "";
      if (covered)
        add(finding_id::csp_unknown_directive, severity::info,
            "unknown directive '" + shown(d.name) + "'" + hint + " is ignored; default-src covers what it would restrict");
      else
        add(finding_id::csp_unknown_directive, severity::low,
            "unknown directive '" + shown(d.name) + "'" + hint + " is ignored by browsers, so what it was meant to "
                                                                  "restrict is not restricted (typo?)");
    }
  }
}

// A directive name inside the values: a ';' is missing before it.
void missing_semicolon_findings(const csp_directive& d, once_set& once, const adder& add) {
  for (std::size_t i = 0; i < d.values.size(); ++i) {
    std::string lv = lower(d.values[i]);
    if ((is_known(lv) || contains(deprecated_directives(), lv)) && lv != d.name) {
      std::string rest;
      for (std::size_t k = i + 1; k < d.values.size() && k < i + 4; ++k) rest += " " + d.values[k];
      if (once("semi:" + d.name + ":" + lv))
        add(finding_id::csp_missing_semicolon, severity::low,
            "'" + lv + "' appears among the values of " + d.name + ": a ';' is missing before it, so browsers read '" +
                shown(lv + rest) + "' as sources of " + d.name + " and " + lv + " is not set");
      break;
    }
  }
}

// report-uri and report-to endpoints over plain http.
void report_findings(const csp_directive& d, const header_list& reporting_headers, once_set& once, const adder& add) {
  if (d.name == "report-uri")
    for (const auto& u : d.values)
      if (starts_with_ci(u, "http://") && once("rep:" + u))
        add(finding_id::csp_report_insecure, severity::low,
            "report-uri " + shown(u) + " sends violation reports (page URLs, blocked URLs, samples) over plain http: use https");
  if (d.name == "report-to")
    for (const auto& g : d.values)
      for (const auto& u : endpoint_urls(reporting_headers, g))
        if (starts_with_ci(u, "http://") && once("rep:" + u))
          add(finding_id::csp_report_insecure, severity::low,
              "report-to " + shown(g) + " names the endpoint " + shown(u) + ", which receives reports over plain http: use https");
}

// Source expressions browsers read otherwise than written: unquoted keywords, invalid sources.
void source_findings(const csp_directive& d, once_set& once, const adder& add) {
  list_facts f = facts(d);
  for (const auto& u : f.unquoted)
    if (once("unq:" + d.name + u))
      add(finding_id::csp_unquoted_keyword, severity::low,
          "'" + shown(u) + "' in " + d.name + " is not a keyword: keywords are written in single quotes ('self', 'none', "
                                              "'nonce-...'); browsers read this as a host name or ignore it");
  for (const auto& inv : f.invalid)
    if (std::find(f.unquoted.begin(), f.unquoted.end(), inv) == f.unquoted.end() && once("inv:" + inv))
      add(finding_id::csp_invalid_source, severity::info, "source '" + shown(inv) + "' in " + d.name + " is not valid CSP and is ignored");
}

// The syntax of every enforced policy, and per directive what browsers make of it.
void syntax_findings(const std::vector<policy_in>& enforced, const header_list& reporting_headers, const adder& add) {
  once_set once;
  for (const auto& e : enforced) {
    const csp_policy& p = e.p;
    for (const auto& d : p.duplicates)
      if (once("dup:" + d))
        add(finding_id::csp_duplicate_directive, severity::info,
            "directive " + shown(d) + " repeated: browsers use the first and ignore the rest (CSP3 \"parse a serialized CSP\")");
    if (p.skipped_tokens && once("nonascii"))
      add(finding_id::csp_non_ascii, severity::low,
          "a directive with non-ASCII characters is ignored by browsers (CSP3 \"parse a serialized CSP\"): what it "
          "restricts falls back to default-src");
    for (const auto& d : p.directives) {
      directive_name_findings(p, d, once, add);
      missing_semicolon_findings(d, once, add);
      if (is_source_list(d.name)) source_findings(d, once, add);
      else report_findings(d, reporting_headers, once, add);
    }
  }
}

// What the enforced policies let scripts do. A load must pass every policy, so a weakness counts only when every
// policy that restricts scripts has it.
struct script_facts {
  bool restricted = false, inline_elem = true, inline_attr = true, eval_ok = true, wildcard = true, data = true,
       hosts_all = true, uses_nonce = false, uses_hash = false, sd_any = false, sd_no_nonce = false, short_nonce = false,
       unsafe_hashes = false, inline_fallback = false, self_only_note = false, fallback_hosts = false;
  std::string wildcard_src, host_example, sd_directive, script_dir;
  std::vector<std::string> http_hosts;
  std::vector<const bypass_entry*> bypass_candidates;  // allowlist bypasses every policy lets through
  std::vector<std::string> bypass_sources;             // the source expression that allows each
  bool first_restricting = true;

  void add_policy(const csp_policy& p);
  void narrow_bypasses(const list_facts& fe, bool hosts_effective);
};

void script_facts::add_policy(const csp_policy& p) {
  const auto* elem = effective(p, "script-src-elem");
  const auto* attr = effective(p, "script-src-attr");
  const auto* main = effective(p, "script-src");
  if (!elem && !attr && !main) return;
  restricted = true;
  if (script_dir.empty() && elem) script_dir = elem->name;
  list_facts fe = elem ? facts(*elem) : list_facts{};
  list_facts fa = attr ? facts(*attr) : list_facts{};
  list_facts fm = main ? facts(*main) : list_facts{};
  inline_elem = inline_elem && (!elem || allows_inline(fe));
  inline_attr = inline_attr && (!attr || allows_inline(fa));
  eval_ok = eval_ok && (!main || (!fm.none_only && fm.unsafe_eval));
  const bool sd = elem && fe.strict_dynamic;
  const bool hosts_effective = elem && !sd && !fe.none_only;
  wildcard = wildcard && (!elem || (hosts_effective && !fe.wildcards.empty()));
  if (elem && hosts_effective && !fe.wildcards.empty() && wildcard_src.empty()) wildcard_src = fe.wildcards.front();
  data = data && (!elem || (hosts_effective && fe.data));
  hosts_all = hosts_all && (!elem || (hosts_effective && (!fe.hosts.empty() || !fe.wildcards.empty())));
  if (elem && hosts_effective && !fe.hosts.empty() && host_example.empty()) host_example = fe.hosts.front();
  if (elem && hosts_effective)
    for (const auto& hh : fe.http_hosts)
      if (http_hosts.size() < 4) http_hosts.push_back(hh);
  if (elem) narrow_bypasses(fe, hosts_effective);
  for (const list_facts* f : {&fe, &fm}) {
    uses_nonce |= f->nonce;
    uses_hash |= f->hash;
    short_nonce |= f->short_nonce;
  }
  if (sd) {
    sd_any = true;
    if (!fe.nonce_or_hash()) {
      sd_no_nonce = true;
      sd_directive = elem->name;
    }
    if (!fe.hosts.empty() || !fe.wildcards.empty() || fe.self) fallback_hosts = true;
  }
  unsafe_hashes |= (fe.unsafe_hashes || fa.unsafe_hashes) && (fe.hash || fa.hash);
  inline_fallback |= (elem && fe.unsafe_inline && !allows_inline(fe)) || (attr && fa.unsafe_inline && !allows_inline(fa));
  self_only_note |= elem && hosts_effective && fe.self;
}

// The bypasses a policy that restricts script elements lets through, intersected with those of the policies before it.
void script_facts::narrow_bypasses(const list_facts& fe, bool hosts_effective) {
  std::vector<const bypass_entry*> here;
  std::vector<std::string> here_src;
  if (hosts_effective)
    for (const auto& hst : fe.hosts)
      for (const auto* b : bypasses_allowed_by(hst))
        if (std::find(here.begin(), here.end(), b) == here.end()) {
          here.push_back(b);
          here_src.push_back(hst);
        }
  const bool any_host = hosts_effective && !fe.wildcards.empty();  // a wildcard allows every entry
  if (first_restricting) {
    bypass_candidates = any_host ? std::vector<const bypass_entry*>{} : here;
    bypass_sources = any_host ? std::vector<std::string>{} : here_src;
  } else if (!any_host) {
    std::vector<const bypass_entry*> keep;
    std::vector<std::string> keep_src;
    for (std::size_t k = 0; k < bypass_candidates.size(); ++k)
      if (std::find(here.begin(), here.end(), bypass_candidates[k]) != here.end()) {
        keep.push_back(bypass_candidates[k]);
        keep_src.push_back(bypass_sources[k]);
      }
    bypass_candidates = keep;
    bypass_sources = keep_src;
  }
  first_restricting = false;
}

// Inline scripts, wildcard and data: sources, and hosts that serve what an injection can use.
void script_source_findings(const script_facts& s, const adder& add) {
  if (s.inline_elem)
    add(finding_id::csp_unsafe_inline, severity::high,
        "'unsafe-inline' without a nonce or hash in " + s.script_dir + " allows injected inline <script> (CSP3 \"does a "
        "source list allow all inline behavior\"): use nonces or hashes");
  else if (s.inline_attr)
    add(finding_id::csp_unsafe_inline_attr, severity::high,
        "script-src-attr allows 'unsafe-inline', so injected event handlers (onerror=...) run: remove it");
  else if (s.inline_fallback)
    add(finding_id::csp_unsafe_inline_fallback, severity::info,
        "'unsafe-inline' is ignored because nonces, hashes or 'strict-dynamic' are present (kept for CSP1 browsers)");
  if (s.wildcard)
    add(finding_id::csp_script_wildcard, severity::high,
        s.script_dir + " allows any host (" + shown(s.wildcard_src) +
            "): an attacker loads script from a host of their own; list hosts, or use nonces with 'strict-dynamic'");
  if (s.data)
    add(finding_id::csp_script_data, severity::high, "data: in " + s.script_dir + " allows injected scripts (<script src=data:...>): remove it");
  if (!s.wildcard && !s.bypass_candidates.empty()) {
    const auto* b = s.bypass_candidates.front();
    std::string what = b->kind == "jsonp" ? "a JSONP endpoint" : b->kind == "angular" ? "AngularJS"
                       : b->kind == "gadget" ? "a script gadget" : "files anyone can publish";
    add(finding_id::csp_allowlist_bypass, severity::high,
        s.script_dir + " allows " + shown(s.bypass_sources.front()) + ", which serves " + what + " (" + b->host + b->path + ": " +
            b->what + "; source: " + b->source + "): an injection runs script through it; use nonces with 'strict-dynamic'");
  } else if (!s.wildcard && s.hosts_all && !s.host_example.empty()) {
    add(finding_id::csp_host_allowlist, severity::medium,
        s.script_dir + " trusts hosts (" + shown(s.host_example) +
            "...) without 'strict-dynamic': every script those hosts serve (JSONP, old libraries, uploads) runs; prefer "
            "nonces or hashes with 'strict-dynamic'" +
            (s.uses_nonce ? " (a nonce next to the hosts does not switch them off)"
                          : s.uses_hash ? " (a hash next to the hosts does not switch them off)" : ""));
  }
}

// Fallback hosts, 'self', eval, 'unsafe-hashes', 'strict-dynamic' without a nonce, http:// hosts.
void script_trust_findings(const script_facts& s, const adder& add) {
  if (s.fallback_hosts && !s.sd_no_nonce)
    add(finding_id::csp_host_fallback, severity::info,
        "hosts and schemes next to 'strict-dynamic' are ignored by CSP3 browsers and used only by CSP2 browsers (fallback)");
  if (s.self_only_note && !s.wildcard)
    add(finding_id::csp_self_in_script_src, severity::info,
        "'self' in script-src: safe as long as the origin serves no JSONP, AngularJS or user uploads as scripts");
  if (s.eval_ok) add(finding_id::csp_unsafe_eval, severity::medium, "'unsafe-eval' allows eval() and new Function(): remove it");
  if (s.unsafe_hashes)
    add(finding_id::csp_unsafe_hashes, severity::low, "'unsafe-hashes' lets injected markup reuse the hashed event handlers: remove it");
  if (s.sd_no_nonce)
    add(finding_id::csp_strict_dynamic_without_nonce, severity::medium,
        "'strict-dynamic' in " + s.sd_directive + " without a nonce or hash: CSP3 browsers then ignore every host and "
        "'self' and block every script (CSP3 8.2); add a nonce or hash");
  if (s.http_hosts.size() && !s.wildcard)
    add(finding_id::csp_insecure_source, severity::info,
        "http:// host " + shown(s.http_hosts.front()) + " in script-src: blocked as mixed content on https pages; use https://");
}

void script_findings(const script_facts& s, const adder& add) {
  if (!s.restricted) {
    add(finding_id::csp_script_src_missing, severity::high,
        "no script-src or default-src: scripts from anywhere, inline ones included, are allowed; add default-src 'self' "
        "or a nonce-based script-src");
  } else {
    script_source_findings(s, add);
    script_trust_findings(s, add);
  }
  if (s.short_nonce)
    add(finding_id::csp_nonce_too_short, severity::medium,
        "a nonce shorter than 16 characters can be guessed: use at least 128 random bits (22 base64 characters), new "
        "for every response");
}

// base-uri: needed when scripts are trusted by nonce (relative src of a nonced script follows an injected
// <base>), or by hash with 'strict-dynamic' (scripts those load follow it too).
void base_uri_findings(const std::vector<const csp_policy*>& live, const script_facts& s, const adder& add) {
  const bool base_needed = s.restricted && (s.uses_nonce || (s.uses_hash && s.sd_any));
  bool base_set = false, base_any = true;
  std::string base_value;
  for (const auto* p : live)
    if (const auto* d = p->find("base-uri")) {
      base_set = true;
      list_facts f = facts(*d);
      base_any = base_any && !f.none_only && (!f.wildcards.empty() || f.data);
      if (base_value.empty()) base_value = serialize(csp_policy{{*d}, {}, 0, false});
    }
  if (base_needed && !base_set)
    add(finding_id::csp_base_uri_missing, severity::high,
        std::string(s.uses_nonce ? "nonce-based" : "hash-based 'strict-dynamic'") +
            " policy without base-uri: an injected <base href> makes relative script URLs load from another host; add "
            "base-uri 'none' (or 'self')");
  else if (base_set && base_any)
    add(finding_id::csp_base_uri_unsafe, base_needed ? severity::high : severity::info,
        shown(base_value) + " allows any host" + (base_needed ? ": an injected <base> redirects the trusted scripts; use "
                                                                "base-uri 'none' or 'self'"
                                                              : " (harmless while scripts are not trusted by nonce)"));
}

// object-src: plugins and <object>/<embed> documents.
void object_src_findings(const std::vector<const csp_policy*>& live, const adder& add) {
  bool any_obj = false, obj_any = true;
  std::string obj_value;
  for (const auto* p : live) {
    const auto* d = effective(*p, "object-src");
    if (!d) continue;
    any_obj = true;
    list_facts f = facts(*d);
    obj_any = obj_any && !f.none_only && (!f.wildcards.empty() || f.data);
    if (obj_value.empty()) obj_value = d->name;
  }
  if (!any_obj)
    add(finding_id::csp_object_src_missing, severity::medium,
        "no object-src or default-src: <object> and <embed> load from anywhere; add object-src 'none'");
  else if (obj_any)
    add(finding_id::csp_object_src_unsafe, severity::medium, obj_value + " allows any host or data: for <object>/<embed>: use object-src 'none'");
}

// Styles, frame-ancestors in the header policies (a <meta> one was removed), form-action, Report-Only: advice.
void other_findings(const csp_inputs& in, const std::vector<const csp_policy*>& live, const adder& add) {
  bool style_inline = !live.empty();
  for (const auto* p : live) {
    const auto* st = effective(*p, "style-src");
    style_inline = style_inline && st && allows_inline_style(facts(*st));
  }
  if (style_inline)
    add(finding_id::csp_unsafe_inline_style, severity::info,
        "'unsafe-inline' in style-src allows injected styles (CSS can leak attribute values); prefer nonces");
  bool fa_present = false, fa_any = true;
  for (const auto& e : in.enforced) {
    if (e.meta) continue;
    if (const auto* d = e.p.find("frame-ancestors")) {
      fa_present = true;
      list_facts f = facts(*d);
      fa_any = fa_any && !f.none_only && !f.wildcards.empty();
    }
  }
  if (fa_present && fa_any)
    add(finding_id::csp_frame_ancestors_wildcard, severity::medium,
        "frame-ancestors allows any site to frame the page, and overrides X-Frame-Options: use 'self' or 'none'");
  bool form_action = std::any_of(live.begin(), live.end(), [](const csp_policy* p) { return p->find("form-action") != nullptr; });
  if (!form_action)
    add(finding_id::csp_form_action_missing, severity::info, "no form-action: forms may post anywhere (form-action has no fallback)");
  if (!in.ro.empty()) add(finding_id::csp_report_only, severity::info, "a Report-Only policy is also sent; it reports and never blocks");
}

}  // namespace

subject_report csp_report(const std::vector<std::string>& enforced_values, const std::vector<std::string>& ro_values,
                          const std::vector<meta_element>& metas, const response_options& o,
                          const header_list& reporting_headers) {
  subject_report r = make_report(kCSP);
  adder add{r};
  r.resolution = "every enforced policy applies and a load must pass each (CSP3 \"parse a response's Content "
                 "Security Policies\": each header, each comma-separated policy, each <meta> in <head>); within a "
                 "policy the first of a directive wins (CSP3 \"parse a serialized CSP\"); Report-Only never blocks";
  const csp_inputs in = collect_policies(enforced_values, ro_values, metas, add);
  // which policies mean anything
  std::vector<const csp_policy*> live;
  std::vector<std::string> serial;
  for (const auto& e : in.enforced)
    if (any_known(e.p)) {
      live.push_back(&e.p);
      serial.push_back((e.meta ? "<meta> " : "") + shown_long(serialize(e.p)));
    }
  r.present = !enforced_values.empty() || !live.empty();
  r.value = joined(serial);
  if (live.empty()) {
    judge_absent(enforced_values, in, add);
    finish(r);
    return r;
  }
  syntax_findings(in.enforced, reporting_headers, add);
  script_facts s;
  for (const auto* p : live) s.add_policy(*p);
  script_findings(s, add);
  base_uri_findings(live, s, add);
  object_src_findings(live, add);
  other_findings(in, live, add);
  finish(r);
  if (r.result == rating::pass) add(finding_id::csp_ok, severity::info, "the enforced policy restricts scripts and plugins");
  return r;
}

std::vector<verdict> audit_csp(const std::vector<std::string>& enforced_values, const std::vector<std::string>& ro_values,
                               const response_options& o) {
  return csp_report(enforced_values, ro_values, {}, o).findings;
}

// ------------------------------------------------------------------------------------------------------
// Framing: X-Frame-Options and CSP frame-ancestors
// ------------------------------------------------------------------------------------------------------

subject_report xfo_report(const std::vector<std::string>& values, const std::vector<std::string>& enforced_csp_values,
                          const std::vector<meta_element>& metas) {
  subject_report r = make_report(kXFO);
  adder add{r};
  r.resolution = "an enforced CSP frame-ancestors (header only) makes browsers ignore X-Frame-Options; otherwise "
                 "get, decode and split of every X-Frame-Options header, lower-cased into a set: one value applies, "
                 "several different ones block all framing when one of them is deny, sameorigin or allowall (HTML "
                 "\"check a navigation response's adherence to X-Frame-Options\")";
  for (const auto& m : metas) {
    if (m.http_equiv == "x-frame-options")
      add(finding_id::xfo_meta_ignored, severity::info, "X-Frame-Options in <meta> is ignored by browsers: send the header");
    if (m.http_equiv == "content-security-policy" && parse_csp_policy(m.content).find("frame-ancestors"))
      add(finding_id::xfo_meta_ignored, severity::info, "frame-ancestors in a <meta> policy is ignored by browsers (CSP3 3.3): send it in the header");
  }
  bool fa_present = false, fa_any = true, fa_none = true;
  std::string fa_value;
  for (const auto& x : enforced_csp_values)
    for (const auto& p : parse_csp(x))
      if (const auto* d = p.find("frame-ancestors")) {
        fa_present = true;
        list_facts f = facts(*d);
        fa_any = fa_any && !f.none_only && !f.wildcards.empty();
        fa_none = fa_none && f.none_only;
        if (fa_value.empty()) fa_value = serialize(csp_policy{{*d}, {}, 0, false});
      }
  const std::vector<std::string> raw = get_decode_split(values);
  std::vector<std::string> set;
  for (const auto& x : raw) {
    std::string l = lower(x);
    if (std::find(set.begin(), set.end(), l) == set.end()) set.push_back(l);
  }
  r.present = !values.empty() || fa_present;
  r.value = fa_present ? shown(fa_value) + (values.empty() ? "" : " (X-Frame-Options: " + shown(joined(raw)) + " ignored)")
                       : shown(joined(raw));
  if (fa_present) {
    if (fa_any)
      add(finding_id::xfo_frame_ancestors_wildcard, severity::high,
          "CSP " + shown(fa_value) + " allows any site to frame the page, and browsers then ignore X-Frame-Options: use "
                                      "frame-ancestors 'self' or 'none'",
          rating::fail);
    else if (!set.empty() && (set.size() > 1 || set[0] == "deny" || set[0] == "sameorigin") && ((set[0] == "deny") != fa_none))
      add(finding_id::xfo_frame_ancestors_conflict, severity::info,
          "X-Frame-Options and CSP frame-ancestors disagree; browsers follow frame-ancestors (" + shown(fa_value) + ")");
    finish(r);
    if (r.result == rating::pass) add(finding_id::xfo_ok, severity::info, "framing restricted by CSP " + shown(fa_value));
    return r;
  }
  if (values.empty()) {
    add(finding_id::xfo_missing, severity::medium,
        "no X-Frame-Options or CSP frame-ancestors: any site can frame the page (clickjacking); send X-Frame-Options: "
        "SAMEORIGIN or frame-ancestors 'self'",
        rating::fail);
    finish(r);
    return r;
  }
  std::string eff;
  if (set.size() > 1) {
    bool blocks = std::any_of(set.begin(), set.end(), [](const std::string& x) { return x == "deny" || x == "sameorigin" || x == "allowall"; });
    if (blocks) {
      add(finding_id::xfo_conflicting, severity::info,
          "different X-Frame-Options values (" + shown(joined(raw)) + "): browsers then refuse all framing; send one value");
      eff = "deny";
    } else {
      add(finding_id::xfo_invalid, severity::medium,
          "X-Frame-Options values " + shown(joined(raw)) + " are neither DENY nor SAMEORIGIN: browsers ignore them", rating::invalid);
    }
  } else {
    eff = set.front();
    if (raw.size() > 1) add(finding_id::xfo_multiple_values, severity::info, "X-Frame-Options repeats " + shown(eff) + "; send it once");
    if (eff == "deny" || eff == "sameorigin") {
    } else if (eff.rfind("allow-from", 0) == 0) {
      add(finding_id::xfo_allow_from, severity::medium,
          "ALLOW-FROM is ignored by current browsers, so framing is not restricted: use CSP frame-ancestors", rating::invalid);
      eff.clear();
    } else if (eff == "allowall") {
      add(finding_id::xfo_allowall, severity::medium, "ALLOWALL lets any site frame the page: send SAMEORIGIN or DENY", rating::fail);
      eff.clear();
    } else {
      add(finding_id::xfo_invalid, severity::medium,
          "X-Frame-Options '" + shown(raw.front()) + "' is neither DENY nor SAMEORIGIN: browsers ignore it", rating::invalid);
      eff.clear();
    }
  }
  finish(r);
  if (r.result == rating::pass) add(finding_id::xfo_ok, severity::info, "framing restricted (" + eff + ")");
  return r;
}

std::vector<verdict> audit_x_frame_options(const std::vector<std::string>& values, const std::vector<std::string>& enforced_csp_values) {
  return xfo_report(values, enforced_csp_values).findings;
}

// ------------------------------------------------------------------------------------------------------
// X-Content-Type-Options
// ------------------------------------------------------------------------------------------------------

subject_report xcto_report(const std::vector<std::string>& values) {
  subject_report r = make_report(kXCTO);
  adder add{r};
  r.resolution = "the first value of get, decode and split of every X-Content-Type-Options header must be nosniff, "
                 "ASCII case-insensitive (Fetch \"determine nosniff\")";
  r.present = !values.empty();
  if (values.empty()) {
    add(finding_id::xcto_missing, severity::low,
        "no X-Content-Type-Options: browsers may sniff a response (an upload, a JSON answer) as HTML or script; send nosniff",
        rating::fail);
    finish(r);
    return r;
  }
  std::vector<std::string> raw = get_decode_split(values);
  r.value = shown_long(joined(raw));
  if (!iequals(raw.front(), "nosniff"))
    add(finding_id::xcto_invalid, severity::low,
        "X-Content-Type-Options '" + shown(raw.front()) + "' is not nosniff (only the first value counts): browsers ignore it",
        rating::invalid);
  else if (raw.size() > 1)
    add(finding_id::xcto_multiple_values, severity::info, "X-Content-Type-Options has several values; the first (nosniff) counts");
  finish(r);
  if (r.result == rating::pass && raw.size() == 1) add(finding_id::xcto_ok, severity::info, "nosniff");
  return r;
}

std::vector<verdict> audit_x_content_type_options(const std::vector<std::string>& values) { return xcto_report(values).findings; }

// ------------------------------------------------------------------------------------------------------
// Referrer-Policy
// ------------------------------------------------------------------------------------------------------

namespace {
constexpr std::array<std::string_view, 8> kReferrerPolicies = {
    "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin", "origin-when-cross-origin",
    "strict-origin-when-cross-origin", "unsafe-url"};
bool is_referrer_policy(std::string_view t) { return std::find(kReferrerPolicies.begin(), kReferrerPolicies.end(), t) != kReferrerPolicies.end(); }
}  // namespace

subject_report referrer_report(const std::vector<std::string>& values, const std::vector<meta_element>& metas) {
  subject_report r = make_report(kRP);
  adder add{r};
  r.resolution = "the last token of get, decode and split of every Referrer-Policy header that is a referrer policy "
                 "wins (Referrer Policy 11.1; browsers compare ASCII case-insensitively); a <meta name=referrer> "
                 "replaces it; without either the default is strict-origin-when-cross-origin (Fetch)";
  r.present = !values.empty();
  std::string policy, from;
  std::vector<std::string> unknown, valid_seen;
  if (!values.empty()) {
    std::vector<std::string> tokens = get_decode_split(values);
    r.value = shown_long(joined(tokens));
    for (const auto& t : tokens) {
      std::string l = lower(t);
      if (l.empty()) continue;
      if (is_referrer_policy(l)) {
        policy = l;
        valid_seen.push_back(l);
      } else if (unknown.size() < 8) {
        unknown.push_back(t);
      }
    }
    from = "header";
  }
  for (const auto& m : metas) {
    if (m.name != "referrer") continue;
    // HTML "meta name=referrer": the legacy keywords map to policies; an unknown value changes nothing
    std::string l = lower(trim_ascii_ws(m.content));
    if (l == "never") l = "no-referrer";
    else if (l == "default") l = "strict-origin-when-cross-origin";
    else if (l == "always") l = "unsafe-url";
    else if (l == "origin-when-crossorigin") l = "origin-when-cross-origin";
    if (is_referrer_policy(l)) {
      if (!policy.empty() && policy != l)
        add(finding_id::referrer_meta, severity::info, "<meta name=referrer content=" + shown(m.content) + "> replaces the header's " + policy);
      policy = l;
      from = "meta";
      r.present = true;
      r.value = l + " (<meta name=referrer>)";
    } else {
      add(finding_id::referrer_meta, severity::info, "<meta name=referrer content=" + shown(m.content) + "> is not a policy and is ignored");
    }
  }
  for (const auto& u : unknown)
    if (!policy.empty())
      add(finding_id::referrer_unknown_token, severity::info,
          "'" + shown(u) + "' is not a referrer policy and is ignored (" + policy + " applies)");
  if (policy.empty()) {
    if (!r.present) {
      add(finding_id::referrer_missing, severity::info,
          "no Referrer-Policy: browsers use strict-origin-when-cross-origin (Fetch), which is safe; send it to be explicit");
    } else {
      add(finding_id::referrer_invalid, severity::low,
          "Referrer-Policy " + shown(r.value) + " holds no referrer policy" +
              (unknown.empty() ? std::string() : " ('" + shown(unknown.front()) + "' is not one)") +
              ": browsers ignore it; use strict-origin-when-cross-origin",
          rating::invalid);
    }
    finish(r);
    return r;
  }
  if (valid_seen.size() > 1 && from == "header")
    add(finding_id::referrer_fallback, severity::info, "several policies are listed: the last one browsers know applies (" + policy + ")");
  if (policy == "unsafe-url" || policy == "no-referrer-when-downgrade")
    add(finding_id::referrer_unsafe, severity::medium,
        policy + " sends the full URL (path and query) to other sites" +
            (policy == "unsafe-url" ? std::string(", even over plain http") : std::string()) +
            ": use strict-origin-when-cross-origin",
        rating::fail);
  else if (policy == "origin" || policy == "origin-when-cross-origin")
    add(finding_id::referrer_unsafe, severity::low,
        policy + " sends the origin on a downgrade from https to http, where the network sees it: use "
                 "strict-origin-when-cross-origin",
        rating::fail);
  finish(r);
  if (r.result == rating::pass) add(finding_id::referrer_ok, severity::info, policy);
  return r;
}

std::vector<verdict> audit_referrer_policy(const std::vector<std::string>& values) { return referrer_report(values).findings; }

// ------------------------------------------------------------------------------------------------------
// The whole response
// ------------------------------------------------------------------------------------------------------

bool selected(const std::vector<std::string>& only, std::string_view subject) {
  if (only.empty()) return true;
  bool is_cookie = subject.rfind("cookie:", 0) == 0;
  for (const auto& o : only) {
    const std::string_view t = trim_ows(o);
    std::string l = lower(t);
    if (is_cookie) {
      if (l == "cookies" || l == "cookie" || l == "set-cookie") return true;
      // cookie:NAME needs a NAME: "cookie:" (blanks after it included) selects no cookie, the nameless one neither
      if (l.rfind("cookie:", 0) == 0 && t.size() > 7 && t.substr(7) == subject.substr(7)) return true;
      continue;
    }
    std::string s = lower(subject);
    if (l == s) return true;
    if (s == "strict-transport-security" && (l == "hsts" || l == "sts")) return true;
    if (s == "content-security-policy" && (l == "csp" || l == "content-security-policy-report-only")) return true;
    if (s == "x-frame-options" && (l == "xfo" || l == "frame" || l == "framing" || l == "frame-ancestors")) return true;
    if (s == "x-content-type-options" && (l == "xcto" || l == "nosniff")) return true;
    if (s == "referrer-policy" && (l == "referrer" || l == "rp")) return true;
    if (s == "x-xss-protection" && (l == "xxss" || l == "xss")) return true;
  }
  return false;
}

audit_report audit(const audit_input& in, const response_options& opt) {
  response_options o = opt;
  if (!o.url && in.url) o.url = in.url;
  if (o.url) {
    if (auto req = cookie::parse_request_url(*o.url)) o.https = req->scheme == "https";
  }
  const header_list& h = in.headers;
  audit_report rep;
  const auto csp = get_all(h, kCSP);
  auto push = [&](subject_report s) {
    if (selected(o.only, s.name)) rep.headers.push_back(std::move(s));
  };
  push(hsts_report(get_all(h, kHSTS), o));
  push(csp_report(csp, get_all(h, kCSPRO), in.metas, o, h));
  push(xfo_report(get_all(h, kXFO), csp, in.metas));
  push(xcto_report(get_all(h, kXCTO)));
  push(referrer_report(get_all(h, kRP), in.metas));
  const auto xxss = get_all(h, "X-XSS-Protection");
  if (!xxss.empty()) {
    subject_report x = make_report("X-XSS-Protection");
    x.present = true;
    x.value = shown(xxss.front());
    x.resolution = "ignored by current browsers";
    if (trim_ows(xxss.front()) != "0")
      x.findings.push_back({finding_id::xxss_deprecated, severity::info, "X-XSS-Protection",
                            "X-XSS-Protection is ignored by current browsers (and its filter was exploitable); send 0 or omit it",
                            rating::pass});
    push(std::move(x));
  }
  cookie::audit_options co;
  co.https = o.https;
  co.max_lifetime = o.cookie_max_lifetime;
  co.now = o.now;
  co.max_size = o.max_cookie_size;
  co.url = o.url;
  // HTTP Observatory: a cookie without Secure weighs less when the site sends a valid HSTS policy (browsers then
  // never make the plain-HTTP request that would carry it).
  const auto hsts = get_all(h, kHSTS);
  if (o.https && !hsts.empty())
    if (auto p = parse_hsts(hsts.front()); p && p->max_age > 0) co.hsts = true;
  for (const auto& line : get_all(h, "Set-Cookie")) {
    cookie::audit_options one = co;
    std::string_view nm = std::string_view(line).substr(0, std::min(line.find('='), line.find(';')));
    nm = trim_ows(nm);
    for (const auto& [name, role] : o.cookie_roles)
      if (name == nm) one.role = role;
    if (!selected(o.only, "cookie:" + std::string(nm))) continue;
    auto c = cookie::audit_cookie(line, one);
    c.resolution = "each Set-Cookie line is its own cookie, never comma-joined (RFC 6265bis 3); within a line the "
                   "last of each attribute wins (RFC 6265bis 5.6)";
    rep.cookies.push_back(std::move(c));
  }
  for (const auto* list : {&rep.headers, &rep.cookies})
    for (const auto& s : *list) rep.overall = worst(rep.overall, s.result);
  return rep;
}

std::vector<verdict> audit_response(const header_list& headers, const response_options& o) {
  audit_input in;
  in.form = "headers";
  in.headers = headers;
  return audit(in, o).findings();
}

}  // namespace websec::headers
