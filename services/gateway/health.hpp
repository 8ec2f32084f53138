#pragma once

// Turns the health replies gathered from every service into the answer of
// GET /api/health. Pure: no I/O.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::gateway {

/// The services /api/health reports on, in display order.
const std::vector<std::string>& known_services();

/// `replies[i]` holds the raw health replies of `known_services()[i]`.
/// A service is "up" when at least one instance answered "ok", "degraded"
/// when instances answered but none is ok, and "down" when none answered.
/// The overall status is "ok" only when every service is up.
nlohmann::json
summarize_health(const std::vector<std::vector<std::string>>& replies);

} // namespace kumo::gateway
