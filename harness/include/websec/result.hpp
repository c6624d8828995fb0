// websec/result.hpp — the value-or-error type every parser of the library returns.
//
// Untrusted input never throws: a parser returns `result<T>` holding either the value or an `error` that says
// what went wrong (`kind`, an `errc` of websec/error.hpp), where (byte `offset` into the input), and what Flask would
// answer (`http_status`: 413 for any size or count limit, 400 for a short body, 200 with an empty form where
// werkzeug silently drops a malformed body, 500 where the Python stack crashes).
#pragma once

#include "websec/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

namespace websec {

/// Bytes of untrusted input that an error message, a finding or a command-line message quotes at most.
inline constexpr std::size_t max_quoted_input = 256;

/// How `quote_input` renders the bytes it quotes.
enum class quote_style {
  plain,         ///< 'text': \\ \' \n \r \t, \xNN for other C0 controls, DEL and bytes that are not valid UTF-8,
                 ///< \uNNNN for C1 controls and bidirectional overrides, isolates and marks
  bare,          ///< the same escapes without the quotes (and without escaping ' or \\): what Python's f"{text}" shows
                 ///< for printable text, for messages that reproduce such a Python message
  python_str,    ///< Python's repr() of the text as a str (escape::python_repr), for messages that reproduce a Python
                 ///< exception message quoting a str
  python_bytes,  ///< Python's repr() of bytes (b'...', json::bytes_repr), likewise for bytes
};

/// The one way the library and its tools put untrusted input into a message. Quotes at most `max_bytes` bytes of
/// `input` (cut at a UTF-8 character boundary), escaped as `style` says, followed by "... (N bytes)" with the input's
/// full size when it was cut. The result is one line of valid UTF-8 without control characters, at most
/// 6 * max_bytes + 40 bytes long whatever the input (4 * max_bytes + 40 in the plain, bare and python_bytes styles;
/// python_str writes an invalid byte as a six-character surrogate escape). Up to `max_bytes`, the Python styles give
/// exactly Python's repr, so a message that reproduces a Python exception is byte-identical for every input of that
/// size or less.
std::string quote_input(std::string_view input, quote_style style = quote_style::plain,
                        std::size_t max_bytes = max_quoted_input);

struct error {
  errc kind = errc::none;    ///< what went wrong, e.g. errc::max_form_parts, errc::bad_signature (websec/error.hpp)
  std::uint64_t offset = 0;  ///< byte offset in the input where the error was detected
  std::string message;       ///< one line a person can act on; input it quotes goes through quote_input
  int http_status = 0;       ///< outcome the Python stack produces (413, 400, 200 = silent empty form, 500)
};

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose, like std::expected
  result(error e) : v_(std::move(e)) {}              // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const websec::error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, websec::error> v_;
};

/// The result of a check that yields no value: ok, or an error.
template <>
class result<void> {
 public:
  result() = default;
  result(error e) : e_(std::move(e)) {}  // NOLINT: implicit on purpose, like std::expected
  bool ok() const noexcept { return !e_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const websec::error& err() const { return *e_; }

 private:
  std::optional<websec::error> e_;
};

}  // namespace websec
