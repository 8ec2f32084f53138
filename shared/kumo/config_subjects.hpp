#pragma once

// NATS subjects of the runtime configuration (/api/config, see
// docs/operations.md#runtime-configuration).

namespace kumo::subjects {

/// The configuration document (JSON, the fields someone set) after every
/// change through /api/config; services apply the fields they can at once.
constexpr const char* config_changed = "kumo.config.changed";

/// Request (empty payload): the stored configuration document, answered by
/// a gateway (queue group "gateway"); services ask at start.
constexpr const char* config_current = "kumo.gateway.config.current";
constexpr const char* gateway_group = "gateway";

} // namespace kumo::subjects
