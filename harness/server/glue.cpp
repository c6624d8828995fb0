// harness/server/glue.cpp — forwards each mechanism to its library module (see glue.hpp).
#include "glue.hpp"

#include "websec/cookie.hpp"
#include "websec/csrf.hpp"
#include "websec/json.hpp"
#include "websec/session.hpp"
#include "websec/escape.hpp"
#include "websec/multipart.hpp"
#include "websec/terminal.hpp"
#include "websec/url.hpp"
#include "websec/urlencoded.hpp"

#include <stdexcept>

namespace websec::server::glue {

const std::string* form_data::get(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

bool json_echo(std::string_view body, std::string& out, std::string& reason) {
  auto v = websec::json::loads(body);
  if (!v) {
    reason = v.err().message;
    return false;
  }
  auto wrapped = websec::json::value::dict();
  wrapped.set("json", std::move(v.value()));
  auto text = websec::json::dumps(wrapped, websec::json::compact(true, true));
  if (!text) {
    reason = text.err().message;
    return false;
  }
  out = std::move(text.value());
  out += "\n";
  return true;
}

std::string escape(std::string_view s) { return websec::escape::escape(s); }

std::string tojson_string(std::string_view s) {
  // a str never fails to serialise (invalid bytes are surrogateescape code points)
  return websec::escape::tojson(websec::json::value::string(std::string(s)))->str();
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
    // a limit (or a malformation Flask answers with an error) already decided: answer without the rest
    if (auto o = p_.failed(); o && o->status != 200) return o->status;
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
struct session_store::impl {
  websec::session::codec codec;
};

session_store::session_store(const session_keys& keys) : p_(std::make_unique<impl>()) {
  websec::session::config c;
  c.secret_key = keys.secret;
  c.fallbacks = keys.fallbacks;
  c.lifetime_seconds = keys.max_age;
  c.prof = websec::profile::upstream;
  c.secure = true;
  c.httponly = true;
  c.samesite = "Lax";
  c.path = "/";
  auto made = websec::session::codec::make(std::move(c));
  if (!made) throw std::runtime_error("session codec: " + made.err().message);
  p_->codec = std::move(made.value());
}

session_store::~session_store() = default;

session_store::opened session_store::open(std::string_view cookie_header, std::int64_t now) const {
  opened out;
  auto o = p_->codec.open_request(cookie_header, now);
  if (o.result == websec::session::opened::outcome::exception_500) {
    out.error_500 = true;
    return out;
  }
  if (o.result != websec::session::opened::outcome::session) return out;
  if (auto* u = o.data.find("user"); u && u->kind() == websec::json::kind::string) out.values.user = u->str();
  if (auto* t = o.data.find("csrf_token"); t && t->kind() == websec::json::kind::string) out.values.csrf_token = t->str();
  if (auto* p = o.data.find("_permanent"); p && p->kind() == websec::json::kind::boolean) out.values.permanent = p->as_bool();
  return out;
}

std::vector<std::pair<std::string, std::string>> session_store::save(const session_values& v, bool accessed,
                                                                      bool modified, std::int64_t now) const {
  auto d = websec::json::value::dict();
  if (v.permanent) d.set("_permanent", websec::json::value::boolean(true));
  if (v.csrf_token) d.set("csrf_token", websec::json::value::string(*v.csrf_token));
  if (v.user) d.set("user", websec::json::value::string(*v.user));
  auto r = p_->codec.save(d, {accessed, modified}, now);
  if (!r) throw std::runtime_error("save_session: " + r.err().message);
  return r.value();
}

std::string csrf_raw_token() { return websec::csrf::generate_raw_token(); }

std::string csrf_token(std::string_view raw, std::string_view secret, std::int64_t now) {
  websec::csrf::config c;
  c.secret_key = std::string(secret);
  return websec::csrf::sign_token(c, raw, static_cast<std::uint64_t>(now));
}

std::string csrf_protect(std::string_view secret, std::int64_t time_limit, std::string_view method,
                         const form_data* form, const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::optional<std::string>& session_raw, bool https,
                         const std::optional<std::string>& referer, std::string_view host, std::int64_t now) {
  websec::csrf::config c;
  c.secret_key = std::string(secret);
  c.time_limit = time_limit;
  c.ssl_strict = true;
  std::vector<std::pair<std::string, std::string>> fields;
  if (form) fields = form->fields;
  std::optional<std::string_view> sraw, ref;
  if (session_raw) sraw = *session_raw;
  if (referer) ref = *referer;
  auto r = websec::csrf::protect(c, method, fields, headers, sraw, https, ref, host, now);
  return r ? std::string() : r.err().message;
}

}  // namespace websec::server::glue
