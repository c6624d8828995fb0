// Tests of websec/json.hpp and websec/serializer.hpp: itsdangerous.json serializer vectors under both profiles,
// Python json.dumps/json.loads differentials (floats, big ints, unicode, errors), zlib byte-identity and the
// decompression cap, and RapidCheck round trips loads(dumps(x)) == x.
#include "websec/json.hpp"
#include "websec/serializer.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstring>

using websec::test::from_hex;
using websec::test::load_vectors;
using websec::test::to_hex;
namespace js = websec::json;
namespace ser = websec::serializer;
using njson = nlohmann::json;

namespace {
const char* kProfiles[] = {"debian", "upstream"};

ser::serializer make(const std::string& cls, std::optional<std::string> salt, std::vector<std::string> keys = {"secret-key"}) {
  ser::options o;
  o.secret_keys = std::move(keys);
  o.salt = std::move(salt);
  o.url_safe = cls.find("URLSafe") != std::string::npos;
  o.timed = cls.find("Timed") != std::string::npos;
  auto s = ser::serializer::make(o);
  EXPECT_TRUE(s.ok());
  return std::move(s.value());
}
}  // namespace

// ---------------------------------------------------------------------------------------------- JSON

TEST(Json, FloatRepr) {
  EXPECT_EQ(js::float_repr(1.0), "1.0");
  EXPECT_EQ(js::float_repr(-0.0), "-0.0");
  EXPECT_EQ(js::float_repr(0.1), "0.1");
  EXPECT_EQ(js::float_repr(1e100), "1e+100");
  EXPECT_EQ(js::float_repr(1e16), "1e+16");
  EXPECT_EQ(js::float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(js::float_repr(123456789012345680.0), "1.2345678901234568e+17");
  EXPECT_EQ(js::float_repr(0.0001), "0.0001");
  EXPECT_EQ(js::float_repr(0.00001), "1e-05");
  EXPECT_EQ(js::float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(js::float_repr(5e-324), "5e-324");
  EXPECT_EQ(js::float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(Json, DumpsRules) {
  auto v = js::loads(R"({"b": [1, 2.5, -0.0, 1e100, NaN, Infinity, -Infinity], "a": "\u00e9\ud83d\ude00\u2028\u007f\u0000/", "c": null})");
  ASSERT_TRUE(v.ok()) << v.err().message;
  EXPECT_EQ(*js::dumps(*v),
            R"({"b": [1, 2.5, -0.0, 1e+100, NaN, Infinity, -Infinity], "a": "\u00e9\ud83d\ude00\u2028\u007f\u0000/", "c": null})");
  EXPECT_EQ(*js::dumps(*v, js::compact(true, true)),
            R"({"a":"\u00e9\ud83d\ude00\u2028\u007f\u0000/","b":[1,2.5,-0.0,1e+100,NaN,Infinity,-Infinity],"c":null})");
  EXPECT_EQ(*js::dumps(*v, js::compact(false)),
            "{\"b\":[1,2.5,-0.0,1e+100,NaN,Infinity,-Infinity],\"a\":\"\xC3\xA9\xF0\x9F\x98\x80\xE2\x80\xA8\x7F\\u0000/\",\"c\":null}");
  auto big = js::loads("[123456789012345678901234567890, -9223372036854775808, 9223372036854775808, -0]");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(*js::dumps(*big), "[123456789012345678901234567890, -9223372036854775808, 9223372036854775808, 0]");
  EXPECT_FALSE(js::dumps(js::value::bytes("x")).ok());
  EXPECT_EQ(js::dumps(js::value::bytes("x")).err().message, "Object of type bytes is not JSON serializable");
}

TEST(Json, LoadsLeniencyAndErrors) {
  auto d = js::loads(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(js::repr(*d), "{'a': 3, 'b': 2}");
  struct {
    const char* in;
    const char* msg;
  } errs[] = {
      {"[1,", "Expecting value: line 1 column 4 (char 3)"},
      {"[", "Expecting value: line 1 column 2 (char 1)"},
      {"{\"a\":1,", "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"},
      {"\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"},
      {"[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"},
      {"{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"},
      {"01", "Extra data: line 1 column 2 (char 1)"},
      {"\"\\x\"", "Invalid \\escape: line 1 column 2 (char 1)"},
      {"\"\\u12\"", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"},
      {"", "Expecting value: line 1 column 1 (char 0)"},
      {"\n\n  x", "Expecting value: line 3 column 3 (char 4)"},
      {"\"\xC3\xA9\x01\"", "Invalid control character at: line 1 column 3 (char 2)"},
  };
  for (auto& e : errs) {
    auto r = js::loads(e.in);
    ASSERT_FALSE(r.ok()) << e.in;
    EXPECT_EQ(r.err().message, e.msg) << e.in;
  }
  std::string deep(2000, '[');
  auto r = js::loads(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().kind, websec::errc::max_depth);
  EXPECT_FALSE(js::loads("\xff").ok());
  js::load_limits small;
  small.max_size = 4;
  EXPECT_EQ(js::loads("[1,2,3]", small).err().kind, websec::errc::too_large);
  std::string many(5000, '1');
  EXPECT_EQ(js::loads(many).err().kind, websec::errc::value_error);
}

TEST(JsonDifferential, AgainstPythonJson) {
  if (!websec::test::python_has({"json"})) GTEST_SKIP();
  // texts generated here, parsed by both, then dumped by both with every option set
  websec::test::rng r(websec::test::test_seed(0x15011));
  const char* atoms[] = {"0", "-0", "1", "-1", "1.5", "1e5", "1E-7", "-2.5e+300", "1e400", "-1e400", "1e-400",
                         "123456789012345678901234567890", "0.1", "3.141592653589793", "NaN", "Infinity",
                         "-Infinity", "true", "false", "null", "\"\"", "\"a\\\"b\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"",
                         "\"\\ud800\"", "\"\xC3\xA9\xE2\x82\xAC\"", "\"\\n\\t\\u0001\\u007f\"", "\"/\\/\"", "[]", "{}",
                         "9007199254740993", "1.0000000000000002", "5e-324", "2.2250738585072014e-308"};
  std::vector<std::string> docs;
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    int k = static_cast<int>(r.below(depth > 3 ? 1 : 3));
    if (k == 0) return atoms[r.below(std::size(atoms))];
    if (k == 1) {
      std::string s = "[";
      size_t n = r.below(4);
      for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + gen(depth + 1);
      return s + "]";
    }
    std::string s = "{";
    size_t n = r.below(4);
    const char* keys[] = {"\"a\"", "\"b\"", "\"\\u00e9\"", "\"Z\"", "\"a\"", "\"\xF0\x9F\x98\x80\"", "\"\""};
    for (size_t i = 0; i < n; ++i) s += std::string(i ? ", " : "") + keys[r.below(std::size(keys))] + ": " + gen(depth + 1);
    return s + "}";
  };
  for (int i = 0; i < 1500; ++i) docs.push_back(gen(0));
  njson in = docs;
  auto py = websec::test::run_python(
      "import sys, json\n"
      "out = []\n"
      "for d in json.load(sys.stdin):\n"
      "    v = json.loads(d)\n"
      "    out.append([x.encode('utf-8', 'surrogatepass').hex() for x in [json.dumps(v),\n"
      "                json.dumps(v, separators=(',', ':'), sort_keys=True),\n"
      "                json.dumps(v, ensure_ascii=False, separators=(',', ':')), repr(v)]])\n"
      "sys.stdout.write(json.dumps(out))\n",
      in.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto expect = njson::parse(py.out);
  ASSERT_EQ(expect.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    auto v = js::loads(docs[i]);
    ASSERT_TRUE(v.ok()) << docs[i];
    auto want = [&](int k) { return from_hex(expect[i][k].get<std::string>()); };
    EXPECT_EQ(*js::dumps(*v), want(0)) << docs[i];
    EXPECT_EQ(*js::dumps(*v, js::compact(true, true)), want(1)) << docs[i];
    auto raw = js::dumps(*v, js::compact(false));
    // lone surrogates cannot be written as UTF-8 (Python fails later, when itsdangerous encodes the text)
    if (raw.ok()) EXPECT_EQ(*raw, want(2)) << docs[i];
    EXPECT_EQ(js::repr(*v), want(3)) << docs[i];
  }
}

namespace rc {
template <>
struct Arbitrary<js::value> {
  static Gen<js::value> arbitrary() {
    return gen::withSize([](int size) { return make(std::min(3, size / 25 + 1)); });
  }
  static Gen<js::value> make(int depth) {
    auto leaf = gen::oneOf(
        gen::just(js::value()), gen::map(gen::arbitrary<bool>(), [](bool b) { return js::value::boolean(b); }),
        gen::map(gen::arbitrary<std::int64_t>(), [](std::int64_t i) { return js::value::integer(i); }),
        gen::map(gen::arbitrary<double>(), [](double d) { return js::value::floating(d); }),
        gen::map(gen::container<std::string>(gen::inRange<char>('0', '9')),
                 [](std::string s) { return js::value::integer_text("9" + s + "12345678901234567890"); }),
        gen::map(gen::arbitrary<std::u32string>(), [](std::u32string s) {
          std::string u;
          for (char32_t c : s) js::append_utf8(u, (c % 0x110000 >= 0xD800 && c % 0x110000 <= 0xDFFF) ? 0xFFFD : c % 0x110000);
          return js::value::string(u);
        }));
    if (depth <= 0) return leaf;
    return gen::oneOf(
        leaf, gen::map(gen::resize(6, gen::container<std::vector<js::value>>(gen::lazy([=] { return make(depth - 1); }))),
                       [](std::vector<js::value> v) { return js::value::list(std::move(v)); }),
        gen::map(gen::resize(6, gen::container<std::vector<std::pair<std::string, js::value>>>(
                     gen::pair(gen::string<std::string>(), gen::lazy([=] { return make(depth - 1); })))),
                 [](std::vector<std::pair<std::string, js::value>> m) {
                   js::value d = js::value::dict();
                   for (auto& [k, v] : m) {
                     std::string key;
                     for (unsigned char c : k) js::append_utf8(key, c);  // valid UTF-8 keys
                     d.set(key, std::move(v));
                   }
                   return d;
                 }));
  }
};
}  // namespace rc

RC_GTEST_PROP(JsonProps, LoadsOfDumpsIsIdentity, (const js::value& v)) {
  for (auto opt : {js::dump_options{}, js::compact(true, false), js::compact(false, false)}) {
    auto text = js::dumps(v, opt);
    RC_ASSERT(text.ok());
    auto back = js::loads(*text);
    RC_ASSERT(back.ok());
    RC_ASSERT(*back == v);
  }
  // sort_keys permutes dicts: the sorted text is stable under a second round trip
  auto sorted = js::dumps(v, js::compact(true, true));
  RC_ASSERT(*js::dumps(*js::loads(*sorted), js::compact(true, true)) == *sorted);
}

// ---------------------------------------------------------------------------------------------- zlib

TEST(Serializer, ZlibMatchesPythonAndCapsDecompression) {
  std::string data(5000, 'A');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>('a' + i % 26);
  if (websec::test::python_has({"zlib"})) {
    auto py = websec::test::run_python("import sys, zlib; sys.stdout.write(zlib.compress(sys.stdin.buffer.read()).hex())", data);
    ASSERT_EQ(py.exit_code, 0);
    EXPECT_EQ(to_hex(ser::zlib_compress(data)), py.out);
  }
  EXPECT_EQ(*ser::zlib_decompress(ser::zlib_compress(data)), data);
  EXPECT_EQ(*ser::zlib_decompress(ser::zlib_compress(data) + "trailing junk"), data);  // ignored, as Python
  EXPECT_FALSE(ser::zlib_decompress(ser::zlib_compress(data).substr(0, 10)).ok());
  EXPECT_FALSE(ser::zlib_decompress("").ok());
  // bomb: 8 MiB of zeros compresses to ~8 KiB; the default cap stops at 1 MiB
  std::string zeros(8u << 20, '\0');
  std::string bomb = ser::zlib_compress(zeros);
  zeros.clear();
  zeros.shrink_to_fit();
  auto r = ser::zlib_decompress(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().kind, websec::errc::too_large);
  auto p = ser::decode_payload("." + websec::signing::base64_encode(bomb));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.err().kind, websec::errc::bad_payload);
  EXPECT_EQ(p.err().message, "decompressed payload exceeds 1048576 bytes");
  EXPECT_TRUE(ser::zlib_decompress(bomb, 8u << 20).ok());
}

// ---------------------------------------------------------------------------------------------- vectors

TEST(SerializerVectors, Dumps) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    ASSERT_EQ(v.at("serializer_dumps").size(), 132u);
    for (const auto& c : v.at("serializer_dumps")) {
      const std::string cls = c.at("class").get<std::string>();
      std::optional<std::string> salt;
      if (c.at("salt").is_string()) salt = c["salt"].get<std::string>() == "(default)" ? "itsdangerous" : c["salt"].get<std::string>();
      auto s = make(cls, salt);
      auto obj = js::loads(c.at("obj_json").get<std::string>());
      ASSERT_TRUE(obj.ok());
      std::uint64_t ts = c.at("timestamp").is_null() ? 0 : c["timestamp"].get<std::uint64_t>();
      auto out = s.dumps(*obj, ts);
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(*out, c.at("output").get<std::string>()) << c.dump();
      if (c.contains("payload_json_utf8")) EXPECT_EQ(*s.dump_json(*obj), c["payload_json_utf8"].get<std::string>());
      // and back
      auto back = s.loads(*out, std::nullopt, static_cast<std::int64_t>(ts));
      ASSERT_TRUE(back.ok()) << back.err().message;
      EXPECT_EQ(back->value, *obj);
    }
  }
}

TEST(SerializerVectors, LoadsAndRotation) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    for (const auto& c : v.at("serializer_loads")) {
      auto s = make("URLSafeTimedSerializer", c.at("salt").get<std::string>(), {c.at("secret_key").get<std::string>()});
      std::optional<std::int64_t> max_age;
      if (!c.at("max_age").is_null()) max_age = c["max_age"].get<std::int64_t>();
      auto r = s.loads(c.at("token").get<std::string>(), max_age, c.at("now").get<std::int64_t>());
      if (c.at("ok").get<bool>()) {
        ASSERT_TRUE(r.ok()) << c.dump() << " " << r.err().message;
        EXPECT_EQ(*js::dumps(r->value), c.at("result_json").get<std::string>()) << c.dump();
      } else {
        ASSERT_FALSE(r.ok()) << c.dump();
        EXPECT_EQ(r.err().kind, websec::test::kind_named(c.at("error"))) << c.dump();
        EXPECT_EQ(r.err().message, c.at("message").get<std::string>()) << c.dump();
      }
    }
    for (const auto& c : v.at("serializer_key_rotation")) {
      auto old_new = make("URLSafeTimedSerializer", "s", {"old-key", "new-key"});
      auto r = old_new.loads(c.at("token").get<std::string>(), std::nullopt, 1700000000);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(js::repr(r->value), c.at("loads_with_keys_old_new").get<std::string>());
      EXPECT_EQ(*old_new.dumps(*js::loads("{\"x\": 1}"), 1700000000), c.at("token_new").get<std::string>());
      EXPECT_TRUE(c.at("new_signs_with_last_key").get<bool>());
    }
  }
}

TEST(Serializer, CompressionThreshold) {
  // the "." prefix appears exactly when zlib saves at least 2 bytes
  for (size_t n = 1; n < 200; ++n) {
    std::string s = "\"" + std::string(n, 'x') + "\"";
    std::string c = ser::zlib_compress(s);
    std::string payload = ser::encode_payload(s);
    EXPECT_EQ(payload[0] == '.', c.size() < s.size() - 1) << n;
  }
}
