// codec_options_fuzzer — the serializer, signer and tagged-JSON options the Flask session does not use (the plain
// and the untimed itsdangerous serializers, salt None, every digest and key derivation, keys longer than the hash
// block, refused separators, what a failed loads() says), werkzeug's parse_cookie as the Python module calls it,
// and the value types only Python code builds (datetimes with microseconds or second offsets, markup over them).
//
// Input (read in this order with websec::fuzz::input):
//   u8 mode   mode % 6 picks what the rest is:
//     0  round trip        u8 options, u8 separator, then JSON text: dumps -> loads gives the value back
//     1  untrusted         u8 options, u8 separator, then a signed value from outside: loads and what it says
//     2  key holder        u8 options, u8 separator, then a payload signed with the key: the payload decoder
//     3  tagged JSON       Flask's tagged JSON text: tag, untag, json.dumps of the untagged value
//     4  Cookie header     werkzeug parse_cookie (both profiles) against request.cookies and dump_cookie
//     5  values            u8 digest, 8 bytes n, 4 bytes microsecond, 4 bytes offset, 1 byte flags, then bytes:
//                          HMAC keys of any length, int_to_bytes, the itsdangerous exception hierarchy, repr(bytes),
//                          datetimes through repr(), str() (Markup of a datetime), tag and json.dumps
//   options   bits 0-1 digest (sha1, sha256, sha512, md5), bits 2-3 key derivation (concat, django-concat, hmac,
//             none), bit4 URL-safe (else the plain Serializer), bit5 timed, bit6 salt None, bit7 a secret key longer
//             than the digest's block
//   separator one of ".", ":", "~~", "|", "a" and "" (the last two refused by itsdangerous)
// Invariants (abort on violation):
//   * a refused separator is ValueError with itsdangerous's message; valid options always make a serializer
//   * mode 0: loads(dumps(v)) == v with the timestamp it was signed at; dumps == dumps_text(dump_json(v)); the
//     payload is encode_payload(json) (compressed exactly when zlib saves at least 2 bytes) and decodes back;
//     zlib round trips; a timed value expires one second after max_age (SignatureExpired, date_signed = the
//     stamp), an untimed one never does
//   * mode 1: errors stay in itsdangerous's hierarchy; BadPayload (and only it) carries original_error; the
//     payload BadSignature reports is a prefix of the input, absent exactly when there is no separator;
//     TimestampSigner.unsign_result agrees with unsign, Signer.unsign with unsign_view
//   * mode 2: the payload behind a valid MAC loads iff it decodes and parses; otherwise BadPayload with the
//     decoder's own error (BadData, zlib.error, too_large, UnicodeDecodeError at the first invalid byte, the JSON
//     error), date_signed as signed; never more than the inflation cap
//   * mode 3: json.dumps(tag(v)) == tagged_dumps(v); untag(tag(v)) is v (datetimes as the same instant in UTC,
//     years 1-99 as werkzeug reads them); json.dumps(v) refuses exactly bytes, UUID and datetime; allow_nan=False
//     refuses exactly NaN and infinities
//   * mode 4: parse_cookie (debian) == request.cookies (debian); upstream fails exactly on invalid UTF-8, at the
//     first invalid byte, and agrees with request.cookies on ASCII; at most one pair per ';' plus one; a
//     (key, value) dump_cookie writes reads back
//   * mode 5: HMAC with a key longer than the block equals HMAC with its digest (RFC 2104), copies of a key MAC
//     alike, signers over both keys agree; bytes_to_int(int_to_bytes(n)) == n in minimal bytes; is_a follows
//     the documented hierarchy; repr(bytes) is quoted printable ASCII; repr() and str() of a datetime and
//     Markup(datetime) match a civil-calendar model; dumps refuses a datetime, tagged_dumps writes its http date
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "fuzz_input.hpp"
#include "websec/cookie.hpp"
#include "websec/json.hpp"
#include "websec/serializer.hpp"
#include "websec/session.hpp"
#include "websec/signing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace websec;
namespace S = websec::serializer;
namespace G = websec::signing;
namespace J = websec::json;

namespace {

// The name of an error's kind, as the Python stack and the JSON output spell it.
std::string kind_of(const websec::error& e) { return std::string(websec::to_string(e.kind)); }

constexpr std::uint64_t kTs = 1700000000;
constexpr std::size_t kCap = 4096;

using websec::fuzz::first_invalid_utf8;

const G::digest kDigests[] = {G::digest::sha1, G::digest::sha256, G::digest::sha512, G::digest::md5};
const G::key_derivation kDerivations[] = {G::key_derivation::concat, G::key_derivation::django_concat,
                                          G::key_derivation::hmac, G::key_derivation::none};
const char* const kSeps[] = {".", ":", "~~", "|", "a", ""};

S::options make_options(std::uint8_t opt, std::uint8_t sep) {
  S::options o;
  o.digest_method = kDigests[opt & 3];
  o.derivation = kDerivations[(opt >> 2) & 3];
  o.url_safe = opt & 0x10;
  o.timed = opt & 0x20;
  if (opt & 0x40) o.salt.reset();
  o.secret_keys = {"old-codec-key", (opt & 0x80) ? std::string(129 + opt % 7, 'K') : std::string("codec-key")};
  o.sep = kSeps[sep % 6];
  o.max_decompressed = kCap;
  o.json_limits.max_depth = 64;
  o.json_limits.max_size = kCap;
  return o;
}

bool signature_kind(const std::string& k) {
  return k == "BadSignature" || k == "BadTimeSignature" || k == "SignatureExpired";
}

// ---------------------------------------------------------------------------------------------- modes 0-2

void round_trip(const S::serializer& s, std::string_view text) {
  J::load_limits lim;
  lim.max_depth = 64;
  auto v = J::loads(text, lim);
  if (!v) return;
  auto json = s.dump_json(*v);
  auto token = s.dumps(*v, kTs);
  CHECK(json.ok() == token.ok(), "dump_json and dumps disagree");
  if (!token) {
    CHECK(s.opts().url_safe && kind_of(token.err()) == "invalid_utf8", "dumps refused a loaded value: %s", kind_of(token.err()).c_str());
    return;
  }
  CHECK(s.dumps_text(*json, kTs) == *token, "dumps_text(dump_json(v)) != dumps(v)");
  S::load_failure why;
  auto back = s.loads(*token, std::nullopt, static_cast<std::int64_t>(kTs), &why);
  CHECK(back.ok(), "loads(dumps(v)) failed: %s", back ? "" : back.err().message.c_str());
  CHECK(back->value == *v, "loads(dumps(v)) != v");
  CHECK(back->timestamp == (s.opts().timed ? std::optional<std::uint64_t>(kTs) : std::nullopt), "timestamp");
  // the payload: what precedes the signature (and the stamp)
  std::string_view payload = *token;
  for (int k = 0; k < (s.opts().timed ? 2 : 1); ++k) payload = payload.substr(0, payload.rfind(s.opts().sep));
  if (s.opts().url_safe) {
    CHECK(payload == S::encode_payload(*json), "payload is not encode_payload(json)");
    const std::string z = S::zlib_compress(*json);
    CHECK((payload.substr(0, 1) == ".") == (z.size() + 1 < json->size()), "compressed iff zlib saves 2 bytes");
    auto inflated = S::zlib_decompress(z, json->size() + 1);
    CHECK(inflated.ok() && *inflated == *json, "zlib round trip");
    auto dec = S::decode_payload(payload, json->size() + 1);
    CHECK(dec.ok() && *dec == *json, "decode_payload(encode_payload(json)) != json");
  } else {
    CHECK(payload == *json, "the plain Serializer's payload is the JSON text");
  }
  // expiry: one second past max_age for timed values, never for untimed ones
  auto at_age = s.loads(*token, 10, static_cast<std::int64_t>(kTs) + 10);
  CHECK(at_age.ok(), "age == max_age must load");
  S::load_failure late_why;
  auto late = s.loads(*token, 10, static_cast<std::int64_t>(kTs) + 11, &late_why);
  if (s.opts().timed) {
    CHECK(!late && kind_of(late.err()) == "SignatureExpired", "max_age + 1 must expire");
    CHECK(late_why.date_signed == kTs && late_why.payload && payload == *late_why.payload && !late_why.original_error,
          "what SignatureExpired carries");
  } else {
    CHECK(late.ok(), "an untimed value expired");
  }
}

void untrusted(const S::serializer& s, std::string_view text) {
  S::load_failure why;
  auto r = s.loads(text, 3600, static_cast<std::int64_t>(kTs), &why);
  const bool has_sep = text.find(s.opts().sep) != std::string_view::npos;
  if (r) {
    CHECK(has_sep);
    if (s.opts().timed) CHECK(r->timestamp && *r->timestamp <= kTs && kTs - *r->timestamp <= 3600, "accepted age");
  } else {
    const std::string k = kind_of(r.err());
    // a stamp beyond datetime's range escapes as Python's ValueError / OSError / OverflowError
    const bool overflow = k == "ValueError" || k == "OSError" || k == "OverflowError";
    CHECK(signature_kind(k) || k == "BadPayload" || overflow, "error kind %s", k.c_str());
    CHECK(G::is_a(r.err().kind, websec::errc::bad_data) || overflow);
    CHECK(why.original_error.has_value() == (k == "BadPayload"), "original_error with %s", k.c_str());
    if (!has_sep) CHECK(!why.payload && k == "BadSignature", "no separator");
    if (why.payload) CHECK(text.substr(0, why.payload->size()) == *why.payload, "payload is not a prefix");
  }
  if (s.opts().timed) {
    const auto& t = s.timed_signer();
    auto a = t.unsign(text, 3600, static_cast<std::int64_t>(kTs));
    auto b = t.unsign_result(text, 3600, static_cast<std::int64_t>(kTs));
    CHECK(a.ok() == b.ok(), "unsign_result and unsign disagree");
    if (a.ok()) CHECK(b->value == a->value && b->timestamp == a->timestamp);
    else CHECK(b.err().kind == a.err().kind && b.err().message == a.err().message);
  } else {
    const auto& p = s.plain_signer();
    auto a = p.unsign_view(text);
    auto b = p.unsign(text);
    CHECK(a.ok == b.ok(), "unsign and unsign_view disagree");
    if (a.ok) CHECK(*b == a.value);
  }
}

void key_holder(const S::serializer& s, std::string_view payload) {
  const std::string token = s.opts().timed ? s.timed_signer().sign(payload, kTs) : s.plain_signer().sign(payload);
  S::load_failure why;
  auto r = s.loads(token, std::nullopt, static_cast<std::int64_t>(kTs), &why);
  std::optional<std::string> text;
  if (s.opts().url_safe) {
    if (auto d = S::decode_payload(payload, kCap)) text = *d;
  } else {
    text = std::string(payload);
  }
  if (r) {
    CHECK(text && J::loads(*text, s.opts().json_limits).ok(), "loaded a payload that does not decode and parse");
    CHECK(r->timestamp == (s.opts().timed ? std::optional<std::uint64_t>(kTs) : std::nullopt));
    return;
  }
  CHECK(kind_of(r.err()) == "BadPayload", "a valid MAC failed with %s", kind_of(r.err()).c_str());
  CHECK(why.original_error.has_value(), "BadPayload without its cause");
  if (why.payload) CHECK(*why.payload == payload, "payload");  // (a BadSignature field: the untimed serializer fills it)
  CHECK(why.date_signed == (s.opts().timed ? std::optional<std::uint64_t>(kTs) : std::nullopt), "date_signed");
  const std::string k(websec::to_string(why.original_error->kind));
  if (!text) {
    CHECK(k == "BadData" || k == "zlib.error" || k == "too_large", "decoder error %s", k.c_str());
  } else if (std::size_t bad = first_invalid_utf8(*text); bad != std::string_view::npos) {
    CHECK(k == "UnicodeDecodeError" && why.original_error->offset == bad, "UnicodeDecodeError at %zu", bad);
  } else {
    CHECK(!J::loads(*text, s.opts().json_limits).ok(), "BadPayload over a payload that loads");
  }
  if (k == "too_large") CHECK(s.opts().url_safe && !payload.empty() && payload[0] == '.');
}

// ---------------------------------------------------------------------------------------------- mode 3

bool contains(const J::value& v, bool (*pred)(const J::value&)) {
  if (pred(v)) return true;
  for (const auto& x : v.items())
    if (contains(x, pred)) return true;
  for (const auto& [k, x] : v.members())
    if (contains(x, pred)) return true;
  return false;
}

// werkzeug's parse_date reads a year written 0001-0099 as 1969-2068: such datetimes do not come back.
bool two_digit_year(std::string_view tagged) {
  for (std::size_t at = tagged.find("{\" d\":\""); at != std::string_view::npos; at = tagged.find("{\" d\":\"", at + 1))
    if (at + 7 + 14 <= tagged.size() && tagged.substr(at + 7 + 12, 2) == "00") return true;
  return false;
}

void tagged(std::string_view text) {
  J::load_limits lim;
  lim.max_depth = 64;
  auto v = session::tagged_loads(text, lim);
  if (!v) return;
  const J::value t = session::tag(*v);
  auto a = session::tagged_dumps(*v);
  auto b = J::dumps(t, J::compact(true, true));
  CHECK(a.ok() == b.ok(), "tagged_dumps and json.dumps(tag(v)) disagree on success");
  if (!a) return;
  CHECK(*a == *b, "tagged_dumps(v) != json.dumps(tag(v))");
  auto u = session::untag(t);
  CHECK(u.ok(), "untag(tag(v)) failed");
  // a datetime comes back as the same instant in UTC (http_date): compare what tagged_dumps writes
  if (!two_digit_year(*a)) {
    auto again = session::tagged_dumps(*u);
    CHECK(again.ok() && *again == *a, "untag(tag(v)) differs from v");
  }
  (void)J::repr(*v);
  // json.dumps of the untagged value: only bytes, UUID and datetime are refused
  const bool odd = contains(*v, [](const J::value& x) {
    return x.kind() == J::kind::bytes || x.kind() == J::kind::uuid || x.kind() == J::kind::datetime;
  });
  auto plain = J::dumps(*v);
  CHECK(plain.ok() != odd, "json.dumps refused %s", plain ? "nothing" : kind_of(plain.err()).c_str());
  if (!plain) CHECK(kind_of(plain.err()) == "not_serializable");
  J::dump_options strict;
  strict.allow_nan = false;
  const bool non_finite = contains(t, [](const J::value& x) { return x.kind() == J::kind::floating && !std::isfinite(x.as_double()); });
  auto s = J::dumps(t, strict);
  CHECK(s.ok() != non_finite, "allow_nan=False");
  if (!s) CHECK(kind_of(s.err()) == "nan_not_allowed");
}

// ---------------------------------------------------------------------------------------------- mode 4

void cookies(std::string_view header) {
  const auto deb = cookie::parse_cookie(header, profile::debian);
  CHECK(deb.ok() && *deb == cookie::parse_cookie_header(header, profile::debian), "debian parse_cookie");
  const std::size_t most = static_cast<std::size_t>(std::count(header.begin(), header.end(), ';')) + 1;
  CHECK(deb->size() <= most);
  const auto up = cookie::parse_cookie(header, profile::upstream);
  const std::size_t bad = first_invalid_utf8(header);
  CHECK(up.ok() == (bad == std::string_view::npos), "parse_cookie fails iff the header is not UTF-8");
  if (!up) {
    CHECK(kind_of(up.err()) == "cookie_not_utf8" && up.err().offset == bad, "UnicodeDecodeError offset");
    return;
  }
  CHECK(up->size() <= most);
  bool ascii = std::all_of(header.begin(), header.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) CHECK(*up == cookie::parse_cookie_header(header, profile::upstream), "parse_cookie != request.cookies on ASCII");
  for (const auto& [k, v] : *up) {
    CHECK(!k.empty());
    CHECK(first_invalid_utf8(k) == std::string_view::npos && first_invalid_utf8(v) == std::string_view::npos);
    // what dump_cookie writes for a plain key reads back
    if (!std::all_of(k.begin(), k.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
      continue;
    cookie::dump_options o;
    o.path.reset();
    o.now = static_cast<double>(kTs);
    auto d = cookie::dump_cookie(k, v, o);
    if (!d) continue;
    auto again = cookie::parse_cookie(d->header, profile::upstream);
    CHECK(again.ok() && again->size() == 1 && (*again)[0].first == k && (*again)[0].second == v,
          "dump_cookie(%s, ...) does not read back", k.c_str());
  }
}

// ---------------------------------------------------------------------------------------------- mode 5

// civil date of days since 1970-01-01 (H. Hinnant's civil_from_days)
void civil(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

std::string timedelta(std::int64_t s) {
  std::int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400), secs = s - days * 86400;
  if (!days && !secs) return "datetime.timedelta(0)";
  std::string out = "datetime.timedelta(";
  if (days) out += "days=" + std::to_string(days) + (secs ? ", " : "");
  if (secs) out += "seconds=" + std::to_string(secs);
  return out + ")";
}

// HMAC keys of any length (RFC 2104: a key longer than the block is replaced by its digest)
void check_hmac_keys(std::uint8_t dsel, std::string_view rest) {
  const G::digest d = kDigests[dsel & 3];
  const std::string key(rest.substr(0, std::min<std::size_t>(rest.size(), 300)));
  const G::hmac_key hk(d, key);
  const std::string mac = hk.mac(rest);
  CHECK(mac.size() == G::digest_size(d) && hk.algorithm() == d);
  const std::size_t block = (d == G::digest::sha512) ? 128 : 64;
  if (key.size() > block) CHECK(G::hmac_key(d, G::hash(d, key)).mac(rest) == mac, "a long HMAC key is not its digest");
  G::hmac_key copy(hk);
  G::hmac_key assigned(d, "other");
  assigned = copy;
  G::hmac_key moved(d, "other");
  moved = std::move(copy);
  CHECK(assigned.mac(rest) == mac && moved.mac(rest) == mac, "copies of an HMAC key MAC differently");
  if (key.size() > block) {
    G::signer_options so;
    so.derivation = G::key_derivation::none;
    so.digest_method = d;
    so.secret_keys = {key};
    auto long_signer = G::signer::make(so);
    so.secret_keys = {G::hash(d, key)};
    auto short_signer = G::signer::make(so);
    CHECK(long_signer.ok() && short_signer.ok() && long_signer->sign(rest) == short_signer->sign(rest),
          "signers over a long key and its digest disagree");
  }
}

// int_to_bytes / bytes_to_int; returns n, the 8 bytes big-endian shifted right by (flags & 7) bytes
std::uint64_t check_int_bytes(std::string_view nbytes, std::uint8_t flags, std::string_view rest) {
  std::uint64_t n = 0;
  for (unsigned char c : nbytes) n = n << 8 | c;
  n >>= (flags & 7) * 8;
  const std::string b = G::int_to_bytes(n);
  CHECK(G::bytes_to_int(b) == n && b.size() <= 8 && (b.empty() ? n == 0 : b[0] != '\0'), "int_to_bytes");
  if (rest.size() > 8) CHECK(!G::bytes_to_int(rest));
  return n;
}

// the exception hierarchy: BadData > BadSignature > BadTimeSignature > SignatureExpired; BadData > BadPayload;
// BadSignature > BadHeader
void check_error_hierarchy() {
  static const char* kinds[] = {"BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadPayload", "BadHeader"};
  static const char* parent[] = {nullptr, "BadData", "BadSignature", "BadTimeSignature", "BadData", "BadSignature"};
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) {
      bool want = false;
      for (const char* k = kinds[i]; k && !want; ) {
        want = std::string_view(k) == kinds[j];
        const char* up = nullptr;
        for (int x = 0; x < 6; ++x)
          if (std::string_view(kinds[x]) == k) up = parent[x];
        k = up;
      }
      CHECK(G::is_a(*websec::errc_from_string(kinds[i]), *websec::errc_from_string(kinds[j])) == want,
            "is_a(%s, %s)", kinds[i], kinds[j]);
    }
}

// repr(bytes)
void check_bytes_repr(std::string_view rest) {
  const std::string r = G::python_bytes_repr(rest);
  CHECK(r.size() >= 3 && r[0] == 'b' && (r[1] == '\'' || r[1] == '"') && r.back() == r[1], "repr(bytes) quotes");
  for (unsigned char c : r) CHECK(c >= 0x20 && c < 0x7f, "repr(bytes) is printable ASCII");
}

// a datetime in years 1..9999 with microseconds and a tzinfo (naive, UTC, or an offset within a day)
J::datetime_value make_datetime(std::uint64_t n, std::uint32_t us, std::uint32_t off, std::uint8_t flags) {
  const std::int64_t lo = -62135596800, hi = 253402300799;
  J::datetime_value dt;
  dt.local_seconds = lo + static_cast<std::int64_t>(n % static_cast<std::uint64_t>(hi - lo + 1));
  dt.microsecond = static_cast<std::int32_t>(us % 1000000);
  dt.tz = static_cast<J::datetime_value::zone>((flags >> 3) % 3);
  if (dt.tz == J::datetime_value::zone::offset) dt.offset_seconds = static_cast<std::int32_t>(off % 172799) - 86399;
  return dt;
}

// The model of a datetime's str() and repr(), from the civil calendar.
struct datetime_text {
  std::string str, repr;
};

datetime_text datetime_model(const J::datetime_value& dt) {
  std::int64_t days = dt.local_seconds >= 0 ? dt.local_seconds / 86400 : -((-dt.local_seconds + 86399) / 86400);
  std::int64_t secs = dt.local_seconds - days * 86400, y;
  unsigned mo, da;
  civil(days, y, mo, da);
  const int H = static_cast<int>(secs / 3600), M = static_cast<int>(secs / 60 % 60), Sec = static_cast<int>(secs % 60);
  char buf[96];
  // str(): "YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM[:SS]]"
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d", static_cast<long long>(y), mo, da, H, M, Sec);
  std::string str = buf;
  if (dt.microsecond) std::snprintf(buf, sizeof buf, ".%06d", dt.microsecond), str += buf;
  if (dt.tz != J::datetime_value::zone::naive) {
    const int o = dt.tz == J::datetime_value::zone::utc ? 0 : dt.offset_seconds, a = std::abs(o);
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", o < 0 ? '-' : '+', a / 3600, a / 60 % 60), str += buf;
    if (a % 60) std::snprintf(buf, sizeof buf, ":%02d", a % 60), str += buf;
  }
  // repr(): "datetime.datetime(Y, M, D, H, M[, S[, US]][, tzinfo=...])"
  std::string rep = "datetime.datetime(" + std::to_string(y) + ", " + std::to_string(mo) + ", " + std::to_string(da) +
                    ", " + std::to_string(H) + ", " + std::to_string(M);
  if (dt.microsecond) rep += ", " + std::to_string(Sec) + ", " + std::to_string(dt.microsecond);
  else if (Sec) rep += ", " + std::to_string(Sec);
  if (dt.tz == J::datetime_value::zone::utc) rep += ", tzinfo=datetime.timezone.utc";
  if (dt.tz == J::datetime_value::zone::offset) rep += ", tzinfo=datetime.timezone(" + timedelta(dt.offset_seconds) + ")";
  rep += ")";
  return {str, rep};
}

// repr(), Markup(datetime), json.dumps and the tag of a datetime against the model; a dict member set twice
void check_datetime(const J::datetime_value& dt) {
  const datetime_text model = datetime_model(dt);
  const std::string& str = model.str;
  const std::string& rep = model.repr;
  const J::value v = J::value::datetime(dt);
  CHECK(J::repr(v) == rep, "repr(datetime): %s, model %s", J::repr(v).c_str(), rep.c_str());
  // Markup(datetime): str() of it (TaggedJSONSerializer's " m" over a value that is not a str)
  auto m = session::untag(J::value::dict({{" m", v}}));
  CHECK(m.ok() && m->kind() == J::kind::markup && m->str() == str, "Markup(datetime): model %s", str.c_str());
  // json.dumps refuses it; Flask's tag writes its http date
  auto plain = J::dumps(J::value::list({v, J::value::tuple({J::value::integer(1)})}));
  CHECK(!plain && kind_of(plain.err()) == "not_serializable");
  auto tg = session::tagged_dumps(v);
  auto date = cookie::http_date(dt.utc_seconds());
  // (an offset datetime near year 1 or 9999 can fall outside cookie::http_date's range in UTC; the tag still writes it)
  CHECK(tg.ok(), "tagged datetime refused");
  if (date.ok()) CHECK(*tg == "{\" d\":\"" + *date + "\"}", "tagged datetime");
  // a dict member set twice keeps its place
  J::value dict = J::value::dict({{"a", J::value::integer(1)}, {"b", v}});
  dict.set("a", J::value::tuple({v}));
  CHECK(dict.members().size() == 2 && dict.members()[0].first == "a" && dict.members()[0].second == J::value::tuple({v}));
}

// strings that are not UTF-8 cannot be tagged; nesting beyond json.dumps's depth neither
void check_untaggable(std::uint8_t flags, std::string_view rest) {
  if (flags & 0x20) {
    auto bad = session::tagged_dumps(J::value::list({J::value::string(std::string(rest) + "\xff")}));
    CHECK(!bad && kind_of(bad.err()) == "invalid_utf8");
  }
  if (flags & 0x40) {
    J::value deep = J::value::list();
    for (int i = 0; i < 1001; ++i) {
      J::value outer = J::value::list();
      outer.items().push_back(std::move(deep));
      deep = std::move(outer);
    }
    auto dd = session::tagged_dumps(deep);
    CHECK(!dd && kind_of(dd.err()) == "max_depth");
  }
}

void values(fuzz::input& in) {
  std::uint8_t dsel, flags;
  std::uint32_t us, off;
  std::string_view nbytes;
  if (!in.u8(dsel) || !in.bytes(8, nbytes) || !in.u32le(us) || !in.u32le(off) || !in.u8(flags)) return;
  const std::string_view rest = in.rest();

  check_hmac_keys(dsel, rest);
  const std::uint64_t n = check_int_bytes(nbytes, flags, rest);
  check_error_hierarchy();
  check_bytes_repr(rest);
  check_datetime(make_datetime(n, us, off, flags));
  check_untaggable(flags, rest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kCap) return 0;
  fuzz::input in(data, size);
  std::uint8_t mode;
  if (!in.u8(mode)) return -1;
  mode %= 6;
  if (mode <= 2) {
    std::uint8_t opt, sep;
    if (!in.u8(opt) || !in.u8(sep)) return -1;
    S::options o = make_options(opt, sep);
    auto s = S::serializer::make(o);
    if (sep % 6 >= 4) {
      CHECK(!s && kind_of(s.err()) == "ValueError" && s.err().message.find("separator") != std::string::npos,
            "a separator in the signature alphabet was accepted");
      return 0;
    }
    CHECK(s.ok(), "valid options refused: %s", s ? "" : s.err().message.c_str());
    const std::string_view rest = in.rest();
    if (mode == 0) round_trip(*s, rest);
    else if (mode == 1) untrusted(*s, rest);
    else key_holder(*s, rest);
  } else if (mode == 3) {
    tagged(in.rest());
  } else if (mode == 4) {
    cookies(in.rest());
  } else {
    values(in);
  }
  return 0;
}
