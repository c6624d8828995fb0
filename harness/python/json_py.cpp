// websec.json — Python's json.dumps / json.loads byte for byte (websec/json.hpp), and the conversion of Python
// objects to the library's JSON value that the serializer and session bindings share.
#include "json_conv.hpp"

#include <cmath>

namespace websec::py {

namespace J = websec::json;

namespace {

std::string utf8_of(py::handle s) {
  PyObject* b = PyUnicode_AsEncodedString(s.ptr(), "utf-8", "surrogatepass");
  if (!b) throw py::error_already_set();
  auto bytes = py::reinterpret_steal<py::bytes>(b);
  return bytes.cast<std::string>();
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

py::module_& datetime_mod() {
  static py::module_* m = new py::module_(py::module_::import("datetime"));
  return *m;
}

}  // namespace

J::value to_json_value(py::handle h, int depth) {
  if (depth > 900) throw py::value_error("nesting too deep");
  if (h.is_none()) return J::value::none();
  if (py::isinstance<py::bool_>(h)) return J::value::boolean(h.cast<bool>());
  if (py::isinstance<py::int_>(h)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (!overflow && !(v == -1 && PyErr_Occurred())) return J::value::integer(v);
    PyErr_Clear();
    return J::value::integer_text(py::str(h).cast<std::string>());
  }
  if (py::isinstance<py::float_>(h)) return J::value::floating(h.cast<double>());
  if (py::hasattr(h, "__html__")) return J::value::markup(utf8_of(py::str(h.attr("__html__")())));
  if (py::isinstance<py::str>(h)) return J::value::string(utf8_of(h));
  if (py::isinstance<py::bytes>(h) || py::isinstance<py::bytearray>(h) || py::isinstance<py::memoryview>(h))
    return J::value::bytes(std::string(h.cast<byte_view>().view));
  if (py::isinstance<py::tuple>(h) || py::isinstance<py::list>(h)) {
    std::vector<J::value> items;
    for (auto x : h) items.push_back(to_json_value(x, depth + 1));
    return py::isinstance<py::tuple>(h) ? J::value::tuple(std::move(items)) : J::value::list(std::move(items));
  }
  if (py::isinstance<py::dict>(h)) {
    J::value d = J::value::dict();
    for (auto kv : py::reinterpret_borrow<py::dict>(h)) {
      py::handle k = kv.first;
      std::string key;
      if (py::isinstance<py::str>(k)) key = utf8_of(k);
      else if (py::isinstance<py::bool_>(k)) key = k.cast<bool>() ? "true" : "false";
      else if (k.is_none()) key = "null";
      else if (py::isinstance<py::int_>(k)) key = py::str(k).cast<std::string>();
      else if (py::isinstance<py::float_>(k)) {
        double x = k.cast<double>();
        key = std::isnan(x) ? "NaN" : std::isinf(x) ? (x > 0 ? "Infinity" : "-Infinity") : J::float_repr(x);
      } else {
        throw py::type_error("keys must be str, int, float, bool or None, not " + type_name(k));
      }
      d.set(std::move(key), to_json_value(kv.second, depth + 1));
    }
    return d;
  }
  py::module_ uuid = py::module_::import("uuid");
  if (py::isinstance(h, uuid.attr("UUID"))) return J::value::uuid(h.attr("bytes").cast<std::string>());
  if (py::isinstance(h, datetime_mod().attr("datetime"))) {
    J::datetime_value dt;
    py::object naive = h.attr("replace")(py::arg("tzinfo") = py::none());
    py::object epoch = datetime_mod().attr("datetime")(1970, 1, 1);
    py::object delta = naive - epoch;
    dt.local_seconds = delta.attr("days").cast<std::int64_t>() * 86400 + delta.attr("seconds").cast<std::int64_t>();
    dt.microsecond = h.attr("microsecond").cast<std::int32_t>();
    py::object off = h.attr("utcoffset")();
    if (off.is_none()) {
      dt.tz = J::datetime_value::zone::naive;
    } else {
      std::int64_t secs = py::int_(off.attr("total_seconds")()).cast<std::int64_t>();
      dt.tz = secs == 0 ? J::datetime_value::zone::utc : J::datetime_value::zone::offset;
      dt.offset_seconds = static_cast<std::int32_t>(secs);
    }
    return J::value::datetime(dt);
  }
  throw py::type_error("Object of type " + type_name(h) + " is not JSON serializable");
}

py::object from_json_value(const J::value& v) {
  switch (v.kind()) {
    case J::kind::null: return py::none();
    case J::kind::boolean: return py::bool_(v.as_bool());
    case J::kind::integer:
      if (v.int_fits()) return py::int_(v.as_int());
      return py::reinterpret_steal<py::object>(PyLong_FromString(v.int_text().c_str(), nullptr, 10));
    case J::kind::floating: return py::float_(v.as_double());
    case J::kind::string: return to_str(v.str());
    case J::kind::list: {
      py::list l;
      for (auto& x : v.items()) l.append(from_json_value(x));
      return l;
    }
    case J::kind::tuple: {
      py::tuple t(v.items().size());
      for (std::size_t i = 0; i < v.items().size(); ++i) t[i] = from_json_value(v.items()[i]);
      return t;
    }
    case J::kind::dict: {
      py::dict d;
      for (auto& [k, x] : v.members()) d[to_str(k)] = from_json_value(x);
      return d;
    }
    case J::kind::bytes: return to_bytes(v.str());
    case J::kind::markup:
      try {
        return py::module_::import("markupsafe").attr("Markup")(to_str(v.str()));
      } catch (py::error_already_set&) {
        return to_str(v.str());
      }
    case J::kind::uuid: return py::module_::import("uuid").attr("UUID")(py::arg("bytes") = to_bytes(v.str()));
    case J::kind::datetime: {
      const auto& dt = v.dt();
      py::object tz = py::none();
      if (dt.tz == J::datetime_value::zone::utc) tz = datetime_mod().attr("timezone").attr("utc");
      if (dt.tz == J::datetime_value::zone::offset)
        tz = datetime_mod().attr("timezone")(datetime_mod().attr("timedelta")(py::arg("seconds") = dt.offset_seconds));
      py::object naive = datetime_mod().attr("datetime")(1970, 1, 1) +
                         datetime_mod().attr("timedelta")(py::arg("seconds") = dt.local_seconds,
                                                          py::arg("microseconds") = dt.microsecond);
      return tz.is_none() ? naive : naive.attr("replace")(py::arg("tzinfo") = tz);
    }
  }
  return py::none();
}

void bind_json(py::module_& parent) {
  auto m = submodule(parent, "json",
                     "Python's json.dumps / json.loads byte for byte (float repr, NaN/Infinity, big integers, "
                     "ensure_ascii with surrogate pairs, sort_keys by code point, duplicate keys: last wins).");
  define_exception(m, "JSONDecodeError", py::make_tuple(base_error(), py::handle(PyExc_ValueError)),
                   "json.loads failed (kind json_decode, too_large, max_depth, invalid_utf8); the message is "
                   "Python's, e.g. 'Expecting value: line 1 column 1 (char 0)'.", "websec.json.JSONDecodeError");
  m.def("dumps", [](py::handle obj, py::object separators, bool ensure_ascii, bool sort_keys, bool allow_nan) {
          J::dump_options o;
          std::string item = ", ", key = ": ";
          if (!separators.is_none()) {
            auto t = separators.cast<std::pair<std::string, std::string>>();
            item = t.first;
            key = t.second;
          }
          o.item_separator = item;
          o.key_separator = key;
          o.ensure_ascii = ensure_ascii;
          o.sort_keys = sort_keys;
          o.allow_nan = allow_nan;
          auto r = J::dumps(to_json_value(obj), o);
          if (!r) {
            if (r.err().kind == errc::not_serializable) throw py::type_error(r.err().message);
            throw py::value_error(r.err().message);
          }
          return to_str(r.value());
        }, py::arg("obj"), py::kw_only(), py::arg("separators") = py::none(), py::arg("ensure_ascii") = true,
        py::arg("sort_keys") = false, py::arg("allow_nan") = true,
        "json.dumps(obj, separators=..., ensure_ascii=..., sort_keys=..., allow_nan=...). tuple, bytes, Markup, "
        "UUID and datetime are refused (TypeError) as Python refuses them.");
  m.def("loads", [](py::handle s) {
          auto in = s.cast<byte_view>();
          if (!in.was_text && !J::valid_utf8(in.view)) {
            raise(exception_class("websec.json.JSONDecodeError"), websec::error{errc::invalid_utf8, 0, "invalid UTF-8", 0});
          }
          auto r = J::loads(in.view);
          if (!r) raise(exception_class("websec.json.JSONDecodeError"), r.err());
          return from_json_value(r.value());
        }, py::arg("s"), "json.loads(s): NaN/Infinity accepted, duplicate keys keep the last value.");
  m.def("repr", [](py::handle obj) { return to_str(J::repr(to_json_value(obj))); }, py::arg("obj"),
        "Python's repr() of the value as the library prints it.");
}

}  // namespace websec::py
