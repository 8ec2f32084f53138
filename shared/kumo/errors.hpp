#pragma once

// Errors as values at every boundary: a kumo::errc inside a caf::error. The
// actor adapters' side of kumo::result (kumo/result.hpp).

#include "kumo/result.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <cstdint>
#include <string>

namespace kumo {

/// The category atom under which kumo errors travel in caf::error.
constexpr caf::atom_value error_category = caf::atom("kumo");

inline caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(message))};
}

/// The caf::error of a failure: same code and message; a field travels as a
/// second context element.
caf::error to_error(const failure& why);

/// The caf::expected of a result, for an actor's reply.
template <class T>
caf::expected<T> to_expected(result<T> r) {
  if (!r)
    return to_error(r.error());
  return std::move(*r);
}

inline caf::expected<void> to_expected(const result<void>& r) {
  if (!r)
    return to_error(r.error());
  return caf::unit;
}

/// The failure a caf::error describes (foreign errors: errc::internal with
/// CAF's rendering of the error as message).
failure failure_of(const caf::error& err);

/// The errc of a caf::error, or errc::internal for foreign errors.
errc code_of(const caf::error& err);

/// The message text of a kumo error ("" when it carries none).
std::string message_of(const caf::error& err);

/// The field of a kumo error ("" when it names none).
std::string field_of(const caf::error& err);

} // namespace kumo
