#include "websec/content_type.hpp"

#include "text_util.hpp"
#include "websec/charset.hpp"
#include "websec/form_profile.hpp"

namespace websec::content_type {
namespace {
using u32 = std::u32string;
using u32v = std::u32string_view;
using detail::py_isspace;

void dict_set(std::vector<parameter>& params, std::string key, std::optional<std::string> value) {
  for (auto& p : params)
    if (p.key == key) { p.value = std::move(value); return; }
  params.push_back({std::move(key), std::move(value)});
}
std::optional<std::string>* dict_find(std::vector<parameter>& params, const std::string& key) {
  for (auto& p : params)
    if (p.key == key) return &p.value;
  return nullptr;
}

u32 lower(u32v s) {
  u32 o(s);
  for (auto& c : o) c = detail::py_lower(c);
  return o;
}

int hexval(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

// urllib.parse.unquote_to_bytes(str): UTF-8 encode, then %XX -> byte.
std::string unquote_to_bytes(u32v s) {
  std::string b = detail::to_utf8(s), out;
  out.reserve(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i] == '%' && i + 2 < b.size() + 0 && i + 2 <= b.size() - 1 + 0) {
      int h = hexval(static_cast<unsigned char>(b[i + 1])), l = hexval(static_cast<unsigned char>(b[i + 2]));
      if (h >= 0 && l >= 0) { out.push_back(static_cast<char>(h * 16 + l)); i += 2; continue; }
    }
    out.push_back(b[i]);
  }
  return out;
}

// ---------------------------------------------------------------- debian (werkzeug 2.2.2)
// unquote_header_value(value, is_filename)
u32 unquote_header_value_debian(u32v v, bool is_filename) {
  if (!v.empty() && v.front() == U'"' && v.back() == U'"') {
    u32v inner = v.size() >= 2 ? v.substr(1, v.size() - 2) : u32v();
    if (!is_filename || inner.substr(0, 2) != U"\\\\") {
      u32 a;  // replace("\\\\", "\\") then replace('\\"', '"')
      for (std::size_t i = 0; i < inner.size(); ++i) {
        if (inner[i] == U'\\' && i + 1 < inner.size() && inner[i + 1] == U'\\') { a.push_back(U'\\'); ++i; }
        else a.push_back(inner[i]);
      }
      u32 b;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == U'\\' && i + 1 < a.size() && a[i + 1] == U'"') { b.push_back(U'"'); ++i; }
        else b.push_back(a[i]);
      }
      return b;
    }
    return u32(inner);
  }
  return u32(v);
}

// "[^"\\]*(?:\\.[^"\\]*)*" at s[p]; returns end (one past the closing quote) or npos.
std::size_t match_quoted(u32v s, std::size_t p) {
  if (p >= s.size() || s[p] != U'"') return u32v::npos;
  std::size_t q = p + 1;
  while (q < s.size()) {
    if (s[q] == U'"') return q + 1;
    if (s[q] == U'\\') {
      if (q + 1 >= s.size() || s[q + 1] == U'\n') return u32v::npos;
      q += 2;
      continue;
    }
    ++q;
  }
  return u32v::npos;
}

std::size_t skip_space(u32v s, std::size_t p) {
  while (p < s.size() && py_isspace(s[p])) ++p;
  return p;
}

// One `;key[*N][*]=value` piece of werkzeug 2.2's _option_header_piece_re, as matched at the start of the rest.
struct debian_piece {
  std::size_t kstart = 0;  // where the key starts
  std::size_t end = 0;     // where the match ends (trailing space included)
  u32v key;
  bool has_count = false;  // `*N`: a continuation
  std::optional<u32> encoding;
  std::optional<u32v> value;
};

// key: "[^"\\]*(?:\\.[^"\\]*)*" | [^\s;,=*]+ at s[p]: its end, or npos when there is none.
std::size_t debian_key_end(u32v s, std::size_t p) {
  std::size_t kend = match_quoted(s, p);
  if (kend != u32v::npos) return kend;
  kend = p;
  while (kend < s.size() && !py_isspace(s[kend]) && s[kend] != U';' && s[kend] != U',' && s[kend] != U'=' &&
         s[kend] != U'*')
    ++kend;
  return kend == p ? u32v::npos : kend;
}

// (?:(?P<encoding>[^\s]+?)'(?P<language>[^\s]*?)')? at s[p]: the encoding, with p moved past the language.
std::optional<u32> debian_encoding(u32v s, std::size_t& p) {
  for (std::size_t e = p + 1; e < s.size(); ++e) {
    if (py_isspace(s[e - 1])) break;
    if (s[e] != U'\'') continue;
    for (std::size_t l = e + 1; l < s.size(); ++l) {
      if (s[l] == U'\'') {
        u32 encoding(s.substr(p, e - p));
        p = l + 1;
        return encoding;
      }
      if (py_isspace(s[l])) break;
    }
  }
  return std::nullopt;
}

// (?:\*\s*=\s*<encoding>?|=\s*)(?P<value>quoted|[^;,]+)?\s* at s[p]: the encoding and value, p moved past them.
void debian_value(u32v s, std::size_t& p, debian_piece& pc) {
  bool have_eq = false;
  const std::size_t q = p;
  if (q < s.size() && s[q] == U'*') {
    std::size_t r = skip_space(s, q + 1);
    if (r < s.size() && s[r] == U'=') {
      have_eq = true;
      p = skip_space(s, r + 1);
      pc.encoding = debian_encoding(s, p);
    }
  } else if (q < s.size() && s[q] == U'=') {
    have_eq = true;
    p = skip_space(s, q + 1);
  }
  if (have_eq) {
    std::size_t vend = match_quoted(s, p);
    if (vend == u32v::npos) {
      vend = p;
      while (vend < s.size() && s[vend] != U';' && s[vend] != U',') ++vend;
    }
    if (vend > p) {
      pc.value = s.substr(p, vend - p);
      p = vend;
    }
  }
  p = skip_space(s, p);
}

// The piece at the start of `rest`; nullopt where werkzeug's loop stops.
std::optional<debian_piece> match_debian_piece(u32v rest) {
  if (rest[0] != U';') return std::nullopt;
  std::size_t p = skip_space(rest, 1);
  if (p < rest.size() && rest[p] == U',') ++p;
  p = skip_space(rest, p);
  debian_piece pc;
  pc.kstart = p;
  const std::size_t kend = debian_key_end(rest, p);
  if (kend == u32v::npos) return std::nullopt;
  pc.key = rest.substr(p, kend - p);
  p = kend;
  // (?:\*(?P<count>\d+))?
  if (p < rest.size() && rest[p] == U'*' && p + 1 < rest.size() && detail::py_isdecimal(rest[p + 1])) {
    p += 1;
    while (p < rest.size() && detail::py_isdecimal(rest[p])) ++p;
    pc.has_count = true;
  }
  p = skip_space(rest, p);
  debian_value(rest, p, pc);
  pc.end = p;
  return pc;
}

// The option's value: unquoted, then, with an encoding (RFC 2231), percent-decoded and decoded from it. `offset`:
// where the parameter starts in the caller's string.
result<std::optional<std::string>> debian_option_value(const debian_piece& pc, const std::optional<u32>& encoding,
                                                       const std::string& option, std::size_t offset) {
  if (!pc.value) return std::optional<std::string>();
  u32 uv = unquote_header_value_debian(*pc.value, option == "filename");
  if (!encoding) return std::optional<std::string>(detail::to_utf8(uv));
  std::string bytes = unquote_to_bytes(uv);
  auto d = charset::decode(bytes, detail::to_utf8(*encoding), charset::errors::strict);
  if (d.st == charset::status::ok) return std::optional<std::string>(std::move(d.text));
  error e;
  e.offset = offset;
  if (d.st == charset::status::decode_error) { e.kind = errc::parameter_charset_decode; e.http_status = 200; }
  else if (d.st == charset::status::lookup_error) { e.kind = errc::unknown_charset; e.http_status = 500; }
  else { e.kind = errc::unsupported_charset; e.http_status = 500; }
  e.message = "parameter " + quote_input(option) + ": " + d.message;
  return e;
}

result<options_header> parse_debian(u32v input) {
  options_header out;
  if (input.empty()) return out;
  u32 v = U",";
  for (char32_t c : input) v.push_back(c == U'\n' ? U',' : c);
  // _option_header_start_mime_type: ,\s*([^;,\s]+)([;,]\s*.+)?
  std::size_t i = skip_space(v, 1), start = i;
  while (i < v.size() && v[i] != U';' && v[i] != U',' && !py_isspace(v[i])) ++i;
  if (i == start) return out;
  out.value = detail::to_utf8(u32v(v).substr(start, i - start));
  if (!(i < v.size() && (v[i] == U';' || v[i] == U',') && v.size() - i >= 2)) return out;
  u32v rest = u32v(v).substr(i);
  std::optional<u32> continued_encoding;
  std::size_t base = i - 1;  // offset into the caller's string
  while (!rest.empty()) {
    auto pc = match_debian_piece(rest);
    if (!pc) break;
    std::optional<u32> encoding = pc->encoding;
    if (!pc->has_count) {
      continued_encoding.reset();
    } else {
      if (!encoding) encoding = continued_encoding;
      continued_encoding = encoding;
    }
    std::string option = detail::to_utf8(lower(unquote_header_value_debian(pc->key, false)));
    auto option_value = debian_option_value(*pc, encoding, option, base + pc->kstart);
    if (!option_value) return option_value.err();
    if (!pc->has_count) {
      dict_set(out.params, option, std::move(*option_value));
    } else if (*option_value) {
      auto* cur = dict_find(out.params, option);
      if (cur && !*cur) {  // options.get(option, "") + option_value with a None value: TypeError
        error e;
        e.offset = base + pc->kstart;
        e.kind = errc::continuation_of_none;
        e.http_status = 500;
        e.message = "parameter " + quote_input(option) + ": unsupported operand type(s) for +: 'NoneType' and 'str'";
        return e;
      }
      std::string prev = cur ? **cur : std::string();
      dict_set(out.params, option, prev + **option_value);
    }
    base += pc->end;
    rest = rest.substr(pc->end);
  }
  return out;
}

// ---------------------------------------------------------------- upstream (werkzeug 3.1.8)
bool token_char(char32_t c) {
  if (c >= 0x80) return false;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '`': case '|': case '~': return true;
    default: return false;
  }
}
bool charset_char(char32_t c) { return token_char(c) && c != '\''; }

// urllib.parse.unquote(s, encoding, errors="replace"): ASCII runs are percent-decoded then decoded.
u32 unquote_py(u32v s, const std::string& encoding) {
  if (s.find(U'%') == u32v::npos) return u32(s);
  u32 out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] >= 0x80) { out.push_back(s[i]); ++i; continue; }
    std::size_t j = i;
    while (j < s.size() && s[j] < 0x80) ++j;
    std::string bytes = unquote_to_bytes(s.substr(i, j - i));
    auto d = charset::decode(bytes, encoding, charset::errors::replace);
    out += detail::from_utf8(d.text);
    i = j;
  }
  return out;
}

bool ends_with_star_digits(u32v k, std::size_t* cut) {
  // _continuation_re = \*(\d+)$ (ASCII)
  std::size_t j = k.size();
  while (j > 0 && k[j - 1] >= '0' && k[j - 1] <= '9') --j;
  if (j == k.size() || j == 0 || k[j - 1] != U'*') return false;
  *cut = j - 1;
  return true;
}

// The closing quote of the quoted string at the start of `rest` (a backslash escapes `\` and `"`), or npos.
std::size_t upstream_quote_end(u32v rest) {
  std::size_t pos = 1;
  while (pos < rest.size()) {
    if (rest[pos] == U'\\' && pos + 1 < rest.size() && (rest[pos + 1] == U'\\' || rest[pos + 1] == U'"')) {
      pos += 2;
    } else if (rest[pos] == U'"') {
      return pos;
    } else {
      ++pos;
    }
  }
  return u32v::npos;
}

// The `key=value` parts of what follows the first `;`: keys lowered, values (a token or a quoted string) as written.
// A part that does not match is skipped up to the next `;`.
std::vector<std::pair<u32, u32>> upstream_parts(u32v rest) {
  std::vector<std::pair<u32, u32>> parts;
  while (true) {
    std::size_t k = 0;
    while (k < rest.size() && token_char(rest[k])) ++k;
    if (k > 0 && k < rest.size() && rest[k] == U'=') {
      u32 pk = lower(rest.substr(0, k));
      rest = rest.substr(k + 1);
      std::size_t t = 0;
      while (t < rest.size() && token_char(rest[t])) ++t;
      if (t > 0) {
        parts.emplace_back(pk, u32(rest.substr(0, t)));
      } else if (!rest.empty() && rest[0] == U'"') {
        const std::size_t pos = upstream_quote_end(rest);
        if (pos != u32v::npos) {
          parts.emplace_back(pk, u32(rest.substr(0, pos + 1)));
          rest = rest.substr(pos + 1);
        }
      }
    }
    std::size_t end = rest.find(U';');
    if (end == u32v::npos) break;
    rest = detail::py_lstrip(rest.substr(end + 1));
  }
  return parts;
}

// The encoding of the last `key*=` value, and the one continuations inherit; both persist across parts, as in the
// Python loop.
struct upstream_encoding {
  std::string encoding;
  bool have_encoding = false;
  std::string continued;
  bool have_continued = false;
};

// _charset_value_re: ([charset]*)'[charset]*'([token]+) (a prefix match). On a match, the encoding (lowered) goes
// to st and pv becomes the value.
void match_charset_value(u32& pv, upstream_encoding& st) {
  std::size_t a = 0;
  while (a < pv.size() && charset_char(pv[a])) ++a;
  if (!(a < pv.size() && pv[a] == U'\'')) return;
  std::size_t b = a + 1;
  while (b < pv.size() && charset_char(pv[b])) ++b;
  if (!(b < pv.size() && pv[b] == U'\'')) return;
  std::size_t c = b + 1, d = c;
  while (d < pv.size() && token_char(pv[d])) ++d;
  if (d == c) return;
  st.encoding = detail::to_utf8(lower(u32v(pv).substr(0, a)));
  st.have_encoding = true;
  pv = pv.substr(c, d - c);
}

// The value of a `key*` part (RFC 2231): its own or the continued encoding, then percent-decoded when the encoding
// is one werkzeug accepts.
void decode_extended_value(u32& pv, upstream_encoding& st) {
  match_charset_value(pv, st);
  if (!st.have_encoding || st.encoding.empty()) {
    st.encoding = st.continued;
    st.have_encoding = st.have_continued;
  }
  const std::string& e = st.encoding;
  if (st.have_encoding && (e == "ascii" || e == "us-ascii" || e == "utf-8" || e == "iso-8859-1")) {
    st.continued = st.encoding;
    st.have_continued = true;
    pv = unquote_py(pv, st.encoding);
  }
}

// A quoted value without its quotes: `\\` becomes `\`, then `\"` becomes `"`, then `%22` becomes `"`.
u32 unquote_upstream(const u32& pv) {
  u32v inner = pv.size() >= 2 ? u32v(pv).substr(1, pv.size() - 2) : u32v();
  u32 a, b, c;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == U'\\' && i + 1 < inner.size() && inner[i + 1] == U'\\') { a.push_back(U'\\'); ++i; }
    else a.push_back(inner[i]);
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == U'\\' && i + 1 < a.size() && a[i + 1] == U'"') { b.push_back(U'"'); ++i; }
    else b.push_back(a[i]);
  }
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i] == U'%' && i + 2 < b.size() && b[i + 1] == U'2' && b[i + 2] == U'2') { c.push_back(U'"'); i += 2; }
    else c.push_back(b[i]);
  }
  return c;
}

// Sets the parameter; a `key*N` continuation is appended to what the key has.
void add_upstream_param(std::vector<parameter>& params, const u32& pk, const u32& pv) {
  std::size_t cut;
  if (ends_with_star_digits(pk, &cut)) {
    std::string key = detail::to_utf8(u32v(pk).substr(0, cut));
    auto* cur = dict_find(params, key);
    std::string prev = (cur && *cur) ? **cur : std::string();
    dict_set(params, key, prev + detail::to_utf8(pv));
  } else {
    dict_set(params, detail::to_utf8(pk), detail::to_utf8(pv));
  }
}

options_header parse_upstream(u32v input) {
  options_header out;
  std::size_t semi = input.find(U';');
  u32v value = detail::py_strip(input.substr(0, semi));
  u32v rest = semi == u32v::npos ? u32v() : detail::py_strip(input.substr(semi + 1));
  out.value = detail::to_utf8(value);
  if (value.empty() || rest.empty()) return out;
  upstream_encoding st;
  for (auto& [pk_in, pv_in] : upstream_parts(rest)) {
    u32 pk = pk_in, pv = pv_in;
    if (!pk.empty() && pk.back() == U'*') {
      pk.pop_back();
      decode_extended_value(pv, st);
    }
    if (!pv.empty() && pv.front() == U'"' && pv.back() == U'"') pv = unquote_upstream(pv);
    add_upstream_param(out.params, pk, pv);
  }
  return out;
}
}  // namespace

const parameter* options_header::find(std::string_view key) const {
  for (auto& p : params)
    if (p.key == key) return &p;
  return nullptr;
}
std::string options_header::get(std::string_view key) const {
  const parameter* p = find(key);
  return (p && p->value) ? *p->value : std::string();
}
std::string options_header::mimetype() const {
  return detail::to_utf8(lower(detail::from_utf8(value)));
}

result<options_header> parse_options_header(std::string_view utf8_value, profile p) {
  u32 u = detail::from_utf8(utf8_value);
  if (form_rules_for(p).options_header_regex) return parse_debian(u);
  return parse_upstream(u);
}

std::string latin1_to_utf8(std::string_view bytes) { return detail::latin1_to_utf8(bytes); }

}  // namespace websec::content_type
