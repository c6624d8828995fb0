// Helpers shared by the cookie module's source files (cookie.cpp, cookie_idna.cpp, cookie_date.cpp,
// cookie_uri.cpp); not part of the public interface. Text helpers come from text_util.hpp.
#pragma once

#include "websec/cookie.hpp"

#include "text_util.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace websec::cookie::internal {

using websec::detail::iequals;
using websec::detail::lower;
using websec::detail::starts_with_ci;

error make_error(std::string kind, std::string message, std::uint64_t offset = 0, int status = 500);

bool is_ascii_alnum(unsigned char c);
bool is_digit(unsigned char c);
bool is_ascii(std::string_view s);

// cookie_uri.cpp
void percent_quote(std::string& out, std::string_view s, std::string_view safe);
result<std::string> iri_to_uri_debian(std::string_view iri);

// cookie_idna.cpp
result<std::string> encode_idna_debian(std::string_view domain);

}  // namespace websec::cookie::internal
