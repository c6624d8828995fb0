// Helpers shared by the signing, serializer, session and csrf bindings (defined in signing_py.cpp).
#pragma once

#include "common.hpp"

#include <websec/signing.hpp>

#include <string>
#include <vector>

namespace websec::py {

/// str → UTF-8, bytes-like → bytes.
std::string key_bytes(py::handle h);
/// One key or a list of keys (oldest → newest).
std::vector<std::string> secret_keys(py::handle h);
/// A digest name ('sha1', 'sha256', ...) or a hashlib constructor; None → sha1.
websec::signing::digest digest_arg(py::handle h);
/// 'concat' | 'django-concat' | 'hmac' | 'none'; None → dflt.
websec::signing::key_derivation derivation_arg(py::handle h, websec::signing::key_derivation dflt);
/// The websec.signing exception class for an itsdangerous kind (BadData for the other kinds).
py::object signing_error(errc kind);
/// datetime.fromtimestamp(ts, timezone.utc), or None past year 9999.
py::object utc_datetime(std::uint64_t ts);
/// Raises the itsdangerous-shaped exception (ValueError/TypeError kinds become the Python built-ins).
[[noreturn]] void raise_signing(errc kind, const std::string& message, py::object payload, py::object date_signed);
[[noreturn]] void raise_error(const websec::error& e);

}  // namespace websec::py
