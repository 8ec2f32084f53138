#pragma once

// `kumo keys` and `kumo config`: their arguments and their text output.
// Pure: strings and JSON in, strings and JSON out.

#include "args.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace kumo::cli {

/// The configuration patch of `config set|validate` assignments such as
/// "queue.max_retries=5" or "queue.retry_delays=1s,5s": a value made only
/// of digits (with an optional leading '-') is sent as a number, anything
/// else as text; the gateway checks the rest.
std::variant<nlohmann::json, usage_error>
config_patch(const std::vector<std::string>& assignments);

/// The positive decimal id of `keys revoke ID`.
std::variant<long long, usage_error> key_id(const std::string& text);

/// `keys list`: one line per key (id, name, prefix, created, last use).
std::string format_keys(const nlohmann::json& doc);

/// `config get`: "section.field = value" per field.
std::string format_config(const nlohmann::json& doc);

/// Field errors of a validation or a refused save, one per line.
std::string format_field_errors(const nlohmann::json& errors);

} // namespace kumo::cli
