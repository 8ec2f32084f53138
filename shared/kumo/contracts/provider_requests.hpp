#pragma once

// The contracts of the provider requests (kumo.queue.cmd.provider_*): the
// runtime settings of a download provider and the requests that read and
// change them. The gateway checks HTTP bodies with them and the queue the
// bus payloads, so both apply one set of limits. Parsing never throws.

#include "kumo/contracts/fields.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::contracts {

/// Limits of the provider settings (inclusive).
namespace provider_limits {
constexpr int64_t max_priority = 1000;
constexpr int64_t max_timeout_s = 86'400;
constexpr int64_t max_retries = 100;
constexpr int64_t max_retry_delay_s = 3'600;
constexpr int64_t max_concurrent = 1'000;
constexpr int64_t max_bandwidth_bps = int64_t{1} << 53;
constexpr int64_t max_connections = 64;
constexpr size_t max_name_bytes = 32;
} // namespace provider_limits

/// The runtime settings of one provider (0 = unlimited for the bandwidth).
struct provider_settings {
  std::string name;
  bool enabled = true;
  int64_t priority = 1; ///< 1..max_priority, lower is tried first
  int64_t timeout_s = 30;
  int64_t retries = 3;
  int64_t retry_delay_s = 5;
  int64_t max_concurrent = 0; ///< downloads at once, 0: unlimited
  int64_t bandwidth_limit_bps = 0;
  int64_t max_connections = 4;
};

/// The wire form: {"name", "enabled", "priority", "timeout_s", "retries",
/// "retry_delay_s", "max_concurrent", "bandwidth_limit_bps",
/// "max_connections"}.
nlohmann::json to_json(const provider_settings& s);

/// {"providers": [...]}: the body published on kumo.providers.config and
/// answered to kumo.queue.cmd.provider_config.
nlohmann::json to_json(const std::vector<provider_settings>& all);

/// A request naming one provider: {"name": "direct"}. The name is checked
/// for shape only (1..32 of a-z, 0-9, '_', '-'); an unknown one is the
/// store's not_found.
struct provider_name_request {
  std::string name;
};

parsed<provider_name_request> parse_provider_name(const nlohmann::json& body);
nlohmann::json to_json(const provider_name_request& req);

/// A partial change of one provider's settings: {"name": "direct",
/// "settings": {"timeout_s": 60, ...}}. At least one setting; unknown
/// settings are refused, each value is checked against provider_limits.
struct provider_update {
  std::string name;
  std::optional<bool> enabled;
  std::optional<int64_t> priority;
  std::optional<int64_t> timeout_s;
  std::optional<int64_t> retries;
  std::optional<int64_t> retry_delay_s;
  std::optional<int64_t> max_concurrent;
  std::optional<int64_t> bandwidth_limit_bps;
  std::optional<int64_t> max_connections;

  /// `s` with this change applied.
  provider_settings applied_to(provider_settings s) const;
};

parsed<provider_update> parse_provider_update(const nlohmann::json& body);
nlohmann::json to_json(const provider_update& req);

} // namespace kumo::contracts
