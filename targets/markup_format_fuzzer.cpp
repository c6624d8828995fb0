// markup_format_fuzzer — Markup % and Markup.format (websec::escape::markup::percent, percent_mapping, percent_one,
// format) with typed operands: the Python objects markupsafe meets in a template (str, Markup, int, big int, bool,
// float, None, an object known by its str() and repr(), an object with __html__).
//
// Input (read in this order with websec::fuzz::input):
//   u8 flags   bit0 percent_mapping also gets the mapping itself (`whole`, an object by str() and repr()), bit1 the
//              text operands are also passed pre-escaped as Markup, and on the %s / {} subset the bytes must not change
//   lines      the rest split on '\n' (at most 17): the template, then one operand per line, typed by its first byte:
//                s TEXT           a str                          m TEXT   a Markup (trusted)
//                i [-]DIGITS      an int (beyond long long: a big integer)
//                f NUMBER         a float (strtod: "1e300", "-0", "nan", "inf")
//                b 1|0            a bool                         n        None
//                o STR\tREPR      an object by its str() and repr()
//                h HTML\tREPR[\tp[\tSTR]]  an object with __html__ (p: __html__ returns a plain str), its repr, its str()
//                k NAME=OPERAND   a keyword: an entry of the mapping (%(NAME)s) and of format's kwargs ({NAME})
//              any other line (or a malformed payload) is a str of the whole line
//   The operands without a keyword are the tuple of Markup % and the positional arguments of format; percent_one
//   gets the first of them.
// Invariants (abort on violation):
//   * no operand brings a raw '<': the output holds at most the template's '<' plus, per conversion, the '<' of the
//     trusted operands (Markup, __html__ objects); with no '<' in them, no more than the template's
//   * the output stays within a bound of the template, the conversions and the operands (widths are bounded: a
//     template or an operand used in a nested spec with a run of more than 4 decimal digits is skipped, since
//     Python builds strings that wide)
//   * errors name a Python exception class (TypeError, ValueError, KeyError, IndexError, OverflowError) or say
//     "unsupported"
//   * models computed here, independently of the library, on their subset:
//       Markup % (tuple, mapping, one argument): %s %r %a %d %i %u and %%, with keys, without flags or widths, for
//       every operand type (str() / repr() / int() of each, Python's float repr, ascii() escapes), and the errors
//       Python raises there (missing argument or key, arguments left over, int() of None or of a bad literal);
//       Markup.format: {} {N} {name} with !s !r !a and specs [[fill]align][sign][#][0][width][.precision][type]
//       for str, int, bool and float (d x X o b, f F e E), numbering errors, missing index or key
//   * percent_one(x) == percent((x,)) whenever the latter succeeds
//   * a format template of {} / {name} fields written as %s / %(name)s gives the same bytes through Markup % (the
//     two escape the same way), unless an __html__ object returns a plain str (format escapes it, % does not)
//   * Markup.escape, + and join of a typed operand use its escaped str() (verbatim for markup)
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "websec/escape.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;
using websec::escape::markup;
using websec::escape::operand;

namespace {

// The name of an error's kind, as the Python stack and the JSON output spell it.
std::string kind_of(const websec::error& e) { return std::string(websec::to_string(e.kind)); }

// ---------------------------------------------------------------------------------------------- operands

struct arg {
  char type = 's';      // s m i f b n o h (see the layout)
  std::string a, b, c;  // text / html / str; repr; str() of an html object
  bool has_c = false;
  bool html_markup = true;
  long long i = 0;
  bool fits = true;     // i holds the integer (else `a` holds its canonical digits)
  double f = 0;
  std::string key;      // keyword operands
  bool keyword = false;
};

std::vector<std::string_view> fields(std::string_view s, char d, std::size_t max) {
  fuzz::input in(s);
  return in.split(d, max);
}

arg parse_arg(std::string_view line, bool allow_keyword = true) {
  arg x;
  x.a = std::string(line);
  fuzz::input in(line);
  std::uint8_t t;
  if (!in.u8(t)) return x;
  std::string_view p = in.peek_rest();
  switch (t) {
    case 's': x.a = std::string(p); return x;
    case 'm': x.type = 'm'; x.a = std::string(p); return x;
    case 'n': x.type = 'n'; return x;
    case 'b':
      if (p != "1" && p != "0" && !p.empty()) return x;
      x.type = 'b';
      x.i = p == "1";
      return x;
    case 'i': {
      std::string_view d = p;
      bool neg = !d.empty() && d[0] == '-';
      if (neg) d.remove_prefix(1);
      if (d.empty() || !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) return x;
      while (d.size() > 1 && d[0] == '0') d.remove_prefix(1);
      x.type = 'i';
      x.a = (neg && d != "0" ? "-" : "") + std::string(d);
      x.fits = d.size() < 19;
      if (x.fits) x.i = std::strtoll(x.a.c_str(), nullptr, 10);
      return x;
    }
    case 'f': {
      std::string s(p);
      if (s.empty() || s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')) return x;
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) return x;
      x.type = 'f';
      x.f = v;
      return x;
    }
    case 'o': {
      auto f = fields(p, '\t', 2);
      x.type = 'o';
      x.a = std::string(f[0]);
      x.b = f.size() > 1 ? std::string(f[1]) : std::string();
      return x;
    }
    case 'h': {
      auto f = fields(p, '\t', 4);
      x.type = 'h';
      x.a = std::string(f[0]);
      x.b = f.size() > 1 ? std::string(f[1]) : std::string();
      x.html_markup = !(f.size() > 2 && f[2] == "p");
      if (f.size() > 3) x.c = std::string(f[3]), x.has_c = true;
      return x;
    }
    case 'k': {
      if (!allow_keyword) return x;
      std::string_view name;
      if (!in.until('=', name)) return x;
      arg v = parse_arg(in.rest(), false);
      v.key = std::string(name);
      v.keyword = true;
      return v;
    }
    default: return x;
  }
}

operand make_operand(const arg& x) {
  switch (x.type) {
    case 'm': return operand(markup(x.a));
    case 'n': return operand::none();
    case 'b': return operand(x.i != 0);
    case 'i': return x.fits ? operand(x.i) : operand::big_integer(x.a);
    case 'f': return operand(x.f);
    case 'o': return operand::object(x.a, x.b);
    case 'h': return operand::html_object(markup(x.a), x.b, x.html_markup,
                                          x.has_c ? std::optional<std::string>(x.c) : std::nullopt);
    default: return operand(x.a);
  }
}

bool trusted(const arg& x) { return x.type == 'm' || x.type == 'h'; }

// ---------------------------------------------------------------------------------------------- Python, modelled

// UTF-8 decoding with invalid bytes as U+DC80..U+DCFF (surrogateescape), as escape.hpp reads text. Written here
// on purpose, not taken from the library's decoder (text_util.hpp): the model must not share the code it checks.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned c = b(i);
  if (c < 0x80) return cp = c, 1;
  if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) return cp = (c & 0x1F) << 6 | (b(i + 1) & 0x3F), 2;
  if (c >= 0xE0 && c <= 0xEF && cont(i + 1) && cont(i + 2)) {
    char32_t v = (c & 0x0F) << 12 | (b(i + 1) & 0x3F) << 6 | (b(i + 2) & 0x3F);
    if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) return cp = v, 3;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    char32_t v = (c & 0x07) << 18 | (b(i + 1) & 0x3F) << 12 | (b(i + 2) & 0x3F) << 6 | (b(i + 3) & 0x3F);
    if (v >= 0x10000 && v <= 0x10FFFF) return cp = v, 4;
  }
  cp = 0xDC00 + c;
  return 1;
}
std::size_t cps(std::string_view s) {
  std::size_t n = 0;
  char32_t c;
  for (std::size_t i = 0; i < s.size(); i += decode(s, i, c)) ++n;
  return n;
}
std::string cp_prefix(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  char32_t c;
  for (std::size_t k = 0; k < n && i < s.size(); ++k) i += decode(s, i, c);
  return std::string(s.substr(0, i));
}
// ascii(): every non-ASCII code point of a repr as \xNN, \uNNNN or \UNNNNNNNN
std::string ascii(std::string_view s) {
  std::string out;
  char32_t c;
  for (std::size_t i = 0; i < s.size();) {
    i += decode(s, i, c);
    char buf[16];
    if (c < 0x80) out += static_cast<char>(c);
    else {
      std::snprintf(buf, sizeof buf, c < 0x100 ? "\\x%02x" : c < 0x10000 ? "\\u%04x" : "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  return out;
}

// repr(float): the shortest digits that read back, fixed notation for exponents -4 < decpt <= 16
std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[48];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p - 1, std::fabs(v));
    if (std::strtod(buf, nullptr) == std::fabs(v)) break;
  }
  std::string m(buf, std::strchr(buf, 'e')), digits;
  for (char c : m)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const long decpt = std::strtol(std::strchr(buf, 'e') + 1, nullptr, 10) + 1;
  const long n = static_cast<long>(digits.size());
  std::string out = v < 0 ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    else if (decpt >= n) out += digits + std::string(static_cast<std::size_t>(decpt - n), '0') + ".0";
    else out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
  } else {
    long e = decpt - 1;
    out += digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "");
    std::snprintf(buf, sizeof buf, "e%c%02ld", e < 0 ? '-' : '+', e < 0 ? -e : e);
    out += buf;
  }
  return out;
}

std::string py_str(const arg& x) {
  switch (x.type) {
    case 'n': return "None";
    case 'b': return x.i ? "True" : "False";
    case 'f': return float_repr(x.f);
    case 'h': return x.has_c ? x.c : x.a;
    default: return x.a;  // str, Markup, int digits, object str()
  }
}
std::string py_repr(const arg& x) {
  switch (x.type) {
    case 's': return escape::python_repr(x.a);
    case 'm': return "Markup(" + escape::python_repr(x.a) + ")";
    case 'o': return x.b;
    case 'h': return x.b.empty() ? "<object>" : x.b;
    default: return py_str(x);
  }
}

// A model's answer: the output, an error class, or "outside the subset" (unknown).
struct outcome {
  enum { out, error, unknown } what = unknown;
  std::string text;
  static outcome ok(std::string s) { return {out, std::move(s)}; }
  static outcome fail(std::string k) { return {error, std::move(k)}; }
};

bool ascii_ws(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// int() of an operand for %d: digits with their sign, an error class, or unknown
outcome py_int(const arg& x) {
  switch (x.type) {
    case 'i': return outcome::ok(x.a);
    case 'b': return outcome::ok(x.i ? "1" : "0");
    case 'n': return outcome::fail("TypeError");
    case 'h': return outcome::fail("TypeError");
    case 'o': return outcome::fail("unsupported");
    case 'f': {
      if (std::isnan(x.f)) return outcome::fail("ValueError");
      if (std::isinf(x.f)) return outcome::fail("OverflowError");
      double t = std::trunc(x.f);
      if (std::fabs(t) >= 1e18) return {};
      return outcome::ok(std::to_string(static_cast<long long>(t)));
    }
    default: break;
  }
  // int(str): ASCII whitespace, a sign, digits with single '_' between them
  std::string_view s = x.a;
  for (unsigned char c : s)
    if (c >= 0x80) return {};
  while (!s.empty() && ascii_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_ws(s.back())) s.remove_suffix(1);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) neg = s[0] == '-', s.remove_prefix(1);
  std::string d;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_' && s[i + 1] >= '0' && s[i + 1] <= '9') continue;
    if (c < '0' || c > '9') return outcome::fail("ValueError");
    d += c;
  }
  if (d.empty()) return outcome::fail("ValueError");
  std::size_t z = d.find_first_not_of('0');
  d = z == std::string::npos ? "0" : d.substr(z);
  return outcome::ok((neg && d != "0" ? "-" : "") + d);
}

// Markup % on its subset: conversions s r a d i u without flags, width or precision; keys; %%.
// mode: tuple (args), mapping (keys; `whole` for conversions without a key), one argument (whole)
outcome model_percent(std::string_view t, const std::vector<arg>* args, const std::map<std::string, arg>* mapping,
                      const arg* whole) {
  std::string out;
  std::size_t next = 0;
  bool whole_used = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '%') {
      out += t[i];
      continue;
    }
    if (++i >= t.size()) return outcome::fail("ValueError");
    if (t[i] == '%') {
      out += '%';
      continue;
    }
    const arg* x = nullptr;
    if (t[i] == '(') {
      if (args) return outcome::fail("TypeError");
      if (!mapping) return {};
      int depth = 1;
      std::size_t k = ++i;
      while (i < t.size() && depth > 0) {
        if (t[i] == '(') ++depth;
        else if (t[i] == ')') --depth;
        ++i;
      }
      if (depth > 0) return outcome::fail("ValueError");
      auto it = mapping->find(std::string(t.substr(k, i - 1 - k)));
      if (it == mapping->end()) return outcome::fail("KeyError");
      x = &it->second;
      whole_used = true;
      if (i >= t.size()) return outcome::fail("ValueError");
    }
    char c = t[i];
    if (std::string_view("sradiu").find(c) == std::string_view::npos) return {};
    if (!x) {
      if (args) {
        if (next >= args->size()) return outcome::fail("TypeError");
        x = &(*args)[next++];
      } else if (whole) {
        if (whole_used) return outcome::fail("TypeError");
        whole_used = true;
        x = whole;
      } else {
        return {};
      }
    }
    if (c == 's') out += trusted(*x) ? x->a : escape::escape(py_str(*x));
    else if (c == 'r') out += escape::escape(py_repr(*x));
    else if (c == 'a') out += ascii(escape::escape(py_repr(*x)));
    else {
      outcome v = py_int(*x);
      if (v.what != outcome::out) return v;
      out += v.text;
    }
  }
  if (args && next < args->size()) return outcome::fail("TypeError");
  return outcome::ok(out);
}

// format(value, spec) for the specs the model knows; the result is escaped by the caller
struct spec {
  char fill = ' ', align = 0, sign = 0, type = 0;
  bool alt = false, zero = false;
  long width = -1, precision = -1;
};
std::optional<spec> parse_spec(std::string_view s) {
  spec f;
  std::size_t p = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  for (unsigned char c : s)
    if (c >= 0x80 || c < 0x20) return std::nullopt;
  if (s.size() >= 2 && is_align(s[1])) f.fill = s[0], f.align = s[1], p = 2;
  else if (!s.empty() && is_align(s[0])) f.align = s[0], p = 1;
  if (p < s.size() && (s[p] == '+' || s[p] == '-' || s[p] == ' ')) f.sign = s[p++];
  if (p < s.size() && s[p] == '#') f.alt = true, ++p;
  if (p < s.size() && s[p] == '0') {
    if (f.align) return std::nullopt;
    f.zero = true, ++p;
  }
  auto number = [&](long& v) {
    std::size_t b = p;
    v = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') v = v * 10 + (s[p++] - '0');
    if (p == b) v = -1;
    return p - b <= 4;
  };
  if (!number(f.width)) return std::nullopt;
  if (p < s.size() && s[p] == '.') {
    ++p;
    if (!number(f.precision) || f.precision < 0) return std::nullopt;
  }
  if (s.size() - p > 1) return std::nullopt;
  if (p < s.size()) f.type = s[p];
  return f;
}
std::string pad(const std::string& s, const spec& f, char default_align, std::size_t sign_len = 0) {
  char align = f.align ? f.align : f.zero ? '=' : default_align;
  char fill = f.align ? f.fill : f.zero ? '0' : ' ';
  std::size_t n = cps(s);
  if (f.width < 0 || n >= static_cast<std::size_t>(f.width)) return s;
  std::size_t total = static_cast<std::size_t>(f.width) - n;
  std::size_t left = align == '>' ? total : align == '^' ? total / 2 : 0;
  if (align == '=') return s.substr(0, sign_len) + std::string(total, fill) + s.substr(sign_len);
  return std::string(left, fill) + s + std::string(total - left, fill);
}
outcome format_text(const std::string& s, const spec& f) {
  if (f.type && f.type != 's') return outcome::fail("ValueError");
  if (f.sign || f.alt || f.align == '=') return outcome::fail("ValueError");
  if (f.zero) return {};
  std::string t = f.precision >= 0 ? cp_prefix(s, static_cast<std::size_t>(f.precision)) : s;
  return outcome::ok(pad(t, f, '<'));
}
outcome format_float(double v, const spec& f) {
  if (!f.type || std::string_view("fFeE").find(f.type) == std::string_view::npos || f.alt || f.zero || std::isnan(v))
    return {};
  const std::string fmt = std::string("%.*") + f.type;
  const int prec = static_cast<int>(f.precision < 0 ? 6 : f.precision);
  std::string text(static_cast<std::size_t>(std::snprintf(nullptr, 0, fmt.c_str(), prec, std::fabs(v))) + 1, '\0');
  std::snprintf(text.data(), text.size(), fmt.c_str(), prec, std::fabs(v));
  text.pop_back();
  std::string sign = std::signbit(v) ? "-" : f.sign == '+' ? "+" : f.sign == ' ' ? " " : "";
  return outcome::ok(pad(sign + text, f, '>', sign.size()));
}
outcome format_int(const arg& x, const spec& f) {
  if (f.type && std::string_view("fFeEgG%").find(f.type) != std::string_view::npos) {  // float(value)
    if (!x.fits) return {};
    return format_float(static_cast<double>(x.i), f);
  }
  if (f.precision >= 0) return outcome::fail("ValueError");
  if (f.type && std::string_view("dxXob").find(f.type) == std::string_view::npos) return {};
  std::string digits = x.type == 'b' ? (x.i ? "1" : "0") : x.a;
  bool neg = !digits.empty() && digits[0] == '-';
  if (neg) digits.erase(0, 1);
  std::string prefix;
  if (f.type && f.type != 'd') {
    if (!x.fits && x.type == 'i') return {};
    unsigned long long n = static_cast<unsigned long long>(x.type == 'b' ? x.i : x.i < 0 ? -(x.i + 1) + 1ull : x.i);
    unsigned base = f.type == 'b' ? 2 : f.type == 'o' ? 8 : 16;
    const char* al = f.type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    digits.clear();
    do digits.insert(digits.begin(), al[n % base]), n /= base;
    while (n);
    if (f.alt) prefix = f.type == 'b' ? "0b" : f.type == 'o' ? "0o" : f.type == 'x' ? "0x" : "0X";
  } else if (f.alt) {
    return {};
  }
  std::string sign = neg ? "-" : f.sign == '+' ? "+" : f.sign == ' ' ? " " : "";
  return outcome::ok(pad(sign + prefix + digits, f, '>', sign.size() + prefix.size()));
}

// Markup.format on its subset; kw: the keyword operands
outcome model_format(std::string_view t, const std::vector<arg>& args, const std::map<std::string, arg>& kw) {
  std::string out;
  long auto_index = 0;  // -1: manual numbering
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '}') {
      if (i + 1 < t.size() && t[i + 1] == '}') {
        out += '}', ++i;
        continue;
      }
      return outcome::fail("ValueError");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < t.size() && t[i + 1] == '{') {
      out += '{', ++i;
      continue;
    }
    std::size_t close = t.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || t[close] != '}') return {};  // unclosed, or nested fields
    std::string_view field = t.substr(i + 1, close - i - 1);
    i = close;
    std::size_t stop = field.find_first_of("!:");
    std::string_view name = field.substr(0, stop), conv, sp;
    if (stop != std::string_view::npos && field[stop] == '!') {
      std::size_t colon = field.find(':', stop);
      conv = field.substr(stop + 1, colon == std::string_view::npos ? std::string_view::npos : colon - stop - 1);
      if (colon != std::string_view::npos) sp = field.substr(colon + 1);
      if (conv.size() != 1 || std::string_view("sra").find(conv[0]) == std::string_view::npos) return {};
    } else if (stop != std::string_view::npos) {
      sp = field.substr(stop + 1);
    }
    if (name.find_first_of(".[") != std::string_view::npos) return {};
    const arg* x = nullptr;
    bool digits = !name.empty() && std::all_of(name.begin(), name.end(), [](char d) { return d >= '0' && d <= '9'; });
    if (name.empty()) {
      if (auto_index < 0) return outcome::fail("ValueError");
      if (static_cast<std::size_t>(auto_index) >= args.size()) return outcome::fail("IndexError");
      x = &args[static_cast<std::size_t>(auto_index++)];
    } else if (digits) {
      if (auto_index > 0) return outcome::fail("ValueError");
      auto_index = -1;
      std::size_t z = name.find_first_not_of('0');
      std::string_view n = z == std::string_view::npos ? "0" : name.substr(z);
      if (n.size() > 6 || std::stoul(std::string(n)) >= args.size()) return outcome::fail("IndexError");
      x = &args[std::stoul(std::string(n))];
    } else {
      auto it = kw.find(std::string(name));
      if (it == kw.end()) return outcome::fail("KeyError");
      x = &it->second;
    }
    std::optional<std::string> text;  // a str value (after a conversion)
    if (!conv.empty()) text = conv[0] == 's' ? py_str(*x) : conv[0] == 'r' ? py_repr(*x) : ascii(py_repr(*x));
    if (sp.empty()) {
      if (text) out += escape::escape(*text);
      else if (x->type == 'm' || (x->type == 'h' && x->html_markup)) out += x->a;
      else if (x->type == 'h') out += escape::escape(x->a);  // __html__ returned a plain str: escaped
      else out += escape::escape(py_str(*x));
      continue;
    }
    auto f = parse_spec(sp);
    if (!f) return {};
    outcome piece;
    if (text || x->type == 's') piece = format_text(text ? *text : x->a, *f);
    else if (x->type == 'm' || x->type == 'h') piece = outcome::fail("ValueError");
    else if (x->type == 'n' || x->type == 'o') piece = outcome::fail("TypeError");
    else if (x->type == 'f') piece = format_float(x->f, *f);
    else piece = format_int(*x, *f);
    if (piece.what != outcome::out) return piece;
    out += escape::escape(piece.text);
  }
  return outcome::ok(out);
}

// ---------------------------------------------------------------------------------------------- checks

// Unicode decimal digits (category Nd): the first of each run of ten, as format specs read widths.
bool is_decimal(char32_t c) {
  static constexpr char32_t zeros[] = {0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};
  const char32_t* it = std::upper_bound(std::begin(zeros), std::end(zeros), c);
  return it != std::begin(zeros) && c - *(it - 1) < 10;
}
// No run of more than 4 decimal digits: a width or precision read from it stays below 10000.
bool narrow(std::string_view s) {
  int run = 0;
  char32_t c;
  for (std::size_t i = 0; i < s.size();) {
    i += decode(s, i, c);
    run = is_decimal(c) ? run + 1 : 0;
    if (run > 4) return false;
  }
  return true;
}
// A '{' inside a replacement field: the spec is built from operands.
bool nested_fields(std::string_view t) {
  int depth = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (depth == 0 && i + 1 < t.size() && t[i] == t[i + 1] && (t[i] == '{' || t[i] == '}')) {
      ++i;
      continue;
    }
    if (t[i] == '{' && ++depth > 1) return true;
    if (t[i] == '}' && depth > 0) --depth;
  }
  return false;
}

bool known_error(const websec::error& e) {
  using websec::errc;
  return e.kind == errc::type_error || e.kind == errc::value_error || e.kind == errc::key_error ||
         e.kind == errc::index_error || e.kind == errc::overflow_error || e.kind == errc::unsupported ||
         e.kind == errc::too_large;  // a width or precision over the library's limit
}
std::size_t count_lt(std::string_view s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '<')); }

struct limits {
  std::size_t template_lt, trusted_lt, conversions, bound;
};

void check_result(const result<markup>& r, const outcome& model, const limits& lim, const char* what) {
  if (!r) {
    CHECK(known_error(r.err()), "%s: error kind %s", what, kind_of(r.err()).c_str());
    if (model.what == outcome::out) CHECK(false, "%s failed (%s: %s) where the model gives a result", what,
                                          kind_of(r.err()).c_str(), r.err().message.c_str());
    if (model.what == outcome::error)
      CHECK(kind_of(r.err()) == model.text, "%s: %s where the model raises %s", what, kind_of(r.err()).c_str(), model.text.c_str());
    return;
  }
  const std::string& s = r->str();
  CHECK(count_lt(s) <= lim.template_lt + lim.trusted_lt * lim.conversions, "%s let an operand's '<' through", what);
  CHECK(s.size() <= lim.bound, "%s output of %zu bytes beyond its bound", what, s.size());
  if (model.what == outcome::error) CHECK(false, "%s succeeded where the model raises %s", what, model.text.c_str());
  if (model.what == outcome::out) CHECK(s == model.text, "%s differs from the model", what);
}

// The template of {} / {name} fields written for Markup %: "{}" -> "%s", "{name}" -> "%(name)s", '%' -> "%%".
std::optional<std::string> as_percent(std::string_view t, bool& positional, bool& named) {
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if ((c == '{' || c == '}') && i + 1 < t.size() && t[i + 1] == c) {
      out += c, ++i;
      continue;
    }
    if (c == '%') {
      out += "%%";
      continue;
    }
    if (c == '}') return std::nullopt;
    if (c != '{') {
      out += c;
      continue;
    }
    std::size_t close = t.find('}', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view name = t.substr(i + 1, close - i - 1);
    if (name.find_first_of("{!:.[()") != std::string_view::npos) return std::nullopt;
    if (name.empty()) {
      positional = true;
      out += "%s";
    } else {
      if (std::all_of(name.begin(), name.end(), [](char d) { return d >= '0' && d <= '9'; })) return std::nullopt;
      named = true;
      out += "%(" + std::string(name) + ")s";
    }
    i = close;
  }
  if (positional && named) return std::nullopt;
  return out;
}

// The operands of the lines after the template: the positional ones in order, the keywords by name.
struct operands {
  std::vector<arg> pos;
  std::map<std::string, arg> kw;
};

operands parse_operands(const std::vector<std::string_view>& lines) {
  operands a;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    arg x = parse_arg(lines[i]);
    if (x.keyword) a.kw[x.key] = x;
    else a.pos.push_back(x);
  }
  return a;
}

// widths: Python builds a string as wide as asked; keep them below 10000
bool narrow_widths(const std::string& tmpl, const operands& a) {
  if (!narrow(tmpl)) return false;
  if (nested_fields(tmpl)) {
    for (const auto* list : {&a.pos})
      for (const auto& x : *list)
        if (!narrow(py_str(x)) || !narrow(py_repr(x))) return false;
    for (const auto& [k, x] : a.kw)
      if (!narrow(py_str(x)) || !narrow(py_repr(x))) return false;
  }
  return true;
}

limits output_limits(const std::string& tmpl, const operands& a) {
  std::size_t trusted_lt = 0, longest = 0;
  for (const auto* list : {&a.pos})
    for (const auto& x : *list) {
      if (trusted(x)) trusted_lt = std::max(trusted_lt, count_lt(x.a));
      longest = std::max({longest, x.a.size(), x.b.size(), x.c.size()});
    }
  for (const auto& [k, x] : a.kw) {
    if (trusted(x)) trusted_lt = std::max(trusted_lt, count_lt(x.a));
    longest = std::max({longest, x.a.size(), x.b.size(), x.c.size()});
  }
  limits lim;
  lim.template_lt = count_lt(tmpl);
  lim.trusted_lt = trusted_lt;
  lim.conversions = static_cast<std::size_t>(std::count(tmpl.begin(), tmpl.end(), '%') +
                                             std::count(tmpl.begin(), tmpl.end(), '{'));
  // per conversion: a width or precision below 10000 code points (or the float's 400 digits), the operand's str() or
  // repr() (its \U escapes at most 10 bytes per byte), each code point escaped to at most 6 bytes
  lim.bound = tmpl.size() + lim.conversions * 6 * (2 * 10000 + 10 * longest + 400);
  return lim;
}

// Markup % with a tuple, a mapping (give_whole: with the mapping itself) and one argument, against the models;
// returns the tuple's result.
result<markup> check_percent(const markup& m, const std::string& tmpl, const operands& a,
                             const std::vector<operand>& ops, const std::map<std::string, operand>& kwops,
                             bool give_whole, const limits& lim) {
  const operand whole = operand::object("{'mapping': 1}", "<mapping>");
  const arg whole_arg = parse_arg("o{'mapping': 1}\t<mapping>");

  auto p = m.percent(ops);
  check_result(p, model_percent(tmpl, &a.pos, nullptr, nullptr), lim, "Markup % tuple");
  auto pm = m.percent_mapping(kwops, give_whole ? &whole : nullptr);
  check_result(pm, model_percent(tmpl, nullptr, &a.kw, give_whole ? &whole_arg : nullptr), lim, "Markup % mapping");
  if (!a.pos.empty()) {
    auto p1 = m.percent_one(ops[0]);
    check_result(p1, model_percent(tmpl, nullptr, nullptr, &a.pos[0]), lim, "Markup % one argument");
    if (auto single = m.percent({ops[0]}); single.ok())
      CHECK(p1.ok() && p1->str() == single->str(), "Markup % x differs from Markup % (x,)");
  }
  return p;
}

// {} / {name} as %s / %(name)s: the same bytes (an __html__ returning a plain str is escaped by format only)
void check_format_as_percent(const std::string& tmpl, const operands& a, const std::vector<operand>& ops,
                             const std::map<std::string, operand>& kwops, const result<markup>& f) {
  bool positional = false, named = false;
  bool plain_html = false;
  for (const auto& x : a.pos) plain_html = plain_html || (x.type == 'h' && !x.html_markup);
  for (const auto& [k, x] : a.kw) plain_html = plain_html || (x.type == 'h' && !x.html_markup);
  if (auto pt = as_percent(tmpl, positional, named); pt && !plain_html && f.ok()) {
    auto again = named ? markup(*pt).percent_mapping(kwops) : markup(*pt).percent(ops);
    if (again.ok()) CHECK(again->str() == f->str(), "Markup % and Markup.format escape differently");
    else CHECK(!named && kind_of(again.err()) == "TypeError", "Markup % refused what Markup.format took");  // unused arguments
  }
}

// pre-escaped text: on the %s and {} subset nothing changes
void check_pre_escaped(const markup& m, const std::string& tmpl, const std::vector<arg>& pos,
                       const std::map<std::string, operand>& kwops, const result<markup>& p,
                       const result<markup>& f) {
  std::vector<operand> pre;
  for (const auto& x : pos) pre.push_back(x.type == 's' ? operand(markup(escape::escape(x.a))) : make_operand(x));
  auto pp = m.percent(pre);
  auto fp = m.format(pre, kwops);
  bool only_s = true;
  for (std::size_t i = 0; i < tmpl.size(); ++i)
    if (tmpl[i] == '%') {
      if (i + 1 < tmpl.size() && (tmpl[i + 1] == 's' || tmpl[i + 1] == '%')) ++i;
      else only_s = false;
    }
  if (only_s && p.ok()) CHECK(pp.ok() && pp->str() == p->str(), "Markup % escaped a pre-escaped operand again");
  bool only_braces = tmpl.find_first_of("!:") == std::string::npos;
  if (only_braces && f.ok()) CHECK(fp.ok() && fp->str() == f->str(), "Markup.format escaped a pre-escaped operand again");
}

// Markup.escape, + and join of each operand: its escaped str() (markup verbatim)
void check_operand_escapes(const std::vector<arg>& pos, const std::vector<operand>& ops) {
  std::vector<operand> items;
  std::string joined;
  for (std::size_t i = 0; i < pos.size(); ++i) {
    const arg& x = pos[i];
    const std::string want = trusted(x) ? x.a : escape::escape(py_str(x));
    CHECK(ops[i].html() == want, "operand html() of a '%c' operand", x.type);
    CHECK(markup::escape(ops[i]).str() == want, "Markup.escape of a '%c' operand", x.type);
    CHECK((markup("<b>") + ops[i]).str() == "<b>" + want, "Markup + operand");
    CHECK(ops[i].repr() == py_repr(x), "repr() of a '%c' operand", x.type);
    joined += (i ? "<br>" : "") + want;
    items.push_back(ops[i]);
  }
  CHECK(markup("<br>").join(items).str() == joined, "Markup.join");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  fuzz::input in(data, size);
  std::uint8_t flags;
  if (!in.u8(flags)) return -1;
  const auto lines = in.split('\n', 17);
  const std::string tmpl(lines[0]);
  const operands a = parse_operands(lines);
  if (!narrow_widths(tmpl, a)) return 0;

  std::vector<operand> ops;
  std::map<std::string, operand> kwops;
  for (const auto& x : a.pos) ops.push_back(make_operand(x));
  for (const auto& [k, x] : a.kw) kwops.emplace(k, make_operand(x));
  const limits lim = output_limits(tmpl, a);

  const markup m(tmpl);
  const auto p = check_percent(m, tmpl, a, ops, kwops, flags & 1, lim);
  auto f = m.format(ops, kwops);
  check_result(f, model_format(tmpl, a.pos, a.kw), lim, "Markup.format");
  check_format_as_percent(tmpl, a, ops, kwops, f);
  if (flags & 2) check_pre_escaped(m, tmpl, a.pos, kwops, p, f);
  check_operand_escapes(a.pos, ops);
  return 0;
}
