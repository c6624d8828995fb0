// Python objects ↔ websec::json::value (defined in json_py.cpp; used by the serializer and session bindings).
#pragma once

#include "common.hpp"

#include <websec/json.hpp>

namespace websec::py {

/// None, bool, int (any size), float, str, list, tuple, dict (keys converted as json.dumps converts them),
/// bytes-like, Markup (anything with __html__), uuid.UUID, datetime.datetime. Anything else: TypeError
/// "Object of type X is not JSON serializable".
websec::json::value to_json_value(py::handle h, int depth = 0);

/// The Python object a value stands for (tuple, bytes, markupsafe.Markup, uuid.UUID, datetime included).
py::object from_json_value(const websec::json::value& v);

}  // namespace websec::py
