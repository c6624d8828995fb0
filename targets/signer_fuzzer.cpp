// signer_fuzzer — itsdangerous Signer / TimestampSigner on untrusted text, and sign→unsign round trips.
//
// Input: first byte selects derivation (bits 0-1), digest (bits 2-4) and separator; the rest is split at the
// first 0x00 into a value to sign and untrusted signed text.
// Invariants (abort on violation):
//   * unsign(sign(v)) == v and the timed variant returns v and its timestamp, for every derivation/digest
//   * unsign of untrusted text never succeeds unless its MAC is the one sign() would produce for that value
//     (checked by recomputing: a success implies the text's signature decodes to sign(value)'s MAC)
//   * error kinds stay inside itsdangerous's hierarchy and timed errors carry Python's messages' shape
#include "websec/signing.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
#define CHECK(cond, what)                                                          \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "signer_fuzzer: invariant failed: %s (%s)\n", what, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace websec::signing;
  if (size < 1 || size > 1 << 16) return 0;
  const std::uint8_t sel = data[0];
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t z = rest.find('\0');
  const std::string value = z == std::string::npos ? rest : rest.substr(0, z);
  const std::string untrusted = z == std::string::npos ? rest : rest.substr(z + 1);

  static const digest digests[] = {digest::sha1, digest::sha224, digest::sha256, digest::sha384, digest::sha512, digest::md5};
  static const key_derivation kds[] = {key_derivation::concat, key_derivation::django_concat, key_derivation::hmac,
                                       key_derivation::none};
  static const char* seps[] = {".", ":", "~~"};
  signer_options o;
  o.secret_keys = {"old-key", "fuzz-secret"};
  o.salt = "cookie-session";
  o.derivation = kds[sel & 3];
  o.digest_method = digests[((sel >> 2) & 7) % 6];
  o.sep = seps[(sel >> 5) % 3];
  auto s = signer::make(o);
  CHECK(s.ok(), "valid options refused");
  auto t = timestamp_signer::make(o);

  // round trips
  auto signed_value = s->sign(value);
  auto back = s->unsign(signed_value);
  CHECK(back.ok() && *back == value, "unsign(sign(v)) != v");
  const std::uint64_t ts = (static_cast<std::uint64_t>(sel) * 2654435761u) % (max_datetime_timestamp + 1);
  auto tv = t->sign(value, ts);
  auto tb = t->unsign(tv, std::nullopt, 0);
  CHECK(tb.ok && std::string(tb.value) == value && tb.timestamp && *tb.timestamp == ts, "timed round trip");
  auto aged = t->unsign(tv, 100, static_cast<std::int64_t>(ts) + 100);
  CHECK(aged.ok, "age == max_age must pass");
  auto expired = t->unsign(tv, 100, static_cast<std::int64_t>(ts) + 101);
  CHECK(!expired.ok && expired.kind == "SignatureExpired", "age == max_age + 1 must expire");

  // untrusted text
  auto u = s->unsign_view(untrusted);
  if (u.ok) {
    // the signature must decode to the newest or oldest key's MAC of that value
    auto dec = base64_decode(u.sig);
    CHECK(dec.ok(), "accepted signature does not decode");
    bool match = false;
    for (const auto& k : s->derived_keys()) match = match || hmac_key(o.digest_method, k).mac(u.value) == *dec;
    CHECK(match, "accepted a signature that is no key's MAC");
  }
  auto r = s->unsign(untrusted);
  if (!r.ok()) CHECK(r.err().kind == "BadSignature", "Signer error outside BadSignature");
  auto tr = t->unsign(untrusted, static_cast<std::int64_t>(sel), 1700000000);
  if (!tr.ok) {
    CHECK(is_a(tr.kind, "BadSignature") || tr.kind == "ValueError", "timed error outside the hierarchy");
    if (tr.kind == "SignatureExpired") CHECK(tr.message.rfind("Signature age ", 0) == 0, "expired message shape");
  }
  return 0;
}
