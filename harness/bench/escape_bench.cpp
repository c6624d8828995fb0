// escape_bench — markupsafe-compatible escaping: the C++ kernels beside memcpy, on the inputs scripts/bench hands
// to harness/bench/escape_peer.py (markupsafe.escape with its C speedups) in the same run.
//
// Inputs (deterministic, written to $WEBSEC_BENCH_INPUTS when set):
//   plain_1MiB        1 MiB of ASCII prose without any of & < > ' "
//   specials10_1MiB   1 MiB of ASCII with 10% of the bytes one of the five specials
//   mixed_utf8_1MiB   1 MiB of UTF-8: ~55% ASCII, 2-, 3- and 4-byte characters, 2% specials
//   short_64B         10000 strings of 64 bytes of plain ASCII (one after the other in the file)
// Benchmarks:
//   escape_<input>          escape() returning a new std::string (what markupsafe.escape does: a new str)
//   escape_into_<input>     the active kernel, one pass into a preallocated buffer (compare with memcpy_1MiB)
//   escape_into_<input>_<kernel>   each kernel (scalar, sse2, avx2) into a buffer
//   memcpy_1MiB / copy_string_1MiB   memcpy into a preallocated buffer / a new std::string of the same bytes
#include "websec/escape.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using websec::escape::kernel;

struct lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

constexpr std::size_t MiB = 1 << 20;
const char* kPlain = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?()[]{}-_=+/*#%@$~`^|\\";

std::string plain(std::size_t n, std::uint64_t seed) {
  lcg r{seed};
  std::string s;
  s.reserve(n);
  std::size_t alphabet = std::strlen(kPlain);
  while (s.size() < n) s += kPlain[r.next() % alphabet];
  return s;
}

std::string specials10(std::size_t n) {
  lcg r{2};
  std::string s = plain(n, 3);
  for (char& c : s)
    if (r.next() % 10 == 0) c = "&<>'\""[r.next() % 5];
  return s;
}

std::string mixed_utf8(std::size_t n) {
  lcg r{4};
  static const char* multi[] = {"\xc3\xa9", "\xc3\xbc", "\xd0\xb4", "\xe2\x82\xac", "\xe4\xb8\xad", "\xe3\x81\x82",
                                "\xf0\x9f\x98\x80", "\xf0\x9f\x8c\x8d"};
  std::string s;
  s.reserve(n + 4);
  std::size_t alphabet = std::strlen(kPlain);
  while (s.size() < n) {
    std::uint32_t x = r.next() % 100;
    if (x < 2)
      s += "&<>'\""[r.next() % 5];
    else if (x < 57)
      s += kPlain[r.next() % alphabet];
    else
      s += multi[r.next() % 8];
  }
  while (s.size() > n) {  // cut back to a character boundary at or below n
    std::size_t k = s.size() - 1;
    while ((static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    s.resize(k);
  }
  return s;
}

struct inputs {
  std::string plain_1MiB = plain(MiB, 1);
  std::string specials10_1MiB = specials10(MiB);
  std::string mixed_utf8_1MiB = mixed_utf8(MiB);
  std::vector<std::string> short_64B;
  inputs() {
    std::string all = plain(64 * 10000, 5);
    for (std::size_t k = 0; k < 10000; ++k) short_64B.push_back(all.substr(k * 64, 64));
  }
};

const inputs& in() {
  static const inputs i;
  return i;
}

void write_inputs(const char* dir) {
  auto put = [&](const char* name, const std::string& data) {
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary) << data;
  };
  put("plain_1MiB", in().plain_1MiB);
  put("specials10_1MiB", in().specials10_1MiB);
  put("mixed_utf8_1MiB", in().mixed_utf8_1MiB);
  std::string all;
  for (const auto& s : in().short_64B) all += s;
  put("short_64B", all);
}

void bench_new_string(benchmark::State& st, const std::string* s) {
  for (auto _ : st) {
    std::string e = websec::escape::escape(*s);
    benchmark::DoNotOptimize(e.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * s->size()));
}

void bench_into(benchmark::State& st, const std::string* s, kernel k) {
  std::vector<char> out(websec::escape::escaped_size(*s));
  for (auto _ : st) {
    std::size_t w = websec::escape::escape_into(k, *s, out.data(), out.size());
    benchmark::DoNotOptimize(w);
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * s->size()));
}

void bench_short(benchmark::State& st) {
  const auto& v = in().short_64B;
  std::size_t calls = 0;
  for (auto _ : st) {
    for (const auto& s : v) {
      std::string e = websec::escape::escape(s);
      benchmark::DoNotOptimize(e.data());
    }
    calls += v.size();
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(calls));
}

void bench_short_into(benchmark::State& st) {
  const auto& v = in().short_64B;
  std::vector<char> out(64 * 5 + 64);
  kernel k = websec::escape::active_kernel();
  std::size_t calls = 0;
  for (auto _ : st) {
    for (const auto& s : v) {
      std::size_t w = websec::escape::escape_into(k, s, out.data(), out.size());
      benchmark::DoNotOptimize(w);
    }
    calls += v.size();
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(calls));
}

void bench_memcpy(benchmark::State& st) {
  const std::string& s = in().plain_1MiB;
  std::vector<char> out(s.size());
  for (auto _ : st) {
    std::memcpy(out.data(), s.data(), s.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * s.size()));
}

void bench_copy_string(benchmark::State& st) {
  const std::string& s = in().plain_1MiB;
  for (auto _ : st) {
    std::string c(s);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * s.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* dir = std::getenv("WEBSEC_BENCH_INPUTS")) write_inputs(dir);
  struct named {
    const char* name;
    const std::string* s;
  };
  const named cases[] = {{"plain_1MiB", &in().plain_1MiB},
                         {"specials10_1MiB", &in().specials10_1MiB},
                         {"mixed_utf8_1MiB", &in().mixed_utf8_1MiB}};
  benchmark::RegisterBenchmark("memcpy_1MiB", bench_memcpy);
  benchmark::RegisterBenchmark("copy_string_1MiB", bench_copy_string);
  for (const auto& c : cases) {
    benchmark::RegisterBenchmark((std::string("escape_") + c.name).c_str(), bench_new_string, c.s);
    benchmark::RegisterBenchmark((std::string("escape_into_") + c.name).c_str(), bench_into, c.s,
                                 websec::escape::active_kernel());
    for (kernel k : {kernel::scalar, kernel::sse2, kernel::avx2}) {
      if (!websec::escape::kernel_supported(k)) continue;
      benchmark::RegisterBenchmark(
          (std::string("escape_into_") + c.name + "_" + std::string(websec::escape::to_string(k))).c_str(),
          bench_into, c.s, k);
    }
  }
  benchmark::RegisterBenchmark("escape_short_64B", bench_short);
  benchmark::RegisterBenchmark("escape_into_short_64B", bench_short_into);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
