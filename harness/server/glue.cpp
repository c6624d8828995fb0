// harness/server/glue.cpp — forwards each mechanism to its library module (see glue.hpp).
#include "glue.hpp"

#include "websec/cookie.hpp"

#include <stdexcept>

namespace websec::server::glue {

namespace {
[[noreturn]] void unavailable(const char* what) { throw std::logic_error(std::string("library module missing: ") + what); }
}  // namespace

std::string_view missing(std::string_view feature) {
  if (feature == "escape") return "escape";
  if (feature == "url") return "url";
  if (feature == "terminal") return "terminal";
  if (feature == "forms") return "multipart";
  if (feature == "session") return "session";
  if (feature == "csrf") return "csrf";
  return {};
}

const std::string* form_data::get(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

std::string escape(std::string_view) { unavailable("escape"); }
std::string tojson_string(std::string_view) { unavailable("escape"); }
bool dangerous_url(std::string_view) { unavailable("url"); }
std::string terminal_clean(std::string_view) { unavailable("terminal"); }
std::unique_ptr<form_reader> make_form_reader(std::string_view, std::optional<std::uint64_t>, bool, const form_limits&,
                                              bool) {
  unavailable("multipart");
}
std::optional<std::string> query_param(std::string_view, std::string_view) { unavailable("multipart"); }
std::optional<std::string> request_cookie(std::string_view cookie_header, std::string_view name) {
  for (auto& [k, v] : websec::cookie::parse_cookie_header(cookie_header, websec::profile::upstream))
    if (k == name) return v;
  return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value, const cookie_options& o) {
  websec::cookie::dump_options d;
  d.max_age = o.max_age;
  if (o.expires) d.expires = *o.expires;
  d.path = o.path;
  d.secure = o.secure;
  d.httponly = o.httponly;
  d.samesite = o.samesite;
  auto r = websec::cookie::dump_cookie(name, value, d);
  if (!r) throw std::runtime_error("dump_cookie: " + r.err().message);
  return r->header;
}
session_values open_session(std::string_view, const session_keys&, std::int64_t) { unavailable("session"); }
std::string save_session(const session_values&, const session_keys&, std::int64_t) { unavailable("session"); }
std::string csrf_raw_token() { unavailable("csrf"); }
std::string csrf_token(std::string_view, std::string_view, std::int64_t) { unavailable("csrf"); }
std::string csrf_validate(std::string_view, const std::optional<std::string>&, std::string_view, std::int64_t,
                          std::int64_t) {
  unavailable("csrf");
}
std::string csrf_referrer_check(const std::optional<std::string>&, std::string_view) { unavailable("csrf"); }

}  // namespace websec::server::glue
