// websec.url — is a URL in an attribute dangerous? Scheme extraction as browsers do it (websec/url.hpp).
#include "common.hpp"

#include <websec/url.hpp>

namespace websec::py {

void bind_url(py::module_& parent) {
  namespace U = websec::url;
  auto m = submodule(parent, "url",
                     "The scheme a browser sees in a URL (WHATWG; agrees with urllib.parse.urlsplit(url).scheme) and "
                     "whether it runs script (spec §3.3).");
  py::class_<U::assessment>(m, "Check", "verdict ('safe', 'dangerous', 'relative'), scheme ('' when none), danger "
                                        "('javascript', 'vbscript', 'data' or None), reason (one line).")
      .def_property_readonly("verdict", [](const U::assessment& a) { return std::string(U::to_string(a.v)); })
      .def_property_readonly("scheme", [](const U::assessment& a) { return to_str(a.scheme); })
      .def_property_readonly("danger", [](const U::assessment& a) -> py::object {
        if (a.kind == U::danger::none) return py::none();
        return py::str(std::string(U::to_string(a.kind)));
      })
      .def_property_readonly("reason", [](const U::assessment& a) { return to_str(a.reason); })
      .def_property_readonly("dangerous", [](const U::assessment& a) { return a.v == U::verdict::dangerous; })
      .def("__repr__", [](const U::assessment& a) {
        return "Check(verdict='" + std::string(U::to_string(a.v)) + "', scheme=" + py::repr(to_str(a.scheme)).cast<std::string>() + ")";
      });
  m.def("check", [](byte_view url, bool from_attribute) {
          return U::check(url.view, from_attribute ? U::source::attribute : U::source::text);
        }, py::arg("url"), py::arg("from_attribute") = false,
        "Judges a URL value. from_attribute=True: the value comes from an HTML attribute, so character references "
        "are decoded first (&#106;avascript&colon; is javascript:).");
  m.def("scheme", [](byte_view url, bool from_attribute) {
          return to_str(U::scheme(url.view, from_attribute ? U::source::attribute : U::source::text));
        }, py::arg("url"), py::arg("from_attribute") = false, "The lower-cased scheme a browser sees, or ''.");
}

}  // namespace websec::py
