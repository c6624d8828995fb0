// websec.signing — itsdangerous's encoding, Signer and TimestampSigner byte for byte (websec/signing.hpp),
// with itsdangerous's exception hierarchy: BadData ⊃ BadSignature ⊃ BadTimeSignature ⊃ SignatureExpired,
// BadData ⊃ BadPayload (all under websec.Error).
#include "signing_common.hpp"

#include <pybind11/eval.h>

namespace websec::py {

namespace S = websec::signing;

std::string key_bytes(py::handle h) {
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  return std::string(h.cast<byte_view>().view);
}

std::vector<std::string> secret_keys(py::handle h) {
  std::vector<std::string> keys;
  if (py::isinstance<py::str>(h) || py::isinstance<py::bytes>(h) || py::isinstance<py::bytearray>(h) ||
      py::isinstance<py::memoryview>(h)) {
    keys.push_back(key_bytes(h));
  } else {
    for (auto k : py::reinterpret_borrow<py::iterable>(h)) keys.push_back(key_bytes(k));
  }
  if (keys.empty()) throw py::value_error("secret_key must not be empty");
  return keys;
}

S::digest digest_arg(py::handle h) {
  if (h.is_none()) return S::digest::sha1;
  std::string name;
  if (py::isinstance<py::str>(h)) name = h.cast<std::string>();
  else if (py::hasattr(h, "name")) name = py::str(h.attr("name")).cast<std::string>();
  else name = py::str(h().attr("name")).cast<std::string>();  // a hashlib constructor: hashlib.sha256
  auto d = S::parse_digest(name);
  if (!d) throw py::value_error("unsupported digest_method " + name + " (sha1, sha224, sha256, sha384, sha512, md5)");
  return *d;
}

S::key_derivation derivation_arg(py::handle h, S::key_derivation dflt) {
  if (h.is_none()) return dflt;
  auto k = S::parse_key_derivation(h.cast<std::string>());
  if (!k) throw py::type_error("Unknown key derivation method");
  return *k;
}

S::signer_options signer_options_from(py::handle secret_key, py::handle salt, py::handle sep, py::handle key_derivation,
                                      py::handle digest_method, const char* default_salt,
                                      S::key_derivation default_kd) {
  S::signer_options o;
  o.secret_keys = secret_keys(secret_key);
  o.salt = salt.is_none() ? std::string(default_salt) : key_bytes(salt);
  o.sep = key_bytes(sep);
  o.derivation = derivation_arg(key_derivation, default_kd);
  o.digest_method = digest_arg(digest_method);
  return o;
}

py::object signing_error(errc kind) {
  if (S::is_a(kind, errc::bad_data)) return exception_class("websec.signing." + std::string(to_string(kind)));
  return exception_class("websec.signing.BadData");
}

py::object utc_datetime(std::uint64_t ts) {
  if (ts > S::max_datetime_timestamp) return py::none();
  py::module_ d = py::module_::import("datetime");
  return d.attr("datetime").attr("fromtimestamp")(ts, d.attr("timezone").attr("utc"));
}

[[noreturn]] void raise_signing(errc kind, const std::string& message, py::object payload, py::object date_signed) {
  if (kind == errc::value_error) throw py::value_error(message);
  if (kind == errc::type_error) throw py::type_error(message);
  if (kind == errc::os_error || kind == errc::overflow_error) {  // datetime.fromtimestamp beyond what gmtime/time_t hold
    PyErr_SetString(kind == errc::os_error ? PyExc_OSError : PyExc_OverflowError, message.c_str());
    throw py::error_already_set();
  }
  websec::error e{kind, 0, message, 0};
  py::dict extra;
  extra["payload"] = payload;
  if (kind == errc::bad_time_signature || kind == errc::signature_expired) extra["date_signed"] = date_signed;
  raise(signing_error(kind), e, extra);
}

[[noreturn]] void raise_error(const websec::error& e) { raise_signing(e.kind, e.message, py::none(), py::none()); }

namespace {

template <class T>
T made(result<T> r) {
  if (!r) raise_error(r.err());
  return std::move(r).value();
}

void install_exception_methods(py::object bad_data, py::object bad_sig, py::object bad_time, py::object expired,
                               py::object bad_header, py::object bad_payload);

// websec.signing's exception classes.
void define_signing_exceptions(py::module_& m) {
  // itsdangerous.exc, class for class: constructors with the same arguments, the same attributes, str() = message.
  // Raised by the library they also carry websec.Error's kind, offset and http_status.
  auto bad_data = define_exception(m, "BadData", base_error(),
                                   "itsdangerous.BadData(message): the base of every signing error. Attributes: "
                                   "message (str() is the message).", "websec.signing.BadData");
  auto bad_sig = define_exception(m, "BadSignature", bad_data,
                                  "itsdangerous.BadSignature(message, payload=None): the signature does not match. "
                                  "payload: the value part (bytes), None when there is no separator.",
                                  "websec.signing.BadSignature");
  auto bad_time = define_exception(m, "BadTimeSignature", bad_sig,
                                   "itsdangerous.BadTimeSignature(message, payload=None, date_signed=None): a timed "
                                   "signature is invalid, or its timestamp is missing or malformed. payload: the value "
                                   "without its timestamp; date_signed: the aware UTC datetime it was signed, when the "
                                   "timestamp could be read.", "websec.signing.BadTimeSignature");
  auto expired = define_exception(m, "SignatureExpired", bad_time,
                                  "itsdangerous.SignatureExpired(message, payload=None, date_signed=None): the signature "
                                  "is valid but older than max_age (or dated in the future when max_age is given).",
                                  "websec.signing.SignatureExpired");
  auto bad_header = define_exception(m, "BadHeader", bad_sig,
                                     "itsdangerous.BadHeader(message, payload=None, header=None, original_error=None): "
                                     "a signed header is invalid (itsdangerous's JWS layer; kept for except clauses "
                                     "and callers that raise it).", "websec.signing.BadHeader");
  auto bad_payload = define_exception(m, "BadPayload", bad_data,
                                      "itsdangerous.BadPayload(message, original_error=None): the signature is valid "
                                      "but the payload cannot be decoded (not a BadSignature: Flask answers 500). "
                                      "original_error: the decoder's exception (itsdangerous's BadData for base64, "
                                      "zlib.error, UnicodeDecodeError, json.JSONDecodeError), also the __cause__.",
                                      "websec.signing.BadPayload");
  install_exception_methods(bad_data, bad_sig, bad_time, expired, bad_header, bad_payload);
}

// The constructors and str() of itsdangerous.exc, as Python functions (the classes are C-created exception types).
void install_exception_methods(py::object bad_data, py::object bad_sig, py::object bad_time, py::object expired,
                               py::object bad_header, py::object bad_payload) {
  py::dict ns;
  py::exec(R"PY(
def _data_init(self, message):
    Exception.__init__(self, message)
    self.message = message

def _data_str(self):
    return self.message

def _signature_init(self, message, payload=None):
    _data_init(self, message)
    self.payload = payload

def _time_init(self, message, payload=None, date_signed=None):
    _signature_init(self, message, payload)
    self.date_signed = date_signed

def _header_init(self, message, payload=None, header=None, original_error=None):
    _signature_init(self, message, payload)
    self.header = header
    self.original_error = original_error

def _payload_init(self, message, original_error=None):
    _data_init(self, message)
    self.original_error = original_error
)PY", ns);
  bad_data.attr("__init__") = ns["_data_init"];
  bad_data.attr("__str__") = ns["_data_str"];
  bad_sig.attr("__init__") = ns["_signature_init"];
  bad_time.attr("__init__") = ns["_time_init"];
  expired.attr("__init__") = ns["_time_init"];
  bad_header.attr("__init__") = ns["_header_init"];
  bad_payload.attr("__init__") = ns["_payload_init"];
  // defaults of websec.Error's attributes for instances created by callers (the library sets them when it raises)
  for (auto cls : {bad_data, bad_sig, bad_time, expired, bad_header, bad_payload}) {
    cls.attr("kind") = cls.attr("__name__");
    cls.attr("offset") = 0;
    cls.attr("http_status") = 0;
  }
}

// The encoding helpers and digests of websec.signing.
void bind_encoding(py::module_& m) {
  m.def("base64_encode", [](byte_view b) { return to_bytes(S::base64_encode(b.view)); }, py::arg("data"),
        "itsdangerous.encoding.base64_encode: URL-safe alphabet, no padding.");
  m.def("base64_decode", [](byte_view b) {
          auto r = S::base64_decode(b.view, b.was_text);
          if (!r) raise_error(r.err());
          return to_bytes(r.value());
        }, py::arg("data"),
        "itsdangerous.encoding.base64_decode: CPython's lenient decoder (junk skipped, both alphabets); a str "
        "drops its non-ASCII characters first. BadData on failure.");
  m.def("int_to_bytes", [](std::uint64_t n) { return to_bytes(S::int_to_bytes(n)); }, py::arg("n"));
  m.def("bytes_to_int", [](byte_view b) {
          auto r = S::bytes_to_int(b.view);
          if (!r) throw py::value_error("bytes_to_int: more than 8 bytes (struct.error in Python)");
          return *r;
        }, py::arg("data"));
  m.def("constant_time_equal", [](byte_view a, byte_view b) { return S::constant_time_equal(a.view, b.view); });
  m.def("hmac_digest", [](py::handle digest, byte_view key, byte_view msg) {
          return to_bytes(S::hmac_key(digest_arg(digest), key.view).mac(msg.view));
        }, py::arg("digest"), py::arg("key"), py::arg("msg"),
        "hmac.new(key, msg, digest).digest() (OpenSSL): what HMACAlgorithm.get_signature computes.");
  m.def("hash_digest", [](py::handle digest, byte_view data) { return to_bytes(S::hash(digest_arg(digest), data.view)); },
        py::arg("digest"), py::arg("data"), "hashlib.new(digest, data).digest() (OpenSSL).");
  m.def("is_a", [](const std::string& kind, const std::string& base) {
          if (kind == base) return true;
          auto k = errc_from_string(kind), b = errc_from_string(base);
          return k && b && S::is_a(*k, *b);
        }, py::arg("kind"), py::arg("base"),
        "True when an error of class `kind` is caught by `except <base>:`.");
}

void bind_signer(py::module_& m) {
  py::class_<S::signer>(m, "Signer",
                        "itsdangerous.Signer(secret_key, salt=b'itsdangerous.Signer', sep=b'.', "
                        "key_derivation='django-concat', digest_method='sha1'). secret_key may be a list (oldest → "
                        "newest): signing uses the last, verification tries newest first. digest_method: a name "
                        "('sha256') or a hashlib constructor.")
      .def(py::init([](py::handle secret_key, py::handle salt, py::handle sep, py::handle key_derivation,
                       py::handle digest_method) {
             return made(S::signer::make(signer_options_from(secret_key, salt, sep, key_derivation, digest_method,
                                                             "itsdangerous.Signer", S::key_derivation::django_concat)));
           }),
           py::arg("secret_key"), py::arg("salt") = py::bytes("itsdangerous.Signer"), py::arg("sep") = py::bytes("."),
           py::arg("key_derivation") = py::none(), py::arg("digest_method") = py::none())
      .def_property_readonly("salt", [](const S::signer& s) { return to_bytes(s.options().salt); })
      .def_property_readonly("sep", [](const S::signer& s) { return to_bytes(s.options().sep); })
      .def_property_readonly("key_derivation", [](const S::signer& s) { return std::string(S::to_string(s.options().derivation)); })
      .def_property_readonly("digest_method", [](const S::signer& s) { return std::string(S::to_string(s.options().digest_method)); })
      .def_property_readonly("secret_keys", [](const S::signer& s) {
        py::list l;
        for (auto& k : s.options().secret_keys) l.append(to_bytes(k));
        return l;
      })
      .def("derive_key", [](const S::signer& s, py::handle secret_key) {
             std::string k = secret_key.is_none() ? s.options().secret_keys.back() : key_bytes(secret_key);
             return to_bytes(S::derive_key(s.options(), k));
           }, py::arg("secret_key") = py::none())
      .def("get_signature", [](const S::signer& s, byte_view v) { return to_bytes(s.signature(v.view)); }, py::arg("value"))
      .def("sign", [](const S::signer& s, byte_view v) {
             std::string out;
             { nogil g; out = s.sign(v.view); }
             return to_bytes(out);
           }, py::arg("value"), "value + sep + signature (bytes).")
      .def("verify_signature", [](const S::signer& s, byte_view v, byte_view sig) {
             return s.verify_signature(v.view, sig.view);
           }, py::arg("value"), py::arg("sig"))
      .def("unsign", [](const S::signer& s, byte_view v) {
             S::signer::unsign_outcome o;
             { nogil g; o = s.unsign_view(v.view); }
             if (o.ok) return to_bytes(o.value);
             auto r = s.unsign(v.view);  // the exact message
             py::object payload = o.had_sep ? py::object(to_bytes(o.value)) : py::object(py::none());
             raise_signing(r ? errc::bad_signature : r.err().kind, r ? "" : r.err().message, payload, py::none());
           }, py::arg("signed_value"), "The value, or BadSignature (payload = the value part, None without sep).")
      .def("validate", [](const S::signer& s, byte_view v) { return s.unsign_view(v.view).ok; }, py::arg("signed_value"));
}

// TimestampSigner.unsign: the value (and the datetime it was signed), or the exception itsdangerous raises.
py::object timed_unsign(const S::timestamp_signer& t, const byte_view& v, std::optional<std::int64_t> max_age,
                        bool return_timestamp, std::optional<std::int64_t> now) {
  S::timed_failure f;
  auto o = [&] {
    nogil g;
    return t.unsign(v.view, max_age, now ? *now : S::now_seconds(), &f);
  }();
  if (!o) {
    const websec::error& e = o.err();
    py::object date = f.date_signed ? utc_datetime(*f.date_signed) : py::object(py::none());
    bool no_sep = e.kind == errc::bad_signature && e.message.rfind("No ", 0) == 0;
    raise_signing(e.kind, e.message, no_sep ? py::object(py::none()) : py::object(to_bytes(f.payload)), date);
  }
  py::object date = utc_datetime(o->timestamp);
  if (return_timestamp) return py::make_tuple(to_bytes(o->value), date);
  return to_bytes(o->value);
}

void bind_timestamp_signer(py::module_& m) {
  py::class_<S::timestamp_signer>(m, "TimestampSigner",
                                  "itsdangerous.TimestampSigner: a Signer whose value carries a timestamp "
                                  "(same arguments as Signer).")
      .def(py::init([](py::handle secret_key, py::handle salt, py::handle sep, py::handle key_derivation,
                       py::handle digest_method) {
             return made(S::timestamp_signer::make(signer_options_from(secret_key, salt, sep, key_derivation, digest_method,
                                                                       "itsdangerous.Signer", S::key_derivation::django_concat)));
           }),
           py::arg("secret_key"), py::arg("salt") = py::bytes("itsdangerous.Signer"), py::arg("sep") = py::bytes("."),
           py::arg("key_derivation") = py::none(), py::arg("digest_method") = py::none())
      .def_property_readonly("signer", [](const S::timestamp_signer& t) { return t.base(); })
      .def("get_timestamp", [](const S::timestamp_signer&) { return S::now_seconds(); })
      .def("sign", [](const S::timestamp_signer& t, byte_view v, std::optional<std::uint64_t> timestamp) {
             return to_bytes(t.sign(v.view, timestamp ? *timestamp : static_cast<std::uint64_t>(S::now_seconds())));
           }, py::arg("value"), py::arg("timestamp") = py::none(),
           "value + sep + timestamp + sep + signature; timestamp defaults to int(time.time()).")
      .def("unsign", &timed_unsign, py::arg("signed_value"), py::arg("max_age") = py::none(), py::arg("return_timestamp") = false,
           py::kw_only(), py::arg("now") = py::none(),
           "The value (and the datetime it was signed, with return_timestamp), or BadSignature / BadTimeSignature / "
           "SignatureExpired as itsdangerous raises them. now: the clock (default int(time.time())).")
      .def("validate", [](const S::timestamp_signer& t, byte_view v, std::optional<std::int64_t> max_age) {
             return t.unsign(v.view, max_age, S::now_seconds()).ok();
           }, py::arg("signed_value"), py::arg("max_age") = py::none());
}

}  // namespace

void bind_signing(py::module_& parent) {
  auto m = submodule(parent, "signing",
                     "itsdangerous's encoding, Signer and TimestampSigner, byte for byte (spec §2.1-2.3), with its "
                     "exception hierarchy. Values are bytes-like or str (UTF-8); results are bytes, as itsdangerous "
                     "returns them.");
  define_signing_exceptions(m);
  bind_encoding(m);
  bind_signer(m);
  bind_timestamp_signer(m);
}

}  // namespace websec::py
