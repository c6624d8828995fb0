// Benchmarks of websec::multipart (scripts/bench multipart runs werkzeug on the same bodies: multipart_peer.py).
//  (a) one 50 MiB random-binary file part     (b) 1000 small fields (20-40 chars)
//  (c) 100 text fields of 400 kB (CRLF every 60-90 chars)   (d) 20 MiB file with "\r\n--<boundary>x" every 4 KiB
// plus memcpy and memmem over 64 MiB in the same run (the machine's ceilings). Bodies are fed in 1 MiB pieces,
// as a server would push them; the parser regroups them into werkzeug's 64 KiB reads.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "websec/multipart.hpp"

namespace {
using namespace websec::multipart;

const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string part_header(const std::string& name, bool file) {
  std::string h = "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
  if (file) h += "; filename=\"" + name + ".bin\"\r\nContent-Type: application/octet-stream";
  return h + "\r\n\r\n";
}
std::string end() { return "--" + kBoundary + "--\r\n"; }

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937_64 g(seed);
  std::string s(n, '\0');
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t v = g();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

std::string text(std::size_t n, std::mt19937_64& g) {
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    std::size_t line = 60 + g() % 31;
    for (std::size_t i = 0; i < line && s.size() < n; ++i) s.push_back(static_cast<char>('a' + g() % 26));
    if (s.size() + 2 <= n) s += "\r\n";
  }
  s.resize(n);
  return s;
}

const std::string& body_a() {
  static const std::string b = part_header("upload", true) + random_bytes(50u << 20, 1) + "\r\n" + end();
  return b;
}
const std::string& body_b() {
  static const std::string b = [] {
    std::mt19937_64 g(2);
    std::string s;
    for (int i = 0; i < 1000; ++i) s += part_header("field" + std::to_string(i), false) + text(20 + g() % 21, g) + "\r\n";
    return s + end();
  }();
  return b;
}
const std::string& body_c() {
  static const std::string b = [] {
    std::mt19937_64 g(3);
    std::string s;
    for (int i = 0; i < 100; ++i) s += part_header("text" + std::to_string(i), false) + text(400000, g) + "\r\n";
    return s + end();
  }();
  return b;
}
const std::string& body_d() {
  static const std::string b = [] {
    std::string data = random_bytes(20u << 20, 4);
    const std::string near = "\r\n--" + kBoundary + "x";
    for (std::size_t at = 4096 - near.size(); at + near.size() <= data.size(); at += 4096) data.replace(at, near.size(), near);
    return part_header("upload", true) + data + "\r\n" + end();
  }();
  return b;
}

std::string& reused_sink() {
  static std::string buf(64u << 20, '\0');  // a caller-owned buffer, reused as memcpy's destination is
  return buf;
}

form_data run(const std::string& body, file_sink sink, bool sha) {
  request_info req;
  req.content_type = "multipart/form-data; boundary=" + kBoundary;
  req.content_length = std::to_string(body.size());
  parse_options o;
  o.sink = sink;
  o.sha256 = sha;
  std::size_t at = 0;
  if (sink == file_sink::callback)
    o.on_file_data = [&at](std::size_t, std::string_view d) {
      std::memcpy(reused_sink().data() + at, d.data(), d.size());
      at += d.size();
    };
  form_parser p(req, {}, o);
  const std::size_t piece = 1 << 20;
  for (std::size_t i = 0; i < body.size(); i += piece) p.feed(std::string_view(body).substr(i, piece));
  return p.finish();
}

void parse_case(benchmark::State& state, const std::string& body, file_sink sink, bool sha, std::size_t want_fields,
                std::size_t want_files) {
  for (auto _ : state) {
    form_data f = run(body, sink, sha);
    if (f.result.error || f.fields.size() != want_fields || f.files.size() != want_files) {
      state.SkipWithError("unexpected parse result");
      return;
    }
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// (a) into a caller-owned buffer (the copy memcpy makes), into a fresh std::string per parse (page faults of
// 50 MiB of new memory included), hashed only, and werkzeug's default (spooled to a temporary file + SHA-256).
void multipart_a_file_50MiB(benchmark::State& s) { parse_case(s, body_a(), file_sink::callback, false, 0, 1); }
void multipart_a_file_50MiB_fresh_string(benchmark::State& s) { parse_case(s, body_a(), file_sink::memory, false, 0, 1); }
void multipart_a_file_50MiB_sha256_only(benchmark::State& s) { parse_case(s, body_a(), file_sink::hash_only, true, 0, 1); }
void multipart_a_file_50MiB_spooled_sha256(benchmark::State& s) { parse_case(s, body_a(), file_sink::spooled, true, 0, 1); }
void multipart_b_1000_fields(benchmark::State& s) {
  parse_case(s, body_b(), file_sink::memory, false, 1000, 0);
  s.SetItemsProcessed(s.iterations() * 1000);
}
void multipart_c_100x400kB_fields(benchmark::State& s) { parse_case(s, body_c(), file_sink::memory, false, 100, 0); }
void multipart_d_20MiB_near_boundaries(benchmark::State& s) { parse_case(s, body_d(), file_sink::callback, false, 0, 1); }

void baseline_memcpy_64MiB(benchmark::State& s) {
  static std::string src = random_bytes(64u << 20, 5);
  std::string dst(src.size(), '\0');
  for (auto _ : s) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::ClobberMemory();
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * src.size()));
}
void baseline_memmem_64MiB(benchmark::State& s) {
  static std::string hay = random_bytes(64u << 20, 6);
  const std::string needle = "\r\n--" + kBoundary + "\r\n";
  for (auto _ : s) {
    const void* p = memmem(hay.data(), hay.size(), needle.data(), needle.size());
    benchmark::DoNotOptimize(p);
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * hay.size()));
}

BENCHMARK(baseline_memcpy_64MiB)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(baseline_memmem_64MiB)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(multipart_a_file_50MiB)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(multipart_a_file_50MiB_fresh_string)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(multipart_a_file_50MiB_sha256_only)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(multipart_a_file_50MiB_spooled_sha256)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(multipart_b_1000_fields)->Unit(benchmark::kMicrosecond)->MinTime(0.5);
BENCHMARK(multipart_c_100x400kB_fields)->Unit(benchmark::kMillisecond)->MinTime(0.5);
BENCHMARK(multipart_d_20MiB_near_boundaries)->Unit(benchmark::kMillisecond)->MinTime(0.5);

void write_inputs() {
  const char* dir = std::getenv("WEBSEC_BENCH_INPUTS");
  if (!dir || !*dir) return;
  auto put = [&](const char* name, const std::string& body) {
    std::ofstream(std::string(dir) + "/" + name + ".body", std::ios::binary) << body;
  };
  put("multipart_a_file_50MiB", body_a());
  put("multipart_b_1000_fields", body_b());
  put("multipart_c_100x400kB_fields", body_c());
  put("multipart_d_20MiB_near_boundaries", body_d());
  std::ofstream(std::string(dir) + "/boundary.txt") << kBoundary;
}
}  // namespace

int main(int argc, char** argv) {
  write_inputs();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
