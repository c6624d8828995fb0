// Internal helpers shared by cookie_date.cpp, session.cpp, signing.cpp and json.cpp: proleptic Gregorian calendar
// arithmetic on days since 1970-01-01 (Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms"), the
// arithmetic behind werkzeug's http_date, itsdangerous' timestamps and Python's datetime repr.
// One implementation for the whole library: use these instead of writing the algorithm again.
#pragma once

#include <cstdint>
#include <string>

namespace websec::detail {

/// Days since 1970-01-01 (negative before) -> civil date: year, month 1..12, day 1..31. Exact for every
/// int64 day count whose year fits in int64.
inline void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

/// Civil date (month 1..12, day 1..31, not range-checked) -> days since 1970-01-01. Inverse of civil_from_days.
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The text of werkzeug's http_date for a Unix time, "Wdy, DD Mon YYYY HH:MM:SS GMT", for any time: the year is not
/// range-checked. cookie::http_date is the public, range-checked function; the session's tagged JSON writes a
/// datetime's UTC time with this one. Defined in cookie_date.cpp.
std::string http_date_text(std::int64_t unix_seconds);

}  // namespace websec::detail
