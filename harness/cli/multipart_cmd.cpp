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
#include <memory>
#include <string>

#include "command.hpp"
#include "websec/result.hpp"
#include "websec/multipart.hpp"

namespace websec::cli {
namespace {

struct opts {
  std::string path = "-", boundary, content_type, profile = "upstream";
  std::string max_content_length = "none", max_form_memory_size = "500000", max_form_parts = "1000";
  bool json = false;
};

/// A limit: a non-negative integer or "none" (unlimited).
CLI::Validator limit_value() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (v == "none" || v == "None") return {};
        errno = 0;
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return "needs a non-negative integer or 'none', not " + quote_input(v);
        std::strtoull(v.c_str(), nullptr, 10);
        if (errno) return "is out of range";
        return {};
      },
      "N|none");
}

std::optional<std::uint64_t> limit_of(const std::string& v) {
  if (v == "none" || v == "None") return std::nullopt;
  return std::strtoull(v.c_str(), nullptr, 10);
}

int run(const opts& o) {
  if (o.boundary.empty() == o.content_type.empty()) return usage_error("give exactly one of --boundary B or --content-type CT");
  multipart::FormLimits lim;
  lim.max_content_length = limit_of(o.max_content_length);
  lim.max_form_memory_size = limit_of(o.max_form_memory_size);
  lim.max_form_parts = limit_of(o.max_form_parts);
  multipart::parse_options opts;
  opts.sink = multipart::file_sink::hash_only;
  parse_profile(o.profile, opts.prof);

  widen_pipes();
  input_file in;
  if (!in.open(o.path)) return 2;
  multipart::request_info req;
  if (!o.boundary.empty()) req.boundary = o.boundary;
  else req.content_type = o.content_type;
  if (in.is_regular()) req.content_length = std::to_string(in.size());
  else req.content_length_is_body_length = true;

  multipart::form_parser parser(req, lim, opts);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = in.read(buf.data(), buf.size());
    if (n < 0) return 2;
    if (n == 0) break;
    parser.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
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
    out += "{\"kind\": " + json_string(to_string(f.result.error->kind)) + ", \"offset\": " + std::to_string(f.result.error->offset) +
           ", \"message\": " + json_string(f.result.error->message) + "}";
  else
    out += "null";
  out += "}}\n";
  output w;
  w.write(out);
  if (!w.flush()) return 2;
  return f.result.error ? 1 : 0;
}

void setup(CLI::App& root) {
  auto* g = group(root, "multipart", "Parse request bodies as Flask/werkzeug do",
                  "Example:\n  websec multipart parse --content-type \"$(cat ct.txt)\" body.bin");
  auto o = std::make_shared<opts>();
  auto* c = leaf(*g, "parse", "Parse a multipart/form-data (or urlencoded) body as Flask does",
                 "Streams the body (1 MiB pieces; file parts are hashed, not kept). A FILE's size is its\n"
                 "Content-Length; stdin is streamed and its length is the body's. Limits default to Flask 3.1's.\n"
                 "Output (always JSON): {\"fields\": [[name, value]...], \"files\": [{\"name\", \"filename\",\n"
                 "  \"content_type\", \"size\", \"sha256\"}...], \"outcome\": {\"status\": 200|400|413|500,\n"
                 "  \"error\": null | {\"kind\", \"offset\", \"message\"}}}  (fields and files in body order)\n"
                 "Exit: 0 parsed, 1 error outcome (werkzeug's silent empty form included), 2 bad usage or input.\n"
                 "Examples:\n"
                 "  websec multipart parse --boundary XyZ upload.bin\n"
                 "  websec multipart parse --content-type 'multipart/form-data; boundary=XyZ' --max-form-parts 10 - < body",
                 [o] { return run(*o); });
  auto* b = c->add_option("--boundary", o->boundary, "the multipart boundary")->type_name("B");
  c->add_option("--content-type", o->content_type, "the request's Content-Type header")->type_name("CT")->excludes(b);
  c->add_option("--max-content-length", o->max_content_length, "MAX_CONTENT_LENGTH in bytes, or none")
      ->capture_default_str()->check(limit_value());
  c->add_option("--max-form-memory-size", o->max_form_memory_size, "MAX_FORM_MEMORY_SIZE: bytes per field, or none")
      ->capture_default_str()->check(limit_value());
  c->add_option("--max-form-parts", o->max_form_parts, "MAX_FORM_PARTS, or none")
      ->capture_default_str()->check(limit_value());
  c->add_option("--profile", o->profile, "werkzeug: upstream (newest) or debian (Debian 12's)")
      ->capture_default_str()->check(one_of({"upstream", "debian"}));
  c->add_flag("--json", o->json, "JSON output (the default and only form)");
  c->add_option("FILE", o->path, "the body, or - for stdin")->type_name("FILE")->capture_default_str()->check(file_or_stdin());
}

const command reg("multipart", setup);

}  // namespace
}  // namespace websec::cli
