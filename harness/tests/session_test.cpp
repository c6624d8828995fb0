// Tests of websec/session.hpp: every flask_session.json vector under its profile, tagged JSON edge cases,
// and the live round trip with Flask: ≥ 1000 generated sessions (unicode, nesting, every tag, payloads that
// compress) must give byte-identical cookies at a fixed timestamp, verify across both implementations, and
// single-byte tampering must be judged the same way by both.
#include "websec/session.hpp"

#include "websec/signing.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

using websec::test::load_vectors;
namespace ss = websec::session;
namespace js = websec::json;
using njson = nlohmann::json;

namespace {
const char* kProfiles[] = {"debian", "upstream"};
constexpr std::int64_t kTs = 1700000000;

websec::profile prof(const char* p) { return std::string(p) == "debian" ? websec::profile::debian : websec::profile::upstream; }

ss::codec make_codec(ss::config c) {
  auto r = ss::codec::make(std::move(c));
  EXPECT_TRUE(r.ok());
  return std::move(r.value());
}

ss::config dev(const char* p) {
  ss::config c;
  c.secret_key = "dev";
  c.prof = prof(p);
  return c;
}
}  // namespace

TEST(SessionVectors, Encode) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "flask_session");
    auto codec = make_codec(dev(p));
    size_t back_i = 0;
    ASSERT_EQ(v.at("encode").size(), 17u);
    for (const auto& c : v.at("encode")) {
      auto value = ss::tagged_loads(c.at("tagged_json").get<std::string>());
      ASSERT_TRUE(value.ok()) << c.dump();
      EXPECT_EQ(*ss::tagged_dumps(*value), c.at("tagged_json").get<std::string>());
      EXPECT_EQ(websec::test::to_hex(codec.signing_serializer().timed_signer().base().derived_keys().back()),
                c.at("derived_key_hex").get<std::string>());
      if (c.at("cookie_value").is_null()) {
        EXPECT_TRUE(value->members().empty());
        continue;
      }
      const std::string expected = c["cookie_value"].get<std::string>();
      auto cookie = codec.encode(*value, kTs);
      ASSERT_TRUE(cookie.ok());
      EXPECT_EQ(*cookie, expected) << c.dump();
      EXPECT_EQ(cookie->front() == '.', c.at("compressed").get<bool>());
      auto opened = codec.open(expected, kTs);
      ASSERT_EQ(opened.result, ss::opened::outcome::session) << opened.error_message;
      EXPECT_EQ(js::repr(opened.data), v.at("encode_loads_back").at(back_i++).get<std::string>());
    }
  }
}

TEST(SessionVectors, Untag) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "flask_session");
    for (const auto& c : v.at("untag")) {
      auto r = ss::tagged_loads(c.at("tagged_json").get<std::string>());
      if (c.contains("error")) {
        EXPECT_FALSE(r.ok()) << c.dump();
      } else {
        ASSERT_TRUE(r.ok()) << c.dump() << r.err().message;
        EXPECT_EQ(js::repr(*r), c.at("python").get<std::string>()) << c.dump();
      }
    }
  }
}

namespace {
ss::config config_from(const char* p, const njson& cfg) {
  ss::config c = dev(p);
  for (auto& [k, v] : cfg.items()) {
    if (k == "SESSION_COOKIE_SECURE") c.secure = v.get<bool>();
    else if (k == "SESSION_COOKIE_HTTPONLY") c.httponly = v.get<bool>();
    else if (k == "SESSION_COOKIE_SAMESITE") c.samesite = v.get<std::string>();
    else if (k == "SESSION_COOKIE_DOMAIN") c.domain = v.get<std::string>();
    else if (k == "SESSION_COOKIE_PATH") c.path = v.get<std::string>();
    else if (k == "APPLICATION_ROOT") c.path = v.get<std::string>();
    else if (k == "SESSION_COOKIE_NAME") c.cookie_name = v.get<std::string>();
    else if (k == "SESSION_COOKIE_PARTITIONED") c.partitioned = v.get<bool>();
    else if (k == "PERMANENT_SESSION_LIFETIME") c.lifetime_seconds = static_cast<std::int64_t>(v.get<double>());
    else if (k == "SESSION_REFRESH_EACH_REQUEST") c.refresh_each_request = v.get<bool>();
    else ADD_FAILURE() << "unknown config " << k;
  }
  return c;
}
std::vector<std::string> set_cookies(const std::vector<ss::header>& h) {
  std::vector<std::string> out;
  for (auto& [k, v] : h)
    if (k == "Set-Cookie") out.push_back(v);
  return out;
}
njson vary(const std::vector<ss::header>& h) {
  for (auto& [k, v] : h)
    if (k == "Vary") return v;
  return nullptr;
}
}  // namespace

TEST(SessionVectors, SetCookie) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "flask_session");
    for (const auto& c : v.at("set_cookie")) {
      auto codec = make_codec(config_from(p, c.at("config")));
      js::value s = js::value::dict();
      if (c.at("permanent").get<bool>()) s.set("_permanent", js::value::boolean(true));
      s.set("user_id", js::value::integer(42));
      const std::int64_t now = c.at("now").get<std::int64_t>();
      auto h = codec.save(s, {true, true}, now);
      ASSERT_TRUE(h.ok()) << h.err().message;
      EXPECT_EQ(njson(set_cookies(*h)), c.at("set_cookie")) << c.dump();
      EXPECT_EQ(vary(*h), c.at("vary"));
      ASSERT_EQ(h->front().first, "Vary");  // Vary: Cookie precedes Set-Cookie
      auto cleared = codec.save(js::value::dict(), {true, true}, now);
      ASSERT_TRUE(cleared.ok());
      EXPECT_EQ(njson(set_cookies(*cleared)), c.at("clear_set_cookie")) << c.dump();
      EXPECT_EQ(vary(*cleared), c.at("clear_vary"));
    }
  }
}

TEST(SessionVectors, Refresh) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "flask_session");
    for (const auto& c : v.at("refresh")) {
      ss::config cfg = dev(p);
      cfg.refresh_each_request = c.at("SESSION_REFRESH_EACH_REQUEST").get<bool>();
      auto codec = make_codec(cfg);
      const std::int64_t now = c.at("now").get<std::int64_t>();
      auto opened = codec.open_request(c.at("request_cookie").get<std::string>(), now);
      ASSERT_EQ(opened.result, ss::opened::outcome::session);
      // /read calls session.keys(): an access in upstream Flask 3.1, not in Debian's 2.2 (spec §2.5 [Δ])
      auto read = codec.save(opened.data, {std::string(p) == "upstream", false}, now);
      auto noop = codec.save(opened.data, {false, false}, now);
      ASSERT_TRUE(read.ok() && noop.ok());
      EXPECT_EQ(njson(set_cookies(*read)), c.at("read_set_cookie")) << c.dump();
      EXPECT_EQ(vary(*read), c.at("read_vary")) << c.dump();
      EXPECT_EQ(njson(set_cookies(*noop)), c.at("noop_set_cookie")) << c.dump();
      EXPECT_EQ(vary(*noop), c.at("noop_vary")) << c.dump();
    }
  }
}

TEST(SessionVectors, Decode) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "flask_session");
    auto codec = make_codec(dev(p));
    ASSERT_EQ(v.at("decode").size(), 64u);
    for (const auto& c : v.at("decode")) {
      ASSERT_EQ(c.at("lifetime_seconds").get<std::int64_t>(), codec.conf().lifetime_seconds);
      auto o = codec.open_request(c.at("cookie_header").get<std::string>(), c.at("now").get<std::int64_t>());
      const std::string outcome = c.at("outcome").get<std::string>();
      if (outcome == "session") {
        ASSERT_EQ(o.result, ss::opened::outcome::session) << c.dump() << " " << websec::to_string(o.error_kind) << " " << o.error_message;
        EXPECT_EQ(*ss::tagged_dumps(o.data), c.at("tagged_json").get<std::string>());
      } else if (outcome == "empty_session") {
        ASSERT_EQ(o.result, ss::opened::outcome::empty_session) << c.dump();
        EXPECT_TRUE(o.data.members().empty());
      } else {
        ASSERT_EQ(o.result, ss::opened::outcome::exception_500) << c.dump();
        EXPECT_EQ(o.error_kind, websec::test::kind_named(c.at("error")));
        EXPECT_EQ(o.error_message, c.at("message").get<std::string>());
      }
    }
    for (const auto& c : v.at("duplicate_cookie")) {
      auto o = codec.open_request(c.at("cookie_header").get<std::string>(), kTs);
      EXPECT_EQ(js::repr(o.data), c.at("session").get<std::string>());
    }
  }
}

TEST(SessionVectors, SecretKeyFallbacks) {
  auto v = load_vectors("upstream", "flask_session");
  ASSERT_EQ(v.at("secret_key_fallbacks").size(), 2u);
  for (const auto& c : v.at("secret_key_fallbacks")) {
    ss::config cfg = dev("upstream");
    cfg.fallbacks = c.at("fallbacks").get<std::vector<std::string>>();
    auto codec = make_codec(cfg);
    auto o = codec.open(c.at("cookie_value").get<std::string>(), kTs);
    ASSERT_EQ(o.result, ss::opened::outcome::session);
    EXPECT_EQ(js::repr(o.data), c.at("decoded").get<std::string>());
    // signing uses SECRET_KEY, never a fallback (Flask >= 3.1.1)
    EXPECT_EQ(*codec.encode(o.data, kTs), c.at("new_cookie_signed_with_current").get<std::string>());
    // debian Flask 2.2 has no fallbacks: the old cookie is rejected
    cfg.prof = websec::profile::debian;
    EXPECT_EQ(make_codec(cfg).open(c.at("cookie_value").get<std::string>(), kTs).result, ss::opened::outcome::empty_session);
  }
}

TEST(Session, LifetimeBoundariesAndReasons) {
  auto codec = make_codec(dev("upstream"));
  js::value s = js::value::dict({{"user_id", js::value::integer(42)}});
  auto cookie = *codec.encode(s, kTs);
  EXPECT_EQ(cookie, "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs");
  EXPECT_EQ(codec.open(cookie, kTs + 2678400).result, ss::opened::outcome::session);
  auto expired = codec.open(cookie, kTs + 2678401);
  EXPECT_EQ(expired.result, ss::opened::outcome::empty_session);
  EXPECT_EQ(expired.error_kind, websec::errc::signature_expired);
  EXPECT_EQ(expired.age, 2678401);
  auto future = codec.open(cookie, kTs - 1);
  EXPECT_EQ(future.error_message, "Signature age -1 < 0 seconds");
}

TEST(Session, TaggedEdgeCases) {
  struct {
    const char* in;
    const char* repr;  // nullptr = Flask raises (500)
  } cases[] = {
      {R"({" t":"ab"})", "('a', 'b')"},
      {R"({" t":{"x":1,"y":2}})", "('x', 'y')"},
      {R"({" t":5})", nullptr},
      {R"({" t":{" b":"AAE="}})", "(0, 1)"},
      {R"({" b":"AP8"})", nullptr},
      {R"({" b":"A!P8="})", "b'\\x00\\xff'"},
      {R"({" b":"-_8="})", nullptr},  // standard alphabet: '-' and '_' are skipped, leaving one character
      {R"({" u":"{12345678-1234-5678-1234-567812345678}"})", "UUID('12345678-1234-5678-1234-567812345678')"},
      {R"({" u":"urn:uuid:12345678123456781234567812345678"})", "UUID('12345678-1234-5678-1234-567812345678')"},
      {R"({" u":"1234"})", nullptr},
      {R"({" u":5})", nullptr},
      {R"({" d":"garbage"})", "None"},
      {R"({" d":""})", "None"},
      {R"({" d":0})", "None"},
      {R"({" d":5})", nullptr},
      {R"({" d":"Thu, 02 Jan 2020 03:04:05 +0100"})",
       "datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600)))"},
      {R"({" d":"2 Jan 2020 03:04 EST"})",
       "datetime.datetime(2020, 1, 2, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))"},
      {R"({" m":5})", "Markup('5')"},
      {R"({" m":[1,{"a":null}]})", "Markup(\"[1, {'a': None}]\")"},
      {R"({" di":{}})", nullptr},
      {R"({" di":{"abc":1}})", "{'a': 1}"},
      {R"({" zz":1})", "{' zz': 1}"},
  };
  for (auto& c : cases) {
    auto r = ss::tagged_loads(c.in);
    if (!c.repr) {
      EXPECT_FALSE(r.ok()) << c.in << " gave " << (r.ok() ? js::repr(*r) : "");
    } else {
      ASSERT_TRUE(r.ok()) << c.in << ": " << r.err().message;
      EXPECT_EQ(js::repr(*r), c.repr) << c.in;
    }
  }
}

TEST(SessionDifferential, TaggedEdgeCasesAgainstFlask) {
  if (!websec::test::python_has({"flask"})) GTEST_SKIP() << "no python3-flask";
  std::vector<std::string> docs = {
      R"({" t":"ab"})", R"({" t":{"x":1,"y":2}})", R"({" t":5})", R"({" t":{" b":"AAE="}})", R"({" b":"AP8"})",
      R"({" b":"A!P8="})", R"({" b":"-_8="})", R"({" u":"{12345678-1234-5678-1234-567812345678}"})",
      R"({" u":"urn:uuid:12345678123456781234567812345678"})", R"({" u":"1234"})", R"({" u":"0x345678123456781234567812345678"})",
      R"({" u":" 12345678123456781234567812345678"})", R"({" u":"1_345678123456781234567812345678"})", R"({" u":5})",
      R"({" d":"garbage"})", R"({" d":""})", R"({" d":0})", R"({" d":5})", R"({" d":"Thu, 02 Jan 2020 03:04:05 +0100"})",
      R"({" d":"2 Jan 2020 03:04 EST"})", R"({" d":"Jan 2 2020 03:04:05"})", R"({" d":"Thu, 31 Feb 2020 03:04:05 GMT"})",
      R"({" d":"02-Jan-20 03:04:05 -0000"})", R"({" d":"Thursday, 02 Jan 99 03.04.05 PDT"})", R"({" m":5})",
      R"({" m":[1,{"a":null}]})", R"({" m":1.5e300})", R"({" di":{}})", R"({" di":{"abc":1}})", R"({" di":"x"})",
      R"({" di":[]})", R"({" zz":1})", R"([{" t":[{" u":"12345678123456781234567812345678"}]}])", R"({" m":{" u":"12345678123456781234567812345678"}})",
      R"({" m":{" d":"Thu, 02 Jan 2020 03:04:05 +0130"}})", R"({" b":{" b":"QUFF"}})", R"({" d":{" m":"1 jan 2001 1:2:3"}})"};
  njson in = docs;
  auto py = websec::test::run_python(
      "import sys, json\n"
      "from flask import Flask\n"
      "app = Flask('t')\n"
      "out = []\n"
      "with app.app_context():\n"
      "    s = app.session_interface.serializer\n"
      "    for d in json.load(sys.stdin):\n"
      "        try: out.append(repr(s.loads(d)))\n"
      "        except Exception as e: out.append(None)\n"
      "print(json.dumps(out))\n",
      in.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto expect = njson::parse(py.out);
  for (size_t i = 0; i < docs.size(); ++i) {
    auto r = ss::tagged_loads(docs[i]);
    if (expect[i].is_null())
      EXPECT_FALSE(r.ok()) << docs[i];
    else {
      ASSERT_TRUE(r.ok()) << docs[i] << ": " << r.err().message;
      EXPECT_EQ(js::repr(*r), expect[i].get<std::string>()) << docs[i];
    }
  }
}

// Regression (session_fuzzer, corpora/session_fuzzer/regressions/datetime_year_99_reloads_as_1999): a datetime in
// year 100 at +01:00 is 31 Dec 0099 in UTC; http_date writes "0099", which werkzeug's parse_date reads as 1999.
// Flask itself does not round-trip such a session; the library must do exactly what Flask does, round after round.
TEST(SessionDifferential, DatetimeBeforeYear100ReloadsAsFlaskDoes) {
  if (!websec::test::python_has({"flask"})) GTEST_SKIP() << "no python3-flask";
  std::vector<std::string> docs = {R"({"a":{" d":"Mon, 01 Jan 0100 00:00:00 +0100"}})",
                                   R"({"a":{" d":"Mon, 01 Jan 0100 00:30:00 +0100"}})",
                                   R"({"a":[{" d":"Fri, 01 Jan 0100 23:00:00 +2359"}]})",
                                   R"({"a":{" d":"Mon, 01 Jan 0100 00:00:00 -0100"}})",
                                   R"({"a":{" d":"Tue, 01 Jan 0030 00:00:00 GMT"}})"};
  njson in = docs;
  auto py = websec::test::run_python(
      "import sys, json\n"
      "from flask.json.tag import TaggedJSONSerializer\n"
      "s = TaggedJSONSerializer()\n"
      "out = []\n"
      "for d in json.load(sys.stdin):\n"
      "    rounds = [s.dumps(s.loads(d))]\n"
      "    for _ in range(2): rounds.append(s.dumps(s.loads(rounds[-1])))\n"
      "    out.append(rounds)\n"
      "print(json.dumps(out))\n",
      in.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto expect = njson::parse(py.out);
  ASSERT_EQ(expect[0][0], R"({"a":{" d":"Thu, 31 Dec 0099 23:00:00 GMT"}})");
  ASSERT_EQ(expect[0][1], R"({"a":{" d":"Fri, 31 Dec 1999 23:00:00 GMT"}})");
  ss::config cfg;
  cfg.secret_key = "k";
  auto codec = make_codec(cfg);
  for (size_t i = 0; i < docs.size(); ++i) {
    auto v = ss::tagged_loads(docs[i]);
    ASSERT_TRUE(v.ok()) << docs[i];
    for (size_t round = 0; round < 3; ++round) {
      auto t = ss::tagged_dumps(*v);
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(*t, expect[i][round].get<std::string>()) << docs[i] << " round " << round;
      // the cookie path does what TaggedJSONSerializer does
      auto o = codec.open(*codec.encode(*v, kTs), kTs);
      ASSERT_EQ(o.result, ss::opened::outcome::session);
      v = std::move(o.data);
    }
  }
}

// ---------------------------------------------------------------------------------------------- live round trip

namespace {
struct gen_ctx {
  websec::test::rng& r;
  std::string text(size_t max_len) {
    static const char* pieces[] = {"a", "Z", "0", " ", "é", "€", "😀", "\u2028", "<", ">", "&", "'", "\"", "\\", "\n",
                                   "\t", "\x01", "\x7f", "ключ", "日本", "/", "=", ".", "_", "-"};
    std::string s;
    size_t n = r.below(max_len + 1);
    for (size_t i = 0; i < n; ++i) s += pieces[r.below(std::size(pieces))];
    return s;
  }
  js::value leaf() {
    switch (r.below(11)) {
      case 0: return js::value();
      case 1: return js::value::boolean(r.chance(50));
      case 2: return js::value::integer(static_cast<std::int64_t>(r.next()) >> r.below(63));
      case 3: return js::value::integer_text(std::to_string(r.next()) + std::to_string(r.next()));
      case 4: {
        double d;
        do {
          std::uint64_t bits = r.next();
          std::memcpy(&d, &bits, 8);
        } while (std::isnan(d));
        if (r.chance(50)) d = static_cast<double>(static_cast<std::int64_t>(r.below(2000000)) - 1000000) / 64.0;
        return js::value::floating(d);
      }
      case 5: {
        std::string b;
        size_t n = r.below(24);
        for (size_t i = 0; i < n; ++i) b.push_back(static_cast<char>(r.next()));
        return js::value::bytes(b);
      }
      case 6: return js::value::markup(text(8));
      case 7: {
        std::string u;
        for (int i = 0; i < 16; ++i) u.push_back(static_cast<char>(r.next()));
        return js::value::uuid(u);
      }
      case 8: {
        js::datetime_value dt;
        dt.local_seconds = static_cast<std::int64_t>(r.below(253402300799ull));
        dt.tz = js::datetime_value::zone::utc;
        return js::value::datetime(dt);
      }
      default: return js::value::string(text(12));
    }
  }
  js::value any(int depth) {
    if (depth <= 0 || r.chance(45)) return leaf();
    switch (r.below(4)) {
      case 0: {
        std::vector<js::value> items;
        size_t n = r.below(5);
        for (size_t i = 0; i < n; ++i) items.push_back(any(depth - 1));
        return js::value::list(std::move(items));
      }
      case 1: {
        std::vector<js::value> items;
        size_t n = r.below(4);
        for (size_t i = 0; i < n; ++i) items.push_back(any(depth - 1));
        return js::value::tuple(std::move(items));
      }
      case 2: {  // a one-key dict whose key is a tag: exercises " di"
        static const char* tags[] = {" t", " b", " m", " u", " d", " di"};
        return js::value::dict({{tags[r.below(6)], any(depth - 1)}});
      }
      default: return dict(depth - 1, 5);
    }
  }
  js::value dict(int depth, size_t max_keys) {
    js::value d = js::value::dict();
    size_t n = r.below(max_keys + 1);
    for (size_t i = 0; i < n; ++i) d.set(text(6), any(depth));
    return d;
  }
  js::value session(size_t i) {
    js::value d = dict(3, 6);
    if (i % 5 == 0) d.set("big", js::value::string(std::string(200 + r.below(3000), "ab"[r.below(2)])));  // compresses
    if (i % 7 == 0) d.set("_permanent", js::value::boolean(true));
    if (i % 11 == 0) d.set("_flashes", js::value::list({js::value::tuple({js::value::string("message"), js::value::string(text(20))})}));
    if (d.members().empty()) d.set("user_id", js::value::integer(static_cast<std::int64_t>(i)));
    return d;
  }
};

// A single-byte change; returns the tampered cookie.
std::string tamper(websec::test::rng& r, const std::string& c) {
  std::string t = c;
  size_t pos = r.below(t.size());
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=!+/ ";
  char ch;
  do ch = alphabet[r.below(alphabet.size())];
  while (ch == t[pos]);
  t[pos] = ch;
  return t;
}
}  // namespace

TEST(SessionDifferential, LiveRoundTripWithFlask) {
  if (!websec::test::python_has({"flask", "itsdangerous"})) GTEST_SKIP() << "no python3-flask";
  const std::uint64_t seed = websec::test::test_seed(0xC00C1E);
  websec::test::rng r(seed);
  gen_ctx g{r};
  const std::string secret = "s3cr\xC3\xA9t-key";
  ss::config cfg;
  cfg.secret_key = secret;
  auto codec = make_codec(cfg);
  constexpr size_t kN = 1200;
  njson items = njson::array();
  std::vector<std::string> cpp_cookies, tagged;
  std::vector<std::vector<std::string>> tampered(kN);
  size_t compressed = 0;
  for (size_t i = 0; i < kN; ++i) {
    js::value s = g.session(i);
    auto t = ss::tagged_dumps(s);
    ASSERT_TRUE(t.ok()) << t.err().message;
    auto c = codec.encode(s, kTs);
    ASSERT_TRUE(c.ok());
    compressed += c->front() == '.';
    tagged.push_back(*t);
    cpp_cookies.push_back(*c);
    for (int k = 0; k < 3; ++k) tampered[i].push_back(tamper(r, *c));
    items.push_back({{"tagged", *t}, {"cookie", *c}, {"tampered", tampered[i]}});
  }
  EXPECT_GT(compressed, kN / 10);  // large payloads that compress are part of the set
  njson req = {{"secret", secret}, {"ts", kTs}, {"items", items}};
  auto py = websec::test::run_python(
      "import sys, json\n"
      "from flask import Flask\n"
      "import itsdangerous.timed as T\n"
      "req = json.load(sys.stdin)\n"
      "TS = req['ts']\n"
      "T.TimestampSigner.get_timestamp = lambda self: TS\n"
      "app = Flask('t'); app.secret_key = req['secret']\n"
      "si = app.session_interface\n"
      "max_age = int(app.permanent_session_lifetime.total_seconds())\n"
      "out = []\n"
      "with app.app_context():\n"
      "    ser = si.get_signing_serializer(app)\n"
      "    tj = si.serializer\n"
      "    def judge(c):\n"
      "        try: return tj.dumps(ser.loads(c, max_age=max_age))\n"
      "        except Exception as e: return None\n"
      "    for it in req['items']:\n"
      "        obj = tj.loads(it['tagged'])\n"
      "        out.append({'cookie': ser.dumps(obj), 'verify_cpp': judge(it['cookie']),\n"
      "                    'tampered': [judge(t) for t in it['tampered']]})\n"
      "sys.stdout.write(json.dumps(out))\n",
      req.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err.substr(0, 2000);
  auto res = njson::parse(py.out);
  ASSERT_EQ(res.size(), kN);
  size_t mismatches = 0, tamper_checked = 0, tamper_accepted = 0;
  for (size_t i = 0; i < kN; ++i) {
    const std::string py_cookie = res[i]["cookie"].get<std::string>();
    if (py_cookie != cpp_cookies[i] && ++mismatches < 5)
      ADD_FAILURE() << "seed " << seed << " item " << i << "\n tagged " << tagged[i] << "\n c++ " << cpp_cookies[i]
                    << "\n py  " << py_cookie;
    EXPECT_EQ(res[i]["verify_cpp"], njson(tagged[i])) << "Flask does not load the C++ cookie " << i;
    auto mine = codec.open(py_cookie, kTs);
    ASSERT_EQ(mine.result, ss::opened::outcome::session) << mine.error_message;
    EXPECT_EQ(*ss::tagged_dumps(mine.data), tagged[i]);
    for (size_t k = 0; k < tampered[i].size(); ++k) {
      auto o = codec.open(tampered[i][k], kTs);
      const njson& pj = res[i]["tampered"][k];
      ++tamper_checked;
      if (pj.is_null()) {
        EXPECT_NE(o.result, ss::opened::outcome::session) << "C++ accepts a cookie Flask rejects: " << tampered[i][k];
      } else {
        // only the lenient-decoding cases survive a changed byte, and then to the same session
        ++tamper_accepted;
        ASSERT_EQ(o.result, ss::opened::outcome::session) << tampered[i][k];
        EXPECT_EQ(*ss::tagged_dumps(o.data), pj.get<std::string>());
        EXPECT_EQ(pj.get<std::string>(), tagged[i]);
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_LT(tamper_accepted, tamper_checked / 10);
  std::printf("live round trip: %zu sessions (%zu compressed), %zu tampered cookies (%zu lenient-equivalent)\n", kN,
              compressed, tamper_checked, tamper_accepted);
}

// ---------------------------------------------------------------------------------------------- tools

TEST(Session, ExtractCookieValue) {
  const std::string v = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs";
  EXPECT_EQ(*ss::extract_cookie_value(v), v);
  EXPECT_EQ(*ss::extract_cookie_value("  " + v + "\n"), v);
  EXPECT_EQ(*ss::extract_cookie_value("session=" + v), v);
  EXPECT_EQ(*ss::extract_cookie_value("Cookie: a=b; session=" + v + "; c=d"), v);
  EXPECT_EQ(*ss::extract_cookie_value("Set-Cookie: session=" + v + "; HttpOnly; Path=/"), v);
  EXPECT_EQ(*ss::extract_cookie_value("set-cookie: session=\"" + v + "\"; Path=/"), v);
  EXPECT_EQ(ss::extract_cookie_value("Cookie: a=b").err().message, "no cookie named 'session' in the header (found 1: a)");
  EXPECT_FALSE(ss::extract_cookie_value("").ok());
  EXPECT_FALSE(ss::extract_cookie_value("two words").ok());
}

// A Cookie header of 200 000 cookies named with escape sequences: the message lists as many names as a message
// quotes, escaped (it used to join every name, 88 MB of stderr for 100 MB of random input).
TEST(Session, ExtractCookieValueMessageIsBoundedAndEscaped) {
  std::string header = "Cookie: ";
  for (int i = 0; i < 200000; ++i) header += "\x1b[2J" + std::to_string(i) + "=v; ";
  auto r = ss::extract_cookie_value(header);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.err().message;
  EXPECT_LE(m.size(), 4 * websec::max_quoted_input + 120);
  EXPECT_EQ(m.find('\x1b'), std::string::npos);
  EXPECT_EQ(m.rfind("no cookie named 'session' in the header (found 200000: \\x1b[2J0, \\x1b[2J1, ", 0), 0u) << m;
  // the signature a BadSignature message quotes is bounded the same way
  ss::config cfg;
  cfg.secret_key = "k";
  auto codec = make_codec(cfg);
  auto o = codec.open("e30.ZVPxAA." + std::string(1 << 20, 'A'), kTs);
  EXPECT_EQ(o.error_kind, websec::errc::bad_time_signature);
  EXPECT_LE(o.error_message.size(), 4 * websec::max_quoted_input + 80);
  EXPECT_NE(o.error_message.find("'... (1048576 bytes) does not match"), std::string::npos) << o.error_message;
}

TEST(Session, DecodeUnverifiedAndCrackTarget) {
  const std::string v = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs";
  auto u = ss::decode_unverified(v);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->tagged_json, "{\"user_id\":42}");
  EXPECT_EQ(u->timestamp.value(), 1700000000u);
  EXPECT_FALSE(ss::decode_unverified("nodots").ok());
  auto t = ss::crack_target::make(v);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->matches("dev"));
  EXPECT_FALSE(t->matches("dev2"));
  EXPECT_FALSE(t->matches(""));
  EXPECT_TRUE(t->matches("dev"));
  std::string long_key(100, 'k');
  ss::config c;
  c.secret_key = long_key;
  auto cookie = *make_codec(c).encode(js::value::dict({{"a", js::value::integer(1)}}), kTs);
  EXPECT_TRUE(ss::crack_target::make(cookie)->matches(long_key));
}

RC_GTEST_PROP(SessionProps, EncodeOpenRoundTrip, (std::string key, std::string text, std::int64_t n)) {
  RC_PRE(!key.empty());
  ss::config c;
  c.secret_key = key;
  auto codec = ss::codec::make(c);
  RC_ASSERT(codec.ok());
  std::string valid;
  for (unsigned char ch : text) js::append_utf8(valid, ch);
  js::value s = js::value::dict({{"t", js::value::string(valid)}, {"n", js::value::integer(n)},
                                 {"b", js::value::bytes(text)}, {"tu", js::value::tuple({js::value::markup(valid)})}});
  const std::uint64_t ts = *rc::gen::inRange<std::uint64_t>(0, 4000000000ull);
  auto cookie = codec->encode(s, ts);
  RC_ASSERT(cookie.ok());
  auto o = codec->open(*cookie, static_cast<std::int64_t>(ts));
  RC_ASSERT(o.result == ss::opened::outcome::session);
  RC_ASSERT(*ss::tagged_dumps(o.data) == *ss::tagged_dumps(s));
}

namespace {
// A random session value of every kind the tagger knows, with keys that collide with tags, keys out of order,
// non-ASCII and (sometimes) invalid UTF-8 text.
js::value random_value(websec::test::rng& r, int depth) {
  static const char* keys[] = {" t", " di", " b", "a", "B", "_id", "z\xc3\xa9", "\xf0\x9f\x98\x80", "", "a\"b\\", "\x01k"};
  auto text = [&] {
    std::string s;
    const size_t n = r.below(12);
    for (size_t i = 0; i < n; ++i) {
      switch (r.below(6)) {
        case 0: s += "\xc3\xa9"; break;
        case 1: s += "\xe2\x98\x83"; break;
        case 2: s += "\xf0\x9f\x98\x80"; break;
        case 3: s.push_back(static_cast<char>(r.below(32))); break;
        default: s.push_back(static_cast<char>(' ' + r.below(95)));
      }
    }
    if (r.chance(2)) s.push_back('\xff');  // not UTF-8: dumps refuses it
    return s;
  };
  const std::uint64_t k = depth > 4 ? r.below(7) : r.below(12);
  switch (k) {
    case 0: return js::value();
    case 1: return js::value::boolean(r.chance(50));
    case 2: return r.chance(20) ? js::value::integer_text("-123456789012345678901234567890") : js::value::integer(static_cast<std::int64_t>(r.next()) >> r.below(64));
    case 3: return js::value::floating(r.chance(10) ? std::nan("") : static_cast<double>(static_cast<std::int64_t>(r.next() >> 20)) / 1024.0);
    case 4: return js::value::string(text());
    case 5: return js::value::bytes(text());
    case 6: {
      js::datetime_value dt;
      dt.local_seconds = static_cast<std::int64_t>(r.below(4000000000ull));
      dt.tz = js::datetime_value::zone::utc;
      return js::value::datetime(dt);
    }
    case 7: return js::value::markup(text());
    case 8: return js::value::uuid(std::string(16, static_cast<char>(r.below(256))));
    case 9:
    case 10: {
      std::vector<js::value> items;
      for (size_t i = r.below(4); i > 0; --i) items.push_back(random_value(r, depth + 1));
      return k == 9 ? js::value::list(std::move(items)) : js::value::tuple(std::move(items));
    }
    default: {
      js::value d = js::value::dict();
      for (size_t i = r.below(r.chance(10) ? 40 : 5); i > 0; --i)
        d.set(keys[r.below(std::size(keys))] + (r.chance(30) ? std::to_string(r.below(50)) : std::string()),
              random_value(r, depth + 1));
      return d;
    }
  }
}
}  // namespace

// tagged_dumps writes the tagged JSON in one pass; it must equal json::dumps over the tagged tree (text, and
// the error when dumps refuses) for every value.
TEST(Session, TaggedDumpsEqualsDumpsOfTag) {
  websec::test::rng r(websec::test::test_seed(20261129));
  for (int i = 0; i < 5000; ++i) {
    js::value v = random_value(r, 0);
    auto one = ss::tagged_dumps(v);
    auto ref = js::dumps(ss::tag(v), js::compact(true, true));
    ASSERT_EQ(one.ok(), ref.ok()) << js::repr(v);
    if (one.ok()) {
      ASSERT_EQ(*one, *ref) << js::repr(v);
    } else {
      ASSERT_EQ(one.err().kind, ref.err().kind) << js::repr(v);
      ASSERT_EQ(one.err().message, ref.err().message) << js::repr(v);
    }
  }
  // nesting at the depth bound, through lists, tuples (one wrapper level each) and " di" wrappers
  for (int n : {997, 998, 999, 1000, 1001}) {
    for (int shape = 0; shape < 3; ++shape) {
      js::value v = js::value::integer(1);
      for (int i = 0; i < n; ++i) {
        if (shape == 0) v = js::value::list({v});
        else if (shape == 1) v = i % 2 ? js::value::tuple({v}) : js::value::list({v});
        else v = i % 2 ? js::value::dict({{" t", v}}) : js::value::list({v});
      }
      auto one = ss::tagged_dumps(v);
      auto ref = js::dumps(ss::tag(v), js::compact(true, true));
      ASSERT_EQ(one.ok(), ref.ok()) << n << " " << shape;
      if (one.ok()) EXPECT_EQ(*one, *ref);
      else EXPECT_EQ(one.err().kind, ref.err().kind);
    }
  }
}
