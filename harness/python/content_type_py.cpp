// websec.content_type — werkzeug.http.parse_options_header in both profiles (websec/content_type.hpp).
#include "common.hpp"

#include <websec/content_type.hpp>

namespace websec::py {

void bind_content_type(py::module_& parent) {
  auto m = submodule(parent, "content_type",
                     "werkzeug.http.parse_options_header for Content-Type and Content-Disposition (spec §1.5).");
  define_exception(m, "OptionsHeaderError", base_error(),
                   "debian profile only: an RFC 2231 parameter the codec cannot decode (kind parameter_charset_decode, "
                   "a ValueError in Python) or an unknown/unsupported codec (LookupError, 500).",
                   "websec.content_type.OptionsHeaderError");
  m.def("parse_options_header", [](py::handle value, py::handle profile) {
          std::string utf8;
          if (py::isinstance<py::str>(value)) utf8 = std::string(value.cast<byte_view>().view);
          else utf8 = websec::content_type::latin1_to_utf8(value.cast<byte_view>().view);  // raw header bytes
          auto r = websec::content_type::parse_options_header(utf8, to_profile(profile));
          if (!r) raise(exception_class("websec.content_type.OptionsHeaderError"), r.err());
          py::dict params;
          for (auto& p : r->params)
            params[to_str(p.key)] = p.value ? py::object(to_str(*p.value)) : py::object(py::none());
          return py::make_tuple(to_str(r->value), params);
        }, py::arg("value"), py::arg("profile") = "upstream",
        "(value, {key: value}) as werkzeug returns it; str is the header as Python holds it, bytes are raw header "
        "bytes (read as latin-1, like WSGI). Keys lower-cased, last duplicate wins; debian keys without '=' map to None.");
}

}  // namespace websec::py
