#pragma once

// The runtime configuration users change through /api/config: which fields
// exist, what values they take, whether a running service applies them at
// once ("live") or at its next start ("restart"), and how a partial
// document is merged into the stored one. Pure: JSON in, JSON out.
//
// The document groups fields by the service that reads them:
//   {"queue": {"max_retries": 3, "retry_delays": "5s,15s,45s", ...}}

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::gateway {

enum class field_kind { integer, durations };

struct config_field {
  const char* section;
  const char* key;
  field_kind kind;
  int64_t min; ///< integer range (durations: per delay, in ms)
  int64_t max;
  const char* fallback; ///< value before anything was saved, as JSON text
  bool live;            ///< applied by running services at once
  bool secret;          ///< redacted in GET answers
  const char* description;

  /// "section.key"
  std::string name() const;
};

/// Every field, in display order.
const std::vector<config_field>& config_fields();

struct field_error {
  std::string field; ///< "section.key", or "" for the document itself
  std::string message;
};

/// Every problem of `patch` (a whole or partial document): not an object,
/// unknown sections or fields, wrong types, values out of range. Empty when
/// the patch can be saved.
std::vector<field_error> validate_config(const nlohmann::json& patch);

/// `stored` (possibly "{}") with every field of `patch` replacing its own.
/// Only fields someone set are kept: a field never set stays with the
/// service's own option. A stored value that no longer passes is dropped.
/// REQUIRES: `patch` passed validate_config.
nlohmann::json merge_config(const nlohmann::json& stored,
                            const nlohmann::json& patch);

/// `doc` with every field it lacks at its fallback (the services' default):
/// what clients are shown.
nlohmann::json with_fallbacks(const nlohmann::json& doc);

/// `doc` with secret fields replaced by "********" when set.
nlohmann::json redact_config(const nlohmann::json& doc);

/// {"section.key": "live" | "restart"} for every field `patch` holds.
nlohmann::json applied_of(const nlohmann::json& patch);

/// The fields' descriptions for clients: name, type, range, applied.
nlohmann::json describe_config();

/// Errors as the API answers them: [{"field", "message"}, ...].
nlohmann::json to_json(const std::vector<field_error>& errors);

} // namespace kumo::gateway
