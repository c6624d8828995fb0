// websec.session — Flask's signed cookie session (websec/session.hpp): sign, verify, decode, open, the codec
// with its Set-Cookie lines, tagged JSON, and the weak-secret check.
#include "json_conv.hpp"
#include "signing_common.hpp"

#include <websec/serializer.hpp>
#include <websec/session.hpp>

namespace websec::py {
namespace {

namespace X = websec::session;
namespace Z = websec::serializer;
namespace S = websec::signing;

constexpr std::int64_t kLifetime = 31 * 86400;

Z::serializer make_serializer(py::handle secret, py::handle fallbacks, py::handle salt, py::handle key_derivation,
                              py::handle digest) {
  Z::options o;
  if (!fallbacks.is_none())
    for (auto k : py::reinterpret_borrow<py::iterable>(fallbacks)) o.secret_keys.push_back(key_bytes(k));
  o.secret_keys.push_back(key_bytes(secret));  // signs with SECRET_KEY, verifies it first (Flask ≥ 3.1.1)
  o.salt = key_bytes(salt);
  o.derivation = derivation_arg(key_derivation, S::key_derivation::hmac);
  o.digest_method = digest_arg(digest);
  auto r = Z::serializer::make(std::move(o));
  if (!r) raise_error(r.err());
  return std::move(r).value();
}

py::object opened_to_py(const X::opened& o) {
  py::dict d;
  const char* outcome = o.result == X::opened::outcome::session         ? "session"
                        : o.result == X::opened::outcome::empty_session ? "empty_session"
                                                                        : "exception_500";
  d["outcome"] = outcome;
  d["data"] = from_json_value(o.data);
  d["timestamp"] = o.timestamp ? utc_datetime(*o.timestamp) : py::object(py::none());
  d["error_kind"] = o.error_kind.empty() ? py::object(py::none()) : py::object(py::str(o.error_kind));
  d["error_message"] = o.error_message.empty() ? py::object(py::none()) : py::object(to_str(o.error_message));
  d["age"] = o.age;
  return py::module_::import("types").attr("SimpleNamespace")(**d);
}

std::optional<std::string> opt_text(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return key_bytes(h);
}

}  // namespace

void bind_session(py::module_& parent) {
  auto m = submodule(parent, "session",
                     "Flask's signed cookie session (SecureCookieSessionInterface + TaggedJSONSerializer; spec §2.5, "
                     "§2.6): sign / verify / decode / open, Codec (config, Set-Cookie lines), tagged JSON, crack.");
  for (const char* e : {"BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadPayload"})
    m.attr(e) = exception_class(std::string("websec.signing.") + e);
  define_exception(m, "MalformedCookie", exception_class("websec.signing.BadData"),
                   "decode(): the value does not have the shape of a session cookie.", "websec.session.MalformedCookie");
  m.attr("DEFAULT_LIFETIME") = kLifetime;

  m.def("sign", [](py::handle payload, py::handle secret, py::handle salt, std::optional<std::uint64_t> timestamp,
                   py::handle key_derivation, py::handle digest, py::handle fallbacks) {
          auto s = make_serializer(secret, fallbacks, salt, key_derivation, digest);
          auto text = X::tagged_dumps(to_json_value(payload));
          if (!text) throw py::type_error(text.err().message);
          return to_str(s.dumps_text(text.value(), timestamp ? *timestamp : static_cast<std::uint64_t>(S::now_seconds())));
        },
        py::arg("payload"), py::arg("secret"), py::kw_only(), py::arg("salt") = "cookie-session",
        py::arg("timestamp") = py::none(), py::arg("key_derivation") = "hmac", py::arg("digest") = "sha1",
        py::arg("fallbacks") = py::none(),
        "The cookie value Flask sets for the session dict `payload` (tuple, bytes, Markup, UUID, datetime tagged). "
        "timestamp: signing time (default now).");
  m.def("verify", [](byte_view cookie, py::handle secret, py::handle fallbacks, std::optional<std::int64_t> max_age,
                     py::handle salt, py::handle key_derivation, py::handle digest, std::optional<std::int64_t> now,
                     bool return_timestamp) -> py::object {
          auto s = make_serializer(secret, fallbacks, salt, key_derivation, digest);
          result<Z::loaded_text> r = Z::loaded_text{};
          {
            nogil g;
            r = s.loads_text(cookie.view, max_age, now ? *now : S::now_seconds());
          }
          if (!r) {
            auto pos = cookie.view.rfind('.');
            raise_signing(r.err().kind, r.err().message,
                          pos == std::string_view::npos ? py::object(py::none()) : py::object(to_bytes(cookie.view.substr(0, pos))),
                          py::none());
          }
          auto v = X::tagged_loads(r->text);
          if (!v)
            raise_signing("BadPayload", "Could not load the payload because an exception occurred on unserializing "
                          "the data. (" + v.err().message + ")", py::none(), py::none());
          py::object out = from_json_value(v.value());
          if (return_timestamp) return py::make_tuple(out, r->timestamp ? utc_datetime(*r->timestamp) : py::object(py::none()));
          return out;
        },
        py::arg("cookie"), py::arg("secret"), py::kw_only(), py::arg("fallbacks") = py::none(),
        py::arg("max_age") = kLifetime, py::arg("salt") = "cookie-session", py::arg("key_derivation") = "hmac",
        py::arg("digest") = "sha1", py::arg("now") = py::none(), py::arg("return_timestamp") = false,
        "Verifies a session cookie and returns the session dict; raises BadSignature / BadTimeSignature / "
        "SignatureExpired (max_age: PERMANENT_SESSION_LIFETIME, None = no age check) or BadPayload (Flask's 500). "
        "Flask itself turns every BadSignature into an empty session: see open().");
  m.def("decode", [](byte_view cookie) {
          auto r = X::decode_unverified(cookie.view);
          if (!r) raise(exception_class("websec.session.MalformedCookie"), r.err());
          return from_json_value(r->value);
        }, py::arg("cookie"),
        "The session dict of a cookie WITHOUT verifying its signature (what flask-unsign --decode shows).");
  m.def("decode_details", [](byte_view cookie) {
          auto r = X::decode_unverified(cookie.view);
          if (!r) raise(exception_class("websec.session.MalformedCookie"), r.err());
          py::dict d;
          d["value"] = from_json_value(r->value);
          d["tagged_json"] = to_str(r->tagged_json);
          d["timestamp"] = r->timestamp ? utc_datetime(*r->timestamp) : py::object(py::none());
          d["compressed"] = r->compressed;
          return d;
        }, py::arg("cookie"), "decode() with the tagged JSON text, the timestamp and whether it was compressed.");
  m.def("open", [](byte_view cookie, py::handle secret, py::handle fallbacks, std::int64_t lifetime, py::handle salt,
                   std::optional<std::int64_t> now, py::handle profile) {
          X::config c;
          c.secret_key = key_bytes(secret);
          if (!fallbacks.is_none())
            for (auto k : py::reinterpret_borrow<py::iterable>(fallbacks)) c.fallbacks.push_back(key_bytes(k));
          c.salt = key_bytes(salt);
          c.lifetime_seconds = lifetime;
          c.prof = to_profile(profile);
          auto codec = X::codec::make(c);
          if (!codec) raise_error(codec.err());
          X::opened o;
          {
            nogil g;
            o = codec->open(cookie.view, now ? *now : S::now_seconds());
          }
          return opened_to_py(o);
        }, py::arg("cookie"), py::arg("secret"), py::kw_only(), py::arg("fallbacks") = py::none(),
        py::arg("lifetime") = kLifetime, py::arg("salt") = "cookie-session", py::arg("now") = py::none(),
        py::arg("profile") = "upstream",
        "Flask's open_session on a cookie value: a namespace with outcome ('session', 'empty_session' for a bad, "
        "expired or future-dated cookie, 'exception_500' for a valid signature over an undecodable payload), data, "
        "timestamp, error_kind, error_message, age.");

  m.def("tagged_dumps", [](py::handle v) {
          auto r = X::tagged_dumps(to_json_value(v));
          if (!r) throw py::type_error(r.err().message);
          return to_str(r.value());
        }, py::arg("value"), "TaggedJSONSerializer.dumps (sorted keys, ASCII, compact).");
  m.def("tagged_loads", [](byte_view text) {
          auto r = X::tagged_loads(text.view);
          if (!r) raise_signing("BadPayload", r.err().message, py::none(), py::none());
          return from_json_value(r.value());
        }, py::arg("text"), "TaggedJSONSerializer.loads.");
  m.def("extract_cookie_value", [](byte_view text, const std::string& name) {
          auto r = X::extract_cookie_value(text.view, name);
          if (!r) raise(exception_class("websec.session.MalformedCookie"), r.err());
          return to_str(r.value());
        }, py::arg("text"), py::arg("name") = "session",
        "The cookie value from 'session=V; ...', 'Cookie: ...', 'Set-Cookie: ...' or a bare value.");
  m.def("crack", [](byte_view cookie, py::iterable candidates, const std::string& salt) -> py::object {
          auto t = X::crack_target::make(cookie.view, salt);
          if (!t) raise(exception_class("websec.session.MalformedCookie"), t.err());
          for (auto c : candidates) {
            std::string k = key_bytes(c);
            if (t->matches(k)) return py::reinterpret_borrow<py::object>(c);
          }
          return py::none();
        }, py::arg("cookie"), py::arg("candidates"), py::arg("salt") = "cookie-session",
        "The first candidate secret that signed this cookie (the weak-secret audit), or None.");

  py::class_<X::codec>(m, "Codec",
                       "SecureCookieSessionInterface with its Flask config: encode (the cookie value), open / "
                       "open_request, save (the response headers Flask adds), set_cookie_line, delete_cookie_line.")
      .def(py::init([](py::handle secret_key, py::handle fallbacks, py::handle salt, std::int64_t lifetime,
                       py::handle profile, const std::string& cookie_name, py::handle domain, py::handle server_name,
                       const std::string& path, bool httponly, bool secure, py::handle samesite, bool partitioned,
                       bool refresh_each_request) {
             X::config c;
             c.secret_key = key_bytes(secret_key);
             if (!fallbacks.is_none())
               for (auto k : py::reinterpret_borrow<py::iterable>(fallbacks)) c.fallbacks.push_back(key_bytes(k));
             c.salt = key_bytes(salt);
             c.lifetime_seconds = lifetime;
             c.prof = to_profile(profile);
             c.cookie_name = cookie_name;
             c.domain = opt_text(domain);
             c.server_name = opt_text(server_name);
             c.path = path;
             c.httponly = httponly;
             c.secure = secure;
             c.samesite = opt_text(samesite);
             c.partitioned = partitioned;
             c.refresh_each_request = refresh_each_request;
             auto r = X::codec::make(c);
             if (!r) raise_error(r.err());
             return std::move(r).value();
           }),
           py::arg("secret_key"), py::kw_only(), py::arg("fallbacks") = py::none(), py::arg("salt") = "cookie-session",
           py::arg("lifetime") = kLifetime, py::arg("profile") = "upstream", py::arg("cookie_name") = "session",
           py::arg("domain") = py::none(), py::arg("server_name") = py::none(), py::arg("path") = "/",
           py::arg("httponly") = true, py::arg("secure") = false, py::arg("samesite") = py::none(),
           py::arg("partitioned") = false, py::arg("refresh_each_request") = true)
      .def("encode", [](const X::codec& c, py::handle session, std::optional<std::uint64_t> timestamp) {
             auto r = c.encode(to_json_value(session), timestamp ? *timestamp : static_cast<std::uint64_t>(S::now_seconds()));
             if (!r) throw py::type_error(r.err().message);
             return to_str(r.value());
           }, py::arg("session"), py::arg("timestamp") = py::none())
      .def("open", [](const X::codec& c, byte_view v, std::optional<std::int64_t> now) {
             return opened_to_py(c.open(v.view, now ? *now : S::now_seconds()));
           }, py::arg("cookie_value"), py::arg("now") = py::none())
      .def("open_request", [](const X::codec& c, byte_view header, std::optional<std::int64_t> now) {
             return opened_to_py(c.open_request(header.view, now ? *now : S::now_seconds()));
           }, py::arg("cookie_header"), py::arg("now") = py::none())
      .def("save", [](const X::codec& c, py::handle session, bool accessed, bool modified, std::optional<std::int64_t> now) {
             auto r = c.save(to_json_value(session), X::codec::state{accessed, modified}, now ? *now : S::now_seconds());
             if (!r) raise(exception_class("websec.signing.BadData"), r.err());
             py::list l;
             for (auto& [k, v] : r.value()) l.append(py::make_tuple(to_str(k), to_str(v)));
             return l;
           }, py::arg("session"), py::kw_only(), py::arg("accessed") = true, py::arg("modified") = true,
           py::arg("now") = py::none(), "save_session: the (name, value) headers Flask adds, in order.")
      .def("set_cookie_line", [](const X::codec& c, byte_view value, std::optional<std::int64_t> expires) {
             auto r = c.set_cookie_line(value.view, expires);
             if (!r) raise(exception_class("websec.signing.BadData"), r.err());
             return to_str(r.value());
           }, py::arg("value"), py::arg("expires") = py::none())
      .def("delete_cookie_line", [](const X::codec& c) {
             auto r = c.delete_cookie_line();
             if (!r) raise(exception_class("websec.signing.BadData"), r.err());
             return to_str(r.value());
           });
}

}  // namespace websec::py
