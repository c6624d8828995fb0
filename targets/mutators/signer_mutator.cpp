// signer_mutator — structure-aware mutations for signer_fuzzer (signer_fuzzer_sa; libsigner_fuzzer_mutator.so for
// AFL++). Signed values: the payload is mutated, then signed again with the target's key.
//
// signer_fuzzer's layout: byte 0 selects derivation, digest and separator; then "value NUL untrusted". The
// untrusted text's signature is cut off, its value mutated — often into TimestampSigner's "value<sep>timestamp"
// shape with a timestamp at the edge of the target's max_age, in the future, or beyond datetime — and it is signed
// again with the target's newest or oldest key (websec::fuzz::keys::signer_options_for, the target's own set-up),
// so unsign succeeds and the timestamp checks behind it run. Other mutations change the selector byte (the text is
// signed again under the new options), the value, or corrupt one character of a valid signature (base64's
// leniency). Crossover signs the value of one input with the other's selector.
#include "fuzz_input.hpp"
#include "fuzz_keys.hpp"
#include "mutators/mutator.hpp"

#include "websec/signing.hpp"

#include <string>
#include <string_view>

namespace {

using websec::fuzz::mutate::rng;
namespace K = websec::fuzz::keys;
namespace signing = websec::signing;

struct model {
  std::uint8_t sel = 0;
  std::string value, untrusted;
};

model read(std::string_view data) {
  model m;
  websec::fuzz::input in(data);
  in.u8(m.sel);
  auto f = in.split('\0', 2);
  m.value = std::string(f.front());
  m.untrusted = std::string(f.back());
  return m;
}

std::string write(const model& m) {
  return websec::fuzz::writer().u8(m.sel).bytes(m.value).bytes(std::string_view("\0", 1)).bytes(m.untrusted).take();
}

// The untrusted text without its signature (what was signed), or all of it.
std::string unsigned_part(const model& m) {
  const std::string sep = K::signer_options_for(m.sel).sep;
  std::size_t cut = m.untrusted.rfind(sep);
  return cut == std::string::npos ? m.untrusted : m.untrusted.substr(0, cut);
}

// A timestamp around the target's checks: TimestampSigner.unsign(text, max_age=sel, now=1700000000).
std::uint64_t timestamp(const model& m, rng& r) {
  const std::uint64_t now = 1700000000;
  switch (r.below(7)) {
    case 0: return now - m.sel;
    case 1: return now - m.sel - 1;
    case 2: return now + 1 + r.below(100);
    case 3: return 0;
    case 4: return signing::max_datetime_timestamp + r.below(2);
    case 5: return r.next();
    default: return now - r.below(m.sel + 1u);
  }
}

std::string with_timestamp(std::string base, const model& m, rng& r) {
  const std::string sep = K::signer_options_for(m.sel).sep;
  std::string stamp = signing::base64_encode(signing::int_to_bytes(timestamp(m, r)));
  if (r.chance(1, 8)) stamp += r.pick({"=", "==", "!", ".", "A"});  // base64 leniency, or not base64
  return base + sep + stamp;
}

// Signs `text` under the selector's options with the newest key, or now and then the oldest.
std::string sign(std::string_view text, std::uint8_t sel, rng& r) {
  signing::signer_options o = K::signer_options_for(sel);
  if (r.chance(1, 4)) o.secret_keys = {o.secret_keys.front()};
  auto s = signing::signer::make(o);
  return s.ok() ? s->sign(text) : std::string(text);
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  model m = read(data);
  switch (r.below(8)) {
    case 0:  // another selector; the text is signed again under it
      m.sel ^= static_cast<std::uint8_t>(1u << r.below(8));
      m.untrusted = sign(unsigned_part(m), m.sel, r);
      break;
    case 1: {  // one character of a valid signature changed
      m.untrusted = sign(unsigned_part(m), m.sel, r);
      if (!m.untrusted.empty()) {
        std::size_t at = m.untrusted.size() - 1 - r.small(m.untrusted.size());
        m.untrusted[at] = r.pick({"A", "-", "_", "=", "+", "/", "."})[0];
      }
      break;
    }
    case 2:
      if (r.chance(1, 2)) m.value = std::string(r.pick({"sha1", "md5", "sha512", "hmac", "django-concat", "concat", "none", "SHA1"}));
      else websec::fuzz::mutate::byte_havoc(m.value, m.value.size() + 16, r);
      break;
    default: {  // the payload, mutated, then signed with the key
      std::string base = unsigned_part(m);
      const std::string sep = K::signer_options_for(m.sel).sep;
      if (std::size_t cut = base.rfind(sep); cut != std::string::npos && r.chance(1, 2)) base.resize(cut);  // old stamp off
      if (r.chance(1, 3)) websec::fuzz::mutate::byte_havoc(base, base.size() + 16, r);
      m.untrusted = sign(r.chance(3, 4) ? with_timestamp(base, m, r) : base, m.sel, r);
    }
  }
  data = write(m);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  model ma = read(a), mb = read(b);
  if (a.empty() || b.empty()) return false;
  ma.sel = mb.sel;
  ma.untrusted = sign(with_timestamp(unsigned_part(mb), ma, r), ma.sel, r);
  out = write(ma);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
