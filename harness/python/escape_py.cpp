// websec.escape — markupsafe's escape/Markup, html.unescape, striptags, Jinja's |tojson and |xmlattr
// (websec/escape.hpp).
#include "common.hpp"
#include "json_conv.hpp"

#include <websec/escape.hpp>

#include <cmath>
#include <map>

namespace websec::py {
namespace {

namespace E = websec::escape;
constexpr std::size_t kReleaseGil = 1 << 16;  // release the GIL for inputs at least this large

// A Python object as a markup operand: Markup / __html__ objects are safe; str, bool, int, float and None keep their
// type (so %d, %.2f and format specs see numbers); any other object is carried by its str() and repr().
E::operand to_operand(py::handle h) {
  if (py::isinstance<E::markup>(h)) return E::operand(h.cast<const E::markup&>());
  if (py::hasattr(h, "__html__")) {
    py::object rv = h.attr("__html__")();
    E::markup html(py::str(rv).cast<std::string>());
    if (py::isinstance<py::str>(h)) return E::operand(html);  // a Markup (str subclass): repr Markup('…')
    return E::operand::html_object(html, py::repr(h).cast<std::string>(), py::hasattr(rv, "__html__"),
                                   py::str(h).cast<std::string>());
  }
  if (py::isinstance<py::bool_>(h)) return E::operand(h.cast<bool>());
  if (py::isinstance<py::str>(h)) {
    py::bytes b = py::reinterpret_steal<py::bytes>(PyUnicode_AsEncodedString(h.ptr(), "utf-8", "surrogatepass"));
    if (!b) throw py::error_already_set();
    return E::operand(b.cast<std::string>());
  }
  if (py::isinstance<py::int_>(h)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (!overflow && !(v == -1 && PyErr_Occurred())) return E::operand(v);
    PyErr_Clear();
    return E::operand::big_integer(py::str(h).cast<std::string>());
  }
  if (py::isinstance<py::float_>(h)) return E::operand(h.cast<double>());
  if (h.is_none()) return E::operand::none();
  return E::operand::object(py::str(h).cast<std::string>(), py::repr(h).cast<std::string>());
}

// websec::error of a markup operation -> the Python exception its kind names.
[[noreturn]] void raise_markup_error(const websec::error& e) {
  PyObject* cls = e.kind == errc::type_error       ? PyExc_TypeError
                  : e.kind == errc::key_error      ? PyExc_KeyError
                  : e.kind == errc::index_error    ? PyExc_IndexError
                  : e.kind == errc::overflow_error ? PyExc_OverflowError
                  : e.kind == errc::unsupported    ? PyExc_NotImplementedError
                                                   : PyExc_ValueError;
  PyErr_SetString(cls, e.message.c_str());
  throw py::error_already_set();
}

std::vector<E::operand> to_operands(py::iterable items) {
  std::vector<E::operand> v;
  for (auto h : items) v.push_back(to_operand(h));
  return v;
}

py::object escape_obj(py::handle s) {
  if (py::hasattr(s, "__html__")) return py::str(s.attr("__html__")());
  if (py::isinstance<py::str>(s) || PyObject_CheckBuffer(s.ptr())) {
    auto in = s.cast<byte_view>();
    std::string out;
    if (in.view.size() >= kReleaseGil) {
      nogil g;
      out = E::escape(in.view);
    } else {
      out = E::escape(in.view);
    }
    return like_input(in, out);
  }
  return to_str(E::escape(py::str(s).cast<std::string>()));
}

// escape and the text helpers of markupsafe and Jinja.
void bind_escape_functions(py::module_& m) {
  m.def("escape", &escape_obj, py::arg("s"),
        "markupsafe.escape: & < > ' \" become &amp; &lt; &gt; &#39; &#34;, nothing else changes. str → str, "
        "bytes-like → bytes (byte-wise); an object with __html__ gives its __html__() unchanged; anything else "
        "is str()-converted first. Releases the GIL for large inputs.");
  m.def("escape_silent", [](py::handle s) -> py::object { return s.is_none() ? py::str("") : escape_obj(s); },
        py::arg("s"), "markupsafe.escape_silent: like escape, but None gives ''.");
  m.def("escaped_size", [](byte_view s) { return E::escaped_size(s.view); }, py::arg("s"),
        "Length in bytes of escape(s) (UTF-8).");
  m.def("is_escape_free", [](byte_view s) { return E::is_escape_free(s.view); }, py::arg("s"),
        "True when s contains none of the five characters escape() replaces.");
  m.def("kernels", [] {
          py::list l;
          for (auto k : {E::kernel::scalar, E::kernel::sse2, E::kernel::avx2})
            if (E::kernel_supported(k)) l.append(std::string(E::to_string(k)));
          return l;
        }, "Escape kernels this CPU supports (scalar, sse2, avx2).");
  m.def("active_kernel", [] { return std::string(E::to_string(E::active_kernel())); },
        "The kernel escape() uses.");
  m.def("escape_with", [](const std::string& kernel, byte_view s) {
          E::kernel k = kernel == "avx2" ? E::kernel::avx2 : kernel == "sse2" ? E::kernel::sse2 : E::kernel::scalar;
          if (kernel != "avx2" && kernel != "sse2" && kernel != "scalar")
            throw py::value_error("kernel must be 'scalar', 'sse2' or 'avx2'");
          return like_input(s, E::escape_with(k, s.view));
        }, py::arg("kernel"), py::arg("s"), "escape(s) computed by the given kernel (for tests).");
  m.def("unescape", [](byte_view s) {
          std::string out;
          if (s.view.size() >= kReleaseGil) { nogil g; out = E::unescape(s.view); } else out = E::unescape(s.view);
          return like_input(s, out);
        }, py::arg("s"),
        "html.unescape / Markup.unescape: the full HTML5 named-reference table, legacy names without ';' by "
        "longest prefix, Python's numeric rules.");
  m.def("striptags", [](byte_view s, py::handle profile) {
          auto p = to_profile(profile);
          std::string out;
          if (s.view.size() >= kReleaseGil) { nogil g; out = E::striptags(s.view, p); } else out = E::striptags(s.view, p);
          return like_input(s, out);
        }, py::arg("s"), py::arg("profile") = "upstream",
        "Markup(s).striptags(): comments, then tags removed, whitespace collapsed as ' '.join(s.split()), then "
        "unescaped. profile='debian' is markupsafe 2.1.2 (one regex pass for comments).");
  m.def("collapse_whitespace", [](byte_view s) { return like_input(s, E::collapse_whitespace(s.view)); },
        py::arg("s"), "' '.join(s.split()) with Python's whitespace set.");
  m.def("tojson", [](py::handle v, py::object indent) {
          int ind = indent.is_none() ? -1 : indent.cast<int>();
          auto r = E::tojson(to_json_value(v), ind);
          if (!r) {
            if (r.err().kind == errc::not_serializable) throw py::type_error(r.err().message);
            throw py::value_error(r.err().message);
          }
          return to_str(r->str());
        }, py::arg("value"), py::arg("indent") = py::none(),
        "Jinja's |tojson under Flask: json.dumps(value, sort_keys=True, ensure_ascii=True[, indent]) with < > & ' "
        "replaced by \\u003c \\u003e \\u0026 \\u0027 (\" is not: unsafe in a double-quoted attribute). TypeError for "
        "values json cannot serialise.");
  m.def("htmlsafe_json", [](byte_view s) { return like_input(s, E::htmlsafe_json(s.view)); }, py::arg("json_text"),
        "The four replacements of jinja2.utils.htmlsafe_json_dumps on already-dumped JSON.");
  m.def("python_repr", [](byte_view s) { return to_str(E::python_repr(s.view)); }, py::arg("s"),
        "Python repr() of a str.");
}

void bind_markup(py::module_& m) {
  py::class_<E::markup>(m, "Markup",
                        "The library's markup (websec::escape::markup), operations in C++: +, % (a tuple, a dict or one "
                        "value), format/format_map, join. websec.escape.Markup, the str subclass, is the public one; "
                        "this class is what C++ callers get, compared with markupsafe by the differential campaign.")
      .def(py::init([](py::handle s) {
             if (py::hasattr(s, "__html__")) return E::markup(py::str(s.attr("__html__")()).cast<std::string>());
             return E::markup(to_operand(s).text());
           }), py::arg("s") = "", "Markup(s): trusts s as HTML (an object with __html__ gives its __html__()).")
      .def_static("escape", [](py::handle s) { return E::markup::escape(to_operand(s)); }, py::arg("s"),
                  "Markup.escape(s): escapes s (a Markup / __html__ object is returned unchanged).")
      .def("__str__", [](const E::markup& m) { return to_str(m.str()); })
      .def("__html__", [](const E::markup& m) { return to_str(m.str()); })
      .def("__repr__", [](const E::markup& m) { return "Markup(" + E::python_repr(m.str()) + ")"; })
      .def("__len__", [](const E::markup& m) { return py::len(to_str(m.str())); })
      .def("__hash__", [](const E::markup& m) { return py::hash(to_str(m.str())); })
      .def("__eq__", [](const E::markup& m, py::handle o) {
             if (py::isinstance<E::markup>(o)) return m == o.cast<const E::markup&>();
             if (py::isinstance<py::str>(o)) return to_operand(o).text() == m.str();
             return false;
           })
      .def("__add__", [](const E::markup& m, py::handle o) -> py::object {
             if (!py::isinstance<py::str>(o) && !py::hasattr(o, "__html__")) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::cast(m + to_operand(o));
           })
      .def("__radd__", [](const E::markup& m, py::handle o) -> py::object {
             if (!py::isinstance<py::str>(o) && !py::hasattr(o, "__html__")) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::cast(to_operand(o) + m);
           })
      .def("__mod__", [](const E::markup& m, py::handle args) {
             if (py::isinstance<py::dict>(args)) {
               std::map<std::string, E::operand> named;
               for (auto kv : py::reinterpret_borrow<py::dict>(args))
                 named.emplace(py::str(kv.first).cast<std::string>(), to_operand(kv.second));
               E::operand whole = to_operand(args);
               auto r = m.percent_mapping(named, &whole);
               if (!r) raise_markup_error(r.err());
               return r.value();
             }
             if (!py::isinstance<py::tuple>(args) && !py::isinstance<py::str>(args) &&
                 py::hasattr(py::type::of(args), "__getitem__")) {  // markupsafe passes it unwrapped
               auto r = m.percent_one(to_operand(args));
               if (!r) raise_markup_error(r.err());
               return r.value();
             }
             std::vector<E::operand> ops;
             if (py::isinstance<py::tuple>(args)) ops = to_operands(py::reinterpret_borrow<py::iterable>(args));
             else ops.push_back(to_operand(args));
             auto r = m.percent(ops);
             if (!r) raise_markup_error(r.err());
             return r.value();
           }, "websec::escape::markup::percent: a tuple, a dict (for %(key)s) or one value.")
      .def("format", [](const E::markup& m, py::args args, py::kwargs kwargs) {
             std::map<std::string, E::operand> named;
             for (auto kv : kwargs) named.emplace(py::str(kv.first).cast<std::string>(), to_operand(kv.second));
             auto r = m.format(to_operands(args), named);
             if (!r) raise_markup_error(r.err());
             return r.value();
           }, "websec::escape::markup::format: positional and keyword arguments.")
      .def("format_map", [](const E::markup& m, py::dict mapping) {
             std::map<std::string, E::operand> named;
             for (auto kv : mapping) named.emplace(py::str(kv.first).cast<std::string>(), to_operand(kv.second));
             auto r = m.format({}, named);
             if (!r) raise_markup_error(r.err());
             return r.value();
           }, py::arg("mapping"))
      .def("join", [](const E::markup& m, py::iterable items) { return m.join(to_operands(items)); }, py::arg("items"))
      .def("unescape", [](const E::markup& m) { return to_str(m.unescape()); })
      .def("striptags", [](const E::markup& m, py::handle profile) { return to_str(m.striptags(to_profile(profile))); },
           py::arg("profile") = "upstream");
}

void bind_xmlattr(py::module_& m) {
  m.def("xmlattr", [](py::handle items, bool autospace) {
          std::vector<E::attribute> attrs;
          py::iterable it = py::reinterpret_borrow<py::iterable>(py::isinstance<py::dict>(items) ? py::object(items.attr("items")()) : py::reinterpret_borrow<py::object>(items));
          for (auto kv : it) {
            auto t = py::reinterpret_borrow<py::tuple>(kv);
            E::attribute a;
            a.key = to_operand(t[0]).text();
            if (!t[1].is_none()) a.value = to_operand(t[1]);
            attrs.push_back(std::move(a));
          }
          auto r = E::xmlattr(attrs, autospace);
          if (!r) throw py::value_error(r.err().message);
          return r.value();
        }, py::arg("items"), py::arg("autospace") = true,
        "Jinja's |xmlattr: items (a dict or (key, value) pairs) with None values skipped; escape(key)=\"escape(value)\" "
        "joined by spaces (leading space with autospace). ValueError for a key with whitespace, /, > or =.");
}

}  // namespace

void bind_escape(py::module_& parent) {
  auto m = submodule(parent, "escape",
                     "HTML escaping as markupsafe and Jinja do it (spec §3.1, §3.2): escape, Markup, unescape, "
                     "striptags, tojson, xmlattr. Text in, text out; bytes in, bytes out (byte-wise).");
  bind_escape_functions(m);
  bind_markup(m);
  bind_xmlattr(m);
}

}  // namespace websec::py
