// websec.multipart — Flask/werkzeug request form parsing with Flask's limits (websec/multipart.hpp):
// parse() for a whole body, Parser for streaming, and the exceptions werkzeug's outcomes map to.
#include "common.hpp"

#include <websec/multipart.hpp>

namespace websec::py {
namespace {

namespace M = websec::multipart;

py::object opt_str(const std::optional<std::string_view>& s) { return s ? py::object(to_str(*s)) : py::object(py::none()); }

py::list headers_list(std::span<const M::header> hs) {
  py::list l;
  for (auto& h : hs) l.append(py::make_tuple(to_str(h.name), to_str(h.value)));
  return l;
}

std::string_view kind_name(M::body_kind k) {
  switch (k) {
    case M::body_kind::none: return "none";
    case M::body_kind::multipart: return "multipart";
    case M::body_kind::urlencoded: return "urlencoded";
  }
  return "none";
}

M::file_sink sink_arg(const std::string& s) {
  if (s == "memory") return M::file_sink::memory;
  if (s == "spooled") return M::file_sink::spooled;
  if (s == "hash_only") return M::file_sink::hash_only;
  throw py::value_error("sink must be 'memory', 'spooled' or 'hash_only'");  // callback: see Parser(on_file_data=)
}

// content_length: 'auto' (the body's length), None (unknown: the stream is read to its end, as werkzeug's parsers
// do with content_length=None), 'absent' (a request without the header: an empty stream unless chunked), int, or
// str (the raw header text).
void content_length_arg(py::handle cl, M::request_info& req) {
  if (py::isinstance<py::str>(cl) && cl.cast<std::string>() == "auto") {
    req.content_length_is_body_length = true;
  } else if (py::isinstance<py::str>(cl) && cl.cast<std::string>() == "absent") {
    req.content_length.reset();  // no Content-Length header at the WSGI level: werkzeug's stream is empty
  } else if (cl.is_none()) {
    req.content_length.reset();
    req.read_to_end = true;
  } else if (py::isinstance<py::int_>(cl)) {
    req.content_length = py::str(cl).cast<std::string>();
  } else {
    req.content_length = std::string(cl.cast<byte_view>().view);
  }
}

M::request_info request_from(py::handle content_type, py::handle content_length, bool chunked, py::handle boundary) {
  M::request_info req;
  if (!content_type.is_none()) {
    // a str is the header as WSGI holds it (latin-1 code points); bytes are the raw header bytes
    if (py::isinstance<py::str>(content_type)) {
      PyObject* b = PyUnicode_AsEncodedString(content_type.ptr(), "latin-1", "strict");
      if (!b) {
        PyErr_Clear();
        req.content_type = std::string(content_type.cast<byte_view>().view);  // beyond latin-1: its UTF-8
      } else {
        auto bytes = py::reinterpret_steal<py::bytes>(b);
        req.content_type = bytes.cast<std::string>();
      }
    } else {
      req.content_type = std::string(content_type.cast<byte_view>().view);
    }
  }
  content_length_arg(content_length, req);
  req.chunked = chunked;
  if (!boundary.is_none()) req.boundary = std::string(boundary.cast<byte_view>().view);
  return req;
}

M::parse_options options_from(py::handle profile, const std::string& sink, bool sha256) {
  M::parse_options o;
  o.prof = to_profile(profile);
  o.sink = sink_arg(sink);
  o.sha256 = sha256;
  return o;
}

const M::FormLimits& limits_arg(py::handle h, M::FormLimits& storage) {
  if (h.is_none()) return storage;
  return h.cast<const M::FormLimits&>();
}

py::object error_class_for(int status) {
  switch (status) {
    case 413: return exception_class("websec.multipart.RequestEntityTooLarge");
    case 400: return exception_class("websec.multipart.ClientDisconnected");
    case 500: return exception_class("websec.multipart.InternalServerError");
    default: return exception_class("websec.multipart.MalformedForm");
  }
}

// The streaming parser as Python holds it: finish() may be called once; feed() after it is an error.
struct stream_parser {
  M::form_parser p;
  bool done = false;
};

py::object finish_form(M::form_data&& data, bool raise_on_error) {
  if (raise_on_error && data.result.error) raise(error_class_for(data.result.status), *data.result.error);
  return py::cast(std::move(data));
}

// The exception classes of websec.multipart, one per outcome Flask gives.
void define_form_exceptions(py::module_& m) {
  auto base = define_exception(m, "FormError", base_error(),
                               "A request form that werkzeug does not turn into fields. http_status says what Flask "
                               "answers; kind names the precise reason.", "websec.multipart.FormError");
  define_exception(m, "RequestEntityTooLarge", base,
                   "413: a limit was exceeded (kind: max_content_length, max_form_memory_size, "
                   "max_form_memory_size_field, max_form_parts).", "websec.multipart.RequestEntityTooLarge");
  define_exception(m, "ClientDisconnected", base, "400: the body is shorter than its Content-Length.",
                   "websec.multipart.ClientDisconnected");
  define_exception(m, "MalformedForm", base,
                   "werkzeug swallows this ValueError: Flask sees an empty form and files (http_status 200). kind: "
                   "missing_boundary, incomplete_body, missing_content_disposition, header_not_utf8, ...",
                   "websec.multipart.MalformedForm");
  define_exception(m, "InternalServerError", base,
                   "500 (debian profile): werkzeug 2.2.2 crashes (NameError on the field limit, LookupError for an "
                   "unknown charset).", "websec.multipart.InternalServerError");
}

// Limits, Field, File.
void bind_form_parts(py::module_& m) {
  py::class_<M::FormLimits>(m, "Limits",
                            "Flask's request limits (Flask 3.1 defaults); None = unlimited. Debian's Flask 2.2 "
                            "default is max_form_memory_size=None.")
      .def(py::init([](std::optional<std::uint64_t> mcl, std::optional<std::uint64_t> mfms,
                       std::optional<std::uint64_t> mfp) { return M::FormLimits{mcl, mfms, mfp}; }),
           py::arg("max_content_length") = py::none(), py::arg("max_form_memory_size") = 500000,
           py::arg("max_form_parts") = 1000)
      .def_readwrite("max_content_length", &M::FormLimits::max_content_length)
      .def_readwrite("max_form_memory_size", &M::FormLimits::max_form_memory_size)
      .def_readwrite("max_form_parts", &M::FormLimits::max_form_parts)
      .def("__repr__", [](const M::FormLimits& l) {
        auto f = [](const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : std::string("None"); };
        return "Limits(max_content_length=" + f(l.max_content_length) + ", max_form_memory_size=" +
               f(l.max_form_memory_size) + ", max_form_parts=" + f(l.max_form_parts) + ")";
      });

  py::class_<M::field>(m, "Field", "One form field: name (None without a name parameter), value (decoded as "
                                   "werkzeug does), raw (the bytes), headers.")
      .def_property_readonly("name", [](const M::field& f) { return opt_str(f.name); })
      .def_property_readonly("value", [](const M::field& f) { return to_str(f.value); })
      .def_property_readonly("raw", [](const M::field& f) { return to_bytes(f.raw()); })
      .def_property_readonly("headers", [](const M::field& f) { return headers_list(f.headers); })
      .def("__repr__", [](const M::field& f) {
        return "Field(" + py::repr(opt_str(f.name)).cast<std::string>() + ", " +
               py::repr(to_str(f.value.substr(0, 60))).cast<std::string>() + (f.value.size() > 60 ? "…" : "") + ")";
      });

  py::class_<M::file>(m, "File", "One uploaded file (werkzeug's FileStorage): name, filename (verbatim), "
                                 "content_type, headers, size, sha256, rolled_to_disk; read() gives the bytes.")
      .def_property_readonly("name", [](const M::file& f) { return opt_str(f.name); })
      .def_property_readonly("filename", [](const M::file& f) { return to_str(f.filename); })
      .def_property_readonly("content_type", [](const M::file& f) { return opt_str(f.content_type); })
      .def_property_readonly("headers", [](const M::file& f) { return headers_list(f.headers); })
      .def_readonly("size", &M::file::size)
      .def_readonly("sha256", &M::file::sha256)
      .def_readonly("rolled_to_disk", &M::file::rolled_to_disk)
      .def_property_readonly("storage", [](const M::file& f) {
        return f.where == M::file::storage::memory ? "memory" : f.where == M::file::storage::temp_file ? "temp_file" : "discarded";
      })
      .def_property_readonly("path", [](const M::file& f) -> py::object {
        return f.disk ? py::object(py::str(f.disk->path())) : py::object(py::none());
      }, "the temporary file holding the bytes (removed when the last Form/File referring to it goes), or None")
      .def("read", [](const M::file& f) {
        std::string s;
        { nogil g; s = f.read_all(); }
        return to_bytes(s);
      }, "The file's bytes ('' when the sink discarded them).")
      .def("__repr__", [](const M::file& f) {
        return "File(" + py::repr(opt_str(f.name)).cast<std::string>() + ", filename=" +
               py::repr(to_str(f.filename)).cast<std::string>() + ", size=" + std::to_string(f.size) + ")";
      });

}

void bind_form(py::module_& m) {
  py::class_<M::form_data>(m, "Form",
                           "The parsed request form: fields and files in part order (duplicates kept), status "
                           "(200/400/413/500), error (None, or a dict kind/offset/message/http_status), "
                           "silent_empty_form, kind ('none', 'multipart', 'urlencoded'), mimetype, body_bytes.")
      .def_readonly("fields", &M::form_data::fields)
      .def_readonly("files", &M::form_data::files)
      .def_property_readonly("form", [](const M::form_data& d) {
        py::list l;
        for (auto& f : d.fields) l.append(py::make_tuple(opt_str(f.name), to_str(f.value)));
        return l;
      }, "request.form.items(multi=True): [(name, value)]")
      .def_property_readonly("status", [](const M::form_data& d) { return d.result.status; })
      .def_property_readonly("silent_empty_form", [](const M::form_data& d) { return d.result.silent_empty_form; })
      .def_property_readonly("error", [](const M::form_data& d) -> py::object {
        if (!d.result.error) return py::none();
        py::dict e;
        e["kind"] = std::string(to_string(d.result.error->kind));
        e["offset"] = d.result.error->offset;
        e["message"] = d.result.error->message;
        e["http_status"] = d.result.error->http_status;
        return e;
      })
      .def_property_readonly("kind", [](const M::form_data& d) { return std::string(kind_name(d.kind)); })
      .def_property_readonly("mimetype", [](const M::form_data& d) { return to_str(d.mimetype); })
      .def_readonly("body_bytes", &M::form_data::body_bytes)
      .def("__repr__", [](const M::form_data& d) {
        return "Form(status=" + std::to_string(d.result.status) + ", fields=" + std::to_string(d.fields.size()) +
               ", files=" + std::to_string(d.files.size()) +
               (d.result.error ? ", error=" + std::string(to_string(d.result.error->kind)) : std::string()) + ")";
      });

}

// parse (a body in memory) and Parser (streaming).
void bind_parsers(py::module_& m) {
  m.def("parse", [](byte_view body, py::handle content_type, py::handle limits, py::handle profile,
                    py::handle content_length, bool chunked, py::handle boundary, const std::string& sink, bool sha256,
                    bool raise_on_error) {
          auto req = request_from(content_type, content_length, chunked, boundary);
          auto opts = options_from(profile, sink, sha256);
          M::FormLimits dflt;
          const M::FormLimits& lim = limits_arg(limits, dflt);
          M::form_data data;
          {
            nogil g;
            data = M::parse_form(body.view, req, lim, opts);
          }
          return finish_form(std::move(data), raise_on_error);
        },
        py::arg("body"), py::arg("content_type"), py::kw_only(), py::arg("limits") = py::none(),
        py::arg("profile") = "upstream", py::arg("content_length") = "auto", py::arg("chunked") = false,
        py::arg("boundary") = py::none(), py::arg("sink") = "memory", py::arg("sha256") = true,
        py::arg("raise_on_error") = true,
        "Parses a request body as Flask's request.form/request.files would. body: bytes-like (not copied; the GIL "
        "is released). content_type: the Content-Type header (str as WSGI holds it, or bytes; None = absent). "
        "limits: Limits (default Flask 3.1's). content_length: 'auto' (the body's length), None (no length: the "
        "body is read to its end and no length is checked, as werkzeug's FormDataParser.parse(stream, mimetype, None) "
        "does), 'absent' (a request without a Content-Length header at the WSGI level: werkzeug reads an empty "
        "stream unless chunked), an int, or the raw header text. chunked: Transfer-Encoding: chunked. boundary: bypass the Content-Type. sink: where "
        "file bytes go ('memory', 'spooled' as werkzeug, 'hash_only'). Raises RequestEntityTooLarge (413), "
        "ClientDisconnected (400), MalformedForm (werkzeug's silent empty form) or InternalServerError (500), "
        "unless raise_on_error=False, which returns the Form with .error set.");

  py::class_<stream_parser>(m, "Parser",
                             "Streaming form parser: feed() any split of the body (bytes-like, not copied), then "
                             "finish(). The result does not depend on the split.")
      .def(py::init([](py::handle content_type, py::handle limits, py::handle profile, py::handle content_length,
                       bool chunked, py::handle boundary, const std::string& sink, bool sha256) {
             auto req = request_from(content_type, content_length, chunked, boundary);
             M::FormLimits dflt;
             return stream_parser{M::form_parser(req, limits_arg(limits, dflt), options_from(profile, sink, sha256))};
           }),
           py::arg("content_type"), py::kw_only(), py::arg("limits") = py::none(), py::arg("profile") = "upstream",
           py::arg("content_length") = "auto", py::arg("chunked") = false, py::arg("boundary") = py::none(),
           py::arg("sink") = "spooled", py::arg("sha256") = true)
      .def("feed", [](stream_parser& s, byte_view chunk) {
             if (s.done) throw py::value_error("Parser.feed() after finish()");
             nogil g;
             s.p.feed(chunk.view);
           }, py::arg("data"))
      .def("finish", [](stream_parser& s, bool raise_on_error) {
             if (s.done) throw py::value_error("Parser.finish() called twice");
             s.done = true;
             M::form_data data;
             {
               nogil g;
               data = s.p.finish();
             }
             return finish_form(std::move(data), raise_on_error);
           }, py::arg("raise_on_error") = true)
      .def_property_readonly("peak_buffered", [](const stream_parser& s) { return s.p.peak_buffered(); },
                             "largest number of bytes the decoder buffer held")
      .def_property_readonly("peak_field_bytes", [](const stream_parser& s) { return s.p.peak_field_bytes(); },
                             "largest field value held");
}

}  // namespace

void bind_multipart(py::module_& parent) {
  auto m = submodule(parent, "multipart",
                     "Flask's request.form / request.files (werkzeug's FormDataParser and MultipartDecoder), with "
                     "Flask's limits, byte for byte in two profiles (spec §1). parse() for a body in memory, Parser "
                     "for streaming.");
  define_form_exceptions(m);
  bind_form_parts(m);
  bind_form(m);
  bind_parsers(m);
}

}  // namespace websec::py
