#pragma once

// Health of one download provider and its circuit breaker. Pure logic: every
// time is a caller-given count of milliseconds since the Unix epoch (the
// queue passes PostgreSQL's now(), tests pass a fake clock), and the state
// round-trips through JSON so the queue can keep it in its database, where
// every replica sees the same breaker.
//
// Breaker: closed -> open after `failure_threshold` consecutive failures;
// open -> half_open once `cooldown_ms` passed since it opened; half_open lets
// one probe through (try_acquire), then closes on a success or opens again on
// a failure. A probe that never reports frees its slot after `cooldown_ms`.

#include "kumo/result.hpp"

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::providers::health {

enum class breaker_state : uint8_t { closed, open, half_open };

/// "closed", "open", "half_open".
const char* to_string(breaker_state s);

std::optional<breaker_state> parse_breaker_state(const std::string& text);

/// The gauge value of a state: 0 closed, 1 half_open, 2 open.
int gauge_value(breaker_state s);

struct breaker_options {
  int failure_threshold = 5;    ///< consecutive failures that open it, >= 1
  int64_t cooldown_ms = 60'000; ///< open this long before a probe, >= 0
};

/// What one request to a provider gave.
struct request_outcome {
  bool ok = false;
  int64_t response_ms = 0; ///< >= 0
  int64_t bytes = 0;       ///< >= 0
  std::string error;       ///< for failures
};

/// Whether a failure's error says the resource does not exist ("HTTP 404",
/// "HTTP 410", "http_404", "http_410", any letter case): the provider
/// answered, so it is not a failure of the provider.
bool is_missing_resource(std::string_view error);

/// Length of the rolling uptime window.
constexpr int64_t uptime_window_minutes = 60;

class provider_health {
public:
  provider_health() = default;
  explicit provider_health(std::string name);

  const std::string& name() const {
    return name_;
  }

  /// Counts one outcome at `now_ms` and moves the breaker. Returns the new
  /// breaker state when it changed. A failure whose resource does not exist
  /// (is_missing_resource) counts as an answer of the provider: neither a
  /// success nor a failure in the figures; for the breaker the provider
  /// answered (consecutive failures start over, a half-open probe closes).
  std::optional<breaker_state> record(const request_outcome& o, int64_t now_ms,
                                      const breaker_options& opts);

  /// Moves an open breaker whose cool-down ended to half_open. Returns the
  /// new state when it changed.
  std::optional<breaker_state> refresh(int64_t now_ms,
                                       const breaker_options& opts);

  /// The stored state (see refresh for the one due at a given time).
  breaker_state state() const {
    return state_;
  }

  /// Whether a request may go to this provider now: closed yes, open no,
  /// half_open once (takes the probe slot; the slot frees on the next
  /// outcome, or after `cooldown_ms`). Call refresh first.
  bool try_acquire(int64_t now_ms, const breaker_options& opts);

  /// Whether a request would be let through now, without taking the probe
  /// slot (for listings).
  bool available(int64_t now_ms, const breaker_options& opts) const;

  /// Forgets every figure and closes the breaker. Returns the new state
  /// when it changed.
  std::optional<breaker_state> reset();

  int64_t requests() const {
    return successes_ + failures_;
  }
  /// Percent of requests that succeeded, 0..100; 100 when there was none.
  double success_rate() const;
  /// Mean response time in ms; 0 when there was no request.
  double average_response_ms() const;
  /// Percent of the requests of the last 60 minutes (minute buckets) that
  /// succeeded; 100 when there was none.
  double uptime_percent(int64_t now_ms) const;

  /// The API view at `now_ms`.
  nlohmann::json to_json(int64_t now_ms, const breaker_options& opts) const;

  /// The stored form, read back by from_state.
  nlohmann::json to_state() const;
  static result<provider_health> from_state(const std::string& name,
                                            const nlohmann::json& state);

private:
  struct minute_bucket {
    int64_t minute = 0; ///< now_ms / 60000
    int64_t ok = 0;
    int64_t failed = 0;
  };

  void count_minute(bool ok, int64_t now_ms);
  void drop_old_minutes(int64_t now_ms);
  std::optional<breaker_state> move_breaker(bool ok, int64_t now_ms,
                                            const breaker_options& opts);

  std::string name_;
  int64_t successes_ = 0;
  int64_t failures_ = 0;
  int64_t total_response_ms_ = 0;
  int64_t consecutive_failures_ = 0;
  int64_t bytes_ = 0;
  std::string last_error_;
  int64_t last_error_at_ms_ = 0; ///< 0: never
  breaker_state state_ = breaker_state::closed;
  int64_t opened_at_ms_ = 0;     ///< when it last opened
  int64_t probe_started_ms_ = 0; ///< half_open: 0 when the slot is free
  std::deque<minute_bucket> minutes_;
};

/// One provider as ranked by best_provider.
struct candidate {
  std::string name;
  bool enabled = true;
  int priority = 1; ///< lower first
  const provider_health* health = nullptr;
};

/// The enabled providers whose breaker lets requests through at `now_ms`,
/// by priority then name.
std::vector<std::string> available_providers(std::vector<candidate> all,
                                             int64_t now_ms,
                                             const breaker_options& opts);

/// The best available provider: among the enabled providers whose breaker
/// lets a request through, the lowest priority number, then the highest
/// success rate (a provider without requests counts 100 %), then the lowest
/// average response time, then the name. nullopt when none is available.
std::optional<std::string> best_provider(const std::vector<candidate>& all,
                                         int64_t now_ms,
                                         const breaker_options& opts);

/// Why best_provider found none among `all`, for humans.
std::string no_best_reason(const std::vector<candidate>& all);

} // namespace kumo::providers::health
