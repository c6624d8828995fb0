// Helpers shared by the cookie module's source files (cookie.cpp, cookie_idna.cpp, cookie_date.cpp,
// cookie_uri.cpp); not part of the public interface.
#pragma once

#include "websec/cookie.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace websec::cookie::internal {

error make_error(errc kind, std::string message, std::uint64_t offset = 0, int status = 500);

bool is_ascii_alnum(unsigned char c);
bool is_digit(unsigned char c);
char ascii_lower(char c);
bool iequals(std::string_view a, std::string_view b);
std::string lower_ascii(std::string_view s);

bool utf8_decode(std::string_view s, std::u32string& out);
void utf8_append(std::string& out, char32_t cp);
bool is_ascii(std::string_view s);
bool py_isspace_latin1(unsigned c);

// cookie_uri.cpp
void percent_quote(std::string& out, std::string_view s, std::string_view safe);
result<std::string> iri_to_uri_debian(std::string_view iri);

// cookie_idna.cpp
result<std::string> encode_idna_debian(std::string_view domain);

}  // namespace websec::cookie::internal
