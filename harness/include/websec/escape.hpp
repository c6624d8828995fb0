// websec/escape.hpp — HTML escaping as markupsafe and Jinja do it (spec §3.1, §3.2).
//
// Every function works on bytes (`std::string_view`), read as UTF-8. Where the Python functions work on `str`,
// invalid UTF-8 is treated as Python's `surrogateescape` decoding would: each invalid byte is one opaque code
// point that is copied through unchanged. No function throws on any input, and each runs in time linear in
// its input (the Python originals of `striptags` are quadratic; the results are the same).
//
//   escape()      markupsafe.escape            exactly & < > ' " -> &amp; &lt; &gt; &#39; &#34;, nothing else
//   markup        markupsafe.Markup            a string known to be safe; operations escape the other operand
//   unescape()    html.unescape / Markup.unescape   full HTML5 named-reference table, Python's numeric rules
//   striptags()   Markup.striptags             markupsafe 3.0 loop (upstream) or 2.1.2 regexes (debian)
//   tojson()      Jinja |tojson under Flask    htmlsafe_json_dumps(app.json.dumps(v)): sort_keys, ensure_ascii
//   xmlattr()     Jinja |xmlattr               escape(key)="escape(value)" joined by spaces
//
// The escape hot path is vectorised: SSE2 and AVX2 kernels, chosen at run time from the CPU, with a portable
// scalar fallback. Each path is exposed (`escape_with`) so tests and fuzzers can check they agree.
#pragma once

#include "websec/json.hpp"
#include "websec/result.hpp"
#include "websec/version.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace websec::escape {

// ------------------------------------------------------------------------------------------------- escape

/// markupsafe.escape on UTF-8 bytes: `&`→`&amp;`, `<`→`&lt;`, `>`→`&gt;`, `'`→`&#39;`, `"`→`&#34;`; every other
/// byte (controls, NUL, `` ` ``, `=`, invalid UTF-8) is copied unchanged. Same output as markupsafe 2.1.2's
/// C speedups and 3.0's `_native.escape` (spec §3.1, §6b). Uses the fastest kernel the CPU supports.
std::string escape(std::string_view s);

/// markupsafe.escape_silent: like escape, but None (an empty optional) gives "" instead of "None".
inline std::string escape_silent(std::optional<std::string_view> s);

/// Appends escape(s) to `out` (no temporary).
void escape_append(std::string& out, std::string_view s);

/// Length of escape(s) in bytes (vectorised count).
std::size_t escaped_size(std::string_view s);

/// True when `s` contains none of the five characters, i.e. escape(s) == s.
bool is_escape_free(std::string_view s);

/// The kernels of the hot path.
enum class kernel { scalar, sse2, avx2 };

/// Name of a kernel ("scalar", "sse2", "avx2").
std::string_view to_string(kernel k);

/// True when this CPU (and this build) can run the kernel. `scalar` is always supported.
bool kernel_supported(kernel k);

/// The kernel escape() uses: the best supported one (AVX2, then SSE2, then scalar), chosen once at start-up.
kernel active_kernel();

/// Returned by escape_into when the output does not fit.
inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// Writes escape(s) to `out` in one pass and returns the bytes written; never writes at or past
/// `out + capacity`: when escape(s) does not fit it returns `npos`. Bytes of `out` after the result (below
/// `capacity`) may be used as scratch.
/// capacity ≥ escaped_size(s) always fits; 5 × s.size() is the worst case. `k` falls back to a supported kernel.
std::size_t escape_into(kernel k, std::string_view s, char* out, std::size_t capacity);

/// escape(s) computed by the given kernel (scalar if `k` is not supported here).
std::string escape_with(kernel k, std::string_view s);

// ------------------------------------------------------------------------------------------------- unescape

/// html.unescape (Python 3.11), the body of Markup.unescape():
/// * named references from the full HTML5 table (2231 names, case-sensitive: `&AMP;`→`&`, `&Amp;` unchanged);
///   the legacy names that may omit `;` (`&copy`, `&lt`, `&not`…) are decoded by longest prefix
///   (`&notit;`→`¬it;`); unknown names are left as they are;
/// * numeric `&#NNN;` / `&#xHHH;` (the `;` optional): 0, surrogates and values above 0x10FFFF → U+FFFD,
///   13 → CR, 0x80–0x9F → Windows-1252, the code points Python drops (C0/C1 controls other than TAB/LF/FF,
///   U+FDD0–U+FDEF, U+xFFFE/U+xFFFF) → nothing;
/// * output is UTF-8; bytes outside references are copied unchanged.
std::string unescape(std::string_view s);

/// Looks up a named reference exactly as written (e.g. "amp;", "copy"); nullopt if it is not in the table.
std::optional<std::string_view> named_reference(std::string_view name);

// ------------------------------------------------------------------------------------------------- striptags

/// Markup(s).striptags(): remove comments, then tags, collapse whitespace as `" ".join(s.split())` (Python's
/// str.isspace set: includes \x1c-\x1f, U+0085, U+00A0, U+2028, U+3000…), then unescape.
/// `profile::upstream` (markupsafe 3.0): comments are removed by repeatedly finding the first `<!--` and the
/// first `-->` at or after it (so `<!-->` is a whole comment) until none is left, rescanning text the removal
/// joined; then tags `<`…`>` the same way. `profile::debian` (markupsafe 2.1.2): one left-to-right pass of
/// `<!--.*?-->` (DOTALL), then of `<.*?>`: `<!-<!--c-->-a>b-->` → `b-->` (upstream: ``).
std::string striptags(std::string_view s, profile p = profile::upstream);

/// `" ".join(s.split())` on UTF-8 text with Python's whitespace set (invalid bytes are never whitespace).
std::string collapse_whitespace(std::string_view s);

// ------------------------------------------------------------------------------------------------- markup

class markup;

/// An operand of a markup operation: plain text (escaped when used) or markup (used verbatim), like a Python
/// object with or without `__html__`. Integers, floats, booleans and None keep their value, so `%d`, `%.2f` and
/// format specs see a number, and convert as Python's `str()` does where text is needed; any other object is given
/// by its `str()` and `repr()` (operand::object).
class operand {
 public:
  /// What the operand stands for in Python.
  enum class type { text, markup, integer, floating, boolean, none, object };
  operand(std::string_view text) : text_(text), safe_(false) {}  // NOLINT: implicit, like passing a str
  operand(const char* text) : text_(text ? text : "None"), safe_(false), type_(text ? type::text : type::none) {}  // NOLINT
  operand(const std::string& text) : text_(text), safe_(false) {}  // NOLINT
  operand(const markup& m);                                        // NOLINT
  operand(long long v) : text_(std::to_string(v)), safe_(false), type_(type::integer), int_(v) {}  // NOLINT
  operand(int v) : operand(static_cast<long long>(v)) {}            // NOLINT
  operand(bool v) : text_(v ? "True" : "False"), safe_(false), type_(type::boolean), int_(v ? 1 : 0) {}  // NOLINT
  operand(double v);                                                // NOLINT: str(float), e.g. "1.5"
  /// Python's None.
  static operand none();
  /// An int beyond long long, as its decimal digits ("-123…"; a leading '-' for negatives).
  static operand big_integer(std::string decimal);
  /// Any other object, by its str() and repr() (a list, a dict, ...): usable by %s, %r, {} and {!r}.
  static operand object(std::string str, std::string repr);
  /// An object with __html__ that is not Markup itself: safe text, and the object's own repr(). int() and float()
  /// of it are TypeErrors; `html_is_markup` says whether its __html__() returned markup (format escapes a plain
  /// str that __html__() returned, as markupsafe's EscapeFormatter does).
  static operand html_object(const markup& html, std::string repr, bool html_is_markup = true,
                             std::optional<std::string> str = std::nullopt);
  /// str() of the value: text() for all but an html_object given its own str().
  const std::string& str_value() const { return str_ ? *str_ : text_; }
  /// True for an html_object (see there).
  bool is_html_object() const { return type_ == type::markup && !repr_.empty(); }
  bool html_is_markup() const { return html_is_markup_; }
  /// Markup-ready text: escaped unless it came from markup.
  std::string html() const;
  /// str() of the value.
  const std::string& text() const { return text_; }
  /// repr() of the value (a str's quoted form, "Markup('…')" for markup, the number's text for numbers).
  std::string repr() const;
  bool safe() const { return safe_; }
  type kind() const { return type_; }
  long long int_value() const { return int_; }     ///< integer (fits long long) and boolean
  double float_value() const { return float_; }    ///< floating

 private:
  std::string text_;
  bool safe_;
  type type_ = type::text;
  long long int_ = 0;
  double float_ = 0;
  std::string repr_;  ///< object and html_object: the object's repr()
  bool html_is_markup_ = true;
  std::optional<std::string> str_;  ///< html_object: the object's str()
};

/// markupsafe.Markup: text that is already safe HTML. Building one from a string trusts it (like `Markup(s)`);
/// `markup::escape` escapes. Every operation with a plain string escapes that string first, so unsafe text can
/// only enter through the explicit constructor.
class markup {
 public:
  markup() = default;
  /// Markup(s): trusts `s` as HTML.
  explicit markup(std::string s) : s_(std::move(s)) {}
  /// Markup.escape(s) / markupsafe.escape(s) returning Markup; a markup operand is returned unchanged.
  static markup escape(const operand& s);

  const std::string& str() const { return s_; }
  /// `__html__`: the text itself.
  const std::string& html() const { return s_; }
  bool operator==(const markup& o) const { return s_ == o.s_; }

  /// Markup + other: the other operand is escaped (unless markup). `"<i>" + Markup("<b>")` → `&lt;i&gt;<b>`.
  friend markup operator+(const markup& a, const operand& b);
  friend markup operator+(const operand& a, const markup& b);
  markup& operator+=(const operand& b);

  /// Markup % args, as markupsafe runs it: str's printf-style formatting with every argument wrapped in its escape
  /// helper. `%s` inserts the escaped str() and `%r` the escaped repr() (`%a` that, ASCII-escaped), then width and
  /// precision apply to the escaped text (`%-6.2s` of "<ab" is "&l    "); `%d %i %u` take int() of the argument
  /// (of a text too: "12" → 12; a float is truncated), `%e %E %f %F %g %G` float(); flags `-+ #0`, width,
  /// precision and length modifiers as Python reads them; `%%` is a percent sign. `%x %X %o %c` and `*` widths are
  /// TypeErrors (the helper has no __index__). The mapping form serves `%(key)s`. Errors carry Python's exception
  /// class as kind (errc::type_error, errc::value_error, errc::key_error, errc::overflow_error) and its message;
  /// errc::unsupported where Python would need the object itself (the mapping as a `%s` argument, int() of
  /// non-ASCII digits).
  result<markup> percent(const std::vector<operand>& args) const;
  /// The mapping form (%(key)s); `whole` (the mapping itself, by its str() and repr()) serves a conversion without a key.
  result<markup> percent_mapping(const std::map<std::string, operand>& mapping, const operand* whole = nullptr) const;
  /// One argument that is not a tuple and that markupsafe does not wrap in one (a sequence: an object with
  /// __getitem__): it serves the first conversion, and an unused argument is no error.
  result<markup> percent_one(const operand& whole) const;
  /// Markup.format / format_map, as markupsafe's EscapeFormatter (string.Formatter) runs it: `{}` / `{N}` / `{name}`
  /// fields (automatic and manual numbering not mixed), `{{` / `}}`, conversions `!s !r !a`, format specs (nested
  /// `{}` in a spec too) with Python's mini-language for str, int, float and bool; the formatted text is escaped
  /// afterwards unless it came from markup (whose only accepted spec is empty: ValueError otherwise). Errors as for
  /// percent (errc::index_error, errc::key_error, errc::value_error, errc::type_error); field access (`{0[i]}`,
  /// `{0.attr}`) needs Python objects: errc::unsupported.
  result<markup> format(const std::vector<operand>& args, const std::map<std::string, operand>& kwargs = {}) const;
  /// Markup.join: items escaped unless markup, separated by this markup.
  markup join(const std::vector<operand>& items) const;

  /// Markup.unescape(): html.unescape of the text (a plain string).
  std::string unescape() const { return websec::escape::unescape(s_); }
  /// Markup.striptags() (a plain string).
  std::string striptags(profile p = profile::upstream) const { return websec::escape::striptags(s_, p); }

 private:
  std::string s_;
};

// ------------------------------------------------------------------------------------------------- tojson

/// The four replacements of jinja2.utils.htmlsafe_json_dumps on already-dumped JSON:
/// `<`→`\u003c`, `>`→`\u003e`, `&`→`\u0026`, `'`→`\u0027`. `"` is NOT escaped (spec §3.2: unsafe inside a
/// double-quoted attribute).
std::string htmlsafe_json(std::string_view json_text);

/// `{{ v|tojson }}` under Flask (and Jinja's default policy): htmlsafe_json of
/// `json.dumps(v, sort_keys=True, ensure_ascii=True)` (websec::json::dumps), `indent` as in `|tojson(indent)`
/// (then separators "," and ": "). Strings are read as Python's surrogateescape strings
/// (json::dump_options::surrogateescape): an invalid byte 0xNN is written `\udcNN`, so any byte string works.
/// Errors as json::dumps gives them for what Python refuses (TypeError "Object of type bytes is not JSON
/// serializable" for bytes, UUID, datetime).
result<markup> tojson(const json::value& v, int indent = -1);

// ------------------------------------------------------------------------------------------------- xmlattr

/// One `|xmlattr` item: a key and a value; an empty optional value is Python's None/Undefined (skipped).
struct attribute {
  std::string key;
  std::optional<operand> value;
};

/// Jinja's `|xmlattr` (3.1.6, and Debian's backport): items whose value is None are skipped; a key containing
/// ASCII whitespace, `/`, `>` or `=` is an error (kind errc::invalid_attribute_name, message exactly Python's
/// `Invalid character in attribute name: 'k'` with the key's repr); otherwise `escape(key)="escape(value)"`
/// joined by one space, with a leading space when `autospace` and non-empty.
result<markup> xmlattr(const std::vector<attribute>& items, bool autospace = true);

/// Python repr() of a str given as UTF-8 (quotes chosen as Python does; \t \n \r \\ and non-printable
/// characters escaped; invalid bytes as \udcXX escapes like a surrogateescape string).
std::string python_repr(std::string_view s);

inline std::string escape_silent(std::optional<std::string_view> s) { return s ? escape(*s) : std::string(); }

}  // namespace websec::escape
