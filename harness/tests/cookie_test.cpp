// Tests of websec/cookie.hpp: every vector of harness/tests/vectors/{debian,upstream}/cookies.json under its
// profile, differential tests against /usr/bin/python3 (werkzeug), properties, and the audit.
#include "websec/cookie.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <sstream>

using namespace websec;
using namespace websec::cookie;
using websec::test::json;

namespace {

const profile kProfiles[] = {profile::debian, profile::upstream};
std::string pname(profile p) { return std::string(to_string(p)); }

// "2030-01-02T03:04:05[.ffffff][+HH:MM]" -> Unix seconds (naive = UTC), as the vectors' datetime objects.
double iso_to_timestamp(const std::string& s) {
  int Y, M, D, h, m, sec;
  std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &Y, &M, &D, &h, &m, &sec);
  std::size_t pos = 19;
  double frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t e = pos + 1;
    while (e < s.size() && isdigit(static_cast<unsigned char>(s[e]))) ++e;
    frac = std::stod("0" + s.substr(pos, e - pos));
    pos = e;
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = std::stoi(s.substr(pos + 1, 2)), om = std::stoi(s.substr(pos + 4, 2));
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
  }
  // days from civil
  int y = Y - (M <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (M > 2 ? M - 3 : M + 9) + 2) / 5 + D - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long long days = static_cast<long long>(era) * 146097 + doe - 719468;
  return static_cast<double>(days * 86400 + h * 3600 + m * 60 + sec - offset) + frac;
}

dump_options options_from(const json& v, profile p) {
  dump_options o;
  o.profile = p;
  if (v.contains("now")) o.now = v["now"].get<double>();
  if (!v.contains("options")) return o;
  const json& opt = v["options"];
  for (auto it = opt.begin(); it != opt.end(); ++it) {
    const std::string& k = it.key();
    const json& x = it.value();
    if (k == "max_age") {
      if (x.is_object()) o.max_age = static_cast<std::int64_t>(std::trunc(x["timedelta_seconds"].get<double>()));
      else o.max_age = x.get<std::int64_t>();
    } else if (k == "expires") {
      if (x.contains("timestamp")) {
        if (x["timestamp"].is_number_integer()) o.expires = x["timestamp"].get<std::int64_t>();
        else o.expires = x["timestamp"].get<double>();
      } else if (x.contains("string")) {
        o.expires = x["string"].get<std::string>();
      } else if (x.contains("datetime")) {
        o.expires = std::floor(iso_to_timestamp(x["datetime"].get<std::string>()));
      } else {
        ADD_FAILURE() << "unknown expires form " << x.dump();
      }
    } else if (k == "path") {
      if (x.is_null()) o.path.reset();
      else o.path = x.get<std::string>();
    } else if (k == "domain") {
      o.domain = x.get<std::string>();
    } else if (k == "secure") {
      o.secure = x.get<bool>();
    } else if (k == "httponly") {
      o.httponly = x.get<bool>();
    } else if (k == "sync_expires") {
      o.sync_expires = x.get<bool>();
    } else if (k == "samesite") {
      o.samesite = x.get<std::string>();
    } else if (k == "partitioned") {
      o.partitioned = x.get<bool>();
    } else if (k == "max_size") {
      o.max_size = x.get<std::size_t>();
    } else {
      ADD_FAILURE() << "unknown option " << k;
    }
  }
  return o;
}

void check_dump_vector(const json& v, profile p, std::size_t& count) {
  SCOPED_TRACE(pname(p) + " " + v.dump());
  auto r = dump_cookie(v["key"].get<std::string>(), v.value("value", std::string()), options_from(v, p));
  ++count;
  if (v.contains("error")) {
    ASSERT_FALSE(r.ok()) << r->header;
    EXPECT_EQ(r.err().message, v["error"]["message"].get<std::string>());
    return;
  }
  ASSERT_TRUE(r.ok()) << r.err().kind << ": " << r.err().message;
  EXPECT_EQ(r->header, websec::test::latin1(v["header"]));
}

}  // namespace

TEST(CookieVectors, DumpCookie) {
  for (profile p : kProfiles) {
    json doc = websec::test::load_vectors(pname(p), "cookies");
    std::size_t count = 0;
    for (const char* section : {"dump_cookie_values", "dump_cookie_keys", "dump_cookie_options"})
      for (const auto& v : doc[section]) check_dump_vector(v, p, count);
    EXPECT_GE(count, 50u);
  }
}

TEST(CookieVectors, SizeWarning) {
  for (profile p : kProfiles) {
    json doc = websec::test::load_vectors(pname(p), "cookies");
    ASSERT_FALSE(doc["dump_cookie_size_warning"].empty());
    for (const auto& v : doc["dump_cookie_size_warning"]) {
      dump_options o;
      o.profile = p;
      o.max_size = v["max_size"].get<std::size_t>();
      auto r = dump_cookie(v["key"].get<std::string>(), std::string(v["value_len"].get<std::size_t>(), 'x'), o);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->header.size(), v["header_len"].get<std::size_t>());
      EXPECT_EQ(r->size, v["header_len"].get<std::size_t>());
      EXPECT_EQ(r->too_large, v["warned"].get<bool>());
      if (r->too_large) {
        EXPECT_NE(r->warning.find("cookie is too large"), std::string::npos);
      }
    }
  }
}

TEST(CookieVectors, ResponseHelpers) {
  // Response.set_cookie("a", "1", max_age=60, secure, httponly, samesite="Lax") at the fixed clock, then
  // delete_cookie("b") and delete_cookie("c", path="/x", domain="example.com", secure, samesite="Strict",
  // httponly): delete_cookie = dump_cookie(key, expires=0, max_age=0, ...).
  for (profile p : kProfiles) {
    json doc = websec::test::load_vectors(pname(p), "cookies");
    const json& lines = doc["response_helpers"]["set_cookie_then_delete_cookies"];
    ASSERT_EQ(lines.size(), 3u);
    dump_options a;
    a.profile = p;
    a.now = doc["meta"]["fixed_timestamp"].get<double>();
    a.max_age = 60;
    a.secure = a.httponly = true;
    a.samesite = "Lax";
    EXPECT_EQ(dump_cookie("a", "1", a)->header, lines[0].get<std::string>());
    dump_options b;
    b.profile = p;
    b.expires = std::int64_t{0};
    b.max_age = 0;
    EXPECT_EQ(dump_cookie("b", "", b)->header, lines[1].get<std::string>());
    dump_options c = b;
    c.path = "/x";
    c.domain = "example.com";
    c.secure = c.httponly = true;
    c.samesite = "Strict";
    EXPECT_EQ(dump_cookie("c", "", c)->header, lines[2].get<std::string>());
  }
}

TEST(CookieDump, FlaskSessionLine) {
  dump_options o;
  o.httponly = true;
  o.samesite = "Lax";
  o.secure = true;
  auto r = dump_cookie("session", "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->header, "session=eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs; Secure; HttpOnly; Path=/; SameSite=Lax");
}

TEST(CookieDump, HttpDate) {
  EXPECT_EQ(*http_date(std::int64_t{0}), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(*http_date(std::int64_t{-1}), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(*http_date(-0.5), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(*http_date(0.9999996), "Thu, 01 Jan 1970 00:00:01 GMT");  // microsecond rounding carries
  EXPECT_EQ(*http_date(std::int64_t{253402300799}), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(*http_date(std::int64_t{-62135596800}), "Mon, 01 Jan 0001 00:00:00 GMT");
  EXPECT_FALSE(http_date(std::int64_t{253402300800}).ok());
  EXPECT_FALSE(http_date(std::nan("")).ok());
}

TEST(CookieDump, Punycode) {
  EXPECT_EQ(*idna_encode("bücher.de"), "xn--bcher-kva.de");
  EXPECT_EQ(*idna_encode("Bücher.DE"), "xn--bcher-kva.DE");  // nameprep lower-cases only non-ASCII labels
  EXPECT_EQ(*idna_encode("münchen。de"), "xn--mnchen-3ya.de");
  EXPECT_EQ(*idna_encode("例え.テスト"), "xn--r8jz45g.xn--zckzah");
  EXPECT_EQ(*idna_encode("пример.рф"), "xn--e1afmkfd.xn--p1ai");
  EXPECT_FALSE(idna_encode("a..ü").ok());
  EXPECT_FALSE(idna_encode("a..b").ok());
  EXPECT_EQ(*idna_encode("a.b."), "a.b.");
}
