// escape_fuzzer — markupsafe escaping, html.unescape, striptags, Markup and |tojson on arbitrary bytes.
//
// Invariants (abort on violation):
//   * escape(x) contains no raw < > ' " and every & starts one of &amp; &lt; &gt; &#39; &#34;
//   * every kernel (scalar, SSE2, AVX2 where the CPU has it) gives the same bytes; escaped_size is exact;
//     escape_into writes exactly escape(x) in one pass and never past its capacity (npos when it does not fit)
//   * unescape(escape(x)) == x
//   * striptags (both profiles) equals a direct transcription of markupsafe's quadratic code (inputs ≤ 2 KiB)
//   * Markup + x == Markup + escape(x); join escapes every item
//   * |tojson of x as a string has none of < > & ' and parses back (json::loads, then surrogateescape) to
//     exactly x; JSON text that json::loads accepts dumps to a fixed point
//   * with the first line of x as a template and the other lines as arguments: Markup % args and
//     Markup.format equal a direct model of their documented rules (escaped arguments, %% and {{ }}), and
//     passing every argument pre-escaped as Markup gives the same bytes (escaping happens exactly once)
//   * |xmlattr of (line, line) pairs equals escape(key)="escape(value)" joined by spaces, or the exact
//     "Invalid character in attribute name" error when a key has whitespace, / > or =
//   * python_repr is quoted, holds no raw control character, and is the identity inside quotes for plain ASCII
#include "fuzz_check.hpp"
#include "websec/escape.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;
using namespace websec::escape;

namespace {

// Python's str.encode("utf-8", "surrogateescape") of a string json::loads returned: each lone surrogate
// U+DC80..U+DCFF (3 generalized-UTF-8 bytes ED B2 80 .. ED B3 BF) goes back to the byte it stands for.
std::string surrogateescape_bytes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    if (b(i) == 0xED && i + 2 < s.size() && (b(i + 1) == 0xB2 || b(i + 1) == 0xB3)) {
      out += static_cast<char>(((b(i + 1) & 0x01) << 6 | (b(i + 2) & 0x3F)) | 0x80);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool no_raw_specials(std::string_view e) {
  for (std::size_t i = 0; i < e.size(); ++i) {
    char c = e[i];
    if (c == '<' || c == '>' || c == '\'' || c == '"') return false;
    if (c == '&') {
      std::string_view rest = e.substr(i);
      bool ok = false;
      for (std::string_view ent : {"&amp;", "&lt;", "&gt;", "&#39;", "&#34;"})
        if (rest.substr(0, ent.size()) == ent) ok = true;
      if (!ok) return false;
    }
  }
  return true;
}

// markupsafe 3.0.2 Markup.striptags, comment and tag loops, transcribed literally (quadratic).
std::string reference_strip_upstream(std::string v) {
  for (;;) {
    std::size_t start = v.find("<!--");
    if (start == std::string::npos) break;
    std::size_t end = v.find("-->", start);
    if (end == std::string::npos) break;
    v = v.substr(0, start) + v.substr(end + 3);
  }
  for (;;) {
    std::size_t start = v.find('<');
    if (start == std::string::npos) break;
    std::size_t end = v.find('>', start);
    if (end == std::string::npos) break;
    v = v.substr(0, start) + v.substr(end + 1);
  }
  return v;
}

// markupsafe 2.1.2: re.sub(r"<!--.*?-->", "", v, DOTALL) then re.sub(r"<.*?>", "", v, DOTALL), as regex scans.
std::string reference_strip_debian(const std::string& s) {
  auto sub = [](const std::string& in, std::string_view open, std::string_view close) {
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
      if (in.compare(i, open.size(), open) == 0) {
        std::size_t e = in.find(close, i + open.size());
        if (e != std::string::npos) {
          i = e + close.size();
          continue;
        }
      }
      out += in[i++];
    }
    return out;
  };
  return sub(sub(s, "<!--", "-->"), "<", ">");
}

// Model of Markup % on its simplest subset: %s takes the next argument (escaped), %% is '%'; every argument must be
// used. nullopt = outside the subset (the library may still accept it: %d, %(key)s, widths...).
std::optional<std::string> model_percent(std::string_view t, const std::vector<std::string>& args) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '%') {
      out += t[i];
      continue;
    }
    if (i + 1 >= t.size()) return std::nullopt;
    char c = t[++i];
    if (c == '%') {
      out += '%';
    } else if (c == 's') {
      if (next >= args.size()) return std::nullopt;
      out += escape::escape(args[next++]);
    } else {
      return std::nullopt;
    }
  }
  if (next != args.size()) return std::nullopt;
  return out;
}

// Model of Markup.format on its simplest subset: {} (automatic) or {N} (manual, decimal) fields, never both kinds;
// {{ and }} are literal braces. nullopt = outside the subset (conversions, specs, names: the library handles them).
std::optional<std::string> model_format(std::string_view t, const std::vector<std::string>& args) {
  std::string out;
  std::size_t next = 0;
  bool automatic = false, manual = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '}') {
      if (i + 1 < t.size() && t[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      return std::nullopt;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < t.size() && t[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    std::size_t close = t.find('}', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view field = t.substr(i + 1, close - i - 1);
    std::size_t index = 0;
    if (field.empty()) {
      if (manual) return std::nullopt;
      automatic = true;
      index = next++;
    } else {
      if (automatic) return std::nullopt;
      for (char d : field) {
        if (d < '0' || d > '9') return std::nullopt;
        index = std::min<std::size_t>(index * 10 + static_cast<std::size_t>(d - '0'), 1u << 20);  // "{0001}" is 1
      }
      manual = true;
    }
    if (index >= args.size()) return std::nullopt;
    out += escape::escape(args[index]);
    i = close;
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view x) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() < 16) {
    std::size_t nl = x.find('\n', start);
    out.emplace_back(x.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// ---- escape and its kernels --------------------------------------------------------------------------------
// `first` is the input's first byte: it picks a capacity that is too small for escape_into.
void check_escape(std::string_view x, const std::string& e, std::uint8_t first) {
  CHECK(no_raw_specials(e), "raw special character in escaped output");
  CHECK(escaped_size(x) == e.size(), "escaped_size");
  CHECK(is_escape_free(x) == (e.size() == x.size()), "is_escape_free");
  for (kernel k : {kernel::scalar, kernel::sse2, kernel::avx2}) {
    if (!kernel_supported(k)) continue;
    CHECK(escape_with(k, x) == e, "kernels disagree");
    std::vector<char> buf(e.size() + 64, '\x5a');
    std::size_t w = escape_into(k, x, buf.data(), e.size());
    CHECK(w == e.size() && std::memcmp(buf.data(), e.data(), w) == 0, "escape_into output");
    for (std::size_t j = w; j < buf.size(); ++j) CHECK(buf[j] == '\x5a', "escape_into wrote past escaped_size");
    if (!e.empty()) {
      std::size_t cap = !x.empty() ? (first * e.size()) / 256 : 0;  // a capacity that is too small
      std::vector<char> small(cap + 64, '\x5a');
      CHECK(escape_into(k, x, small.data(), cap) == npos, "escape_into claimed to fit");
      for (std::size_t j = cap; j < small.size(); ++j) CHECK(small[j] == '\x5a', "escape_into wrote past capacity");
    }
  }
  CHECK(unescape(e) == x, "unescape(escape(x)) != x");

  // unescape alone: never crashes; input without '&' unchanged
  std::string u = unescape(x);
  if (x.find('&') == std::string_view::npos) CHECK(u == x, "unescape changed text without '&'");
}

// ---- striptags against the literal transcriptions -----------------------------------------------------------
void check_striptags(std::string_view x) {
  if (x.size() <= 2048) {
    std::string ref_up = unescape(collapse_whitespace(reference_strip_upstream(std::string(x))));
    CHECK(striptags(x, profile::upstream) == ref_up, "striptags upstream differs from markupsafe 3.0 loop");
    std::string ref_deb = unescape(collapse_whitespace(reference_strip_debian(std::string(x))));
    CHECK(striptags(x, profile::debian) == ref_deb, "striptags debian differs from markupsafe 2.1.2 regexes");
  } else {
    (void)striptags(x, profile::upstream);
    (void)striptags(x, profile::debian);
  }
}

// ---- Markup operations escape the other operand -------------------------------------------------------------
void check_markup_operators(std::string_view x, const std::string& e) {
  CHECK((markup("<b>") + x).str() == "<b>" + e, "markup + str");
  CHECK((operand(x) + markup("<b>")).str() == e + "<b>", "str + markup");
  CHECK(markup("<br>").join({x, x}).str() == e + "<br>" + e, "join");
  CHECK(markup::escape(x).str() == e, "Markup.escape(str)");
  CHECK(markup::escape(markup(std::string(x))).str() == x, "Markup.escape(Markup) must not escape again");
  markup acc_m("<b>");
  acc_m += x;
  acc_m += markup("</b>");
  CHECK(acc_m.str() == "<b>" + e + "</b>", "Markup +=");
}

// ---- |tojson of the bytes as a string; the bytes as JSON text ----------------------------------------------
void check_json(std::string_view x) {
  auto tj = tojson(json::value::string(std::string(x)));
  CHECK(tj.ok(), "tojson refused a string");
  const std::string& j = tj->str();
  CHECK(j.find_first_of("<>&'") == std::string::npos, "tojson left an HTML special");
  json::load_limits unbounded;
  unbounded.max_size = static_cast<std::size_t>(-1);
  auto back = json::loads(j, unbounded);
  CHECK(back.ok() && back->kind() == json::kind::string && surrogateescape_bytes(back->str()) == x,
        "tojson round trip");

  // the input as JSON text: when it parses, dumping is a fixed point
  auto parsed = json::loads(x);
  if (parsed.ok()) {
    auto d1 = json::dumps(*parsed);
    CHECK(d1.ok(), "dumps refused what loads returned");
    auto again = json::loads(*d1, unbounded);
    CHECK(again.ok(), "dumps output does not parse");
    auto d2 = json::dumps(*again);
    CHECK(d2.ok() && *d2 == *d1, "dumps is not a fixed point");
    CHECK(tojson(*parsed, 2).ok(), "tojson(indent=2) refused what loads returned");
  }
}

// ---- Markup % and .format against their models; pre-escaped Markup arguments give the same bytes -------------
// The library runs Python's printf-style formatting and string.Formatter (escape.hpp): on the subset the models
// cover (%s and %%; {} and {N}) it must give the models' bytes, and whatever the template, an argument never
// brings a raw '<' (each is escaped, or pre-escaped markup), and errors name a Python exception class.
bool known_format_error(const websec::error& e) {
  using websec::errc;
  return e.kind == errc::type_error || e.kind == errc::value_error || e.kind == errc::key_error ||
         e.kind == errc::index_error || e.kind == errc::overflow_error || e.kind == errc::unsupported ||
         e.kind == errc::too_large;  // a width or precision over the library's limit
}

void check_formatting(const std::vector<std::string>& lines) {
  const std::string& tmpl = lines.front();
  std::vector<std::string> args(lines.begin() + 1, lines.end());
  std::vector<operand> plain, pre;
  for (const auto& a : args) {
    plain.emplace_back(a);
    pre.emplace_back(markup(escape::escape(a)));
  }
  const auto raw_lt = static_cast<std::size_t>(std::count(tmpl.begin(), tmpl.end(), '<'));
  auto p1 = markup(tmpl).percent(plain);
  auto p2 = markup(tmpl).percent(pre);
  auto pm = model_percent(tmpl, args);
  if (pm) {
    CHECK(p1.ok() && p1->str() == *pm, "Markup % differs from its model on %s/%%");
    CHECK(p2.ok() && p2->str() == *pm, "Markup % escaped a Markup argument");
  }
  for (const auto* r : {&p1, &p2}) {
    if (r->ok()) CHECK(static_cast<std::size_t>(std::count((*r)->str().begin(), (*r)->str().end(), '<')) <= raw_lt,
                       "Markup % let an argument's '<' through");
    else CHECK(known_format_error(r->err()), "Markup % error kind");
  }
  auto f1 = markup(tmpl).format(plain);
  auto f2 = markup(tmpl).format(pre);
  auto fm = model_format(tmpl, args);
  if (fm) {
    CHECK(f1.ok() && f1->str() == *fm, "Markup.format differs from its model on {}/{N}");
    CHECK(f2.ok() && f2->str() == *fm, "Markup.format escaped a Markup argument");
  }
  for (const auto* r : {&f1, &f2}) {
    if (r->ok()) CHECK(static_cast<std::size_t>(std::count((*r)->str().begin(), (*r)->str().end(), '<')) <= raw_lt,
                       "Markup.format let an argument's '<' through");
    else CHECK(known_format_error(r->err()), "Markup.format error kind");
  }
}

// ---- |xmlattr of line pairs; a key line starting with '?' stands for a None value (skipped) -----------------
void check_xmlattr(const std::vector<std::string>& lines) {
  std::vector<attribute> items;
  std::string want;
  bool bad_key = false;
  std::string first_bad;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) {
    attribute a{lines[i], std::nullopt};
    bool none = !lines[i + 1].empty() && lines[i + 1][0] == '?';
    if (!none) a.value = operand(lines[i + 1]);
    items.push_back(a);
    if (none) continue;
    if (a.key.find_first_of(" \t\n\r\f\v/>=") != std::string::npos) {
      if (!bad_key) first_bad = a.key;
      bad_key = true;
    }
    want += " " + escape::escape(a.key) + "=\"" + escape::escape(lines[i + 1]) + "\"";
  }
  auto xa = xmlattr(items, true);
  CHECK(xa.ok() == !bad_key, "xmlattr accepted a bad key or refused a good one");
  if (xa.ok()) {
    CHECK(xa->str() == want, "xmlattr output");
    auto xb = xmlattr(items, false);
    CHECK(xb.ok() && xb->str() == (want.empty() ? want : want.substr(1)), "xmlattr without autospace");
  } else {
    CHECK(xa.err().kind == errc::invalid_attribute_name &&
              xa.err().message == "Invalid character in attribute name: " +
                                      websec::quote_input(first_bad, websec::quote_style::python_str),
          "xmlattr error");
  }
}

// ---- python_repr: quoted, no raw control characters, identity for plain ASCII without quotes or backslashes ---
void check_python_repr(std::string_view x) {
  std::string r = python_repr(x);
  CHECK(r.size() >= 2 && (r.front() == '\'' || r.front() == '"') && r.back() == r.front(), "python_repr quotes");
  for (unsigned char c : r) CHECK(c >= 0x20 && c != 0x7f, "python_repr left a control character");
  bool plain_ascii = true;
  for (unsigned char c : x)
    if (c < 0x20 || c >= 0x7f || c == '\'' || c == '"' || c == '\\') plain_ascii = false;
  if (plain_ascii) CHECK(r == "'" + std::string(x) + "'", "python_repr of plain ASCII");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view x(reinterpret_cast<const char*>(data), size);
  const std::string e = escape::escape(x);
  check_escape(x, e, size > 0 ? data[0] : 0);
  check_markup_operators(x, e);
  // striptags against markupsafe's quadratic transcriptions, |tojson and JSON round trips, Markup % and .format
  // against their models, |xmlattr: the cheaper twin escape_fuzzer_fast leaves them out
  if (websec::fuzz::full) check_striptags(x);
  if (websec::fuzz::full) check_json(x);
  if (size <= 4096 && websec::fuzz::full) {  // with the first line of x as a template and the other lines as arguments
    const std::vector<std::string> lines = split_lines(x);
    check_formatting(lines);
    check_xmlattr(lines);
  }
  check_python_repr(x);

  // escape_append appends exactly escape(x); every kernel has a name
  std::string acc = "<kept>";
  escape_append(acc, x);
  CHECK(acc == "<kept>" + e, "escape_append");
  for (kernel k : {kernel::scalar, kernel::sse2, kernel::avx2}) CHECK(!to_string(k).empty(), "kernel name");
  return 0;
}
