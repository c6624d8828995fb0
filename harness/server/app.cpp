// harness/server/app.cpp — the roles of conformance/ROLES.md §2 (see app.hpp).
#include "app.hpp"

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

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return o;
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

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == suffix;
}

// ---------------------------------------------------------------------------------------------------------------
// Exchanges

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

/// Collects a JSON body (bounded by MAX_CONTENT_LENGTH in the core) and echoes it.
class json_exchange final : public exchange {
 public:
  std::optional<response> on_body(std::string_view piece) override {
    body_.append(piece);
    return std::nullopt;
  }
  response finish() override {
    std::string out, reason;
    if (!glue::json_echo(body_, out, reason)) return json_response(status::bad_request, {{"error", "invalid JSON: " + reason}});
    return make(status::ok, "application/json", std::move(out));
  }

 private:
  std::string body_;
};

response method_not_allowed(app& a, std::string_view allow) {
  response r = a.error_page(405, "The method is not allowed for the requested URL.");
  r.set(field::allow, allow);
  return r;
}

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

}  // namespace

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

std::unique_ptr<exchange> app::route(const request_head& head) {
  const auto& h = head.header;
  std::string_view target = h.target();
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::string_view query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
  verb m = h.method();
  bool get = m == verb::get || m == verb::head;
  bool post = m == verb::post;
  auto simple = [](std::function<response()> f) { return std::make_unique<simple_exchange>(std::move(f)); };
  auto early = [](response r) { return std::make_unique<early_exchange>(std::move(r)); };

  // Plain HTTP: every request goes to the HTTPS origin (ROLES.md §4), without reading a body.
  if (!head.https && cfg_.https_origin) {
    response r = html_response(status::permanent_redirect, "Redirecting", "<p>Redirecting to HTTPS.</p>");
    std::string loc = *cfg_.https_origin + (target.empty() || target[0] != '/' ? std::string("/") : std::string(target));
    r.set(field::location, loc);
    return early(std::move(r));
  }

  if (path == "/") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([] {
      glue::cookie_options theme;  // ROLES.md: a non-session cookie with the same options as the session's
      response r = html_response(status::ok, "websec-server",
                           "<h1>websec-server</h1>\n<p>Reference server of the websec conformance suite.</p>\n"
                           "<ul>\n<li><a href=\"/reflect/text?q=hello\">reflect</a></li>\n"
                           "<li><a href=\"/comments\">comments</a></li>\n</ul>");
      r.insert(field::set_cookie, glue::set_cookie("theme", "light", theme));
      return r;
    });
  }
  if (path == "/static/app.css") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([] { return make(status::ok, "text/css; charset=utf-8", "body { margin: 0 }\n"); });
  }
  if (path == "/redirect") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([] {
      response r = html_response(status::found, "Redirecting", "<p>Redirecting to <a href=\"/\">/</a>.</p>");
      r.set(field::location, "/");
      return r;
    });
  }
  if (path == "/error") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([]() -> response { throw std::runtime_error("deliberate error of the server_error role"); });
  }
  if (path == "/debug/stats") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([this] {
      json j = {{"rss_kb", rss_kb()}};
      if (stats_) {
        j["requests"] = stats_->requests.load();
        j["max_body_bytes_consumed"] = stats_->max_body_bytes_consumed.load();
        j["refused_per_client"] = stats_->refused_per_client.load();
        j["reclaimed"] = stats_->reclaimed.load();
        j["accept_exhausted"] = stats_->accept_exhausted.load();
      }
      return json_response(status::ok, j);
    });
  }
  if (path == "/json") {
    if (!post) return early(method_not_allowed(*this, "POST"));
    auto ct = h.find(field::content_type);
    std::string mt = ct == h.end() ? std::string() : mimetype(ct->value());
    if (mt != "application/json" && !(mt.rfind("application/", 0) == 0 && ends_with_ci(mt, "+json")))
      return early(json_response(status::unsupported_media_type, {{"error", "Content-Type must be application/json"}}));
    return std::make_unique<json_exchange>();
  }
  if (path == "/form") {
    if (!post) return early(method_not_allowed(*this, "POST"));
    return std::make_unique<form_exchange>(head, cfg_, false, [](glue::form_data& f) {
      json fields = json::array(), files = json::array();
      for (auto& [is_file, i] : f.order) {
        if (is_file)
          files.push_back({{"name", f.files[i].name}, {"filename", f.files[i].filename}, {"size", f.files[i].size}});
        else
          fields.push_back({{"name", f.fields[i].first}, {"size", f.fields[i].second.size()}});
      }
      return json_response(status::ok, {{"parts", f.parts}, {"fields", fields}, {"files", files}});
    });
  }

  // ---- reflection (escaping) ----
  if (path.rfind("/reflect/", 0) == 0) {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    std::string kind(path.substr(9));
    std::string param = kind == "link" ? "url" : "q";
    std::string value = glue::query_param(query, param).value_or("");
    std::string html;
    if (kind == "text") {
      // text users may copy into a terminal: the strict policy applies to reflected text as to stored comments
      html = "<p id=\"out\">" + glue::escape(glue::terminal_clean(value)) + "</p>";
    } else if (kind == "attr") {
      std::string e = glue::escape(value);
      html = "<input id=\"out\" value=\"" + e + "\">\n<span title='" + e + "'>x</span>";
    } else if (kind == "unquoted") {
      html = "<input id=\"out\" value=\"" + glue::escape(value) + "\">";
    } else if (kind == "link") {
      std::string href = glue::dangerous_url(value) ? "#" : glue::escape(value);
      html = "<a id=\"out\" href=\"" + href + "\">link</a>";
    } else if (kind == "script") {
      html = "<script>var out = " + glue::tojson_string(value) + ";</script>";
    } else {
      return simple([this] { return error_page(404, "The requested URL was not found on the server."); });
    }
    return simple([html] { return html_response(status::ok, "reflect", html); });
  }

  // ---- session, login, CSRF, state ----
  auto sess = std::make_shared<session_ctx>(session_ctx{cfg_, head, st_->sessions, {}, false, false});

  if (path == "/login") {
    if (!post) return early(method_not_allowed(*this, "POST"));
    return std::make_unique<form_exchange>(head, cfg_, false, [sess](glue::form_data& f) {
      const std::string* u = f.get("username");
      const std::string* p = f.get("password");
      std::optional<std::string> who;
      for (auto [name, pw] : users) {
        bool ok = u && p && equal_ct(*u, name) & equal_ct(*p, pw);
        if (ok) who = name;
      }
      if (!who) return json_response(status::unauthorized, {{"user", nullptr}});
      auto& v = sess->open();
      v.user = *who;
      v.permanent = true;
      sess->modified = true;
      response r = json_response(status::ok, {{"user", *who}});
      sess->save(r);
      return r;
    });
  }
  if (path == "/whoami") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([sess] {
      auto& v = sess->open();
      response r = json_response(status::ok, {{"user", v.user ? json(*v.user) : json(nullptr)}});
      sess->save(r);
      return r;
    });
  }
  if (path == "/csrf") {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    return simple([sess] {
      auto& v = sess->open();
      if (!v.csrf_token) {
        v.csrf_token = glue::csrf_raw_token();
        sess->modified = true;
      }
      response r = json_response(status::ok,
                                 {{"csrf_token", glue::csrf_token(*v.csrf_token, sess->cfg.secret_key, sess->now())}});
      sess->save(r);
      return r;
    });
  }
  if (path == "/logout") {
    if (!post) return early(method_not_allowed(*this, "POST"));
    return std::make_unique<form_exchange>(head, cfg_, false, [sess](glue::form_data& f) {
      if (auto why = csrf_check(*sess, &f); !why.empty()) {
        response r = json_response(status::bad_request, {{"error", why}});
        sess->save(r);
        return r;
      }
      sess->values = {};
      sess->modified = true;
      response r = json_response(status::ok, {{"user", nullptr}});
      sess->save(r);
      return r;
    });
  }
  if (path == "/state") {
    if (get) {
      return simple([this, sess] {
        auto& v = sess->open();
        if (!v.user) {
          response r = json_response(status::unauthorized, {{"error", "login required"}});
          sess->save(r);
          return r;
        }
        std::optional<std::string> value;
        {
          std::lock_guard lk(st_->mu);
          auto it = st_->values.find(*v.user);
          if (it != st_->values.end()) value = it->second;
        }
        response r = json_response(status::ok, {{"value", value ? json(*value) : json(nullptr)}});
        sess->save(r);
        return r;
      });
    }
    if (!post) return early(method_not_allowed(*this, "GET, HEAD, POST"));
    return std::make_unique<form_exchange>(head, cfg_, false, [this, sess](glue::form_data& f) {
      auto refuse = [&](status s, std::string why) {
        response r = json_response(s, {{"error", std::move(why)}});
        sess->save(r);
        return r;
      };
      if (auto why = csrf_check(*sess, &f); !why.empty()) return refuse(status::bad_request, why);
      auto& v = sess->open();
      if (!v.user) return refuse(status::unauthorized, "login required");
      const std::string* value = f.get("value");
      if (!value) return refuse(status::bad_request, "the field value is missing");
      if (utf8_length(*value) > 200) return refuse(status::bad_request, "value longer than 200 characters");
      {
        std::lock_guard lk(st_->mu);
        st_->values[*v.user] = *value;
      }
      response r = json_response(status::ok, {{"value", *value}});
      sess->save(r);
      return r;
    });
  }
  if (path == "/comments") {
    if (get) {
      return simple([this] {
        std::string list = "<h1>Comments</h1>\n<ul id=\"comments\">\n";
        {
          std::lock_guard lk(st_->mu);
          for (const auto& c : st_->comments) list += "<li class=\"comment\">" + glue::escape(c) + "</li>\n";
        }
        list += "</ul>";
        return html_response(status::ok, "Comments", list);
      });
    }
    if (!post) return early(method_not_allowed(*this, "GET, HEAD, POST"));
    return std::make_unique<form_exchange>(head, cfg_, false, [this, sess](glue::form_data& f) {
      auto refuse = [&](status s, std::string why) {
        response r = json_response(s, {{"error", std::move(why)}});
        sess->save(r);
        return r;
      };
      if (auto why = csrf_check(*sess, &f); !why.empty()) return refuse(status::bad_request, why);
      const std::string* text = f.get("text");
      if (!text) return refuse(status::bad_request, "the field text is missing");
      if (utf8_length(*text) > 2000) return refuse(status::bad_request, "text longer than 2000 characters");
      std::string clean = glue::terminal_clean(*text);
      {
        std::lock_guard lk(st_->mu);
        st_->comments.push_front(std::move(clean));
        while (st_->comments.size() > cfg_.max_comments) st_->comments.pop_back();
      }
      response r = html_response(status::see_other, "Redirecting", "<p>Redirecting to <a href=\"/comments\">/comments</a>.</p>");
      r.set(field::location, "/comments");
      sess->save(r);
      return r;
    });
  }
  if (path == "/files") {
    if (!post) return early(method_not_allowed(*this, "POST"));
    return std::make_unique<form_exchange>(head, cfg_, true, [this, sess](glue::form_data& f) {
      auto refuse = [&](status s, std::string why) {
        response r = json_response(s, {{"error", std::move(why)}});
        sess->save(r);
        return r;
      };
      if (auto why = csrf_check(*sess, &f); !why.empty()) return refuse(status::bad_request, why);
      glue::form_file* file = nullptr;
      for (auto& x : f.files)
        if (x.name == "file") {
          file = &x;
          break;
        }
      if (!file) return refuse(status::bad_request, "the file part \"file\" is missing");
      std::string id = random_hex(16);
      {
        std::lock_guard lk(st_->mu);
        st_->file_bytes += file->data.size();
        st_->files[id] = {file->filename, std::move(file->data)};
        st_->file_order.push_back(id);
        while (!st_->file_order.empty() &&
               (st_->file_order.size() > cfg_.max_files || st_->file_bytes > cfg_.max_file_store_bytes)) {
          auto old = st_->files.find(st_->file_order.front());
          st_->file_bytes -= old->second.data.size();
          st_->files.erase(old);
          st_->file_order.pop_front();
        }
      }
      response r = json_response(status::created, {{"id", id}, {"url", "/files/" + id}});
      sess->save(r);
      return r;
    });
  }
  if (path.rfind("/files/", 0) == 0) {
    if (!get) return early(method_not_allowed(*this, "GET, HEAD"));
    std::string id(path.substr(7));
    return simple([this, id] {
      std::lock_guard lk(st_->mu);
      auto it = st_->files.find(id);
      if (it == st_->files.end()) return error_page(404, "The requested URL was not found on the server.");
      const auto& f = it->second;
      response r = make(status::ok, ends_with_ci(f.filename, ".txt") ? "text/plain; charset=utf-8" : "application/octet-stream",
                        f.data);
      r.set(field::content_disposition, content_disposition(f.filename));
      return r;
    });
  }
  return simple([this] { return error_page(404, "The requested URL was not found on the server."); });
}

}  // namespace websec::server
