// websec.serializer — itsdangerous's Serializer, URLSafeSerializer, TimedSerializer, URLSafeTimedSerializer
// byte for byte (websec/serializer.hpp).
#include "json_conv.hpp"
#include "signing_common.hpp"

#include <websec/serializer.hpp>

namespace websec::py {
namespace {

namespace Z = websec::serializer;
namespace S = websec::signing;

template <bool UrlSafe, bool Timed>
struct ser {
  Z::serializer s;
};

Z::options make_options(py::handle secret_key, py::handle salt, py::handle signer_kwargs, bool url_safe, bool timed,
                        std::size_t max_decompressed) {
  Z::options o;
  o.secret_keys = secret_keys(secret_key);
  if (salt.is_none()) o.salt.reset();
  else o.salt = key_bytes(salt);
  if (!signer_kwargs.is_none()) {
    auto kw = signer_kwargs.cast<py::dict>();
    if (kw.contains("key_derivation")) o.derivation = derivation_arg(kw["key_derivation"], o.derivation);
    if (kw.contains("digest_method")) o.digest_method = digest_arg(kw["digest_method"]);
    if (kw.contains("sep")) o.sep = key_bytes(kw["sep"]);
  }
  o.url_safe = url_safe;
  o.timed = timed;
  o.max_decompressed = max_decompressed;
  return o;
}

// BadPayload.original_error as itsdangerous has it: the exception the decoder raised (base64: itsdangerous's
// BadData; zlib.error; UnicodeDecodeError; json.JSONDecodeError), built from the library's error.
py::object original_error(const websec::error& e, std::string_view signed_value, const Z::serializer& z,
                          const Z::load_failure& why) {
  if (e.kind == errc::bad_data) return exception_class("websec.signing.BadData")(e.message);
  if (e.kind == errc::zlib_error) return py::module_::import("zlib").attr("error")(e.message);
  if (e.kind == errc::too_large) return py::reinterpret_borrow<py::object>(PyExc_ValueError)(e.message);
  // the text step: recover the payload bytes (cheap, error path only) and let Python name the exact failure
  std::string text;
  if (why.payload) {
    if (z.opts().url_safe) {
      auto d = Z::decode_payload(*why.payload, z.opts().max_decompressed);
      if (d) text = std::move(d.value());
    } else {
      text = *why.payload;
    }
  }
  if (e.kind == errc::unicode_decode_error) {
    try {
      to_bytes(text).attr("decode")("utf-8");
    } catch (py::error_already_set& err) {
      return err.value();
    }
    return py::reinterpret_borrow<py::object>(PyExc_UnicodeDecodeError)("utf-8", to_bytes(text), e.offset, e.offset + 1,
                                                                        "invalid start byte");
  }
  // json.JSONDecodeError(msg, doc, pos): Python's message is "msg: line L column C (char pos)", pos in characters
  std::string msg = e.message;
  if (auto cut = msg.find(": line "); cut != std::string::npos) msg.resize(cut);
  py::str doc = to_str(text);
  std::size_t pos = py::len(to_str(std::string_view(text).substr(0, std::min<std::size_t>(e.offset, text.size()))));
  (void)signed_value;
  return py::module_::import("json").attr("JSONDecodeError")(msg, doc, pos);
}

[[noreturn]] void raise_loads(const websec::error& e, std::string_view signed_value, const Z::serializer& z,
                              const Z::load_failure& why) {
  if (e.kind == errc::bad_payload) {
    websec::error err = e;
    py::dict extra;
    py::object orig = why.original_error ? original_error(*why.original_error, signed_value, z, why) : py::object(py::none());
    extra["original_error"] = orig;
    extra["__cause__"] = orig;
    raise(signing_error(errc::bad_payload), err, extra);
  }
  py::object payload = why.payload ? py::object(to_bytes(*why.payload)) : py::object(py::none());
  py::object date = why.date_signed ? utc_datetime(*why.date_signed) : py::object(py::none());
  raise_signing(e.kind, e.message, payload, date);
}

template <bool UrlSafe, bool Timed>
void bind_one(py::module_& m, const char* name, const char* doc) {
  using W = ser<UrlSafe, Timed>;
  auto cls = py::class_<W>(m, name, doc);
  cls.def(py::init([](py::handle secret_key, py::handle salt, py::handle signer_kwargs, std::size_t max_decompressed) {
            auto r = Z::serializer::make(make_options(secret_key, salt, signer_kwargs, UrlSafe, Timed, max_decompressed));
            if (!r) raise_error(r.err());
            return W{std::move(r).value()};
          }),
          py::arg("secret_key"), py::arg("salt") = py::bytes("itsdangerous"), py::kw_only(),
          py::arg("signer_kwargs") = py::none(), py::arg("max_decompressed") = Z::default_max_decompressed)
      .def_property_readonly("salt", [](const W& w) -> py::object {
        return w.s.opts().salt ? py::object(to_bytes(*w.s.opts().salt)) : py::object(py::none());
      })
      .def("dump_payload", [](const W& w, py::handle obj) {
        auto r = w.s.dump_json(to_json_value(obj));
        if (!r) throw py::type_error(r.err().message);
        return UrlSafe ? to_bytes(Z::encode_payload(r.value())) : to_bytes(r.value());
      }, py::arg("obj"), "The payload bytes before signing.")
      .def("dumps", [](const W& w, py::handle obj, std::optional<std::uint64_t> timestamp) {
        auto r = w.s.dumps(to_json_value(obj), timestamp ? *timestamp : static_cast<std::uint64_t>(S::now_seconds()));
        if (!r) {
          if (r.err().kind == errc::not_serializable) throw py::type_error(r.err().message);
          throw py::value_error(r.err().message);
        }
        return to_str(r.value());
      }, py::arg("obj"), py::kw_only(), py::arg("timestamp") = py::none(),
      "The signed string (str). timestamp: signing time of timed serializers (default int(time.time())).")
      .def("loads", [](const W& w, byte_view s, std::optional<std::int64_t> max_age, bool return_timestamp,
                       std::optional<std::int64_t> now) -> py::object {
        result<Z::loaded> r = Z::loaded{};
        Z::load_failure why;
        {
          nogil g;
          r = w.s.loads(s.view, max_age, now ? *now : S::now_seconds(), &why);
        }
        if (!r) raise_loads(r.err(), s.view, w.s, why);
        py::object v = from_json_value(r->value);
        if (Timed && return_timestamp)
          return py::make_tuple(v, r->timestamp ? utc_datetime(*r->timestamp) : py::object(py::none()));
        return v;
      }, py::arg("s"), py::arg("max_age") = py::none(), py::arg("return_timestamp") = false, py::kw_only(),
      py::arg("now") = py::none(),
      "Verifies then decodes: BadSignature / BadTimeSignature / SignatureExpired (timed, with max_age) before "
      "BadPayload. A compressed payload inflating past max_decompressed is a BadPayload.")
      .def("validate", [](const W& w, byte_view s, std::optional<std::int64_t> max_age) {
        return static_cast<bool>(w.s.loads(s.view, max_age, S::now_seconds()));
      }, py::arg("s"), py::arg("max_age") = py::none());
}

}  // namespace

void bind_serializer(py::module_& parent) {
  auto m = submodule(parent, "serializer",
                     "itsdangerous's serializers (spec §2.4): Serializer, URLSafeSerializer, TimedSerializer, "
                     "URLSafeTimedSerializer(secret_key, salt=b'itsdangerous', signer_kwargs={'key_derivation': ..., "
                     "'digest_method': ..., 'sep': ...}). Errors are websec.signing's (BadSignature, BadPayload, ...).");
  for (const char* e : {"BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadPayload"})
    m.attr(e) = exception_class(std::string("websec.signing.") + e);
  bind_one<false, false>(m, "Serializer", "itsdangerous.Serializer: json.dumps(obj) (default separators, ASCII), signed.");
  bind_one<true, false>(m, "URLSafeSerializer",
                        "itsdangerous.URLSafeSerializer: compact JSON, zlib when it saves ≥ 2 bytes ('.' prefix), "
                        "base64url, signed.");
  bind_one<false, true>(m, "TimedSerializer", "itsdangerous.TimedSerializer: Serializer with a TimestampSigner.");
  bind_one<true, true>(m, "URLSafeTimedSerializer",
                       "itsdangerous.URLSafeTimedSerializer: URLSafeSerializer with a TimestampSigner (Flask's "
                       "session and Flask-WTF's CSRF token).");
  m.def("encode_payload", [](byte_view json) { return to_bytes(Z::encode_payload(json.view)); }, py::arg("json_bytes"));
  m.def("decode_payload", [](byte_view payload, std::size_t max_decompressed) {
          auto r = Z::decode_payload(payload.view, max_decompressed);
          if (!r) raise_error(r.err());
          return to_bytes(r.value());
        }, py::arg("payload"), py::arg("max_decompressed") = Z::default_max_decompressed);
  m.def("zlib_decompress", [](byte_view d, std::size_t max_output) {
          auto r = Z::zlib_decompress(d.view, max_output);
          if (!r) {
            if (r.err().kind == errc::too_large) throw py::value_error(r.err().message);
            PyErr_SetString(py::module_::import("zlib").attr("error").ptr(), r.err().message.c_str());
            throw py::error_already_set();
          }
          return to_bytes(r.value());
        }, py::arg("data"), py::arg("max_output") = Z::default_max_decompressed,
        "zlib.decompress(data) with a cap on the output: zlib.error as Python raises it, ValueError past the cap.");
  m.def("zlib_compress", [](byte_view d) { return to_bytes(Z::zlib_compress(d.view)); }, py::arg("data"));
}

}  // namespace websec::py
