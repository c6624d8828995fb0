// websec.headers — security-header parsing and the whole-response audit (websec/headers.hpp).
#include "common.hpp"
#include "verdict_py.hpp"

#include <websec/headers.hpp>

namespace websec::py {

namespace {

std::string text_bytes(const py::handle& h) { return std::string(h.cast<byte_view>().sv()); }

std::vector<std::string> strings(const py::object& seq) {
  std::vector<std::string> out;
  if (seq.is_none()) return out;
  if (PyUnicode_Check(seq.ptr()) || PyBytes_Check(seq.ptr())) {  // a single value
    out.push_back(text_bytes(seq));
    return out;
  }
  for (auto item : seq) out.push_back(text_bytes(item));
  return out;
}

headers::header_list header_pairs(const py::object& seq) {
  headers::header_list h;
  py::object items = py::hasattr(seq, "items") && !py::isinstance<py::list>(seq) ? seq.attr("items")() : seq;
  for (auto item : items) {
    auto t = py::reinterpret_borrow<py::sequence>(item);
    if (t.size() != 2) throw py::value_error("headers must be (name, value) pairs");
    h.emplace_back(text_bytes(t[0]), text_bytes(t[1]));
  }
  return h;
}

headers::response_options options(bool https, std::int64_t hsts_min, py::object cookie_max_lifetime, py::object now,
                                  std::size_t max_cookie_size) {
  headers::response_options o;
  o.https = https;
  o.hsts_min_max_age = hsts_min;
  if (!cookie_max_lifetime.is_none()) o.cookie_max_lifetime = cookie_max_lifetime.cast<std::int64_t>();
  if (!now.is_none()) o.now = now.cast<std::int64_t>();
  o.max_cookie_size = max_cookie_size;
  return o;
}

}  // namespace

void bind_headers(py::module_& parent) {
  py::module_ m = submodule(parent, "headers",
                            "Security headers: HSTS (RFC 6797), CSP (Level 3, policies intersected, report-only never "
                            "enforces), X-Frame-Options, X-Content-Type-Options, Referrer-Policy and every Set-Cookie "
                            "line, judged with verdicts aligned to CSP Evaluator and HTTP Observatory.");
  m.attr("Verdict") = verdict_class(parent);
  m.attr("HSTS_DOC_MAX_AGE") = headers::hsts_doc_max_age;
  m.attr("HSTS_COMMON_MAX_AGE") = headers::hsts_common_max_age;
  define_exception(m, "HeaderError", py::make_tuple(base_error(), py::module_::import("builtins").attr("ValueError")),
                   "A header or response head that does not parse (kind: hsts_syntax, hsts_duplicate_directive, "
                   "hsts_max_age_missing, hsts_max_age_invalid, hsts_directive_value, no_status_line, bad_header_line).",
                   "websec.headers.HeaderError");

  m.def(
      "audit",
      [](py::object hs, bool https, std::int64_t hsts_min, py::object cookie_max_lifetime, py::object now,
         std::size_t max_cookie_size) {
        auto h = header_pairs(hs);
        auto o = options(https, hsts_min, cookie_max_lifetime, now, max_cookie_size);
        std::vector<websec::verdict> v;
        {
          nogil release;
          v = headers::audit_response(h, o);
        }
        return verdict_list(v);
      },
      py::arg("headers"), py::arg("https") = true, py::kw_only(), py::arg("hsts_min_max_age") = headers::hsts_doc_max_age,
      py::arg("cookie_max_lifetime") = py::none(), py::arg("now") = py::none(), py::arg("max_cookie_size") = 4093,
      "Judges a whole response head: headers = [(name, value)] in order (repeated names kept apart; a mapping is "
      "accepted), https = how the response was fetched. Returns [Verdict] (hsts.*, csp.*, xfo.*, xcto.*, "
      "referrer.*, xxss.*, cookie.*).");

  m.def("audit_hsts", [](py::object values, bool https, std::int64_t hsts_min) {
        return verdict_list(headers::audit_hsts(strings(values), options(https, hsts_min, py::none(), py::none(), 4093)));
      }, py::arg("values"), py::arg("https") = true, py::kw_only(), py::arg("hsts_min_max_age") = headers::hsts_doc_max_age);
  m.def("audit_csp", [](py::object enforced, py::object report_only) {
        return verdict_list(headers::audit_csp(strings(enforced), strings(report_only)));
      }, py::arg("enforced"), py::arg("report_only") = py::none());
  m.def("audit_x_frame_options", [](py::object values, py::object csp) {
        return verdict_list(headers::audit_x_frame_options(strings(values), strings(csp)));
      }, py::arg("values"), py::arg("enforced_csp") = py::none());
  m.def("audit_x_content_type_options", [](py::object values) {
        return verdict_list(headers::audit_x_content_type_options(strings(values)));
      }, py::arg("values"));
  m.def("audit_referrer_policy", [](py::object values) {
        return verdict_list(headers::audit_referrer_policy(strings(values)));
      }, py::arg("values"));

  m.def(
      "parse_hsts",
      [](byte_view value) {
        auto r = headers::parse_hsts(value.sv());
        if (!r) raise(exception_class("websec.headers.HeaderError"), r.err());
        py::dict d;
        d["max_age"] = r->max_age;
        d["include_subdomains"] = r->include_subdomains;
        d["preload"] = r->preload;
        py::list unknown;
        for (const auto& u : r->unknown) unknown.append(to_str(u));
        d["unknown"] = unknown;
        return d;
      },
      py::arg("value"), "RFC 6797 Strict-Transport-Security value -> dict; raises HeaderError when browsers ignore it.");

  m.def(
      "parse_csp",
      [](byte_view value, bool report_only) {
        py::list out;
        for (const auto& p : headers::parse_csp(value.sv(), report_only)) {
          py::list dirs;
          for (const auto& d : p.directives) {
            py::list vals;
            for (const auto& v : d.values) vals.append(to_str(v));
            dirs.append(py::make_tuple(to_str(d.name), vals));
          }
          out.append(dirs);
        }
        return out;
      },
      py::arg("value"), py::arg("report_only") = false,
      "A CSP header value -> one list of (directive, [values]) per comma-separated policy (first occurrence wins).");

  m.def(
      "parse_response_head",
      [](byte_view raw) {
        auto r = headers::parse_response_head(raw.sv());
        if (!r) raise(exception_class("websec.headers.HeaderError"), r.err());
        py::list hs;
        for (const auto& [n, v] : r->headers) hs.append(py::make_tuple(to_str(n), to_str(v)));
        return py::make_tuple(r->status, hs);
      },
      py::arg("raw"), "A raw HTTP response head (curl -sI output; the last head with -L) -> (status, [(name, value)]).");
}

}  // namespace websec::py
