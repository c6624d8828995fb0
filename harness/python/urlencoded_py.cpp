// websec.urlencoded — application/x-www-form-urlencoded bodies as werkzeug decodes them (websec/urlencoded.hpp);
// parse() runs the whole request pipeline (limits, Content-Length) through websec/multipart.hpp.
#include "common.hpp"

#include <websec/urlencoded.hpp>
#if __has_include(<websec/multipart.hpp>)
#include <websec/multipart.hpp>
#endif

namespace websec::py {

void bind_urlencoded(py::module_& parent) {
  auto m = submodule(parent, "urlencoded",
                     "application/x-www-form-urlencoded request bodies as werkzeug decodes them (spec §1.9).");
  define_exception(m, "DecodeError", base_error(),
                   "The body cannot be decoded (upstream: invalid UTF-8 → werkzeug's silent empty form, "
                   "http_status 200).", "websec.urlencoded.DecodeError");
  m.def("decode", [](byte_view body, py::handle profile) {
          auto p = to_profile(profile);
          result<std::vector<websec::urlencoded::pair>> r = websec::urlencoded::decode(body.view, p);
          if (!r) raise(exception_class("websec.urlencoded.DecodeError"), r.err());
          py::list out;
          for (auto& kv : r.value()) out.append(py::make_tuple(to_str(kv.name), to_str(kv.value)));
          return out;
        }, py::arg("body"), py::arg("profile") = "upstream",
        "Decodes a whole body into (name, value) pairs: split on '&' only, '+' is a space, %XX bytes; debian: "
        "UTF-8 with U+FFFD (werkzeug 2.2 url_decode_stream), upstream: parse_qsl over strict UTF-8 (%FF kept).");
#if __has_include(<websec/multipart.hpp>)
  m.def("parse", [](py::object body, py::handle limits, py::handle profile, py::handle content_length, bool chunked,
                    bool raise_on_error) {
          py::object mp = py::module_::import("websec._websec").attr("multipart");
          return mp.attr("parse")(body, "application/x-www-form-urlencoded", py::arg("limits") = limits,
                                  py::arg("profile") = profile, py::arg("content_length") = content_length,
                                  py::arg("chunked") = chunked, py::arg("raise_on_error") = raise_on_error);
        }, py::arg("body"), py::kw_only(), py::arg("limits") = py::none(), py::arg("profile") = "upstream",
        py::arg("content_length") = "auto", py::arg("chunked") = false, py::arg("raise_on_error") = true,
        "request.form for an urlencoded body with Flask's limits (413 when Content-Length > max_form_memory_size): "
        "websec.multipart.parse(body, 'application/x-www-form-urlencoded', ...). Returns a websec.multipart.Form.");
#endif
}

}  // namespace websec::py
