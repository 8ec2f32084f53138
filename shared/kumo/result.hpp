#pragma once

// Kumo's one way to return an error: a kumo::result<T> holds either a value
// or a kumo::failure (an errc, a one-line message and, when one field or
// option is at fault, its name). Free of CAF so that pure logic can use it;
// actor adapters turn a failure into a caf::error with kumo::to_error() and a
// result into a caf::expected with kumo::to_expected() (kumo/errors.hpp).

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <variant>

namespace kumo {

enum class errc : uint8_t {
  ok = 0,
  invalid_argument, ///< the caller sent something malformed
  not_found,
  conflict,      ///< the request contradicts the current state
  unavailable,   ///< a dependency (NATS, PostgreSQL, a peer) is down
  timeout,       ///< no answer within the deadline
  no_responders, ///< nobody subscribes to the subject
  stale_lease,   ///< the lease token no longer owns the job
  internal,
};

/// The name of a code, e.g. "invalid_argument".
const char* to_string(errc x);

/// Why an operation failed.
struct failure {
  errc code = errc::internal;
  std::string message; ///< one line, fit to log or to show to a client
  std::string field;   ///< the offending option or JSON path, "" for none
};

/// Prints the message, and the field in brackets when there is one (for
/// test diagnostics and log text).
inline std::ostream& operator<<(std::ostream& out, const failure& why) {
  out << why.message;
  if (!why.field.empty())
    out << " [" << why.field << "]";
  return out;
}

/// A failure with errc::invalid_argument: bad input, optionally naming the
/// field (an option key, a JSON path) at fault.
inline failure invalid(std::string message, std::string field = {}) {
  return {errc::invalid_argument, std::move(message), std::move(field)};
}

/// A failure with errc::unavailable: a resource the operation needs (a
/// file, a directory, a peer) could not be used.
inline failure unavailable(std::string message) {
  return {errc::unavailable, std::move(message), {}};
}

/// A value of type T or the failure that prevented it.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : data_(std::move(value)) {
    // nop
  }

  result(failure why) : data_(std::move(why)) {
    // nop
  }

  bool has_value() const {
    return std::holds_alternative<T>(data_);
  }

  explicit operator bool() const {
    return has_value();
  }

  /// REQUIRES: has_value().
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

  /// REQUIRES: !has_value().
  const failure& error() const& {
    return std::get<failure>(data_);
  }
  failure&& error() && {
    return std::get<failure>(std::move(data_));
  }

private:
  std::variant<T, failure> data_;
};

/// Success without a value, or a failure.
template <>
class [[nodiscard]] result<void> {
public:
  result() = default;

  result(failure why) : error_(std::move(why)), failed_(true) {
    // nop
  }

  bool has_value() const {
    return !failed_;
  }

  explicit operator bool() const {
    return has_value();
  }

  /// REQUIRES: !has_value().
  const failure& error() const& {
    return error_;
  }
  failure&& error() && {
    return std::move(error_);
  }

private:
  failure error_;
  bool failed_ = false;
};

} // namespace kumo
