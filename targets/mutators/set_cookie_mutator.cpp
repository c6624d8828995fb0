// set_cookie_mutator — structure-aware mutations for set_cookie_fuzzer (set_cookie_fuzzer_sa;
// libset_cookie_fuzzer_mutator.so for AFL++).
//
// set_cookie_fuzzer's layout: byte 0 selects the mode. Even: a Set-Cookie line, cut here into name=value and its
// attributes; mutations add, drop, duplicate, reorder or replace attributes (Expires dates of every format,
// Max-Age numbers, Domain with dots, IDNA and IPs, Path, Secure, HttpOnly, SameSite, Partitioned), give the cookie a
// prefixed name (__Host-, __Secure-) or a new value, and flip the audit flags (bits 1-7). Odd: the NUL-separated
// fields of dump_cookie (key, value, options such as "domain=...", "expires#=<int>", "max_age=<int>"); mutations
// add, drop or replace an option, change the key or the value, and flip the option bits. Now and then a line is
// turned into dump_cookie fields or back (the mode bit with it). Crossover mixes the attributes of two inputs.
#include "fuzz_input.hpp"
#include "mutators/cookie_vocabulary.hpp"
#include "mutators/mutator.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

using websec::fuzz::mutate::rng;
namespace V = websec::fuzz::mutate;

struct model {
  std::uint8_t mode = 0;
  std::vector<std::string> items;  // even: "name=value", then attributes; odd: key, value, options
  std::string sep = "; ";
};

model read(std::string_view data) {
  model m;
  websec::fuzz::input in(data);
  in.u8(m.mode);
  if (m.mode & 1) {
    for (std::string_view f : in.split('\0')) m.items.emplace_back(f);
    return m;
  }
  std::string_view line = in.rest();
  for (;;) {
    std::size_t k = line.find(';');
    std::string_view item = line.substr(0, k);
    if (!m.items.empty())
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    m.items.emplace_back(item);
    if (k == std::string_view::npos) break;
    line.remove_prefix(k + 1);
  }
  return m;
}

std::string write(const model& m) {
  websec::fuzz::writer w;
  w.u8(m.mode);
  if (m.mode & 1) return w.join(m.items, '\0').take();
  for (std::size_t i = 0; i < m.items.size(); ++i) {
    if (i) w.bytes(m.sep);
    w.bytes(m.items[i]);
  }
  return w.take();
}

std::string dump_option(rng& r) {
  switch (r.below(10)) {
    case 0: return "domain=" + V::cookie_domain(r);
    case 1: return "path=" + V::cookie_path(r);
    case 2: return "nopath";
    case 3: return "expires=" + V::cookie_date(r);
    case 4: return "expires#=" + V::interesting_number(r);
    case 5: return std::string("expires.=") + r.pick({"0.5", "1e10", "-1.5", "nan", "inf", "253402300800.0", "1700000000.25"}).data();
    case 6: return "max_age=" + V::interesting_number(r);
    case 7: return "samesite=" + std::string(r.pick({"Lax", "Strict", "None", "lax", "bogus", "", "\xc3\xa9"}));
    case 8: return "max_size=" + std::string(r.pick({"0", "1", "10", "4093", "4096", "100000"}));
    default: return "now=" + V::interesting_number(r);
  }
}

// A line's name=value and attributes as dump_cookie fields, or the other way round (the mode bit with it).
void switch_mode(model& m, rng& r) {
  std::vector<std::string> items;
  if (m.mode & 1) {
    items.push_back((m.items.empty() ? std::string("a") : m.items[0]) + "=" + (m.items.size() > 1 ? m.items[1] : ""));
    for (int i = 0, n = static_cast<int>(r.small(5)); i < n; ++i) items.push_back(V::set_cookie_attribute(r));
  } else {
    std::string nv = m.items.empty() ? std::string("a=b") : m.items[0];
    std::size_t eq = nv.find('=');
    items.push_back(nv.substr(0, eq));
    items.push_back(eq == std::string::npos ? std::string() : nv.substr(eq + 1));
    for (int i = 0, n = static_cast<int>(r.small(5)); i < n; ++i) items.push_back(dump_option(r));
  }
  m.items = std::move(items);
  m.mode ^= 1;
}

void mutate_line(model& m, rng& r) {
  if (m.items.empty()) m.items.push_back(V::cookie_name(r) + "=" + V::cookie_value(r));
  const std::size_t n = m.items.size();
  switch (r.below(9)) {
    case 0:
    case 1:
    case 2: m.items.insert(m.items.begin() + 1 + static_cast<std::ptrdiff_t>(r.below(n)), V::set_cookie_attribute(r)); break;
    case 3:
      if (n > 1) m.items.erase(m.items.begin() + 1 + static_cast<std::ptrdiff_t>(r.below(n - 1)));
      break;
    case 4:
      if (n > 1) m.items.insert(m.items.begin() + 1 + static_cast<std::ptrdiff_t>(r.below(n)), m.items[1 + r.below(n - 1)]);
      break;
    case 5:
      if (n > 2) std::swap(m.items[1 + r.below(n - 1)], m.items[1 + r.below(n - 1)]);
      break;
    case 6: m.items[0] = V::cookie_name(r) + "=" + V::cookie_value(r); break;
    case 7: m.items[0] = std::string(r.pick({"__Host-", "__Secure-", "__host-", ""})) + m.items[0]; break;
    default: m.sep = std::string(r.pick({"; ", ";", " ; ", ";;", ";\t"}));
  }
}

void mutate_dump(model& m, rng& r) {
  while (m.items.size() < 2) m.items.emplace_back(m.items.empty() ? V::cookie_name(r) : V::cookie_value(r));
  const std::size_t n = m.items.size();
  switch (r.below(7)) {
    case 0:
    case 1:
    case 2: m.items.insert(m.items.begin() + 2 + static_cast<std::ptrdiff_t>(r.below(n - 1)), dump_option(r)); break;
    case 3:
      if (n > 2) m.items.erase(m.items.begin() + 2 + static_cast<std::ptrdiff_t>(r.below(n - 2)));
      break;
    case 4: m.items[0] = V::cookie_name(r); break;
    case 5: m.items[1] = V::cookie_value(r); break;
    default:
      if (n > 2) m.items[2 + r.below(n - 2)] = dump_option(r);
  }
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  model m = read(data);
  const std::size_t keep = (m.mode & 1) ? 2 : 1;  // name=value / key and value stay
  if (r.prefer_removal(data.size()) && m.items.size() > keep) {  // an attribute or option fewer, or a value cut
    if (r.chance(2, 3)) m.items.erase(m.items.begin() + static_cast<std::ptrdiff_t>(keep + r.below(m.items.size() - keep)));
    else m.items[keep - 1].resize(m.items[keep - 1].size() / 2);
    data = write(m);
    return data.size() <= max_size;
  }
  const std::size_t rounds = 1 + r.small(4);
  for (std::size_t i = 0; i < rounds; ++i) {
    const std::size_t what = r.below(12);
    if (what == 0) m.mode ^= static_cast<std::uint8_t>(2u << r.below(7));  // a flag, not the mode
    else if (what == 1 && r.chance(1, 3)) switch_mode(m, r);
    else if (m.mode & 1) mutate_dump(m, r);
    else mutate_line(m, r);
  }
  data = write(m);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  model ma = read(a), mb = read(b);
  if ((ma.mode & 1) != (mb.mode & 1) || mb.items.size() < 2 || ma.items.empty()) return false;
  const std::size_t first = (ma.mode & 1) ? 2 : 1;  // attributes / options only
  if (mb.items.size() <= first) return false;
  for (std::size_t i = 0, n = 1 + r.below(mb.items.size() - first); i < n; ++i) {
    const std::size_t at = std::min(ma.items.size(), first + r.below(ma.items.size() + 1));
    ma.items.insert(ma.items.begin() + static_cast<std::ptrdiff_t>(at), mb.items[first + r.below(mb.items.size() - first)]);
  }
  out = write(ma);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
