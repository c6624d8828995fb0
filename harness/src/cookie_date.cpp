// websec/cookie_date.cpp — dates of the cookie module: werkzeug's http_date (writing Expires) and the
// RFC 6265bis §5.1.1 cookie-date parser (reading it); see websec/cookie.hpp and docs/spec.md §4.
#include "websec/cookie.hpp"

#include "civil_date.hpp"
#include "cookie_internal.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace websec::detail {

std::string http_date_text(std::int64_t t) {
  static constexpr std::array<const char*, 7> wd = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<const char*, 12> mo = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  std::int64_t secs = t - days * 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday (Mon=0)
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02d:%02d:%02d GMT", wd[weekday], d, mo[m - 1],
                static_cast<long long>(y), static_cast<int>(secs / 3600), static_cast<int>((secs / 60) % 60),
                static_cast<int>(secs % 60));
  return buf;
}

}  // namespace websec::detail

namespace websec::cookie {
using namespace internal;

namespace {

// ---- dates --------------------------------------------------------------------------------------------

using websec::detail::days_from_civil;

constexpr std::int64_t min_py_timestamp = -62135596800LL;  // 0001-01-01T00:00:00Z
constexpr std::int64_t max_py_timestamp = 253402300799LL;  // 9999-12-31T23:59:59Z

double round_half_even(double x) {
  double r = std::round(x);
  if (std::fabs(x - r) == 0.5) r = 2.0 * std::round(x / 2.0);
  return r;
}

bool is_date_delimiter(unsigned char c) {
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// Matches `min..max` DIGITs at the start of `t` followed by end or a non-digit; returns the value.
std::optional<int> leading_digits(std::string_view t, std::size_t min, std::size_t max, std::size_t& used) {
  std::size_t k = 0;
  int v = 0;
  while (k < t.size() && is_digit(static_cast<unsigned char>(t[k]))) {
    if (k == max) return std::nullopt;  // too many digits
    v = v * 10 + (t[k] - '0');
    ++k;
  }
  if (k < min) return std::nullopt;
  used = k;
  return v;
}

}  // namespace

result<std::string> http_date(std::int64_t t) {
  if (t < min_py_timestamp || t > max_py_timestamp)
    return make_error("expires_out_of_range", "timestamp " + std::to_string(t) + " is outside years 1..9999");
  return websec::detail::http_date_text(t);
}

result<std::string> http_date(double t) {
  if (std::isnan(t)) return make_error("expires_out_of_range", "Invalid value NaN (not a number)");
  double intpart;
  double frac = std::modf(t, &intpart);
  frac = round_half_even(frac * 1e6);
  if (frac >= 1e6) intpart += 1.0;
  else if (frac < 0) intpart -= 1.0;
  if (!(intpart >= static_cast<double>(min_py_timestamp) && intpart <= static_cast<double>(max_py_timestamp)))
    return make_error("expires_out_of_range", "timestamp out of range for years 1..9999");
  return http_date(static_cast<std::int64_t>(intpart));
}

std::optional<std::int64_t> parse_cookie_date(std::string_view text) {
  bool found_time = false, found_dom = false, found_month = false, found_year = false;
  int hour = 0, minute = 0, second = 0, dom = 0, month = 0, year = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_date_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t b = i;
    while (i < text.size() && !is_date_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view tok = text.substr(b, i - b);
    if (tok.empty()) continue;
    std::size_t used = 0;
    if (!found_time) {
      // hms-time = time-field ":" time-field ":" time-field [ non-digit *OCTET ]
      std::size_t u1, u2, u3;
      auto h = leading_digits(tok, 1, 2, u1);
      if (h && u1 < tok.size() && tok[u1] == ':') {
        auto m = leading_digits(tok.substr(u1 + 1), 1, 2, u2);
        if (m && u1 + 1 + u2 < tok.size() && tok[u1 + 1 + u2] == ':') {
          auto s = leading_digits(tok.substr(u1 + 2 + u2), 1, 2, u3);
          if (s) {
            found_time = true;
            hour = *h;
            minute = *m;
            second = *s;
            continue;
          }
        }
      }
    }
    if (!found_dom) {
      if (auto d = leading_digits(tok, 1, 2, used)) {
        found_dom = true;
        dom = *d;
        continue;
      }
    }
    if (!found_month && tok.size() >= 3) {
      static constexpr std::array<std::string_view, 12> names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
      std::string p = lower(tok.substr(0, 3));
      bool hit = false;
      for (std::size_t k = 0; k < names.size(); ++k)
        if (p == names[k]) {
          month = static_cast<int>(k) + 1;
          hit = true;
        }
      if (hit) {
        found_month = true;
        continue;
      }
    }
    if (!found_year) {
      if (auto y = leading_digits(tok, 2, 4, used)) {
        found_year = true;
        year = *y;
        continue;
      }
    }
  }
  if (found_year && year >= 70 && year <= 99) year += 1900;
  else if (found_year && year >= 0 && year <= 69) year += 2000;
  if (!found_time || !found_dom || !found_month || !found_year) return std::nullopt;
  if (dom < 1 || dom > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int limit = mdays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (dom > limit) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(dom)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

}  // namespace websec::cookie
