// multipart_fuzzer — request bodies through websec::multipart::form_parser (werkzeug's form pipeline).
//
// Input: byte 0 = flags (bit 0 profile debian, bit 1 boundary given through a Content-Type header, bits 2-3
// framing: Content-Length / chunked / streamed length / Content-Length from byte 4, bit 4 insert a filler run,
// bit 5 hash-only sink); bytes 1-2 max_form_memory_size (0 = unlimited, else value * 8); byte 3 max_form_parts
// (255 = unlimited, else % 24); byte 4 max_content_length / Content-Length delta; byte 5 boundary length (1-16)
// then the boundary; 4 bytes seed for the split into feed() calls; 3 bytes filler (count/256, byte); the body.
//
// Invariants (abort on violation):
//   * feeding the body in input-chosen pieces gives the same result as feeding it at once (fields, files,
//     outcome) — the parser's 64 KiB regrouping is exact;
//   * no field value exceeds max_form_memory_size; the decoder never buffers more than max_form_memory_size;
//   * a successful parse has at most max_form_parts parts;
//   * an error outcome has no fields or files; a silent one has status 200; statuses are 200/400/413/500;
//   * an outcome failed() reports while the body is being fed never changes and is the one finish() reports;
//   * file sizes equal the bytes kept, and the SHA-256 covers exactly them;
//   * werkzeug's spooled sink (with an input-chosen roll-over size) gives the same form: a file rolls to a
//     temporary file exactly when it is larger than spool_max_size, and reads back the same bytes.
#include "fuzz_check.hpp"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "websec/multipart.hpp"

using namespace websec::multipart;

namespace {
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

bool same_outcome(const outcome& a, const outcome& b) {
  return a.status == b.status && a.silent_empty_form == b.silent_empty_form && a.error.has_value() == b.error.has_value() &&
         (!a.error || (a.error->kind == b.error->kind && a.error->offset == b.error->offset &&
                       a.error->message == b.error->message && a.error->http_status == b.error->http_status));
}

bool same(const form_data& a, const form_data& b) {
  if (a.result.status != b.result.status || a.result.silent_empty_form != b.result.silent_empty_form) return false;
  if (a.result.error.has_value() != b.result.error.has_value()) return false;
  if (a.result.error && (a.result.error->kind != b.result.error->kind || a.result.error->offset != b.result.error->offset))
    return false;
  if (a.fields.size() != b.fields.size() || a.files.size() != b.files.size()) return false;
  for (std::size_t i = 0; i < a.fields.size(); ++i)
    if (a.fields[i].name != b.fields[i].name || a.fields[i].raw() != b.fields[i].raw() || a.fields[i].value != b.fields[i].value)
      return false;
  for (std::size_t i = 0; i < a.files.size(); ++i)
    if (a.files[i].name != b.files[i].name || a.files[i].filename != b.files[i].filename || a.files[i].size != b.files[i].size ||
        a.files[i].sha256 != b.files[i].sha256 || a.files[i].data != b.files[i].data ||
        a.files[i].rolled_to_disk != b.files[i].rolled_to_disk)
      return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 16) return -1;
  const std::uint8_t flags = data[0];
  FormLimits lim;
  unsigned m = (static_cast<unsigned>(data[1]) << 8) | data[2];
  lim.max_form_memory_size = m ? std::optional<std::uint64_t>(m * 8ull) : std::nullopt;
  lim.max_form_parts = data[3] == 255 ? std::nullopt : std::optional<std::uint64_t>(data[3] % 24);
  std::size_t blen = data[5] % 16 + 1;
  std::size_t p = 6;
  if (size < p + blen + 7) return -1;
  std::string boundary(reinterpret_cast<const char*>(data + p), blen);
  p += blen;
  std::uint64_t seed;
  std::memcpy(&seed, data + p, 4);
  seed &= 0xffffffffull;
  p += 4;
  std::size_t filler_count = static_cast<std::size_t>(data[p]) << 8 | data[p + 1];
  char filler_byte = static_cast<char>(data[p + 2]);
  p += 3;
  std::string body(reinterpret_cast<const char*>(data + p), size - p);
  if (flags & 0x10) {  // a long run (up to 256 KiB) so that bodies cross werkzeug's 64 KiB reads
    std::size_t at = body.empty() ? 0 : (seed % (body.size() + 1));
    body.insert(at, filler_count * 4, filler_byte);
  }

  request_info req;
  if (flags & 0x02) req.content_type = "multipart/form-data; boundary=\"" + boundary + "\"";
  else req.boundary = boundary;
  switch ((flags >> 2) & 3) {
    case 0: req.content_length = std::to_string(body.size()); break;
    case 1: req.chunked = true; break;
    case 2: req.content_length_is_body_length = true; break;
    default: {
      long long delta = static_cast<long long>(data[4] % 16) - 8;
      long long cl = static_cast<long long>(body.size()) + delta;
      req.content_length = std::to_string(cl < 0 ? 0 : cl);
    }
  }
  if (data[4] >= 240) lim.max_content_length = body.size() + (data[4] % 3) - 1;
  parse_options opts;
  opts.prof = (flags & 1) ? websec::profile::debian : websec::profile::upstream;
  opts.sink = (flags & 0x20) ? file_sink::hash_only : file_sink::memory;

  form_data one;
  {
    form_parser fp(req, lim, opts);
    fp.feed(body);
    if (lim.max_form_memory_size) {
      CHECK(fp.peak_buffered() <= *lim.max_form_memory_size, "decoder buffer above max_form_memory_size");
      CHECK(fp.peak_field_bytes() <= *lim.max_form_memory_size, "field above max_form_memory_size");
    }
    one = fp.finish();
  }
  form_data two;
  {
    form_parser fp(req, lim, opts);
    rng r{seed};
    std::size_t i = 0;
    std::optional<outcome> early;  // the first outcome failed() reported as final
    while (i < body.size()) {
      std::size_t step = 1 + r.next() % ((r.next() & 1) ? 17 : 70000);
      step = std::min(step, body.size() - i);
      fp.feed(std::string_view(body).substr(i, step));
      i += step;
      std::optional<outcome> now = fp.failed();
      if (early) CHECK(now && same_outcome(*early, *now), "failed() changed once reported");
      else early = now;
    }
    two = fp.finish();
    if (early) CHECK(same_outcome(*early, two.result), "failed() differs from the outcome of finish()");
  }
  CHECK(same(one, two), "result depends on how the body was split");
  if (((flags >> 2) & 3) == 0 && !(flags & 0x02) && !lim.max_content_length) {  // the one-call helper
    form_data conv = parse_multipart(body, boundary, lim, opts);
    CHECK(same(one, conv), "parse_multipart differs from the streaming parser");
  }
  const outcome& o = one.result;
  CHECK(o.status == 200 || o.status == 400 || o.status == 413 || o.status == 500, "unexpected status");
  if (o.error) CHECK(one.fields.empty() && one.files.empty(), "error outcome with a form");
  if (o.silent_empty_form) CHECK(o.status == 200 && o.error, "silent failure must be 200 with a reason");
  if (o.status != 200) CHECK(o.error.has_value(), "error status without a reason");
  if (!o.error && lim.max_form_parts) CHECK(one.fields.size() + one.files.size() <= *lim.max_form_parts, "too many parts");
  for (auto& f : one.fields)
    if (lim.max_form_memory_size) CHECK(f.raw().size() <= *lim.max_form_memory_size, "field above max_form_memory_size");
  for (auto& f : one.files) {
    if (opts.sink == file_sink::memory) CHECK(f.data.size() == f.size, "file size differs from bytes kept");
    CHECK(f.sha256.size() == 64, "missing sha256");
  }
  if (opts.sink == file_sink::memory && !one.files.empty()) {
    parse_options sp = opts;
    sp.sink = file_sink::spooled;
    sp.spool_max_size = seed % 4096;
    form_parser fp(req, lim, sp);
    fp.feed(body);
    form_data three = fp.finish();
    CHECK(three.result.status == o.status && three.fields.size() == one.fields.size() &&
              three.files.size() == one.files.size(),
          "the spooled sink changes the form");
    for (std::size_t i = 0; i < one.files.size(); ++i) {
      const file& a = one.files[i];
      const file& b = three.files[i];
      CHECK(b.size == a.size && b.sha256 == a.sha256 && b.filename == a.filename, "spooled file differs");
      CHECK(b.rolled_to_disk == (b.size > sp.spool_max_size), "rolled to disk at the wrong size");
      CHECK(b.where == (b.rolled_to_disk ? file::storage::temp_file : file::storage::memory), "spooled storage");
      CHECK(b.read_all() == a.data, "spooled file reads back other bytes");
    }
  }
  return 0;
}
