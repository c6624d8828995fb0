// The pybind11 extension `websec._websec`: the library's modules as Python submodules
// (websec/__init__.py re-exports them as websec.multipart, websec.signing, ...).
#include "common.hpp"

#include <cctype>
#include <map>

#if __has_include(<websec/verdict.hpp>)
#include <websec/findings.hpp>
#include <websec/verdict.hpp>
#define WEBSEC_PY_HAVE_VERDICT 1
#endif

namespace websec::py {

namespace {
std::map<std::string, py::object>& registry() {
  static auto* r = new std::map<std::string, py::object>();  // lives until exit: classes are immortal
  return *r;
}
}  // namespace

py::str to_str(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogatepass");
  if (!o) {  // not UTF-8 at all (a library bug if it ever happens): keep the bytes visible
    PyErr_Clear();
    o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
    if (!o) throw py::error_already_set();
  }
  return py::reinterpret_steal<py::str>(o);
}

websec::profile to_profile(const py::handle& h) {
  websec::profile p = websec::profile::upstream;
  std::string s;
  if (py::isinstance<py::str>(h)) s = h.cast<std::string>();
  else if (py::hasattr(h, "name")) s = py::str(h.attr("name")).cast<std::string>();
  if (!websec::parse_profile(s, p))
    throw py::value_error("profile must be 'upstream' or 'debian', not " + py::repr(h).cast<std::string>());
  return p;
}

py::object define_exception(py::module_& m, const char* name, py::handle bases, const char* doc,
                            const std::string& key) {
  py::object b = bases ? py::reinterpret_borrow<py::object>(bases) : base_error();
  std::string qual = py::str(m.attr("__name__")).cast<std::string>() + "." + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qual.c_str(), doc, b.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  py::object c = py::reinterpret_steal<py::object>(cls);
  m.attr(name) = c;
  registry()[key.empty() ? qual : key] = c;
  return c;
}

void register_exception(const std::string& key, py::object cls) { registry()[key] = std::move(cls); }

py::module_ submodule(py::module_& parent, const char* name, const char* doc) {
  py::module_ sub = parent.def_submodule(name, doc);
  sub.attr("__name__") = std::string("websec.") + name;  // classes defined in it report websec.<name>.X
  return sub;
}

py::object exception_class(const std::string& key) {
  auto it = registry().find(key);
  if (it == registry().end()) throw std::logic_error("websec binding: no exception class " + key);
  return it->second;
}

py::object base_error() { return exception_class("websec.Error"); }

namespace {

// websec.Error and the translation of a raised websec::error into an instance of its class.
void define_base_error(py::module_& m) {
  // websec.Error: the root of every exception the library raises. Attributes: kind (stable snake_case id),
  // offset (byte offset in the input), message, http_status (what the Python stack answers).
  PyObject* base = PyErr_NewExceptionWithDoc(
      "websec.Error",
      "Base of every websec exception. Attributes: kind (stable identifier), offset (byte offset in the input), "
      "message (one line), http_status (the outcome the Python stack gives: 413, 400, 200 = silently empty, 500).",
      PyExc_Exception, nullptr);
  if (!base) throw py::error_already_set();
  py::object base_cls = py::reinterpret_steal<py::object>(base);
  m.attr("Error") = base_cls;
  register_exception("websec.Error", base_cls);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const raised& r) {
      py::gil_scoped_acquire gil;
      py::object exc = r.cls(r.err.message);
      exc.attr("kind") = std::string(websec::to_string(r.err.kind));
      exc.attr("offset") = r.err.offset;
      exc.attr("message") = r.err.message;
      exc.attr("http_status") = r.err.http_status;
      for (auto item : r.extra) exc.attr(item.first) = item.second;
      PyErr_SetObject(r.cls.ptr(), exc.ptr());
    }
  });
}

#ifdef WEBSEC_PY_HAVE_VERDICT
// A finding's id as reports show it ("csp.unsafe_inline").
std::string id_name(const websec::verdict& v) { return std::string(websec::to_string(v.id)); }

py::dict finding_dict(const websec::verdict& v) {
  py::dict d;
  d["id"] = id_name(v); d["severity"] = std::string(websec::to_string(v.level));
  d["verdict"] = std::string(websec::to_string(v.effect));
  d["subject"] = v.subject; d["reason"] = v.reason;
  return d;
}

py::dict subject_dict(const websec::subject_report& s) {
  py::dict d;
  d["kind"] = s.kind; d["name"] = to_str(s.name); d["verdict"] = std::string(websec::to_string(s.result));
  d["present"] = s.present; d["value"] = to_str(s.value); d["resolution"] = s.resolution;
  if (s.kind == "cookie") d["role"] = s.role;
  py::list fs;
  for (const auto& f : s.findings) fs.append(finding_dict(f));
  d["findings"] = fs;
  return d;
}

// websec.Finding: one verdict of an audit (websec/verdict.hpp), shared by websec.cookie and websec.headers.
void bind_finding(py::module_& m) {
  py::class_<websec::verdict>(m, "Finding",
                              "One finding of an audit: id (stable '<area>.<what>'), severity ('info' < 'low' < "
                              "'medium' < 'high'), subject (header or cookie name), reason (one line).")
      .def_property_readonly("id", [](const websec::verdict& v) { return id_name(v); })
      .def_property_readonly("severity", [](const websec::verdict& v) { return std::string(websec::to_string(v.level)); })
      .def_property_readonly("severity_rank", [](const websec::verdict& v) { return static_cast<int>(v.level); },
                             "0 info, 1 low, 2 medium, 3 high (for sorting and thresholds)")
      .def_readonly("subject", &websec::verdict::subject)
      .def_readonly("reason", &websec::verdict::reason)
      .def_property_readonly("verdict", [](const websec::verdict& v) { return std::string(websec::to_string(v.effect)); },
                             "the verdict this finding imposes on its subject: pass (advice), weak, fail, invalid")
      .def("as_dict", [](const websec::verdict& v) {
        py::dict d;
        d["id"] = id_name(v); d["severity"] = std::string(websec::to_string(v.level));
        d["subject"] = v.subject; d["reason"] = v.reason;
        d["verdict"] = std::string(websec::to_string(v.effect));
        return d;
      })
      .def("to_dict", [](const websec::verdict& v) {
        py::dict d;
        d["id"] = id_name(v); d["severity"] = std::string(websec::to_string(v.level));
        d["subject"] = v.subject; d["reason"] = v.reason;
        d["verdict"] = std::string(websec::to_string(v.effect));
        return d;
      })
      .def("__eq__", [](const websec::verdict& a, const websec::verdict& b) { return a == b; })
      .def("__hash__", [](const websec::verdict& v) { return py::hash(py::make_tuple(id_name(v), v.subject, v.reason)); })
      .def("__repr__", [](const websec::verdict& v) {
        return "Finding(id=" + py::repr(py::str(id_name(v))).cast<std::string>() + ", severity='" +
               std::string(websec::to_string(v.level)) + "', subject=" + py::repr(py::str(v.subject)).cast<std::string>() +
               ", reason=" + py::repr(py::str(v.reason)).cast<std::string>() + ")";
      });
  m.attr("SEVERITIES") = py::make_tuple("info", "low", "medium", "high");
  m.attr("Verdict") = m.attr("Finding");  // the library's struct name (websec/verdict.hpp)
  m.attr("VERDICTS") = py::make_tuple("pass", "weak", "fail", "invalid");
}

void bind_reports(py::module_& m) {
  // websec.SubjectReport: the verdict on one header or one cookie (websec::subject_report).
  py::class_<websec::subject_report>(m, "SubjectReport",
                                     "The verdict on one header or cookie: kind ('header'/'cookie'), name, verdict "
                                     "('pass' < 'weak' < 'fail' < 'invalid'), present, value (what browsers act on), "
                                     "resolution (how repeated values were resolved), role (cookies), findings.")
      .def_readonly("kind", &websec::subject_report::kind)
      .def_property_readonly("name", [](const websec::subject_report& s) { return to_str(s.name); })
      .def_property_readonly("verdict", [](const websec::subject_report& s) { return std::string(websec::to_string(s.result)); })
      .def_readonly("present", &websec::subject_report::present)
      .def_property_readonly("value", [](const websec::subject_report& s) { return to_str(s.value); })
      .def_readonly("resolution", &websec::subject_report::resolution)
      .def_readonly("role", &websec::subject_report::role)
      .def_readonly("findings", &websec::subject_report::findings)
      .def("to_dict", subject_dict)
      .def("__repr__", [](const websec::subject_report& s) {
        return "SubjectReport(" + s.kind + " " + py::repr(to_str(s.name)).cast<std::string>() + ": " +
               std::string(websec::to_string(s.result)) + ", " + std::to_string(s.findings.size()) + " findings)";
      });
  // websec.Report: a whole audit (websec::audit_report).
  py::class_<websec::audit_report>(m, "Report",
                                   "A whole audit: overall verdict, headers and cookies (lists of SubjectReport), "
                                   "findings() every finding in report order, to_dict().")
      .def_property_readonly("overall", [](const websec::audit_report& r) { return std::string(websec::to_string(r.overall)); })
      .def_readonly("headers", &websec::audit_report::headers)
      .def_readonly("cookies", &websec::audit_report::cookies)
      .def("findings", &websec::audit_report::findings)
      .def("subject", [](const websec::audit_report& r, const std::string& name) -> py::object {
        for (const auto* list : {&r.headers, &r.cookies})
          for (const auto& s : *list) {
            std::string a = s.name, b = name;
            for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (a == b) return py::cast(s);
          }
        return py::none();
      }, py::arg("name"), "The SubjectReport of a header (any case) or cookie name, or None.")
      .def("to_dict", [](const websec::audit_report& r) {
        py::dict d;
        d["overall"] = std::string(websec::to_string(r.overall));
        py::list hs, cs;
        for (const auto& s : r.headers) hs.append(subject_dict(s));
        for (const auto& s : r.cookies) cs.append(subject_dict(s));
        d["headers"] = hs;
        d["cookies"] = cs;
        return d;
      })
      .def("__repr__", [](const websec::audit_report& r) {
        return "Report(overall=" + std::string(websec::to_string(r.overall)) + ", " + std::to_string(r.headers.size()) +
               " headers, " + std::to_string(r.cookies.size()) + " cookies)";
      });
}
#endif

}  // namespace

}  // namespace websec::py

#define WEBSEC_PY_BINDER(m) namespace websec::py { void bind_##m(py::module_& parent); }
#include "bindings.inc"
#undef WEBSEC_PY_BINDER

PYBIND11_MODULE(_websec, m) {
  namespace py = pybind11;
  using namespace websec::py;
  m.doc() = "websec: the reference implementation of Flask's documented security mechanisms (C++20), from Python.";
  m.attr("__version__") = std::string(websec::version);
  m.attr("PROFILES") = py::make_tuple("upstream", "debian");
  define_base_error(m);
#ifdef WEBSEC_PY_HAVE_VERDICT
  bind_finding(m);
  bind_reports(m);
#endif

  py::list names;
#define WEBSEC_PY_BINDER(mod) bind_##mod(m); names.append(#mod);
#include "bindings.inc"
#undef WEBSEC_PY_BINDER
  m.attr("_binders") = names;
}
