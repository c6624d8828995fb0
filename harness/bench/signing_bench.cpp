// Benchmarks of the Flask session codec (websec/session.hpp) beside Flask's own paths (signing_peer.py):
//   session_verify_small   open_session of {"user_id": 42}: verify + decode (one core)
//   session_verify_3k      open_session of a ~3 KiB session (compressed payload)
//   session_sign_small     save path: tagged JSON + sign of {"user_id": 42, "_fresh": true, ...}
//   session_sign_3k        save path of the ~3 KiB session
//   crack_guess            one candidate secret of `websec session crack` (one core; flask-unsign's loop in Python)
// With $WEBSEC_BENCH_INPUTS set, the inputs (cookies, sessions, secret) are written there first.
#include "websec/session.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>

namespace {
using namespace websec;
constexpr std::int64_t kTs = 1700000000;
const char* kSecret = "bench-secret-key";

json::value small_session() {
  return *session::tagged_loads(R"({"_fresh":true,"_id":"0123456789abcdef","csrf_token":"0123456789abcdef0123456789abcdef01234567","user_id":42})");
}
json::value big_session() {
  json::value d = small_session();
  std::string text;
  for (int i = 0; text.size() < 2600; ++i) text += "item-" + std::to_string(i * 7919 % 10007) + " ";
  d.set("notes", json::value::string(text));
  std::vector<json::value> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(json::value::integer(i * 104729 % 99991));
  d.set("ids", json::value::list(ids));
  return d;
}
session::codec make_codec() {
  session::config c;
  c.secret_key = kSecret;
  return std::move(session::codec::make(c).value());
}
void write(const std::string& name, const std::string& data) {
  if (const char* dir = std::getenv("WEBSEC_BENCH_INPUTS")) std::ofstream(std::string(dir) + "/" + name, std::ios::binary) << data;
}

void BM_verify(benchmark::State& st, const json::value& s, const char* name) {
  auto codec = make_codec();
  std::string cookie = *codec.encode(s, kTs);
  write(name, cookie);
  for (auto _ : st) {
    auto o = codec.open(cookie, kTs + 10);
    if (o.result != session::opened::outcome::session) st.SkipWithError("did not verify");
    benchmark::DoNotOptimize(o);
  }
  st.SetItemsProcessed(st.iterations());
  st.counters["cookie_bytes"] = static_cast<double>(cookie.size());
}
void BM_sign(benchmark::State& st, const json::value& s, const char* name) {
  auto codec = make_codec();
  write(name, *session::tagged_dumps(s));
  for (auto _ : st) {
    auto c = codec.encode(s, kTs);
    benchmark::DoNotOptimize(c);
  }
  st.SetItemsProcessed(st.iterations());
}
void BM_crack(benchmark::State& st) {
  auto codec = make_codec();
  std::string cookie = *codec.encode(small_session(), kTs);
  write("crack_guess", cookie);
  auto t = session::crack_target::make(cookie).value();
  std::string cand = "candidate-000000";
  std::uint64_t i = 0;
  for (auto _ : st) {
    cand[10 + (i % 6)] = static_cast<char>('0' + (i / 6) % 10);
    ++i;
    benchmark::DoNotOptimize(t.matches(cand));
  }
  st.SetItemsProcessed(st.iterations());
}

const json::value kSmall = small_session();
const json::value kBig = big_session();
BENCHMARK_CAPTURE(BM_verify, small, kSmall, "session_verify_small")->Name("session_verify_small");
BENCHMARK_CAPTURE(BM_verify, big, kBig, "session_verify_3k")->Name("session_verify_3k");
BENCHMARK_CAPTURE(BM_sign, small, kSmall, "session_sign_small")->Name("session_sign_small");
BENCHMARK_CAPTURE(BM_sign, big, kBig, "session_sign_3k")->Name("session_sign_3k");
BENCHMARK(BM_crack)->Name("crack_guess");
}  // namespace

BENCHMARK_MAIN();
