// websec/json.hpp — a JSON value that behaves like the Python objects `json.loads` returns, and Python's
// `json.dumps` / `json.loads` over it, byte for byte (CPython 3.11 `json` module, C accelerator).
//
// Why not a general JSON library: signed cookies and tokens are MACs over the *exact* text Python produced,
// so the text must match: float `repr` (`1e+100`, `-0.0`, `1.0`), `NaN`/`Infinity`, arbitrary-precision
// integers, `ensure_ascii` with UTF-16 surrogate escapes and lowercase hex, `sort_keys` by code point, dict
// insertion order, and the leniency of `json.loads` (duplicate keys: last value wins at the first key's
// position; `NaN`, `Infinity`, `-Infinity` accepted).
//
// Strings are UTF-8. A lone surrogate (which Python strings can hold, e.g. from the escape "\ud800") is kept as
// its 3-byte generalized UTF-8 form (ED A0 80), so it round-trips through `dumps(ensure_ascii=True)`.
//
// Besides the JSON kinds the value can hold the Python objects Flask's TaggedJSONSerializer knows (tuple,
// bytes, Markup, UUID, datetime); `dumps` refuses them as Python does ("Object of type bytes is not JSON
// serializable") — websec/session.hpp tags them first.
#pragma once

#include "websec/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace websec::json {

/// The Python type a value stands for.
enum class kind : std::uint8_t {
  null,      ///< None
  boolean,   ///< bool
  integer,   ///< int (arbitrary precision)
  floating,  ///< float (IEEE double, NaN and infinities included)
  string,    ///< str (UTF-8)
  list,      ///< list
  dict,      ///< dict with str keys, insertion order kept
  tuple,     ///< tuple (Flask tag " t")
  bytes,     ///< bytes (Flask tag " b")
  markup,    ///< markupsafe.Markup (Flask tag " m"), text in `str()`
  uuid,      ///< uuid.UUID (Flask tag " u"), 16 raw bytes in `str()`
  datetime,  ///< datetime.datetime (Flask tag " d")
};

/// A datetime.datetime: seconds since the epoch of the wall-clock time read as UTC, microseconds, and the
/// tzinfo (naive, UTC, or a fixed offset as `email.utils.parsedate_to_datetime` produces).
struct datetime_value {
  enum class zone : std::uint8_t { naive, utc, offset };
  std::int64_t local_seconds = 0;  ///< wall-clock time of the object as if it were UTC (Python's fields)
  std::int32_t microsecond = 0;
  zone tz = zone::naive;
  std::int32_t offset_seconds = 0;  ///< for zone::offset: utcoffset() in seconds
  /// Seconds since the epoch of the instant (naive is taken as UTC, as Flask's http_date does).
  std::int64_t utc_seconds() const { return tz == zone::offset ? local_seconds - offset_seconds : local_seconds; }
  bool operator==(const datetime_value&) const = default;
};

class value {
 public:
  using member = std::pair<std::string, value>;

  value() = default;  ///< None
  static value none() { return value(); }
  static value boolean(bool b);
  static value integer(std::int64_t i);
  /// An integer given as decimal text (optional '-', digits). Returns None for malformed text.
  static value integer_text(std::string_view decimal);
  static value floating(double d);
  static value string(std::string s);
  static value list(std::vector<value> items = {});
  static value tuple(std::vector<value> items = {});
  static value dict(std::vector<member> members = {});
  static value bytes(std::string raw);
  static value markup(std::string text);
  /// 16 raw bytes.
  static value uuid(std::string raw16);
  static value datetime(datetime_value dt);

  json::kind kind() const { return kind_; }
  bool is_null() const { return kind_ == json::kind::null; }
  bool as_bool() const { return b_; }
  /// True when the integer fits in int64 (then `as_int` is exact); otherwise `int_text` holds it.
  bool int_fits() const { return kind_ == json::kind::integer && big_.empty(); }
  std::int64_t as_int() const { return i_; }
  /// Decimal text of an integer (canonical: no leading zeros, no "-0").
  std::string int_text() const;
  double as_double() const { return d_; }
  /// Text of string/markup, raw bytes of bytes/uuid.
  const std::string& str() const { return s_; }
  std::string& str() { return s_; }
  /// Items of list/tuple.
  const std::vector<value>& items() const { return items_; }
  std::vector<value>& items() { return items_; }
  /// Members of a dict, in insertion order.
  const std::vector<member>& members() const { return members_; }
  std::vector<member>& members() { return members_; }
  const datetime_value& dt() const { return dt_; }

  /// dict lookup (nullptr when absent or not a dict).
  const value* find(std::string_view key) const;
  /// dict `d[key] = v`: replaces in place (keeping position) or appends.
  void set(std::string key, value v);

  /// Structural equality. Floats compare by bit pattern (so NaN == NaN and 0.0 != -0.0): the equality a
  /// round trip through text must preserve.
  bool operator==(const value& o) const;

 private:
  json::kind kind_ = json::kind::null;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
  std::string big_;  // integers outside int64, canonical decimal
  std::string s_;
  std::vector<value> items_;
  std::vector<member> members_;
  datetime_value dt_;
};

/// Options of `json.dumps` that matter for the output text.
struct dump_options {
  std::string_view item_separator = ", ";  ///< Python default; itsdangerous/Flask use ","
  std::string_view key_separator = ": ";   ///< Python default; itsdangerous/Flask use ":"
  bool ensure_ascii = true;                ///< escape everything outside U+0020..U+007E as \uXXXX
  bool sort_keys = false;                  ///< sort dict keys by code point
  bool allow_nan = true;                   ///< emit NaN/Infinity (false: error, as ValueError)
  std::size_t max_depth = 1000;            ///< nesting bound (Python: RecursionError)
  /// `indent=`: -1 is Python's None (one line); n >= 0 puts every list item and dict member on its own line,
  /// indented by n spaces per level, closing bracket on its own line; empty containers stay `[]` / `{}`.
  /// As Python, the separators are used as given: pass item_separator "," to get Python's default with
  /// an indent (`separators=(",", ": ")`).
  int indent = -1;
  /// Strings are byte strings read as Python's `surrogateescape` decoder does: each byte that is not part of
  /// a valid (strict, no surrogates) UTF-8 sequence is the code point U+DC80+byte, written `\udcNN` with
  /// ensure_ascii (the byte itself without), and never an error; `sort_keys` then orders by those code
  /// points. This is the str Python gets from `bytes.decode("utf-8", "surrogateescape")` (WSGI strings,
  /// os.fsdecode); a generalized-UTF-8 lone surrogate is then its three bytes, not one code point.
  bool surrogateescape = false;
};

/// `json.dumps(obj, separators=..., ensure_ascii=..., sort_keys=..., allow_nan=..., indent=...)`.
/// Errors (kind "not_serializable", "nan_not_allowed", "max_depth", "invalid_utf8") for values Python would
/// refuse with TypeError/ValueError. Strings must be (generalized) UTF-8; with ensure_ascii=false a lone
/// surrogate is an error, as Python's later UTF-8 encoding of the text is.
result<std::string> dumps(const value& v, const dump_options& opt = {});

/// The separators itsdangerous and Flask use: `separators=(",", ":")`.
inline dump_options compact(bool ensure_ascii, bool sort_keys = false) {
  dump_options o;
  o.item_separator = ",";
  o.key_separator = ":";
  o.ensure_ascii = ensure_ascii;
  o.sort_keys = sort_keys;
  return o;
}

/// Bounds of `loads` for untrusted text.
struct load_limits {
  std::size_t max_size = 1u << 20;  ///< bytes of input (error kind "too_large")
  std::size_t max_depth = 900;      ///< nesting (Python raises RecursionError near 1000; kind "max_depth")
  std::size_t max_int_digits = 4300;  ///< CPython 3.11 int/str conversion limit (ValueError)
};

/// `json.loads(text)` of a str (the caller has already decoded UTF-8 strictly; invalid UTF-8 here is an error
/// of kind "invalid_utf8"). Accepts what CPython accepts: NaN/Infinity/-Infinity, duplicate keys (last value
/// wins, first position kept), any top-level value, whitespace " \t\n\r". Errors carry Python's message,
/// e.g. "Expecting value: line 1 column 1 (char 0)", with the byte offset; kind "json_decode".
result<value> loads(std::string_view text, const load_limits& limits = {});

/// Python's `repr()` of the value, e.g. `{'a': (1, b'\x00'), 'd': datetime.datetime(2020, 1, 2, 3, 4, 5,
/// tzinfo=datetime.timezone.utc)}`. Printable non-ASCII characters are shown raw and the others escaped, as
/// CPython 3.11 does (its str.isprintable() table).
std::string repr(const value& v);

/// Python `repr(float)`: shortest round-trip digits, exponent form iff exponent < -4 or >= 16; `nan`, `inf`,
/// `-inf`, `-0.0`. The library's one implementation (also `str(float)` for Markup operands, JSON floats).
std::string float_repr(double d);

/// Python `repr(bytes)`: b'...' with \x escapes, choosing the quote as CPython does.
std::string bytes_repr(std::string_view b);

/// Appends the UTF-8 (generalized: surrogates allowed) encoding of a code point.
void append_utf8(std::string& out, std::uint32_t cp);

/// True when `s` is valid UTF-8 (surrogates D800–DFFF rejected, as Python's strict decoder does).
bool valid_utf8(std::string_view s);

}  // namespace websec::json
