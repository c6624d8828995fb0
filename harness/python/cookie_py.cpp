// websec.cookie — werkzeug's dump_cookie, browser-style Set-Cookie parsing, the Set-Cookie audit and werkzeug's
// request Cookie parsing (websec/cookie.hpp).
#include "common.hpp"
#include "verdict_py.hpp"

#include <websec/cookie.hpp>

namespace websec::py {

namespace {

// A Cookie header given as str is the WSGI latin-1 string (each code point one byte); text outside latin-1 is
// taken as UTF-8.
std::string header_bytes(const py::handle& h) {
  if (PyUnicode_Check(h.ptr())) {
    PyObject* b = PyUnicode_AsEncodedString(h.ptr(), "latin-1", "strict");
    if (!b) {
      PyErr_Clear();
      b = PyUnicode_AsEncodedString(h.ptr(), "utf-8", "surrogatepass");
      if (!b) throw py::error_already_set();
    }
    py::bytes keep = py::reinterpret_steal<py::bytes>(b);
    return std::string(keep);
  }
  return std::string(h.cast<byte_view>().sv());
}

py::object cookie_error() { return exception_class("websec.cookie.CookieError"); }

}  // namespace

void bind_cookie(py::module_& parent) {
  py::module_ m = submodule(parent, "cookie",
                            "Set-Cookie and Cookie: werkzeug's dump_cookie byte for byte (profiles 'upstream' and "
                            "'debian'), Set-Cookie read as a browser does (RFC 6265bis), the Set-Cookie audit, and "
                            "request.cookies as werkzeug parses the Cookie header.");
  m.attr("Verdict") = verdict_class(parent);
  py::module_ builtins = py::module_::import("builtins");
  define_exception(m, "CookieError", py::make_tuple(base_error(), builtins.attr("ValueError")),
                   "dump_cookie failed where werkzeug raises (kind: samesite_invalid, domain_no_dot, domain_idna, "
                   "path_invalid_ipv6, expires_out_of_range, partitioned_unsupported), or a Set-Cookie line a "
                   "browser ignores (cookie_control_char, cookie_empty, cookie_too_large).",
                   "websec.cookie.CookieError");
  m.attr("DEFAULT_MAX_SIZE") = cookie::default_max_size;

  m.def(
      "dump_cookie",
      [](byte_view key, byte_view value, py::object max_age, py::object expires, py::object path, py::object domain,
         bool secure, bool httponly, bool sync_expires, std::size_t max_size, py::object samesite, bool partitioned,
         py::object now, py::object profile) {
        cookie::dump_options o;
        o.profile = to_profile(profile);
        if (!max_age.is_none()) {
          if (py::hasattr(max_age, "total_seconds")) o.max_age = static_cast<std::int64_t>(max_age.attr("total_seconds")().cast<double>());
          else o.max_age = max_age.cast<std::int64_t>();
        }
        if (!expires.is_none()) {
          if (py::isinstance<py::str>(expires)) {
            o.expires = expires.cast<std::string>();
          } else if (py::hasattr(expires, "timestamp")) {  // datetime: naive means UTC (werkzeug's http_date)
            py::object dt = expires;
            if (py::hasattr(dt, "tzinfo") && dt.attr("tzinfo").is_none()) {
              py::object utc = py::module_::import("datetime").attr("timezone").attr("utc");
              dt = dt.attr("replace")(py::arg("tzinfo") = utc);
            }
            o.expires = dt.attr("timestamp")().cast<double>();
          } else if (py::isinstance<py::int_>(expires)) {
            o.expires = expires.cast<std::int64_t>();
          } else {
            o.expires = expires.cast<double>();
          }
        }
        if (path.is_none()) o.path.reset();
        else o.path = std::string(path.cast<byte_view>().sv());
        if (!domain.is_none()) o.domain = std::string(domain.cast<byte_view>().sv());
        o.secure = secure;
        o.httponly = httponly;
        o.sync_expires = sync_expires;
        o.max_size = max_size;
        if (!samesite.is_none()) o.samesite = std::string(samesite.cast<byte_view>().sv());
        o.partitioned = partitioned;
        if (!now.is_none()) o.now = now.cast<double>();
        auto r = cookie::dump_cookie(key.sv(), value.sv(), o);
        if (!r) raise(cookie_error(), r.err());
        if (r->too_large) {
          py::module_::import("warnings").attr("warn")(r->warning, py::module_::import("builtins").attr("UserWarning"), 2);
        }
        // werkzeug returns the latin-1-tunnelled str
        return py::reinterpret_steal<py::str>(
            PyUnicode_DecodeLatin1(r->header.data(), static_cast<Py_ssize_t>(r->header.size()), nullptr));
      },
      py::arg("key"), py::arg("value") = "", py::kw_only(), py::arg("max_age") = py::none(), py::arg("expires") = py::none(),
      py::arg("path") = "/", py::arg("domain") = py::none(), py::arg("secure") = false, py::arg("httponly") = false,
      py::arg("sync_expires") = true, py::arg("max_size") = cookie::default_max_size, py::arg("samesite") = py::none(),
      py::arg("partitioned") = false, py::arg("now") = py::none(), py::arg("profile") = "upstream",
      "werkzeug.http.dump_cookie: the Set-Cookie value (without 'Set-Cookie: ') as werkzeug's latin-1 str. "
      "Warns (UserWarning) above max_size like werkzeug. `now` fixes the clock for Expires=now+max_age.");

  m.def(
      "http_date",
      [](py::object ts) {
        auto r = py::isinstance<py::int_>(ts) ? cookie::http_date(ts.cast<std::int64_t>()) : cookie::http_date(ts.cast<double>());
        if (!r) raise(cookie_error(), r.err());
        return *r;
      },
      py::arg("timestamp"), "werkzeug.http.http_date of a Unix timestamp.");

  m.def(
      "idna_encode",
      [](byte_view domain) {
        auto r = cookie::idna_encode(domain.sv());
        if (!r) raise(cookie_error(), r.err());
        return *r;
      },
      py::arg("domain"), "str.encode('idna') (IDNA 2003) for the supported nameprep subset.");

  m.def(
      "parse_set_cookie",
      [](byte_view line) {
        auto r = cookie::parse_set_cookie(line.sv());
        if (!r) raise(cookie_error(), r.err());
        const auto& c = *r;
        py::object ns = py::module_::import("types").attr("SimpleNamespace")();
        ns.attr("name") = to_str(c.name);
        ns.attr("value") = to_str(c.value);
        ns.attr("has_equals") = c.has_equals;
        ns.attr("expires") = c.expires ? py::object(py::int_(*c.expires)) : py::object(py::none());
        ns.attr("max_age") = c.max_age ? py::object(py::int_(*c.max_age)) : py::object(py::none());
        ns.attr("domain") = c.domain ? py::object(to_str(*c.domain)) : py::object(py::none());
        ns.attr("path") = c.path ? py::object(to_str(*c.path)) : py::object(py::none());
        ns.attr("secure") = c.secure;
        ns.attr("httponly") = c.httponly;
        ns.attr("partitioned") = c.partitioned;
        ns.attr("samesite") = c.samesite == cookie::same_site::unset ? py::object(py::none())
                                                                      : py::object(py::str(std::string(cookie::to_string(c.samesite))));
        ns.attr("samesite_raw") = to_str(c.samesite_raw);
        py::list attrs;
        for (const auto& a : c.attributes)
          attrs.append(py::make_tuple(to_str(a.name), a.has_value ? py::object(to_str(a.value)) : py::object(py::none())));
        ns.attr("attributes") = attrs;
        ns.attr("serialized") = to_str(cookie::serialize(c));
        return ns;
      },
      py::arg("line"),
      "A Set-Cookie value as a browser reads it (RFC 6265bis 5.6): name, value, has_equals, expires (Unix s), "
      "max_age, domain, path (None = default path), secure, httponly, partitioned, samesite ('Strict' | 'Lax' | "
      "'None' | 'invalid' | None when absent), samesite_raw, attributes [(name, value|None)], serialized. Raises "
      "CookieError for a line browsers ignore.");

  m.def(
      "audit",
      [](byte_view line, py::object max_lifetime, bool https, py::object now, std::size_t max_size) {
        cookie::audit_options o;
        o.https = https;
        if (!max_lifetime.is_none()) o.max_lifetime = max_lifetime.cast<std::int64_t>();
        if (!now.is_none()) o.now = now.cast<std::int64_t>();
        o.max_size = max_size;
        std::vector<websec::verdict> v;
        {
          nogil release;
          v = cookie::audit_set_cookie(line.sv(), o);
        }
        return verdict_list(v);
      },
      py::arg("set_cookie"), py::kw_only(), py::arg("max_lifetime") = py::none(), py::arg("https") = true,
      py::arg("now") = py::none(), py::arg("max_size") = cookie::default_max_size,
      "Judges one Set-Cookie value: list of Verdict (ids cookie.*; see websec/cookie.hpp audit_set_cookie).");

  m.def(
      "parse_cookie",
      [](py::object header, py::object profile) {
        std::string h = header.is_none() ? std::string() : header_bytes(header);
        auto pairs = cookie::parse_cookie_header(h, to_profile(profile));
        py::list out;
        for (const auto& [k, v] : pairs) out.append(py::make_tuple(to_str(k), to_str(v)));
        return out;
      },
      py::arg("header"), py::arg("profile") = "upstream",
      "request.cookies of werkzeug for a Cookie header (several headers: join with ';'), as [(key, value)] in "
      "header order. A str header is the WSGI latin-1 string.");
}

}  // namespace websec::py
