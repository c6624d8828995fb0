// websec/result.hpp — the value-or-error type every parser of the library returns.
//
// Untrusted input never throws: a parser returns `result<T>` holding either the value or an `error` that says
// what went wrong (a stable snake_case `kind`), where (byte `offset` into the input), and what Flask would
// answer (`http_status`: 413 for any size or count limit, 400 for a short body, 200 with an empty form where
// werkzeug silently drops a malformed body, 500 where the Python stack crashes).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace websec {

struct error {
  std::string kind;          ///< stable identifier, e.g. "max_form_parts", "missing_boundary"
  std::uint64_t offset = 0;  ///< byte offset in the input where the error was detected
  std::string message;       ///< one line a person can act on
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

}  // namespace websec
