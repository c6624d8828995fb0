// base64_fuzzer — itsdangerous's lenient base64 decoder (CPython 3.11 binascii non-strict) against a simple
// reference model written here from the description in docs/spec.md §2.1, and the encoder round trip.
//
// Invariants (abort on violation):
//   * base64_decode(x) (bytes and str flavours) agrees with the model: same success, same bytes
//   * a2b_base64 (standard alphabet, Flask's " b" tag) agrees with the model with '-' '_' treated as junk
//   * base64_decode(base64_encode(b)) == b and the encoder never emits '=' or bytes outside A-Za-z0-9-_
#include "fuzz_check.hpp"
#include "websec/signing.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

int val(unsigned char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || (url && c == '-')) return 62;
  if (c == '/' || (url && c == '_')) return 63;
  return -1;
}

// Reference model: collect 6-bit groups; '=' counts as a pad only after two or more characters of the current
// quad and ends the data once the quad is complete with pads; other bytes are skipped.
std::optional<std::string> model(const std::string& in, bool url) {
  std::string bits_out;
  std::vector<int> quad;
  int pads = 0;
  for (unsigned char c : in) {
    if (c == '=') {
      if (quad.size() >= 2) {
        ++pads;
        if (quad.size() + pads >= 4) break;
      }
      continue;
    }
    int v = val(c, url);
    if (v < 0) continue;
    pads = 0;
    quad.push_back(v);
    if (quad.size() == 4) {
      bits_out.push_back(static_cast<char>((quad[0] << 2) | (quad[1] >> 4)));
      bits_out.push_back(static_cast<char>(((quad[1] & 15) << 4) | (quad[2] >> 2)));
      bits_out.push_back(static_cast<char>(((quad[2] & 3) << 6) | quad[3]));
      quad.clear();
    }
  }
  if (quad.size() == 1) return std::nullopt;
  if (quad.size() >= 2) {
    // a quad ended by enough pads emits its bytes; without them it is "Incorrect padding"
    if (quad.size() + static_cast<size_t>(pads) < 4) return std::nullopt;
    bits_out.push_back(static_cast<char>((quad[0] << 2) | (quad[1] >> 4)));
    if (quad.size() == 3) bits_out.push_back(static_cast<char>(((quad[1] & 15) << 4) | (quad[2] >> 2)));
  }
  return bits_out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 16) return 0;
  const std::string in(reinterpret_cast<const char*>(data), size);
  using namespace websec::signing;
  {
    std::string padded = in + std::string((4 - in.size() % 4) % 4, '=');
    auto got = base64_decode(in);
    auto want = model(padded, true);
    CHECK(got.ok() == want.has_value(), "lenient decode success differs from the model");
    if (got.ok()) CHECK(*got == *want, "lenient decode bytes differ from the model");
  }
  {
    std::string ascii;
    for (unsigned char c : in)
      if (c < 0x80) ascii.push_back(static_cast<char>(c));
    std::string padded = ascii + std::string((4 - ascii.size() % 4) % 4, '=');
    auto got = base64_decode(in, true);
    auto want = model(padded, true);
    CHECK(got.ok() == want.has_value(), "str-flavour decode success differs from the model");
    if (got.ok()) CHECK(*got == *want, "str-flavour decode bytes differ from the model");
  }
  {
    auto got = a2b_base64(in);
    auto want = model(in, false);
    CHECK(got.ok() == want.has_value(), "a2b_base64 success differs from the model");
    if (got.ok()) CHECK(*got == *want, "a2b_base64 bytes differ from the model");
  }
  std::string enc = base64_encode(in);
  for (char c : enc) CHECK(val(static_cast<unsigned char>(c), true) >= 0 && c != '+' && c != '/', "encoder alphabet");
  auto back = base64_decode(enc);
  CHECK(back.ok() && *back == in, "decode(encode(b)) != b");
  auto std_back = a2b_base64(base64_encode_standard(in));
  CHECK(std_back.ok() && *std_back == in, "standard base64 round trip");
  return 0;
}
