// csrf_mutator — structure-aware mutations for csrf_fuzzer (csrf_fuzzer_sa; libcsrf_fuzzer_mutator.so for
// AFL++). Signed values: the token's payload is mutated, then signed again with the input's own secret key.
//
// csrf_fuzzer's layout: four bytes (flags, time limit, clock, byte mutation), then eight NUL-separated fields
// (secret key, submitted token, session token, Referer, Host, form, headers, double-submit cookie). Mutations:
//   * the submitted token made by the library (websec::csrf::sign_token) for the session token — or another one —
//     with the input's secret at an age of 0, the time limit, one past it, or in the future: the accepted and the
//     expired paths;
//   * the token's payload changed (bytes, or JSON text of another encoding) and signed again with the secret and
//     Flask-WTF's salt, so that the decoding behind the signature runs;
//   * a flag, the time limit, the clock; a Referer of the same or another origin as the Host; the token moved
//     between the form and a header.
// The layout is kept. Crossover takes the second input's secret and session token and signs for them.
#include "fuzz_input.hpp"
#include "fuzz_keys.hpp"
#include "mutators/mutator.hpp"

#include "websec/csrf.hpp"
#include "websec/signing.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

using websec::fuzz::mutate::rng;
namespace csrf = websec::csrf;
namespace signing = websec::signing;

struct model {
  std::uint8_t flags = 0x08, minutes = 60, clock = 0, mutation = 0;
  std::vector<std::string> f = std::vector<std::string>(8);
};

bool read(std::string_view data, model& m) {
  websec::fuzz::input in(data);
  if (!in.u8(m.flags) || !in.u8(m.minutes) || !in.u8(m.clock) || !in.u8(m.mutation)) return false;
  auto fields = in.split('\0', 8);
  for (std::size_t i = 0; i < fields.size(); ++i) m.f[i] = std::string(fields[i]);
  return true;
}

std::string write(const model& m) {
  return websec::fuzz::writer().u8(m.flags).u8(m.minutes).u8(m.clock).u8(m.mutation).join(m.f, '\0').take();
}

std::int64_t now_of(const model& m) {
  return websec::fuzz::keys::csrf_base_time + static_cast<std::int64_t>(static_cast<std::int8_t>(m.clock)) * 60;
}

csrf::config config_of(const model& m) {
  csrf::config c;
  c.secret_key = m.f[0];
  if (m.flags & 4) c.time_limit = std::nullopt;
  else c.time_limit = static_cast<std::int64_t>(m.minutes) * 60;
  return c;
}

// A signing time at the edges of the time limit.
std::uint64_t token_time(const model& m, rng& r) {
  const std::int64_t now = now_of(m), limit = (m.flags & 4) ? 3600 : m.minutes * 60;
  switch (r.below(5)) {
    case 0: return static_cast<std::uint64_t>(now - limit);
    case 1: return static_cast<std::uint64_t>(now - limit - 1);
    case 2: return static_cast<std::uint64_t>(now + 1);
    case 3: return r.chance(1, 2) ? 253402300800ull : r.next();
    default: return static_cast<std::uint64_t>(now - static_cast<std::int64_t>(r.below(static_cast<std::size_t>(limit) + 1)));
  }
}

std::string raw_token(const model& m, rng& r) {
  if ((m.flags & 8) && !m.f[2].empty() && r.chance(3, 4)) return m.f[2];
  return std::string(r.pick({"0123456789abcdef0123456789abcdef01234567", "5b0e2bb1d4c63b9a6b4e5c2c2f4a7a0e9b1d3c5f", "x",
                             "caf\xc3\xa9", "\xe2\x82\xac", "a\"b\\c", ""}));
}

// A token whose payload is not what sign_token writes (another JSON encoding, broken bytes), correctly signed.
std::string resigned_payload(const model& m, rng& r) {
  signing::signer_options so;
  so.secret_keys = {m.f[0]};
  so.salt = std::string(csrf::salt);
  auto s = signing::signer::make(so);
  if (!s.ok()) return m.f[1];
  std::string payload;
  const std::string raw = raw_token(m, r);
  switch (r.below(4)) {
    case 0: payload = signing::base64_encode("\"" + raw + "\""); break;  // JSON, never compressed
    case 1: payload = signing::base64_encode(std::string(r.pick({"\"\\u0030\"", "1", "null", "[\"a\"]", "{}", "\"\\ud800\"", "\"a"}))); break;
    case 2: {  // the payload of a real token, changed byte-wise
      std::string t = csrf::sign_token(config_of(m), raw, token_time(m, r));
      payload = t.substr(0, t.find('.', 1));
      websec::fuzz::mutate::byte_havoc(payload, payload.size() + 8, r);
      break;
    }
    default: payload = "." + signing::base64_encode(std::string(r.pick({"x\x9c", "\x78\x9c\x03\x00", "zlib?"})));
  }
  return s->sign(payload + "." + signing::base64_encode(signing::int_to_bytes(token_time(m, r))));
}

void mutate_context(model& m, rng& r) {
  switch (r.below(6)) {
    case 0: m.flags ^= static_cast<std::uint8_t>(1u << r.below(8)); break;
    case 1: {
      static constexpr std::uint8_t minutes[] = {0, 1, 60, 255};
      m.minutes = minutes[r.below(4)];
      break;
    }
    case 2: m.clock = static_cast<std::uint8_t>(r.next()); break;
    case 3: {  // a Referer of the Host's origin, or of another
      m.flags |= 16;
      m.f[4] = std::string(r.pick({"example.com", "example.com:443", "example.com:8443", "EXAMPLE.com", "[::1]:443", "a:b"}));
      m.f[3] = std::string(r.pick({"https://", "http://", "HTTPS://", "//", ""})) +
               (r.chance(3, 4) ? m.f[4] : std::string(r.pick({"evil.example", "example.com.evil", "user@example.com"}))) +
               std::string(r.pick({"/", "/path?x", ":443/", ":99999/", ""}));
      break;
    }
    case 4:  // the token in the form or in a header (the target adds it to one of them per flag bit 5)
      m.flags ^= 32;
      m.f[5] = std::string(r.pick({"", "csrf_token=", "a=1&csrf_token=x", "xcsrf_token=y", "csrf_token"}));
      m.f[6] = std::string(r.pick({"", "X-CSRFToken: x", "x-csrf-token: ", "X-CSRF-Token:y\nX-CSRFToken: z"}));
      break;
    default: m.mutation = static_cast<std::uint8_t>(r.next());
  }
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  model m;
  if (!read(data, m)) m = model{};
  const std::size_t rounds = 1 + r.small(3);
  for (std::size_t i = 0; i < rounds; ++i) {
    switch (r.below(6)) {
      case 0:
      case 1:
        m.flags |= 8;  // a session token: validation gets past "session missing"
        if (m.f[2].empty()) m.f[2] = raw_token(m, r);
        m.f[1] = csrf::sign_token(config_of(m), raw_token(m, r), token_time(m, r));
        break;
      case 2: m.f[1] = resigned_payload(m, r); break;
      case 3:
        if (r.chance(1, 2)) m.f[0] = std::string(r.pick({"", "secret", "fuzz-secret", "\xc3\xa9", "k"}));
        else websec::fuzz::mutate::byte_havoc(m.f[2], m.f[2].size() + 8, r);
        break;
      default: mutate_context(m, r);
    }
  }
  data = write(m);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  model ma, mb;
  if (!read(a, ma) || !read(b, mb)) return false;
  ma.f[0] = mb.f[0];
  ma.f[2] = mb.f[2];
  ma.flags |= mb.flags & 8;
  ma.f[1] = csrf::sign_token(config_of(ma), raw_token(ma, r), token_time(ma, r));
  out = write(ma);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
