// targets/mutators/mutator.hpp — what the structure-aware mutators share: a seeded generator, a byte-level
// fallback, and the engine entry points (libFuzzer's LLVMFuzzerCustomMutator / LLVMFuzzerCustomCrossOver, or
// AFL++'s afl_custom_init / afl_custom_fuzz / afl_custom_deinit when built as a custom mutator library).
//
// A mutator file (targets/mutators/<name>_mutator.cpp) defines two functions and ends with WEBSEC_MUTATOR:
//
//   // Mutates `data` in place, keeping the target's input layout; false when it could do nothing useful.
//   bool mutate(std::string& data, std::size_t max_size, websec::fuzz::mutate::rng& r);
//   // Writes into `out` an input that mixes the structures of `a` and `b`; false when it could not.
//   bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r);
//   WEBSEC_MUTATOR(mutate, cross)
//
// The byte mutator stays reachable: one call in kByteShare goes to the engine's own byte mutator (libFuzzer's
// LLVMFuzzerMutate, with the dictionary; in the AFL++ library a small havoc here, and afl-fuzz runs its own
// stages besides), and so does every call whose structured result would not fit in max_size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace websec::fuzz::mutate {

/// SplitMix64, seeded by the engine: the same seed gives the same mutation.
class rng {
 public:
  explicit rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// A number in [0, n); 0 when n is 0.
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
  /// True with probability num/den.
  bool chance(unsigned num, unsigned den) { return below(den) < num; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
  std::string_view pick(std::initializer_list<std::string_view> v) { return v.begin()[below(v.size())]; }
  /// True more often the larger the input: about 1 in 6 at 100 bytes, 1 in 2 at 500, 9 in 10 at 4 KiB. Mutators
  /// then remove a piece instead of adding one, so that inputs do not grow round after round.
  bool prefer_removal(std::size_t size) {
    const unsigned s = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 20));
    return chance(s, s + 512);
  }
  /// A size below `limit`, log-uniform: as likely in [1, 2) as in [1024, 2048). Large inputs cost every later
  /// execution their size, so they should be the exception.
  std::size_t small(std::size_t limit) {
    if (limit <= 1) return 0;
    unsigned bits = 0;
    while ((std::size_t{1} << bits) < limit) ++bits;
    return below(std::min(std::size_t{1} << below(bits + 1), limit));
  }
  /// The length of a filler run (a long value, a long header): under 64 seven times in eight, and otherwise
  /// small(limit), so that the limits are still reached. Every later execution of an input pays for its size.
  std::size_t run_length(std::size_t limit) { return chance(1, 8) ? small(limit) : small(std::min<std::size_t>(limit, 64)); }

 private:
  std::uint64_t s_;
};

/// A small havoc: flips, sets, inserts, erases and duplicates bytes (the fallback where no engine mutator exists).
inline void byte_havoc(std::string& s, std::size_t max_size, rng& r) {
  static constexpr std::string_view interesting = "\0\r\n\t \"';,=:/<>&%\\\x7f\x80\xff";
  const std::size_t rounds = 1 + r.below(4);
  for (std::size_t i = 0; i < rounds; ++i) {
    switch (r.below(6)) {
      case 0:
        if (!s.empty()) s[r.below(s.size())] ^= static_cast<char>(1u << r.below(8));
        break;
      case 1:
        if (!s.empty()) s[r.below(s.size())] = interesting[r.below(interesting.size())];
        break;
      case 2:
        if (s.size() < max_size) s.insert(s.begin() + static_cast<std::ptrdiff_t>(r.below(s.size() + 1)),
                                          interesting[r.below(interesting.size())]);
        break;
      case 3:
        if (!s.empty()) {
          std::size_t at = r.below(s.size());
          s.erase(at, 1 + r.small(s.size() - at));
        }
        break;
      case 4:
        if (!s.empty()) {
          std::size_t at = r.below(s.size()), n = 1 + r.small(s.size() - at);
          if (s.size() + n <= max_size) s.insert(r.below(s.size() + 1), s.substr(at, n));
        }
        break;
      default:
        if (!s.empty()) s[r.below(s.size())] = static_cast<char>(r.next());
    }
  }
  if (s.size() > max_size) s.resize(max_size);
}

/// Replaces [at, at + n) of `s` by `with`.
inline void splice(std::string& s, std::size_t at, std::size_t n, std::string_view with) {
  at = std::min(at, s.size());
  s.replace(at, std::min(n, s.size() - at), with);
}

/// A decimal number of an interesting size: 0, 1, small, boundaries of 8/16/32/64 bits, negative, huge.
inline std::string interesting_number(rng& r) {
  switch (r.below(8)) {
    case 0: return "0";
    case 1: return "-1";
    case 2: return std::to_string(r.below(100));
    case 3: return std::to_string(r.below(100000));
    case 4: return r.pick({"255", "256", "65535", "65536", "2147483647", "2147483648", "4294967296"}).data();
    case 5: return r.pick({"9223372036854775807", "9223372036854775808", "18446744073709551616",
                           "99999999999999999999999"}).data();
    case 6: return r.pick({"+1", "00", "1e3", "1.5", " 1", "0x10", "-0"}).data();
    default: return std::to_string(r.next() % 10000000000ull);
  }
}

}  // namespace websec::fuzz::mutate

// ---- the engine entry points ------------------------------------------------------------------------------
namespace websec::fuzz::mutate::detail {
inline constexpr unsigned kByteShare = 5;  ///< one call in 5 goes to the byte mutator
}

#ifdef WEBSEC_AFL_CUSTOM_MUTATOR
// AFL++ custom mutator library (AFL_CUSTOM_MUTATOR_LIBRARY=lib<name>_mutator.so): afl-fuzz calls afl_custom_fuzz
// with the queue entry and, for splicing, another entry (add_buf).
#define WEBSEC_MUTATOR(MUTATE, CROSS)                                                                            \
  namespace {                                                                                                    \
  struct afl_state {                                                                                             \
    websec::fuzz::mutate::rng r;                                                                                 \
    std::string out;                                                                                             \
  };                                                                                                             \
  }                                                                                                              \
  extern "C" void* afl_custom_init(void*, unsigned int seed) { return new afl_state{websec::fuzz::mutate::rng(seed), {}}; } \
  extern "C" std::size_t afl_custom_fuzz(void* st, std::uint8_t* buf, std::size_t buf_size, std::uint8_t** out_buf, \
                                         std::uint8_t* add_buf, std::size_t add_buf_size, std::size_t max_size) {  \
    auto* s = static_cast<afl_state*>(st);                                                                       \
    std::string_view in(reinterpret_cast<const char*>(buf), buf_size);                                          \
    bool ok = false;                                                                                             \
    if (!s->r.chance(1, websec::fuzz::mutate::detail::kByteShare)) {                                             \
      if (add_buf && add_buf_size && s->r.chance(1, 4)) {                                                        \
        s->out.clear();                                                                                          \
        ok = CROSS(s->out, in, std::string_view(reinterpret_cast<const char*>(add_buf), add_buf_size), max_size, s->r); \
      } else {                                                                                                   \
        s->out.assign(in);                                                                                       \
        ok = MUTATE(s->out, max_size, s->r);                                                                     \
      }                                                                                                          \
      ok = ok && s->out.size() <= max_size;                                                                      \
    }                                                                                                            \
    if (!ok) {                                                                                                   \
      s->out.assign(in);                                                                                         \
      websec::fuzz::mutate::byte_havoc(s->out, max_size, s->r);                                                  \
    }                                                                                                            \
    *out_buf = reinterpret_cast<std::uint8_t*>(s->out.data());                                                   \
    return s->out.size();                                                                                        \
  }                                                                                                              \
  extern "C" void afl_custom_deinit(void* st) { delete static_cast<afl_state*>(st); }
#else
// libFuzzer (and every engine that calls LLVMFuzzerCustomMutator). LLVMFuzzerMutate is weak: the replay driver and
// engines without it fall back to byte_havoc.
extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size) __attribute__((weak));
#define WEBSEC_MUTATOR(MUTATE, CROSS)                                                                            \
  extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,     \
                                                 unsigned int seed) {                                            \
    websec::fuzz::mutate::rng r(seed);                                                                           \
    if (!r.chance(1, websec::fuzz::mutate::detail::kByteShare)) {                                                \
      std::string s(reinterpret_cast<const char*>(data), size);                                                 \
      if (MUTATE(s, max_size, r) && s.size() <= max_size) {                                                      \
        std::memcpy(data, s.data(), s.size());                                                                   \
        return s.size();                                                                                         \
      }                                                                                                          \
    }                                                                                                            \
    if (LLVMFuzzerMutate) return LLVMFuzzerMutate(data, size, max_size);                                        \
    std::string s(reinterpret_cast<const char*>(data), size);                                                   \
    websec::fuzz::mutate::byte_havoc(s, max_size, r);                                                            \
    std::memcpy(data, s.data(), s.size());                                                                       \
    return s.size();                                                                                             \
  }                                                                                                              \
  extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* d1, std::size_t s1, const std::uint8_t* d2, \
                                                   std::size_t s2, std::uint8_t* out, std::size_t max_out,       \
                                                   unsigned int seed) {                                          \
    websec::fuzz::mutate::rng r(seed);                                                                           \
    std::string o;                                                                                               \
    if (!CROSS(o, std::string_view(reinterpret_cast<const char*>(d1), s1),                                       \
               std::string_view(reinterpret_cast<const char*>(d2), s2), max_out, r) ||                           \
        o.size() > max_out) {                                                                                    \
      /* libFuzzer's own crossover: a prefix of one, a suffix of the other */                                    \
      o.assign(reinterpret_cast<const char*>(d1), std::min({s1, r.below(s1 + 1), max_out}));                    \
      std::size_t from = r.below(s2 + 1);                                                                        \
      o.append(reinterpret_cast<const char*>(d2) + from, std::min(s2 - from, max_out - o.size()));               \
    }                                                                                                            \
    std::memcpy(out, o.data(), o.size());                                                                        \
    return o.size();                                                                                             \
  }
#endif
