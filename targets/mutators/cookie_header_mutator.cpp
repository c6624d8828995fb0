// cookie_header_mutator — structure-aware mutations for cookie_header_fuzzer (cookie_header_fuzzer_sa;
// libcookie_header_fuzzer_mutator.so for AFL++).
//
// The input is a Cookie header. It is cut into pairs at ';' and each pair into name and value at the first '=';
// mutations add, drop, duplicate or swap pairs, give a pair a new name or value (quoted values with werkzeug's
// \ooo escapes, UTF-8 and Latin-1 bytes, the separators Python's str.strip removes), quote or unquote a value, and
// change the separators and the spaces around '='. Crossover interleaves the pairs of two headers.
#include "mutators/cookie_vocabulary.hpp"
#include "mutators/mutator.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

using websec::fuzz::mutate::rng;
namespace V = websec::fuzz::mutate;

struct pair {
  std::string name, value;
  bool has_eq = true;
};
struct model {
  std::vector<pair> pairs;
  std::string sep = "; ", eq = "=";
};

model read(std::string_view s) {
  model m;
  for (;;) {
    std::size_t k = s.find(';');
    std::string_view item = s.substr(0, k);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (!item.empty()) {
      std::size_t e = item.find('=');
      m.pairs.push_back(pair{std::string(item.substr(0, e)),
                             e == std::string_view::npos ? std::string() : std::string(item.substr(e + 1)),
                             e != std::string_view::npos});
    }
    if (k == std::string_view::npos) break;
    s.remove_prefix(k + 1);
  }
  return m;
}

std::string write(const model& m) {
  std::string out;
  for (std::size_t i = 0; i < m.pairs.size(); ++i) {
    if (i) out += m.sep;
    out += m.pairs[i].name;
    if (m.pairs[i].has_eq) out += m.eq + m.pairs[i].value;
  }
  return out;
}

void mutate_pair(pair& p, rng& r) {
  switch (r.below(6)) {
    case 0: p.name = V::cookie_name(r); break;
    case 1:
    case 2: p.value = V::cookie_value(r); break;
    case 3:  // quote, or unquote
      if (p.value.size() >= 2 && p.value.front() == '"' && p.value.back() == '"') p.value = p.value.substr(1, p.value.size() - 2);
      else p.value = "\"" + p.value + "\"";
      break;
    case 4: p.has_eq = !p.has_eq; break;
    default:  // an escape inside the value
      p.value.insert(r.below(p.value.size() + 1), r.pick({"\\", "\\0", "\\07", "\\377", "\\\"", "\"", ";", ","}));
  }
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  model m = read(data);
  if (r.prefer_removal(data.size()) && !m.pairs.empty()) {  // a pair fewer, or a value cut
    pair& p = m.pairs[r.below(m.pairs.size())];
    if (m.pairs.size() > 1 && r.chance(2, 3)) m.pairs.erase(m.pairs.begin() + static_cast<std::ptrdiff_t>(&p - m.pairs.data()));
    else p.value.resize(p.value.size() / 2);
    data = write(m);
    return data.size() <= max_size;
  }
  const std::size_t rounds = 1 + r.small(4);
  for (std::size_t i = 0; i < rounds; ++i) {
    const std::size_t n = m.pairs.size();
    switch (r.below(9)) {
      case 0:
      case 1: m.pairs.insert(m.pairs.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), pair{V::cookie_name(r), V::cookie_value(r), true}); break;
      case 2:
        if (n) m.pairs.erase(m.pairs.begin() + static_cast<std::ptrdiff_t>(r.below(n)));
        break;
      case 3:
        if (n) m.pairs.insert(m.pairs.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), m.pairs[r.below(n)]);
        break;
      case 4:
        if (n > 1) std::swap(m.pairs[r.below(n)], m.pairs[r.below(n)]);
        break;
      case 5:
        m.sep = std::string(r.pick({"; ", ";", " ; ", ";;", ",", ", ", ";\t", "; \x1c"}));
        m.eq = std::string(r.pick({"=", " = ", "= ", " =", "==", "=\t"}));
        break;
      default:
        if (n) mutate_pair(m.pairs[r.below(n)], r);
        else m.pairs.push_back(pair{V::cookie_name(r), V::cookie_value(r), true});
    }
  }
  data = write(m);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  model ma = read(a), mb = read(b);
  if (mb.pairs.empty()) return false;
  for (std::size_t i = 0, n = 1 + r.below(mb.pairs.size()); i < n; ++i)
    ma.pairs.insert(ma.pairs.begin() + static_cast<std::ptrdiff_t>(r.below(ma.pairs.size() + 1)), mb.pairs[r.below(mb.pairs.size())]);
  out = write(ma);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
