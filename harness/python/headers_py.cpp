// websec.headers — security headers of a response: parse and judge HSTS, CSP, X-Frame-Options,
// X-Content-Type-Options, Referrer-Policy, and the whole response head (websec/headers.hpp).
#include "common.hpp"

#include <websec/headers.hpp>

namespace websec::py {
namespace {

namespace H = websec::headers;

std::string text(py::handle h) { return std::string(h.cast<byte_view>().view); }

std::vector<std::string> values_arg(py::handle h) {
  std::vector<std::string> out;
  if (h.is_none()) return out;
  if (py::isinstance<py::str>(h) || py::isinstance<py::bytes>(h)) {
    out.push_back(text(h));
    return out;
  }
  for (auto v : py::reinterpret_borrow<py::iterable>(h)) out.push_back(text(v));
  return out;
}

H::header_list header_list_arg(py::handle h) {
  H::header_list out;
  py::iterable it = py::reinterpret_borrow<py::iterable>(
      py::hasattr(h, "items") && !py::isinstance<py::list>(h) ? py::object(h.attr("items")()) : py::reinterpret_borrow<py::object>(h));
  for (auto kv : it) {
    auto t = py::reinterpret_borrow<py::tuple>(kv);
    out.emplace_back(text(t[0]), text(t[1]));
  }
  return out;
}

H::response_options options(bool https, std::int64_t hsts_min_max_age, std::optional<std::int64_t> cookie_max_lifetime,
                            std::optional<std::int64_t> now) {
  H::response_options o;
  o.https = https;
  o.hsts_min_max_age = hsts_min_max_age;
  o.cookie_max_lifetime = cookie_max_lifetime;
  o.now = now;
  return o;
}

// url, only (a str or an iterable of str), cookie_roles (a mapping name -> role)
void more_options(H::response_options& o, const std::optional<std::string>& url, py::handle only, py::handle roles) {
  if (url) {
    auto r = websec::cookie::parse_request_url(*url);
    if (!r) throw py::value_error("url: " + r.err().message);
    o.url = *url;
  }
  o.only = values_arg(only);
  if (!roles.is_none()) {
    for (auto kv : py::reinterpret_borrow<py::dict>(roles)) {
      websec::cookie::cookie_role role;
      std::string rs = py::str(kv.second).cast<std::string>();
      if (!websec::cookie::parse_role(rs, role))
        throw py::value_error("cookie role must be session, remember-me, csrf, preference or other, not " + rs);
      o.cookie_roles.emplace_back(text(kv.first), role);
    }
  }
}

py::list directives(const H::csp_policy& p) {
  py::list l;
  for (auto& d : p.directives) {
    py::list vals;
    for (auto& v : d.values) vals.append(to_str(v));
    l.append(py::make_tuple(to_str(d.name), vals));
  }
  return l;
}

// audit and report: a whole response head.
void bind_response_audit(py::module_& m) {
  m.def("audit", [](py::handle headers, bool https, std::int64_t hsts_min_max_age,
                    std::optional<std::int64_t> cookie_max_lifetime, std::optional<std::int64_t> now,
                    std::optional<std::string> url, py::handle only, py::handle cookie_roles) {
          auto hl = header_list_arg(headers);
          auto o = options(https, hsts_min_max_age, cookie_max_lifetime, now);
          more_options(o, url, only, cookie_roles);
          nogil g;
          return H::audit_response(hl, o);
        }, py::arg("headers"), py::arg("https"), py::kw_only(), py::arg("hsts_min_max_age") = H::hsts_doc_max_age,
        py::arg("cookie_max_lifetime") = py::none(), py::arg("now") = py::none(), py::arg("url") = py::none(),
        py::arg("only") = py::none(), py::arg("cookie_roles") = py::none(),
        "Judges a whole response head: headers as (name, value) pairs in order (repeated names kept apart; a dict "
        "also works). Findings in the order HSTS, CSP, XFO, XCTO, Referrer-Policy, X-XSS-Protection, cookies.");
  m.def("report", [](py::handle input, bool https, std::optional<std::string> url, py::handle only, py::handle cookie_roles,
                     std::int64_t hsts_min_max_age, std::optional<std::int64_t> cookie_max_lifetime,
                     std::optional<std::int64_t> now) {
          H::audit_input in;
          if (py::isinstance<py::str>(input) || py::isinstance<py::bytes>(input) || py::isinstance<py::bytearray>(input) ||
              py::isinstance<py::memoryview>(input)) {
            auto r = H::read_audit_input(input.cast<byte_view>().view);
            if (!r) raise(exception_class("websec.headers.HeaderError"), r.err());
            in = std::move(*r);
          } else {
            in.form = "headers";
            in.headers = header_list_arg(input);
          }
          auto o = options(https, hsts_min_max_age, cookie_max_lifetime, now);
          more_options(o, url, only, cookie_roles);
          nogil g;
          return H::audit(in, o);
        }, py::arg("input"), py::arg("https") = true, py::kw_only(), py::arg("url") = py::none(), py::arg("only") = py::none(),
        py::arg("cookie_roles") = py::none(), py::arg("hsts_min_max_age") = H::hsts_doc_max_age,
        py::arg("cookie_max_lifetime") = py::none(), py::arg("now") = py::none(),
        "A verdict per header and per cookie, and overall (websec.Report). input: (name, value) pairs or a dict, or "
        "the text of a response head, bare header lines, an HTML page or a HAR file. url: the request URL (scheme, "
        "and the host cookie Domain must match); only: header names or aliases (hsts, csp, xfo, xcto, referrer, "
        "cookies, cookie:NAME); cookie_roles: {name: 'session'|'remember-me'|'csrf'|'preference'|'other'}.");
}

// What the audits read: read_input, get_decode_split, csp_bypasses.
void bind_inputs(py::module_& m) {
  m.def("read_input", [](byte_view raw) {
          auto r = H::read_audit_input(raw.view);
          if (!r) raise(exception_class("websec.headers.HeaderError"), r.err());
          py::dict d;
          d["form"] = r->form;
          d["status"] = r->status;
          py::list hs;
          for (auto& [k, v] : r->headers) hs.append(py::make_tuple(to_str(k), to_str(v)));
          d["headers"] = hs;
          py::list ms;
          for (auto& me : r->metas) {
            py::dict x;
            x["http_equiv"] = to_str(me.http_equiv);
            x["name"] = to_str(me.name);
            x["content"] = to_str(me.content);
            x["in_head"] = me.in_head;
            x["after_script"] = me.after_script;
            ms.append(x);
          }
          d["metas"] = ms;
          d["url"] = r->url ? py::object(to_str(*r->url)) : py::object(py::none());
          return d;
        }, py::arg("raw"), "What headers audit reads from a response head, header lines, HTML or HAR: {form, status, "
                           "headers, metas, url}.");
  m.def("get_decode_split", [](py::handle values) { return H::get_decode_split(values_arg(values)); }, py::arg("values"),
        "Fetch 'get, decode, and split' of the values of one header (a str or a list, one item per header line).");
  m.def("csp_bypasses", []() {
          py::list out;
          for (const auto& b : H::csp_bypasses()) {
            py::dict d;
            d["kind"] = b.kind; d["host"] = b.host; d["path"] = b.path; d["what"] = b.what; d["source"] = b.source;
            out.append(d);
          }
          return out;
        }, "The CSP allowlist-bypass table (harness/data/csp_bypasses.tsv): kind, host, path, what, source.");
}

// One header at a time: audit_hsts, audit_csp, audit_x_frame_options, audit_x_content_type_options,
// audit_referrer_policy.
void bind_header_audits(py::module_& m) {
  m.def("audit_hsts", [](py::handle values, bool https, std::int64_t hsts_min_max_age) {
          return H::audit_hsts(values_arg(values), options(https, hsts_min_max_age, std::nullopt, std::nullopt));
        }, py::arg("values"), py::arg("https") = true, py::kw_only(), py::arg("hsts_min_max_age") = H::hsts_doc_max_age,
        "Every Strict-Transport-Security value of a response (a str or a list), in order.");
  m.def("audit_csp", [](py::handle enforced, py::handle report_only, bool https) {
          return H::audit_csp(values_arg(enforced), values_arg(report_only),
                              options(https, H::hsts_doc_max_age, std::nullopt, std::nullopt));
        }, py::arg("enforced"), py::arg("report_only") = py::none(), py::arg("https") = true,
        "Content-Security-Policy values (and the Report-Only ones, which never enforce).");
  m.def("audit_x_frame_options", [](py::handle values, py::handle enforced_csp) {
          return H::audit_x_frame_options(values_arg(values), values_arg(enforced_csp));
        }, py::arg("values"), py::arg("enforced_csp") = py::none(),
        "X-Frame-Options values with the enforced CSP values (frame-ancestors supersedes XFO).");
  m.def("audit_x_content_type_options", [](py::handle values) { return H::audit_x_content_type_options(values_arg(values)); },
        py::arg("values"), "X-Content-Type-Options: the first value must be nosniff.");
  m.def("audit_referrer_policy", [](py::handle values) { return H::audit_referrer_policy(values_arg(values)); },
        py::arg("values"), "Referrer-Policy: the last recognised token applies.");
}

// Parsers: parse_hsts, parse_csp, parse_response_head.
void bind_parsers(py::module_& m) {
  m.def("parse_hsts", [](byte_view value) {
          auto r = H::parse_hsts(value.view);
          if (!r) raise(exception_class("websec.headers.HeaderError"), r.err());
          py::dict d;
          d["max_age"] = r->max_age;
          d["include_subdomains"] = r->include_subdomains;
          d["preload"] = r->preload;
          py::list unk;
          for (auto& u : r->unknown) unk.append(to_str(u));
          d["unknown"] = unk;
          return d;
        }, py::arg("value"), "RFC 6797 §6.1: {max_age, include_subdomains, preload, unknown}; HeaderError when a "
                             "user agent would ignore the header.");
  m.def("parse_csp", [](byte_view value, bool report_only) {
          py::list out;
          for (auto& p : H::parse_csp(value.view, report_only)) {
            py::dict d;
            d["directives"] = directives(p);
            py::list dups;
            for (auto& x : p.duplicates) dups.append(to_str(x));
            d["duplicates"] = dups;
            d["report_only"] = p.report_only;
            d["serialized"] = to_str(H::serialize(p));
            out.append(d);
          }
          return out;
        }, py::arg("value"), py::arg("report_only") = false,
        "CSP3 parse of a header value: one dict per comma-separated policy with directives [(name, [values])], "
        "duplicates, report_only, serialized.");
  m.def("parse_response_head", [](byte_view raw) {
          auto r = H::parse_response_head(raw.view);
          if (!r) raise(exception_class("websec.headers.HeaderError"), r.err());
          py::list hs;
          for (auto& [k, v] : r->headers) hs.append(py::make_tuple(to_str(k), to_str(v)));
          return py::make_tuple(r->status, hs);
        }, py::arg("raw"), "(status, [(name, value)]) of a raw HTTP/1.x response head (curl -sI output).");
}

}  // namespace

void bind_headers(py::module_& parent) {
  auto m = submodule(parent, "headers",
                     "Security headers (spec §5): parse and judge Strict-Transport-Security, Content-Security-Policy, "
                     "X-Frame-Options, X-Content-Type-Options, Referrer-Policy and every Set-Cookie of a response. "
                     "Audits return lists of websec.Finding.");
  define_exception(m, "HeaderError", base_error(), "A header value that does not parse (kind: hsts_syntax, "
                   "hsts_duplicate_directive, hsts_max_age_missing, ..., no_status_line, bad_header_line).",
                   "websec.headers.HeaderError");
  if (py::hasattr(parent, "Finding")) m.attr("Finding") = parent.attr("Finding");
  m.attr("HSTS_DOC_MAX_AGE") = H::hsts_doc_max_age;
  m.attr("HSTS_COMMON_MAX_AGE") = H::hsts_common_max_age;

  bind_response_audit(m);
  bind_inputs(m);
  bind_header_audits(m);
  bind_parsers(m);
}

}  // namespace websec::py
