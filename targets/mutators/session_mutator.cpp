// session_mutator — structure-aware mutations for session_fuzzer (session_fuzzer_sa; libsession_fuzzer_mutator.so
// for AFL++). Signed values: the payload is mutated, then signed again with the target's key.
//
// session_fuzzer's layout: byte 0 picks the mode (see targets/session_fuzzer.cpp). For a cookie (mode 0) the
// payload is decoded without verification (websec::session::decode_unverified), its session — a tree of Flask's
// tagged JSON — is mutated, and the cookie is written again with websec::session::codec, signed with the target's
// key (or its fallback key) at a time that is current, at the lifetime's edge, expired or in the future; now and
// then the JSON text itself is changed byte-wise before it is signed, or the cookie is put into a Cookie header. A
// payload (mode 1) is rewritten from a mutated session, compressed or not. Tagged JSON (modes 2 and 4) is mutated
// as a tree; mode 4's two config bytes and mode 3's date are mutated too. Now and then an input moves to another
// mode (a session as tagged JSON becomes a signed cookie). The layout is kept. Crossover grafts a member of one
// session into the other.
#include "fuzz_keys.hpp"
#include "mutators/json_value_mutator.hpp"
#include "mutators/mutator.hpp"

#include "websec/session.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace {

using websec::fuzz::mutate::rng;
namespace K = websec::fuzz::keys;
namespace session = websec::session;
namespace json = websec::json;

const session::codec& codec(bool fallback) {
  static const session::codec main_key = std::move(session::codec::make(K::session_config()).value());
  static const session::codec old_key = [] {
    session::config cfg = K::session_config();
    cfg.secret_key = K::session_fallback;
    cfg.fallbacks.clear();
    return std::move(session::codec::make(cfg).value());
  }();
  return fallback ? old_key : main_key;
}

int mode_of(std::uint8_t b) { return b >= 0xF8 ? 3 + (b & 1) : b % 3; }
std::uint8_t byte_for(int mode, rng& r) {
  if (mode >= 3) return static_cast<std::uint8_t>(0xF8 + 2 * r.below(4) + (mode - 3));
  return static_cast<std::uint8_t>(mode + 3 * r.below(82));  // < 0xF6
}

// The session an input carries (a dict), when it carries one.
std::optional<json::value> session_of(int mode, std::string_view data) {
  if (mode == 0) {
    auto v = session::extract_cookie_value(data);
    auto u = session::decode_unverified(v.ok() ? std::string_view(*v) : data, codec(false).conf().json_limits, K::session_cap);
    if (u.ok() && u->value.kind() == json::kind::dict) return u->value;
  } else if (mode == 2 || mode == 4) {
    auto t = session::tagged_loads(mode == 4 && data.size() >= 2 ? data.substr(2) : data, codec(false).conf().json_limits);
    if (t.ok() && t->kind() == json::kind::dict) return *t;
  }
  return std::nullopt;
}

// A signing time: current (the target opens at session_ts + 5), at the 31-day lifetime's edge, past it, future.
std::uint64_t signing_time(rng& r) {
  const std::int64_t now = K::session_ts + 5;
  const std::int64_t life = 31 * 86400;
  static constexpr std::int64_t offsets[] = {0, 5, 6, 100};
  switch (r.below(5)) {
    case 0: return static_cast<std::uint64_t>(now - life);
    case 1: return static_cast<std::uint64_t>(now - life - 1);
    case 2: return static_cast<std::uint64_t>(now + 1 + static_cast<std::int64_t>(r.below(1000)));
    default: return static_cast<std::uint64_t>(K::session_ts - offsets[r.below(4)] + 5);
  }
}

// A cookie for the session, signed with the target's key (or the fallback); sometimes from JSON text changed
// byte-wise, so that the JSON parser behind the MAC sees broken text too.
std::string signed_cookie(const json::value& s, rng& r) {
  const session::codec& c = codec(r.chance(1, 6));
  const std::uint64_t ts = signing_time(r);
  auto text = session::tagged_dumps(s);
  if (text.ok() && r.chance(1, 4)) {
    std::string t = *text;
    websec::fuzz::mutate::byte_havoc(t, t.size() + 16, r);
    return c.signing_serializer().dumps_text(t, ts);
  }
  auto cookie = c.encode(s, ts);
  return cookie.ok() ? *cookie : c.signing_serializer().dumps_text(text.ok() ? *text : "{}", ts);
}

// The payload of a cookie (what mode 1 signs itself): everything before ".timestamp.signature".
std::string payload_of(const std::string& cookie) {
  std::size_t sig = cookie.rfind('.');
  std::size_t ts = sig == std::string::npos || sig == 0 ? std::string::npos : cookie.rfind('.', sig - 1);
  return ts == std::string::npos ? cookie : cookie.substr(0, ts);
}

std::string write(int mode, const json::value& s, const std::string& extra, rng& r) {
  std::string out(1, static_cast<char>(byte_for(mode, r)));
  if (mode == 0) {
    std::string cookie = signed_cookie(s, r);
    if (r.chance(1, 6)) cookie = std::string(r.pick({"session=", "a=b; session=", "session=\"", "other=1; session="})) + cookie;
    return out + cookie;
  }
  if (mode == 1) return out + payload_of(signed_cookie(s, r));
  auto text = session::tagged_dumps(s);
  return out + extra + (text.ok() ? *text : "{}");
}

const char* http_date_text(rng& r) {
  return r.pick({"Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                 "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "Thu, 01 Jan 70 00:00:00 +0100",
                 "Thu, 01 Jan 1970 00:00:00 -2359", "21 Oct 2015 07:28", "Wed, 21 Oct 2015 07:28:00 XYZ", ""}).data();
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  const int mode = data.empty() ? 0 : mode_of(static_cast<std::uint8_t>(data[0]));
  const std::string_view body = data.empty() ? std::string_view() : std::string_view(data).substr(1);
  if (mode == 3) {  // an HTTP date
    data = std::string(1, static_cast<char>(byte_for(3, r))) + http_date_text(r);
    return data.size() <= max_size;
  }
  std::optional<json::value> s = session_of(mode, body);
  if (!s) s = json::value::dict({{"_permanent", json::value::boolean(true)}});
  if (r.prefer_removal(data.size())) {
    websec::fuzz::mutate::remove_value(*s, r);
  } else {
    const std::size_t rounds = 1 + r.small(3);
    for (std::size_t i = 0; i < rounds; ++i) websec::fuzz::mutate::mutate_value(*s, r);
  }
  std::string extra;  // mode 4: the two config bytes
  if (mode == 4) {
    extra = body.size() >= 2 ? std::string(body.substr(0, 2)) : std::string(2, '\0');
    if (r.chance(1, 3)) extra[r.below(2)] ^= static_cast<char>(1u << r.below(8));
  }
  int to = mode;
  if (r.chance(1, 8)) to = static_cast<int>(r.pick({"0", "1", "2", "4"})[0] - '0');  // another mode
  if (to == 4 && mode != 4) extra = std::string(2, static_cast<char>(r.next()));
  data = write(to, *s, extra, r);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  if (a.empty() || b.empty()) return false;
  const int ma = mode_of(static_cast<std::uint8_t>(a[0])), mb = mode_of(static_cast<std::uint8_t>(b[0]));
  auto sa = session_of(ma, a.substr(1)), sb = session_of(mb, b.substr(1));
  if (!sa || !sb || sb->members().empty()) return false;
  sa->members().push_back(sb->members()[r.below(sb->members().size())]);
  std::string extra = ma == 4 && a.size() >= 3 ? std::string(a.substr(1, 2)) : std::string(2, '\0');
  out = write(ma, *sa, extra, r);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
