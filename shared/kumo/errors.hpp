#pragma once

// Errors as values at every boundary: a kumo::errc inside a caf::error.

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <cstdint>
#include <string>

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

const char* to_string(errc x);

/// The category atom under which kumo errors travel in caf::error.
constexpr caf::atom_value error_category = caf::atom("kumo");

inline caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(message))};
}

/// The errc of a caf::error, or errc::internal for foreign errors.
errc code_of(const caf::error& err);

/// The message text of a kumo error ("" when it carries none).
std::string message_of(const caf::error& err);

} // namespace kumo
