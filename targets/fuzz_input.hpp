// targets/fuzz_input.hpp — a bounds-checked read cursor over a fuzz input, in the manner of BoringSSL's CBS.
//
//   websec::fuzz::input in(data, size);
//   std::uint8_t flags;  std::uint16_t limit;  std::string_view boundary;
//   if (!in.u8(flags) || !in.u16be(limit) || !in.bytes(n, boundary)) return -1;   // too short: nothing consumed
//   std::vector<std::string_view> f = in.split('\0', 8);                          // the rest, as NUL-separated fields
//
// Every reader takes bytes from the front, in the order it is called, and returns false without consuming anything
// when the input is too short; nothing reads past the end. The layout of each target is the order of its calls,
// written at the top of the target and decoded for a person by `scripts/corpus describe FILE`. Views returned
// point into the input: they live as long as the bytes handed to LLVMFuzzerTestOneInput.
//
// The structure-aware mutators (targets/mutators/) read inputs with this cursor too and write them back with
// `writer`, so a mutated input keeps the target's layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace websec::fuzz {

class input {
 public:
  input(const std::uint8_t* data, std::size_t size) : p_(reinterpret_cast<const char*>(data)), n_(size) {}
  explicit input(std::string_view s) : p_(s.data()), n_(s.size()) {}

  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  /// The bytes not read yet, without consuming them.
  std::string_view peek_rest() const { return {p_, n_}; }

  /// The next byte.
  bool u8(std::uint8_t& out) {
    if (n_ < 1) return false;
    out = static_cast<std::uint8_t>(p_[0]);
    advance(1);
    return true;
  }
  /// The next two bytes as a big-endian number (data[0] << 8 | data[1]).
  bool u16be(std::uint16_t& out) {
    if (n_ < 2) return false;
    out = static_cast<std::uint16_t>(byte(0) << 8 | byte(1));
    advance(2);
    return true;
  }
  /// The next four bytes as a little-endian number (what memcpy into a uint32_t gives on x86-64).
  bool u32le(std::uint32_t& out) {
    if (n_ < 4) return false;
    out = static_cast<std::uint32_t>(byte(0) | byte(1) << 8 | byte(2) << 16 | static_cast<std::uint32_t>(byte(3)) << 24);
    advance(4);
    return true;
  }
  /// The next n bytes.
  bool bytes(std::size_t n, std::string_view& out) {
    if (n_ < n) return false;
    out = std::string_view(p_, n);
    advance(n);
    return true;
  }
  bool skip(std::size_t n) {
    if (n_ < n) return false;
    advance(n);
    return true;
  }
  /// The bytes before the next `delim`, which is consumed too. False (nothing consumed) when there is none.
  bool until(char delim, std::string_view& out) {
    const void* hit = n_ ? std::memchr(p_, delim, n_) : nullptr;
    if (!hit) return false;
    const std::size_t k = static_cast<std::size_t>(static_cast<const char*>(hit) - p_);
    out = std::string_view(p_, k);
    advance(k + 1);
    return true;
  }
  /// Everything not read yet; the cursor is then empty.
  std::string_view rest() {
    std::string_view r(p_, n_);
    advance(n_);
    return r;
  }
  /// The rest as fields separated by `delim`: at most `max_fields` of them, the last holding everything after the
  /// (max_fields - 1)th delimiter. Always at least one field (possibly empty). The cursor is then empty.
  std::vector<std::string_view> split(char delim, std::size_t max_fields = static_cast<std::size_t>(-1)) {
    std::vector<std::string_view> f;
    std::string_view field;
    while (f.size() + 1 < max_fields && until(delim, field)) f.push_back(field);
    f.push_back(rest());
    return f;
  }

 private:
  unsigned byte(std::size_t i) const { return static_cast<unsigned char>(p_[i]); }
  void advance(std::size_t k) {
    p_ += k;
    n_ -= k;
  }
  const char* p_;
  std::size_t n_;
};

/// Builds an input in the order a target reads it (the inverse of `input`), for mutators and seed writers.
class writer {
 public:
  writer& u8(std::uint8_t v) {
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  writer& u16be(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
  writer& u32le(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  writer& bytes(std::string_view s) {
    out_.append(s);
    return *this;
  }
  /// Fields joined by `delim` (the inverse of input::split).
  writer& join(const std::vector<std::string>& fields, char delim) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out_.push_back(delim);
      out_.append(fields[i]);
    }
    return *this;
  }
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace websec::fuzz
