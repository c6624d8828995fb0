// websec/cookie_idna.cpp — IDNA for cookie domains (Python's encodings.idna, IDNA 2003) and RFC 3492 punycode;
// see websec/cookie.hpp (idna_encode, punycode_encode) and docs/spec.md §4.
#include "websec/cookie.hpp"

#include "cookie_internal.hpp"
#if WEBSEC_HAVE_LIBIDN
#include <punycode.h>
#include <stringprep.h>
#endif
#include <cstdlib>
#include <algorithm>
#include <limits>
#include <vector>

namespace websec::cookie {
using namespace internal;

namespace {

// ---- IDNA (Python's encodings.idna) -----------------------------------------------------------------

// Nameprep (RFC 3491) as Python's encodings.idna.nameprep does it, on libidn's RFC 3454 tables and its
// Unicode 3.2 NFKC (Debian's libidn, the IDNA 2003 library): map (B.1 to nothing, B.2 case folding), NFKC,
// prohibit (C.1.2, C.2.2, C.3-C.9: "Invalid character 'x'" naming the first one), then the bidi rules
// (RandALCat with LCat: requirement 2; RandALCat not first and last: requirement 3). Unassigned code points
// (A.1) are allowed, as Python allows them. Python's B.2 lower-cases with today's Unicode: idna_tables.inc holds
// the code points where that differs from RFC 3454's B.2.
#if WEBSEC_HAVE_LIBIDN
std::uint32_t last_of(const Stringprep_table_element& e) { return e.end ? e.end : e.start; }

// One of libidn's RFC 3454 tables: its entries up to the all-zero one that ends it. They are sorted by start
// without overlaps (checked once here), so a lookup is a binary search instead of a walk over up to 1,400 entries
// for every character of a label.
class rfc3454_table {
 public:
  explicit rfc3454_table(const Stringprep_table_element* t) : first_(t) {
    while (t[size_].start || t[size_].end) ++size_;
    for (std::size_t i = 1; i < size_ && sorted_; ++i) sorted_ = last_of(t[i - 1]) < t[i].start;
  }
  const Stringprep_table_element* data() const { return first_; }
  const Stringprep_table_element* find(char32_t c) const {
    const Stringprep_table_element* end = first_ + size_;
    if (!sorted_) {
      for (const auto* e = first_; e != end; ++e)
        if (c >= e->start && c <= last_of(*e)) return e;
      return nullptr;
    }
    const auto* it = std::upper_bound(first_, end, c, [](char32_t v, const Stringprep_table_element& e) { return v < e.start; });
    if (it == first_) return nullptr;
    --it;
    return c <= last_of(*it) ? it : nullptr;
  }

 private:
  const Stringprep_table_element* first_;
  std::size_t size_ = 0;
  bool sorted_ = true;
};

const Stringprep_table_element* find_in_table(const Stringprep_table_element* t, char32_t c) {
  static const rfc3454_table tables[] = {
      rfc3454_table(stringprep_rfc3454_A_1),   rfc3454_table(stringprep_rfc3454_B_1), rfc3454_table(stringprep_rfc3454_B_2),
      rfc3454_table(stringprep_rfc3454_C_1_2), rfc3454_table(stringprep_rfc3454_C_2_2), rfc3454_table(stringprep_rfc3454_C_3),
      rfc3454_table(stringprep_rfc3454_C_4),   rfc3454_table(stringprep_rfc3454_C_5), rfc3454_table(stringprep_rfc3454_C_6),
      rfc3454_table(stringprep_rfc3454_C_7),   rfc3454_table(stringprep_rfc3454_C_8), rfc3454_table(stringprep_rfc3454_C_9),
      rfc3454_table(stringprep_rfc3454_D_1),   rfc3454_table(stringprep_rfc3454_D_2)};
  for (const auto& x : tables)
    if (x.data() == t) return x.find(c);
  return rfc3454_table(t).find(c);  // a table not listed above: counted and searched on the spot
}

bool in_table(const Stringprep_table_element* t, char32_t c) { return find_in_table(t, c) != nullptr; }

// NFKC with libidn; U+0000 (a starter that never composes) splits the text, as libidn stops at it.
std::u32string nfkc(const std::u32string& s) {
  std::u32string out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t nul = s.find(char32_t{0}, start);
    std::size_t end = nul == std::u32string::npos ? s.size() : nul;
    if (end > start) {
      std::vector<std::uint32_t> seg(s.begin() + static_cast<std::ptrdiff_t>(start), s.begin() + static_cast<std::ptrdiff_t>(end));
      std::uint32_t* n = stringprep_ucs4_nfkc_normalize(seg.data(), static_cast<ssize_t>(seg.size()));
      if (n) {
        for (std::uint32_t* p = n; *p; ++p) out += static_cast<char32_t>(*p);
        std::free(n);
      } else {
        out.append(s, start, end - start);
      }
    }
    if (nul == std::u32string::npos) break;
    out += char32_t{0};
    start = nul + 1;
  }
  return out;
}

#include "idna_tables.inc"

// Python maps with today's lower() where RFC 3454 B.2 (Unicode 3.2) has no entry: its mapping wins (see
// harness/gen/gen_idna_tables.py).
const python_b2_entry* python_b2(char32_t c) {
  auto it = std::lower_bound(std::begin(k_python_b2), std::end(k_python_b2), c,
                             [](const python_b2_entry& e, char32_t v) { return e.cp < v; });
  return it != std::end(k_python_b2) && it->cp == c ? it : nullptr;
}

unsigned current_ccc(char32_t c) {
  auto it = std::upper_bound(std::begin(k_ccc), std::end(k_ccc), c,
                             [](char32_t v, const ccc_range& r) { return v < r.first; });
  if (it == std::begin(k_ccc)) return 0;
  --it;
  return c <= it->last ? it->ccc : 0;
}

// The canonical composition of a + b as Unicode 3.2 has it (libidn's NFKC of the pair is one code point), or 0.
char32_t compose_pair(char32_t a, char32_t b) {
  std::uint32_t pair[2] = {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b)};
  std::uint32_t* n = stringprep_ucs4_nfkc_normalize(pair, 2);
  if (!n) return 0;
  char32_t out = n[0] && !n[1] ? static_cast<char32_t>(n[0]) : 0;
  std::free(n);
  return out;
}

// CPython composes with today's combining classes, so a mark added after Unicode 3.2 (unassigned there, A.1)
// blocks only the marks of a class not above its own; to libidn it is a starter that blocks every later mark.
// For each starter whose marks hold such a character, run CPython's composition walk again (nfc_nfkc: a mark
// composes with the starter unless the last mark left in between has a class >= its own).
void compose_across_new_marks(std::u32string& t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (current_ccc(t[i]) != 0) continue;
    std::size_t j = i + 1;
    bool has_new = false;
    for (; j < t.size() && current_ccc(t[j]) != 0; ++j) has_new = has_new || in_table(stringprep_rfc3454_A_1, t[j]);
    if (!has_new) continue;
    char32_t starter = t[i];
    std::u32string kept;
    unsigned last = 0;  // class of the last mark left in place (0: none yet)
    for (std::size_t k = i + 1; k < j; ++k) {
      unsigned cc = current_ccc(t[k]);
      char32_t p = last != 0 && last >= cc ? 0 : compose_pair(starter, t[k]);
      if (p) {
        starter = p;
        continue;
      }
      kept += t[k];
      last = cc;
    }
    t.replace(i, j - i, starter + kept);
  }
}

result<std::u32string> nameprep(const std::u32string& label) {
  std::u32string mapped;
  for (char32_t c : label) {
    if (in_table(stringprep_rfc3454_B_1, c)) continue;
    if (const auto* p = python_b2(c)) {
      for (char32_t m : p->map)
        if (m) mapped += m;
      continue;
    }
    if (const auto* e = find_in_table(stringprep_rfc3454_B_2, c)) {
      for (std::size_t i = 0; i < STRINGPREP_MAX_MAP_CHARS && e->map[i]; ++i) mapped += static_cast<char32_t>(e->map[i]);
      continue;
    }
    mapped += c;
  }
  // CPython orders combining marks by today's classes (a mark added after Unicode 3.2 is a starter to libidn), then
  // composes: reorder libidn's NFKC that way and compose again (libidn keeps the order of the marks it sees as
  // starters), until nothing moves
  auto reorder = [](std::u32string& t) {
    bool moved = false;
    for (std::size_t i = 0; i < t.size();) {
      if (current_ccc(t[i]) == 0) { ++i; continue; }
      std::size_t j = i;
      while (j < t.size() && current_ccc(t[j]) != 0) ++j;
      std::u32string run = t.substr(i, j - i);
      std::stable_sort(run.begin(), run.end(), [](char32_t a, char32_t b) { return current_ccc(a) < current_ccc(b); });
      if (run != t.substr(i, j - i)) {
        moved = true;
        t.replace(i, j - i, run);
      }
      i = j;
    }
    return moved;
  };
  std::u32string norm = nfkc(mapped);
  for (int round = 0; round < 4 && reorder(norm); ++round) norm = nfkc(norm);
  compose_across_new_marks(norm);
  static const Stringprep_table_element* const prohibited[] = {
      stringprep_rfc3454_C_1_2, stringprep_rfc3454_C_2_2, stringprep_rfc3454_C_3, stringprep_rfc3454_C_4,
      stringprep_rfc3454_C_5,   stringprep_rfc3454_C_6,   stringprep_rfc3454_C_7, stringprep_rfc3454_C_8,
      stringprep_rfc3454_C_9};
  for (char32_t c : norm)
    for (const auto* t : prohibited)
      if (in_table(t, c)) return make_error(errc::domain_idna, "Invalid character " + detail::py_repr(detail::to_utf8({&c, 1})));
  bool any_ral = false;
  for (char32_t c : norm) any_ral = any_ral || in_table(stringprep_rfc3454_D_1, c);
  if (any_ral) {
    for (char32_t c : norm)
      if (in_table(stringprep_rfc3454_D_2, c)) return make_error(errc::domain_idna, "Violation of BIDI requirement 2");
    if (!in_table(stringprep_rfc3454_D_1, norm.front()) || !in_table(stringprep_rfc3454_D_1, norm.back()))
      return make_error(errc::domain_idna, "Violation of BIDI requirement 3");
  }
  return norm;
}
#else
result<std::u32string> nameprep(const std::u32string&) {
  return make_error(errc::domain_idna, "a non-ASCII domain needs IDNA nameprep, and this build has no libidn");
}
#endif

result<std::string> to_ascii_label(const std::u32string& label) {
  bool ascii = std::all_of(label.begin(), label.end(), [](char32_t c) { return c < 0x80; });
  auto check = [](std::string s) -> result<std::string> {
    if (!s.empty() && s.size() < 64) return s;
    return make_error(errc::domain_idna, "label empty or too long");
  };
  if (ascii) {
    std::string s;
    for (char32_t c : label) s += static_cast<char>(c);
    return check(std::move(s));
  }
  auto prepped = nameprep(label);
  if (!prepped) return prepped.err();
  const std::u32string& mapped = *prepped;
  if (std::all_of(mapped.begin(), mapped.end(), [](char32_t c) { return c < 0x80; })) {
    std::string s;
    for (char32_t c : mapped) s += static_cast<char>(c);
    return check(std::move(s));
  }
  if (mapped.size() >= 4 && mapped[0] == 'x' && mapped[1] == 'n' && mapped[2] == '-' && mapped[3] == '-')
    return make_error(errc::domain_idna, "Label starts with ACE prefix");
  return check("xn--" + punycode_encode(mapped));
}

bool is_idna_dot(char32_t c) { return c == 0x2E || c == 0x3002 || c == 0xFF0E || c == 0xFF61; }

}  // namespace

namespace internal {

// werkzeug 2.2 _encode_idna on a str (UTF-8 bytes): ASCII unchanged, else per-'.'-label idna codec.
result<std::string> encode_idna_debian(std::string_view domain) {
  if (is_ascii(domain)) return std::string(domain);
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    auto enc = idna_encode(label);
    if (!enc) return enc.err();
    out += *enc;
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

}  // namespace internal

// ---- public: punycode, idna, http_date ----------------------------------------------------------------

std::string punycode_encode(const std::u32string& input) {
#if WEBSEC_HAVE_LIBIDN
  // libidn's RFC 3492 encoder (the one Python's "punycode" codec agrees with); no case flags
  std::vector<punycode_uint> in(input.begin(), input.end());
  std::size_t cap = 16 + input.size() * 8;
  for (;;) {
    std::string out(cap, '\0');
    std::size_t len = out.size();
    int rc = ::punycode_encode(in.size(), in.data(), nullptr, &len, out.data());
    if (rc == PUNYCODE_SUCCESS) {
      out.resize(len);
      return out;
    }
    if (rc != PUNYCODE_BIG_OUTPUT || cap > (std::size_t{1} << 24)) return {};
    cap *= 4;
  }
#endif
  constexpr std::uint64_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700, initial_bias = 72,
                          initial_n = 128;
  auto adapt = [](std::uint64_t delta, std::uint64_t numpoints, bool first) {
    delta = first ? delta / damp : delta / 2;
    delta += delta / numpoints;
    std::uint64_t k = 0;
    while (delta > ((base - tmin) * tmax) / 2) {
      delta /= base - tmin;
      k += base;
    }
    return k + (((base - tmin + 1) * delta) / (delta + skew));
  };
  auto digit = [](std::uint64_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  std::string out;
  for (char32_t c : input)
    if (c < 0x80) out += static_cast<char>(c);
  std::uint64_t b = out.size(), h = b;
  if (b > 0) out += '-';
  std::uint64_t n = initial_n, delta = 0, bias = initial_bias;
  while (h < input.size()) {
    std::uint64_t m = std::numeric_limits<std::uint64_t>::max();
    for (char32_t c : input)
      if (c >= n && c < m) m = c;
    delta += (m - n) * (h + 1);
    n = m;
    for (char32_t c : input) {
      if (c < n) ++delta;
      if (c == n) {
        std::uint64_t q = delta;
        for (std::uint64_t k = base;; k += base) {
          std::uint64_t t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias);
          if (q < t) break;
          out += digit(t + (q - t) % (base - t));
          q = (q - t) / (base - t);
        }
        out += digit(q);
        bias = adapt(delta, h + 1, h == b);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return out;
}

result<std::string> idna_encode(std::string_view utf8_domain) {
  if (utf8_domain.empty()) return std::string();
  if (is_ascii(utf8_domain)) {
    // ASCII fast path: every label but the last must be 1..63 bytes; the last < 64
    std::size_t start = 0;
    while (true) {
      std::size_t dot = utf8_domain.find('.', start);
      std::size_t len = (dot == std::string_view::npos ? utf8_domain.size() : dot) - start;
      if (dot == std::string_view::npos) {
        if (len >= 64) return make_error(errc::domain_idna, "label too long");
        break;
      }
      if (len == 0 || len >= 64) return make_error(errc::domain_idna, "label empty or too long");
      start = dot + 1;
    }
    return std::string(utf8_domain);
  }
  std::u32string cps;
  if (!detail::decode_utf8(utf8_domain, cps)) return make_error(errc::domain_idna, "domain is not valid UTF-8");
  std::vector<std::u32string> labels(1);
  for (char32_t c : cps) {
    if (is_idna_dot(c)) labels.emplace_back();
    else labels.back() += c;
  }
  bool trailing_dot = false;
  if (!labels.empty() && labels.back().empty()) {
    trailing_dot = true;
    labels.pop_back();
  }
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty()) out += '.';
    auto a = to_ascii_label(label);
    if (!a) return a.err();
    out += *a;
  }
  if (trailing_dot) out += '.';
  return out;
}

}  // namespace websec::cookie
