// `websec multipart parse`: parses a multipart/form-data (or urlencoded) request body as Flask/werkzeug would,
// streaming it (a 2 GiB upload is read in 1 MiB pieces; file parts are hashed, not kept), and prints one JSON
// object: {"fields": [[name, value]...], "files": [{"name", "filename", "content_type", "size", "sha256"}...],
//          "outcome": {"status": 200|400|413|500, "error": null | {"kind", "offset", "message"}}}.
// Fields and files are listed in body order. Exit: 0 parsed, 1 error outcome (incl. werkzeug's silent empty
// form), 2 bad usage or unreadable input.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "command.hpp"
#include "websec/result.hpp"
#include "websec/multipart.hpp"

namespace websec::cli {
namespace {

constexpr const char* kUsage =
    "multipart parse [--boundary B | --content-type CT] [--max-content-length N] [--max-form-memory-size N]\n"
    "                  [--max-form-parts N] [--profile upstream|debian] [FILE|-]\n"
    "      parse a form body as Flask does (limits default to Flask 3.1's: 500000 bytes per field, 1000 parts;\n"
    "      N may be 'none' for unlimited). A FILE's size is its Content-Length; stdin is streamed.";

bool parse_limit(const option_parser& o, const char* name, std::optional<std::uint64_t>& out) {
  auto v = o.get(name);
  if (!v) return true;
  if (*v == "none" || *v == "None") { out.reset(); return true; }
  if (v->empty() || v->find_first_not_of("0123456789") != std::string::npos) {
    usage_error(std::string("--") + name + " needs a non-negative integer or 'none'");
    return false;
  }
  errno = 0;
  unsigned long long n = std::strtoull(v->c_str(), nullptr, 10);
  if (errno) { usage_error(std::string("--") + name + " is out of range"); return false; }
  out = n;
  return true;
}

int run(const args& a) {
  if (a.empty() || a[0] != "parse") return usage_error(std::string("usage: websec ") + kUsage);
  args rest(a.begin() + 1, a.end());
  option_parser o(rest);
  if (!o.parse({"boundary", "content-type", "max-content-length", "max-form-memory-size", "max-form-parts", "profile"}, {"help"}))
    return 2;
  if (o.has("help")) { std::cout << "usage: websec " << kUsage << "\n"; return 0; }
  if (o.has("boundary") == o.has("content-type")) return usage_error("give exactly one of --boundary B or --content-type CT");
  if (o.positionals().size() > 1) return usage_error("at most one input FILE");
  multipart::FormLimits lim;
  if (!parse_limit(o, "max-content-length", lim.max_content_length) ||
      !parse_limit(o, "max-form-memory-size", lim.max_form_memory_size) ||
      !parse_limit(o, "max-form-parts", lim.max_form_parts))
    return 2;
  multipart::parse_options opts;
  opts.sink = multipart::file_sink::hash_only;
  if (auto p = o.get("profile"); p && !parse_profile(*p, opts.prof)) return usage_error("--profile is upstream or debian");

  std::string path = o.positionals().empty() ? "-" : o.positionals()[0];
  int fd = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) { std::cerr << "websec: cannot read " << websec::quote_input(path) << ": " << std::strerror(errno) << "\n"; return 2; }
  }
  multipart::request_info req;
  if (auto b = o.get("boundary")) {
    if (b->empty()) return usage_error("--boundary must not be empty");
    req.boundary = *b;
  } else {
    req.content_type = *o.get("content-type");
  }
  struct stat st {};
  if (fd != 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) req.content_length = std::to_string(st.st_size);
  else req.content_length_is_body_length = true;

  multipart::form_parser parser(req, lim, opts);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { std::cerr << "websec: read error: " << std::strerror(errno) << "\n"; if (fd) ::close(fd); return 2; }
    if (n == 0) break;
    parser.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  if (fd) ::close(fd);
  multipart::form_data f = parser.finish();

  std::string out = "{\"fields\": [";
  for (std::size_t i = 0; i < f.fields.size(); ++i) {
    if (i) out += ", ";
    out += "[" + (f.fields[i].name ? json_string(*f.fields[i].name) : std::string("null")) + ", " + json_string(f.fields[i].value) + "]";
  }
  out += "], \"files\": [";
  for (std::size_t i = 0; i < f.files.size(); ++i) {
    const auto& x = f.files[i];
    if (i) out += ", ";
    out += "{\"name\": " + (x.name ? json_string(*x.name) : std::string("null")) + ", \"filename\": " + json_string(x.filename) +
           ", \"content_type\": " + (x.content_type ? json_string(*x.content_type) : std::string("null")) +
           ", \"size\": " + std::to_string(x.size) + ", \"sha256\": " + json_string(x.sha256) + "}";
  }
  out += "], \"outcome\": {\"status\": " + std::to_string(f.result.status) + ", \"error\": ";
  if (f.result.error)
    out += "{\"kind\": " + json_string(f.result.error->kind) + ", \"offset\": " + std::to_string(f.result.error->offset) +
           ", \"message\": " + json_string(f.result.error->message) + "}";
  else
    out += "null";
  out += "}}\n";
  std::cout << out;
  return f.result.error ? 1 : 0;
}

const std::string kHelpText = std::string("usage: websec ") + kUsage + "\n";
const command reg("multipart", kUsage, run, kHelpText.c_str());

}  // namespace
}  // namespace websec::cli
