// csp_mutator — structure-aware mutations for csp_fuzzer (csp_fuzzer_sa; libcsp_fuzzer_mutator.so for AFL++).
//
// csp_fuzzer's layout: byte 0 (bit 0 report-only, bit 1 a second header after the first NUL), then the header
// value(s). Each value is cut into policies (','), directives (';') and source expressions (ASCII whitespace);
// mutations add, drop, duplicate or replace a directive or a source expression (keywords, nonces, hashes, schemes,
// hosts with wildcards, ports and paths), change a name's case, add a policy or a second header, flip a mode bit,
// or change the whitespace and separators. The result keeps the layout. Crossover mixes the directives of two
// inputs.
#include "fuzz_input.hpp"
#include "mutators/mutator.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

using websec::fuzz::mutate::rng;

using directive = std::vector<std::string>;  // name, then source expressions
using policy = std::vector<directive>;
struct header_value {
  std::vector<policy> policies;
};
struct model {
  std::uint8_t mode = 0;
  std::vector<header_value> values;
  std::string ws = " ", dsep = "; ", psep = ", ";
};

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::vector<std::string> tokens(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_ws(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_ws(s[j])) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string_view> cut(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    std::size_t k = s.find(sep);
    out.push_back(s.substr(0, k));
    if (k == std::string_view::npos) break;
    s.remove_prefix(k + 1);
  }
  return out;
}

model read(std::string_view data) {
  model m;
  websec::fuzz::input in(data);
  if (!in.u8(m.mode)) m.mode = 0;
  for (std::string_view v : in.split('\0', (m.mode & 2) ? 2 : 1)) {
    header_value hv;
    for (std::string_view p : cut(v, ',')) {
      policy pol;
      for (std::string_view d : cut(p, ';')) {
        directive dir = tokens(d);
        if (!dir.empty()) pol.push_back(std::move(dir));
      }
      hv.policies.push_back(std::move(pol));
    }
    m.values.push_back(std::move(hv));
  }
  return m;
}

std::string write(const model& m) {
  std::string out(1, static_cast<char>(m.mode));
  for (std::size_t v = 0; v < m.values.size(); ++v) {
    if (v) out.push_back('\0');
    const auto& pols = m.values[v].policies;
    for (std::size_t p = 0; p < pols.size(); ++p) {
      if (p) out += m.psep;
      for (std::size_t d = 0; d < pols[p].size(); ++d) {
        if (d) out += m.dsep;
        for (std::size_t t = 0; t < pols[p][d].size(); ++t) {
          if (t) out += m.ws;
          out += pols[p][d][t];
        }
      }
    }
  }
  return out;
}

// ---- vocabulary ---------------------------------------------------------------------------------------------
std::string directive_name(rng& r) {
  return std::string(r.pick({"default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "img-src",
                             "object-src", "base-uri", "form-action", "frame-ancestors", "connect-src", "worker-src",
                             "report-uri", "report-to", "upgrade-insecure-requests", "block-all-mixed-content",
                             "require-trusted-types-for", "trusted-types", "sandbox", "frame-src", "child-src",
                             "media-src", "font-src", "manifest-src", "navigate-to", "plugin-types", "Script-Src",
                             "DEFAULT-SRC", "script-src\xc3\xa9", "x-unknown"}));
}

std::string source(rng& r) {
  switch (r.below(6)) {
    case 0:
      return std::string(r.pick({"'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'",
                                 "'strict-dynamic'", "'report-sample'", "'wasm-unsafe-eval'", "'SELF'", "'Unsafe-Inline'",
                                 "self", "'self", "'unsafe-allow-redirects'", "'script'"}));
    case 1:
      return std::string(r.pick({"'nonce-", "'NONCE-"})) +
             std::string(r.pick({"abc123", "", "a+b/c==", "!!", "rAnd0m", "%%", "aGVsbG8="})) + "'";
    case 2:
      return std::string(r.pick({"'sha256-", "'sha384-", "'sha512-", "'sha1-", "'SHA256-"})) +
             std::string(r.pick({"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "abc", "", "_-_-", "AAAA"})) + "'";
    case 3:
      return std::string(r.pick({"*", "https:", "http:", "data:", "blob:", "filesystem:", "ws:", "wss:", "javascript:",
                                 "mediastream:", "HTTPS:", "*:"}));
    case 4:
      return std::string(r.pick({"", "https://", "http://", "wss://", "*://"})) +
             std::string(r.pick({"example.com", "*.example.com", "cdn.example.com", "127.0.0.1", "[::1]", "*", "*.", "a..b",
                                 "xn--bcher-kva.example", "b\xc3\xbc" "cher.example"})) +
             std::string(r.pick({"", ":443", ":*", ":0", ":99999", ":x"})) + std::string(r.pick({"", "/", "/path/", "/a;b", "/%2F"}));
    default:
      return std::string(r.pick({"allow-scripts", "allow-same-origin", "'script'", "default", "/csp-report", "endpoint",
                                 "require-trusted-types-for"}));
  }
}

directive new_directive(rng& r) {
  directive d{directive_name(r)};
  const std::size_t n = r.small(5);
  for (std::size_t i = 0; i < n; ++i) d.push_back(source(r));
  return d;
}

// ---- the mutations ----------------------------------------------------------------------------------------------
void mutate_policy(policy& p, rng& r) {
  const std::size_t n = p.size();
  switch (r.below(8)) {
    case 0:
    case 1: p.insert(p.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), new_directive(r)); break;
    case 2:
      if (n) p.erase(p.begin() + static_cast<std::ptrdiff_t>(r.below(n)));
      break;
    case 3:  // a duplicate directive (browsers keep the first)
      if (n) p.insert(p.begin() + static_cast<std::ptrdiff_t>(r.below(n + 1)), p[r.below(n)]);
      break;
    case 4:
    case 5:
      if (n) {
        directive& d = p[r.below(n)];
        d.insert(d.begin() + 1 + static_cast<std::ptrdiff_t>(r.below(d.size())), source(r));
      }
      break;
    case 6:
      if (n) {
        directive& d = p[r.below(n)];
        if (d.size() > 1) d.erase(d.begin() + 1 + static_cast<std::ptrdiff_t>(r.below(d.size() - 1)));
        else d[0] = directive_name(r);
      }
      break;
    default:
      if (n) {
        directive& d = p[r.below(n)];
        std::string& t = d[r.below(d.size())];
        for (char& c : t)
          if (r.chance(1, 3)) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : (c >= 'A' && c <= 'Z' ? c + 32 : c));
      }
  }
}

bool mutate(std::string& data, std::size_t max_size, rng& r) {
  model m = read(data);
  if (m.values.empty()) m.values.resize(1);
  if (r.prefer_removal(data.size())) {  // a directive or a source expression fewer
    auto& pols = m.values[r.below(m.values.size())].policies;
    if (!pols.empty()) {
      policy& p = pols[r.below(pols.size())];
      if (!p.empty()) {
        directive& d = p[r.below(p.size())];
        if (d.size() > 1 && r.chance(1, 2)) d.erase(d.begin() + 1 + static_cast<std::ptrdiff_t>(r.below(d.size() - 1)));
        else p.erase(p.begin() + (&d - p.data()));
      } else if (pols.size() > 1) {
        pols.erase(pols.begin() + (&p - pols.data()));
      }
    }
    data = write(m);
    return data.size() <= max_size;
  }
  const std::size_t rounds = 1 + r.small(4);
  for (std::size_t i = 0; i < rounds; ++i) {
    header_value& hv = m.values[r.below(m.values.size())];
    if (hv.policies.empty()) hv.policies.resize(1);
    switch (r.below(10)) {
      case 0: m.mode ^= static_cast<std::uint8_t>(1u << r.below(2)); break;
      case 1:  // a second header value (bit 1) or back to one
        if (m.values.size() == 1) {
          m.mode |= 2;
          m.values.push_back(header_value{{policy{new_directive(r)}}});
        } else {
          m.mode &= static_cast<std::uint8_t>(~2u);
          m.values.resize(1);
        }
        break;
      case 2: hv.policies.push_back(policy{new_directive(r)}); break;
      case 3:
        m.ws = std::string(r.pick({" ", "\t", "  ", "\f", "\n", " \r\n "}));
        m.dsep = std::string(r.pick({"; ", ";", " ; ", ";;", ";\t"}));
        m.psep = std::string(r.pick({", ", ",", " , ", ",,"}));
        break;
      default: mutate_policy(hv.policies[r.below(hv.policies.size())], r);
    }
  }
  data = write(m);
  return data.size() <= max_size;
}

bool cross(std::string& out, std::string_view a, std::string_view b, std::size_t max_size, rng& r) {
  model ma = read(a), mb = read(b);
  if (ma.values.empty() || mb.values.empty()) return false;
  policy& into = [&]() -> policy& {
    auto& pols = ma.values[r.below(ma.values.size())].policies;
    if (pols.empty()) pols.resize(1);
    return pols[r.below(pols.size())];
  }();
  const auto& from_pols = mb.values[r.below(mb.values.size())].policies;
  if (from_pols.empty()) return false;
  const policy& from = from_pols[r.below(from_pols.size())];
  for (std::size_t i = 0, n = 1 + r.below(from.size() + 1); i < n && !from.empty(); ++i)
    into.insert(into.begin() + static_cast<std::ptrdiff_t>(r.below(into.size() + 1)), from[r.below(from.size())]);
  out = write(ma);
  return out.size() <= max_size;
}

}  // namespace

WEBSEC_MUTATOR(mutate, cross)
