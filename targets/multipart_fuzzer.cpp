// multipart_fuzzer — request bodies through websec::multipart::form_parser (werkzeug's form pipeline).
//
// Input: byte 0 = flags (bit 0 profile debian, bit 1 boundary given through a Content-Type header, bits 2-3
// framing: Content-Length / chunked / streamed length / Content-Length from byte 4, bit 4 insert a filler run,
// bit 5 hash-only sink); bytes 1-2 max_form_memory_size (0 = unlimited, else value * 8); byte 3 max_form_parts
// (255 = unlimited, else % 24); byte 4 max_content_length / Content-Length delta; byte 5 boundary length (1-16)
// then the boundary; 4 bytes (little-endian) seed for the split into feed() calls; 2 bytes (big-endian) filler
// count, times 4 bytes; 1 filler byte; the body.
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
//     temporary file exactly when it is larger than spool_max_size, and reads back the same bytes (the temporary
//     files are anonymous memory files here, spool_backing::memfd: no file system on the fuzzing path).
//
// The header is read with websec::fuzz::input (fuzz_input.hpp) in this order; `scripts/corpus describe FILE`
// prints what a file selects. targets/mutators/multipart_mutator.cpp writes the same layout.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
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

// The cheaper twin multipart_fuzzer_fast caps the filler run at 4 KiB: its bodies stay within one of werkzeug's
// 64 KiB reads, and its inputs cost what their bytes cost (see docs/FUZZING.md, "Speed").
constexpr std::size_t kFastFiller = 4096;

// ---- step 1: the input's header selects the request, the limits and the sink ----------------------------------
struct setup {
  std::uint8_t flags = 0;
  std::uint8_t cl_byte = 0;  // byte 4: Content-Length delta and max_content_length
  unsigned framing = 0;      // bits 2-3 of the flags
  FormLimits lim;
  std::string boundary;
  std::uint64_t seed = 0;
  std::string body;
  request_info req;
  parse_options opts;
};

std::optional<setup> decode(const std::uint8_t* data, std::size_t size) {
  if (size < 16) return std::nullopt;
  websec::fuzz::input in(data, size);
  setup s;
  std::uint16_t mem = 0;
  std::uint8_t parts = 0, blen = 0, filler_byte = 0;
  std::uint16_t filler_count = 0;
  std::uint32_t seed = 0;
  std::string_view boundary;
  if (!in.u8(s.flags) || !in.u16be(mem) || !in.u8(parts) || !in.u8(s.cl_byte) || !in.u8(blen) ||
      !in.bytes(blen % 16 + 1u, boundary) || !in.u32le(seed) || !in.u16be(filler_count) || !in.u8(filler_byte))
    return std::nullopt;
  s.lim.max_form_memory_size = mem ? std::optional<std::uint64_t>(mem * 8ull) : std::nullopt;
  s.lim.max_form_parts = parts == 255 ? std::nullopt : std::optional<std::uint64_t>(parts % 24);
  s.boundary = std::string(boundary);
  s.seed = seed;
  s.body = std::string(in.rest());
  if (s.flags & 0x10) {  // a long run (up to 256 KiB) so that bodies cross werkzeug's 64 KiB reads
    std::size_t at = s.body.empty() ? 0 : (s.seed % (s.body.size() + 1));
    std::size_t n = filler_count * std::size_t{4};
    if (!websec::fuzz::full) n = std::min<std::size_t>(n, kFastFiller);
    s.body.insert(at, n, static_cast<char>(filler_byte));
  }
  if (s.flags & 0x02) s.req.content_type = "multipart/form-data; boundary=\"" + s.boundary + "\"";
  else s.req.boundary = s.boundary;
  s.framing = (s.flags >> 2) & 3;
  switch (s.framing) {
    case 0: s.req.content_length = std::to_string(s.body.size()); break;
    case 1: s.req.chunked = true; break;
    case 2: s.req.content_length_is_body_length = true; break;
    default: {
      long long delta = static_cast<long long>(s.cl_byte % 16) - 8;
      long long cl = static_cast<long long>(s.body.size()) + delta;
      s.req.content_length = std::to_string(cl < 0 ? 0 : cl);
    }
  }
  if (s.cl_byte >= 240) s.lim.max_content_length = s.body.size() + (s.cl_byte % 3) - 1;
  s.opts.prof = (s.flags & 1) ? websec::profile::debian : websec::profile::upstream;
  s.opts.sink = (s.flags & 0x20) ? file_sink::hash_only : file_sink::memory;
  return s;
}

// ---- step 2: the body at once, with the decoder's memory bounds ----------------------------------------------
form_data parse_at_once(const setup& s) {
  form_parser fp(s.req, s.lim, s.opts);
  fp.feed(s.body);
  if (s.lim.max_form_memory_size) {
    CHECK(fp.peak_buffered() <= *s.lim.max_form_memory_size, "decoder buffer above max_form_memory_size");
    CHECK(fp.peak_field_bytes() <= *s.lim.max_form_memory_size, "field above max_form_memory_size");
  }
  return fp.finish();
}

// ---- step 3: the body in input-chosen pieces; failed() never changes once it reported ------------------------
form_data parse_in_pieces(const setup& s) {
  form_parser fp(s.req, s.lim, s.opts);
  rng r{s.seed};
  std::size_t i = 0;
  std::optional<outcome> early;  // the first outcome failed() reported as final
  while (i < s.body.size()) {
    std::size_t step = 1 + r.next() % ((r.next() & 1) ? 17 : 70000);
    step = std::min(step, s.body.size() - i);
    fp.feed(std::string_view(s.body).substr(i, step));
    i += step;
    std::optional<outcome> now = fp.failed();
    if (early) CHECK(now && same_outcome(*early, *now), "failed() changed once reported");
    else early = now;
  }
  form_data two = fp.finish();
  if (early) CHECK(same_outcome(*early, two.result), "failed() differs from the outcome of finish()");
  return two;
}

// ---- step 4: the outcome and the form keep their promises -----------------------------------------------------
void check_result(const setup& s, const form_data& one) {
  const outcome& o = one.result;
  CHECK(o.status == 200 || o.status == 400 || o.status == 413 || o.status == 500, "unexpected status");
  if (o.error) CHECK(one.fields.empty() && one.files.empty(), "error outcome with a form");
  if (o.silent_empty_form) CHECK(o.status == 200 && o.error, "silent failure must be 200 with a reason");
  if (o.status != 200) CHECK(o.error.has_value(), "error status without a reason");
  if (!o.error && s.lim.max_form_parts)
    CHECK(one.fields.size() + one.files.size() <= *s.lim.max_form_parts, "too many parts");
  for (auto& f : one.fields)
    if (s.lim.max_form_memory_size) CHECK(f.raw().size() <= *s.lim.max_form_memory_size, "field above max_form_memory_size");
  for (auto& f : one.files) {
    if (s.opts.sink == file_sink::memory) CHECK(f.data.size() == f.size, "file size differs from bytes kept");
    CHECK(f.sha256.size() == 64, "missing sha256");
  }
}

// ---- step 5: werkzeug's spooled sink gives the same form and rolls over at the right size --------------------
// The rolled-over files live in anonymous memory files (spool_backing::memfd): the same roll-over, the same reads,
// no file system on the fuzzing path.
void check_spooled(const setup& s, const form_data& one) {
  parse_options sp = s.opts;
  sp.sink = file_sink::spooled;
  sp.spool_max_size = s.seed % 4096;
  sp.spool_to = spool_backing::memfd;
  form_parser fp(s.req, s.lim, sp);
  fp.feed(s.body);
  form_data three = fp.finish();
  CHECK(three.result.status == one.result.status && three.fields.size() == one.fields.size() &&
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
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::optional<setup> s = decode(data, size);
  if (!s) return -1;
  const form_data one = parse_at_once(*s);
  const form_data two = parse_in_pieces(*s);
  CHECK(same(one, two), "result depends on how the body was split");
  check_result(*s, one);
  // two more parses of the same body: the one-call helper and the spooled sink (left out by multipart_fuzzer_fast)
  if (!websec::fuzz::full) return 0;
  if (s->framing == 0 && !(s->flags & 0x02) && !s->lim.max_content_length) {  // the one-call helper
    form_data conv = parse_multipart(s->body, s->boundary, s->lim, s->opts);
    CHECK(same(one, conv), "parse_multipart differs from the streaming parser");
  }
  if (s->opts.sink == file_sink::memory && !one.files.empty()) check_spooled(*s, one);
  return 0;
}
