// harness/server/app.cpp — the roles of conformance/ROLES.md §2 (see app.hpp).
#include "app.hpp"

#include "websec/ci_string.hpp"

#include "glue.hpp"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace websec::server {

using json = nlohmann::json;
using http::field;
using http::status;
using http::verb;
using websec::ci::ends_with_ci;
using websec::ci::lower;

struct app::state {
  explicit state(const app_config& cfg)
      : sessions({cfg.secret_key, cfg.secret_key_fallbacks, static_cast<std::int64_t>(cfg.session_lifetime.count())}) {}
  glue::session_store sessions;
  std::mutex mu;
  std::map<std::string, std::string> values;  // user -> value of the state_change role
  std::deque<std::string> comments;           // newest first, already filtered
  struct stored_file {
    std::string filename, data;
  };
  std::map<std::string, stored_file> files;
  std::deque<std::string> file_order;  // oldest first
  std::size_t file_bytes = 0;
};

namespace {

constexpr std::pair<const char*, const char*> users[] = {{"alice", "alice-password"}, {"bob", "bob-password"}};

std::int64_t wall_clock() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string dump(const json& j) { return j.dump(-1, ' ', true, json::error_handler_t::replace); }

response make(status s, std::string_view content_type, std::string body) {
  response r{s, 11};
  r.set(field::content_type, content_type);
  r.body() = std::move(body);
  return r;
}

response json_response(status s, const json& j) { return make(s, "application/json", dump(j) + "\n"); }

/// A complete HTML page around an already safe fragment.
std::string html_page(std::string_view title, std::string_view body_html) {
  std::string p = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  p += title;  // titles are constants of this file
  p += "</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n</head>\n<body>\n";
  p += body_html;
  p += "\n</body>\n</html>\n";
  return p;
}

response html_response(status s, std::string_view title, std::string_view body_html) {
  return make(s, "text/html; charset=utf-8", html_page(title, body_html));
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}


/// Media type of a Content-Type value, lower-cased, without parameters.
std::string mimetype(std::string_view ct) {
  auto semi = ct.find(';');
  auto t = ct.substr(0, semi);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return lower(t);
}

std::size_t rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

/// RFC 6266 Content-Disposition for a download: an ASCII fallback `filename` and `filename*` for non-ASCII names.
std::string content_disposition(std::string_view filename) {
  auto slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  std::string ascii;
  bool non_ascii = false;
  for (unsigned char c : filename) {
    if (c >= 0x80) non_ascii = true;
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '%' || c == ';') {
      if (c < 0x80 || (c & 0xC0) != 0x80) ascii += '_';
    } else {
      ascii += static_cast<char>(c);
    }
  }
  if (ascii.empty() || ascii == "." || ascii == "..") ascii = "download";
  std::string v = "attachment; filename=\"" + ascii + "\"";
  if (non_ascii) {
    static const char* hex = "0123456789ABCDEF";
    v += "; filename*=UTF-8''";
    for (unsigned char c : filename) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
        v += static_cast<char>(c);
      } else {
        v += '%';
        v += hex[c >> 4];
        v += hex[c & 15];
      }
    }
  }
  return v;
}


// ---------------------------------------------------------------------------------------------------------------
// Exchanges: how a route reads the body before its view runs (route_entry::body)

/// Answers from the header alone; the body (if any) is not read and the connection closes.
class early_exchange final : public exchange {
 public:
  explicit early_exchange(response r) : r_(std::move(r)) {}
  std::optional<response> early_response() override { return std::move(r_); }
  response finish() override { return std::move(r_); }

 private:
  response r_;
};

/// Reads and discards the body (bounded by MAX_CONTENT_LENGTH), then answers.
class simple_exchange final : public exchange {
 public:
  explicit simple_exchange(std::function<response()> f) : f_(std::move(f)) {}
  response finish() override { return f_(); }

 private:
  std::function<response()> f_;
};

/// Reads a form body through websec::multipart and hands it to `view`.
class form_exchange final : public exchange {
 public:
  using view_fn = std::function<response(glue::form_data&)>;
  form_exchange(const request_head& head, const app_config& cfg, bool keep_files, view_fn view)
      : view_(std::move(view)) {
    auto ct = head.header.find(field::content_type);
    std::string_view ctv = ct == head.header.end() ? std::string_view() : std::string_view(ct->value());
    glue::form_limits lim;
    lim.max_content_length = cfg.max_content_length;
    lim.max_form_memory_size = cfg.max_form_memory_size;
    lim.max_form_parts = cfg.max_form_parts;
    reader_ = glue::make_form_reader(ctv, head.content_length, head.chunked, lim, keep_files);
  }
  std::optional<response> on_body(std::string_view piece) override {
    if (int s = reader_->feed(piece)) return error(s, "request body refused");
    return std::nullopt;
  }
  response finish() override {
    glue::form_data form;
    std::string reason;
    if (int s = reader_->finish(form, reason)) return error(s, reason);
    return view_(form);
  }

 private:
  static response error(int s, std::string_view reason) {
    return json_response(static_cast<status>(s), {{"error", std::string(reason)}});
  }
  view_fn view_;
  std::unique_ptr<glue::form_reader> reader_;
};

/// Collects a JSON body (bounded by MAX_CONTENT_LENGTH in the core) and hands it to `view`.
class json_exchange final : public exchange {
 public:
  explicit json_exchange(std::function<response(std::string_view)> view) : view_(std::move(view)) {}
  std::optional<response> on_body(std::string_view piece) override {
    body_.append(piece);
    return std::nullopt;
  }
  response finish() override { return view_(body_); }

 private:
  std::function<response(std::string_view)> view_;
  std::string body_;
};

/// The JSON reader's gate: application/json or application/*+json (Flask's request.is_json).
bool is_json(const request_head& head) {
  auto ct = head.header.find(field::content_type);
  std::string mt = ct == head.header.end() ? std::string() : mimetype(ct->value());
  return mt == "application/json" || (mt.rfind("application/", 0) == 0 && ends_with_ci(mt, "+json"));
}

response method_not_allowed(app& a, unsigned allow) {
  response r = a.error_page(405, "The method is not allowed for the requested URL.");
  r.set(field::allow, allow_header(allow));
  return r;
}

response not_found_page(app& a) { return a.error_page(404, "The requested URL was not found on the server."); }

/// Plain HTTP: every request goes to the HTTPS origin (ROLES.md §4).
response https_redirect(const std::string& origin, std::string_view target) {
  response r = html_response(status::permanent_redirect, "Redirecting", "<p>Redirecting to HTTPS.</p>");
  r.set(field::location, origin + (target.empty() || target[0] != '/' ? std::string("/") : std::string(target)));
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// What a view sees, and the two wrappers that keep the session and CSRF out of the views

/// Per-request view of the session: websec::session's open_session before the view, save_session after it.
struct session_ctx {
  const app_config& cfg;
  const request_head& head;
  const glue::session_store& store;
  glue::session_values values;
  bool opened = false, modified = false;

  std::int64_t now() const { return cfg.now ? cfg.now() : wall_clock(); }
  glue::session_values& open() {
    if (!opened) {
      opened = true;
      std::string cookies;
      for (auto it = head.header.find(field::cookie); it != head.header.end() && it->name() == field::cookie; ++it) {
        if (!cookies.empty()) cookies += ";";
        cookies.append(it->value().data(), it->value().size());
      }
      // A validly signed but undecodable payload (Flask: 500) can only come from this server's own key; it is
      // treated as an empty session like every other unusable cookie.
      values = store.open(cookies, now()).values;
    }
    return values;
  }
  /// Flask's save_session (Vary: Cookie, Set-Cookie when modified or permanent, deletion when emptied).
  void save(response& r) {
    if (!opened) return;
    for (auto& [name, value] : store.save(values, true, modified, now())) r.insert(name, value);
  }
};

/// What a view sees of one request: the app, the request, and what the body reader and the wrappers filled in.
struct view_context {
  app& a;
  const app_config& cfg;
  app::state& st;
  const stats* counters;            ///< may be null (GET /debug/stats)
  const request_head& head;
  std::string query;                ///< the target after '?'
  std::string tail;                 ///< a prefix route's path after the prefix (download: the file id)
  session_ctx* session = nullptr;   ///< set by with_session
  glue::form_data* form = nullptr;  ///< set by the form reader
  std::string_view body;            ///< set by the JSON reader
};

namespace {

using view_chain = std::function<response(view_context&)>;

/// Flask-WTF's CSRFProtect for one request (websec::csrf): empty when valid, else the reason (answered with 400).
std::string csrf_check(session_ctx& s, const glue::form_data* form) {
  auto& v = s.open();
  const auto& h = s.head.header;
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& f : h) headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  std::optional<std::string> referer;
  if (auto it = h.find(field::referer); it != h.end()) referer = std::string(it->value());
  auto host = h.find(field::host);
  return glue::csrf_protect(s.cfg.secret_key, static_cast<std::int64_t>(s.cfg.csrf_time_limit.count()),
                            std::string(h.method_string()), form, headers, v.csrf_token, s.head.https, referer,
                            host == h.end() ? std::string_view() : std::string_view(host->value()), s.now());
}

/// A refusal of a view: JSON {"error": why}.
response refuse(status s, std::string why) { return json_response(s, {{"error", std::move(why)}}); }

/// The session around a view: opened when the view first asks for it, saved into whatever the view answers.
view_chain with_session(view_chain inner) {
  return [inner = std::move(inner)](view_context& c) {
    session_ctx s{c.cfg, c.head, c.st.sessions, {}, false, false};
    c.session = &s;
    response r = inner(c);
    c.session = nullptr;
    s.save(r);
    return r;
  };
}

/// Flask-WTF's check before a view (inside with_session): 400 with the reason, the view not run.
view_chain with_csrf(view_chain inner) {
  return [inner = std::move(inner)](view_context& c) {
    if (auto why = csrf_check(*c.session, c.form); !why.empty()) return refuse(status::bad_request, why);
    return inner(c);
  };
}

/// A row's view inside the wrappers its row asks for: with_session(with_csrf(view)).
view_chain chain(const route_entry& e) {
  view_chain v = e.view;
  if (e.csrf) v = with_csrf(std::move(v));
  if (e.session || e.csrf) v = with_session(std::move(v));
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Views, one per role (ROLES.md §2), in the order of the table

response page(view_context&) {
  glue::cookie_options theme;  // ROLES.md: a non-session cookie with the same options as the session's
  response r = html_response(status::ok, "websec-server",
                             "<h1>websec-server</h1>\n<p>Reference server of the websec conformance suite.</p>\n"
                             "<ul>\n<li><a href=\"/reflect/text?q=hello\">reflect</a></li>\n"
                             "<li><a href=\"/comments\">comments</a></li>\n</ul>");
  r.insert(field::set_cookie, glue::set_cookie("theme", "light", theme));
  return r;
}

response server_error(view_context&) { throw std::runtime_error("deliberate error of the server_error role"); }

response redirect_home(view_context&) {
  response r = html_response(status::found, "Redirecting", "<p>Redirecting to <a href=\"/\">/</a>.</p>");
  r.set(field::location, "/");
  return r;
}

response static_css(view_context&) { return make(status::ok, "text/css; charset=utf-8", "body { margin: 0 }\n"); }

response json_echo(view_context& c) {
  std::string out, reason;
  if (!glue::json_echo(c.body, out, reason))
    return json_response(status::bad_request, {{"error", "invalid JSON: " + reason}});
  return make(status::ok, "application/json", std::move(out));
}

response form_echo(view_context& c) {
  const glue::form_data& f = *c.form;
  json fields = json::array(), files = json::array();
  for (auto& [is_file, i] : f.order) {
    if (is_file)
      files.push_back({{"name", f.files[i].name}, {"filename", f.files[i].filename}, {"size", f.files[i].size}});
    else
      fields.push_back({{"name", f.fields[i].first}, {"size", f.fields[i].second.size()}});
  }
  return json_response(status::ok, {{"parts", f.parts}, {"fields", fields}, {"files", files}});
}

// ---- reflection (escaping): each page renders its query parameter into one context

std::string query_value(const view_context& c, std::string_view name) {
  return glue::query_param(c.query, name).value_or("");
}

response reflect_page(std::string html) { return html_response(status::ok, "reflect", html); }

response reflect_text(view_context& c) {
  // text users may copy into a terminal: the strict policy applies to reflected text as to stored comments
  return reflect_page("<p id=\"out\">" + glue::escape(glue::terminal_clean(query_value(c, "q"))) + "</p>");
}

response reflect_attr(view_context& c) {
  std::string e = glue::escape(query_value(c, "q"));
  return reflect_page("<input id=\"out\" value=\"" + e + "\">\n<span title='" + e + "'>x</span>");
}

response reflect_unquoted(view_context& c) {
  return reflect_page("<input id=\"out\" value=\"" + glue::escape(query_value(c, "q")) + "\">");
}

response reflect_link(view_context& c) {
  std::string url = query_value(c, "url");
  std::string href = glue::dangerous_url(url) ? "#" : glue::escape(url);
  return reflect_page("<a id=\"out\" href=\"" + href + "\">link</a>");
}

response reflect_script(view_context& c) {
  return reflect_page("<script>var out = " + glue::tojson_string(query_value(c, "q")) + ";</script>");
}

// ---- session, login, CSRF, state (with_session; with_csrf where the table says)

response login(view_context& c) {
  const std::string* u = c.form->get("username");
  const std::string* p = c.form->get("password");
  std::optional<std::string> who;
  for (auto [name, pw] : users) {
    bool ok = u && p && equal_ct(*u, name) & equal_ct(*p, pw);
    if (ok) who = name;
  }
  if (!who) return json_response(status::unauthorized, {{"user", nullptr}});
  auto& v = c.session->open();
  v.user = *who;
  v.permanent = true;
  c.session->modified = true;
  return json_response(status::ok, {{"user", *who}});
}

response whoami(view_context& c) {
  auto& v = c.session->open();
  return json_response(status::ok, {{"user", v.user ? json(*v.user) : json(nullptr)}});
}

response logout(view_context& c) {
  c.session->values = {};
  c.session->modified = true;
  return json_response(status::ok, {{"user", nullptr}});
}

response csrf_token(view_context& c) {
  auto& v = c.session->open();
  if (!v.csrf_token) {
    v.csrf_token = glue::csrf_raw_token();
    c.session->modified = true;
  }
  std::string token = glue::csrf_token(*v.csrf_token, c.cfg.secret_key, c.session->now());
  return json_response(status::ok, {{"csrf_token", token}});
}

response state_probe(view_context& c) {
  auto& v = c.session->open();
  if (!v.user) return refuse(status::unauthorized, "login required");
  std::optional<std::string> value;
  {
    std::lock_guard lk(c.st.mu);
    auto it = c.st.values.find(*v.user);
    if (it != c.st.values.end()) value = it->second;
  }
  return json_response(status::ok, {{"value", value ? json(*value) : json(nullptr)}});
}

response state_change(view_context& c) {
  auto& v = c.session->open();
  if (!v.user) return refuse(status::unauthorized, "login required");
  const std::string* value = c.form->get("value");
  if (!value) return refuse(status::bad_request, "the field value is missing");
  if (utf8_length(*value) > 200) return refuse(status::bad_request, "value longer than 200 characters");
  {
    std::lock_guard lk(c.st.mu);
    c.st.values[*v.user] = *value;
  }
  return json_response(status::ok, {{"value", *value}});
}

// ---- user text and files

response comment_list(view_context& c) {
  std::string list = "<h1>Comments</h1>\n<ul id=\"comments\">\n";
  {
    std::lock_guard lk(c.st.mu);
    for (const auto& text : c.st.comments) list += "<li class=\"comment\">" + glue::escape(text) + "</li>\n";
  }
  list += "</ul>";
  return html_response(status::ok, "Comments", list);
}

response comment_post(view_context& c) {
  const std::string* text = c.form->get("text");
  if (!text) return refuse(status::bad_request, "the field text is missing");
  if (utf8_length(*text) > 2000) return refuse(status::bad_request, "text longer than 2000 characters");
  std::string clean = glue::terminal_clean(*text);
  {
    std::lock_guard lk(c.st.mu);
    c.st.comments.push_front(std::move(clean));
    while (c.st.comments.size() > c.cfg.max_comments) c.st.comments.pop_back();
  }
  response r = html_response(status::see_other, "Redirecting",
                             "<p>Redirecting to <a href=\"/comments\">/comments</a>.</p>");
  r.set(field::location, "/comments");
  return r;
}

/// Keeps an upload under `id`, dropping the oldest while over max_files or max_file_store_bytes.
void store_file(view_context& c, const std::string& id, glue::form_file& file) {
  std::lock_guard lk(c.st.mu);
  auto& st = c.st;
  st.file_bytes += file.data.size();
  st.files[id] = {file.filename, std::move(file.data)};
  st.file_order.push_back(id);
  while (!st.file_order.empty() &&
         (st.file_order.size() > c.cfg.max_files || st.file_bytes > c.cfg.max_file_store_bytes)) {
    auto old = st.files.find(st.file_order.front());
    st.file_bytes -= old->second.data.size();
    st.files.erase(old);
    st.file_order.pop_front();
  }
}

response upload(view_context& c) {
  auto& files = c.form->files;
  auto file = std::find_if(files.begin(), files.end(), [](const glue::form_file& x) { return x.name == "file"; });
  if (file == files.end()) return refuse(status::bad_request, "the file part \"file\" is missing");
  std::string id = random_hex(16);
  store_file(c, id, *file);
  return json_response(status::created, {{"id", id}, {"url", "/files/" + id}});
}

response download(view_context& c) {
  std::lock_guard lk(c.st.mu);
  auto it = c.st.files.find(c.tail);
  if (it == c.st.files.end()) return not_found_page(c.a);
  const auto& f = it->second;
  bool text = ends_with_ci(f.filename, ".txt");
  response r = make(status::ok, text ? "text/plain; charset=utf-8" : "application/octet-stream", f.data);
  r.set(field::content_disposition, content_disposition(f.filename));
  return r;
}

// ---- routes of the server that are not roles of the profile

response debug_stats(view_context& c) {
  json j = {{"rss_kb", rss_kb()}};
  if (const stats* s = c.counters) {
    j["requests"] = s->requests.load();
    j["max_body_bytes_consumed"] = s->max_body_bytes_consumed.load();
    j["refused_per_client"] = s->refused_per_client.load();
    j["reclaimed"] = s->reclaimed.load();
    j["accept_exhausted"] = s->accept_exhausted.load();
  }
  return json_response(status::ok, j);
}

response not_found(view_context& c) { return not_found_page(c.a); }

// ---------------------------------------------------------------------------------------------------------------
// The route table

constexpr unsigned GET = m_get | m_head, POST = m_post;
constexpr bool exact = false, prefix = true;
constexpr bool no = false, yes = true;

// clang-format off
constexpr route_entry routes[] = {
  // role                  path                 match   meth. body                   sess csrf view
  {"page",                  "/",                 exact,  GET,  body_kind::none,       no,  no,  page},
  {"server_error",          "/error",            exact,  GET,  body_kind::none,       no,  no,  server_error},
  {"redirect",              "/redirect",         exact,  GET,  body_kind::none,       no,  no,  redirect_home},
  {"static",                "/static/app.css",   exact,  GET,  body_kind::none,       no,  no,  static_css},
  {"json_echo",             "/json",             exact,  POST, body_kind::json,       no,  no,  json_echo},
  {"form_echo",             "/form",             exact,  POST, body_kind::form,       no,  no,  form_echo},
  {"reflect_text",          "/reflect/text",     exact,  GET,  body_kind::none,       no,  no,  reflect_text},
  {"reflect_attr",          "/reflect/attr",     exact,  GET,  body_kind::none,       no,  no,  reflect_attr},
  {"reflect_unquoted_attr", "/reflect/unquoted", exact,  GET,  body_kind::none,       no,  no,  reflect_unquoted},
  {"reflect_href",          "/reflect/link",     exact,  GET,  body_kind::none,       no,  no,  reflect_link},
  {"reflect_script",        "/reflect/script",   exact,  GET,  body_kind::none,       no,  no,  reflect_script},
  {"login",                 "/login",            exact,  POST, body_kind::form,       yes, no,  login},
  {"whoami",                "/whoami",           exact,  GET,  body_kind::none,       yes, no,  whoami},
  {"logout",                "/logout",           exact,  POST, body_kind::form,       yes, yes, logout},
  {"csrf_token",            "/csrf",             exact,  GET,  body_kind::none,       yes, no,  csrf_token},
  {"state_change",          "/state",            exact,  POST, body_kind::form,       yes, yes, state_change},
  {"state_probe",           "/state",            exact,  GET,  body_kind::none,       yes, no,  state_probe},
  {"comment_post",          "/comments",         exact,  POST, body_kind::form,       yes, yes, comment_post},
  {"comment_list",          "/comments",         exact,  GET,  body_kind::none,       no,  no,  comment_list},
  {"upload",                "/files",            exact,  POST, body_kind::form_files, yes, yes, upload},
  {"download",              "/files/",           prefix, GET,  body_kind::none,       no,  no,  download},
  // not roles of the profile: the server's counters, and /reflect/<anything else> (404, and 405 for a method
  // other than GET/HEAD, as one /reflect/<kind> route answers)
  {"debug_stats",           "/debug/stats",      exact,  GET,  body_kind::none,       no,  no,  debug_stats},
  {"reflect_other",         "/reflect/",         prefix, GET,  body_kind::none,       no,  no,  not_found},
};
// clang-format on

constexpr bool well_formed() {
  for (const auto& e : routes) {
    if (e.csrf && !e.session) return false;                        // the CSRF token lives in the session
    if ((e.methods & m_get) && !(e.methods & m_head)) return false;  // GET answers HEAD too
    if (e.csrf && e.body != body_kind::form && e.body != body_kind::form_files) return false;  // token in a form
  }
  return true;
}
static_assert(well_formed(), "route table: csrf needs session and a form body, GET needs HEAD");

unsigned method_bit(http::verb m) {
  switch (m) {
    case verb::get: return m_get;
    case verb::head: return m_head;
    case verb::post: return m_post;
    default: return 0;
  }
}

bool path_matches(const route_entry& e, std::string_view path) {
  return e.prefix ? path.starts_with(e.path) : path == e.path;
}

/// The exchange of a route: its body reader, then the view inside its wrappers.
std::unique_ptr<exchange> make_exchange(const route_entry& e, view_context ctx) {
  view_chain v = chain(e);
  switch (e.body) {
    case body_kind::none:
      return std::make_unique<simple_exchange>([v, c = std::move(ctx)]() mutable { return v(c); });
    case body_kind::form:
    case body_kind::form_files:
      return std::make_unique<form_exchange>(ctx.head, ctx.cfg, e.body == body_kind::form_files,
                                             [v, c = ctx](glue::form_data& f) mutable {
                                               c.form = &f;
                                               return v(c);
                                             });
    case body_kind::json:
      if (!is_json(ctx.head))
        return std::make_unique<early_exchange>(
            json_response(status::unsupported_media_type, {{"error", "Content-Type must be application/json"}}));
      return std::make_unique<json_exchange>([v, c = std::move(ctx)](std::string_view body) mutable {
        c.body = body;
        return v(c);
      });
  }
  throw std::logic_error("route table: unknown body kind");
}

}  // namespace

std::span<const route_entry> route_table() { return routes; }

route_match find_route(std::string_view path, http::verb method) {
  const unsigned bit = method_bit(method);
  for (bool by_prefix : {exact, prefix}) {
    route_match m;
    for (const auto& e : routes) {
      if (e.prefix != by_prefix || !path_matches(e, path)) continue;
      if (e.methods & bit) return {&e, 0};
      m.allow |= e.methods;
    }
    if (m.allow) return m;
  }
  return {};
}

std::string allow_header(unsigned methods) {
  std::string out;
  for (auto [bit, name] : {std::pair{m_get, "GET"}, {m_head, "HEAD"}, {m_post, "POST"}}) {
    if (!(methods & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

app::app(app_config cfg) : cfg_(std::move(cfg)), st_(std::make_unique<state>(cfg_)) {}
app::~app() = default;

limits app::connection_limits() const {
  limits l;
  l.max_content_length = cfg_.max_content_length;
  return l;
}

void app::decorate(response& res, const request_head* head, bool https) {
  if (https) res.set(field::strict_transport_security, hsts_value);
  res.set("Content-Security-Policy", csp_value);
  res.set("X-Content-Type-Options", xcto_value);
  res.set(field::x_frame_options, xfo_value);
  res.set("Referrer-Policy", referrer_value);
  if (res.find(field::content_type) == res.end() && !res.body().empty())
    res.set(field::content_type, "text/plain; charset=utf-8");
}

response app::error_page(int code, std::string_view detail) {
  auto s = static_cast<status>(code);
  std::string reason(http::obsolete_reason(s));
  if (reason == "<unknown-status>") reason = "Error";
  std::string title = std::to_string(code) + " " + reason;
  // `detail` is always a constant of the server (never request data), see core.cpp and this file.
  std::string body = "<!doctype html>\n<html lang=en>\n<title>" + title + "</title>\n<h1>" + reason + "</h1>\n<p>" +
                     std::string(detail) + "</p>\n";
  response r{s, 11};
  r.set(field::content_type, "text/html; charset=utf-8");
  r.body() = std::move(body);
  return r;
}

/// The route table's lookup: plain HTTP to HTTPS first (no body read), then the row, else 405 (no body read,
/// Allow from the table) or 404.
std::unique_ptr<exchange> app::route(const request_head& head) {
  std::string_view target = head.header.target();
  if (!head.https && cfg_.https_origin)
    return std::make_unique<early_exchange>(https_redirect(*cfg_.https_origin, target));
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::string_view query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);

  route_match m = find_route(path, head.header.method());
  if (!m.entry && m.allow) return std::make_unique<early_exchange>(method_not_allowed(*this, m.allow));
  if (!m.entry) return std::make_unique<simple_exchange>([this] { return not_found_page(*this); });
  std::string tail(m.entry->prefix ? path.substr(m.entry->path.size()) : std::string_view());
  view_context ctx{*this, cfg_, *st_, stats_, head, std::string(query), std::move(tail), nullptr, nullptr, {}};
  return make_exchange(*m.entry, std::move(ctx));
}

}  // namespace websec::server
