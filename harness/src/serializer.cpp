// itsdangerous serializers (see websec/serializer.hpp).
#include "websec/serializer.hpp"

#include "text_util.hpp"

#include <zlib.h>

#include <algorithm>

namespace websec::serializer {

namespace {
// One deflate and one inflate state per thread, reset between uses: deflateInit/inflateInit allocate and clear
// hundreds of KiB, which would dominate the cost of a session cookie. Reset streams give the same bytes.
struct deflater {
  z_stream zs{};
  bool ok = false;
  deflater() { ok = deflateInit2(&zs, 6, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~deflater() {
    if (ok) deflateEnd(&zs);
  }
};
struct inflater {
  z_stream zs{};
  bool ok = false;
  inflater() { ok = inflateInit(&zs) == Z_OK; }
  ~inflater() {
    if (ok) inflateEnd(&zs);
  }
};
}  // namespace

result<std::string> zlib_decompress(std::string_view data, std::size_t max_output) {
  thread_local inflater inf;
  if (!inf.ok) return error{errc::zlib_error, 0, "Error while initialising decompression", 500};
  z_stream& zs = inf.zs;
  inflateReset(&zs);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  out.resize(std::min<std::size_t>(max_output, std::max<std::size_t>(data.size() * 4, 256)));
  std::size_t produced = 0;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= max_output) {
        // one more byte would exceed the cap: probe with a 1-byte buffer
        unsigned char probe;
        zs.next_out = &probe;
        zs.avail_out = 1;
        int rc = inflate(&zs, Z_NO_FLUSH);
        if (zs.avail_out == 0)
          return error{errc::too_large, zs.total_in, "decompressed payload exceeds " + std::to_string(max_output) + " bytes", 413};
        if (rc == Z_STREAM_END) break;
        return error{errc::zlib_error, zs.total_in, "Error -5 while decompressing data: incomplete or truncated stream", 500};
      }
      out.resize(std::min<std::size_t>(max_output, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0)
      return error{errc::zlib_error, zs.total_in, "Error -5 while decompressing data: incomplete or truncated stream", 500};
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = "Error " + std::to_string(rc) + " while decompressing data";
      if (zs.msg) msg += std::string(": ") + zs.msg;
      return error{errc::zlib_error, zs.total_in, msg, 500};
    }
    if (zs.avail_in == 0 && zs.avail_out != 0)
      return error{errc::zlib_error, zs.total_in, "Error -5 while decompressing data: incomplete or truncated stream", 500};
  }
  out.resize(produced);
  return out;
}

namespace {
// zlib.compress(data) into `out` (replaced); false when zlib fails.
bool compress_into(std::string& out, std::string_view data) {
  thread_local deflater d;
  if (!d.ok) return false;
  deflateReset(&d.zs);
  out.resize(deflateBound(&d.zs, static_cast<uLong>(data.size())));
  d.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  d.zs.avail_in = static_cast<uInt>(data.size());
  d.zs.next_out = reinterpret_cast<Bytef*>(out.data());
  d.zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&d.zs, Z_FINISH) != Z_STREAM_END) return false;
  out.resize(d.zs.total_out);
  return true;
}

// encode_payload appended to `out`; the compressed bytes go through a per-thread buffer.
void append_payload(std::string& out, std::string_view json_bytes) {
  thread_local std::string c;
  if (compress_into(c, json_bytes) && !c.empty() && c.size() + 1 < json_bytes.size()) {
    out.push_back('.');
    signing::base64_append(out, c);
  } else {
    signing::base64_append(out, json_bytes);
  }
  if (c.capacity() > (1u << 20)) std::string().swap(c);  // keep only a small buffer between calls
}
}  // namespace

namespace {
// Offset of the first byte of the first invalid UTF-8 sequence (Python's UnicodeDecodeError.start).
std::size_t first_invalid_utf8(std::string_view s) { return detail::utf8_first_error(s); }
}  // namespace

std::string zlib_compress(std::string_view data) {
  std::string out;
  if (!compress_into(out, data)) return {};
  return out;
}

std::string encode_payload(std::string_view json_bytes) {
  std::string out;
  append_payload(out, json_bytes);
  return out;
}

result<std::string> decode_payload(std::string_view payload, std::size_t max_decompressed, error* original) {
  bool decompress = false;
  if (!payload.empty() && payload[0] == '.') {
    payload.remove_prefix(1);
    decompress = true;
  }
  auto raw = signing::base64_decode(payload);
  if (!raw) {
    if (original) *original = raw.err();  // itsdangerous's BadData("Invalid base64-encoded data")
    return error{errc::bad_payload, 0, "Could not base64 decode the payload because of an exception", 500};
  }
  if (!decompress) return std::move(raw.value());
  auto inflated = zlib_decompress(*raw, max_decompressed);
  if (!inflated) {
    if (original) *original = inflated.err();
    if (inflated.err().kind == errc::too_large)
      return error{errc::bad_payload, 0, inflated.err().message, 413};
    return error{errc::bad_payload, 0, "Could not zlib decompress the payload before decoding the payload", 500};
  }
  return std::move(inflated.value());
}

result<serializer> serializer::make(options o) {
  signing::signer_options so;
  so.secret_keys = o.secret_keys;
  if (o.salt) so.salt = *o.salt;
  so.sep = o.sep;
  so.derivation = o.derivation;
  so.digest_method = o.digest_method;
  serializer s;
  if (o.timed) {
    auto t = signing::timestamp_signer::make(so);
    if (!t) return t.err();
    s.timed_ = std::move(t.value());
  } else {
    auto p = signing::signer::make(so);
    if (!p) return p.err();
    s.plain_ = std::move(p.value());
  }
  s.o_ = std::move(o);
  return s;
}

result<std::string> serializer::dump_json(const json::value& obj) const {
  if (o_.url_safe) return json::dumps(obj, json::compact(false));
  return json::dumps(obj, json::dump_options{});
}

std::string serializer::dumps_text(std::string_view json_text, std::uint64_t ts) const {
  std::string out;
  // payload (at most 4/3 of the JSON, plus "."), then sep + stamp (≤ 11) + sep + signature (≤ 86)
  out.reserve((o_.url_safe ? json_text.size() / 3 * 4 + 5 : json_text.size()) + 2 * o_.sep.size() + 100);
  if (o_.url_safe) append_payload(out, json_text);
  else out.assign(json_text);
  if (o_.timed) timed_.sign_in_place(out, ts);
  else plain_.sign_in_place(out);
  return out;
}

result<std::string> serializer::dumps(const json::value& obj, std::uint64_t ts) const {
  auto text = dump_json(obj);
  if (!text) return text.err();
  return dumps_text(*text, ts);
}

result<loaded_text> serializer::loads_text(std::string_view s, std::optional<std::int64_t> max_age, std::int64_t now,
                                           load_failure* why) const {
  loaded_text out;
  std::string_view payload;
  if (o_.timed) {
    signing::timed_failure failure;
    auto r = timed_.unsign(s, max_age, now, &failure);
    if (!r) {
      const error& e = r.err();
      if (why) {
        // TimestampSigner.unsign's exception as TimedSerializer.loads re-raises it: the value without its stamp
        // (None when there is no separator at all) and the signing time once the stamp could be read
        bool no_sep = e.kind == errc::bad_signature && e.message.rfind("No ", 0) == 0;
        if (!no_sep) why->payload = std::string(failure.payload);
        why->date_signed = failure.date_signed;
      }
      return error{e.kind, 0, e.message, signing::is_a(e.kind, errc::bad_data) ? 0 : 500};
    }
    payload = r->value;
    out.timestamp = r->timestamp;
    // the value the decoder will see: the Python face rebuilds BadPayload.original_error from it
    if (why) why->payload = std::string(payload);
  } else {
    auto r = plain_.unsign_view(s);
    if (!r.had_sep) return error{errc::bad_signature, 0, "No " + quote_input(o_.sep, quote_style::python_bytes) + " found in value", 0};
    if (why) why->payload = std::string(r.value);
    if (!r.ok) return error{errc::bad_signature, 0, "Signature " + quote_input(r.sig, quote_style::python_bytes) + " does not match", 0};
    payload = r.value;
  }
  if (why) why->date_signed = out.timestamp;
  if (o_.url_safe) {
    error original;
    auto d = decode_payload(payload, o_.max_decompressed, &original);
    if (!d) {
      if (why) why->original_error = original;
      return d.err();
    }
    out.text = std::move(d.value());
  } else {
    out.text = std::string(payload);
  }
  if (!json::valid_utf8(out.text)) {
    if (why) {
      std::size_t bad = first_invalid_utf8(out.text);
      why->original_error = error{errc::unicode_decode_error, bad, "'utf-8' codec can't decode the payload", 500};
    }
    return error{errc::bad_payload, 0, std::string(load_error_message), 500};
  }
  return out;
}

result<loaded> serializer::loads(std::string_view s, std::optional<std::int64_t> max_age, std::int64_t now,
                                 load_failure* why) const {
  auto t = loads_text(s, max_age, now, why);
  if (!t) return t.err();
  auto v = json::loads(t->text, o_.json_limits);
  if (!v) {
    if (why) why->original_error = v.err();
    return error{errc::bad_payload, v.err().offset, std::string(load_error_message), 500};
  }
  return loaded{std::move(v.value()), t->timestamp};
}

}  // namespace websec::serializer
