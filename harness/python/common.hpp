// Shared helpers of the pybind11 bindings: zero-copy byte input, text conversion, profiles and the
// translation of websec::error into the Python exception hierarchy rooted at websec.Error.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <websec/result.hpp>
#include <websec/version.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace websec::py {

namespace py = pybind11;

/// Read-only view of a bytes-like object (bytes, bytearray, memoryview, any C-contiguous buffer) or of a str
/// (encoded UTF-8 with surrogatepass, so lone surrogates survive a round trip). The data is not copied: `keep`
/// holds a memoryview exporting the caller's buffer (so a bytearray cannot be resized meanwhile) or the encoded
/// bytes of a str, so the view stays valid for as long as the byte_view lives — also while the GIL is released.
/// Create, copy and destroy byte_views only with the GIL held.
struct byte_view {
  std::string_view view;
  bool was_text = false;
  py::object keep;
  std::string_view sv() const { return view; }
};

/// Decodes UTF-8 produced by the library back to str (surrogatepass: the inverse of byte_view's encoding).
py::str to_str(std::string_view s);
/// Returns bytes without a str conversion.
inline py::bytes to_bytes(std::string_view s) { return py::bytes(s.data(), s.size()); }
/// Returns str when the input was text, bytes otherwise (functions that mirror a bytes-or-str Python API).
inline py::object like_input(const byte_view& in, std::string_view out) {
  return in.was_text ? py::object(to_str(out)) : py::object(to_bytes(out));
}

/// "upstream" | "debian" (also accepts websec.Profile members, whose str() is the name) → websec::profile.
websec::profile to_profile(const py::handle& h);

/// Registry of the Python exception classes. `define` creates `module.<name>` deriving from `bases`
/// (a class or tuple; default websec.Error) and remembers it under `key`.
py::object define_exception(py::module_& m, const char* name, py::handle bases, const char* doc,
                            const std::string& key = {});
py::object exception_class(const std::string& key);
void register_exception(const std::string& key, py::object cls);
/// Creates the submodule websec.<name> (its __name__ is the public dotted name).
py::module_ submodule(py::module_& parent, const char* name, const char* doc);
py::object base_error();

/// C++ exception thrown by binding code after a library call failed; translated into an instance of `cls`
/// carrying .kind, .offset, .message, .http_status (and .payload/.date_signed for signing errors).
struct raised {
  py::object cls;
  websec::error err;
  py::dict extra;  ///< more attributes to set on the exception (e.g. payload)
};
[[noreturn]] inline void raise(py::object cls, websec::error e, py::dict extra = {}) {
  throw raised{std::move(cls), std::move(e), std::move(extra)};
}

/// Releases the GIL for the scope of a call into the library (for calls on large input).
using nogil = py::gil_scoped_release;

}  // namespace websec::py

namespace pybind11::detail {
template <>
struct type_caster<websec::py::byte_view> {
 public:
  PYBIND11_TYPE_CASTER(websec::py::byte_view, const_name("Buffer"));
  bool load(handle src, bool) {
    if (!src) return false;
    if (PyUnicode_Check(src.ptr())) {
      PyObject* b = PyUnicode_AsEncodedString(src.ptr(), "utf-8", "surrogatepass");
      if (!b) { PyErr_Clear(); return false; }
      value.keep = reinterpret_steal<object>(b);
      value.view = std::string_view(PyBytes_AS_STRING(b), static_cast<size_t>(PyBytes_GET_SIZE(b)));
      value.was_text = true;
      return true;
    }
    if (PyBytes_Check(src.ptr())) {  // immutable: the object itself keeps the bytes alive
      value.keep = reinterpret_borrow<object>(src);
      value.view = std::string_view(PyBytes_AS_STRING(src.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(src.ptr())));
      value.was_text = false;
      return true;
    }
    if (!PyObject_CheckBuffer(src.ptr())) return false;
    PyObject* mv = PyMemoryView_FromObject(src.ptr());
    if (!mv) { PyErr_Clear(); return false; }
    value.keep = reinterpret_steal<object>(mv);
    Py_buffer* b = PyMemoryView_GET_BUFFER(mv);
    if (!PyBuffer_IsContiguous(b, 'C')) { value.keep = object(); return false; }
    value.view = std::string_view(static_cast<const char*>(b->buf), static_cast<size_t>(b->len));
    value.was_text = false;
    return true;
  }
  static handle cast(const websec::py::byte_view& v, return_value_policy, handle) {
    return bytes(v.view.data(), v.view.size()).release();
  }
};
}  // namespace pybind11::detail
