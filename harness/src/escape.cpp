// escape.cpp — markupsafe / html / Jinja escaping (see websec/escape.hpp).
#include "websec/escape.hpp"

#include "escape_tables.hpp"
#include "text_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#define WEBSEC_ESCAPE_X86 1
#include <immintrin.h>
#endif

namespace websec::escape {

// ============================================================================================ scalar kernel
namespace {

struct replacement {
  char bytes[8];
  std::uint8_t len;
};

constexpr replacement make_rep(const char* s) {
  replacement r{};
  std::uint8_t n = 0;
  while (s[n]) {
    r.bytes[n] = s[n];
    ++n;
  }
  r.len = n;
  return r;
}

struct tables {
  replacement rep[256];
  std::uint8_t extra[256];  // bytes added by escaping this byte (0 for the other 251)
  constexpr tables() : rep(), extra() {
    for (int c = 0; c < 256; ++c) {
      rep[c] = replacement{};
      rep[c].bytes[0] = static_cast<char>(c);
      rep[c].len = 1;
      extra[c] = 0;
    }
    const char* specials = "&<>'\"";
    const char* reps[] = {"&amp;", "&lt;", "&gt;", "&#39;", "&#34;"};
    for (int k = 0; k < 5; ++k) {
      unsigned char c = static_cast<unsigned char>(specials[k]);
      rep[c] = make_rep(reps[k]);
      extra[c] = static_cast<std::uint8_t>(rep[c].len - 1);
    }
  }
};
constexpr tables T;

inline bool special(unsigned char c) { return T.extra[c] != 0; }

std::size_t extra_scalar(const char* s, std::size_t n) {
  std::size_t e = 0;
  for (std::size_t i = 0; i < n; ++i) e += T.extra[static_cast<unsigned char>(s[i])];
  return e;
}

// Exact writer: never writes at or past `oend`; returns nullptr when the output does not fit.
char* escape_scalar_to(const char* s, std::size_t n, char* o, char* oend) {
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i;
    while (j < n && !special(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) {
      if (static_cast<std::size_t>(oend - o) < j - i) return nullptr;
      std::memcpy(o, s + i, j - i);
      o += j - i;
    }
    if (j == n) break;
    const replacement& r = T.rep[static_cast<unsigned char>(s[j])];
    if (static_cast<std::size_t>(oend - o) < r.len) return nullptr;
    std::memcpy(o, r.bytes, r.len);
    o += r.len;
    i = j + 1;
  }
  return o;
}

// ============================================================================================ SIMD kernels
#ifdef WEBSEC_ESCAPE_X86

// '<' 0x3C and '>' 0x3E differ in bit 1; '&' 0x26 and '\'' 0x27 in bit 0; '"' 0x22 alone.
__attribute__((target("sse2"))) inline __m128i special16(__m128i v) {
  __m128i ltgt = _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(2)), _mm_set1_epi8(0x3E));
  __m128i amp = _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(1)), _mm_set1_epi8(0x27));
  __m128i quot = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22));
  return _mm_or_si128(ltgt, _mm_or_si128(amp, quot));
}

__attribute__((target("sse2"))) std::size_t extra_sse2(const char* s, std::size_t n) {
  std::size_t e = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i ltgt = _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(2)), _mm_set1_epi8(0x3E));
    __m128i four = _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(1)), _mm_set1_epi8(0x27)),
                                _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)));
    unsigned m3 = static_cast<unsigned>(_mm_movemask_epi8(ltgt));
    unsigned m4 = static_cast<unsigned>(_mm_movemask_epi8(four));
    if (m3 | m4) e += 3u * static_cast<unsigned>(__builtin_popcount(m3)) + 4u * static_cast<unsigned>(__builtin_popcount(m4));
  }
  return e + extra_scalar(s + i, n - i);
}

// Copies `len` (< 16 + 1) bytes of a segment; may write up to 16 bytes at o (the caller guarantees the room).
__attribute__((target("sse2"))) inline void copy_seg16(char* o, const char* src, std::size_t len, const char* src_end) {
  if (src + 16 <= src_end)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
  else
    std::memcpy(o, src, len);
}

__attribute__((target("sse2"))) char* escape_sse2_to(const char* s, std::size_t n, char* o, char* oend) {
  const char* const send = s + n;
  std::size_t i = 0;
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(special16(v)));
    if (oend - o < 16) break;
    if (bits == 0) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
      i += 16;
      o += 16;
      continue;
    }
    if (oend - o < 16 * 5 + 16) break;  // the overshooting stores below need slack; finish exactly
    std::size_t pos = 0;
    do {
      unsigned t = static_cast<unsigned>(__builtin_ctz(bits));
      copy_seg16(o, s + i + pos, t - pos, send);
      o += t - pos;
      const replacement& r = T.rep[static_cast<unsigned char>(s[i + t])];
      std::memcpy(o, r.bytes, 8);
      o += r.len;
      pos = t + 1;
      bits &= bits - 1;
    } while (bits);
    copy_seg16(o, s + i + pos, 16 - pos, send);
    o += 16 - pos;
    i += 16;
  }
  return escape_scalar_to(s + i, n - i, o, oend);
}

__attribute__((target("avx2"))) inline __m256i special32(__m256i v) {
  __m256i ltgt = _mm256_cmpeq_epi8(_mm256_or_si256(v, _mm256_set1_epi8(2)), _mm256_set1_epi8(0x3E));
  __m256i amp = _mm256_cmpeq_epi8(_mm256_or_si256(v, _mm256_set1_epi8(1)), _mm256_set1_epi8(0x27));
  __m256i quot = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x22));
  return _mm256_or_si256(ltgt, _mm256_or_si256(amp, quot));
}

__attribute__((target("avx2,popcnt"))) inline std::size_t extra32(__m256i v) {
  __m256i ltgt = _mm256_cmpeq_epi8(_mm256_or_si256(v, _mm256_set1_epi8(2)), _mm256_set1_epi8(0x3E));
  __m256i four = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_or_si256(v, _mm256_set1_epi8(1)), _mm256_set1_epi8(0x27)),
                                 _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x22)));
  unsigned m3 = static_cast<unsigned>(_mm256_movemask_epi8(ltgt));
  unsigned m4 = static_cast<unsigned>(_mm256_movemask_epi8(four));
  return 3u * static_cast<unsigned>(__builtin_popcount(m3)) + 4u * static_cast<unsigned>(__builtin_popcount(m4));
}

__attribute__((target("avx2,popcnt"))) std::size_t extra_avx2(const char* s, std::size_t n) {
  std::size_t e = 0, i = 0;
  for (; i + 128 <= n; i += 128) {  // four vectors, one test: plain text costs a load and a few ops per 32 bytes
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 96));
    __m256i any = _mm256_or_si256(_mm256_or_si256(special32(a), special32(b)),
                                  _mm256_or_si256(special32(c), special32(d)));
    if (_mm256_testz_si256(any, any)) continue;
    e += extra32(a) + extra32(b) + extra32(c) + extra32(d);
  }
  for (; i + 32 <= n; i += 32) e += extra32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)));
  return e + extra_sse2(s + i, n - i);
}

__attribute__((target("avx2"))) inline void copy_seg32(char* o, const char* src, std::size_t len, const char* src_end) {
  if (src + 32 <= src_end)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
  else
    std::memcpy(o, src, len);
}

// Escapes one 32-byte block that has specials (`bits`); writes up to 32 bytes past the result.
__attribute__((target("avx2,bmi"))) inline char* escape_block32(const char* b, unsigned bits, char* o, const char* send) {
  std::size_t pos = 0;
  do {
    unsigned t = static_cast<unsigned>(__builtin_ctz(bits));
    copy_seg32(o, b + pos, t - pos, send);
    o += t - pos;
    const replacement& r = T.rep[static_cast<unsigned char>(b[t])];
    std::memcpy(o, r.bytes, 8);
    o += r.len;
    pos = t + 1;
    bits &= bits - 1;
  } while (bits);
  copy_seg32(o, b + pos, 32 - pos, send);
  return o + (32 - pos);
}

// Overshooting stores (a whole vector for a shorter segment, 8 bytes for a replacement) are only issued while
// the output has room for the worst case of the block plus a vector; near the end of `out` the exact scalar
// writer finishes, so nothing is ever written at or past `oend`.
__attribute__((target("avx2,bmi"))) char* escape_avx2_to(const char* s, std::size_t n, char* o, char* oend) {
  const char* const send = s + n;
  std::size_t i = 0;
  constexpr std::ptrdiff_t slack = 32 * 5 + 32;
  while (i + 128 <= n && oend - o >= 128) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 32));
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 64));
    __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 96));
    __m256i any = _mm256_or_si256(_mm256_or_si256(special32(a), special32(b)),
                                  _mm256_or_si256(special32(c), special32(d)));
    if (!_mm256_testz_si256(any, any)) break;  // leave this block to the 32-byte loop
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), a);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 32), b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 64), c);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 96), d);
    i += 128;
    o += 128;
  }
  while (i + 32 <= n && oend - o >= 32) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    unsigned ba = static_cast<unsigned>(_mm256_movemask_epi8(special32(a)));
    if (ba == 0) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), a);
      i += 32;
      o += 32;
      // back to the 128-byte loop after a run of plain blocks
      if ((i & 127) == 0 && i + 128 <= n && oend - o >= 128) {
        __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
        __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 32));
        __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 64));
        __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 96));
        __m256i any = _mm256_or_si256(_mm256_or_si256(special32(b), special32(c)),
                                      _mm256_or_si256(special32(d), special32(e)));
        if (_mm256_testz_si256(any, any)) {
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), b);
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 32), c);
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 64), d);
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 96), e);
          i += 128;
          o += 128;
        }
      }
      continue;
    }
    if (oend - o < slack) break;
    o = escape_block32(s + i, ba, o, send);
    i += 32;
  }
  return escape_sse2_to(s + i, n - i, o, oend);
}

#endif  // WEBSEC_ESCAPE_X86

using extra_fn = std::size_t (*)(const char*, std::size_t);
using escape_fn = char* (*)(const char*, std::size_t, char*, char*);

char* escape_scalar_fn(const char* s, std::size_t n, char* o, char* oend) { return escape_scalar_to(s, n, o, oend); }

bool cpu_has(kernel k) {
#ifdef WEBSEC_ESCAPE_X86
  switch (k) {
    case kernel::scalar: return true;
    case kernel::sse2: return __builtin_cpu_supports("sse2");
    case kernel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt");
  }
  return false;
#else
  return k == kernel::scalar;
#endif
}

struct dispatch {
  kernel k;
  extra_fn extra;
  escape_fn esc;
};

dispatch make_dispatch(kernel k) {
#ifdef WEBSEC_ESCAPE_X86
  if (k == kernel::avx2 && cpu_has(kernel::avx2)) return {kernel::avx2, extra_avx2, escape_avx2_to};
  if (k != kernel::scalar && cpu_has(kernel::sse2)) return {kernel::sse2, extra_sse2, escape_sse2_to};
#endif
  (void)k;
  return {kernel::scalar, extra_scalar, escape_scalar_fn};
}

const dispatch& best() {
  static const dispatch d = [] {
    if (const char* env = std::getenv("WEBSEC_ESCAPE_KERNEL")) {  // force a kernel (benchmarks, debugging)
      std::string_view e(env);
      if (e == "scalar") return make_dispatch(kernel::scalar);
      if (e == "sse2") return make_dispatch(kernel::sse2);
    }
    return make_dispatch(kernel::avx2);
  }();
  return d;
}

}  // namespace

std::string_view to_string(kernel k) {
  switch (k) {
    case kernel::scalar: return "scalar";
    case kernel::sse2: return "sse2";
    case kernel::avx2: return "avx2";
  }
  return "?";
}

bool kernel_supported(kernel k) { return cpu_has(k); }
kernel active_kernel() { return best().k; }

std::size_t escaped_size(std::string_view s) { return s.size() + best().extra(s.data(), s.size()); }
bool is_escape_free(std::string_view s) { return best().extra(s.data(), s.size()) == 0; }

std::size_t escape_into(kernel k, std::string_view s, char* out, std::size_t capacity) {
  dispatch d = make_dispatch(k);
  char* end = d.esc(s.data(), s.size(), out, out + capacity);
  return end ? static_cast<std::size_t>(end - out) : npos;
}

std::string escape_with(kernel k, std::string_view s) {
  dispatch d = make_dispatch(k);
  std::size_t extra = d.extra(s.data(), s.size());
  if (extra == 0) return std::string(s);
  std::string r(s.size() + extra, '\0');
  d.esc(s.data(), s.size(), r.data(), r.data() + r.size());
  return r;
}

std::string escape(std::string_view s) {
  const dispatch& d = best();
  std::size_t extra = d.extra(s.data(), s.size());
  if (extra == 0) return std::string(s);
  std::string r(s.size() + extra, '\0');
  d.esc(s.data(), s.size(), r.data(), r.data() + r.size());
  return r;
}

void escape_append(std::string& out, std::string_view s) {
  const dispatch& d = best();
  std::size_t extra = d.extra(s.data(), s.size());
  if (extra == 0) {
    out.append(s);
    return;
  }
  std::size_t at = out.size();
  out.resize(at + s.size() + extra);
  d.esc(s.data(), s.size(), out.data() + at, out.data() + out.size());
}

// ============================================================================================ helpers
namespace {

using websec::detail::utf8_errors;


bool in_ranges(const detail::codepoint_range* r, std::size_t count, char32_t c) {
  std::size_t lo = 0, hi = count;
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (r[mid].last < c)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < count && r[lo].first <= c && c <= r[lo].last;
}

}  // namespace

// ============================================================================================ unescape

std::optional<std::string_view> named_reference(std::string_view name) {
  const detail::entity* b = detail::entities;
  const detail::entity* e = detail::entities + detail::entity_count;
  auto it = std::lower_bound(b, e, name, [](const detail::entity& x, std::string_view n) { return x.name < n; });
  if (it != e && it->name == name) return it->value;
  return std::nullopt;
}

namespace {

void append_numeric(std::string& out, std::uint32_t num) {
  for (std::size_t k = 0; k < detail::invalid_charref_count; ++k)
    if (detail::invalid_charrefs[k].number == num) {
      out += detail::invalid_charrefs[k].value;
      return;
    }
  if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
    out += "\xEF\xBF\xBD";
    return;
  }
  if (in_ranges(detail::invalid_codepoints, detail::invalid_codepoint_range_count, num)) return;
  websec::detail::append_utf8(out, num);
}

inline bool name_stop(unsigned char c) {
  return c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';';
}

}  // namespace

std::string unescape(std::string_view s) {
  std::size_t p = s.find('&');
  if (p == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (p != std::string_view::npos) {
    out.append(s.data() + i, p - i);
    std::size_t q = p + 1;
    if (q < n && s[q] == '#') {
      // &#[0-9]+;?  |  &#[xX][0-9a-fA-F]+;?
      ++q;
      bool hex = q < n && (s[q] == 'x' || s[q] == 'X');
      if (hex) ++q;
      std::size_t ds = q;
      std::uint32_t val = 0;
      while (q < n) {
        unsigned char c = static_cast<unsigned char>(s[q]);
        unsigned d;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        else
          break;
        val = val * (hex ? 16 : 10) + d;
        if (val > 0x10FFFF) val = 0x110000;  // saturate: any larger value means U+FFFD
        ++q;
      }
      if (q == ds) {  // "&#" or "&#x" without digits: not a reference
        out += '&';
        i = p + 1;
      } else {
        if (q < n && s[q] == ';') ++q;
        append_numeric(out, val);
        i = q;
      }
    } else {
      // [^\t\n\f <&#;]{1,32};?  (32 characters; counting bytes instead gives the same output, see header)
      std::size_t e = q;
      while (e < n && e - q < 32 && !name_stop(static_cast<unsigned char>(s[e]))) ++e;
      if (e == q) {
        out += '&';
        i = p + 1;
      } else {
        std::size_t name_end = (e < n && s[e] == ';') ? e + 1 : e;
        std::string_view name = s.substr(q, name_end - q);
        if (auto v = named_reference(name)) {
          out += *v;
        } else {
          bool done = false;
          for (std::size_t x = name.size() - 1; x >= 2 && x < name.size(); --x) {
            if (auto pv = named_reference(name.substr(0, x))) {
              out += *pv;
              out.append(name.substr(x));
              done = true;
              break;
            }
          }
          if (!done) {
            out += '&';
            out.append(name);
          }
        }
        i = name_end;
      }
    }
    p = s.find('&', i);
  }
  out.append(s.data() + i, n - i);
  return out;
}

// ============================================================================================ striptags

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  const std::size_t n = s.size();
  bool pending_space = false;
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    bool ws;
    if (c < 0x80) {
      ws = (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
    } else {
      const auto d = websec::detail::decode_utf8_at(s, i, utf8_errors::surrogateescape);
      len = d.len;
      ws = d.valid && websec::detail::py_isspace(d.cp);
    }
    if (ws) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out.append(s.data() + i, len);
    }
    i += len;
  }
  return out;
}

namespace {

// markupsafe 3.0: while (start := value.find("<!--")) != -1: end = value.find("-->", start); ... value[end+3:]
std::string strip_comments_upstream(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t r = 0;  // the value is out + s[r:]; out never contains "<!--"
  const std::size_t n = s.size();
  auto at = [&](std::size_t c) -> char {  // combined index
    return c < out.size() ? out[c] : s[r + (c - out.size())];
  };
  auto combined_size = [&]() { return out.size() + (n - r); };
  auto match_at = [&](std::size_t c, std::string_view pat) {
    if (c + pat.size() > combined_size()) return false;
    for (std::size_t k = 0; k < pat.size(); ++k)
      if (at(c + k) != pat[k]) return false;
    return true;
  };
  for (;;) {
    // first "<!--": it may start in the last 3 bytes of out (joined by a removal) or in s[r:]
    std::size_t start = std::string_view::npos;
    for (std::size_t k = std::min<std::size_t>(3, out.size()); k >= 1; --k)
      if (match_at(out.size() - k, "<!--")) {
        start = out.size() - k;
        break;
      }
    if (start == std::string_view::npos) {
      std::size_t q = s.find("<!--", r);
      if (q == std::string_view::npos) break;
      out.append(s.data() + r, q - r);
      r = q;
      start = out.size();
    }
    // first "-->" at or after start
    std::size_t end = std::string_view::npos;
    for (std::size_t c = start; c < out.size(); ++c)
      if (match_at(c, "-->")) {
        end = c;
        break;
      }
    if (end == std::string_view::npos) {
      std::size_t from = std::max(r, r + (start > out.size() ? start - out.size() : 0));
      std::size_t q = s.find("-->", from);
      if (q == std::string_view::npos) break;
      end = out.size() + (q - r);
    }
    std::size_t new_r = r + (end + 3 - out.size());  // end + 3 > out.size(): "-->" cannot lie inside out's tail
    out.resize(start);
    r = new_r;
  }
  out.append(s.data() + r, n - r);
  return out;
}

// markupsafe 2.1.2: _strip_comments_re = re.compile(r"<!--.*?-->", re.DOTALL); one left-to-right pass.
std::string strip_comments_debian(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t r = 0;
  for (;;) {
    std::size_t q = s.find("<!--", r);
    if (q == std::string_view::npos) break;
    std::size_t e = s.find("-->", q + 4);
    if (e == std::string_view::npos) break;
    out.append(s.data() + r, q - r);
    r = e + 3;
  }
  out.append(s.data() + r, s.size() - r);
  return out;
}

// Both versions: the first '<' and the first '>' after it, repeatedly (3.0 loop == 2.1.2's `<.*?>` DOTALL).
std::string strip_tags(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t r = 0;
  for (;;) {
    std::size_t q = s.find('<', r);
    if (q == std::string_view::npos) break;
    std::size_t e = s.find('>', q);
    if (e == std::string_view::npos) break;
    out.append(s.data() + r, q - r);
    r = e + 1;
  }
  out.append(s.data() + r, s.size() - r);
  return out;
}

}  // namespace

std::string striptags(std::string_view s, profile p) {
  std::string no_comments = p == profile::debian ? strip_comments_debian(s) : strip_comments_upstream(s);
  return unescape(collapse_whitespace(strip_tags(no_comments)));
}

// ============================================================================================ markup

markup markup::escape(const operand& s) { return markup(s.html()); }

markup operator+(const markup& a, const operand& b) { return markup(a.str() + b.html()); }
markup operator+(const operand& a, const markup& b) { return markup(a.html() + b.str()); }
markup& markup::operator+=(const operand& b) {
  s_ += b.html();
  return *this;
}

// markup::percent and markup::format: escape_format.cpp

markup markup::join(const std::vector<operand>& items) const {
  std::string out;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k) out += s_;
    out += items[k].html();
  }
  return markup(std::move(out));
}

// ============================================================================================ tojson

std::string htmlsafe_json(std::string_view j) {
  std::string out;
  out.reserve(j.size() + 16);
  for (char c : j) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      case '\'': out += "\\u0027"; break;
      default: out += c;
    }
  }
  return out;
}

result<markup> tojson(const json::value& v, int indent) {
  json::dump_options o;  // Flask's app.json.dumps: sort_keys, ensure_ascii; json.dumps' separators
  o.sort_keys = true;
  o.ensure_ascii = true;
  o.indent = indent;
  if (indent >= 0) o.item_separator = ",";
  o.surrogateescape = true;
  auto text = json::dumps(v, o);
  if (!text) return text.err();
  return markup(htmlsafe_json(*text));
}

// ============================================================================================ xmlattr

std::string python_repr(std::string_view s) { return websec::detail::py_repr(s, utf8_errors::surrogateescape); }

result<markup> xmlattr(const std::vector<attribute>& items, bool autospace) {
  std::string rv;
  bool first = true;
  for (const attribute& a : items) {
    if (!a.value) continue;
    for (std::size_t k = 0; k < a.key.size(); ++k) {
      char c = a.key[k];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '/' || c == '>' ||
          c == '=')
        return error{"invalid_attribute_name", k, "Invalid character in attribute name: " + quote_input(a.key, quote_style::python_str), 500};
    }
    if (!first) rv += ' ';
    first = false;
    rv += websec::escape::escape(a.key);
    rv += "=\"";
    rv += a.value->html();
    rv += '"';
  }
  if (autospace && !rv.empty()) rv.insert(rv.begin(), ' ');
  return markup(std::move(rv));
}

}  // namespace websec::escape
