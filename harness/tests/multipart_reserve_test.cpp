// multipart_reserve_test — the memory file sink reserves ahead of the bytes it holds on the word of a declared
// Content-Length, but never more than 1 MiB ahead: a peer that declares 4 GiB and sends a few bytes does not make
// the parser allocate 4 GiB. Its own executable, because it replaces the global operator new to see the largest
// single allocation.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "websec/multipart.hpp"

namespace {
std::atomic<bool> g_watch{false};
std::atomic<std::size_t> g_largest{0};

void note(std::size_t n) {
  if (!g_watch.load(std::memory_order_relaxed)) return;
  std::size_t seen = g_largest.load(std::memory_order_relaxed);
  while (n > seen && !g_largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
  }
}

/// The largest single allocation made while `f` runs.
template <class F>
std::size_t largest_allocation(F&& f) {
  g_largest = 0;
  g_watch = true;
  f();
  g_watch = false;
  return g_largest;
}
}  // namespace

void* operator new(std::size_t n) {
  note(n);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {
using namespace websec;
using namespace websec::multipart;

constexpr std::size_t kMiB = 1u << 20;

std::string upload(std::size_t data_size) {
  return "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" + std::string(data_size, 'x') +
         "\r\n--b--\r\n";
}

form_data parse_in_pieces(const std::string& body, const std::string& content_length, std::size_t piece) {
  request_info req;
  req.content_type = "multipart/form-data; boundary=b";
  req.content_length = content_length;
  parse_options o;
  o.sink = file_sink::memory;
  form_parser p(req, {}, o);
  for (std::size_t at = 0; at < body.size(); at += piece) p.feed(std::string_view(body).substr(at, piece));
  return p.finish();
}

TEST(MultipartReserve, DeclaredFourGibibytesReserveAtMostOneMibibyteAhead) {
  const std::string body = upload(200);
  form_data got;
  const std::size_t largest = largest_allocation([&] { got = parse_in_pieces(body, "4294967296", 64); });
  EXPECT_LT(largest, 2 * kMiB) << "the sink reserved on the word of the declared length";
  // the body ended early: the parse fails, but what was read is the file's start
  EXPECT_TRUE(got.result.error.has_value());
}

TEST(MultipartReserve, AnHonestLengthStillGetsEveryByte) {
  // 3 MiB declared and sent: the buffer grows by doubling past the 1 MiB reserve, and the file is whole
  const std::string body = upload(3 * kMiB);
  form_data got;
  const std::size_t largest =
      largest_allocation([&] { got = parse_in_pieces(body, std::to_string(body.size()), 64 * 1024); });
  ASSERT_FALSE(got.result.error.has_value()) << got.result.error->message;
  ASSERT_EQ(got.files.size(), 1u);
  EXPECT_EQ(got.files[0].data, std::string(3 * kMiB, 'x'));
  EXPECT_LT(largest, 8 * kMiB);  // doubling from 1 MiB: at most 2x the file and the body copy
}
}  // namespace
