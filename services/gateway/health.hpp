#pragma once

// Turns the health replies gathered from every service into the answer of
// GET /api/health. Pure: no I/O.

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::gateway {

/// The services /api/health reports on, in display order.
const std::vector<std::string>& known_services();

/// `replies[i]` holds the raw health replies of `known_services()[i]`;
/// `missing[i]` (when given) names its instances that answered earlier but
/// not now: they are listed with status "down". A service is "up" when at
/// least one instance answered "ok", "degraded" when instances answered but
/// none is ok, and "down" when none answered. The overall status is "ok"
/// only when every service is up.
nlohmann::json
summarize_health(const std::vector<std::vector<std::string>>& replies,
                 const std::vector<std::vector<std::string>>& missing = {});

/// The instances of each service seen in earlier health gathers, so a
/// gather can end as soon as every known instance replied instead of
/// waiting for its whole window. An instance that stops answering is
/// reported missing until `forget_after` has passed since its last answer,
/// then forgotten. Thread-safe.
class instance_registry {
public:
  using clock = std::chrono::steady_clock;

  explicit instance_registry(std::chrono::milliseconds forget_after);

  /// How many replies to wait for from `service`: its known instances; 0
  /// (wait for the whole window) when none is known.
  size_t expected(const std::string& service, clock::time_point now);

  /// Records the raw replies of `service`; returns the names of known
  /// instances that did not answer.
  std::vector<std::string> record(const std::string& service,
                                  const std::vector<std::string>& replies,
                                  clock::time_point now);

private:
  void forget_stale(const std::string& service, clock::time_point now);

  std::chrono::milliseconds forget_after_;
  std::mutex mutex_;
  /// service -> instance -> last answer
  std::map<std::string, std::map<std::string, clock::time_point>> seen_;
};

} // namespace kumo::gateway
