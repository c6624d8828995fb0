// signer_fuzzer — itsdangerous Signer / TimestampSigner on untrusted text, and sign→unsign round trips.
//
// Input: first byte selects derivation (bits 0-1), digest (bits 2-4) and separator; the rest is split at the
// first 0x00 into a value to sign and untrusted signed text.
// Invariants (abort on violation):
//   * unsign(sign(v)) == v and the timed variant returns v and its timestamp, for every derivation/digest
//   * unsign of untrusted text never succeeds unless its MAC is the one sign() would produce for that value
//     (checked by recomputing: a success implies the text's signature decodes to sign(value)'s MAC)
//   * error kinds stay inside itsdangerous's hierarchy and timed errors carry Python's messages' shape
//   * the key holder's view: untrusted text signed with the key reaches TimestampSigner's timestamp checks;
//     success means a decodable timestamp with 0 <= age <= max_age, failures are BadTimeSignature (malformed
//     or missing timestamp), SignatureExpired (too old, or future-dated: "Signature age -N < 0 seconds") or
//     ValueError / OSError / OverflowError (a timestamp beyond datetime's range, as CPython raises by range)
//   * names: parse_digest/parse_key_derivation invert to_string; iso8601 agrees with an independent civil
//     calendar computation
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "fuzz_keys.hpp"
#include "websec/signing.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
using namespace websec::signing;
using websec::errc;

// sign -> unsign round trips of the input's value, plain and timed (at an age of max_age and max_age + 1).
void check_round_trips(const signer& s, const timestamp_signer& t, const std::string& value, std::uint8_t sel) {
  auto signed_value = s.sign(value);
  auto back = s.unsign(signed_value);
  CHECK(back.ok() && *back == value, "unsign(sign(v)) != v");
  const std::uint64_t ts = (static_cast<std::uint64_t>(sel) * 2654435761u) % (max_datetime_timestamp + 1);
  auto tv = t.sign(value, ts);
  auto tb = t.unsign(tv, std::nullopt, 0);
  CHECK(tb.ok() && std::string(tb->value) == value && tb->timestamp == ts, "timed round trip");
  auto aged = t.unsign(tv, 100, static_cast<std::int64_t>(ts) + 100);
  CHECK(aged.ok(), "age == max_age must pass");
  auto expired = t.unsign(tv, 100, static_cast<std::int64_t>(ts) + 101);
  CHECK(!expired.ok() && expired.err().kind == errc::signature_expired, "age == max_age + 1 must expire");
}

// Untrusted text: accepted only with some key's MAC; errors stay inside itsdangerous's hierarchy.
void check_untrusted(const signer& s, const timestamp_signer& t, const signer_options& o, const std::string& untrusted,
                     std::uint8_t sel) {
  auto u = s.unsign_view(untrusted);
  if (u.ok) {
    // the signature must decode to the newest or oldest key's MAC of that value
    auto dec = base64_decode(u.sig);
    CHECK(dec.ok(), "accepted signature does not decode");
    bool match = false;
    for (const auto& k : s.derived_keys()) match = match || hmac_key(o.digest_method, k).mac(u.value) == *dec;
    CHECK(match, "accepted a signature that is no key's MAC");
  }
  auto r = s.unsign(untrusted);
  if (!r.ok()) CHECK(r.err().kind == errc::bad_signature, "Signer error outside BadSignature");
  auto tr = t.unsign(untrusted, static_cast<std::int64_t>(sel), 1700000000);
  if (!tr.ok()) {
    const errc k = tr.err().kind;
    CHECK(is_a(k, errc::bad_signature) || k == errc::value_error || k == errc::os_error || k == errc::overflow_error,
          "timed error outside the hierarchy");
    if (k == errc::signature_expired) CHECK(tr.err().message.rfind("Signature age ", 0) == 0, "expired message shape");
  }
}

// The key holder's view: the untrusted text as "value<sep>timestamp", signed, reaches the timestamp checks.
void check_key_holder(const signer& s, const timestamp_signer& t, const signer_options& o, const std::string& untrusted,
                      std::uint8_t sel) {
  const std::int64_t now = 1700000000;
  const std::int64_t max_age = static_cast<std::int64_t>(sel) * 1000;
  auto crafted = s.sign(untrusted);
  timed_failure why;
  auto cr = t.unsign(crafted, max_age, now, &why);
  const size_t cut = untrusted.rfind(o.sep);
  if (cr.ok()) {
    CHECK(cut != std::string::npos && std::string(cr->value) == untrusted.substr(0, cut), "timed value");
    auto raw = base64_decode(untrusted.substr(cut + o.sep.size()));
    CHECK(raw.ok(), "accepted an undecodable timestamp");
    auto n = bytes_to_int(*raw);
    CHECK(n && *n == cr->timestamp, "timestamp differs from its bytes");
    CHECK(cr->timestamp <= static_cast<std::uint64_t>(now) &&
              now - static_cast<std::int64_t>(cr->timestamp) <= max_age,
          "accepted an expired or future-dated timestamp");
    CHECK(cr->timestamp <= max_datetime_timestamp, "accepted a timestamp beyond datetime");
  } else {
    const errc k = cr.err().kind;
    const std::string& msg = cr.err().message;
    CHECK(k == errc::bad_time_signature || k == errc::signature_expired || k == errc::value_error ||
              k == errc::os_error || k == errc::overflow_error,
          "key holder's timed error outside the hierarchy");
    if (cut == std::string::npos) CHECK(k == errc::bad_time_signature, "missing timestamp is BadTimeSignature");
    if (k == errc::signature_expired) {
      CHECK(msg.rfind("Signature age ", 0) == 0, "expired message shape");
      CHECK((why.age < 0) == (msg.find(" < 0 seconds") != std::string::npos), "future-dated message");
    }
  }
}

// Names round trip; iso8601 agrees with days_from_civil.
void check_names_and_dates(const std::string& value) {
  namespace K = websec::fuzz::keys;
  static const bool names_checked = [] {  // the same for every input: once
    for (digest d : K::signer_digests) CHECK(parse_digest(to_string(d)) == d, "digest name");
    for (key_derivation k : K::signer_derivations) CHECK(parse_key_derivation(to_string(k)) == k, "derivation name");
    return true;
  }();
  (void)names_checked;
  if (auto d = parse_digest(value)) CHECK(!to_string(*d).empty(), "parsed digest has no name");
  if (auto k = parse_key_derivation(value)) CHECK(!to_string(*k).empty(), "parsed derivation has no name");
  std::uint64_t when = 0;
  for (size_t i = 0; i < value.size() && i < 8; ++i) when = when << 8 | static_cast<unsigned char>(value[i]);
  when %= max_datetime_timestamp + 1;
  const std::string iso = iso8601(when);
  long long y = 0;
  unsigned mo = 0, da = 0, hh = 0, mi = 0, ss = 0;
  CHECK(iso.size() == 25 && std::sscanf(iso.c_str(), "%4lld-%2u-%2uT%2u:%2u:%2u+00:00", &y, &mo, &da, &hh, &mi, &ss) == 6,
        "iso8601 shape");
  CHECK(days_from_civil(y, mo, da) * 86400 + hh * 3600 + mi * 60 + ss == static_cast<std::int64_t>(when),
        "iso8601 date");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 1 << 16) return 0;
  websec::fuzz::input in(data, size);
  std::uint8_t sel = 0;
  in.u8(sel);
  // value NUL untrusted; without a NUL the same text is both
  const auto fields = in.split('\0', 2);
  const std::string value(fields.front());
  const std::string untrusted(fields.back());

  const signer_options o = websec::fuzz::keys::signer_options_for(sel);
  auto s = signer::make(o);
  CHECK(s.ok(), "valid options refused");
  auto t = timestamp_signer::make(o);
  check_round_trips(*s, *t, value, sel);
  check_untrusted(*s, *t, o, untrusted, sel);
  check_key_holder(*s, *t, o, untrusted, sel);
  check_names_and_dates(value);
  return 0;
}
