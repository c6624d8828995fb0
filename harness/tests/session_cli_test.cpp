// Tests of `websec session` (harness/cli/session_cmd.cpp), run as a process the way a person runs it: decode,
// verify, sign and crack, with the cookie given as an argument, as a `Cookie:` / `Set-Cookie:` header line and
// on stdin; the exit statuses (0 valid / found, 1 judged bad, 2 bad usage or unreadable input) and the reason
// printed for each kind of rejection. `sign` must print what Flask's save path produces (checked against the
// installed Flask at test time), and `crack` must find the key of a cookie from a small word list.
//
// The path of the tool comes from harness/cli/CMakeLists.txt (WEBSEC_CLI); without the CLI the tests skip.
#include "websec/session.hpp"
#include "websec/signing.hpp"
#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ss = websec::session;
namespace fs = std::filesystem;
using njson = nlohmann::json;

namespace {

constexpr std::int64_t kTs = 1700000000;  // 2023-11-14T22:13:20+00:00
constexpr std::int64_t kLifetime = 31 * 86400;
const char* kSecret = "cli-test-secret";

using websec::test::cli;

std::string trim_nl(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// A cookie made by the library (its byte-identity with Flask is session_test's subject; here it is input).
std::string make_cookie(const std::string& tagged_json, std::int64_t ts = kTs, const std::string& secret = kSecret) {
  ss::config c;
  c.secret_key = secret;
  auto codec = ss::codec::make(c);
  auto v = ss::tagged_loads(tagged_json);
  EXPECT_TRUE(codec.ok() && v.ok());
  auto cookie = codec->encode(*v, static_cast<std::uint64_t>(ts));
  EXPECT_TRUE(cookie.ok());
  return *cookie;
}

/// A temporary directory removed at the end of the test.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string t = (fs::temp_directory_path() / "websec-cli-XXXXXX").string();
    if (mkdtemp(t.data())) path = t;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& data) const {
    std::ofstream(path / name, std::ios::binary) << data;
    return (path / name).string();
  }
};

const std::string kSmall = R"({"_fresh":true,"csrf_token":"0123456789abcdef","user_id":42})";

}  // namespace

// ---------------------------------------------------------------------------------------------- sign

TEST(SessionCli, SignPrintsWhatFlaskProduces) {
  REQUIRE_CLI();
  if (!websec::test::python_has({"flask", "itsdangerous"})) GTEST_SKIP() << "no python3-flask";
  std::string big = R"({"cart":[)";
  for (int i = 0; i < 120; ++i) big += (i ? "," : "") + std::string(R"({"sku":"item-)") + std::to_string(i) + R"(","n":1})";
  big += R"(],"user":"x"})";
  struct item {
    std::string json, secret, salt;
    std::int64_t ts;
  };
  const std::vector<item> items = {
      {kSmall, kSecret, "", kTs},
      {R"({})", "k", "", 0},
      {R"({"name":"Zoë \u2603 \ud83d\ude00","n":-1.5e-07,"big":123456789012345678901234567890})", "s3cr3t", "", kTs + 1},
      {R"({"t":{" t":[1,"a",null]},"b":{" b":"AAEC/w=="},"m":{" m":"<b>x</b>"},"u":{" u":"12345678123456781234567812345678"},)"
       R"("d":{" d":"Tue, 14 Nov 2023 22:13:20 GMT"},"k":{" di":{" t__":1}}})",
       kSecret, "", kTs},
      {big, kSecret, "", kTs},  // compressed payload ("." prefix)
      {kSmall, kSecret, "other-salt", kTs},
  };
  njson req = njson::array();
  std::vector<std::string> ours;
  for (const auto& it : items) {
    std::vector<std::string> args = {"session", "sign", "--secret", it.secret, "--timestamp", std::to_string(it.ts)};
    if (!it.salt.empty()) args.insert(args.end(), {"--salt", it.salt});
    args.push_back(it.json);
    auto r = cli(args);
    ASSERT_EQ(r.status, 0) << it.json << "\n" << r.err;
    ours.push_back(trim_nl(r.out));
    req.push_back({{"json", it.json}, {"secret", it.secret}, {"salt", it.salt.empty() ? "cookie-session" : it.salt},
                   {"ts", it.ts}});
  }
  EXPECT_EQ(ours[4][0], '.') << "the large session should be compressed";
  auto py = websec::test::run_python(
      "import sys, json\n"
      "from flask import Flask\n"
      "import itsdangerous.timed as T\n"
      "out = []\n"
      "for it in json.load(sys.stdin):\n"
      "    T.TimestampSigner.get_timestamp = lambda self, ts=it['ts']: ts\n"
      "    app = Flask('t'); app.secret_key = it['secret']\n"
      "    si = app.session_interface; si.salt = it['salt']\n"
      "    with app.app_context():\n"
      "        out.append(si.get_signing_serializer(app).dumps(dict(si.serializer.loads(it['json']))))\n"
      "print(json.dumps(out))\n",
      req.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto flask = njson::parse(py.out);
  ASSERT_EQ(flask.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(ours[i], flask[i].get<std::string>()) << items[i].json;
}

TEST(SessionCli, SignUsageErrors) {
  REQUIRE_CLI();
  auto r = cli({"session", "sign", kSmall});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--secret"), std::string::npos) << r.err;
  r = cli({"session", "sign", "--secret", "k", "{not json"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  r = cli({"session", "sign", "--secret", "k", "[1,2]"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("JSON object"), std::string::npos) << r.err;
  r = cli({"session", "sign", "--secret", "k", "--timestamp", "yesterday", kSmall});
  EXPECT_EQ(r.status, 2);
  r = cli({"session", "sign", "--secret", "k"});
  EXPECT_EQ(r.status, 2);
  r = cli({"session", "frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown session sub-command"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------- verify

TEST(SessionCli, VerifyReadsArgumentHeaderLinesAndStdin) {
  REQUIRE_CLI();
  const std::string cookie = make_cookie(kSmall);
  const std::vector<std::string> base = {"session", "verify", "--secret", kSecret, "--now", std::to_string(kTs + 60)};
  struct form {
    std::string name, arg, stdin_text;
  };
  const std::vector<form> forms = {
      {"bare argument", cookie, ""},
      {"name=value argument", "session=" + cookie, ""},
      {"Cookie: line", "Cookie: theme=dark; session=" + cookie + "; lang=en", ""},
      {"cookie: line, lower case", "cookie: session=" + cookie, ""},
      {"Set-Cookie: line", "Set-Cookie: session=" + cookie + "; HttpOnly; Path=/; SameSite=Lax", ""},
      {"stdin (no argument)", "", cookie + "\n"},
      {"stdin (-)", "-", cookie + "\n"},
      {"Cookie: line on stdin", "-", "Cookie: session=" + cookie + "\r\n"},
      {"Set-Cookie: line on stdin", "", "Set-Cookie: session=" + cookie + "; Secure\n"},
  };
  for (const auto& f : forms) {
    auto args = base;
    if (!f.arg.empty()) args.push_back(f.arg);
    auto r = cli(args, f.stdin_text);
    EXPECT_EQ(r.status, 0) << f.name << "\n" << r.out << r.err;
    EXPECT_EQ(trim_nl(r.out), kSmall) << f.name;
    EXPECT_NE(r.err.find("valid, signed 2023-11-14T22:13:20+00:00"), std::string::npos) << f.name << ": " << r.err;
  }
}

TEST(SessionCli, VerifyGivesThePreciseReason) {
  REQUIRE_CLI();
  const std::string cookie = make_cookie(kSmall);
  auto verify = [&](std::vector<std::string> extra, const std::string& c) {
    std::vector<std::string> args = {"session", "verify"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(c);
    return cli(args);
  };
  const std::string now_ok = std::to_string(kTs + 100);

  // wrong key
  auto r = verify({"--secret", "not-the-key", "--now", now_ok}, cookie);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("invalid: bad signature (Signature b'", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("does not match"), std::string::npos) << r.out;

  // one changed byte of the signature
  std::string tampered = cookie;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  r = verify({"--secret", kSecret, "--now", now_ok}, tampered);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind("invalid: bad signature", 0), 0u) << r.out;

  // no separator at all
  r = verify({"--secret", kSecret, "--now", now_ok}, "notasignedvalue");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(trim_nl(r.out), "invalid: bad signature (No b'.' found in value)");

  // expired: the default lifetime (31 days) and an explicit --max-age
  r = verify({"--secret", kSecret, "--now", std::to_string(kTs + kLifetime + 5)}, cookie);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(trim_nl(r.out), "invalid: expired by 5 s (Signature age 2678405 > 2678400 seconds)");
  r = verify({"--secret", kSecret, "--max-age", "60", "--now", std::to_string(kTs + 61)}, cookie);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(trim_nl(r.out), "invalid: expired by 1 s (Signature age 61 > 60 seconds)");
  // age == max_age still passes; --no-max-age accepts any age
  r = verify({"--secret", kSecret, "--max-age", "60", "--now", std::to_string(kTs + 60)}, cookie);
  EXPECT_EQ(r.status, 0) << r.out;
  r = verify({"--secret", kSecret, "--no-max-age", "--now", std::to_string(kTs + 10 * kLifetime)}, cookie);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(trim_nl(r.out), kSmall);

  // future-dated
  r = verify({"--secret", kSecret, "--now", std::to_string(kTs - 7)}, cookie);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(trim_nl(r.out), "invalid: future-dated by 7 s (Signature age -7 < 0 seconds)");

  // a correctly signed value whose timestamp is 9 bytes: itsdangerous's "Malformed timestamp"
  {
    websec::signing::signer_options o;
    o.secret_keys = {kSecret};
    o.salt = "cookie-session";
    o.derivation = websec::signing::key_derivation::hmac;
    auto s = websec::signing::signer::make(o);
    ASSERT_TRUE(s.ok());
    std::string signed_value = s->sign("eyJhIjoxfQ." + websec::signing::base64_encode(std::string(9, '\x01')));
    r = verify({"--secret", kSecret, "--now", now_ok}, signed_value);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(trim_nl(r.out), "invalid: malformed timestamp");
    // a valid MAC without a timestamp
    r = verify({"--secret", kSecret, "--now", now_ok}, s->sign("eyJhIjoxfQ"));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(trim_nl(r.out), "invalid: bad signature (timestamp missing)");
  }

  // a valid signature over a payload that is not JSON: Flask's 500
  {
    ss::config c;
    c.secret_key = kSecret;
    auto codec = ss::codec::make(c);
    ASSERT_TRUE(codec.ok());
    std::string bad = codec->signing_serializer().dumps_text("{not json", kTs);
    r = verify({"--secret", kSecret, "--now", now_ok}, bad);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out.rfind("invalid: valid signature but undecodable payload: Flask answers 500 (BadPayload", 0), 0u)
        << r.out;
  }

  // key rotation: signed with the old key, verified with --fallback (Flask >= 3.1.1)
  const std::string old_cookie = make_cookie(kSmall, kTs, "old-key");
  r = verify({"--secret", kSecret, "--now", now_ok}, old_cookie);
  EXPECT_EQ(r.status, 1);
  r = verify({"--secret", kSecret, "--fallback", "older", "--fallback", "old-key", "--now", now_ok}, old_cookie);
  EXPECT_EQ(r.status, 0) << r.out;
  r = verify({"--secret", kSecret, "--fallback", "old-key", "--profile", "debian", "--now", now_ok}, old_cookie);
  EXPECT_EQ(r.status, 1) << "Flask 2.2 has no SECRET_KEY_FALLBACKS";

  // another salt
  const std::string salted = [&] {
    auto r2 = cli({"session", "sign", "--secret", kSecret, "--timestamp", std::to_string(kTs), "--salt", "s2", kSmall});
    return trim_nl(r2.out);
  }();
  r = verify({"--secret", kSecret, "--now", now_ok}, salted);
  EXPECT_EQ(r.status, 1);
  r = verify({"--secret", kSecret, "--salt", "s2", "--now", now_ok}, salted);
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(SessionCli, VerifyRejectsMalformedInputAndBadUsage) {
  REQUIRE_CLI();
  const std::string cookie = make_cookie(kSmall);
  const std::vector<std::string> base = {"session", "verify", "--secret", kSecret, "--now", std::to_string(kTs)};
  struct bad {
    std::string name, arg, stdin_text, message;
  };
  const std::vector<bad> cases = {
      {"empty stdin", "", "", "no cookie given (empty input)"},
      {"blank stdin", "-", " \n", "no cookie given (empty input)"},
      {"space inside a bare value", "abc def.ghi", "", "cookie value contains a character not allowed in a cookie (byte 3)"},
      {"Cookie: line without the session cookie", "Cookie: a=b; c=d", "", "no cookie named 'session' in the header (found 2: a, c)"},
      {"empty session cookie", "Cookie: session=; a=b", "", "cookie 'session' is empty"},
      {"Set-Cookie: line without a pair", "Set-Cookie: garbage", "", "Set-Cookie header has no name=value pair"},
  };
  for (const auto& c : cases) {
    auto args = base;
    if (!c.arg.empty()) args.push_back(c.arg);
    auto r = cli(args, c.stdin_text);
    EXPECT_EQ(r.status, 2) << c.name << "\n" << r.out << r.err;
    EXPECT_EQ(r.out, "") << c.name;
    EXPECT_NE(r.err.find("websec: malformed cookie: " + c.message), std::string::npos) << c.name << ": " << r.err;
  }
  auto r = cli({"session", "verify", cookie});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needs --secret KEY"), std::string::npos) << r.err;
  r = cli({"session", "verify", "--secret", "k", "--max-age", "5", "--no-max-age", cookie});
  EXPECT_EQ(r.status, 2);
  r = cli({"session", "verify", "--secret", "k", "--max-age", "-1", cookie});
  EXPECT_EQ(r.status, 2);
  r = cli({"session", "verify", "--secret", "k", "--bogus", cookie});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown option --bogus"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------- decode

TEST(SessionCli, DecodeShowsThePayloadUnverified) {
  REQUIRE_CLI();
  const std::string cookie = make_cookie(kSmall);
  const std::string expect = R"({"verified": false, "timestamp": "2023-11-14T22:13:20+00:00", "compressed": false, "payload": )" +
                             kSmall + "}";
  for (const auto& [arg, in] : std::vector<std::pair<std::string, std::string>>{
           {cookie, ""}, {"Cookie: session=" + cookie, ""}, {"", "Set-Cookie: session=" + cookie + "; Path=/\n"}}) {
    std::vector<std::string> args = {"session", "decode"};
    if (!arg.empty()) args.push_back(arg);
    auto r = cli(args, in);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trim_nl(r.out), expect);
    EXPECT_NE(r.err.find("NOT verified"), std::string::npos) << r.err;
  }
  // any key: decode does not need it, and a wrong signature does not matter
  auto r = cli({"session", "decode", make_cookie(kSmall, kTs, "whatever")});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(trim_nl(r.out), expect);
  // a compressed payload
  std::string big = R"({"text":")" + std::string(400, 'a') + R"("})";
  r = cli({"session", "decode", make_cookie(big)});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(R"("compressed": true, "payload": )" + big), std::string::npos) << r.out;
  // malformed: judged bad (1) when the value is a cookie but not a session; unusable input (2)
  r = cli({"session", "decode", "nodots"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot decode the cookie: not a signed value"), std::string::npos) << r.err;
  r = cli({"session", "decode", "!!!!.AAAA.BBBB"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot decode the cookie"), std::string::npos) << r.err;
  r = cli({"session", "decode"}, "\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("malformed cookie: no cookie given"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------- crack

TEST(SessionCli, CrackFindsTheKeyFromAWordList) {
  REQUIRE_CLI();
  temp_dir dir;
  ASSERT_FALSE(dir.path.empty());
  std::string words;
  for (int i = 0; i < 5000; ++i) words += "password" + std::to_string(i) + "\n";
  const std::string with_key = dir.write("with_key.txt", "changeme\r\n" + words + "hunter2\n" + words);
  const std::string without = dir.write("without.txt", words);
  const std::string cookie = make_cookie(kSmall, kTs, "hunter2");
  for (const char* threads : {"1", "2", "4"}) {
    auto r = cli({"session", "crack", "--wordlist", with_key, "--threads", threads, cookie});
    EXPECT_EQ(r.status, 0) << threads << ": " << r.err;
    EXPECT_EQ(trim_nl(r.out), R"(secret key found: "hunter2")") << threads;
    EXPECT_NE(r.err.find("guesses/s"), std::string::npos) << r.err;
  }
  // the cookie from a Cookie: line on stdin; a key on a CRLF line
  auto r = cli({"session", "crack", "--wordlist", with_key, "--threads", "2"},
                  "Cookie: session=" + make_cookie(kSmall, kTs, "changeme") + "\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(trim_nl(r.out), R"(secret key found: "changeme")");
  // not in the list: every word is tried
  r = cli({"session", "crack", "--wordlist", without, "--threads", "2", "--quiet", cookie});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(trim_nl(r.out), "no secret key in the word list matched");
  EXPECT_NE(r.err.find("tried 5000 candidates"), std::string::npos) << r.err;
  // a cookie signed with another salt needs --salt
  auto salted = cli({"session", "sign", "--secret", "hunter2", "--salt", "s2", kSmall});
  r = cli({"session", "crack", "--wordlist", with_key, "--quiet", trim_nl(salted.out)});
  EXPECT_EQ(r.status, 1);
  r = cli({"session", "crack", "--wordlist", with_key, "--quiet", "--salt", "s2", trim_nl(salted.out)});
  EXPECT_EQ(r.status, 0) << r.err;
  // bad usage and unusable input
  r = cli({"session", "crack", cookie});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needs --wordlist FILE"), std::string::npos) << r.err;
  r = cli({"session", "crack", "--wordlist", (dir.path / "missing.txt").string(), cookie});
  EXPECT_EQ(r.status, 2);
  r = cli({"session", "crack", "--wordlist", without, "--threads", "0", cookie});
  EXPECT_EQ(r.status, 2);
  r = cli({"session", "crack", "--wordlist", without, "abc.def"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("does not decode to a 20-byte HMAC-SHA1"), std::string::npos) << r.err;
}

/// True when `s` holds no control character other than the line ends of its lines.
bool no_raw_controls(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7F) return false;
  return true;
}

// Hostile input on stdin: 100 MB of random bytes used to put 88 MB on stderr (every cookie name joined into the
// message) and take 1.16 GB of memory. The tool reads at most 1 MiB of cookie text, and every message quotes at most
// websec::max_quoted_input bytes of it, escaped.
TEST(SessionCli, HostileInputGivesShortEscapedMessages) {
  REQUIRE_CLI();
  websec::test::rng r(0x5E55);
  auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(r.below(256));
    return s;
  };
  // over the cap: refused before anything is parsed
  std::string big = random_bytes(8u << 20);
  for (const char* cmd : {"decode", "verify"}) {
    std::vector<std::string> args{"session", cmd};
    if (std::string(cmd) == "verify") args.insert(args.end(), {"--secret", kSecret});
    auto res = cli(args, big);
    EXPECT_EQ(res.status, 2) << cmd;
    EXPECT_EQ(trim_nl(res.err), "websec: the cookie on stdin is larger than 1048576 bytes") << cmd;
  }
  // under the cap, random bytes with "; " are read as a Cookie header of thousands of random names
  std::string text = random_bytes(1u << 20);
  for (std::size_t i = 0; i + 2 < text.size(); i += 97) text.replace(i, 2, "; ");
  for (const char* cmd : {"decode", "verify"}) {
    std::vector<std::string> args{"session", cmd};
    if (std::string(cmd) == "verify") args.insert(args.end(), {"--secret", kSecret});
    auto res = cli(args, text);
    EXPECT_EQ(res.status, 2) << cmd;
    EXPECT_LE(res.err.size(), 4 * websec::max_quoted_input + 200) << cmd;
    EXPECT_NE(res.err.find("websec: malformed cookie: no cookie named 'session' in the header (found "),
              std::string::npos) << res.err;
    EXPECT_TRUE(no_raw_controls(res.err)) << cmd;
  }
  // a signature of 900 kB: the BadSignature reason quotes 256 bytes of it and says how long it was
  std::string cookie = make_cookie(R"({"a":1})");
  cookie = cookie.substr(0, cookie.rfind('.') + 1) + std::string(900000, 'A');
  auto res = cli({"session", "verify", "--secret", kSecret, "--now", std::to_string(kTs)}, cookie);
  EXPECT_EQ(res.status, 1);
  EXPECT_LE(res.out.size(), 4 * websec::max_quoted_input + 200);
  EXPECT_NE(res.out.find("'... (900000 bytes) does not match)"), std::string::npos) << res.out.substr(0, 400);
  // the sub-command a person mistyped is quoted the same way
  res = cli({"session", std::string("dec\x1b[2Jode") + std::string(5000, 'x')});
  EXPECT_EQ(res.status, 2);
  EXPECT_LE(res.err.size(), 4 * websec::max_quoted_input + 200);
  EXPECT_NE(res.err.find("unknown session sub-command 'dec\\x1b[2Jode"), std::string::npos) << res.err;
  EXPECT_TRUE(no_raw_controls(res.err));
}
