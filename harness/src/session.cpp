// Flask's signed cookie session (see websec/session.hpp).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "websec/session.hpp"

#include "websec/cookie.hpp"
#include "websec/signing.hpp"

#include "civil_date.hpp"
#include "json_detail.hpp"
#include "text_util.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

namespace websec::session {

using json::value;
namespace {
const char kHex[] = "0123456789abcdef";

using websec::detail::days_from_civil;
using websec::detail::civil_from_days;
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

bool truthy(const value& v) {
  switch (v.kind()) {
    case json::kind::null: return false;
    case json::kind::boolean: return v.as_bool();
    case json::kind::integer: return !(v.int_fits() && v.as_int() == 0);
    case json::kind::floating: return v.as_double() != 0.0;
    case json::kind::string:
    case json::kind::markup:
    case json::kind::bytes: return !v.str().empty();
    case json::kind::list:
    case json::kind::tuple: return !v.items().empty();
    case json::kind::dict: return !v.members().empty();
    default: return true;
  }
}

bool is_tag_key(std::string_view k) {
  return k == " di" || k == " t" || k == " b" || k == " m" || k == " u" || k == " d";
}

std::string uuid_hex(const std::string& raw) {
  std::string h;
  for (unsigned char c : raw) {
    h.push_back(kHex[c >> 4]);
    h.push_back(kHex[c & 15]);
  }
  return h;
}

error untag_error(std::string py_exc, std::string msg) {
  return error{"untag", 0, py_exc + ": " + msg, 500};
}

// Python str(datetime): isoformat(sep=' ').
std::string datetime_str(const json::datetime_value& dt) {
  std::int64_t days = floor_div(dt.local_seconds, 86400);
  std::int64_t rem = dt.local_seconds - days * 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  std::string out = buf;
  if (dt.microsecond) {
    std::snprintf(buf, sizeof buf, ".%06d", dt.microsecond);
    out += buf;
  }
  if (dt.tz != json::datetime_value::zone::naive) {
    int off = dt.tz == json::datetime_value::zone::utc ? 0 : dt.offset_seconds;
    char sign = off < 0 ? '-' : '+';
    int a = off < 0 ? -off : off;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, a / 3600, a / 60 % 60);
    out += buf;
    if (a % 60) {
      std::snprintf(buf, sizeof buf, ":%02d", a % 60);
      out += buf;
    }
  }
  return out;
}

// Python str(x): what Markup(x) stores for a non-str x.
std::string python_str(const value& v) {
  switch (v.kind()) {
    case json::kind::string:
    case json::kind::markup: return v.str();
    case json::kind::uuid: {
      std::string h = uuid_hex(v.str());
      return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
    }
    case json::kind::datetime: return datetime_str(v.dt());
    default: return json::repr(v);
  }
}

// int(text) for the ASCII forms Python accepts: optional sign, digits with single underscores between.
bool py_int(std::string_view t, std::int64_t& out) {
  if (t.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (t[0] == '+' || t[0] == '-') {
    neg = t[0] == '-';
    i = 1;
  }
  if (i >= t.size()) return false;
  std::int64_t v = 0;
  bool prev_digit = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '_') {
      if (!prev_digit || i + 1 >= t.size()) return false;
      prev_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (v > 1000000000000000LL) return false;  // far beyond any valid date field
    v = v * 10 + (c - '0');
    prev_digit = true;
  }
  if (!prev_digit) return false;
  out = neg ? -v : v;
  return true;
}

using websec::detail::lower;
std::string upper(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}

bool is_py_space(unsigned char c) { return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f); }

}  // namespace

// ---------------------------------------------------------------------------------------------- dates
// parse_http_date is werkzeug's parse_date: email.utils._parsedate_tz (CPython 3.11), then parsedate_to_datetime and
// werkzeug's naive → UTC. The steps below follow _parsedate_tz's own order.

namespace {

const std::vector<std::string> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
const std::vector<std::string> kMonthNames = {
    "jan",     "feb",      "mar",   "apr",   "may",  "jun",  "jul",    "aug",       "sep",     "oct",
    "nov",     "dec",      "january", "february", "march", "april", "may",  "june",     "july",    "august",
    "september", "october", "november", "december"};

bool listed(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// str.split(): the words between runs of whitespace.
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> data;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_py_space(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !is_py_space(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) data.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return data;
}

// str.split(sep).
std::vector<std::string> split_on(const std::string& s, char sep) {
  std::vector<std::string> v;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    v.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return v;
}

// A leading day name goes ("Mon," or any word ending in ','); "xxx,dd" keeps what follows its last comma.
void drop_day_name(std::vector<std::string>& data) {
  if (data[0].back() == ',' || listed(kDayNames, lower(data[0]))) {
    data.erase(data.begin());
  } else {
    size_t c = data[0].rfind(',');
    if (c != std::string::npos) data[0] = data[0].substr(c + 1);
  }
}

// "dd-mon-yy hh:mm zone" and "hh:mm+zzzz" (or no zone) become the five fields dd mm yy tm tz; false when fewer remain.
bool five_fields(std::vector<std::string>& data) {
  if (data.size() == 3) {
    std::vector<std::string> stuff = split_on(data[0], '-');
    if (stuff.size() == 3) {
      stuff.insert(stuff.end(), data.begin() + 1, data.end());
      data = std::move(stuff);
    }
  }
  if (data.size() == 4) {
    std::string s = data[3];
    size_t p = s.find('+');
    if (p == std::string::npos) p = s.find('-');
    if (p != std::string::npos && p > 0) {
      data[3] = s.substr(0, p);
      data.push_back(s.substr(p));
    } else {
      data.push_back("");
    }
  }
  return data.size() >= 5;
}

struct date_fields {
  std::string dd, yy, tm, tz;
  int month = 0;
};

// The fields put in order: the month is a name in either of the first two places; a year that looks like a time,
// or a zone where the year should be, trades places back; trailing commas go.
std::optional<date_fields> order_fields(const std::vector<std::string>& data) {
  date_fields f{data[0], data[2], data[3], data[4]};
  std::string mm = data[1];
  if (f.dd.empty() || mm.empty() || f.yy.empty()) return std::nullopt;
  mm = lower(mm);
  if (!listed(kMonthNames, mm)) {
    std::string t = f.dd;
    f.dd = mm;
    mm = lower(t);
    if (!listed(kMonthNames, mm)) return std::nullopt;
  }
  f.month = static_cast<int>(std::find(kMonthNames.begin(), kMonthNames.end(), mm) - kMonthNames.begin()) + 1;
  if (f.month > 12) f.month -= 12;
  if (!f.dd.empty() && f.dd.back() == ',') f.dd.pop_back();
  if (f.yy.find(':') != std::string::npos && f.yy.find(':') > 0) std::swap(f.yy, f.tm);
  if (!f.yy.empty() && f.yy.back() == ',') {
    f.yy.pop_back();
    if (f.yy.empty()) return std::nullopt;
  }
  if (!f.yy.empty() && !(f.yy[0] >= '0' && f.yy[0] <= '9')) std::swap(f.yy, f.tz);
  if (!f.tm.empty() && f.tm.back() == ',') f.tm.pop_back();
  return f;
}

// "hh:mm", "hh:mm:ss", "hh.mm" or "hh.mm.ss" (seconds stay "0" when absent).
bool split_time(const std::string& tm, std::string& h, std::string& m, std::string& s) {
  std::vector<std::string> parts = split_on(tm, ':');
  if (parts.size() == 1 && parts[0].find('.') != std::string::npos) {
    parts = split_on(parts[0], '.');
    if (parts.size() != 2 && parts.size() != 3) return false;
  }
  if (parts.size() != 2 && parts.size() != 3) return false;
  h = parts[0];
  m = parts[1];
  if (parts.size() == 3) s = parts[2];
  return true;
}

// The zone as seconds east of UTC: a name of _timezones, or a ±hhmm number; nullopt when unknown, and for "-0000".
std::optional<std::int64_t> zone_offset(const std::string& tz) {
  static const std::pair<const char*, int> zones[] = {{"UT", 0},     {"UTC", 0},    {"GMT", 0},    {"Z", 0},
                                                      {"AST", -400}, {"ADT", -300}, {"EST", -500}, {"EDT", -400},
                                                      {"CST", -600}, {"CDT", -500}, {"MST", -700}, {"MDT", -600},
                                                      {"PST", -800}, {"PDT", -700}};
  std::optional<std::int64_t> hhmm;
  const std::string TZ = upper(tz);
  bool found = false;
  for (auto& z : zones)
    if (TZ == z.first) {
      hhmm = z.second;
      found = true;
    }
  if (!found) {
    std::int64_t v;
    if (py_int(TZ, v)) hhmm = v;
    if (hhmm && *hhmm == 0 && !TZ.empty() && TZ[0] == '-') hhmm.reset();
  }
  if (!hhmm || !*hhmm) return hhmm;
  std::int64_t sign = *hhmm < 0 ? -1 : 1;
  std::int64_t a = *hhmm < 0 ? -*hhmm : *hhmm;
  return sign * ((a / 100) * 3600 + (a % 100) * 60);
}

// datetime(Y, M, D, h, m, s, tzinfo=timezone(offset)): nullopt where Python raises ValueError (parse_date's None).
std::optional<json::datetime_value> make_datetime(std::int64_t Y, int month, std::int64_t D, std::int64_t H,
                                                  std::int64_t M, std::int64_t S, std::optional<std::int64_t> tzoffset) {
  if (Y < 1 || Y > 9999 || month < 1 || month > 12 || D < 1 || H < 0 || H > 23 || M < 0 || M > 59 || S < 0 || S > 59)
    return std::nullopt;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
  int maxd = mdays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (D > maxd) return std::nullopt;
  json::datetime_value dt;
  dt.local_seconds = days_from_civil(Y, static_cast<unsigned>(month), static_cast<unsigned>(D)) * 86400 + H * 3600 +
                     M * 60 + S;
  if (!tzoffset || *tzoffset == 0) {
    dt.tz = json::datetime_value::zone::utc;
  } else {
    if (*tzoffset <= -86400 || *tzoffset >= 86400) return std::nullopt;  // timezone() range
    dt.tz = json::datetime_value::zone::offset;
    dt.offset_seconds = static_cast<std::int32_t>(*tzoffset);
  }
  return dt;
}

}  // namespace

std::optional<json::datetime_value> parse_http_date(std::string_view text) {
  std::vector<std::string> data = split_words(text);
  if (data.empty()) return std::nullopt;
  drop_day_name(data);
  if (!five_fields(data)) return std::nullopt;
  auto f = order_fields(data);
  if (!f) return std::nullopt;
  std::string thh, tmm, tss = "0";
  if (!split_time(f->tm, thh, tmm, tss)) return std::nullopt;
  std::int64_t Y, D, H, M, S;
  if (!py_int(f->yy, Y) || !py_int(f->dd, D) || !py_int(thh, H) || !py_int(tmm, M) || !py_int(tss, S)) return std::nullopt;
  if (Y < 100) Y += Y > 68 ? 1900 : 2000;
  return make_datetime(Y, f->month, D, H, M, S, zone_offset(f->tz));
}

// ---------------------------------------------------------------------------------------------- tagged JSON

value tag(const value& v) {
  switch (v.kind()) {
    case json::kind::dict: {
      if (v.members().size() == 1 && is_tag_key(v.members()[0].first)) {
        std::vector<value::member> m;
        m.emplace_back(v.members()[0].first + "__", tag(v.members()[0].second));
        return value::dict({{" di", value::dict(std::move(m))}});
      }
      std::vector<value::member> m;
      m.reserve(v.members().size());
      for (const auto& [k, x] : v.members()) m.emplace_back(k, tag(x));
      return value::dict(std::move(m));
    }
    case json::kind::tuple: {
      std::vector<value> items;
      for (const auto& x : v.items()) items.push_back(tag(x));
      return value::dict({{" t", value::list(std::move(items))}});
    }
    case json::kind::list: {
      std::vector<value> items;
      items.reserve(v.items().size());
      for (const auto& x : v.items()) items.push_back(tag(x));
      return value::list(std::move(items));
    }
    case json::kind::bytes:
      return value::dict({{" b", value::string(signing::base64_encode_standard(v.str()))}});
    case json::kind::markup: return value::dict({{" m", value::string(v.str())}});
    case json::kind::uuid: return value::dict({{" u", value::string(uuid_hex(v.str()))}});
    case json::kind::datetime: return value::dict({{" d", value::string(websec::detail::http_date_text(v.dt().utc_seconds()))}});
    default: return v;
  }
}

namespace {
// One pass of `json.dumps(tag(v), separators=(",", ":"), sort_keys=True, ensure_ascii=True)` straight from the
// untagged value: the tagged wrappers are written, not built, so no value is copied. Depths, traversal order and
// errors are those of json::dumps over tag(v) (a wrapper dict counts as one level, its payload as the next).
struct tagged_writer {
  std::string& out;
  error err;
  bool failed = false;
  static constexpr std::size_t max_depth = json::dump_options{}.max_depth;

  bool fail(const char* kind, const char* msg) {
    if (!failed) err = error{kind, 0, msg, 500};
    failed = true;
    return false;
  }
  bool depth_ok(std::size_t depth) {
    return depth <= max_depth || fail("max_depth", "maximum recursion depth exceeded while encoding a JSON object");
  }
  bool str(std::string_view s, bool key) {
    if (json::detail::encode_string(out, s, true)) return true;
    return fail("invalid_utf8", key ? "key is not valid UTF-8" : "string is not valid UTF-8");
  }
  // {"<tag>":<the string s>}: the wrapper at `depth`, the string at depth + 1
  bool wrapped_string(std::string_view tag_key, std::string_view s, std::size_t depth) {
    if (!depth_ok(depth)) return false;
    out += "{\"";
    out += tag_key;
    out += "\":";
    if (!depth_ok(depth + 1) || !str(s, false)) return false;
    out.push_back('}');
    return true;
  }
  bool items(const std::vector<value>& xs, std::size_t depth) {  // a list at `depth`
    if (!depth_ok(depth)) return false;
    out.push_back('[');
    bool first = true;
    for (const auto& x : xs) {
      if (!first) out.push_back(',');
      first = false;
      if (!write(x, depth + 1)) return false;
    }
    out.push_back(']');
    return true;
  }
  bool write(const value& v, std::size_t depth) {
    switch (v.kind()) {
      case json::kind::null:
        if (!depth_ok(depth)) return false;
        out += "null";
        return true;
      case json::kind::boolean:
        if (!depth_ok(depth)) return false;
        out += v.as_bool() ? "true" : "false";
        return true;
      case json::kind::integer: {
        if (!depth_ok(depth)) return false;
        if (v.int_fits()) {
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
          out.append(buf, r.ptr);
        } else {
          out += v.int_text();
        }
        return true;
      }
      case json::kind::floating: {
        if (!depth_ok(depth)) return false;
        const double d = v.as_double();
        if (std::isnan(d)) out += "NaN";
        else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
        else out += json::float_repr(d);
        return true;
      }
      case json::kind::string:
        return depth_ok(depth) && str(v.str(), false);
      case json::kind::list:
        return items(v.items(), depth);
      case json::kind::tuple:
        if (!depth_ok(depth)) return false;
        out += "{\" t\":";
        if (!items(v.items(), depth + 1)) return false;
        out.push_back('}');
        return true;
      case json::kind::bytes:
        return wrapped_string(" b", signing::base64_encode_standard(v.str()), depth);
      case json::kind::markup:
        return wrapped_string(" m", v.str(), depth);
      case json::kind::uuid:
        return wrapped_string(" u", uuid_hex(v.str()), depth);
      case json::kind::datetime:
        return wrapped_string(" d", websec::detail::http_date_text(v.dt().utc_seconds()), depth);
      case json::kind::dict:
        break;
    }
    if (!depth_ok(depth)) return false;
    const auto& ms = v.members();
    if (ms.size() == 1 && is_tag_key(ms[0].first)) {
      // {" di": {key + "__": tag(value)}}
      out += "{\" di\":";
      if (!depth_ok(depth + 1)) return false;
      out.push_back('{');
      std::string k = ms[0].first + "__";
      if (!str(k, true)) return false;
      out.push_back(':');
      if (!write(ms[0].second, depth + 2)) return false;
      out += "}}";
      return true;
    }
    // sort_keys: a stable sort of the members by key (code point order = UTF-8 byte order)
    const value::member* small[32];
    std::vector<const value::member*> large;
    const value::member** order = small;
    if (ms.size() > 32) {
      large.resize(ms.size());
      order = large.data();
    }
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const value::member* m = &ms[i];
      std::size_t j = i;
      if (ms.size() <= 32) {  // insertion sort (stable)
        while (j > 0 && std::string_view(m->first) < std::string_view(order[j - 1]->first)) {
          order[j] = order[j - 1];
          --j;
        }
      }
      order[j] = m;
    }
    if (ms.size() > 32)
      std::stable_sort(order, order + ms.size(), [](const value::member* a, const value::member* b) {
        return std::string_view(a->first) < std::string_view(b->first);
      });
    out.push_back('{');
    for (std::size_t i = 0; i < ms.size(); ++i) {
      if (i) out.push_back(',');
      if (!str(order[i]->first, true)) return false;
      out.push_back(':');
      if (!write(order[i]->second, depth + 1)) return false;
    }
    out.push_back('}');
    return true;
  }
};

bool tagged_dumps_into(std::string& out, const value& v, error& err) {
  tagged_writer w{out, {}, false};
  if (w.write(v, 0)) return true;
  err = std::move(w.err);
  return false;
}
}  // namespace

result<std::string> tagged_dumps(const value& v) {
  std::string out;
  out.reserve(128);
  error err;
  if (!tagged_dumps_into(out, v, err)) return err;
  return out;
}

namespace {
result<value> untag_one(value v);

result<value> to_tuple(const value& x) {
  switch (x.kind()) {
    case json::kind::list:
    case json::kind::tuple: return value::tuple(x.items());
    case json::kind::string:
    case json::kind::markup: {
      std::vector<value> chars;
      const std::string& s = x.str();
      for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        l = std::min(l, s.size() - i);
        chars.push_back(value::string(s.substr(i, l)));
        i += l;
      }
      return value::tuple(std::move(chars));
    }
    case json::kind::dict: {
      std::vector<value> keys;
      for (const auto& m : x.members()) keys.push_back(value::string(m.first));
      return value::tuple(std::move(keys));
    }
    case json::kind::bytes: {
      std::vector<value> ints;
      for (unsigned char c : x.str()) ints.push_back(value::integer(c));
      return value::tuple(std::move(ints));
    }
    default: return untag_error("TypeError", "object is not iterable");
  }
}

result<value> to_bytes(const value& x) {
  std::string_view data;
  if (x.kind() == json::kind::string || x.kind() == json::kind::markup) {
    for (unsigned char c : x.str())
      if (c >= 0x80) return untag_error("ValueError", "string argument should contain only ASCII characters");
    data = x.str();
  } else if (x.kind() == json::kind::bytes) {
    data = x.str();
  } else {
    return untag_error("TypeError", "argument should be a bytes-like object or ASCII string");
  }
  auto r = signing::a2b_base64(data);
  if (!r) return untag_error("binascii.Error", r.err().message);
  return value::bytes(std::move(r.value()));
}

result<value> to_uuid(const value& x) {
  if (x.kind() != json::kind::string && x.kind() != json::kind::markup)
    return untag_error("AttributeError", "object has no attribute 'replace'");
  std::string h = x.str();
  auto erase_all = [](std::string& s, std::string_view what) {
    for (size_t p; (p = s.find(what)) != std::string::npos;) s.erase(p, what.size());
  };
  erase_all(h, "urn:");
  erase_all(h, "uuid:");
  size_t b = h.find_first_not_of("{}");
  size_t e = h.find_last_not_of("{}");
  h = b == std::string::npos ? std::string() : h.substr(b, e - b + 1);
  erase_all(h, "-");
  // len() counts code points
  size_t cps = 0;
  for (unsigned char c : h)
    if ((c & 0xC0) != 0x80) ++cps;
  if (cps != 32) return untag_error("ValueError", "badly formed hexadecimal UUID string");
  // int(h, 16): whitespace, sign, 0x prefix, single underscores between digits
  std::string_view t = h;
  while (!t.empty() && is_py_space(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && is_py_space(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  bool prefixed = false;
  if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    t.remove_prefix(2);
    prefixed = true;
  }
  std::string digits;
  bool prev_digit = prefixed;  // "0x_1" is allowed
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '_') {
      if (!prev_digit || i + 1 >= t.size()) return untag_error("ValueError", "invalid literal for int() with base 16");
      prev_digit = false;
      continue;
    }
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) return untag_error("ValueError", "invalid literal for int() with base 16");
    digits.push_back(kHex[v]);
    prev_digit = true;
  }
  if (digits.empty() || !prev_digit) return untag_error("ValueError", "invalid literal for int() with base 16");
  size_t nz = digits.find_first_not_of('0');
  std::string sig = nz == std::string::npos ? "" : digits.substr(nz);
  if (neg && !sig.empty()) return untag_error("ValueError", "int is out of range (need a 128-bit value)");
  if (sig.size() > 32) return untag_error("ValueError", "int is out of range (need a 128-bit value)");
  sig.insert(0, 32 - sig.size(), '0');
  std::string raw(16, '\0');
  for (size_t i = 0; i < 16; ++i) {
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    raw[i] = static_cast<char>(nib(sig[2 * i]) * 16 + nib(sig[2 * i + 1]));
  }
  return value::uuid(std::move(raw));
}

result<value> to_datetime(const value& x) {
  if (!truthy(x)) return value();  // parsedate_to_datetime raises ValueError → parse_date returns None
  if (x.kind() == json::kind::bytes) return value();  // TypeError inside, caught → None
  if (x.kind() != json::kind::string && x.kind() != json::kind::markup)
    return untag_error("AttributeError", "object has no attribute 'split'");
  auto dt = parse_http_date(x.str());
  if (!dt) return value();
  return value::datetime(*dt);
}

// TaggedJSONSerializer.untag on one dict whose children are already untagged.
result<value> untag_one(value v) {
  if (v.kind() != json::kind::dict || v.members().size() != 1) return v;
  const std::string& key = v.members()[0].first;
  if (!is_tag_key(key)) return v;
  value& x = v.members()[0].second;
  if (key == " t") return to_tuple(x);
  if (key == " b") return to_bytes(x);
  if (key == " m") {
    if (x.kind() == json::kind::string || x.kind() == json::kind::markup) return value::markup(x.str());
    return value::markup(python_str(x));
  }
  if (key == " u") return to_uuid(x);
  if (key == " d") return to_datetime(x);
  // " di": {key[:-2]: value[key]} with key = next(iter(value))
  if (x.kind() == json::kind::dict) {
    if (x.members().empty()) return untag_error("StopIteration", "empty dict under ' di'");
    std::string k = x.members()[0].first;
    // key[:-2] counts code points
    size_t cut = k.size();
    for (int n = 0; n < 2 && cut > 0; ++n) {
      --cut;
      while (cut > 0 && (static_cast<unsigned char>(k[cut]) & 0xC0) == 0x80) --cut;
    }
    std::vector<value::member> m;
    m.emplace_back(k.substr(0, cut), std::move(x.members()[0].second));
    return value::dict(std::move(m));
  }
  if (x.kind() == json::kind::string || x.kind() == json::kind::markup)
    return untag_error(x.str().empty() ? "StopIteration" : "TypeError", "string indices must be integers");
  if ((x.kind() == json::kind::list || x.kind() == json::kind::tuple) && x.items().empty())
    return untag_error("StopIteration", "empty list under ' di'");
  return untag_error("TypeError", "' di' value is not a dict");
}
}  // namespace

namespace {
// untag bottom-up in place (no move of the untouched nodes); false with `err` where Python raises.
bool untag_in_place(value& v, error& err) {
  if (v.kind() == json::kind::dict) {
    for (auto& m : v.members())
      if (!untag_in_place(m.second, err)) return false;
    if (v.members().size() == 1 && is_tag_key(v.members()[0].first)) {
      auto r = untag_one(std::move(v));
      if (!r) {
        err = r.err();
        return false;
      }
      v = std::move(r.value());
    }
    return true;
  }
  if (v.kind() == json::kind::list)
    for (auto& it : v.items())
      if (!untag_in_place(it, err)) return false;
  return true;
}
}  // namespace

result<value> untag(value v) {
  error err;
  if (!untag_in_place(v, err)) return err;
  return v;
}

result<value> tagged_loads(std::string_view text, const json::load_limits& limits) {
  auto v = json::loads(text, limits);
  if (!v) return v.err();
  error err;
  if (!untag_in_place(v.value(), err)) return err;
  return std::move(v.value());
}

// ---------------------------------------------------------------------------------------------- cookies

std::vector<std::pair<std::string, std::string>> parse_cookie_header(std::string_view h, websec::profile prof) {
  return cookie::parse_cookie_header(h, prof);
}

result<std::string> extract_cookie_value(std::string_view text, std::string_view name) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  if (text.empty()) return error{"malformed_cookie", 0, "no cookie given (empty input)", 400};
  if (websec::detail::starts_with_ci(text, "set-cookie:")) {
    std::string_view rest = trim(text.substr(11));
    size_t semi = rest.find(';');
    std::string_view first = rest.substr(0, semi);
    size_t eq = first.find('=');
    if (eq == std::string_view::npos)
      return error{"malformed_cookie", 11, "Set-Cookie header has no name=value pair", 400};
    auto pairs = parse_cookie_header(first);
    if (pairs.empty() || pairs[0].second.empty())
      return error{"malformed_cookie", 11, "Set-Cookie header carries an empty cookie value", 400};
    return pairs[0].second;
  }
  bool header = false;
  if (websec::detail::starts_with_ci(text, "cookie:")) {
    text = trim(text.substr(7));
    header = true;
  }
  std::string prefix = std::string(name) + "=";
  if (header || text.substr(0, prefix.size()) == prefix || text.find("; ") != std::string_view::npos) {
    auto pairs = parse_cookie_header(text);
    std::string names;  // the names found, as many as a message quotes
    for (const auto& [k, v] : pairs) {
      if (k == name) {
        if (v.empty()) return error{"malformed_cookie", 0, "cookie " + quote_input(name) + " is empty", 400};
        return v;
      }
      if (names.size() <= max_quoted_input) names += (names.empty() ? "" : ", ") + k;
    }
    return error{"malformed_cookie", 0,
                 "no cookie named " + quote_input(name) + " in the header" +
                     (pairs.empty() ? std::string(" (no cookies found)")
                                    : " (found " + std::to_string(pairs.size()) + ": " +
                                          quote_input(names, quote_style::bare) + ")"),
                 400};
  }
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c == 0x7f || c == ';' || c == ',')
      return error{"malformed_cookie", i,
                   "cookie value contains a character not allowed in a cookie (byte " + std::to_string(i) + ")", 400};
  }
  return std::string(text);
}

// ---------------------------------------------------------------------------------------------- codec

result<codec> codec::make(config c) {
  if (c.secret_key.empty()) return error{"no_secret_key", 0, "SECRET_KEY is not set: Flask uses a NullSession", 0};
  serializer::options o;
  if (c.prof == websec::profile::upstream) o.secret_keys = c.fallbacks;  // [*SECRET_KEY_FALLBACKS, SECRET_KEY]
  o.secret_keys.push_back(c.secret_key);
  o.salt = c.salt;
  o.derivation = signing::key_derivation::hmac;
  o.digest_method = signing::digest::sha1;
  o.url_safe = true;
  o.timed = true;
  o.max_decompressed = c.max_decompressed;
  o.json_limits = c.json_limits;
  auto s = serializer::serializer::make(std::move(o));
  if (!s) return s.err();
  codec out;
  out.c_ = std::move(c);
  out.s_ = std::move(s.value());
  return out;
}

result<std::string> codec::encode(const value& session, std::uint64_t ts) const {
  thread_local std::string text;  // the JSON text is only an intermediate: keep its buffer per thread
  text.clear();
  error err;
  const bool ok = tagged_dumps_into(text, session, err);
  std::string cookie = ok ? s_.dumps_text(text, ts) : std::string();
  if (text.capacity() > (1u << 20)) std::string().swap(text);  // keep only a small buffer between calls
  if (!ok) return err;
  return cookie;
}

opened codec::open(std::string_view cookie_value, std::int64_t now) const {
  opened o;
  if (cookie_value.empty()) return o;
  auto t = s_.loads_text(cookie_value, c_.lifetime_seconds, now);
  if (!t) {
    o.error_kind = t.err().kind;
    o.error_message = t.err().message;
    o.result = signing::is_a(o.error_kind, "BadSignature") ? opened::outcome::empty_session
                                                            : opened::outcome::exception_500;
    if (o.error_kind == "SignatureExpired") {
      // recover the age for the caller
      auto r = s_.timed_signer().unsign(cookie_value, c_.lifetime_seconds, now);
      o.age = r.age;
      o.timestamp = r.timestamp;
    }
    return o;
  }
  o.timestamp = t->timestamp;
  auto v = tagged_loads(t->text, c_.json_limits);
  if (!v) {
    o.result = opened::outcome::exception_500;
    o.error_kind = "BadPayload";
    o.error_message = std::string(serializer::load_error_message);
    o.detail = v.err().message;
    return o;
  }
  if (v->kind() != json::kind::dict) {
    // SecureCookieSession(data) → dict(data): a list of pairs works in Python, anything else raises.
    o.result = opened::outcome::exception_500;
    o.error_kind = "TypeError";
    o.error_message = "session payload is not a dict";
    return o;
  }
  o.result = opened::outcome::session;
  o.data = std::move(v.value());
  return o;
}

opened codec::open_request(std::string_view cookie_header, std::int64_t now) const {
  for (const auto& [k, v] : parse_cookie_header(cookie_header, c_.prof))
    if (k == c_.cookie_name) return open(v, now);
  return opened{};
}

namespace {
bool looks_like_ip(std::string_view s) {
  if (s.find(':') != std::string_view::npos) return true;
  int dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}
}  // namespace

namespace {
cookie::dump_options cookie_options(const config& c) {
  cookie::dump_options o;
  o.profile = c.prof;
  o.path = c.path;
  o.httponly = c.httponly;
  o.secure = c.secure;
  o.samesite = c.samesite;
  if (c.prof == websec::profile::upstream) o.partitioned = c.partitioned;
  o.max_size = 0;  // Flask only warns; the caller can audit the size
  // get_cookie_domain
  if (c.domain) {
    if (!c.domain->empty()) o.domain = c.domain;
  } else if (c.prof == websec::profile::debian && c.server_name && !c.server_name->empty()) {
    std::string rv = *c.server_name;
    size_t colon = rv.rfind(':');
    if (colon != std::string::npos) rv = rv.substr(0, colon);
    size_t first = rv.find_first_not_of('.');
    rv = first == std::string::npos ? std::string() : rv.substr(first);
    if (rv.find('.') != std::string::npos) {
      bool ip = looks_like_ip(rv);
      if (c.path == "/" && !ip) rv = "." + rv;
      o.domain = rv;
    }
  }
  return o;
}
}  // namespace

result<std::string> codec::set_cookie_line(std::string_view val, std::optional<std::int64_t> expires) const {
  cookie::dump_options o = cookie_options(c_);
  if (expires) o.expires = *expires;
  auto r = cookie::dump_cookie(c_.cookie_name, val, o);
  if (!r) return r.err();
  return std::move(r->header);
}

result<std::string> codec::delete_cookie_line() const {
  cookie::dump_options o = cookie_options(c_);
  o.expires = std::int64_t{0};
  o.max_age = 0;
  auto r = cookie::dump_cookie(c_.cookie_name, "", o);
  if (!r) return r.err();
  return std::move(r->header);
}

result<std::vector<header>> codec::save(const value& session, state st, std::int64_t now) const {
  std::vector<header> out;
  bool vary = false;
  auto add_vary = [&] {
    if (!vary) out.emplace_back("Vary", "Cookie");
    vary = true;
  };
  if (st.accessed) add_vary();
  const bool empty = session.kind() != json::kind::dict || session.members().empty();
  if (empty) {
    if (st.modified) {
      auto line = delete_cookie_line();
      if (!line) return line.err();
      out.emplace_back("Set-Cookie", std::move(line.value()));
      add_vary();
    }
    return out;
  }
  const value* perm = session.find("_permanent");
  const bool permanent = perm && truthy(*perm);
  if (!(st.modified || (permanent && c_.refresh_each_request))) return out;
  auto val = encode(session, static_cast<std::uint64_t>(now));
  if (!val) return val.err();
  std::optional<std::int64_t> expires;
  if (permanent) expires = now + c_.lifetime_seconds;
  // `response.vary.add("Cookie")` comes first only when the session was accessed; otherwise after set_cookie.
  auto line = set_cookie_line(*val, expires);
  if (!line) return line.err();
  out.emplace_back("Set-Cookie", std::move(line.value()));
  add_vary();
  return out;
}

// ---------------------------------------------------------------------------------------------- tools

result<unverified> decode_unverified(std::string_view cookie_value, const json::load_limits& limits,
                                     std::size_t max_decompressed) {
  unverified u;
  size_t last = cookie_value.rfind('.');
  if (last == std::string_view::npos || last == 0)
    return error{"malformed", 0, "not a signed value: expected payload.timestamp.signature", 400};
  std::string_view signed_part = cookie_value.substr(0, last);
  std::string_view payload = signed_part;
  size_t ts_dot = signed_part.rfind('.');
  if (ts_dot != std::string_view::npos && ts_dot > 0) {
    payload = signed_part.substr(0, ts_dot);
    auto ts = signing::base64_decode(signed_part.substr(ts_dot + 1));
    if (ts) {
      auto n = signing::bytes_to_int(*ts);
      if (n) u.timestamp = *n;
    }
  }
  u.compressed = !payload.empty() && payload[0] == '.';
  auto text = serializer::decode_payload(payload, max_decompressed);
  if (!text) return error{"malformed", 0, text.err().message, 400};
  if (!json::valid_utf8(*text)) return error{"malformed", 0, "payload is not UTF-8 text", 400};
  u.tagged_json = std::move(text.value());
  auto v = tagged_loads(u.tagged_json, limits);
  if (!v) return error{"malformed", v.err().offset, "payload is not tagged JSON: " + v.err().message, 400};
  u.value = std::move(v.value());
  return u;
}

result<crack_target> crack_target::make(std::string_view cookie_value, std::string salt) {
  size_t last = cookie_value.rfind('.');
  if (last == std::string_view::npos)
    return error{"malformed", 0, "not a signed value: no '.' before the signature", 400};
  auto sig = signing::base64_decode(cookie_value.substr(last + 1));
  if (!sig || sig->size() != 20)
    return error{"malformed", last + 1, "the signature does not decode to a 20-byte HMAC-SHA1", 400};
  crack_target t;
  t.signed_ = std::string(cookie_value.substr(0, last));
  t.salt_ = std::move(salt);
  std::memcpy(t.sig_, sig->data(), 20);
  return t;
}

namespace {
inline void hmac_sha1_keyed(const unsigned char* key, size_t keylen, SHA_CTX& inner, SHA_CTX& outer) {
  unsigned char k[64] = {0};
  if (keylen > 64) {
    SHA1(key, keylen, k);
  } else {
    std::memcpy(k, key, keylen);
  }
  unsigned char pad[64];
  for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x36;
  SHA1_Init(&inner);
  SHA1_Update(&inner, pad, 64);
  for (int i = 0; i < 64; ++i) pad[i] = k[i] ^ 0x5c;
  SHA1_Init(&outer);
  SHA1_Update(&outer, pad, 64);
}
inline void hmac_sha1(const unsigned char* key, size_t keylen, const void* msg, size_t n, unsigned char out[20]) {
  SHA_CTX in, ou;
  hmac_sha1_keyed(key, keylen, in, ou);
  SHA1_Update(&in, msg, n);
  unsigned char ih[20];
  SHA1_Final(ih, &in);
  SHA1_Update(&ou, ih, 20);
  SHA1_Final(out, &ou);
}
}  // namespace

bool crack_target::matches(std::string_view secret) const {
  unsigned char derived[20], mac[20];
  hmac_sha1(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), salt_.data(), salt_.size(), derived);
  hmac_sha1(derived, 20, signed_.data(), signed_.size(), mac);
  return CRYPTO_memcmp(mac, sig_, 20) == 0;
}

}  // namespace websec::session

namespace websec::session {

crack_result crack(const crack_target& target, const std::vector<std::string_view>& words, unsigned threads,
                   crack_progress* progress) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  crack_progress local;
  crack_progress& pr = progress ? *progress : local;
  // Chunks small enough to share a short list among the workers, large enough that the shared index is touched
  // rarely (one fetch_add per chunk).
  const std::size_t chunk = std::clamp<std::size_t>(words.size() / (std::size_t{threads} * 16), 64, 4096);
  alignas(64) std::atomic<std::size_t> next{0};
  std::mutex m;
  crack_result out;
  auto worker = [&] {
    while (!pr.stop.load(std::memory_order_relaxed)) {
      const std::size_t b = next.fetch_add(chunk, std::memory_order_relaxed);
      if (b >= words.size()) break;
      const std::size_t e = std::min(words.size(), b + chunk);
      std::size_t hit = e;
      for (std::size_t i = b; i < e; ++i)
        if (target.matches(words[i])) {
          hit = i;
          break;
        }
      pr.tried.fetch_add((hit == e ? e : hit + 1) - b, std::memory_order_relaxed);
      if (hit != e) {
        std::lock_guard<std::mutex> g(m);
        if (!out.key) out.key = std::string(words[hit]);
        pr.stop.store(true, std::memory_order_relaxed);
      }
    }
  };
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  out.tried = pr.tried.load();
  return out;
}

}  // namespace websec::session
