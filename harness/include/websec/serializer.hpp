// websec/serializer.hpp — itsdangerous's Serializer, URLSafeSerializer, TimedSerializer and
// URLSafeTimedSerializer (itsdangerous 2.1.2 / 2.2.0 serializer.py, url_safe.py, timed.py; docs/spec.md §2.4).
//
//   Serializer              payload = json.dumps(obj)  (separators ", " / ": ", ensure_ascii=True), not encoded
//   URLSafeSerializer       payload = base64url(json)  or "." + base64url(zlib(json)) when that saves ≥ 2 bytes,
//                           json = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
//   Timed variants          signed with TimestampSigner; loads(..., max_age) checks the age first
//
// Compression is zlib level 6 with the default window and memory level, which is what CPython's
// zlib.compress does; with the same zlib (1.2.13 on Debian 12) the bytes are identical.
//
// Loading is bounded: the inflated payload is capped (default 1 MiB; a zip bomb is reported as BadPayload
// with the message "decompressed payload exceeds N bytes", where Python would inflate without limit), and JSON
// nesting/size are bounded by json::load_limits.
#pragma once

#include "websec/json.hpp"
#include "websec/result.hpp"
#include "websec/signing.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace websec::serializer {

/// Default cap on the inflated size of a compressed payload.
constexpr std::size_t default_max_decompressed = 1u << 20;

/// `URLSafeSerializerMixin.dump_payload` on already-serialized JSON bytes: zlib-compress, keep the compressed
/// form iff `len(c) < len(json) - 1`, base64url, "." prefix when compressed.
std::string encode_payload(std::string_view json_bytes);

/// zlib.compress(data) (level 6, zlib wrapper).
std::string zlib_compress(std::string_view data);

/// zlib.decompress(data) with an output cap. Data after the end of the stream is ignored, as Python does.
/// Errors: kind errc::zlib_error ("Error -3 while decompressing data: ...", "Error -5 while decompressing data:
/// incomplete or truncated stream") or errc::too_large when the output would exceed `max_output`.
result<std::string> zlib_decompress(std::string_view data, std::size_t max_output = default_max_decompressed);

/// `URLSafeSerializerMixin.load_payload` up to the JSON bytes: strip ".", base64-decode (lenient), inflate.
/// Errors are kind errc::bad_payload with itsdangerous's messages ("Could not base64 decode the payload because of
/// an exception", "Could not zlib decompress the payload before decoding the payload") or the cap message.
/// `original` (when given) receives the decoder's own error, itsdangerous's `BadPayload.original_error`: kind
/// errc::bad_data (base64), errc::zlib_error, or errc::too_large.
result<std::string> decode_payload(std::string_view payload, std::size_t max_decompressed = default_max_decompressed,
                                   error* original = nullptr);

/// Message of BadPayload when the text serializer fails (invalid UTF-8, JSON error).
inline constexpr std::string_view load_error_message =
    "Could not load the payload because an exception occurred on unserializing the data.";

/// Constructor arguments of the four serializer classes.
struct options {
  std::vector<std::string> secret_keys;               ///< oldest → newest; the last one signs
  std::optional<std::string> salt = "itsdangerous";   ///< nullopt = Python's salt=None (the signer's default)
  signing::key_derivation derivation = signing::key_derivation::django_concat;  ///< signer_kwargs
  signing::digest digest_method = signing::digest::sha1;                         ///< signer_kwargs
  std::string sep = ".";
  bool url_safe = true;  ///< URLSafe* (compact JSON, base64, zlib) vs plain Serializer
  bool timed = true;     ///< Timed* (TimestampSigner)
  std::size_t max_decompressed = default_max_decompressed;
  json::load_limits json_limits{};
};

/// What `loads` returns: the object and, for timed serializers, the signing time.
struct loaded {
  json::value value;
  std::optional<std::uint64_t> timestamp;
};

/// The verified payload bytes before JSON parsing (for callers with their own text format, e.g. Flask's
/// tagged JSON): the UTF-8 JSON text, and the timestamp for timed serializers.
struct loaded_text {
  std::string text;
  std::optional<std::uint64_t> timestamp;
};

/// What itsdangerous puts into the exception of a failed `loads`, for the caller that raises it:
///   payload        BadSignature.payload: the signed value without its signature — and, for timed serializers,
///                  without its timestamp (TimestampSigner.unsign's value); nullopt when there is no separator.
///                  On BadPayload (every serializer): the verified payload the decoder failed on
///   date_signed    BadTimeSignature/SignatureExpired.date_signed: the timestamp once it could be read
///   original_error BadPayload.original_error: the decoder's error — kind errc::bad_data (base64),
///                  errc::zlib_error, errc::too_large (the inflation cap), errc::unicode_decode_error (offset: the
///                  first invalid byte) or the JSON error (kind errc::json_decode, Python's message and offset)
struct load_failure {
  std::optional<std::string> payload;
  std::optional<std::uint64_t> date_signed;
  std::optional<error> original_error;
};

class serializer {
 public:
  serializer() = default;  ///< unusable; see make()
  /// Validates the options (see signing::signer::make).
  static result<serializer> make(options o);
  const options& opts() const { return o_; }

  /// `dumps(obj)`; `ts` is the signing time for timed serializers (ignored otherwise). Fails only for values
  /// json.dumps refuses.
  result<std::string> dumps(const json::value& obj, std::uint64_t ts = 0) const;
  /// `dumps` of already-serialized JSON text (the payload step and signing only).
  std::string dumps_text(std::string_view json_text, std::uint64_t ts = 0) const;

  /// `loads(s, max_age=...)` at time `now`: verification first (BadSignature / BadTimeSignature /
  /// SignatureExpired), then the payload (BadPayload). Keys are tried newest → oldest.
  /// `why` (when given) receives what the exception carries (see load_failure).
  result<loaded> loads(std::string_view s, std::optional<std::int64_t> max_age = std::nullopt,
                       std::int64_t now = signing::now_seconds(), load_failure* why = nullptr) const;
  /// Same up to the JSON text (UTF-8 validated).
  result<loaded_text> loads_text(std::string_view s, std::optional<std::int64_t> max_age = std::nullopt,
                                 std::int64_t now = signing::now_seconds(), load_failure* why = nullptr) const;

  /// JSON text of `obj` as this serializer's payload step writes it.
  result<std::string> dump_json(const json::value& obj) const;

  const signing::signer& plain_signer() const { return plain_; }
  const signing::timestamp_signer& timed_signer() const { return timed_; }

 private:
  options o_;
  signing::signer plain_;
  signing::timestamp_signer timed_;
};

}  // namespace websec::serializer
