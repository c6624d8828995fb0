// json_fuzzer — the Python-compatible JSON (websec/json.hpp): untrusted text through loads, and dumps/loads
// round trips with every option set.
//
// Invariants (abort on violation):
//   * loads never crashes and respects its limits (errors carry a kind; offsets lie inside the input)
//   * for any loaded value v and each of (default, compact ASCII sorted, compact UTF-8):
//       loads(dumps(v)) == v  (floats by bit pattern; sort_keys compared as a fixed point)
//   * dumps(ensure_ascii=True) output is pure printable ASCII
//   * repr never crashes
#include "fuzz_check.hpp"
#include "websec/json.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace websec::json;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  load_limits lim;
  lim.max_size = 1 << 16;
  lim.max_depth = 200;
  auto v = loads(in, lim);
  if (!v) {
    CHECK(v.err().kind != websec::errc::none, "error without a kind");
    CHECK(v.err().offset <= in.size() || v.err().kind == websec::errc::too_large, "error offset outside the input");
    return 0;
  }
  (void)repr(*v);
  for (int k = 0; k < 3; ++k) {
    dump_options o = k == 0 ? dump_options{} : k == 1 ? compact(true, true) : compact(false, false);
    auto text = dumps(*v, o);
    if (!text) {
      // only lone surrogates cannot be written as UTF-8
      CHECK(k == 2 && text.err().kind == websec::errc::invalid_utf8, "dumps refused a loaded value");
      continue;
    }
    if (o.ensure_ascii)
      for (unsigned char c : *text) CHECK(c >= 0x20 && c < 0x7f, "ensure_ascii output has a non-ASCII byte");
    auto back = loads(*text, load_limits{});
    CHECK(back.ok(), "dumps output does not load");
    if (k == 1) {
      auto again = dumps(*back, o);
      CHECK(again.ok() && *again == *text, "sorted dumps is not a fixed point");
    } else {
      CHECK(*back == *v, "loads(dumps(v)) != v");
    }
  }
  return 0;
}
