// harness/server/glue.cpp — forwards each mechanism to its library module (see glue.hpp).
#include "glue.hpp"

#include "websec/cookie.hpp"
#include "websec/escape.hpp"
#include "websec/multipart.hpp"
#include "websec/terminal.hpp"
#include "websec/url.hpp"
#include "websec/urlencoded.hpp"

#include <stdexcept>

namespace websec::server::glue {

namespace {
[[noreturn]] void unavailable(const char* what) { throw std::logic_error(std::string("library module missing: ") + what); }
}  // namespace

std::string_view missing(std::string_view feature) {
  if (feature == "session") return "session";
  if (feature == "csrf") return "csrf";
  return {};
}

const std::string* form_data::get(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

std::string escape(std::string_view s) { return websec::escape::escape(s); }

std::string tojson_string(std::string_view s) {
  return websec::escape::tojson(websec::escape::json_value::string(std::string(s))).str();
}

bool dangerous_url(std::string_view url) {
  return websec::url::check(url, websec::url::source::attribute).v == websec::url::verdict::dangerous;
}

std::string terminal_clean(std::string_view s) {
  websec::terminal::options o;
  o.act = websec::terminal::action::remove;
  o.keep_tab = true;
  o.keep_newline = true;
  o.keep_crlf = false;  // ROLES.md: every C0 control but \t and \n
  return websec::terminal::clean(s, o).text;
}

namespace {

class library_form_reader final : public form_reader {
 public:
  library_form_reader(const websec::multipart::request_info& req, const websec::multipart::FormLimits& lim,
                      const websec::multipart::parse_options& opts, bool keep)
      : p_(req, lim, opts), keep_(keep) {}
  int feed(std::string_view piece) override {
    p_.feed(piece);
    return 0;
  }
  int finish(form_data& out, std::string& reason) override {
    auto fd = p_.finish();
    if (fd.result.status != 200) {
      reason = fd.result.error ? fd.result.error->message : std::string("form refused");
      return fd.result.status;
    }
    for (auto& f : fd.fields) {
      out.order.emplace_back(false, out.fields.size());
      out.fields.emplace_back(f.name.value_or(""), std::move(f.value));
    }
    for (auto& f : fd.files) {
      form_file x;
      x.name = f.name.value_or("");
      x.filename = f.filename;
      x.content_type = f.content_type.value_or("");
      x.size = f.size;
      if (keep_) x.data = f.read_all();
      out.order.emplace_back(true, out.files.size());
      out.files.push_back(std::move(x));
    }
    out.parts = out.fields.size() + out.files.size();
    return 0;
  }

 private:
  websec::multipart::form_parser p_;
  bool keep_;
};

}  // namespace

std::unique_ptr<form_reader> make_form_reader(std::string_view content_type, std::optional<std::uint64_t> content_length,
                                              bool chunked, const form_limits& lim, bool keep_file_bytes) {
  websec::multipart::request_info req;
  if (!content_type.empty()) req.content_type = std::string(content_type);
  if (content_length) req.content_length = std::to_string(*content_length);
  req.chunked = chunked;
  websec::multipart::FormLimits fl;
  fl.max_content_length = lim.max_content_length;
  fl.max_form_memory_size = lim.max_form_memory_size;
  fl.max_form_parts = lim.max_form_parts;
  websec::multipart::parse_options opts;
  opts.prof = websec::profile::upstream;
  opts.sink = keep_file_bytes ? websec::multipart::file_sink::memory : websec::multipart::file_sink::hash_only;
  opts.sha256 = false;
  return std::make_unique<library_form_reader>(req, fl, opts, keep_file_bytes);
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  auto r = websec::urlencoded::decode(query, websec::profile::upstream);
  if (!r) return std::nullopt;
  for (auto& p : *r)
    if (p.name == name) return p.value;
  return std::nullopt;
}
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
