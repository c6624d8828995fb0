// websec.terminal — text safe to print or paste (websec/terminal.hpp).
#include "common.hpp"

#include <websec/terminal.hpp>

namespace websec::py {

void bind_terminal(py::module_& parent) {
  namespace T = websec::terminal;
  auto m = submodule(parent, "terminal",
                     "Text safe for a terminal (spec §3.3): filter_doc is the documented body.replace('\\b', ''); "
                     "clean() the strict policy (C0/C1 controls, ANSI escape sequences, bidi overrides, invalid UTF-8), "
                     "reporting every change.");
  py::class_<T::change>(m, "Change", "kind, offset (byte offset in the input), length (bytes), count (items).")
      .def_property_readonly("kind", [](const T::change& c) { return std::string(T::to_string(c.what)); })
      .def_readonly("offset", &T::change::offset)
      .def_readonly("length", &T::change::length)
      .def_readonly("count", &T::change::count)
      .def("__repr__", [](const T::change& c) {
        return "Change(" + std::string(T::to_string(c.what)) + ", offset=" + std::to_string(c.offset) +
               ", length=" + std::to_string(c.length) + ", count=" + std::to_string(c.count) + ")";
      });
  py::class_<T::cleaned>(m, "Cleaned", "text (str) and changes (list of Change).")
      .def_property_readonly("text", [](const T::cleaned& c) { return to_str(c.text); })
      .def_readonly("changes", &T::cleaned::changes)
      .def_property_readonly("changed", [](const T::cleaned& c) { return !c.changes.empty(); })
      .def("__str__", [](const T::cleaned& c) { return to_str(c.text); })
      .def("__repr__", [](const T::cleaned& c) {
        return "Cleaned(" + py::repr(to_str(c.text)).cast<std::string>() + ", " + std::to_string(c.changes.size()) + " changes)";
      });
  m.def("filter_doc", [](byte_view s) { return like_input(s, T::filter_doc(s.view)); }, py::arg("s"),
        "The documented filter: s.replace('\\b', '').");
  m.def("clean", [](byte_view s, const std::string& policy, bool visible, bool keep_tab, bool keep_newline, bool keep_crlf) {
          if (policy == "doc") {
            nogil g;
            return T::clean_doc(s.view);
          }
          if (policy != "strict") throw py::value_error("policy must be 'strict' or 'doc'");
          T::options o;
          o.act = visible ? T::action::visible : T::action::remove;
          o.keep_tab = keep_tab;
          o.keep_newline = keep_newline;
          o.keep_crlf = keep_crlf;
          nogil g;
          return T::clean(s.view, o);
        }, py::arg("s"), py::kw_only(), py::arg("policy") = "strict", py::arg("visible") = false,
        py::arg("keep_tab") = true, py::arg("keep_newline") = true, py::arg("keep_crlf") = true,
        "Cleans text for a terminal. policy='strict' (default): removes (or with visible=True shows as \\xNN / "
        "\\uNNNN) controls, escape sequences, bidi controls, invalid UTF-8; policy='doc': only backspaces. "
        "Returns Cleaned(text, changes).");
}

}  // namespace websec::py
