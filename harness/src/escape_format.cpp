// websec/escape_format.cpp — Markup % and Markup.format as markupsafe runs them (see websec/escape.hpp):
// Python's printf-style formatting and string.Formatter over the operands, each value escaped the way
// markupsafe's _MarkupEscapeHelper and EscapeFormatter escape it.
#include "websec/escape.hpp"
#include "websec/json.hpp"

#include "text_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace websec::escape {
namespace {

error err(errc kind, std::string message, std::uint64_t offset = 0) {
  return error{kind, offset, std::move(message), 500};
}

// ---------------------------------------------------------------------------------------------- UTF-8

// Decodes one code point of a surrogateescape string (invalid bytes as U+DC80..U+DCFF); returns its length.
std::size_t decode_at(std::string_view s, std::size_t i, char32_t& cp) {
  const auto d = websec::detail::decode_utf8_at(s, i, websec::detail::utf8_errors::surrogateescape);
  cp = d.cp;
  return d.len;
}

std::size_t cp_count(std::string_view s) {
  std::size_t n = 0;
  char32_t cp;
  for (std::size_t i = 0; i < s.size(); i += decode_at(s, i, cp)) ++n;
  return n;
}

std::string cp_prefix(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  char32_t cp;
  for (std::size_t k = 0; k < n && i < s.size(); ++k) i += decode_at(s, i, cp);
  return std::string(s.substr(0, i));
}

// Encodes one code point of a surrogateescape string (U+DC80..U+DCFF back to their bytes).
void append_cp(std::string& out, char32_t c) { websec::detail::append_utf8(out, c); }

// ascii(x) from repr(x): every non-ASCII code point escaped as \xNN, \uNNNN or \UNNNNNNNN.
std::string ascii_escape(std::string_view s) {
  std::string out;
  char32_t c;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = decode_at(s, i, c);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      char buf[16];
      if (c < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      else if (c < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      else std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
    i += n;
  }
  return out;
}

// The decimal value of a Unicode decimal digit (category Nd, Unicode 14: 66 runs of ten), or -1. Python reads these
// wherever it reads a number: int(), float(), widths and precisions of format specs.
int decimal_value(char32_t c) {
  static constexpr char32_t zeros[] = {0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};
  const char32_t* it = std::upper_bound(std::begin(zeros), std::end(zeros), c);
  if (it == std::begin(zeros)) return -1;
  char32_t z = *(it - 1);
  return c - z < 10 ? static_cast<int>(c - z) : -1;
}

// str.isspace(), the set int() and float() strip (int() keeps U+001C..U+001F, which it does not strip).
bool py_space(char32_t c, bool int_rules) {
  return websec::detail::py_isspace(c) && !(int_rules && c >= 0x1C && c <= 0x1F);
}

// The text with Python whitespace stripped at both ends; false when a non-ASCII character remains (Unicode
// digits, which Python also accepts: left to "unsupported").
bool strip_ascii(std::string_view s, bool int_rules, std::string& out) {
  std::u32string cps;
  char32_t c;
  for (std::size_t i = 0; i < s.size();) {
    i += decode_at(s, i, c);
    cps += c;
  }
  std::size_t b = 0, e = cps.size();
  while (b < e && py_space(cps[b], int_rules)) ++b;
  while (e > b && py_space(cps[e - 1], int_rules)) --e;
  out.clear();
  for (std::size_t k = b; k < e; ++k) {
    char32_t ch = cps[k];
    if (ch >= 0x80) {
      int d = decimal_value(ch);
      if (d < 0) return false;
      ch = static_cast<char32_t>('0' + d);
    }
    out += static_cast<char>(ch);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------- int(), float()

// An integer as sign + decimal digits (no leading zeros; "0" for zero).
struct bigint {
  bool negative = false;
  std::string digits = "0";
};

std::string strip_zeros(std::string d) {
  std::size_t k = d.find_first_not_of('0');
  return k == std::string::npos ? "0" : d.substr(k);
}

// Exact decimal digits of an integral double.
std::string double_digits(double v) {
  v = std::fabs(v);
  if (v < 9.0e18) return std::to_string(static_cast<unsigned long long>(v));
  int exp;
  double m = std::frexp(v, &exp);                                    // v = m * 2^exp, 0.5 <= m < 1
  auto mant = static_cast<unsigned long long>(std::ldexp(m, 53));  // v = mant * 2^(exp - 53)
  std::string d = std::to_string(mant);
  for (int k = 0; k < exp - 53; ++k) {  // double the decimal string
    int carry = 0;
    for (std::size_t i = d.size(); i-- > 0;) {
      int x = (d[i] - '0') * 2 + carry;
      d[i] = static_cast<char>('0' + x % 10);
      carry = x / 10;
    }
    if (carry) d.insert(d.begin(), static_cast<char>('0' + carry));
  }
  return d;
}

result<bigint> to_int(const operand& o) {
  using T = operand::type;
  bigint r;
  switch (o.kind()) {
    case T::boolean:
      r.digits = o.int_value() ? "1" : "0";
      return r;
    case T::integer: {  // the digits (a big_integer's too)
      std::string_view t = o.text();
      r.negative = !t.empty() && t[0] == '-';
      if (r.negative) t.remove_prefix(1);
      r.digits = strip_zeros(std::string(t));
      return r;
    }
    case T::floating: {
      double d = o.float_value();
      if (std::isnan(d)) return err(errc::value_error, "cannot convert float NaN to integer");
      if (std::isinf(d)) return err(errc::overflow_error, "cannot convert float infinity to integer");
      d = std::trunc(d);
      r.negative = d < 0;
      r.digits = double_digits(d);
      return r;
    }
    case T::none:
      return err(errc::type_error, "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
    case T::markup:
      if (o.is_html_object()) return err(errc::type_error, "int() argument must be a string, a bytes-like object or a real number");
      break;
    case T::object:
      return err(errc::unsupported, "int() of an object needs the Python object");
    default: break;
  }
  // text and markup: int(str) in base 10
  std::string s;
  auto invalid = [&] { return err(errc::value_error, "invalid literal for int() with base 10: " + python_repr(o.text())); };
  if (!strip_ascii(o.text(), true, s)) {
    // a non-ASCII character that is not whitespace: Unicode digits are valid to Python, anything else is not
    return err(errc::unsupported, "int() of text with non-ASCII digits: " + python_repr(o.text()));
  }
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) r.negative = s[i++] == '-';
  std::string d;
  bool prev_digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && prev_digit && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') { prev_digit = false; continue; }
    if (c < '0' || c > '9') return invalid();
    d += c;
    prev_digit = true;
  }
  if (d.empty()) return invalid();
  r.digits = strip_zeros(d);
  if (r.digits == "0") r.negative = false;
  return r;
}

result<double> to_float(const operand& o) {
  using T = operand::type;
  switch (o.kind()) {
    case T::boolean: return static_cast<double>(o.int_value());
    case T::integer: {
      double d = std::strtod(o.text().c_str(), nullptr);
      if (std::isinf(d)) return err(errc::overflow_error, "int too large to convert to float");
      return d;
    }
    case T::floating: return o.float_value();
    case T::none: return err(errc::type_error, "float() argument must be a string or a real number, not 'NoneType'");
    case T::markup:
      if (o.is_html_object()) return err(errc::type_error, "float() argument must be a string or a real number");
      break;
    case T::object: return err(errc::unsupported, "float() of an object needs the Python object");
    default: break;
  }
  std::string s;
  auto invalid = [&] { return err(errc::value_error, "could not convert string to float: " + python_repr(o.text())); };
  if (!strip_ascii(o.text(), false, s)) return err(errc::unsupported, "float() of text with non-ASCII digits");
  std::string low;
  for (char c : s) low += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  std::string_view body = low;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (body == "nan") return neg ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN();
  // digits [. digits] [e [sign] digits], underscores only between digits, at least one digit in the mantissa
  std::string clean;
  bool mant_digit = false, seen_dot = false, seen_e = false, exp_digit = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    bool digit = c >= '0' && c <= '9';
    if (c == '_') {
      bool before = i > 0 && body[i - 1] >= '0' && body[i - 1] <= '9';
      bool after = i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '9';
      if (!before || !after) return invalid();
      continue;
    }
    if (digit) {
      (seen_e ? exp_digit : mant_digit) = true;
    } else if (c == '.' && !seen_dot && !seen_e) {
      seen_dot = true;
    } else if (c == 'e' && !seen_e && mant_digit) {
      seen_e = true;
    } else if ((c == '+' || c == '-') && seen_e && !clean.empty() && clean.back() == 'e') {
    } else {
      return invalid();
    }
    clean += c;
  }
  if (!mant_digit || (seen_e && !exp_digit)) return invalid();
  double v = std::strtod(clean.c_str(), nullptr);
  return neg ? -v : v;
}

// ---------------------------------------------------------------------------------------------- padding

std::string pad(std::string s, std::size_t width, char32_t fill, char align) {
  std::size_t n = cp_count(s);
  if (n >= width) return s;
  std::size_t total = width - n, left = 0;
  if (align == '>') left = total;
  else if (align == '^') left = total / 2;
  std::string f;
  append_cp(f, fill);
  std::string out;
  for (std::size_t k = 0; k < left; ++k) out += f;
  out += s;
  for (std::size_t k = left; k < total; ++k) out += f;
  return out;
}

// ---------------------------------------------------------------------------------------------- printf-style

std::string percent_int(const bigint& v, const std::string& flags, long width, long prec) {
  std::string digits = v.digits;
  if (prec > static_cast<long>(digits.size())) digits.insert(0, static_cast<std::size_t>(prec) - digits.size(), '0');
  std::string sign = v.negative ? "-" : flags.find('+') != std::string::npos ? "+" : flags.find(' ') != std::string::npos ? " " : "";
  std::size_t len = sign.size() + digits.size();
  if (width <= static_cast<long>(len)) return sign + digits;
  std::size_t padn = static_cast<std::size_t>(width) - len;
  if (flags.find('-') != std::string::npos) return sign + digits + std::string(padn, ' ');
  if (flags.find('0') != std::string::npos) return sign + std::string(padn, '0') + digits;
  return std::string(padn, ' ') + sign + digits;
}

std::string percent_float(double v, const std::string& flags, long width, long prec, char conv) {
  if (prec < 0) prec = 6;
  std::string spec = "%";
  for (char f : {'+', ' ', '#'})
    if (flags.find(f) != std::string::npos) spec += f;
  if (std::isnan(v)) v = std::fabs(v);  // Python prints nan without a sign of its own
  spec += ".*";
  spec += conv;
  int p = static_cast<int>(std::min<long>(prec, 1 << 20));
  int n = std::snprintf(nullptr, 0, spec.c_str(), p, v);
  std::string out(static_cast<std::size_t>(n < 0 ? 0 : n) + 1, '\0');
  std::snprintf(out.data(), out.size(), spec.c_str(), p, v);
  out.resize(static_cast<std::size_t>(n < 0 ? 0 : n));
  // padding as Python's unicode_format_arg_output does it: zeros go after the sign, inf and nan included
  if (width <= static_cast<long>(out.size())) return out;
  std::size_t padn = static_cast<std::size_t>(width) - out.size();
  if (flags.find('-') != std::string::npos) return out + std::string(padn, ' ');
  if (flags.find('0') != std::string::npos) {
    std::size_t sign = (!out.empty() && (out[0] == '-' || out[0] == '+' || out[0] == ' ')) ? 1 : 0;
    return out.substr(0, sign) + std::string(padn, '0') + out.substr(sign);
  }
  return std::string(padn, ' ') + out;
}

// One printf-style conversion after its '%' (and its "(key)"): flags, width, precision, length modifier and the
// conversion character; `end` is where the conversion ends, `conv_index` the code point index of its character.
struct percent_spec {
  std::string flags;
  long width = -1, prec = -1;
  char32_t conv = 0;
  std::size_t conv_index = 0, end = 0;
};

// The "(key)" of a conversion at t[j] == '(': the key, with j and jcp (its code point index) moved past it;
// ValueError for an unbalanced one (offset i: where the conversion starts).
result<std::string> percent_key(const std::string& t, std::size_t& j, std::size_t& jcp, std::size_t i) {
  int depth = 1;
  std::size_t kstart = ++j;
  ++jcp;
  char32_t c;
  while (j < t.size() && depth > 0) {
    if (t[j] == '(') ++depth;
    else if (t[j] == ')') --depth;
    j += decode_at(t, j, c);
    ++jcp;
  }
  if (depth > 0) return err(errc::value_error, "incomplete format key", i);
  return t.substr(kstart, j - 1 - kstart);
}

// The library's limit on a width or precision: Python pads or prints digits up to INT_MAX characters (2 GiB of
// output for "%2147483647d"); the library refuses more than 1 MiB of padding or digits for one field, so that a
// template cannot make the output as large as a caller's memory. too_large, with the number and the limit.
constexpr long kMaxFieldWidth = 1L << 20;

websec::error width_over_limit(long v, std::size_t offset) {
  return err(errc::too_large, "width or precision " + std::to_string(v) + " over the library's limit of " +
                                  std::to_string(kMaxFieldWidth), offset);
}

// A width or precision at t[j]: false when there is none; `*` (an argument) is refused as the escape helper makes
// Python refuse it.
result<bool> percent_number(const std::string& t, std::size_t& j, std::size_t& jcp, long& v) {
  if (j < t.size() && t[j] == '*') return err(errc::type_error, "* wants int", j);
  if (j >= t.size() || t[j] < '0' || t[j] > '9') return false;
  v = 0;
  while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
    if (v > (std::numeric_limits<int>::max() - 9) / 10) return err(errc::value_error, "width too big", j);
    v = v * 10 + (t[j++] - '0');
    ++jcp;
  }
  if (v > kMaxFieldWidth) return width_over_limit(v, j);
  return true;
}

// Flags, width, precision, length modifier and conversion character from t[j] on.
result<percent_spec> percent_rest(const std::string& t, std::size_t j, std::size_t jcp, std::size_t i) {
  percent_spec s;
  while (j < t.size() && (t[j] == '-' || t[j] == '+' || t[j] == ' ' || t[j] == '#' || t[j] == '0')) {
    s.flags += t[j++];
    ++jcp;
  }
  if (auto r = percent_number(t, j, jcp, s.width); !r) return r.err();
  if (j < t.size() && t[j] == '.') {
    ++j;
    ++jcp;
    s.prec = 0;
    if (auto r = percent_number(t, j, jcp, s.prec); !r) return r.err();
  }
  if (j < t.size() && (t[j] == 'h' || t[j] == 'l' || t[j] == 'L')) {
    ++j;
    ++jcp;
  }
  if (j >= t.size()) return err(errc::value_error, "incomplete format", i);
  s.end = j + decode_at(t, j, s.conv);
  s.conv_index = jcp;
  return s;
}

// The text one conversion gives for its argument (offset i: where the conversion starts).
result<std::string> percent_piece(const operand& arg, const percent_spec& s, std::size_t i) {
  const char32_t conv = s.conv;
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      std::string text = conv == 's' ? arg.html() : websec::escape::escape(arg.repr());
      if (arg.kind() == operand::type::markup && conv != 's') text = websec::escape::escape(arg.repr());
      if (conv == 'a') text = ascii_escape(text);
      if (s.prec >= 0) text = cp_prefix(text, static_cast<std::size_t>(s.prec));
      return s.width > 0 ? pad(text, static_cast<std::size_t>(s.width), ' ', s.flags.find('-') != std::string::npos ? '<' : '>')
                         : text;
    }
    case 'd':
    case 'i':
    case 'u': {
      auto v = to_int(arg);
      if (!v) return v.err();
      return percent_int(*v, s.flags, s.width, s.prec);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      auto v = to_float(arg);
      if (!v) return v.err();
      return percent_float(*v, s.flags, s.width, s.prec, static_cast<char>(conv));
    }
    case 'x':
    case 'X':
    case 'o': {
      std::string m = "%";
      m += static_cast<char>(conv);
      return err(errc::type_error, m + " format: an integer is required, not _MarkupEscapeHelper", i);
    }
    case 'c': return err(errc::type_error, "%c requires int or char", i);
    default: {
      std::string shown;
      append_cp(shown, conv);
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%x", static_cast<unsigned>(conv));
      return err(errc::value_error,
                 "unsupported format character '" + shown + "' (" + hex + ") at index " + std::to_string(s.conv_index), i);
    }
  }
}

template <class Lookup>
result<markup> percent_impl(const std::string& t, const std::vector<operand>* args, const operand* whole,
                            bool has_mapping, Lookup lookup) {
  std::string out;
  std::size_t next = 0;
  bool whole_used = false;
  std::size_t cp_index = 0;  // code point index of t[i]
  for (std::size_t i = 0; i < t.size();) {
    char32_t c;
    std::size_t n = decode_at(t, i, c);
    if (c != '%') {
      out.append(t, i, n);
      i += n;
      ++cp_index;
      continue;
    }
    std::size_t j = i + 1;
    std::size_t jcp = cp_index + 1;
    if (j < t.size() && t[j] == '%') {  // only "%%" itself is a percent sign ("%5%" is a conversion Python refuses)
      out += '%';
      i = j + 1;
      cp_index = jcp + 1;
      continue;
    }
    const operand* arg = nullptr;
    bool keyed = false;
    if (j < t.size() && t[j] == '(') {
      if (args) return err(errc::type_error, "format requires a mapping");
      if (whole && !has_mapping) return err(errc::unsupported, "a key of an object that is not a mapping", i);
      auto key = percent_key(t, j, jcp, i);
      if (!key) return key.err();
      arg = lookup(*key);
      if (!arg) return err(errc::key_error, python_repr(*key), i);
      keyed = true;
      whole_used = true;  // CPython: after a keyed conversion the next keyless one has no argument left
    }
    auto spec = percent_rest(t, j, jcp, i);
    if (!spec) return spec.err();
    if (!keyed) {
      if (args) {
        if (next >= args->size()) return err(errc::type_error, "not enough arguments for format string", i);
        arg = &(*args)[next++];
      } else if (whole) {  // one argument that is not a tuple: it serves the first conversion
        if (whole_used) return err(errc::type_error, "not enough arguments for format string", i);
        whole_used = true;
        arg = whole;
      } else {
        return err(errc::unsupported, "a conversion without a key takes the mapping itself", i);
      }
    }
    auto piece = percent_piece(*arg, *spec, i);
    if (!piece) return piece.err();
    out += *piece;
    i = spec->end;
    cp_index = spec->conv_index + 1;
  }
  if (args && next < args->size()) return err(errc::type_error, "not all arguments converted during string formatting");
  return markup(std::move(out));
}

// ---------------------------------------------------------------------------------------------- format specs

struct spec_t {
  char32_t fill = ' ';
  char align = 0;  // 0: the type's default
  char sign = 0;
  bool z = false, alternate = false, zero = false;
  long width = -1;
  char grouping = 0;
  long precision = -1;
  char type = 0;
};

result<spec_t> parse_spec(std::string_view s) {
  spec_t f;
  std::u32string c;
  char32_t cp;
  for (std::size_t i = 0; i < s.size();) {
    i += decode_at(s, i, cp);
    c += cp;
  }
  std::size_t p = 0;
  auto is_align = [](char32_t a) { return a == '<' || a == '>' || a == '=' || a == '^'; };
  bool fill_given = false;
  if (c.size() >= 2 && is_align(c[1])) {
    f.fill = c[0];
    f.align = static_cast<char>(c[1]);
    fill_given = true;
    p = 2;
  } else if (!c.empty() && is_align(c[0])) {
    f.align = static_cast<char>(c[0]);
    p = 1;
  }
  if (p < c.size() && (c[p] == '+' || c[p] == '-' || c[p] == ' ')) f.sign = static_cast<char>(c[p++]);
  if (p < c.size() && c[p] == 'z') { f.z = true; ++p; }
  if (p < c.size() && c[p] == '#') { f.alternate = true; ++p; }
  if (!fill_given && p < c.size() && c[p] == '0') { f.zero = true; ++p; }
  auto number = [&](long& v) {
    std::size_t start = p;
    v = 0;
    while (p < c.size() && decimal_value(c[p]) >= 0) {
      if (v > 1'000'000'000) return static_cast<std::size_t>(-1);
      v = v * 10 + decimal_value(c[p++]);
    }
    return p - start;
  };
  std::size_t got = number(f.width);
  if (got == static_cast<std::size_t>(-1)) return err(errc::value_error, "Too many decimal digits in format string");
  if (got == 0) f.width = -1;
  if (f.width > kMaxFieldWidth) return width_over_limit(f.width, p);
  if (p < c.size() && c[p] == ',') { f.grouping = ','; ++p; }
  if (p < c.size() && c[p] == '_') {
    if (f.grouping) return err(errc::value_error, "Cannot specify both ',' and '_'.");
    f.grouping = '_';
    ++p;
  }
  if (p < c.size() && c[p] == ',') return err(errc::value_error, "Cannot specify both ',' and '_'.");
  if (p < c.size() && c[p] == '.') {
    ++p;
    got = number(f.precision);
    if (got == static_cast<std::size_t>(-1)) return err(errc::value_error, "Too many decimal digits in format string");
    if (got == 0) return err(errc::value_error, "Format specifier missing precision");
    if (f.precision > kMaxFieldWidth) return width_over_limit(f.precision, p);
  }
  if (c.size() - p > 1) return err(errc::value_error, "Invalid format specifier");
  if (c.size() - p == 1) {
    if (c[p] >= 0x80) return err(errc::value_error, "Unknown format code");
    f.type = static_cast<char>(c[p]);
  }
  if (f.grouping) {
    switch (f.type) {
      case 0: case 'd': case 'e': case 'f': case 'g': case 'E': case 'G': case '%': case 'F': break;
      case 'b': case 'o': case 'x': case 'X':
        if (f.grouping == '_') break;
        [[fallthrough]];
      default: return err(errc::value_error, std::string("Cannot specify '") + f.grouping + "' with '" + f.type + "'.");
    }
  }
  return f;
}

// Sign, prefix and digits laid out in the width: '=' puts the fill after sign and prefix; a '0' fill with '='
// and grouping pads with grouped zeros, as CPython does.
std::string layout(const spec_t& f, std::string sign, const std::string& prefix, std::string digits, std::size_t group,
                    const std::string& rest, char default_align) {
  char align = f.align ? f.align : (f.zero ? '=' : default_align);
  char32_t fill = f.align ? f.fill : (f.zero ? U'0' : f.fill);
  auto grouped = [&](const std::string& d) {
    if (!f.grouping || group == 0) return d;
    std::string out;
    std::size_t n = d.size();
    for (std::size_t k = 0; k < n; ++k) {
      if (k && (n - k) % group == 0) out += f.grouping;
      out += d[k];
    }
    return out;
  };
  std::string body = grouped(digits);
  std::size_t len = sign.size() + prefix.size() + cp_count(body) + cp_count(rest);
  if (f.width > 0 && align == '=' && fill == U'0' && f.grouping && len < static_cast<std::size_t>(f.width)) {
    while (sign.size() + prefix.size() + body.size() + rest.size() < static_cast<std::size_t>(f.width)) {
      digits.insert(digits.begin(), '0');
      body = grouped(digits);
    }
    if (!body.empty() && (body[0] == ',' || body[0] == '_')) body.insert(body.begin(), '0');
    return sign + prefix + body + rest;
  }
  if (f.width <= 0 || len >= static_cast<std::size_t>(f.width)) return sign + prefix + body + rest;
  if (align == '=') {
    std::string fillstr;
    append_cp(fillstr, fill);
    std::string out = sign + prefix;
    for (std::size_t k = len; k < static_cast<std::size_t>(f.width); ++k) out += fillstr;
    return out + body + rest;
  }
  return pad(sign + prefix + body + rest, static_cast<std::size_t>(f.width), fill, align);
}

result<std::string> format_text(const std::string& s, const spec_t& f) {
  if (f.type && f.type != 's')
    return err(errc::value_error, std::string("Unknown format code '") + f.type + "' for object of type 'str'");
  if (f.sign) return err(errc::value_error, "Sign not allowed in string format specifier");
  if (f.alternate) return err(errc::value_error, "Alternate form (#) not allowed in string format specifier");
  if (f.z) return err(errc::value_error, "Negative zero coercion (z) not allowed in format specifier");
  if (f.align == '=') return err(errc::value_error, "'=' alignment not allowed in string format specifier");
  if (f.grouping) return err(errc::value_error, std::string("Cannot specify '") + f.grouping + "' with 's'.");
  std::string t = f.precision >= 0 ? cp_prefix(s, static_cast<std::size_t>(f.precision)) : s;
  if (f.width <= 0) return t;
  char32_t fill = f.align ? f.fill : (f.zero ? U'0' : f.fill);
  return pad(t, static_cast<std::size_t>(f.width), fill, f.align ? f.align : '<');
}

result<std::string> format_float(double v, const spec_t& f_in) {
  spec_t f = f_in;
  char type = f.type;
  if (type && std::string_view("eEfFgGn%").find(type) == std::string_view::npos)
    return err(errc::value_error, std::string("Unknown format code '") + type + "' for object of type 'float'");
  bool upper = type == 'E' || type == 'F' || type == 'G';
  bool negative = std::signbit(v) && !std::isnan(v);
  double a = std::fabs(v);
  std::string text;
  if (std::isnan(a) || std::isinf(a)) {
    text = std::isnan(a) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    if (type == '%') text += '%';
  } else {
    char conv = type;
    long prec = f.precision;
    bool add_dot_0 = false;
    if (type == '%') { a *= 100; conv = 'f'; }
    if (type == 0) {
      if (prec < 0) {
        text = json::float_repr(a);  // repr: shortest round-trip, '.0' kept
      } else {
        // 'g' with at least one digit after the point, exponent form once decpt > p - 1 (format_float_short)
        long p = prec == 0 ? 1 : prec;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*e", static_cast<int>(std::min<long>(p - 1, 40)), a);
        long decpt = std::strtol(std::strchr(buf, 'e') + 1, nullptr, 10) + 1;
        if (a == 0) decpt = 1;
        std::string body;
        if (decpt <= -4 || decpt > p - 1) {
          body = buf;
          std::size_t epos = body.find('e');
          std::string mant = body.substr(0, epos), ex = body.substr(epos);
          if (!f.alternate && mant.find('.') != std::string::npos) {
            while (mant.back() == '0') mant.pop_back();
            if (mant.back() == '.') mant.pop_back();
          }
          if (f.alternate && mant.find('.') == std::string::npos) mant += '.';
          body = mant + ex;
        } else {
          long frac = std::max<long>(p - decpt, 0);
          int n = std::snprintf(nullptr, 0, "%.*f", static_cast<int>(frac), a);
          body.assign(static_cast<std::size_t>(n) + 1, '\0');
          std::snprintf(body.data(), body.size(), "%.*f", static_cast<int>(frac), a);
          body.resize(static_cast<std::size_t>(n));
          if (!f.alternate && body.find('.') != std::string::npos) {
            while (body.back() == '0') body.pop_back();
            if (body.back() == '.') body.pop_back();
          }
          if (body.find('.') == std::string::npos) body += ".0";
        }
        text = body;
      }
    }
    if (type == 'n') conv = 'g';
    if (text.empty()) {
      if (prec < 0) prec = 6;
      if ((conv == 'g' || conv == 'G') && prec == 0) prec = 1;
      std::string spec = std::string("%") + (f.alternate ? "#" : "") + ".*" + conv;
      int n = std::snprintf(nullptr, 0, spec.c_str(), static_cast<int>(prec), a);
      text.assign(static_cast<std::size_t>(n) + 1, '\0');
      std::snprintf(text.data(), text.size(), spec.c_str(), static_cast<int>(prec), a);
      text.resize(static_cast<std::size_t>(n));
      if (add_dot_0 && text.find_first_of(".e") == std::string::npos) text += ".0";
    } else if (f.alternate && text.find('.') == std::string::npos) {  // repr with '#': "1e+100" -> "1.e+100"
      std::size_t e = text.find('e');
      text.insert(e == std::string::npos ? text.size() : e, ".");
    }
    if (type == '%') text += '%';
    if (f.z && negative && text.find_first_of("123456789") == std::string::npos) negative = false;
  }
  std::string sign = negative ? "-" : f.sign == '+' ? "+" : f.sign == ' ' ? " " : "";
  // digits of the integer part get the grouping; the rest (fraction, exponent, '%') follows
  std::size_t int_end = text.find_first_not_of("0123456789");
  if (int_end == std::string::npos) int_end = text.size();
  if (std::isnan(a) || std::isinf(a)) int_end = 0;
  std::string digits = text.substr(0, int_end), rest = text.substr(int_end);
  if (digits.empty()) return layout(f, sign, "", "", 0, rest, '>');
  return layout(f, sign, "", digits, 3, rest, '>');
}

result<std::string> format_int(const operand& o, const spec_t& f) {
  char type = f.type;
  if (type && std::string_view("eEfFgG%").find(type) != std::string_view::npos) {
    auto d = to_float(o);
    if (!d) return d.err();
    return format_float(*d, f);
  }
  const char* tname = o.kind() == operand::type::boolean ? "bool" : "int";
  if (type && std::string_view("bcdoxXn").find(type) == std::string_view::npos)
    return err(errc::value_error, std::string("Unknown format code '") + type + "' for object of type '" + tname + "'");
  if (f.precision >= 0) return err(errc::value_error, "Precision not allowed in integer format specifier");
  if (f.z) return err(errc::value_error, "Negative zero coercion (z) not allowed in integer format specifier");
  auto v = to_int(o);
  if (!v) return v.err();
  if (type == 'c') {
    if (f.sign) return err(errc::value_error, "Sign not allowed with integer format specifier 'c'");
    if (f.alternate) return err(errc::value_error, "Alternate form (#) not allowed with integer format specifier 'c'");
    if (v->negative || v->digits.size() > 7 || std::stol(v->digits) > 0x10FFFF)
      return err(errc::overflow_error, "%c arg not in range(0x110000)");
    std::string ch;
    append_cp(ch, static_cast<char32_t>(std::stol(v->digits)));
    spec_t g = f;
    g.type = 0;
    return layout(g, "", "", ch, 0, "", '<');
  }
  std::string digits = v->digits, prefix;
  std::size_t group = 3;
  if (type == 'b' || type == 'o' || type == 'x' || type == 'X') {
    if (digits.size() > 18) return err(errc::unsupported, "base conversion of an integer beyond 64 bits");
    unsigned long long n = std::stoull(digits);
    unsigned base = type == 'b' ? 2 : type == 'o' ? 8 : 16;
    const char* alphabet = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    digits.clear();
    do { digits.insert(digits.begin(), alphabet[n % base]); n /= base; } while (n);
    group = 4;
    if (f.alternate) prefix = type == 'b' ? "0b" : type == 'o' ? "0o" : type == 'x' ? "0x" : "0X";
  }
  if (type == 'n' && f.grouping) return err(errc::value_error, "Cannot specify ',' with 'n'.");
  std::string sign = v->negative ? "-" : f.sign == '+' ? "+" : f.sign == ' ' ? " " : "";
  return layout(f, sign, prefix, digits, group, "", '>');
}

// format(value, spec) as the value's __format__ does it (str, int, bool, float, None, other objects).
result<std::string> format_value(const operand& o, std::string_view spec) {
  using T = operand::type;
  if (spec.empty() && o.kind() != T::floating) return o.text();
  if (o.kind() == T::none || o.kind() == T::object) {
    if (spec.empty()) return o.text();
    return err(errc::type_error, std::string("unsupported format string passed to ") +
                                (o.kind() == T::none ? "NoneType" : "object") + ".__format__");
  }
  auto f = parse_spec(spec);
  if (!f) return f.err();
  switch (o.kind()) {
    case T::integer:
    case T::boolean: return format_int(o, *f);
    case T::floating: return format_float(o.float_value(), *f);
    default: return format_text(o.text(), *f);
  }
}

// ---------------------------------------------------------------------------------------------- string.Formatter

// One replacement field of string.Formatter: the argument name, the !conversion and the :spec.
struct format_field {
  std::string_view name, spec;
  char32_t conversion = 0;
};

// Splits the text between the braces of a field as string.Formatter's parser does.
result<format_field> split_field(std::string_view field) {
  format_field f;
  std::size_t q = 0;
  char term = 0;
  while (q < field.size()) {
    char d = field[q++];
    if (d == '{') return err(errc::value_error, "unexpected '{' in field name");
    if (d == '[') {
      while (q < field.size() && field[q] != ']') ++q;
      continue;
    }
    if (d == '}' || d == ':' || d == '!') { term = d; break; }
  }
  f.name = term ? field.substr(0, q - 1) : field;
  if (term == '!' || term == ':') {
    if (term == '!') {
      if (q >= field.size()) return err(errc::value_error, "end of string while looking for conversion specifier");
      char32_t cv;
      q += decode_at(field, q, cv);
      f.conversion = cv;
      if (q < field.size()) {
        if (field[q] != ':') return err(errc::value_error, "expected ':' after conversion specifier");
        ++q;
      }
    }
    f.spec = field.substr(q);
  }
  return f;
}

// convert_field: !s, !r, !a.
result<operand> convert_field(const operand& arg, char32_t conversion) {
  if (!conversion) return arg;
  if (conversion == 's') return operand(arg.str_value());
  if (conversion == 'r') return operand(arg.repr());
  if (conversion == 'a') return operand(ascii_escape(arg.repr()));
  std::string shown;
  append_cp(shown, conversion);
  return err(errc::value_error, "Unknown conversion specifier " + shown);
}

struct formatter {
  const std::vector<operand>& args;
  const std::map<std::string, operand>& kwargs;
  long auto_index = 0;  // -1: manual numbering in use ("False" in Python)

  // The argument a field name names: automatic or manual numbering, or a keyword.
  result<const operand*> argument(std::string_view name) {
    std::string first(name.substr(0, std::min(name.find_first_of(".["), name.size())));
    if (first.size() != name.size()) return err(errc::unsupported, "field access ({0.attr}, {0[key]}) needs Python objects");
    bool digits = !first.empty() && std::all_of(first.begin(), first.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    // (Python also reads other decimal digits there; such a name is looked up as a keyword here)
    if (first.empty()) {
      if (auto_index < 0)
        return err(errc::value_error, "cannot switch from manual field specification to automatic field numbering");
      first = std::to_string(auto_index++);
      digits = true;
    } else if (digits) {
      if (auto_index > 0)
        return err(errc::value_error, "cannot switch from manual field specification to automatic field numbering");
      auto_index = -1;
    }
    if (digits) {
      std::string n = strip_zeros(first);  // "{0001}" is 1
      std::size_t idx = n.size() > 9 ? std::numeric_limits<std::size_t>::max() : std::stoul(n);
      if (idx >= args.size()) return err(errc::index_error, "tuple index out of range");
      return &args[idx];
    }
    auto it = kwargs.find(first);
    if (it == kwargs.end()) return err(errc::key_error, python_repr(first));
    return &it->second;
  }

  // One field: the argument, converted, formatted by its (itself formatted) spec and escaped.
  result<std::string> field(std::string_view text, int depth) {
    auto f = split_field(text);
    if (!f) return f.err();
    auto arg = argument(f->name);
    if (!arg) return arg.err();
    auto value = convert_field(**arg, f->conversion);
    if (!value) return value.err();
    // the spec is itself formatted (nested fields), then format_field escapes
    auto expanded = vformat(f->spec, depth - 1);  // nested fields are escaped too (EscapeFormatter.format_field)
    if (!expanded) return expanded.err();
    if (value->kind() == operand::type::markup) {
      if (!expanded->empty()) {
        if (value->is_html_object())
          return err(errc::value_error, "Format specifier " + *expanded + " given, but the object does not define "
                                        "__html_format__. A class that defines __html__ must define __html_format__ to "
                                        "work with format specifiers.");
        return err(errc::value_error, "Unsupported format specification for Markup.");
      }
      // __html__() of an object may return a plain str: EscapeFormatter escapes what it returned
      return value->is_html_object() && !value->html_is_markup() ? websec::escape::escape(value->text()) : value->text();
    }
    auto formatted = format_value(*value, *expanded);
    if (!formatted) return formatted.err();
    return websec::escape::escape(*formatted);
  }

  result<std::string> vformat(std::string_view t, int depth) {
    if (depth < 0) return err(errc::value_error, "Max string recursion exceeded");
    std::string out;
    std::size_t i = 0;
    while (i < t.size()) {
      // literal text up to '{' or '}'
      std::size_t k = t.find_first_of("{}", i);
      if (k == std::string_view::npos) {
        out.append(t.substr(i));
        break;
      }
      out.append(t.substr(i, k - i));
      char c = t[k];
      bool at_end = k + 1 >= t.size();
      if (c == '}' && (at_end || t[k + 1] != '}')) return err(errc::value_error, "Single '}' encountered in format string");
      if (at_end && c == '{') return err(errc::value_error, "Single '{' encountered in format string");
      if (t[k + 1] == c) {  // escaped brace
        out += c;
        i = k + 2;
        continue;
      }
      // a field: up to the '}' that balances it
      std::size_t start = k + 1, p = start;
      int count = 1;
      while (p < t.size()) {
        char d = t[p++];
        if (d == '{') ++count;
        else if (d == '}' && --count <= 0) break;
      }
      if (count > 0) return err(errc::value_error, "expected '}' before end of string");
      i = p;
      auto piece = field(t.substr(start, p - 1 - start), depth);
      if (!piece) return piece.err();
      out += *piece;
    }
    return out;
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------- operand

operand::operand(double v)
    : text_(std::isnan(v) ? "nan" : std::isinf(v) ? (v < 0 ? "-inf" : "inf") : json::float_repr(v)),
      safe_(false), type_(type::floating), float_(v) {}

operand::operand(const markup& m) : text_(m.str()), safe_(true), type_(type::markup) {}

operand operand::none() {
  operand o(std::string("None"));
  o.type_ = type::none;
  return o;
}

operand operand::big_integer(std::string decimal) {
  operand o(decimal);
  o.type_ = type::integer;  // str() and repr() are the digits; int() and float() read them (int_value() does not)
  return o;
}

operand operand::object(std::string str, std::string repr) {
  operand o(std::move(str));
  o.type_ = type::object;
  o.repr_ = std::move(repr);
  return o;
}

operand operand::html_object(const markup& html, std::string repr, bool html_is_markup, std::optional<std::string> str) {
  operand o(html);
  o.str_ = std::move(str);
  o.repr_ = repr.empty() ? std::string("<object>") : std::move(repr);
  o.html_is_markup_ = html_is_markup;
  return o;
}

std::string operand::html() const { return safe_ ? text_ : websec::escape::escape(text_); }

std::string operand::repr() const {
  switch (type_) {
    case type::text: return repr_.empty() ? python_repr(text_) : repr_;
    case type::markup: return repr_.empty() ? "Markup(" + python_repr(text_) + ")" : repr_;
    case type::object: return repr_;
    default: return text_;
  }
}

// ---------------------------------------------------------------------------------------------- markup

result<markup> markup::percent(const std::vector<operand>& args) const {
  return percent_impl(s_, &args, nullptr, false, [](const std::string&) -> const operand* { return nullptr; });
}

result<markup> markup::percent_mapping(const std::map<std::string, operand>& mapping, const operand* whole) const {
  return percent_impl(s_, nullptr, whole, true, [&](const std::string& k) -> const operand* {
    auto it = mapping.find(k);
    return it == mapping.end() ? nullptr : &it->second;
  });
}

result<markup> markup::percent_one(const operand& whole) const {
  return percent_impl(s_, nullptr, &whole, false, [](const std::string&) -> const operand* { return nullptr; });
}

result<markup> markup::format(const std::vector<operand>& args, const std::map<std::string, operand>& kwargs) const {
  formatter f{args, kwargs};
  auto r = f.vformat(s_, 2);
  if (!r) return r.err();
  return markup(std::move(*r));
}

}  // namespace websec::escape
