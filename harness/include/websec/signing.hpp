// websec/signing.hpp — itsdangerous's encoding, Signer and TimestampSigner (itsdangerous 2.1.2 / 2.2.0,
// src/itsdangerous/{encoding,signer,timed}.py; docs/spec.md §2.1–2.3), byte for byte.
//
// MACs are HMAC over OpenSSL's digests. Each key's HMAC state (the digest state after the ipad and opad
// blocks) is computed once when a signer is built, so signing or verifying a value costs only the digest of
// the value plus one block; signature comparison is constant-time (CRYPTO_memcmp).
//
// Errors follow itsdangerous's exception hierarchy
//   BadData ⊃ BadSignature ⊃ BadTimeSignature ⊃ SignatureExpired;   BadData ⊃ BadPayload
// as `websec::error` with `kind` the errc of the Python class (errc::bad_signature, ...) and `message` the exact
// text Python puts in the exception (e.g. "Signature b'abc' does not match", "Signature age 100 > 99 seconds").
// Use `is_a()` to test membership the way `except BadSignature:` does.
#pragma once

#include "websec/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace websec::signing {

// ---------------------------------------------------------------------------------------------- encoding

/// `itsdangerous.encoding.base64_encode`: URL-safe alphabet (`-_`), no `=` padding.
std::string base64_encode(std::string_view bytes);

/// `base64_encode` appended to `out` (no temporary).
void base64_append(std::string& out, std::string_view bytes);

/// Standard base64 (`+/`, `=` padded), as `base64.b64encode` (Flask's " b" tag).
std::string base64_encode_standard(std::string_view bytes);

/// `itsdangerous.encoding.base64_decode`: pads with `"=" * (-len % 4)` then decodes with CPython 3.11's
/// non-strict `binascii.a2b_base64` after mapping `-`→`+` and `_`→`/` (both alphabets accepted; other bytes
/// skipped; `=` ends the data once a quad has ≥ 2 characters and enough pads). `from_str` = the argument was
/// a Python str: non-ASCII characters are dropped before the length is taken (`encode("ascii", "ignore")`);
/// itsdangerous passes bytes (no dropping) when it decodes signatures and timestamps.
/// Error: kind errc::bad_data, message "Invalid base64-encoded data".
result<std::string> base64_decode(std::string_view text, bool from_str = false);

/// `binascii.a2b_base64(data, strict_mode=False)` with the standard alphabet (no `-_` mapping, no padding
/// added): what `base64.b64decode(s)` does. Errors: "Incorrect padding", "Invalid base64-encoded string: number
/// of data characters (N) cannot be 1 more than a multiple of 4" (kind errc::binascii_error).
result<std::string> a2b_base64(std::string_view data);

/// `int_to_bytes`: 8-byte big-endian with leading zero bytes stripped (0 → empty).
std::string int_to_bytes(std::uint64_t n);

/// `bytes_to_int`: big-endian; more than 8 bytes is an error (Python's struct.error) — nullopt.
std::optional<std::uint64_t> bytes_to_int(std::string_view b);

/// Python `repr(bytes)` as used in itsdangerous messages (`b'.'`, `b'abc'`).
std::string python_bytes_repr(std::string_view b);

/// Constant-time equality (CRYPTO_memcmp); lengths are compared first (they are public).
bool constant_time_equal(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------------------------- errors

/// True when an error of class `kind` would be caught by `except <base>:` (e.g. is_a(errc::signature_expired,
/// errc::bad_signature) is true, is_a(errc::bad_payload, errc::bad_signature) is false).
bool is_a(errc kind, errc base);

// ---------------------------------------------------------------------------------------------- Signer

enum class digest : std::uint8_t { sha1, sha224, sha256, sha384, sha512, md5 };
enum class key_derivation : std::uint8_t {
  concat,         ///< H(salt + key)
  django_concat,  ///< H(salt + b"signer" + key) — itsdangerous's default
  hmac,           ///< HMAC_H(key, salt) — Flask's session
  none,           ///< key itself
};

/// Parses "sha1", "sha224", "sha256", "sha384", "sha512", "md5".
std::optional<digest> parse_digest(std::string_view name);
/// Parses "concat", "django-concat", "hmac", "none".
std::optional<key_derivation> parse_key_derivation(std::string_view name);
std::string_view to_string(digest d);
std::string_view to_string(key_derivation k);
/// Digest output size in bytes.
std::size_t digest_size(digest d);

/// Constructor arguments of `itsdangerous.Signer` (defaults are itsdangerous's).
struct signer_options {
  /// Secret keys, oldest → newest (Python's list form); signing uses the last, verification tries newest
  /// first. Must not be empty.
  std::vector<std::string> secret_keys;
  std::string salt = "itsdangerous.Signer";  ///< `salt=None` also means this
  std::string sep = ".";
  signing::key_derivation derivation = signing::key_derivation::django_concat;
  signing::digest digest_method = signing::digest::sha1;
};

/// The per-key HMAC state: digest states after absorbing key^ipad and key^opad. Copying one and feeding the
/// message is all an HMAC costs. Also what `websec session crack` builds per candidate.
class hmac_key {
 public:
  hmac_key(digest d, std::string_view key);
  ~hmac_key();
  hmac_key(const hmac_key&);
  hmac_key& operator=(const hmac_key&);
  hmac_key(hmac_key&&) noexcept;
  hmac_key& operator=(hmac_key&&) noexcept;

  /// HMAC(key, msg) into `out` (digest_size bytes); returns the size.
  std::size_t mac(std::string_view msg, unsigned char* out) const;
  std::string mac(std::string_view msg) const;
  /// HMAC(key, a + b) without concatenating.
  std::size_t mac2(std::string_view a, std::string_view b, unsigned char* out) const;
  digest algorithm() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// Plain digest H(data).
std::string hash(digest d, std::string_view data);

/// `Signer.derive_key()` for one key.
std::string derive_key(const signer_options& o, std::string_view secret_key);

/// `itsdangerous.Signer`. Thread-safe for concurrent sign/unsign after construction.
class signer {
 public:
  /// An empty signer (no keys); only `make` builds a usable one.
  signer() = default;
  /// Validates like Python: an empty key list, or a `sep` that is a substring of
  /// "ABC…XYZabc…xyz0123456789-_=" → kind errc::value_error with itsdangerous's message.
  static result<signer> make(signer_options o);

  const signer_options& options() const { return o_; }

  /// `get_signature(value)`: base64url(HMAC(derived newest key, value)).
  std::string signature(std::string_view value) const;
  /// `sign(value)` = value + sep + signature.
  std::string sign(std::string_view value) const;
  /// `sign` in place: appends sep + signature of the current contents of `buf` (no temporary).
  void sign_in_place(std::string& buf) const;
  /// `verify_signature(value, sig)`: lenient base64 decode of `sig` then constant-time compare against each
  /// key, newest first.
  bool verify_signature(std::string_view value, std::string_view sig) const;
  /// `unsign(signed_value)`: the value, or BadSignature ("No b'.' found in value" /
  /// "Signature b'...' does not match"). The error's payload (what Python stores in `e.payload`) is available
  /// through `unsign_detailed`.
  result<std::string> unsign(std::string_view signed_value) const;

  struct unsign_outcome {
    bool ok = false;
    bool had_sep = false;    ///< false: "No sep found" (payload None)
    std::string_view value;  ///< the part before the last sep (also on failure: Python's e.payload)
    std::string_view sig;
  };
  /// Allocation-free core of `unsign`; views point into `signed_value`.
  unsign_outcome unsign_view(std::string_view signed_value) const;

  /// Derived key of each secret key, oldest → newest.
  std::vector<std::string> derived_keys() const;

 private:
  signer_options o_;
  std::vector<hmac_key> keys_;  // oldest → newest
};

// ---------------------------------------------------------------------------------------------- TimestampSigner

/// What `TimestampSigner.unsign(..., return_timestamp=True)` returns.
struct timestamp_value {
  std::string value;
  std::uint64_t timestamp = 0;  ///< seconds since the epoch (bytes_to_int of the decoded stamp)
};

/// A verified timed value, allocation-free (views into the input).
struct timed_view {
  std::string_view value;       ///< the payload
  std::uint64_t timestamp = 0;  ///< seconds since the epoch (bytes_to_int of the decoded stamp)
};

/// What Python attaches to the exception of a failed timed unsign, for the callers that reproduce it.
struct timed_failure {
  std::string_view payload;                  ///< Python's e.payload: the value without its stamp ("" when the input
                                             ///< has no separator at all, where Python has None)
  std::optional<std::uint64_t> date_signed;  ///< the timestamp when it could be read (Python's e.date_signed)
  std::int64_t age = 0;                      ///< for errc::signature_expired: now - timestamp
};

/// Largest timestamp `datetime.fromtimestamp(ts, tz=utc)` accepts (9999-12-31T23:59:59Z).
constexpr std::uint64_t max_datetime_timestamp = 253402300799ull;

/// ISO-8601 of a UTC timestamp as Python's `datetime.isoformat()` prints it ("2023-11-14T22:13:20+00:00").
std::string iso8601(std::uint64_t ts);

/// Current time as `int(time.time())`.
std::int64_t now_seconds();

/// `itsdangerous.TimestampSigner` (a Signer whose value carries `sep + base64(int_to_bytes(ts))`).
class timestamp_signer {
 public:
  static result<timestamp_signer> make(signer_options o);
  const signer& base() const { return s_; }

  /// `sign(value)` at time `ts`: value + sep + stamp + sep + signature.
  std::string sign(std::string_view value, std::uint64_t ts) const;
  /// `sign` in place: `buf` holds the value; appends sep + stamp + sep + signature.
  void sign_in_place(std::string& buf, std::uint64_t ts) const;

  /// `unsign(signed_value, max_age, return_timestamp=True)` evaluated at `now`, following timed.py exactly:
  /// BadSignature when there is no sep at all; BadTimeSignature("timestamp missing") for a valid signature
  /// without a stamp; BadTimeSignature(<signature message>) when the MAC fails; BadTimeSignature("Malformed
  /// timestamp") for an unreadable stamp (more than 8 bytes; or, with a bad MAC, beyond year 9999);
  /// SignatureExpired("Signature age N > M seconds" / "Signature age N < 0 seconds") only when max_age is
  /// given (age == max_age passes). A valid MAC over a stamp beyond year 9999 is kind errc::value_error,
  /// errc::os_error or errc::overflow_error (Python's datetime overflow escapes the serializer: a 500 in Flask).
  /// Errors have offset 0 and http_status 0; `failure`, when given, receives what Python attaches to the exception.
  result<timed_view> unsign(std::string_view signed_value, std::optional<std::int64_t> max_age, std::int64_t now,
                            timed_failure* failure = nullptr) const;

  /// Same, as a result (value + timestamp) or an error.
  result<timestamp_value> unsign_result(std::string_view signed_value, std::optional<std::int64_t> max_age,
                                        std::int64_t now) const;

 private:
  signer s_;
};

}  // namespace websec::signing
