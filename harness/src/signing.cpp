// itsdangerous encoding, Signer and TimestampSigner (see websec/signing.hpp).
#define OPENSSL_SUPPRESS_DEPRECATED 1  // the low-level digest contexts are plain structs: copying one is a memcpy
#include "websec/signing.hpp"

#include "websec/json.hpp"

#include "civil_date.hpp"

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <array>
#include <chrono>
#include <cstring>

namespace websec::signing {

// ---------------------------------------------------------------------------------------------- encoding

namespace {
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends the base64 of `in` to `out` (written through a pointer into the grown string, 3 bytes → 4 chars).
void append_with(std::string& out, std::string_view in, const char* alphabet, bool pad) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  const size_t at = out.size();
  out.resize(at + (n + 2) / 3 * 4);
  char* o = out.data() + at;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
    o += 4;
  }
  if (n - i == 1) {
    const unsigned v = p[i] << 16;
    *o++ = alphabet[v >> 18];
    *o++ = alphabet[(v >> 12) & 63];
    if (pad) {
      *o++ = '=';
      *o++ = '=';
    }
  } else if (n - i == 2) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    *o++ = alphabet[v >> 18];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    if (pad) *o++ = '=';
  }
  out.resize(static_cast<size_t>(o - out.data()));
}
std::string encode_with(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  append_with(out, in, alphabet, pad);
  return out;
}

struct a2b_table {
  std::array<unsigned char, 256> std{}, url{};
  a2b_table() {
    std.fill(0xff);
    for (int i = 0; i < 64; ++i) std[static_cast<unsigned char>(kStdAlphabet[i])] = static_cast<unsigned char>(i);
    url = std;
    url['-'] = 62;
    url['_'] = 63;
  }
};
const a2b_table& tables() {
  static const a2b_table t;
  return t;
}

// CPython 3.11 Modules/binascii.c binascii_a2b_base64_impl, strict_mode=False. `extra_pads` virtual '='
// characters follow the input (itsdangerous's padding) without copying it.
enum class a2b_status { ok, one_more, bad_padding };
a2b_status a2b_core(std::string_view data, size_t extra_pads, const std::array<unsigned char, 256>& table,
                    std::string& out, size_t& data_chars) {
  int quad_pos = 0, pads = 0;
  unsigned leftchar = 0;
  data_chars = 0;
  out.resize(data.size() / 4 * 3 + 3);
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  const size_t total = data.size() + extra_pads;
  size_t i = 0;
  // Fast path: whole quads of alphabet characters at a quad boundary decode to 3 bytes, as the loop below would
  // (no '=' and no skipped character among them); anything else continues in the exact loop.
  while (i + 4 <= data.size()) {
    const unsigned a = table[in[i]], b = table[in[i + 1]], c = table[in[i + 2]], d = table[in[i + 3]];
    if ((a | b | c | d) >= 64) break;
    o[0] = static_cast<unsigned char>((a << 2) | (b >> 4));
    o[1] = static_cast<unsigned char>((b << 4) | (c >> 2));
    o[2] = static_cast<unsigned char>((c << 6) | d);
    o += 3;
    i += 4;
    data_chars += 4;
  }
  auto push = [&](unsigned v) { *o++ = static_cast<unsigned char>(v); };
  auto finish = [&] { out.resize(static_cast<size_t>(o - reinterpret_cast<unsigned char*>(out.data()))); };
  for (; i < total; ++i) {
    unsigned char ch = i < data.size() ? in[i] : '=';
    if (ch == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) {
        finish();
        return a2b_status::ok;
      }
      continue;
    }
    unsigned char v = table[ch];
    if (v >= 64) continue;
    ++data_chars;
    pads = 0;
    switch (quad_pos) {
      case 0:
        quad_pos = 1;
        leftchar = v;
        break;
      case 1:
        quad_pos = 2;
        push((leftchar << 2) | (v >> 4));
        leftchar = v & 0x0f;
        break;
      case 2:
        quad_pos = 3;
        push((leftchar << 4) | (v >> 2));
        leftchar = v & 0x03;
        break;
      default:
        quad_pos = 0;
        push((leftchar << 6) | v);
        leftchar = 0;
    }
  }
  finish();
  if (quad_pos == 1) return a2b_status::one_more;
  if (quad_pos != 0) return a2b_status::bad_padding;
  return a2b_status::ok;
}

// Allocation-free variant for signatures (at most 64 bytes matter: longer never matches a digest).
bool decode_sig(std::string_view sig, unsigned char* out, size_t cap, size_t& len) {
  const auto& table = tables().url;
  size_t pad = (4 - sig.size() % 4) % 4;
  int quad_pos = 0, pads = 0;
  unsigned leftchar = 0;
  len = 0;
  auto emit = [&](unsigned c) {
    if (len < cap) out[len] = static_cast<unsigned char>(c);
    ++len;
  };
  const size_t total = sig.size() + pad;
  for (size_t i = 0; i < total; ++i) {
    unsigned char ch = i < sig.size() ? static_cast<unsigned char>(sig[i]) : '=';
    if (ch == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) return true;
      continue;
    }
    unsigned char v = table[ch];
    if (v >= 64) continue;
    pads = 0;
    switch (quad_pos) {
      case 0: quad_pos = 1; leftchar = v; break;
      case 1: quad_pos = 2; emit((leftchar << 2) | (v >> 4)); leftchar = v & 0x0f; break;
      case 2: quad_pos = 3; emit(((leftchar << 4) | (v >> 2)) & 0xff); leftchar = v & 0x03; break;
      default: quad_pos = 0; emit(((leftchar << 6) | v) & 0xff); leftchar = 0;
    }
  }
  return quad_pos == 0;
}
}  // namespace

std::string base64_encode(std::string_view bytes) { return encode_with(bytes, kUrlAlphabet, false); }
void base64_append(std::string& out, std::string_view bytes) { append_with(out, bytes, kUrlAlphabet, false); }
std::string base64_encode_standard(std::string_view bytes) { return encode_with(bytes, kStdAlphabet, true); }

result<std::string> base64_decode(std::string_view text, bool from_str) {
  std::string filtered;
  if (from_str) {
    for (char c : text)
      if (static_cast<unsigned char>(c) < 0x80) filtered.push_back(c);
    text = filtered;
  }
  size_t pad = (4 - text.size() % 4) % 4;
  std::string out;
  size_t chars = 0;
  if (a2b_core(text, pad, tables().url, out, chars) != a2b_status::ok)
    return error{errc::bad_data, 0, "Invalid base64-encoded data", 0};
  return out;
}

result<std::string> a2b_base64(std::string_view data) {
  std::string out;
  size_t chars = 0;
  switch (a2b_core(data, 0, tables().std, out, chars)) {
    case a2b_status::ok:
      return out;
    case a2b_status::one_more:
      return error{errc::binascii_error, 0,
                   "Invalid base64-encoded string: number of data characters (" + std::to_string(chars) +
                       ") cannot be 1 more than a multiple of 4",
                   0};
    default:
      return error{errc::binascii_error, 0, "Incorrect padding", 0};
  }
}

std::string int_to_bytes(std::uint64_t n) {
  std::string out;
  bool started = false;
  for (int shift = 56; shift >= 0; shift -= 8) {
    unsigned char b = static_cast<unsigned char>(n >> shift);
    if (b || started) {
      out.push_back(static_cast<char>(b));
      started = true;
    }
  }
  return out;
}

std::optional<std::uint64_t> bytes_to_int(std::string_view b) {
  if (b.size() > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

// repr(bytes) has one implementation, in the JSON module (which also needs it for Python repr of values).
std::string python_bytes_repr(std::string_view b) { return json::bytes_repr(b); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_a(errc kind, errc base) {
  if (kind == base) return true;
  if (base == errc::bad_data)
    return kind == errc::bad_signature || kind == errc::bad_time_signature || kind == errc::signature_expired ||
           kind == errc::bad_payload || kind == errc::bad_header;
  if (base == errc::bad_signature)
    return kind == errc::bad_time_signature || kind == errc::signature_expired || kind == errc::bad_header;
  if (base == errc::bad_time_signature) return kind == errc::signature_expired;
  return false;
}

// ---------------------------------------------------------------------------------------------- digests

std::optional<digest> parse_digest(std::string_view n) {
  if (n == "sha1") return digest::sha1;
  if (n == "sha224") return digest::sha224;
  if (n == "sha256") return digest::sha256;
  if (n == "sha384") return digest::sha384;
  if (n == "sha512") return digest::sha512;
  if (n == "md5") return digest::md5;
  return std::nullopt;
}
std::optional<key_derivation> parse_key_derivation(std::string_view n) {
  if (n == "concat") return key_derivation::concat;
  if (n == "django-concat") return key_derivation::django_concat;
  if (n == "hmac") return key_derivation::hmac;
  if (n == "none") return key_derivation::none;
  return std::nullopt;
}
std::string_view to_string(digest d) {
  switch (d) {
    case digest::sha1: return "sha1";
    case digest::sha224: return "sha224";
    case digest::sha256: return "sha256";
    case digest::sha384: return "sha384";
    case digest::sha512: return "sha512";
    case digest::md5: return "md5";
  }
  return "?";
}
std::string_view to_string(key_derivation k) {
  switch (k) {
    case key_derivation::concat: return "concat";
    case key_derivation::django_concat: return "django-concat";
    case key_derivation::hmac: return "hmac";
    case key_derivation::none: return "none";
  }
  return "?";
}
std::size_t digest_size(digest d) {
  switch (d) {
    case digest::sha1: return 20;
    case digest::sha224: return 28;
    case digest::sha256: return 32;
    case digest::sha384: return 48;
    case digest::sha512: return 64;
    case digest::md5: return 16;
  }
  return 0;
}

namespace {
std::size_t block_size(digest d) { return (d == digest::sha384 || d == digest::sha512) ? 128 : 64; }

union hash_ctx {
  SHA_CTX sha1;
  SHA256_CTX sha256;
  SHA512_CTX sha512;
  MD5_CTX md5;
};

inline void h_init(digest d, hash_ctx& c) {
  switch (d) {
    case digest::sha1: SHA1_Init(&c.sha1); break;
    case digest::sha224: SHA224_Init(&c.sha256); break;
    case digest::sha256: SHA256_Init(&c.sha256); break;
    case digest::sha384: SHA384_Init(&c.sha512); break;
    case digest::sha512: SHA512_Init(&c.sha512); break;
    case digest::md5: MD5_Init(&c.md5); break;
  }
}
inline void h_update(digest d, hash_ctx& c, const void* p, size_t n) {
  switch (d) {
    case digest::sha1: SHA1_Update(&c.sha1, p, n); break;
    case digest::sha224: SHA224_Update(&c.sha256, p, n); break;
    case digest::sha256: SHA256_Update(&c.sha256, p, n); break;
    case digest::sha384: SHA384_Update(&c.sha512, p, n); break;
    case digest::sha512: SHA512_Update(&c.sha512, p, n); break;
    case digest::md5: MD5_Update(&c.md5, p, n); break;
  }
}
inline void h_final(digest d, hash_ctx& c, unsigned char* out) {
  switch (d) {
    case digest::sha1: SHA1_Final(out, &c.sha1); break;
    case digest::sha224: SHA224_Final(out, &c.sha256); break;
    case digest::sha256: SHA256_Final(out, &c.sha256); break;
    case digest::sha384: SHA384_Final(out, &c.sha512); break;
    case digest::sha512: SHA512_Final(out, &c.sha512); break;
    case digest::md5: MD5_Final(out, &c.md5); break;
  }
}
}  // namespace

std::string hash(digest d, std::string_view data) {
  hash_ctx c;
  h_init(d, c);
  h_update(d, c, data.data(), data.size());
  unsigned char out[64];
  h_final(d, c, out);
  return std::string(reinterpret_cast<char*>(out), digest_size(d));
}

struct hmac_key::impl {
  digest d;
  hash_ctx inner, outer;
};

hmac_key::hmac_key(digest d, std::string_view key) : p_(std::make_unique<impl>()) {
  p_->d = d;
  const size_t bs = block_size(d);
  unsigned char k[128] = {0};
  if (key.size() > bs) {
    hash_ctx c;
    h_init(d, c);
    h_update(d, c, key.data(), key.size());
    h_final(d, c, k);
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char pad[128];
  for (size_t i = 0; i < bs; ++i) pad[i] = k[i] ^ 0x36;
  h_init(d, p_->inner);
  h_update(d, p_->inner, pad, bs);
  for (size_t i = 0; i < bs; ++i) pad[i] = k[i] ^ 0x5c;
  h_init(d, p_->outer);
  h_update(d, p_->outer, pad, bs);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
}
hmac_key::~hmac_key() {
  if (p_) OPENSSL_cleanse(p_.get(), sizeof(impl));
}
hmac_key::hmac_key(const hmac_key& o) : p_(std::make_unique<impl>(*o.p_)) {}
hmac_key& hmac_key::operator=(const hmac_key& o) {
  if (this != &o) p_ = std::make_unique<impl>(*o.p_);
  return *this;
}
hmac_key::hmac_key(hmac_key&&) noexcept = default;
hmac_key& hmac_key::operator=(hmac_key&&) noexcept = default;
digest hmac_key::algorithm() const { return p_->d; }

std::size_t hmac_key::mac2(std::string_view a, std::string_view b, unsigned char* out) const {
  const digest d = p_->d;
  hash_ctx c = p_->inner;
  if (!a.empty()) h_update(d, c, a.data(), a.size());
  if (!b.empty()) h_update(d, c, b.data(), b.size());
  unsigned char ih[64];
  h_final(d, c, ih);
  const size_t n = digest_size(d);
  c = p_->outer;
  h_update(d, c, ih, n);
  h_final(d, c, out);
  return n;
}
std::size_t hmac_key::mac(std::string_view msg, unsigned char* out) const { return mac2(msg, {}, out); }
std::string hmac_key::mac(std::string_view msg) const {
  unsigned char out[64];
  size_t n = mac(msg, out);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string derive_key(const signer_options& o, std::string_view secret_key) {
  switch (o.derivation) {
    case key_derivation::concat: {
      std::string m = o.salt;
      m.append(secret_key);
      return hash(o.digest_method, m);
    }
    case key_derivation::django_concat: {
      std::string m = o.salt + "signer";
      m.append(secret_key);
      return hash(o.digest_method, m);
    }
    case key_derivation::hmac:
      return hmac_key(o.digest_method, secret_key).mac(o.salt);
    case key_derivation::none:
      return std::string(secret_key);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------- Signer

result<signer> signer::make(signer_options o) {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=";
  if (alphabet.find(o.sep) != std::string_view::npos)
    return error{errc::value_error, 0,
                 "The given separator cannot be used because it may be contained in the signature itself. ASCII "
                 "letters, digits, and '-_=' must not be used.",
                 0};
  if (o.secret_keys.empty()) return error{errc::value_error, 0, "at least one secret key is required", 0};
  signer s;
  for (const auto& k : o.secret_keys) s.keys_.emplace_back(o.digest_method, derive_key(o, k));
  s.o_ = std::move(o);
  return s;
}

std::vector<std::string> signer::derived_keys() const {
  std::vector<std::string> out;
  for (const auto& k : o_.secret_keys) out.push_back(derive_key(o_, k));
  return out;
}

std::string signer::signature(std::string_view value) const {
  unsigned char mac[64];
  size_t n = keys_.back().mac(value, mac);
  return base64_encode(std::string_view(reinterpret_cast<char*>(mac), n));
}

std::string signer::sign(std::string_view value) const {
  std::string out;
  out.reserve(value.size() + o_.sep.size() + 88);
  out.append(value);
  sign_in_place(out);
  return out;
}

void signer::sign_in_place(std::string& buf) const {
  unsigned char mac[64];
  const size_t n = keys_.back().mac(buf, mac);
  buf.append(o_.sep);
  append_with(buf, std::string_view(reinterpret_cast<char*>(mac), n), kUrlAlphabet, false);
}

bool signer::verify_signature(std::string_view value, std::string_view sig) const {
  unsigned char decoded[64];
  size_t len = 0;
  if (!decode_sig(sig, decoded, sizeof decoded, len)) return false;
  const size_t n = digest_size(o_.digest_method);
  bool ok = false;
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    unsigned char mac[64];
    it->mac(value, mac);
    // hmac.compare_digest: different lengths never match (and the length is public).
    if (len == n && CRYPTO_memcmp(mac, decoded, n) == 0) ok = true;
    if (ok) break;
  }
  return ok;
}

signer::unsign_outcome signer::unsign_view(std::string_view s) const {
  unsign_outcome r;
  size_t pos = s.rfind(o_.sep);
  if (pos == std::string_view::npos) return r;
  r.had_sep = true;
  r.value = s.substr(0, pos);
  r.sig = s.substr(pos + o_.sep.size());
  r.ok = verify_signature(r.value, r.sig);
  return r;
}

result<std::string> signer::unsign(std::string_view s) const {
  auto r = unsign_view(s);
  if (!r.had_sep) return error{errc::bad_signature, 0, "No " + quote_input(o_.sep, quote_style::python_bytes) + " found in value", 0};
  if (!r.ok)
    return error{errc::bad_signature, static_cast<std::uint64_t>(r.sig.data() - s.data()),
                 "Signature " + quote_input(r.sig, quote_style::python_bytes) + " does not match", 0};
  return std::string(r.value);
}

// ---------------------------------------------------------------------------------------------- time

namespace {
using websec::detail::civil_from_days;
std::string int128_text(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  return std::string(s.rbegin(), s.rend());
}
}  // namespace

static error datetime_overflow(std::uint64_t ts) {
  // datetime.fromtimestamp(ts, tz=timezone.utc) for ts > 9999-12-31T23:59:59 on 64-bit Linux (CPython 3.11):
  //  - glibc gmtime() works while tm_year fits an int: ValueError "year N is out of range", where N is the year
  //    as CPython's int arithmetic leaves it (tm_year + 1900 wraps past 2**31 - 1);
  //  - past that, gmtime fails with EOVERFLOW: OSError "[Errno 75] Value too large for defined data type";
  //  - from 2**63 on, the value does not fit time_t: OverflowError "timestamp out of range for platform time_t".
  constexpr std::uint64_t gmtime_max = 67768036191676799ull;  // 2147485547-12-31T23:59:59
  if (ts >= (1ull << 63)) return error{errc::overflow_error, 0, "timestamp out of range for platform time_t", 0};
  if (ts > gmtime_max) return error{errc::os_error, 0, "[Errno 75] Value too large for defined data type", 0};
  std::int64_t y;
  unsigned m, d;
  civil_from_days(static_cast<std::int64_t>(ts / 86400), y, m, d);
  return error{errc::value_error, 0,
               "year " + std::to_string(static_cast<std::int32_t>(static_cast<std::uint32_t>(y))) + " is out of range", 0};
}

std::string iso8601(std::uint64_t ts) {
  std::int64_t days = static_cast<std::int64_t>(ts / 86400);
  unsigned secs = static_cast<unsigned>(ts % 86400);
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u+00:00", static_cast<long long>(y), m, d,
                secs / 3600, secs / 60 % 60, secs % 60);
  return buf;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------- TimestampSigner

result<timestamp_signer> timestamp_signer::make(signer_options o) {
  auto s = signer::make(std::move(o));
  if (!s) return s.err();
  timestamp_signer t;
  t.s_ = std::move(s.value());
  return t;
}

std::string timestamp_signer::sign(std::string_view value, std::uint64_t ts) const {
  std::string v;
  v.reserve(value.size() + 2 * s_.options().sep.size() + 100);
  v.append(value);
  sign_in_place(v, ts);
  return v;
}

void timestamp_signer::sign_in_place(std::string& buf, std::uint64_t ts) const {
  // int_to_bytes(ts): big-endian without leading zero bytes
  char be[8];
  size_t len = 0;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const char b = static_cast<char>(ts >> shift);
    if (b || len) be[len++] = b;
  }
  buf.append(s_.options().sep);
  append_with(buf, std::string_view(be, len), kUrlAlphabet, false);
  s_.sign_in_place(buf);
}

result<timed_view> timestamp_signer::unsign(std::string_view signed_value, std::optional<std::int64_t> max_age,
                                            std::int64_t now, timed_failure* failure) const {
  timed_failure scratch;
  timed_failure& f = failure ? *failure : scratch;
  f = timed_failure{};
  const std::string& sep = s_.options().sep;
  auto u = s_.unsign_view(signed_value);
  std::string_view result = u.had_sep ? u.value : std::string_view();
  size_t pos = result.rfind(sep);
  if (pos == std::string_view::npos) {
    if (!u.had_sep) return error{errc::bad_signature, 0, "No " + quote_input(sep, quote_style::python_bytes) + " found in value", 0};
    f.payload = u.value;
    if (!u.ok)
      return error{errc::bad_signature, 0, "Signature " + quote_input(u.sig, quote_style::python_bytes) + " does not match", 0};
    return error{errc::bad_time_signature, 0, "timestamp missing", 0};
  }
  f.payload = result.substr(0, pos);
  std::string_view ts_text = result.substr(pos + sep.size());
  std::optional<std::uint64_t> ts;
  {
    auto dec = base64_decode(ts_text);
    if (dec) ts = bytes_to_int(*dec);
  }
  if (!u.ok) {
    if (ts && *ts > max_datetime_timestamp) return error{errc::bad_time_signature, 0, "Malformed timestamp", 0};
    f.date_signed = ts;
    return error{errc::bad_time_signature, 0,
                 "Signature " + quote_input(u.sig, quote_style::python_bytes) + " does not match", 0};
  }
  if (!ts) return error{errc::bad_time_signature, 0, "Malformed timestamp", 0};
  f.date_signed = ts;
  const bool overflow = *ts > max_datetime_timestamp;
  if (max_age) {
    __int128 age = static_cast<__int128>(now) - static_cast<__int128>(*ts);
    if (age > *max_age || age < 0) {
      if (overflow) return datetime_overflow(*ts);  // SignatureExpired(date_signed=timestamp_to_datetime(ts)) raises first
      f.age = static_cast<std::int64_t>(age);
      return error{errc::signature_expired, 0,
                   "Signature age " + int128_text(age) +
                       (age < 0 ? " < 0 seconds" : " > " + std::to_string(*max_age) + " seconds"),
                   0};
    }
  }
  if (overflow) return datetime_overflow(*ts);
  return timed_view{f.payload, *ts};
}

result<timestamp_value> timestamp_signer::unsign_result(std::string_view signed_value,
                                                        std::optional<std::int64_t> max_age,
                                                        std::int64_t now) const {
  auto r = unsign(signed_value, max_age, now);
  if (!r) return r.err();
  return timestamp_value{std::string(r->value), r->timestamp};
}

}  // namespace websec::signing
