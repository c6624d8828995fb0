// session_fuzzer — untrusted Flask session cookies through websec::session (verify, decode, re-encode).
//
// The first input byte picks a mode; the rest is the data:
//   0  the data is a cookie value (or a Cookie header when it contains "session="): open_request/open
//   1  the data is a payload (base64 or "."-zlib): it is signed with the fuzzer's known key first, so the
//      fuzzer reaches the payload decoder behind the MAC (a key holder's view: what Flask's 500 path sees)
//   2  the data is tagged JSON text: signed as Flask would (compression included), then opened
// Invariants (abort on violation):
//   * open never crashes; a decoded session re-encodes to a cookie that opens to the same tagged JSON
//   * mode 2: the cookie opens iff tagged_loads accepts the text (and then to the same value)
//   * a compressed payload never inflates beyond the configured cap (BadPayload instead)
//   * decode_unverified and crack_target never crash; crack_target never matches a wrong key
#include "websec/session.hpp"
#include "websec/signing.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
#define CHECK(cond, what)                                                           \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "session_fuzzer: invariant failed: %s (%s)\n", what, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

constexpr std::int64_t kTs = 1700000000;
constexpr std::size_t kCap = 64 * 1024;

const websec::session::codec& codec() {
  static const websec::session::codec c = [] {
    websec::session::config cfg;
    cfg.secret_key = "fuzz-known-key";
    cfg.fallbacks = {"old-fuzz-key"};
    cfg.max_decompressed = kCap;
    cfg.json_limits.max_depth = 200;
    return std::move(websec::session::codec::make(cfg).value());
  }();
  return c;
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
  CHECK(t2.ok() && *t2 == *tagged, "re-encoded session decodes differently");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace websec;
  if (size < 1 || size > 1 << 16) return 0;
  const int mode = data[0] % 3;
  const std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto& c = codec();
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
