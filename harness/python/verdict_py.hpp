// websec.Verdict for the bindings of the audit modules (cookie, headers): registered once, by whichever binder
// runs first, and exported from each submodule.
#pragma once

#include "common.hpp"

#include <websec/verdict.hpp>

namespace websec::py {

inline py::object verdict_class(py::module_& root) {
  if (auto* ti = py::detail::get_type_info(typeid(websec::verdict))) return py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(ti->type));
  auto cls = py::class_<websec::verdict>(root, "Verdict",
                                         "One finding of an audit: id (stable, e.g. 'csp.unsafe_inline'), severity "
                                         "('info' < 'low' < 'medium' < 'high'), subject (header or cookie name), "
                                         "reason (one line a person can act on).")
                 .def_property_readonly("id", [](const websec::verdict& v) { return to_str(v.id); })
                 .def_property_readonly("severity", [](const websec::verdict& v) { return std::string(websec::to_string(v.level)); })
                 .def_property_readonly("subject", [](const websec::verdict& v) { return to_str(v.subject); })
                 .def_property_readonly("reason", [](const websec::verdict& v) { return to_str(v.reason); })
                 .def("to_dict",
                      [](const websec::verdict& v) {
                        py::dict d;
                        d["id"] = to_str(v.id);
                        d["severity"] = std::string(websec::to_string(v.level));
                        d["subject"] = to_str(v.subject);
                        d["reason"] = to_str(v.reason);
                        return d;
                      })
                 .def("__eq__", [](const websec::verdict& a, const websec::verdict& b) { return a == b; })
                 .def("__repr__", [](const websec::verdict& v) {
                   return "Verdict(" + v.id + ", " + std::string(websec::to_string(v.level)) + ", " + v.subject + ")";
                 });
  return cls;
}

inline py::list verdict_list(const std::vector<websec::verdict>& v) {
  py::list out;
  for (const auto& x : v) out.append(py::cast(x));
  return out;
}

}  // namespace websec::py
