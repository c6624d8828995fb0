// session_fuzzer — untrusted Flask session cookies through websec::session (verify, decode, re-encode).
//
// The first input byte picks a mode; the rest is the data:
//   0  the data is a cookie value (or a Cookie header when it contains "session="): open_request/open
//   1  the data is a payload (base64 or "."-zlib): it is signed with the fuzzer's known key first, so the
//      fuzzer reaches the payload decoder behind the MAC (a key holder's view: what Flask's 500 path sees)
//   2  the data is tagged JSON text: signed as Flask would (compression included), then opened
//   3  (first byte 0xF8, 0xFA, 0xFC, 0xFE) the data is an HTTP date: werkzeug parse_date, and http_date round trips
//   4  (first byte 0xF9, 0xFB, 0xFD, 0xFF) two config bytes, then a session as tagged JSON: save_session's headers
// Invariants (abort on violation):
//   * open never crashes; a decoded session re-encodes to a cookie that opens to what Flask's loads(dumps(session))
//     gives: the same tagged JSON, except that a datetime in years 1-99 comes back in 1969-2068 (werkzeug's
//     parse_date reads two-digit years), after which a second round trip changes nothing
//   * mode 2: the cookie opens iff tagged_loads accepts the text (and then to the same value)
//   * a compressed payload never inflates beyond the configured cap (BadPayload instead)
//   * decode_unverified and crack_target never crash; crack_target never matches a wrong key
//   * mode 3: a parsed date has sane fields; http_date(t) parses back to t for every t in years 1..9999
//   * mode 4: save() adds Vary: Cookie exactly when the session was accessed or a cookie is set; a Set-Cookie
//     line is a valid cookie named SESSION_COOKIE_NAME carrying the configured flags, whose value opens to
//     the same session (or, for an emptied session, a deletion: empty value, Max-Age=0, expired)
#include "fuzz_check.hpp"
#include "fuzz_keys.hpp"
#include "websec/session.hpp"
#include "websec/signing.hpp"
#include "websec/cookie.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr std::int64_t kTs = websec::fuzz::keys::session_ts;
constexpr std::size_t kCap = websec::fuzz::keys::session_cap;

const websec::session::codec& codec() {
  static const websec::session::codec c =
      std::move(websec::session::codec::make(websec::fuzz::keys::session_config()).value());
  return c;
}

/// True when `tagged` holds a datetime (" d") whose year http_date writes as 0001-0099: werkzeug's parse_date
/// (email.utils) reads a year below 100 as 1969-2068, so Flask itself does not round-trip it.
bool has_two_digit_era_year(std::string_view tagged) {
  // http_date: "Www, DD Mon YYYY HH:MM:SS GMT"; the year sits 12 characters into the string.
  for (std::size_t at = tagged.find("{\" d\":\""); at != std::string_view::npos;
       at = tagged.find("{\" d\":\"", at + 1)) {
    if (at + 7 + 12 + 4 > tagged.size()) break;
    if (tagged[at + 7 + 12] == '0' && tagged[at + 7 + 13] == '0') return true;
  }
  return false;
}

void check_reencode(const websec::session::opened& o) {
  using namespace websec;
  if (o.result != session::opened::outcome::session) return;
  auto tagged = session::tagged_dumps(o.data);
  if (!tagged) return;  // e.g. a datetime Python could not format either
  auto again = codec().encode(o.data, kTs);
  CHECK(again.ok(), "a decoded session does not re-encode");
  auto o2 = codec().open(*again, kTs);
  CHECK(o2.result == session::opened::outcome::session, "re-encoded session does not verify");
  auto t2 = session::tagged_dumps(o2.data);
  CHECK(t2.ok(), "re-encoded session does not dump");
  // Flask's model: the re-encoded cookie opens to TaggedJSONSerializer.loads of what dumps wrote, which equals the
  // session except for datetimes in years 1-99 (read back as 1969-2068); from then on the value is stable.
  auto model = session::tagged_loads(*tagged, codec().conf().json_limits);
  CHECK(model.ok(), "tagged_dumps wrote text tagged_loads rejects");
  auto model_text = session::tagged_dumps(*model);
  CHECK(model_text.ok() && *t2 == *model_text, "re-encoded session decodes differently from Flask's loads(dumps())");
  CHECK(*t2 == *tagged || has_two_digit_era_year(*tagged), "re-encoded session decodes differently");
  if (*t2 != *tagged) {
    CHECK(!has_two_digit_era_year(*t2), "a year below 100 survived a reload");
    auto o3 = codec().open(*codec().encode(o2.data, kTs), kTs);
    auto t3 = session::tagged_dumps(o3.data);
    CHECK(o3.result == session::opened::outcome::session && t3.ok() && *t3 == *t2, "second round trip differs");
  }
}
void check_date(std::string_view in) {
  using namespace websec;
  if (auto dt = session::parse_http_date(in)) {
    CHECK(dt->microsecond == 0, "parse_date produced microseconds");
    CHECK(dt->offset_seconds > -86400 && dt->offset_seconds < 86400, "parse_date offset out of range");
    CHECK(dt->local_seconds >= -62135596800 && dt->local_seconds <= 253402300799, "parse_date year out of range");
  }
  // http_date of a time taken from the input reads back as the same instant in UTC
  std::uint64_t raw = 0;
  for (std::size_t i = 0; i < in.size() && i < 8; ++i) raw = raw << 8 | static_cast<unsigned char>(in[i]);
  const std::int64_t t = static_cast<std::int64_t>(raw % 253402300800ull);
  std::string text = *cookie::http_date(t);  // t is in years 1..9999
  auto back = session::parse_http_date(text);
  CHECK(back && back->utc_seconds() == t, "http_date does not parse back");
}

void check_save(const std::uint8_t* cfg_bytes, std::string_view text) {
  using namespace websec;
  const std::uint8_t a = cfg_bytes[0], b = cfg_bytes[1];
  session::config cfg;
  cfg.secret_key = websec::fuzz::keys::session_secret;
  cfg.max_decompressed = kCap;
  cfg.json_limits.max_depth = 200;
  cfg.prof = (a & 1) ? profile::debian : profile::upstream;
  cfg.secure = a & 2;
  cfg.httponly = a & 4;
  cfg.partitioned = a & 8;
  cfg.refresh_each_request = a & 16;
  static const char* const samesites[] = {nullptr, "Lax", "Strict", "None", "lax", "bogus"};
  if (const char* ss = samesites[(a >> 5) % 6]) cfg.samesite = ss;
  cfg.path = (b & 1) ? "/app" : "/";
  switch ((b >> 1) & 3) {
    case 1: cfg.domain = "example.com"; break;
    case 2: cfg.domain = ""; break;
    default: break;
  }
  static const char* const names[] = {nullptr, "example.com:5000", "127.0.0.1", "localhost", "[::1]:80", ".a.b.c"};
  if (const char* n = names[(b >> 3) % 6]) cfg.server_name = n;
  if (b & 0x80) cfg.cookie_name = "__Host-sid";
  auto made = session::codec::make(cfg);
  CHECK(made.ok(), "codec::make refused a secret key");
  const session::codec& c = *made;

  auto data = session::tagged_loads(text, cfg.json_limits);
  if (!data.ok() || data->kind() != json::kind::dict) return;
  const std::int64_t now = kTs;
  const bool empty = data->members().empty();
  for (int st_bits = 0; st_bits < 4; ++st_bits) {
    session::codec::state st{(st_bits & 1) != 0, (st_bits & 2) != 0};
    auto hs = c.save(*data, st, now);
    if (!hs.ok()) {  // only what dump_cookie refuses (an invalid SameSite) or what cannot be serialised
      CHECK(hs.err().kind != errc::none, "save error without a kind");
      continue;
    }
    bool vary = false, set = false;
    for (const auto& [name, value] : *hs) {
      if (name == "Vary") {
        CHECK(value == "Cookie" && !vary, "Vary header");
        vary = true;
        continue;
      }
      CHECK(name == "Set-Cookie" && !set, "unexpected header from save");
      set = true;
      auto sc = cookie::parse_set_cookie(value);
      CHECK(sc.ok(), "save wrote a Set-Cookie line a browser ignores");
      CHECK(sc->name == cfg.cookie_name, "Set-Cookie name");
      CHECK(sc->httponly == cfg.httponly, "HttpOnly flag");
      CHECK(sc->secure == (cfg.secure || (cfg.partitioned && cfg.prof == profile::upstream)), "Secure flag");
      CHECK(sc->path.value_or("") == cfg.path, "Path");
      if (empty) {
        CHECK(st.modified && sc->value.empty() && sc->max_age == 0 && sc->expires == 0, "deletion cookie");
      } else {
        auto o = c.open(sc->value, now);
        CHECK(o.result == session::opened::outcome::session, "saved cookie does not open");
        auto t1 = session::tagged_dumps(o.data), t2 = session::tagged_dumps(*data);
        CHECK(t1.ok() && t2.ok() && *t1 == *t2, "saved cookie opens to another session");
      }
    }
    CHECK(vary == (st.accessed || set), "Vary: Cookie iff accessed or a cookie was set");
    if (!st.modified && empty) CHECK(!set, "an unmodified empty session set a cookie");
  }
  auto del = c.delete_cookie_line();
  if (del.ok()) {
    auto sc = cookie::parse_set_cookie(*del);
    CHECK(sc.ok() && sc->value.empty() && sc->max_age == 0, "delete_cookie line");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace websec;
  if (size < 1 || size > 1 << 16) return 0;
  const int mode = data[0] >= 0xF8 ? 3 + (data[0] & 1) : data[0] % 3;
  const std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto& c = codec();
  if (mode == 3) {
    check_date(in);
    return 0;
  }
  if (mode == 4) {
    if (in.size() >= 2) check_save(data + 1, std::string_view(in).substr(2));
    return 0;
  }
  if (mode == 0) {
    auto o = in.find("session=") != std::string::npos ? c.open_request(in, kTs + 5) : c.open(in, kTs + 5);
    check_reencode(o);
    (void)session::decode_unverified(in, {}, kCap);
    if (auto t = session::crack_target::make(in)) CHECK(!t->matches("not-the-key"), "crack matched a wrong key");
    (void)session::extract_cookie_value(in);
  } else if (mode == 1) {
    std::string cookie = c.signing_serializer().timed_signer().sign(in, kTs);
    auto o = c.open(cookie, kTs);
    CHECK(o.result != session::opened::outcome::empty_session, "a validly signed cookie was judged unsigned");
    if (o.result == session::opened::outcome::exception_500 && !in.empty() && in[0] == '.') {
      // inflation beyond the cap must fail, never succeed with a huge value
    }
    check_reencode(o);
  } else {
    std::string cookie = c.signing_serializer().dumps_text(in, kTs);
    auto o = c.open(cookie, kTs);
    auto direct = session::tagged_loads(in, c.conf().json_limits);
    const bool want = direct.ok() && direct->kind() == json::kind::dict && json::valid_utf8(in) && in.size() <= kCap;
    if (in.size() <= kCap && json::valid_utf8(in))
      CHECK((o.result == session::opened::outcome::session) == want, "signed tagged JSON opens iff it parses");
    if (o.result == session::opened::outcome::session) {
      CHECK(direct.ok(), "opened a payload tagged_loads rejects");
      auto a = session::tagged_dumps(o.data), b = session::tagged_dumps(*direct);
      CHECK(a.ok() == b.ok() && (!a.ok() || *a == *b), "opened value differs from tagged_loads");
    }
    check_reencode(o);
  }
  return 0;
}
