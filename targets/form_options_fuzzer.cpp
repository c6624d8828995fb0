// form_options_fuzzer — the request form pipeline (websec::multipart::form_parser) with the request options
// multipart_fuzzer leaves fixed: the Content-Type and Content-Length header texts as sent, read to the end of the
// stream, a streamed length over an urlencoded body, and the callback file sink (what the command line streams
// with), against the memory sink.
//
// Input (read in this order with websec::fuzz::input):
//   u8 flags    bit0 profile debian, bits 1-2 framing (0 the Content-Length text below, 1 chunked, 2 the streamed
//               length: Content-Length = the bytes fed, 3 read to the end: werkzeug's parser level), bit3
//               max_form_memory_size 64, bit4 max_content_length 256, bit5 max_form_parts 2
//   u8 spool    the sinks' roll-over size (spool_max_size) 0..255; also where the body is cut in two feed() calls
//   lines       the Content-Type header text, then the Content-Length header text, each ended by '\n'
//   rest        the body (at most 2 KiB)
// Invariants (abort on violation):
//   * the callback sink, fed the body in two pieces through a moved parser, gives the form the memory sink gives
//     fed at once: outcome, fields, file names, sizes and SHA-256; the bytes handed to the callback for each file
//     are exactly the file's bytes; both mark a file rolled over exactly when it is larger than spool_max_size
//   * an outcome failed() reports while feeding is the one finish() reports
//   * statuses are 200/400/413/500; an error outcome has no form; a silent one is 200; without an error, fields
//     and parts of a multipart body stay within max_form_memory_size and max_form_parts
//   * the body read never exceeds the declared length: Content-Length as werkzeug reads it (debian: Python int()
//     with '_' between digits, invalid -> absent -> empty body; upstream: -?digits, invalid -> 0), modelled here
//     for ASCII header texts
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "websec/multipart.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace websec::multipart;

namespace {

bool same_outcome(const outcome& a, const outcome& b) {
  return a.status == b.status && a.silent_empty_form == b.silent_empty_form && a.error.has_value() == b.error.has_value() &&
         (!a.error || (a.error->kind == b.error->kind && a.error->offset == b.error->offset &&
                       a.error->message == b.error->message));
}

// Content-Length as werkzeug reads it, for an ASCII header text: nullopt = absent (debian, invalid), or unknown.
struct declared_length {
  bool known = false;
  std::optional<std::uint64_t> value;
};
declared_length model_content_length(std::string_view t, bool debian) {
  declared_length d;
  for (unsigned char c : t)
    if (c >= 0x80) return d;  // Python strips Unicode whitespace too: not modelled
  auto space = [&](char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); };
  while (!t.empty() && space(t.front())) t.remove_prefix(1);
  while (!t.empty() && space(t.back())) t.remove_suffix(1);
  d.known = true;
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || (debian && t[0] == '+'))) neg = t[0] == '-', t.remove_prefix(1);
  std::uint64_t v = 0;
  bool ok = !t.empty(), digit_before = false;
  for (std::size_t i = 0; i < t.size() && ok; ++i) {
    if (debian && t[i] == '_' && digit_before && i + 1 < t.size()) {
      digit_before = false;
      continue;
    }
    if (t[i] < '0' || t[i] > '9') ok = false;
    else v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + static_cast<std::uint64_t>(t[i] - '0');
    digit_before = true;
  }
  ok = ok && digit_before;
  if (!ok) d.value = debian ? std::nullopt : std::optional<std::uint64_t>(0);
  else d.value = neg ? 0 : v;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  websec::fuzz::input in(data, size);
  std::uint8_t flags, spool;
  std::string_view ct, cl;
  if (!in.u8(flags) || !in.u8(spool) || !in.until('\n', ct) || !in.until('\n', cl)) return -1;
  const std::string_view body = in.rest();
  if (body.size() > 2048) return 0;

  const bool debian = flags & 1;
  const unsigned framing = (flags >> 1) & 3;
  request_info req;
  req.content_type = std::string(ct);
  if (framing == 0) req.content_length = std::string(cl);
  req.chunked = framing == 1;
  req.content_length_is_body_length = framing == 2;
  req.read_to_end = framing == 3;
  FormLimits lim;
  if (flags & 8) lim.max_form_memory_size = 64;
  if (flags & 16) lim.max_content_length = 256;
  if (flags & 32) lim.max_form_parts = 2;
  parse_options mem;
  mem.prof = debian ? websec::profile::debian : websec::profile::upstream;
  // (the memory sink reserves at most 1 MiB ahead on the word of a declared length, so a Content-Length of
  // gigabytes costs nothing here: harness/tests/multipart_reserve_test.cpp)
  mem.sink = file_sink::memory;
  mem.spool_max_size = spool;

  form_data a;
  {
    form_parser fp(req, lim, mem);
    fp.feed(body);
    a = fp.finish();
  }

  std::vector<std::string> delivered;
  parse_options cb = mem;
  cb.sink = file_sink::callback;
  cb.on_file_data = [&](std::size_t i, std::string_view bytes) {  // files in body order (an empty one never calls)
    CHECK(i + 1 >= delivered.size() && !bytes.empty(), "file %zu after file %zu", i, delivered.size() - 1);
    if (i >= delivered.size()) delivered.resize(i + 1);
    delivered[i].append(bytes);
  };
  form_data b;
  {
    const std::size_t cut = body.size() * spool / 256;
    form_parser first(req, lim, cb);
    first.feed(body.substr(0, cut));
    std::optional<outcome> early = first.failed();
    form_parser fp(std::move(first));
    form_parser moved(request_info{}, lim, mem);
    moved = std::move(fp);
    moved.feed(body.substr(cut));
    std::optional<outcome> now = moved.failed();
    if (early) CHECK(now && same_outcome(*early, *now), "failed() changed once reported");
    else early = now;
    b = moved.finish();
    if (early) CHECK(same_outcome(*early, b.result), "failed() differs from the outcome of finish()");
  }

  CHECK(same_outcome(a.result, b.result), "the sinks or the split change the outcome");
  // (body_bytes may differ on an error: with a streamed length, the limit is known only once the bytes came)
  CHECK(a.kind == b.kind && (a.result.error || a.body_bytes == b.body_bytes) && a.fields.size() == b.fields.size() &&
            a.files.size() == b.files.size(),
        "the sinks or the split change the form");
  for (std::size_t i = 0; i < a.fields.size(); ++i)
    CHECK(a.fields[i].name == b.fields[i].name && a.fields[i].value == b.fields[i].value, "field %zu", i);
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    const file &x = a.files[i], &y = b.files[i];
    CHECK(x.name == y.name && x.filename == y.filename && x.size == y.size && x.sha256 == y.sha256, "file %zu", i);
    CHECK(y.data.empty() && x.data.size() == x.size, "bytes kept by the sinks");
    const std::string none;
    const std::string& got = i < delivered.size() ? delivered[i] : none;
    CHECK(got == x.data, "callback bytes of file %zu", i);
    CHECK(x.rolled_to_disk == (x.size > spool) && y.rolled_to_disk == x.rolled_to_disk, "rolled over at the wrong size");
  }

  const outcome& o = a.result;
  CHECK(o.status == 200 || o.status == 400 || o.status == 413 || o.status == 500, "status %d", o.status);
  if (o.error) CHECK(a.fields.empty() && a.files.empty(), "error outcome with a form");
  if (o.silent_empty_form) CHECK(o.status == 200 && o.error, "silent failure must be 200 with a reason");
  if (o.status != 200) CHECK(o.error.has_value(), "error status without a reason");
  if (!o.error) {
    // (max_form_parts counts multipart parts only: docs/spec.md, urlencoded bodies)
    if (lim.max_form_parts && a.kind == body_kind::multipart)
      CHECK(a.fields.size() + a.files.size() <= *lim.max_form_parts, "too many parts");
    if (lim.max_form_memory_size && a.kind == body_kind::multipart)  // (urlencoded: the body length is judged)
      for (const auto& f : a.fields) CHECK(f.raw().size() <= *lim.max_form_memory_size, "field above the limit");
  }
  if (framing == 0 && a.kind != body_kind::none) {
    const declared_length d = model_content_length(cl, debian);
    if (d.known) CHECK(a.body_bytes <= d.value.value_or(0), "read %llu bytes past Content-Length %s",
                       static_cast<unsigned long long>(a.body_bytes), std::string(cl).c_str());
  }
  return 0;
}
