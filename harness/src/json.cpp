// Python-compatible JSON (see websec/json.hpp). Mirrors CPython 3.11 Modules/_json.c (scanner and encoder)
// and Objects/floatobject.c (repr).
#include "websec/json.hpp"

#include "json_detail.hpp"

#include "civil_date.hpp"
#include "text_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace websec::json {

namespace {
using websec::detail::decode_utf8_at;
using websec::detail::utf8_errors;
}  // namespace

// ---------------------------------------------------------------------------------------------- value

value value::boolean(bool b) {
  value v;
  v.kind_ = json::kind::boolean;
  v.b_ = b;
  return v;
}
value value::integer(std::int64_t i) {
  value v;
  v.kind_ = json::kind::integer;
  v.i_ = i;
  return v;
}
value value::integer_text(std::string_view t) {
  if (!t.empty() && t.size() <= 18) {  // fast path: fits in int64 without overflow checks
    size_t i = t[0] == '-' ? 1 : 0;
    bool digits = i < t.size();
    std::int64_t x = 0;
    for (size_t k = i; k < t.size() && digits; ++k) {
      if (t[k] < '0' || t[k] > '9') digits = false;
      else x = x * 10 + (t[k] - '0');
    }
    if (digits) return integer(i ? -x : x);
  }
  bool neg = false;
  if (!t.empty() && t[0] == '-') {
    neg = true;
    t.remove_prefix(1);
  }
  if (t.empty()) return value();
  for (char c : t)
    if (c < '0' || c > '9') return value();
  while (t.size() > 1 && t[0] == '0') t.remove_prefix(1);
  value v;
  v.kind_ = json::kind::integer;
  if (t == "0") return v;  // 0 (and -0)
  // fits in int64?
  std::int64_t x = 0;
  std::string full = neg ? "-" + std::string(t) : std::string(t);
  auto r = std::from_chars(full.data(), full.data() + full.size(), x);
  if (r.ec == std::errc() && r.ptr == full.data() + full.size()) {
    v.i_ = x;
    return v;
  }
  v.big_ = std::move(full);
  return v;
}
value value::floating(double d) {
  value v;
  v.kind_ = json::kind::floating;
  v.d_ = d;
  return v;
}
value value::string(std::string s) {
  value v;
  v.kind_ = json::kind::string;
  v.s_ = std::move(s);
  return v;
}
value value::list(std::vector<value> items) {
  value v;
  v.kind_ = json::kind::list;
  v.items_ = std::move(items);
  return v;
}
value value::tuple(std::vector<value> items) {
  value v;
  v.kind_ = json::kind::tuple;
  v.items_ = std::move(items);
  return v;
}
value value::dict(std::vector<member> members) {
  value v;
  v.kind_ = json::kind::dict;
  v.members_ = std::move(members);
  return v;
}
value value::bytes(std::string raw) {
  value v;
  v.kind_ = json::kind::bytes;
  v.s_ = std::move(raw);
  return v;
}
value value::markup(std::string text) {
  value v;
  v.kind_ = json::kind::markup;
  v.s_ = std::move(text);
  return v;
}
value value::uuid(std::string raw16) {
  value v;
  v.kind_ = json::kind::uuid;
  raw16.resize(16, '\0');
  v.s_ = std::move(raw16);
  return v;
}
value value::datetime(datetime_value dt) {
  value v;
  v.kind_ = json::kind::datetime;
  v.dt_ = dt;
  return v;
}

std::string value::int_text() const { return big_.empty() ? std::to_string(i_) : big_; }

const value* value::find(std::string_view key) const {
  if (kind_ != json::kind::dict) return nullptr;
  for (const auto& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

void value::set(std::string key, value v) {
  for (auto& m : members_)
    if (m.first == key) {
      m.second = std::move(v);
      return;
    }
  members_.emplace_back(std::move(key), std::move(v));
}

bool value::operator==(const value& o) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case json::kind::null: return true;
    case json::kind::boolean: return b_ == o.b_;
    case json::kind::integer: return i_ == o.i_ && big_ == o.big_;
    case json::kind::floating: return std::memcmp(&d_, &o.d_, sizeof d_) == 0;
    case json::kind::string:
    case json::kind::bytes:
    case json::kind::markup:
    case json::kind::uuid: return s_ == o.s_;
    case json::kind::list:
    case json::kind::tuple: return items_ == o.items_;
    case json::kind::dict: return members_ == o.members_;
    case json::kind::datetime: return dt_ == o.dt_;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------- UTF-8

void append_utf8(std::string& out, std::uint32_t cp) {
  websec::detail::append_utf8(out, cp, utf8_errors::allow_surrogates);
}

bool valid_utf8(std::string_view s) { return websec::detail::utf8_first_error(s) == std::string_view::npos; }

// ---------------------------------------------------------------------------------------------- float repr

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  bool neg = false;
  if (sci[0] == '-') {
    neg = true;
    sci.remove_prefix(1);
  }
  size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits.push_back(c);
  int exp10 = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  // value = 0.d1d2... * 10^decpt
  int decpt = exp10 + 1;
  std::string out = neg ? "-" : "";
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    int e = decpt - 1;
    out.push_back('e');
    out.push_back(e < 0 ? '-' : '+');
    int ae = e < 0 ? -e : e;
    if (ae < 10) out.push_back('0');
    out += std::to_string(ae);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(decpt) - digits.size(), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<size_t>(decpt));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(decpt));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- dumps

namespace {
const char kHex[] = "0123456789abcdef";

inline void u_escape(std::string& out, std::uint32_t u) {
  out += "\\u";
  out.push_back(kHex[(u >> 12) & 15]);
  out.push_back(kHex[(u >> 8) & 15]);
  out.push_back(kHex[(u >> 4) & 15]);
  out.push_back(kHex[u & 15]);
}

}  // namespace

namespace detail {
bool encode_string(std::string& out, std::string_view s, bool ensure_ascii, bool surrogateescape) {
  out.push_back('"');
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      // run of plain ASCII
      size_t j = i + 1;
      while (j < n) {
        unsigned char d = static_cast<unsigned char>(s[j]);
        if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\') break;
        ++j;
      }
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      u_escape(out, c);
      ++i;
      continue;
    }
    if (c == 0x7f) {
      if (ensure_ascii) u_escape(out, c); else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const auto d = decode_utf8_at(s, i, ensure_ascii && !surrogateescape ? utf8_errors::allow_surrogates : utf8_errors::strict);
    const std::uint32_t cp = d.cp;
    const size_t l = d.len;
    if (!d.valid) {
      if (!surrogateescape) return false;
      // a byte outside any valid sequence: the code point U+DC80+byte of Python's surrogateescape
      if (ensure_ascii) u_escape(out, 0xDC00u | c); else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (ensure_ascii) {
      if (cp >= 0x10000) {
        std::uint32_t v = cp - 0x10000;
        u_escape(out, 0xD800 | (v >> 10));
        u_escape(out, 0xDC00 | (v & 0x3FF));
      } else {
        u_escape(out, cp);
      }
    } else {
      out.append(s.data() + i, l);
    }
    i += l;
  }
  out.push_back('"');
  return true;
}

}  // namespace detail
using detail::encode_string;

namespace {
struct encoder {
  const dump_options& o;
  std::string out;
  error err;
  bool failed = false;

  bool fail(std::string kind, std::string msg) {
    if (!failed) err = error{std::move(kind), 0, std::move(msg), 500};
    failed = true;
    return false;
  }

  // indent: a newline and the indentation of `level` (nothing without an indent)
  void newline(size_t level) {
    if (o.indent < 0) return;
    out.push_back('\n');
    out.append(level * static_cast<size_t>(o.indent), ' ');
  }

  bool enc(const value& v, size_t depth) {
    if (depth > o.max_depth) return fail("max_depth", "maximum recursion depth exceeded while encoding a JSON object");
    switch (v.kind()) {
      case kind::null: out += "null"; return true;
      case kind::boolean: out += v.as_bool() ? "true" : "false"; return true;
      case kind::integer: out += v.int_text(); return true;
      case kind::floating: {
        double d = v.as_double();
        if (std::isnan(d) || std::isinf(d)) {
          if (!o.allow_nan)
            return fail("nan_not_allowed", "Out of range float values are not JSON compliant");
          out += std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
          return true;
        }
        out += float_repr(d);
        return true;
      }
      case kind::string:
      case kind::markup:  // Markup is a str subclass
        if (!encode_string(out, v.str(), o.ensure_ascii, o.surrogateescape))
          return fail("invalid_utf8", "string is not valid UTF-8");
        return true;
      case kind::list:
      case kind::tuple: {
        if (o.indent >= 0 && v.items().empty()) {
          out += "[]";
          return true;
        }
        out.push_back('[');
        newline(depth + 1);
        bool first = true;
        for (const auto& it : v.items()) {
          if (!first) {
            out.append(o.item_separator);
            newline(depth + 1);
          }
          first = false;
          if (!enc(it, depth + 1)) return false;
        }
        newline(depth);
        out.push_back(']');
        return true;
      }
      case kind::dict: {
        const auto& ms = v.members();
        if (o.indent >= 0 && ms.empty()) {
          out += "{}";
          return true;
        }
        out.push_back('{');
        std::vector<const value::member*> order;
        order.reserve(ms.size());
        for (const auto& m : ms) order.push_back(&m);
        if (o.sort_keys && o.surrogateescape) {
          // code point order differs from byte order once invalid bytes stand for U+DC80..U+DCFF
          std::vector<std::pair<std::u32string, const value::member*>> keyed;
          keyed.reserve(order.size());
          for (const auto* m : order) keyed.emplace_back(websec::detail::from_utf8(m->first), m);  // surrogateescape, as sort_keys sees it
          std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
          for (size_t k = 0; k < keyed.size(); ++k) order[k] = keyed[k].second;
        } else if (o.sort_keys) {
          std::stable_sort(order.begin(), order.end(),
                           [](const value::member* a, const value::member* b) { return a->first < b->first; });
        }
        newline(depth + 1);
        bool first = true;
        for (const auto* m : order) {
          if (!first) {
            out.append(o.item_separator);
            newline(depth + 1);
          }
          first = false;
          if (!encode_string(out, m->first, o.ensure_ascii, o.surrogateescape))
            return fail("invalid_utf8", "key is not valid UTF-8");
          out.append(o.key_separator);
          if (!enc(m->second, depth + 1)) return false;
        }
        newline(depth);
        out.push_back('}');
        return true;
      }
      case kind::bytes: return fail("not_serializable", "Object of type bytes is not JSON serializable");
      case kind::uuid: return fail("not_serializable", "Object of type UUID is not JSON serializable");
      case kind::datetime: return fail("not_serializable", "Object of type datetime is not JSON serializable");
    }
    return fail("not_serializable", "unknown value");
  }
};
}  // namespace

result<std::string> dumps(const value& v, const dump_options& opt) {
  encoder e{opt, {}, {}, false};
  if (!e.enc(v, 0)) return e.err;
  return std::move(e.out);
}

// ---------------------------------------------------------------------------------------------- loads

namespace {
struct parser {
  std::string_view s;
  const load_limits& lim;
  error err;
  bool failed = false;

  static bool ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  // Python positions are in characters; lines/columns as json.JSONDecodeError computes them.
  void fail_at(std::string_view msg, size_t byte_pos, std::string kind = "json_decode") {
    if (failed) return;
    failed = true;
    size_t chars = 0, line = 1, last_nl_char = 0;
    bool seen_nl = false;
    for (size_t i = 0; i < byte_pos && i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if ((c & 0xC0) == 0x80) continue;
      if (c == '\n') {
        ++line;
        last_nl_char = chars;
        seen_nl = true;
      }
      ++chars;
    }
    size_t col = seen_nl ? chars - last_nl_char : chars + 1;
    err = error{std::move(kind), byte_pos,
                std::string(msg) + ": line " + std::to_string(line) + " column " + std::to_string(col) + " (char " +
                    std::to_string(chars) + ")",
                500};
  }
  void fail_plain(std::string kind, std::string msg, size_t pos) {
    if (failed) return;
    failed = true;
    err = error{std::move(kind), pos, std::move(msg), 500};
  }

  size_t skip_ws(size_t i) const {
    while (i < s.size() && ws(s[i])) ++i;
    return i;
  }

  static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // scanstring_unicode; `end` = index after the opening quote. Returns false on error.
  bool scan_string(size_t end, std::string& out, size_t& next_out) {
    const size_t begin = end - 1;
    const size_t len = s.size();
    out.clear();
    while (true) {
      size_t next = end;
      char c = 0;
      for (; next < len; ++next) {
        // 8 bytes at a time while none is '"', '\\' or a control character (the test may report a block that
        // has none, never miss one: such a block is then scanned byte by byte)
        while (next + 8 <= len) {
          std::uint64_t w;
          std::memcpy(&w, s.data() + next, 8);
          constexpr std::uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
          const std::uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
          if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & high) break;
          next += 8;
        }
        if (next >= len) break;
        c = s[next];
        if (c == '"' || c == '\\') break;
        if (static_cast<unsigned char>(c) <= 0x1f) {
          fail_at("Invalid control character at", next);
          return false;
        }
      }
      if (next >= len) {
        fail_at("Unterminated string starting at", begin);
        return false;
      }
      out.append(s.data() + end, next - end);
      if (c == '"') {
        next_out = next + 1;
        return true;
      }
      ++next;  // the backslash
      if (next == len) {
        fail_at("Unterminated string starting at", begin);
        return false;
      }
      c = s[next];
      if (c != 'u') {
        end = next + 1;
        char r = 0;
        switch (c) {
          case '"': r = '"'; break;
          case '\\': r = '\\'; break;
          case '/': r = '/'; break;
          case 'b': r = '\b'; break;
          case 'f': r = '\f'; break;
          case 'n': r = '\n'; break;
          case 'r': r = '\r'; break;
          case 't': r = '\t'; break;
          default: break;
        }
        if (!r) {
          fail_at("Invalid \\escape", end - 2);
          return false;
        }
        out.push_back(r);
      } else {
        std::uint32_t cp = 0;
        ++next;
        end = next + 4;
        if (end >= len) {
          fail_at("Invalid \\uXXXX escape", next - 1);
          return false;
        }
        for (; next < end; ++next) {
          int h = hexval(s[next]);
          if (h < 0) {
            fail_at("Invalid \\uXXXX escape", end - 5);
            return false;
          }
          cp = (cp << 4) | static_cast<std::uint32_t>(h);
        }
        if (cp >= 0xD800 && cp <= 0xDBFF && end + 6 < len && s[next] == '\\' && s[next + 1] == 'u') {
          next += 2;
          std::uint32_t c2 = 0;
          end += 6;
          for (; next < end; ++next) {
            int h = hexval(s[next]);
            if (h < 0) {
              fail_at("Invalid \\uXXXX escape", end - 5);
              return false;
            }
            c2 = (c2 << 4) | static_cast<std::uint32_t>(h);
          }
          if (c2 >= 0xDC00 && c2 <= 0xDFFF)
            cp = 0x10000 + (((cp - 0xD800) << 10) | (c2 - 0xDC00));
          else
            end -= 6;
        }
        append_utf8(out, cp);
      }
    }
  }

  bool match(size_t i, std::string_view lit) const { return s.size() - i >= lit.size() && s.substr(i, lit.size()) == lit; }

  // Returns false with failed=false for Python's StopIteration (→ "Expecting value" at `stop_at`).
  bool scan_once(size_t idx, value& out, size_t& next, size_t depth, size_t& stop_at) {
    if (idx >= s.size()) {
      stop_at = idx;
      return false;
    }
    switch (s[idx]) {
      case '"': {
        std::string str;
        if (!scan_string(idx + 1, str, next)) return false;
        out = value::string(std::move(str));
        return true;
      }
      case '{': return parse_object(idx + 1, out, next, depth + 1, stop_at);
      case '[': return parse_array(idx + 1, out, next, depth + 1, stop_at);
      case 'n':
        if (match(idx, "null")) {
          out = value();
          next = idx + 4;
          return true;
        }
        break;
      case 't':
        if (match(idx, "true")) {
          out = value::boolean(true);
          next = idx + 4;
          return true;
        }
        break;
      case 'f':
        if (match(idx, "false")) {
          out = value::boolean(false);
          next = idx + 5;
          return true;
        }
        break;
      case 'N':
        if (match(idx, "NaN")) {
          out = value::floating(std::nan(""));
          next = idx + 3;
          return true;
        }
        break;
      case 'I':
        if (match(idx, "Infinity")) {
          out = value::floating(HUGE_VAL);
          next = idx + 8;
          return true;
        }
        break;
      case '-':
        if (match(idx, "-Infinity")) {
          out = value::floating(-HUGE_VAL);
          next = idx + 9;
          return true;
        }
        break;
      default: break;
    }
    return match_number(idx, out, next, stop_at);
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool match_number(size_t start, value& out, size_t& next, size_t& stop_at) {
    const size_t len = s.size();
    size_t idx = start;
    if (s[idx] == '-') {
      ++idx;
      if (idx >= len) {
        stop_at = start;
        return false;
      }
    }
    if (s[idx] >= '1' && s[idx] <= '9') {
      ++idx;
      while (idx < len && digit(s[idx])) ++idx;
    } else if (s[idx] == '0') {
      ++idx;
    } else {
      stop_at = start;
      return false;
    }
    bool is_float = false;
    if (idx + 1 < len && s[idx] == '.' && digit(s[idx + 1])) {
      is_float = true;
      idx += 2;
      while (idx < len && digit(s[idx])) ++idx;
    }
    if (idx + 1 < len && (s[idx] == 'e' || s[idx] == 'E')) {
      size_t e_start = idx;
      ++idx;
      if (idx + 1 < len && (s[idx] == '-' || s[idx] == '+')) ++idx;
      while (idx < len && digit(s[idx])) ++idx;
      if (digit(s[idx - 1]))
        is_float = true;
      else
        idx = e_start;
    }
    std::string_view num = s.substr(start, idx - start);
    next = idx;
    if (is_float) {
      double d = 0;
#if defined(__cpp_lib_to_chars)
      auto r = std::from_chars(num.data(), num.data() + num.size(), d);
      if (r.ec == std::errc::result_out_of_range) {
        std::string tmp(num);
        d = std::strtod(tmp.c_str(), nullptr);
      }
#else
      // libc++ before LLVM 20 has no floating-point from_chars (OSS-Fuzz builds with libc++): strtod, correctly
      // rounded as well; the number's grammar was checked above and the library never changes LC_NUMERIC.
      std::string tmp(num);
      d = std::strtod(tmp.c_str(), nullptr);
#endif
      out = value::floating(d);
      return true;
    }
    size_t ndigits = num.size() - (num[0] == '-' ? 1 : 0);
    if (ndigits > lim.max_int_digits) {
      fail_plain("ValueError",
                 "Exceeds the limit (" + std::to_string(lim.max_int_digits) +
                     " digits) for integer string conversion: value has " + std::to_string(ndigits) +
                     " digits; use sys.set_int_max_str_digits() to increase the limit",
                 start);
      return false;
    }
    out = value::integer_text(num);
    return true;
  }

  bool depth_check(size_t depth, size_t at) {
    if (depth > lim.max_depth) {
      fail_plain("max_depth", "maximum recursion depth exceeded while decoding a JSON document (limit " +
                                  std::to_string(lim.max_depth) + ")",
                 at);
      return false;
    }
    return true;
  }

  bool parse_object(size_t idx, value& out, size_t& next_out, size_t depth, size_t& stop_at) {
    if (!depth_check(depth, idx)) return false;
    std::vector<value::member> members;
    std::unordered_map<std::string, size_t> index;  // only for large objects
    const size_t len = s.size();
    idx = skip_ws(idx);
    if (idx >= len || s[idx] != '}') {
      while (true) {
        if (idx >= len || s[idx] != '"') {
          fail_at("Expecting property name enclosed in double quotes", idx);
          return false;
        }
        std::string key;
        size_t nx;
        if (!scan_string(idx + 1, key, nx)) return false;
        idx = skip_ws(nx);
        if (idx >= len || s[idx] != ':') {
          fail_at("Expecting ':' delimiter", idx);
          return false;
        }
        idx = skip_ws(idx + 1);
        value val;
        if (!scan_once(idx, val, nx, depth, stop_at)) return false;
        // dict(pairs): a repeated key keeps its first position and takes the last value
        bool replaced = false;
        if (members.size() < 16) {
          for (auto& m : members)
            if (m.first == key) {
              m.second = std::move(val);
              replaced = true;
              break;
            }
          if (!replaced && members.size() == 15)
            for (size_t k = 0; k < members.size(); ++k) index.emplace(members[k].first, k);
        } else {
          auto it = index.find(key);
          if (it != index.end()) {
            members[it->second].second = std::move(val);
            replaced = true;
          }
        }
        if (!replaced) {
          if (members.size() >= 15) index.emplace(key, members.size());
          members.emplace_back(std::move(key), std::move(val));
        }
        idx = skip_ws(nx);
        if (idx < len && s[idx] == '}') break;
        if (idx >= len || s[idx] != ',') {
          fail_at("Expecting ',' delimiter", idx);
          return false;
        }
        idx = skip_ws(idx + 1);
      }
    }
    next_out = idx + 1;
    out = value::dict(std::move(members));
    return true;
  }

  bool parse_array(size_t idx, value& out, size_t& next_out, size_t depth, size_t& stop_at) {
    if (!depth_check(depth, idx)) return false;
    std::vector<value> items;
    const size_t len = s.size();
    idx = skip_ws(idx);
    if (idx >= len || s[idx] != ']') {
      while (true) {
        value val;
        size_t nx;
        if (!scan_once(idx, val, nx, depth, stop_at)) return false;
        items.push_back(std::move(val));
        idx = skip_ws(nx);
        if (idx < len && s[idx] == ']') break;
        if (idx >= len || s[idx] != ',') {
          fail_at("Expecting ',' delimiter", idx);
          return false;
        }
        idx = skip_ws(idx + 1);
      }
    }
    next_out = idx + 1;
    out = value::list(std::move(items));
    return true;
  }
};
}  // namespace

result<value> loads(std::string_view text, const load_limits& limits) {
  if (text.size() > limits.max_size)
    return error{"too_large", limits.max_size,
                 "JSON text of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                     std::to_string(limits.max_size) + " bytes",
                 413};
  if (size_t bad = websec::detail::utf8_first_error(text); bad != std::string_view::npos) {
    return error{"invalid_utf8", bad, "'utf-8' codec can't decode byte at position " + std::to_string(bad), 500};
  }
  parser p{text, limits, {}, false};
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    p.fail_at("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    return p.err;
  }
  size_t idx = p.skip_ws(0);
  value v;
  size_t next = 0, stop_at = 0;
  if (!p.scan_once(idx, v, next, 0, stop_at)) {
    if (!p.failed) p.fail_at("Expecting value", stop_at);
    return p.err;
  }
  next = p.skip_ws(next);
  if (next != text.size()) {
    p.fail_at("Extra data", next);
    return p.err;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------- repr

namespace {
void repr_into(std::string& out, const value& v);

// repr() of a str value: values hold generalized UTF-8 (a str with lone surrogates arrives encoded with surrogatepass).
std::string str_repr_of(std::string_view s) { return websec::detail::py_repr(s, utf8_errors::allow_surrogates); }

std::string two(int x) {
  return std::to_string(x);
}

void civil(std::int64_t secs, std::int64_t& y, unsigned& mo, unsigned& d, int& h, int& mi, int& s) {
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  std::int64_t rem = secs - days * 86400;
  h = static_cast<int>(rem / 3600);
  mi = static_cast<int>(rem / 60 % 60);
  s = static_cast<int>(rem % 60);
  websec::detail::civil_from_days(days, y, mo, d);
}

std::string timedelta_repr(std::int64_t seconds) {
  // datetime.timedelta normalises to days (may be negative) and 0 <= seconds < 86400
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t secs = seconds - days * 86400;
  if (days == 0 && secs == 0) return "datetime.timedelta(0)";
  std::string out = "datetime.timedelta(";
  bool first = true;
  if (days) {
    out += "days=" + std::to_string(days);
    first = false;
  }
  if (secs) {
    if (!first) out += ", ";
    out += "seconds=" + std::to_string(secs);
  }
  return out + ")";
}

void repr_into(std::string& out, const value& v) {
  switch (v.kind()) {
    case kind::null: out += "None"; return;
    case kind::boolean: out += v.as_bool() ? "True" : "False"; return;
    case kind::integer: out += v.int_text(); return;
    case kind::floating: out += float_repr(v.as_double()); return;
    case kind::string: out += str_repr_of(v.str()); return;
    case kind::markup: out += "Markup(" + str_repr_of(v.str()) + ")"; return;
    case kind::bytes: out += bytes_repr(v.str()); return;
    case kind::uuid: {
      const auto& r = v.str();
      std::string hex;
      for (size_t i = 0; i < 16; ++i) {
        unsigned char c = static_cast<unsigned char>(r[i]);
        if (i == 4 || i == 6 || i == 8 || i == 10) hex.push_back('-');
        hex.push_back(kHex[c >> 4]);
        hex.push_back(kHex[c & 15]);
      }
      out += "UUID('" + hex + "')";
      return;
    }
    case kind::datetime: {
      const auto& dt = v.dt();
      std::int64_t y;
      unsigned mo, d;
      int h, mi, s;
      civil(dt.local_seconds, y, mo, d, h, mi, s);
      out += "datetime.datetime(" + std::to_string(y) + ", " + std::to_string(mo) + ", " + std::to_string(d) + ", " +
             two(h) + ", " + two(mi);
      if (dt.microsecond) {
        out += ", " + std::to_string(s) + ", " + std::to_string(dt.microsecond);
      } else if (s) {
        out += ", " + std::to_string(s);
      }
      if (dt.tz == datetime_value::zone::utc) out += ", tzinfo=datetime.timezone.utc";
      if (dt.tz == datetime_value::zone::offset)
        out += ", tzinfo=datetime.timezone(" + timedelta_repr(dt.offset_seconds) + ")";
      out += ")";
      return;
    }
    case kind::list:
    case kind::tuple: {
      bool tup = v.kind() == kind::tuple;
      out.push_back(tup ? '(' : '[');
      bool first = true;
      for (const auto& it : v.items()) {
        if (!first) out += ", ";
        first = false;
        repr_into(out, it);
      }
      if (tup && v.items().size() == 1) out.push_back(',');
      out.push_back(tup ? ')' : ']');
      return;
    }
    case kind::dict: {
      out.push_back('{');
      bool first = true;
      for (const auto& m : v.members()) {
        if (!first) out += ", ";
        first = false;
        out += str_repr_of(m.first);
        out += ": ";
        repr_into(out, m.second);
      }
      out.push_back('}');
      return;
    }
  }
}
}  // namespace

std::string bytes_repr(std::string_view b) {
  const char quote = websec::detail::py_repr_quote(b);
  std::string out = "b";
  out.push_back(quote);
  for (unsigned char c : b) {
    if (websec::detail::py_repr_escape(out, c, quote)) {
      // done
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back(quote);
  return out;
}

std::string repr(const value& v) {
  std::string out;
  repr_into(out, v);
  return out;
}

}  // namespace websec::json
