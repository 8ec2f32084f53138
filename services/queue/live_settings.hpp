#pragma once

// The queue's settings a running queue changes without a restart: the
// retry policy and the per-job bandwidth limit, taken from the "queue"
// section of the runtime configuration (kumo.config.changed). Shared by
// every store actor; thread-safe. Pure: no CAF, NATS or pqxx.

#include "retry_policy.hpp"

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::queue {

class live_settings {
public:
  live_settings(retry_policy retries, int64_t job_rate_limit_bps);

  retry_policy retries() const;
  int64_t job_rate_limit_bps() const;

  /// Applies the "queue" section of a configuration document: fields it
  /// holds replace the current values, absent fields keep theirs. A bad
  /// value changes nothing and fails naming the field. Answers the names of
  /// the fields whose value changed.
  result<std::vector<std::string>> apply(const nlohmann::json& doc);

private:
  mutable std::mutex mutex_;
  retry_policy retries_;
  int64_t job_rate_limit_bps_;
};

} // namespace kumo::queue
