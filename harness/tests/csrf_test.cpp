// Tests of websec/csrf.hpp: csrf.json vectors under both profiles, the token lookup and referrer rules of
// Flask-WTF's protect(), double-submit tokens, and a live round trip of signed tokens with itsdangerous.
#include "websec/csrf.hpp"
#include "websec/serializer.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <set>

using websec::test::load_vectors;
namespace csrf = websec::csrf;
using njson = nlohmann::json;

TEST(CsrfVectors, SignAndValidate) {
  for (const char* p : {"debian", "upstream"}) {
    auto v = load_vectors(p, "csrf");
    csrf::config c;
    c.secret_key = v.at("secret_key").get<std::string>();
    ASSERT_EQ(v.at("salt").get<std::string>(), csrf::salt);
    EXPECT_EQ(csrf::sign_token(c, v.at("raw_token").get<std::string>(), v.at("timestamp").get<std::uint64_t>()),
              v.at("signed_token").get<std::string>());
    ASSERT_EQ(v.at("validate").size(), 9u);
    for (const auto& k : v.at("validate")) {
      c.time_limit = k.at("time_limit").get<std::int64_t>();
      std::optional<std::string> sess;
      if (!k.at("session_raw").is_null()) sess = k["session_raw"].get<std::string>();
      const std::string submitted = k.at("submitted").get<std::string>();
      auto e = csrf::validate(c, submitted, sess ? std::optional<std::string_view>(*sess) : std::nullopt,
                              k.at("now").get<std::int64_t>());
      if (k.at("error_message").is_null()) {
        EXPECT_TRUE(e.ok()) << k.dump() << " " << e.err().message;
      } else {
        ASSERT_FALSE(e.ok()) << k.dump();
        EXPECT_EQ(e.err().kind, websec::errc::csrf_error);
        EXPECT_EQ(e.err().message, k["error_message"].get<std::string>());
        EXPECT_EQ(e.err().http_status, 400);
      }
    }
  }
}

TEST(Csrf, RawTokensAreRandomHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto t = csrf::generate_raw_token();
    ASSERT_EQ(t.size(), 40u);
    for (char ch : t) ASSERT_TRUE((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Csrf, TokenLookupOrder) {
  using kv = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(csrf::find_token({{"csrf_token", "A"}, {"x-csrf_token", "B"}}, {{"X-CSRFToken", "C"}}), "A");
  EXPECT_EQ(csrf::find_token({{"csrf_token", ""}, {"form-csrf_token", "B"}}, {{"X-CSRFToken", "C"}}), "B");
  EXPECT_EQ(csrf::find_token(kv{}, {{"x-csrf-token", "D"}, {"X-CSRFToken", "C"}}), "C");
  EXPECT_EQ(csrf::find_token(kv{}, {{"X-CSRF-Token", "D"}}), "D");
  EXPECT_EQ(csrf::find_token(kv{}, kv{}), "");
  EXPECT_TRUE(csrf::is_protected_method("POST"));
  EXPECT_TRUE(csrf::is_protected_method("DELETE"));
  EXPECT_FALSE(csrf::is_protected_method("GET"));
  EXPECT_FALSE(csrf::is_protected_method("post"));
}

TEST(Csrf, ReferrerCheck) {
  csrf::config c;
  c.secret_key = "dev";
  EXPECT_TRUE(csrf::check_referrer(c, false, std::nullopt, "example.com").ok());  // plain HTTP: no check
  EXPECT_EQ(csrf::check_referrer(c, true, std::nullopt, "example.com").err().message, "The referrer header is missing.");
  EXPECT_TRUE(csrf::check_referrer(c, true, "https://example.com/form", "example.com").ok());
  EXPECT_TRUE(csrf::check_referrer(c, true, "https://EXAMPLE.com/form", "example.com").ok());
  EXPECT_TRUE(csrf::check_referrer(c, true, "https://example.com:8443/x", "example.com:8443").ok());
  EXPECT_EQ(csrf::check_referrer(c, true, "http://example.com/", "example.com").err().message,
            "The referrer does not match the host.");
  EXPECT_EQ(csrf::check_referrer(c, true, "https://evil.com/", "example.com").err().message,
            "The referrer does not match the host.");
  EXPECT_EQ(csrf::check_referrer(c, true, "https://example.com:444/", "example.com").err().message,
            "The referrer does not match the host.");
  EXPECT_EQ(csrf::check_referrer(c, true, "https://example.com:x/", "example.com").err().http_status, 500);
  EXPECT_EQ(csrf::check_referrer(c, true, "https://example.com:x/", "example.com").err().kind, websec::errc::value_error);
  EXPECT_EQ(csrf::check_referrer(c, true, "https://evil.com/", "example.com").err().kind, websec::errc::csrf_error);
  c.ssl_strict = false;
  EXPECT_TRUE(csrf::check_referrer(c, true, std::nullopt, "example.com").ok());
}

TEST(Csrf, ProtectOrder) {
  csrf::config c;
  c.secret_key = "dev";
  const std::string raw = "0123456789abcdef0123456789abcdef01234567";
  const std::string tok = csrf::sign_token(c, raw, 1700000000);
  std::vector<std::pair<std::string, std::string>> form = {{"csrf_token", tok}}, none;
  EXPECT_TRUE(csrf::protect(c, "GET", none, none, std::nullopt, true, std::nullopt, "h", 1700000000).ok());
  EXPECT_EQ(csrf::protect(c, "POST", none, none, raw, true, std::nullopt, "h", 1700000000).err().message,
            "The CSRF token is missing.");
  // the token is checked before the referrer
  EXPECT_EQ(csrf::protect(c, "POST", form, none, raw, true, std::nullopt, "h", 1700000000).err().message,
            "The referrer header is missing.");
  EXPECT_TRUE(csrf::protect(c, "POST", form, none, raw, true, "https://h/page", "h", 1700000000).ok());
  // a token that loads to something other than a str: hmac.compare_digest raises TypeError (500)
  websec::serializer::options o;
  o.secret_keys = {"dev"};
  o.salt = std::string(csrf::salt);
  auto s = websec::serializer::serializer::make(o);
  auto int_tok = *s->dumps(websec::json::value::integer(5), 1700000000);
  EXPECT_EQ(csrf::validate(c, int_tok, raw, 1700000000).err().http_status, 500);
  EXPECT_EQ(csrf::validate(c, int_tok, raw, 1700000000).err().kind, websec::errc::type_error);
}

TEST(Csrf, DoubleSubmit) {
  auto a = csrf::generate_double_submit_token();
  auto b = csrf::generate_double_submit_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(csrf::double_submit_matches(a, a));
  EXPECT_FALSE(csrf::double_submit_matches(a, b));
  EXPECT_FALSE(csrf::double_submit_matches("", ""));
  EXPECT_FALSE(csrf::double_submit_matches(a, a.substr(1)));
}

TEST(CsrfDifferential, TokensRoundTripWithItsdangerous) {
  if (!websec::test::python_has({"itsdangerous"})) GTEST_SKIP();
  websec::test::rng r(websec::test::test_seed(0xC5F));
  csrf::config c;
  c.secret_key = "csrf-secret";
  constexpr std::int64_t ts = 1700000000;
  njson items = njson::array();
  std::vector<std::string> raws, toks, tampered;
  for (int i = 0; i < 300; ++i) {
    raws.push_back(csrf::generate_raw_token());
    toks.push_back(csrf::sign_token(c, raws.back(), ts));
    std::string t = toks.back();
    size_t pos = r.below(t.size());
    t[pos] = t[pos] == 'A' ? 'B' : 'A';
    tampered.push_back(t);
    items.push_back({{"raw", raws.back()}, {"tok", toks.back()}, {"bad", t}});
  }
  auto py = websec::test::run_python(
      "import sys, json\n"
      "import itsdangerous.timed as T\n"
      "from itsdangerous import URLSafeTimedSerializer, BadData\n"
      "T.TimestampSigner.get_timestamp = lambda self: 1700000000\n"
      "s = URLSafeTimedSerializer('csrf-secret', salt='wtf-csrf-token')\n"
      "out = []\n"
      "for it in json.load(sys.stdin):\n"
      "    def ld(t):\n"
      "        try: return s.loads(t, max_age=3600)\n"
      "        except BadData: return None\n"
      "    out.append([s.dumps(it['raw']), ld(it['tok']), ld(it['bad'])])\n"
      "print(json.dumps(out))\n",
      items.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto res = njson::parse(py.out);
  for (size_t i = 0; i < raws.size(); ++i) {
    EXPECT_EQ(res[i][0].get<std::string>(), toks[i]);
    EXPECT_EQ(res[i][1], njson(raws[i]));
    auto mine = csrf::validate(c, tampered[i], raws[i], ts);
    EXPECT_EQ(res[i][2].is_null(), !mine.ok()) << tampered[i];
    EXPECT_TRUE(csrf::validate(c, res[i][0].get<std::string>(), raws[i], ts).ok());
  }
}

// Found by csrf_fuzzer (check_referrer against a model of urllib.parse): the Referer check now follows CPython
// 3.11's urlparse — leading C0/space stripped, TAB/CR/LF removed, ports parsed only once scheme and hostname match
// (same_origin's `and` chain), any-position '[' in the host part, bracketed hosts validated, latin-1 lower().
TEST(CsrfDifferential, ReferrerCheckFollowsUrlparse) {
  if (!websec::test::python_has({"urllib"})) GTEST_SKIP();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://example.com/form", "example.com"},
      {"http://example.com:abc/", "example.com"},         // scheme differs: the port is never parsed
      {"https://evil.com:abc/", "example.com"},           // hostname differs: idem
      {"https://example.com:abc/", "example.com"},        // ValueError
      {"https://example.com:99999/", "example.com"},      // ValueError (range)
      {"https://example.com:0443/", "example.com:443"},
      {"https://example.com:/", "example.com"},           // empty port = None
      {"https://exa\tmple.com/", "example.com"},          // TAB removed
      {" \x01https://example.com/", "example.com"},       // C0/space stripped
      {"https://u:p@EXAMPLE.com/x", "example.com"},
      {"https://\xc9x.com/", "\xe9x.com"},                // latin-1 lower()
      {"https://[::1]:8443/", "[::1]:8443"},
      {"https://[::1]/", "[::1]:443"},
      {"https://[FE80::1%25ETH0]/", "[fe80::1%25ETH0]"},  // zone id not lower-cased
      {"https://[foo]/", "[::1]"},                        // not an address: ValueError
      {"https://a[::1]/", "example.com"},                 // data before '[': ValueError
      {"https://[::1]x/", "example.com"},                 // data after ']': ValueError
      {"https://[::1/", "example.com"},                   // unbalanced: ValueError
      {"https://[v1.x]/", "[v1.x]"},                      // IPvFuture
      {"https://[1.2.3.4]/", "example.com"},              // IPv4 in brackets: ValueError
      {"https://[::ffff:1.2.3.4]/", "[::FFFF:1.2.3.4]"},
      {"https://[1:2:3:4:5:6:7:8:9]/", "example.com"},
      {"https://[1::2::3]/", "example.com"},
      {"https://]@example.com/", "example.com"},          // bracket in userinfo only
      {"https:example.com", "example.com"},
      {"//example.com/", "example.com"},
      {"HTTPS://EXAMPLE.COM:443/", "example.com:443"},
  };
  njson items = njson::array();
  for (const auto& [r, h] : cases) items.push_back({websec::test::to_hex(r), websec::test::to_hex(h)});
  auto py = websec::test::run_python(
      "import sys, json\n"
      "from urllib.parse import urlparse\n"
      "def same_origin(a, b):\n"  // flask_wtf.csrf.same_origin (1.3.0)
      "    c, d = urlparse(a), urlparse(b)\n"
      "    return c.scheme == d.scheme and c.hostname == d.hostname and c.port == d.port\n"
      "out = []\n"
      "for r, h in json.load(sys.stdin):\n"
      "    r = bytes.fromhex(r).decode('latin-1'); h = bytes.fromhex(h).decode('latin-1')\n"
      "    try: out.append('ok' if same_origin(r, f'https://{h}/') else 'mismatch')\n"
      "    except ValueError: out.append('ValueError')\n"
      "print(json.dumps(out))\n",
      items.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto want = njson::parse(py.out);
  csrf::config c;
  c.secret_key = "dev";
  for (size_t i = 0; i < cases.size(); ++i) {
    auto e = csrf::check_referrer(c, true, cases[i].first, cases[i].second);
    std::string got = e ? "ok"
                      : e.err().kind == websec::errc::value_error              ? "ValueError"
                      : e.err().message == csrf::messages::referrer_mismatch ? "mismatch"
                                                                               : e.err().message;
    EXPECT_EQ(got, want[i].get<std::string>()) << "Referer " << cases[i].first << " Host " << cases[i].second;
  }
}

TEST(Csrf, SignTokenNeedsUtf8) {
  csrf::config c;
  c.secret_key = "dev";
  EXPECT_EQ(csrf::sign_token(c, "\xb0\x81", 1700000000), "");
  EXPECT_EQ(csrf::sign_token(c, "5b0e2bb1d4c63b9a6b4e5c2c2f4a7a0e9b1d3c5f", 1700000000).substr(0, 2), "Ij");
  EXPECT_EQ(csrf::sign_token(c, "bb0e2bb1d4c63b9a6b4e5c2c2f4a7a0e9b1d3c5f", 1700000000).substr(0, 2), "Im");
}
