// targets/fuzz_keys.hpp — the keys and signing set-ups of the targets whose inputs carry signed values.
//
// session_fuzzer, signer_fuzzer and csrf_fuzzer verify signatures made with these keys; their structure-aware
// mutators (targets/mutators/) include this header too, so a mutated payload is re-signed with exactly the key the
// target checks and the fuzzer reaches the decoding behind the MAC (BoringSSL skips its MAC checks in fuzzing
// mode instead; here the production code stays free of fuzzing switches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "websec/session.hpp"
#include "websec/signing.hpp"

namespace websec::fuzz::keys {

// ---- session_fuzzer: Flask's session cookie -----------------------------------------------------------------
inline constexpr const char* session_secret = "fuzz-known-key";
inline constexpr const char* session_fallback = "old-fuzz-key";
inline constexpr std::int64_t session_ts = 1700000000;  ///< the signing time of the target's own cookies
inline constexpr std::size_t session_cap = 64 * 1024;   ///< max_decompressed

inline session::config session_config() {
  session::config cfg;
  cfg.secret_key = session_secret;
  cfg.fallbacks = {session_fallback};
  cfg.max_decompressed = session_cap;
  cfg.json_limits.max_depth = 200;
  return cfg;
}

// ---- signer_fuzzer: byte 0 selects derivation (bits 0-1), digest (bits 2-4, mod 6), separator (bits 5-7, mod 3)
inline constexpr signing::digest signer_digests[] = {signing::digest::sha1,   signing::digest::sha224,
                                                     signing::digest::sha256, signing::digest::sha384,
                                                     signing::digest::sha512, signing::digest::md5};
inline constexpr signing::key_derivation signer_derivations[] = {
    signing::key_derivation::concat, signing::key_derivation::django_concat, signing::key_derivation::hmac,
    signing::key_derivation::none};
inline constexpr const char* signer_separators[] = {".", ":", "~~"};

inline signing::signer_options signer_options_for(std::uint8_t sel) {
  signing::signer_options o;
  o.secret_keys = {"old-key", "fuzz-secret"};  // oldest first, as itsdangerous lists them; signing uses the last
  o.salt = "cookie-session";
  o.derivation = signer_derivations[sel & 3];
  o.digest_method = signer_digests[((sel >> 2) & 7) % 6];
  o.sep = signer_separators[(sel >> 5) % 3];
  return o;
}

// ---- csrf_fuzzer: the secret key is field 0 of the input; the salt is Flask-WTF's (csrf::salt) ---------------
inline constexpr std::int64_t csrf_base_time = 1700000000;  ///< now = this + (int8)byte2 * 60

}  // namespace websec::fuzz::keys
