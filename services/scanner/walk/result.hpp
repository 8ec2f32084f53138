#pragma once

// A value or an error message, for the scanner's pure logic and file-system
// adapters (which stay free of CAF). The service turns a failed result into
// its own error reply.

#include <string>
#include <utility>
#include <variant>

namespace kumo::scanner {

template <class T>
class result {
public:
  result(T value) : data_(std::move(value)) {
    // nop
  }

  /// A failed result carrying `message`.
  static result failure(std::string message) {
    return result{error_text{std::move(message)}};
  }

  explicit operator bool() const {
    return std::holds_alternative<T>(data_);
  }

  /// REQUIRES: *this.
  const T& operator*() const& {
    return std::get<T>(data_);
  }
  T& operator*() & {
    return std::get<T>(data_);
  }
  T&& operator*() && {
    return std::get<T>(std::move(data_));
  }
  const T* operator->() const {
    return &std::get<T>(data_);
  }
  T* operator->() {
    return &std::get<T>(data_);
  }

  /// REQUIRES: !*this.
  const std::string& error() const {
    return std::get<error_text>(data_).message;
  }

private:
  struct error_text {
    std::string message;
  };

  explicit result(error_text e) : data_(std::move(e)) {
    // nop
  }

  std::variant<T, error_text> data_;
};

} // namespace kumo::scanner
