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

[[noreturn]] void raise_loads(const websec::error& e, std::string_view signed_value, const Z::options& o) {
  // payload as itsdangerous puts it in the exception: the part before the (last) separator
  py::object payload = py::none();
  auto pos = signed_value.rfind(o.sep);
  if (pos != std::string_view::npos) payload = to_bytes(signed_value.substr(0, pos));
  raise_signing(e.kind, e.message, payload, py::none());
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
          if (r.err().kind == "not_serializable") throw py::type_error(r.err().message);
          throw py::value_error(r.err().message);
        }
        return to_str(r.value());
      }, py::arg("obj"), py::kw_only(), py::arg("timestamp") = py::none(),
      "The signed string (str). timestamp: signing time of timed serializers (default int(time.time())).")
      .def("loads", [](const W& w, byte_view s, std::optional<std::int64_t> max_age, bool return_timestamp,
                       std::optional<std::int64_t> now) -> py::object {
        result<Z::loaded> r = Z::loaded{};
        {
          nogil g;
          r = w.s.loads(s.view, max_age, now ? *now : S::now_seconds());
        }
        if (!r) raise_loads(r.err(), s.view, w.s.opts());
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
  m.def("zlib_compress", [](byte_view d) { return to_bytes(Z::zlib_compress(d.view)); }, py::arg("data"));
}

}  // namespace websec::py
