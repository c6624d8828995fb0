// Tests of websec/signing.hpp: every itsdangerous.json vector (encoding, Signer, TimestampSigner) under both
// profiles, RapidCheck properties (round trips for every derivation and digest, single-byte tampering,
// max_age boundaries) and a base64 differential against CPython's binascii.
#include "websec/signing.hpp"

#include "support.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

using websec::test::from_hex;
using websec::test::kind_named;
using websec::test::load_vectors;
using websec::test::to_hex;
namespace sg = websec::signing;
using njson = nlohmann::json;

namespace {

const char* kProfiles[] = {"debian", "upstream"};

sg::signer_options options_from(const njson& cfg) {
  sg::signer_options o;
  for (const auto& k : cfg.at("secret_keys")) {
    if (k.is_object())
      o.secret_keys.push_back(from_hex(k.at("hex").get<std::string>()));
    else
      o.secret_keys.push_back(k.get<std::string>());
  }
  if (cfg.contains("salt") && !cfg["salt"].is_null()) o.salt = cfg["salt"].get<std::string>();
  if (cfg.contains("sep")) o.sep = cfg["sep"].get<std::string>();
  if (cfg.contains("key_derivation")) o.derivation = *sg::parse_key_derivation(cfg["key_derivation"].get<std::string>());
  if (cfg.contains("digest")) o.digest_method = *sg::parse_digest(cfg["digest"].get<std::string>());
  return o;
}

}  // namespace

TEST(SigningVectors, Encoding) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    const auto& enc = v.at("encoding");
    for (const auto& c : enc.at("int_to_bytes")) {
      std::uint64_t n = c.at("int").get<std::uint64_t>();
      EXPECT_EQ(to_hex(sg::int_to_bytes(n)), c.at("bytes_hex").get<std::string>()) << n;
      EXPECT_EQ(sg::base64_encode(sg::int_to_bytes(n)), c.at("base64").get<std::string>());
      EXPECT_EQ(sg::bytes_to_int(sg::int_to_bytes(n)).value(), n);
    }
    for (const auto& c : enc.at("base64_encode"))
      EXPECT_EQ(sg::base64_encode(from_hex(c.at("bytes_hex").get<std::string>())), c.at("base64").get<std::string>());
    for (const auto& c : enc.at("base64_decode")) {
      // the generator passes Python str: non-ASCII characters are dropped first
      auto r = sg::base64_decode(c.at("input").get<std::string>(), /*from_str=*/true);
      if (c.contains("error")) {
        ASSERT_FALSE(r.ok()) << c.dump();
        EXPECT_EQ(r.err().kind, kind_named(c["error"]["error"]));
        EXPECT_EQ(r.err().message, c["error"]["message"].get<std::string>());
      } else {
        ASSERT_TRUE(r.ok()) << c.dump();
        EXPECT_EQ(to_hex(*r), c.at("bytes_hex").get<std::string>()) << c.dump();
      }
    }
  }
  EXPECT_FALSE(sg::bytes_to_int(std::string(9, '\1')).has_value());
}

TEST(SigningVectors, SignerSign) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    ASSERT_EQ(v.at("signer_sign").size(), 135u);
    for (const auto& c : v.at("signer_sign")) {
      auto o = options_from(c.at("config"));
      auto s = sg::signer::make(o);
      ASSERT_TRUE(s.ok()) << c.dump();
      const std::string value = c.at("value").get<std::string>();
      EXPECT_EQ(to_hex(s->derived_keys().back()), c.at("derived_key_hex").get<std::string>()) << c.dump();
      EXPECT_EQ(s->signature(value), c.at("signature").get<std::string>()) << c.dump();
      EXPECT_EQ(s->sign(value), c.at("signed").get<std::string>()) << c.dump();
      auto back = s->unsign(c.at("signed").get<std::string>());
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(*back, value);
    }
    for (const auto& c : v.at("signer_invalid_sep")) {
      sg::signer_options o;
      o.secret_keys = {"k"};
      o.sep = c.at("sep").get<std::string>();
      auto s = sg::signer::make(o);
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.err().kind, kind_named(c["error"]["error"]));
      EXPECT_EQ(s.err().message, c["error"]["message"].get<std::string>());
    }
    EXPECT_FALSE(sg::parse_key_derivation("bogus").has_value());
  }
}

TEST(SigningVectors, SeparatorRule) {
  // a substring of itsdangerous's alphabet "a..zA..Z0..9-_=" is refused; anything else is fine
  for (std::string sep : {"", "a", "ab", "zA", "Z0", "9-", "_="}) {
    sg::signer_options o;
    o.secret_keys = {"k"};
    o.sep = sep;
    EXPECT_FALSE(sg::signer::make(o).ok()) << sep;
  }
  for (std::string sep : {"ba", "Za", "~~", ".", ":", "|", "az"}) {
    sg::signer_options o;
    o.secret_keys = {"k"};
    o.sep = sep;
    EXPECT_TRUE(sg::signer::make(o).ok()) << sep;
  }
}

TEST(SigningVectors, SignerUnsign) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    ASSERT_EQ(v.at("signer_unsign").size(), 90u);
    for (const auto& c : v.at("signer_unsign")) {
      auto s = sg::signer::make(options_from(c.at("config")));
      ASSERT_TRUE(s.ok());
      auto r = s->unsign(c.at("input").get<std::string>());
      if (c.at("ok").get<bool>()) {
        ASSERT_TRUE(r.ok()) << c.dump() << " " << r.err().message;
        EXPECT_EQ(*r, c.at("value").get<std::string>());
      } else {
        ASSERT_FALSE(r.ok()) << c.dump();
        EXPECT_EQ(r.err().kind, kind_named(c.at("error")));
        EXPECT_EQ(r.err().message, c.at("message").get<std::string>()) << c.dump();
      }
    }
  }
}

TEST(SigningVectors, TimestampSign) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    for (const auto& c : v.at("timestamp_sign")) {
      auto t = sg::timestamp_signer::make(options_from(c.at("config")));
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(t->sign(c.at("value").get<std::string>(), c.at("timestamp").get<std::uint64_t>()),
                c.at("signed").get<std::string>());
    }
  }
}

TEST(SigningVectors, TimestampUnsign) {
  for (const char* p : kProfiles) {
    auto v = load_vectors(p, "itsdangerous");
    sg::signer_options o;
    o.secret_keys = {"secret-key"};
    auto t = sg::timestamp_signer::make(o);
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(v.at("timestamp_unsign").size(), 70u);
    for (const auto& c : v.at("timestamp_unsign")) {
      std::optional<std::int64_t> max_age;
      if (!c.at("max_age").is_null()) max_age = c["max_age"].get<std::int64_t>();
      const std::string input = c.at("input").get<std::string>();
      sg::timed_failure f;
      auto r = t->unsign(input, max_age, c.at("now").get<std::int64_t>(), &f);
      if (c.at("ok").get<bool>()) {
        ASSERT_TRUE(r.ok()) << c.dump() << " " << websec::to_string(r.err().kind) << " " << r.err().message;
        EXPECT_EQ(std::string(r->value), c.at("value").get<std::string>());
        EXPECT_EQ(sg::iso8601(r->timestamp), c.at("timestamp").get<std::string>());
      } else {
        ASSERT_FALSE(r.ok()) << c.dump();
        EXPECT_EQ(r.err().kind, kind_named(c.at("error"))) << c.dump();
        EXPECT_EQ(r.err().message, c.at("message").get<std::string>()) << c.dump();
        if (c.contains("date_signed")) {
          if (c["date_signed"].is_null())
            EXPECT_FALSE(f.date_signed.has_value()) << c.dump();
          else
            EXPECT_EQ(sg::iso8601(f.date_signed.value()), c["date_signed"].get<std::string>()) << c.dump();
        }
      }
    }
  }
}

TEST(Signing, ErrorHierarchy) {
  using websec::errc;
  EXPECT_TRUE(sg::is_a(errc::signature_expired, errc::bad_signature));
  EXPECT_TRUE(sg::is_a(errc::signature_expired, errc::bad_time_signature));
  EXPECT_TRUE(sg::is_a(errc::signature_expired, errc::bad_data));
  EXPECT_TRUE(sg::is_a(errc::bad_time_signature, errc::bad_signature));
  EXPECT_TRUE(sg::is_a(errc::bad_payload, errc::bad_data));
  EXPECT_FALSE(sg::is_a(errc::bad_payload, errc::bad_signature));
  EXPECT_FALSE(sg::is_a(errc::bad_signature, errc::bad_time_signature));
}

TEST(Signing, TimestampOverflowWithValidMac) {
  // a key holder can sign a stamp beyond year 9999: Python's datetime raises (500), not BadSignature
  sg::signer_options o;
  o.secret_keys = {"k"};
  auto plain = sg::signer::make(o);
  auto timed = sg::timestamp_signer::make(o);
  std::string tok = plain->sign("v." + sg::base64_encode(sg::int_to_bytes(sg::max_datetime_timestamp + 1)));
  auto r = timed->unsign(tok, std::nullopt, 1700000000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().kind, websec::errc::value_error);
  EXPECT_EQ(r.err().message, "year 10000 is out of range");
  tok = plain->sign("v." + sg::base64_encode(sg::int_to_bytes(sg::max_datetime_timestamp)));
  EXPECT_TRUE(timed->unsign(tok, std::nullopt, 1700000000).ok());
  // with a bad MAC the same stamp is "Malformed timestamp"
  std::string bad = "v." + sg::base64_encode(sg::int_to_bytes(sg::max_datetime_timestamp + 1)) + ".AAAA";
  auto r2 = timed->unsign(bad, std::nullopt, 1700000000);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.err().kind, websec::errc::bad_time_signature);
  EXPECT_EQ(r2.err().message, "Malformed timestamp");
}

TEST(Signing, TimestampOverflowClassesMatchItsdangerous) {
  // a validly signed stamp beyond year 9999: the exception class and message CPython's datetime gives, by range
  const std::vector<std::uint64_t> stamps = {253402300800ull, 1ull << 40, 1ull << 55, 67768036191676799ull,
                                             67768036191676800ull, 1ull << 62, (1ull << 63) - 1, 1ull << 63,
                                             ~0ull};
  std::string input;
  for (auto t : stamps) input += std::to_string(t) + "\n";
  auto py = websec::test::run_python(
      "import sys\n"
      "from itsdangerous import Signer, TimestampSigner\n"
      "from itsdangerous.encoding import base64_encode, int_to_bytes\n"
      "for line in sys.stdin.read().split():\n"
      "    tok = Signer('k').sign(b'v.' + base64_encode(int_to_bytes(int(line))))\n"
      "    for max_age in (None, 100):\n"
      "        try:\n"
      "            TimestampSigner('k').unsign(tok, max_age=max_age, return_timestamp=True)\n"
      "            print('ok')\n"
      "        except Exception as e:\n"
      "            print(type(e).__name__ + ': ' + str(e))\n",
      input);
  ASSERT_EQ(py.exit_code, 0) << py.err;
  sg::signer_options o;
  o.secret_keys = {"k"};
  auto plain = sg::signer::make(o);
  auto timed = sg::timestamp_signer::make(o);
  std::string got;
  for (auto t : stamps) {
    std::string tok = plain->sign("v." + sg::base64_encode(sg::int_to_bytes(t)));
    for (std::optional<std::int64_t> max_age : {std::optional<std::int64_t>{}, std::optional<std::int64_t>{100}}) {
      auto r = timed->unsign(tok, max_age, sg::now_seconds());
      got += r.ok() ? "ok\n" : std::string(websec::to_string(r.err().kind)) + ": " + r.err().message + "\n";
    }
  }
  EXPECT_EQ(got, py.out);
}

// ---------------------------------------------------------------------------------------------- properties

namespace {
const sg::digest kDigests[] = {sg::digest::sha1, sg::digest::sha224, sg::digest::sha256,
                               sg::digest::sha384, sg::digest::sha512, sg::digest::md5};
const sg::key_derivation kDerivations[] = {sg::key_derivation::concat, sg::key_derivation::django_concat,
                                           sg::key_derivation::hmac, sg::key_derivation::none};

// Signature characters whose change keeps the signature valid (the lenient decoder).
bool lenient_equivalent(const std::string& original_sig, const std::string& changed_sig) {
  auto a = sg::base64_decode(original_sig);
  auto b = sg::base64_decode(changed_sig);
  return a.ok() && b.ok() && *a == *b;
}
}  // namespace

RC_GTEST_PROP(SigningProps, UnsignSignRoundTripEveryDerivationAndDigest, (std::string value, std::string key, std::string salt)) {
  RC_PRE(!key.empty());
  sg::signer_options o;
  o.secret_keys = {key};
  o.salt = salt;
  o.derivation = *rc::gen::elementOf(std::vector<sg::key_derivation>(std::begin(kDerivations), std::end(kDerivations)));
  o.digest_method = *rc::gen::elementOf(std::vector<sg::digest>(std::begin(kDigests), std::end(kDigests)));
  auto s = sg::signer::make(o);
  RC_ASSERT(s.ok());
  auto signed_value = s->sign(value);
  auto back = s->unsign(signed_value);
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == value);
  auto t = sg::timestamp_signer::make(o);
  std::uint64_t ts = *rc::gen::inRange<std::uint64_t>(0, sg::max_datetime_timestamp);
  auto tv = t->sign(value, ts);
  auto tb = t->unsign(tv, std::nullopt, 0);
  RC_ASSERT(tb.ok());
  RC_ASSERT(std::string(tb->value) == value);
  RC_ASSERT(tb->timestamp == ts);
}

RC_GTEST_PROP(SigningProps, AnyChangedByteIsRejectedOutsideLenientCases, (std::string value)) {
  sg::signer_options o;
  o.secret_keys = {"secret-key"};
  o.digest_method = *rc::gen::elementOf(std::vector<sg::digest>(std::begin(kDigests), std::end(kDigests)));
  auto s = sg::signer::make(o);
  RC_ASSERT(s.ok());
  const std::string good = s->sign(value);
  const size_t pos = *rc::gen::inRange<size_t>(0, good.size());
  const char repl = *rc::gen::arbitrary<char>();
  RC_PRE(repl != good[pos]);
  std::string bad = good;
  bad[pos] = repl;
  auto r = s->unsign(bad);
  const size_t sep = good.rfind('.');
  if (pos < sep) {
    // the value changed: never valid (a collision of HMAC is not a thing a test finds)
    RC_ASSERT(!r.ok());
  } else if (pos == sep) {
    // the separator changed: the signature is now taken from an earlier '.', or there is none
    const bool rejected_or_other = !r.ok() || *r != value ||
                                   lenient_equivalent(good.substr(sep + 1), bad.substr(bad.rfind('.') + 1));
    RC_ASSERT(rejected_or_other);
  } else {
    // inside the signature: valid only where the lenient decoder maps both to the same bytes
    bool equiv = bad.rfind('.') == sep && lenient_equivalent(good.substr(sep + 1), bad.substr(sep + 1));
    RC_ASSERT(r.ok() == equiv);
  }
}

RC_GTEST_PROP(SigningProps, MaxAgeBoundaries, ()) {
  sg::signer_options o;
  o.secret_keys = {"k"};
  auto t = sg::timestamp_signer::make(o);
  const std::uint64_t ts = *rc::gen::inRange<std::uint64_t>(1, 4000000000ull);
  const std::int64_t max_age = *rc::gen::inRange<std::int64_t>(0, 100000000);
  auto tok = t->sign("v", ts);
  const auto now = static_cast<std::int64_t>(ts);
  RC_ASSERT(t->unsign(tok, max_age, now + max_age).ok());  // age == max_age passes
  auto expired = t->unsign(tok, max_age, now + max_age + 1);
  RC_ASSERT(!expired.ok());
  RC_ASSERT(expired.err().kind == websec::errc::signature_expired);
  RC_ASSERT(expired.err().message == "Signature age " + std::to_string(max_age + 1) + " > " + std::to_string(max_age) + " seconds");
  auto future = t->unsign(tok, max_age, now - 1);
  RC_ASSERT(!future.ok());
  RC_ASSERT(future.err().message == "Signature age -1 < 0 seconds");
  RC_ASSERT(t->unsign(tok, std::nullopt, now - 1).ok());  // future-dated passes without max_age
}

RC_GTEST_PROP(SigningProps, HmacMatchesPlainComputation, (std::string key, std::string msg)) {
  // the precomputed key state gives the same MAC as computing it from scratch, for long keys too
  for (auto d : kDigests) {
    sg::hmac_key k(d, key);
    std::string mac = k.mac(msg);
    // HMAC by definition, from plain digests
    size_t bs = (d == sg::digest::sha384 || d == sg::digest::sha512) ? 128 : 64;
    std::string kk = key.size() > bs ? sg::hash(d, key) : key;
    kk.resize(bs, '\0');
    std::string ipad(bs, 0), opad(bs, 0);
    for (size_t i = 0; i < bs; ++i) {
      ipad[i] = static_cast<char>(kk[i] ^ 0x36);
      opad[i] = static_cast<char>(kk[i] ^ 0x5c);
    }
    RC_ASSERT(mac == sg::hash(d, opad + sg::hash(d, ipad + msg)));
  }
}

// ---------------------------------------------------------------------------------------------- differential

TEST(SigningDifferential, LenientBase64AgainstBinascii) {
  if (!websec::test::python_has({"itsdangerous"})) GTEST_SKIP() << "no python3-itsdangerous";
  websec::test::rng r(websec::test::test_seed(0x5eed64));
  const std::string alphabet = "AQgw-_+/=!. \n\xc3\xa9YWJj";
  std::vector<std::string> inputs;
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    size_t n = r.below(14);
    for (size_t k = 0; k < n; ++k) s.push_back(alphabet[r.below(alphabet.size())]);
    inputs.push_back(s);
  }
  njson arr = njson::array();
  for (auto& s : inputs) arr.push_back(to_hex(s));
  auto py = websec::test::run_python(
      "import sys, json\n"
      "from itsdangerous.encoding import base64_decode\n"
      "out = []\n"
      "for h in json.load(sys.stdin):\n"
      "    b = bytes.fromhex(h)\n"
      "    try: out.append(base64_decode(b).hex())\n"
      "    except Exception: out.append(None)\n"
      "print(json.dumps(out))\n",
      arr.dump());
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto expect = njson::parse(py.out);
  ASSERT_EQ(expect.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto got = sg::base64_decode(inputs[i]);  // bytes input: no dropping
    if (expect[i].is_null())
      EXPECT_FALSE(got.ok()) << to_hex(inputs[i]);
    else {
      ASSERT_TRUE(got.ok()) << to_hex(inputs[i]);
      EXPECT_EQ(to_hex(*got), expect[i].get<std::string>()) << to_hex(inputs[i]);
    }
  }
}
