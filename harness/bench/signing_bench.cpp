// Benchmarks of the Flask session codec (websec/session.hpp) beside Flask's own paths (signing_peer.py).
// Each side does the same work per item, from the same input files:
//   session_verify_small   C++: codec::open_request("session=<cookie>") — Cookie header parsing, signature and
//                          age check, payload decode, tagged JSON → session dict.  Python: Flask's
//                          SecureCookieSessionInterface.open_session on a request whose Cookie header holds it.
//                          Session {"_fresh", "_id", "csrf_token", "user_id"} (one core)
//   session_verify_3k      the same for a ~3 KiB session (zlib-compressed payload)
//   session_sign_small     C++: codec::encode (tagged JSON, zlib attempt, timestamp, HMAC) → cookie value.
//                          Python: get_signing_serializer(app).dumps(dict(session)), what save_session sets.
//   session_sign_3k        the same for the ~3 KiB session
//   session_save_small     C++: codec::save of a modified session — the cookie value and its Set-Cookie line
//                          (dump_cookie) and Vary.  Python: Flask's SecureCookieSessionInterface.save_session
//                          on a modified SecureCookieSession and a fresh response: Flask's save path, the one
//                          the issue's reference figure (about 15k/s) measures
//   session_save_3k        the same for the ~3 KiB session
//   crack_guess            one candidate secret (crack_target::matches, one core) against flask-unsign's loop:
//                          build a URLSafeTimedSerializer for the candidate and try loads
//   crack_200k_threads_N   session::crack (what `websec session crack --threads N` runs) over 200 000 words,
//                          none of them the key, with 1 thread and with one per core: guesses/s in wall time
// Rates of the single-core cases are CPU time on both sides (the peer uses time.process_time), so a busy
// machine slows both alike. With $WEBSEC_BENCH_INPUTS set, the inputs are written there first.
#include "websec/session.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string_view>
#include <thread>
#include <vector>

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
  const std::string header = "session=" + cookie;
  for (auto _ : st) {
    auto o = codec.open_request(header, kTs + 10);
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
void BM_save(benchmark::State& st, const json::value& s, const char* name) {
  auto codec = make_codec();
  write(name, *session::tagged_dumps(s));
  for (auto _ : st) {
    auto h = codec.save(s, session::codec::state{false, true}, kTs);
    if (!h.ok() || h->empty()) st.SkipWithError("no Set-Cookie");
    benchmark::DoNotOptimize(h);
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

// 200 000 candidate words shaped like a leaked-password list, none of them the key.
void BM_crack_list(benchmark::State& st, unsigned threads) {
  auto codec = make_codec();
  auto t = session::crack_target::make(*codec.encode(small_session(), kTs)).value();
  std::vector<std::string> storage;
  storage.reserve(200000);
  for (int i = 0; i < 200000; ++i) storage.push_back("pass" + std::to_string(i * 7919 % 1000003) + "word");
  std::vector<std::string_view> words(storage.begin(), storage.end());
  for (auto _ : st) {
    auto r = session::crack(t, words, threads);
    if (r.key || r.tried != words.size()) st.SkipWithError("unexpected crack result");
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * words.size()));
  st.counters["threads"] = threads;
}
const bool kCrackRegistered = [] {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<unsigned> counts = {1};
  if (cores > 1) counts.push_back(cores);
  for (unsigned n : counts)
    benchmark::RegisterBenchmark(("crack_200k_threads_" + std::to_string(n)).c_str(), BM_crack_list, n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  return true;
}();

const json::value kSmall = small_session();
const json::value kBig = big_session();
BENCHMARK_CAPTURE(BM_verify, small, kSmall, "session_verify_small")->Name("session_verify_small");
BENCHMARK_CAPTURE(BM_verify, big, kBig, "session_verify_3k")->Name("session_verify_3k");
BENCHMARK_CAPTURE(BM_sign, small, kSmall, "session_sign_small")->Name("session_sign_small");
BENCHMARK_CAPTURE(BM_sign, big, kBig, "session_sign_3k")->Name("session_sign_3k");
BENCHMARK_CAPTURE(BM_save, small, kSmall, "session_save_small")->Name("session_save_small");
BENCHMARK_CAPTURE(BM_save, big, kBig, "session_save_3k")->Name("session_save_3k");
BENCHMARK(BM_crack)->Name("crack_guess");
}  // namespace

BENCHMARK_MAIN();
