// ASCII case for protocol text (in the manner of Boost.URL's grammar/ci_string.hpp): HTTP header names, cookie
// attribute names, tokens, media types and schemes compare ASCII case-insensitively. Only A-Z fold; every other byte
// (UTF-8 and Latin-1 letters included) compares as it is, whatever the C locale says. One family for the library,
// the server and the tools.
#pragma once

#include <string>
#include <string_view>

namespace websec::ci {

/// A-Z to a-z; every other byte unchanged.
constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
/// `s` with A-Z lowered.
std::string lower(std::string_view s);
/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;
/// `s` starts with `prefix`, ASCII case-insensitively.
bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept;
/// `s` ends with `suffix`, ASCII case-insensitively.
bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept;

}  // namespace websec::ci
