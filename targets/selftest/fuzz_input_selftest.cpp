// fuzz_input_selftest — the contract of targets/fuzz_input.hpp (ctest fuzz.input): readers take bytes from the front
// in call order, a reader that does not fit consumes nothing, split() keeps everything after the last field, and
// writer is the inverse of input.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

using websec::fuzz::input;
using websec::fuzz::writer;

int main() {
  const std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08" "ab\0cd\0ef", 16);
  input in(bytes);
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  CHECK(in.u8(a) && a == 0x01);
  CHECK(in.u16be(b) && b == 0x0203, "u16be is big-endian");
  CHECK(in.u32le(c) && c == 0x07060504u, "u32le is little-endian");
  std::string_view v;
  CHECK(!in.bytes(100, v) && in.size() == 9, "a reader that does not fit consumes nothing");
  CHECK(in.skip(1) && in.size() == 8);
  CHECK(in.until('\0', v) && v == "ab", "until() stops at the delimiter and consumes it");
  CHECK(!in.until('x', v) && in.size() == 5, "until() without a delimiter consumes nothing");
  std::vector<std::string_view> f = in.split('\0', 2);
  CHECK(f.size() == 2 && f[0] == "cd" && f[1] == "ef" && in.empty(), "split into at most two fields");

  CHECK(input(std::string_view("x\0y\0z", 5)).split('\0', 2).back() == std::string_view("y\0z", 3),
        "the last field keeps the later delimiters");
  CHECK(input(std::string_view("xyz")).split('\0').size() == 1, "no delimiter: one field");
  CHECK(input(std::string_view("")).split('\0').size() == 1, "an empty input is one empty field");
  CHECK(input(std::string_view("a\0", 2)).split('\0').size() == 2, "a trailing delimiter ends with an empty field");
  std::uint32_t d = 0;
  input short_in(std::string_view("abc"));
  CHECK(!short_in.u32le(d) && short_in.size() == 3, "u32le needs four bytes");

  const std::string w = writer().u8(1).u16be(0x0203).u32le(0x07060504u).bytes("z").join({"p", "", "q"}, '\0').take();
  CHECK(w == std::string("\x01\x02\x03\x04\x05\x06\x07z" "p\0\0q", 12), "writer is the inverse of input");
  std::puts("fuzz_input: ok");
  return 0;
}
