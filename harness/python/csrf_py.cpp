// websec.csrf — Flask-WTF's CSRF token model and a plain double-submit token (websec/csrf.hpp).
#include "common.hpp"

#include <websec/csrf.hpp>
#include <websec/signing.hpp>

namespace websec::py {
namespace {

namespace C = websec::csrf;

using pairs = std::vector<std::pair<std::string, std::string>>;

std::string text(py::handle h) { return std::string(h.cast<byte_view>().view); }

pairs to_pairs(py::handle h) {
  pairs out;
  if (h.is_none()) return out;
  py::iterable it = py::reinterpret_borrow<py::iterable>(
      py::hasattr(h, "items") ? py::object(h.attr("items")()) : py::reinterpret_borrow<py::object>(h));
  for (auto kv : it) {
    auto t = py::reinterpret_borrow<py::tuple>(kv);
    out.emplace_back(text(t[0]), text(t[1]));
  }
  return out;
}

C::config make_config(py::handle secret, std::optional<std::int64_t> time_limit, bool ssl_strict) {
  C::config c;
  c.secret_key = text(secret);
  c.time_limit = time_limit;
  c.ssl_strict = ssl_strict;
  return c;
}

void check(const websec::result<void>& r) {
  if (r) return;
  const websec::error& e = r.err();
  if (e.kind == errc::type_error) throw py::type_error(e.message);
  if (e.kind == errc::value_error) throw py::value_error(e.message);
  raise(exception_class("websec.csrf.CSRFError"), e);
}

std::optional<std::string_view> opt_view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

}  // namespace

void bind_csrf(py::module_& parent) {
  auto m = submodule(parent, "csrf",
                     "CSRF tokens as Flask-WTF makes and checks them (spec §6): the raw token in the session, the "
                     "signed form/header token (salt 'wtf-csrf-token', 3600 s), validation order and messages, the "
                     "HTTPS referrer check; plus a plain double-submit token.");
  define_exception(m, "CSRFError", base_error(),
                   "flask_wtf.csrf.CSRFError (a 400): message is Flask-WTF's, e.g. 'The CSRF token is missing.'",
                   "websec.csrf.CSRFError");
  m.attr("SALT") = std::string(C::salt);
  m.attr("FIELD_NAME") = std::string(C::field_name);
  m.attr("TIME_LIMIT") = C::default_time_limit;
  py::list hn, pm;
  for (auto h : C::header_names) hn.append(std::string(h));
  for (auto p : C::protected_methods) pm.append(std::string(p));
  m.attr("HEADER_NAMES") = py::tuple(hn);
  m.attr("PROTECTED_METHODS") = py::tuple(pm);

  m.def("generate_raw_token", &C::generate_raw_token, "sha1(os.urandom(64)).hexdigest(): 40 hex characters.");
  m.def("sign_token", [](py::handle raw, py::handle secret, std::optional<std::uint64_t> timestamp) {
          C::config c = make_config(secret, C::default_time_limit, true);
          return to_str(C::sign_token(c, text(raw), timestamp ? *timestamp : static_cast<std::uint64_t>(websec::signing::now_seconds())));
        }, py::arg("raw"), py::arg("secret"), py::kw_only(), py::arg("timestamp") = py::none(),
        "generate_csrf()'s signed token for a raw token (URLSafeTimedSerializer(secret, 'wtf-csrf-token')).");
  m.def("validate", [](py::handle token, py::handle session_raw, py::handle secret, std::optional<std::int64_t> time_limit,
                       std::optional<std::int64_t> now) {
          C::config c = make_config(secret, time_limit, true);
          std::optional<std::string> sr;
          if (!session_raw.is_none()) sr = text(session_raw);
          check(C::validate(c, text(token), opt_view(sr), now ? *now : websec::signing::now_seconds()));
        }, py::arg("token"), py::arg("session_raw"), py::arg("secret"), py::kw_only(),
        py::arg("time_limit") = C::default_time_limit, py::arg("now") = py::none(),
        "validate_csrf: returns None, or raises CSRFError with Flask-WTF's message (missing, session token missing, "
        "expired, invalid, do not match). time_limit=None: no age check.");
  m.def("find_token", [](py::handle form, py::handle headers) { return to_str(C::find_token(to_pairs(form), to_pairs(headers))); },
        py::arg("form"), py::arg("headers"),
        "The token protect() picks: form field csrf_token, a field ending in csrf_token, then X-CSRFToken / "
        "X-CSRF-Token ('' when none). form/headers: dict or (name, value) pairs.");
  m.def("is_protected_method", &C::is_protected_method, py::arg("method"));
  m.def("check_referrer", [](py::handle secret, bool is_secure, py::handle referer, py::handle host, bool ssl_strict) {
          C::config c = make_config(secret, C::default_time_limit, ssl_strict);
          std::optional<std::string> r;
          if (!referer.is_none()) r = text(referer);
          check(C::check_referrer(c, is_secure, opt_view(r), text(host)));
        }, py::arg("secret"), py::arg("is_secure"), py::arg("referer"), py::arg("host"), py::arg("ssl_strict") = true,
        "protect()'s HTTPS referrer check: None, or CSRFError.");
  m.def("protect", [](py::handle method, py::handle form, py::handle headers, py::handle session_raw, py::handle secret,
                      bool is_secure, py::handle referer, py::handle host, std::optional<std::int64_t> time_limit,
                      bool ssl_strict, std::optional<std::int64_t> now) {
          C::config c = make_config(secret, time_limit, ssl_strict);
          std::optional<std::string> sr, ref;
          if (!session_raw.is_none()) sr = text(session_raw);
          if (!referer.is_none()) ref = text(referer);
          check(C::protect(c, text(method), to_pairs(form), to_pairs(headers), opt_view(sr), is_secure, opt_view(ref),
                           text(host), now ? *now : websec::signing::now_seconds()));
        }, py::arg("method"), py::arg("form"), py::arg("headers"), py::arg("session_raw"), py::arg("secret"),
        py::kw_only(), py::arg("is_secure") = false, py::arg("referer") = py::none(), py::arg("host") = "",
        py::arg("time_limit") = C::default_time_limit, py::arg("ssl_strict") = true, py::arg("now") = py::none(),
        "CSRFProtect.protect(): method filter, token lookup, validation, then the referrer check. None or CSRFError.");
  m.def("generate_double_submit_token", &C::generate_double_submit_token, py::arg("nbytes") = 32,
        "A random token for the double-submit pattern (base64url, no padding).");
  m.def("double_submit_matches", [](py::handle a, py::handle b) { return C::double_submit_matches(text(a), text(b)); },
        py::arg("cookie_token"), py::arg("submitted"), "Both non-empty and equal (constant-time).");
}

}  // namespace websec::py
