#pragma once

// Error replies of the scanner's bus requests:
// {"error": {"code": C, "message": M, "field": F}} (docs/library.md).

#include "kumo/errors.hpp"

#include <caf/error.hpp>
#include <string>

namespace kumo::scanner {

/// A kumo error that names the request field it concerns.
caf::error field_error(errc code, std::string field, std::string message);

/// The reply body for `err` (field "" unless made by field_error).
std::string error_body(const caf::error& err);

/// The reply body for a refused request.
std::string error_body(errc code, const std::string& field,
                       const std::string& message);

} // namespace kumo::scanner
