// websec.cookie — werkzeug's dump_cookie byte for byte, Set-Cookie read as a browser does, the Set-Cookie
// audit, and the request Cookie header as werkzeug reads it (websec/cookie.hpp).
#include "common.hpp"

#include <websec/cookie.hpp>

#include <cmath>

namespace websec::py {
namespace {

namespace C = websec::cookie;

std::string text_arg(py::handle h) { return std::string(h.cast<byte_view>().view); }

// datetime → Unix seconds, microseconds dropped (werkzeug formats the datetime's fields; naive = UTC).
std::int64_t datetime_seconds(py::handle dt) {
  py::module_ d = py::module_::import("datetime");
  py::object utc = d.attr("timezone").attr("utc");
  py::object aware = dt.attr("tzinfo").is_none() ? dt.attr("replace")(py::arg("tzinfo") = utc) : py::reinterpret_borrow<py::object>(dt);
  py::object epoch = d.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = utc);
  py::object delta = aware - epoch;
  return py::int_(delta.attr("__floordiv__")(d.attr("timedelta")(py::arg("seconds") = 1))).cast<std::int64_t>();
}

std::optional<std::int64_t> seconds_arg(py::handle h) {  // int or timedelta (int(total_seconds()))
  if (h.is_none()) return std::nullopt;
  if (py::hasattr(h, "total_seconds")) return py::int_(h.attr("total_seconds")()).cast<std::int64_t>();
  return h.cast<std::int64_t>();
}

py::object cookie_error(const char* name) { return exception_class(std::string("websec.cookie.") + name); }

// The Cookie header as bytes: bytes-like as is; a str is a WSGI string (latin-1 code points). werkzeug 3.1 encodes
// it with "latin1" (UnicodeEncodeError past U+00FF), werkzeug 2.2 with "latin1", "replace" ('?').
byte_view cookie_header_bytes(py::handle h, websec::profile p) {
  if (!py::isinstance<py::str>(h)) return h.cast<byte_view>();
  PyObject* b = PyUnicode_AsEncodedString(h.ptr(), "latin-1", p == websec::profile::debian ? "replace" : "strict");
  if (!b) throw py::error_already_set();
  byte_view v;
  v.keep = py::reinterpret_steal<py::object>(b);
  v.view = std::string_view(PyBytes_AS_STRING(b), static_cast<std::size_t>(PyBytes_GET_SIZE(b)));
  v.was_text = true;
  return v;
}

py::list pairs_list(const std::vector<std::pair<std::string, std::string>>& pairs) {
  py::list out;
  for (auto& [k, v] : pairs) out.append(py::make_tuple(to_str(k), to_str(v)));
  return out;
}

C::audit_options audit_opts(std::optional<std::int64_t> max_lifetime, bool https, std::optional<std::int64_t> now,
                            std::size_t max_size, std::optional<std::string> url, std::optional<std::string> role,
                            bool hsts) {
  C::audit_options o;
  o.https = https;
  o.max_lifetime = max_lifetime;
  o.now = now;
  o.max_size = max_size;
  o.hsts = hsts;
  if (url) {
    auto r = C::parse_request_url(*url);
    if (!r) throw py::value_error("url: " + r.err().message);
    o.url = *url;
  }
  if (role && !C::parse_role(*role, o.role))
    throw py::value_error("role must be session, remember-me, csrf, preference, other or auto, not " + *role);
  return o;
}

void define_cookie_exceptions(py::module_& parent, py::module_& m) {
  auto base = define_exception(m, "CookieError", base_error(), "Base of websec.cookie errors.", "websec.cookie.CookieError");
  define_exception(m, "DumpError", py::make_tuple(base, py::handle(PyExc_ValueError)),
                   "dump() refused its arguments where werkzeug raises (kind: samesite_invalid, domain_no_dot, "
                   "domain_idna, path_invalid_ipv6, expires_out_of_range, partitioned_unsupported).",
                   "websec.cookie.DumpError");
  define_exception(m, "IDNAError", py::make_tuple(exception_class("websec.cookie.DumpError"), py::handle(PyExc_UnicodeError)),
                   "dump() with a domain the idna codec refuses (kind domain_idna): werkzeug lets the codec's "
                   "UnicodeError through; this is one (and a DumpError, a ValueError).", "websec.cookie.IDNAError");
  define_exception(m, "InvalidSetCookie", py::make_tuple(base, py::handle(PyExc_ValueError)),
                   "A Set-Cookie line a browser ignores entirely (kind: cookie_control_char, cookie_empty, "
                   "cookie_too_large).", "websec.cookie.InvalidSetCookie");
  if (py::hasattr(parent, "Finding")) m.attr("Finding") = parent.attr("Finding");
  m.attr("DEFAULT_MAX_SIZE") = C::default_max_size;
}

// dump (werkzeug.http.dump_cookie), http_date, idna_encode.
void bind_dump(py::module_& m) {
  m.def("dump", [](py::handle key, py::handle value, py::handle max_age, py::handle expires, py::handle path,
                   py::handle domain, bool secure, bool httponly, bool sync_expires, std::size_t max_size,
                   py::handle samesite, bool partitioned, py::handle now, py::handle profile) {
          C::dump_options o;
          o.max_age = seconds_arg(max_age);
          if (expires.is_none()) {
          } else if (py::isinstance<py::str>(expires) || py::isinstance<py::bytes>(expires)) {
            o.expires = text_arg(expires);
          } else if (py::isinstance<py::float_>(expires)) {
            o.expires = expires.cast<double>();
          } else if (py::isinstance<py::int_>(expires)) {
            o.expires = expires.cast<std::int64_t>();
          } else {
            o.expires = datetime_seconds(expires);
          }
          o.path = path.is_none() ? std::nullopt : std::optional<std::string>(text_arg(path));
          if (!domain.is_none()) o.domain = text_arg(domain);
          o.secure = secure;
          o.httponly = httponly;
          o.sync_expires = sync_expires;
          o.max_size = max_size;
          if (!samesite.is_none()) o.samesite = text_arg(samesite);
          o.partitioned = partitioned;
          if (!now.is_none()) o.now = py::hasattr(now, "timestamp") ? now.attr("timestamp")().cast<double>() : now.cast<double>();
          o.profile = to_profile(profile);
          auto r = C::dump_cookie(text_arg(key), text_arg(value), o);
          if (!r) raise(cookie_error(r.err().kind == errc::domain_idna ? "IDNAError" : "DumpError"), r.err());
          if (r->too_large) {
            py::module_::import("warnings").attr("warn")(to_str(r->warning), py::handle(PyExc_UserWarning), 2);
          }
          // werkzeug returns a str holding the bytes as latin-1 code points
          return py::reinterpret_steal<py::str>(
              PyUnicode_DecodeLatin1(r->header.data(), static_cast<Py_ssize_t>(r->header.size()), nullptr));
        },
        py::arg("key"), py::arg("value") = "", py::arg("max_age") = py::none(), py::arg("expires") = py::none(),
        py::arg("path") = "/", py::arg("domain") = py::none(), py::arg("secure") = false, py::arg("httponly") = false,
        py::arg("sync_expires") = true, py::arg("max_size") = C::default_max_size, py::arg("samesite") = py::none(),
        py::arg("partitioned") = false, py::kw_only(), py::arg("now") = py::none(), py::arg("profile") = "upstream",
        "werkzeug.http.dump_cookie: the Set-Cookie value (without 'Set-Cookie: '), same attribute order and "
        "quoting. key/value/path/domain: str (UTF-8) or bytes. max_age: int or timedelta. expires: str (verbatim), "
        "int/float timestamp or datetime (naive = UTC). now: the clock for Expires=now+max_age (timestamp or "
        "datetime; default the system clock). Emits UserWarning past max_size as werkzeug does; raises DumpError "
        "where werkzeug raises. profile: 'upstream' (werkzeug 3.1) or 'debian' (2.2.2).");

  m.attr("dump_cookie") = m.attr("dump");  // werkzeug's name

  m.def("http_date", [](py::handle ts) {
          auto r = py::isinstance<py::float_>(ts) ? C::http_date(ts.cast<double>())
                   : py::isinstance<py::int_>(ts) ? C::http_date(ts.cast<std::int64_t>())
                                                   : C::http_date(datetime_seconds(ts));
          if (!r) raise(cookie_error("DumpError"), r.err());
          return r.value();
        }, py::arg("timestamp"), "werkzeug.http.http_date: 'Wdy, DD Mon YYYY HH:MM:SS GMT' of a timestamp or datetime.");
  m.def("idna_encode", [](const std::string& d) {
          auto r = C::idna_encode(d);
          if (!r) raise(cookie_error("IDNAError"), r.err());
          return py::bytes(r.value());
        }, py::arg("domain"),
        "str.encode('idna') (Python's encodings.idna, IDNA 2003; nameprep from Debian's libidn). IDNAError (a "
        "UnicodeError) with the codec's message where Python raises.");
}

// Set-Cookie as a browser reads it: Attribute, SetCookie, parse_set_cookie, parse_cookie_date.
void bind_set_cookie(py::module_& m) {
  py::class_<C::attribute>(m, "Attribute", "One cookie-av of a Set-Cookie line, as written (trimmed).")
      .def_property_readonly("name", [](const C::attribute& a) { return to_str(a.name); })
      .def_property_readonly("value", [](const C::attribute& a) { return to_str(a.value); })
      .def_readonly("has_value", &C::attribute::has_value)
      .def("__repr__", [](const C::attribute& a) {
        return "Attribute(" + py::repr(to_str(a.name)).cast<std::string>() +
               (a.has_value ? ", " + py::repr(to_str(a.value)).cast<std::string>() : std::string()) + ")";
      });

  py::class_<C::set_cookie>(m, "SetCookie",
                            "A Set-Cookie line after the browser algorithm (RFC 6265bis §5.6): the effective "
                            "attributes (last occurrence wins; unusable values ignored) and every attribute as written.")
      .def_property_readonly("name", [](const C::set_cookie& c) { return to_str(c.name); })
      .def_property_readonly("value", [](const C::set_cookie& c) { return to_str(c.value); })
      .def_readonly("has_equals", &C::set_cookie::has_equals)
      .def_readonly("expires", &C::set_cookie::expires, "cookie-date of the last valid Expires, Unix seconds")
      .def_readonly("max_age", &C::set_cookie::max_age)
      .def_property_readonly("domain", [](const C::set_cookie& c) -> py::object {
        return c.domain ? py::object(to_str(*c.domain)) : py::object(py::none());
      })
      .def_property_readonly("path", [](const C::set_cookie& c) -> py::object {
        return c.path ? py::object(to_str(*c.path)) : py::object(py::none());
      })
      .def_readonly("secure", &C::set_cookie::secure)
      .def_readonly("httponly", &C::set_cookie::httponly)
      .def_readonly("partitioned", &C::set_cookie::partitioned)
      .def_property_readonly("samesite", [](const C::set_cookie& c) -> py::object {
        if (c.samesite == C::same_site::unset) return py::none();
        return py::str(std::string(C::to_string(c.samesite)));
      }, "'Strict' | 'Lax' | 'None' | 'invalid', or None when absent")
      .def_property_readonly("samesite_raw", [](const C::set_cookie& c) { return to_str(c.samesite_raw); })
      .def_readonly("attributes", &C::set_cookie::attributes)
      .def("serialize", [](const C::set_cookie& c) { return to_str(C::serialize(c)); },
           "name=value then every attribute as written; parse_set_cookie(c.serialize()) == c.")
      .def("__eq__", [](const C::set_cookie& a, const C::set_cookie& b) { return a == b; })
      .def("__repr__", [](const C::set_cookie& c) {
        return "SetCookie(" + py::repr(to_str(c.name)).cast<std::string>() + ", " +
               py::repr(to_str(c.value)).cast<std::string>() + ", " + std::to_string(c.attributes.size()) + " attributes)";
      });

  m.def("parse_set_cookie", [](byte_view line) {
          auto r = C::parse_set_cookie(line.view);
          if (!r) raise(cookie_error("InvalidSetCookie"), r.err());
          return r.value();
        }, py::arg("line"),
        "Parses a Set-Cookie value (without the field name) as a browser does. Raises InvalidSetCookie "
        "where a browser drops the whole line.");
  m.def("parse_cookie_date", [](byte_view s) { return C::parse_cookie_date(s.view); }, py::arg("text"),
        "RFC 6265 §5.1.1 cookie-date as Unix seconds, or None.");
}

// The Set-Cookie audit: report, audit, roles.
void bind_audit(py::module_& m) {
  m.def("report", [](byte_view set_cookie, std::optional<std::int64_t> max_lifetime, bool https,
                               std::optional<std::int64_t> now, std::size_t max_size, std::optional<std::string> url,
                               std::optional<std::string> role, bool hsts) {
          return C::audit_cookie(set_cookie.view, audit_opts(max_lifetime, https, now, max_size, url, role, hsts));
        }, py::arg("set_cookie"), py::arg("max_lifetime") = py::none(), py::arg("https") = true, py::kw_only(),
        py::arg("now") = py::none(), py::arg("max_size") = C::default_max_size, py::arg("url") = py::none(),
        py::arg("role") = py::none(), py::arg("hsts") = false,
        "The verdict on one Set-Cookie value (websec.SubjectReport: verdict pass/weak/fail/invalid, role, findings). "
        "url: the request URL (Domain must domain-match its host and not be a public suffix); role: session, "
        "remember-me, csrf, preference, other (default: guessed from the name); hsts: the site sends HSTS.");
  m.def("guess_role", [](byte_view name) { return std::string(C::to_string(C::guess_role(name.view))); }, py::arg("name"),
        "The role a cookie name suggests: session, remember-me, csrf, preference or other.");
  m.def("is_public_suffix", [](const std::string& domain) { return C::is_public_suffix(domain); }, py::arg("domain"),
        "Whether a domain is a public suffix (Debian's libpsl and publicsuffix list); None without libpsl.");
  m.attr("ROLES") = py::make_tuple("session", "remember-me", "csrf", "preference", "other");
  m.def("audit", [](byte_view set_cookie, std::optional<std::int64_t> max_lifetime, bool https,
                    std::optional<std::int64_t> now, std::size_t max_size, std::optional<std::string> url,
                    std::optional<std::string> role, bool hsts) {
          return C::audit_set_cookie(set_cookie.view, audit_opts(max_lifetime, https, now, max_size, url, role, hsts));
        }, py::arg("set_cookie"), py::arg("max_lifetime") = py::none(), py::arg("https") = true, py::kw_only(),
        py::arg("now") = py::none(), py::arg("max_size") = C::default_max_size, py::arg("url") = py::none(),
        py::arg("role") = py::none(), py::arg("hsts") = false,
        "Judges one Set-Cookie value: list of Finding (ids cookie.no_secure, cookie.no_httponly, cookie.no_samesite, "
        "cookie.samesite_none_without_secure, cookie.host_prefix, cookie.lifetime_too_long, cookie.too_large, ...). "
        "max_lifetime: seconds; https: the response came over HTTPS.");
  m.def("is_session_like", [](byte_view name) { return C::is_session_like(name.view); }, py::arg("name"),
        "True for names HTTP Observatory treats as session cookies ('sess' or 'login', any case).");
}

// The request Cookie header: parse_cookie_header (werkzeug.http.parse_cookie), request_cookies.
void bind_cookie_header(py::module_& m) {
  m.def("parse_cookie_header", [](py::handle header, py::handle profile) {
          auto p = to_profile(profile);
          auto raw = cookie_header_bytes(header, p);
          auto r = C::parse_cookie(raw.view, p);
          if (!r) {  // werkzeug 3.1: header.encode("latin1").decode() raises UnicodeDecodeError, with its message
            py::bytes b = to_bytes(raw.view);
            b.attr("decode")("utf-8");
            throw py::value_error(r.err().message);  // not reached: the strict decode raised
          }
          return pairs_list(*r);
        }, py::arg("header"), py::arg("profile") = "upstream",
        "werkzeug.http.parse_cookie(header): (key, value) pairs in header order, duplicates kept. header: bytes (the "
        "raw header) or str (a WSGI string: the bytes as latin-1 code points, as werkzeug reads environ['HTTP_COOKIE']; "
        "so dump()'s output reads back). profile 'upstream' (werkzeug 3.1) decodes the bytes as UTF-8 and raises "
        "UnicodeDecodeError when they are not, and a str with a character beyond U+00FF raises UnicodeEncodeError; "
        "'debian' (werkzeug 2.2) decodes with replacement and turns such characters into '?'. For what "
        "request.cookies shows (werkzeug 3.1 does not decode there), see request_cookies().");
  m.def("request_cookies", [](py::handle header, py::handle profile) {
          auto p = to_profile(profile);
          auto raw = cookie_header_bytes(header, p);
          return pairs_list(C::parse_cookie_header(raw.view, p));
        }, py::arg("header"), py::arg("profile") = "upstream",
        "werkzeug's Request.cookies for a Cookie header (bytes, or a WSGI latin-1 str; several headers joined with "
        "';'): (key, value) pairs in header order. 'debian' decodes UTF-8 with replacement; 'upstream' (werkzeug 3.1) "
        "keeps the latin-1 code points (b'a=\\xc3\\xa9' gives 'Ã©'), what a Flask 3 view sees.");
  m.attr("parse_cookie") = m.attr("parse_cookie_header");  // werkzeug's name
}

}  // namespace

void bind_cookie(py::module_& parent) {
  auto m = submodule(parent, "cookie",
                     "Set-Cookie and Cookie (spec §4): dump (werkzeug.http.dump_cookie byte for byte), "
                     "parse_set_cookie (RFC 6265bis, as a browser reads it), audit (weaknesses of a Set-Cookie "
                     "line), parse_cookie_header (werkzeug's request.cookies).");
  define_cookie_exceptions(parent, m);
  bind_dump(m);
  bind_set_cookie(m);
  bind_audit(m);
  bind_cookie_header(m);
}

}  // namespace websec::py
