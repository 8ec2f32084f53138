#pragma once

// When a failed download is tried again. Only transient failures are
// retried, at most `max_retries` times, after the configured delays (the last
// delay repeats when there are more retries than delays).

#include "kumo/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::queue {

class retry_policy {
public:
  /// 5 s, 15 s, 45 s; 3 retries.
  retry_policy();

  retry_policy(std::vector<int64_t> delays_ms, int max_retries);

  /// Parses a comma-separated list of durations ("5s,15s,45s", "500ms, 2m")
  /// and a retry limit (0..100). Fails with a message naming the bad part.
  static result<retry_policy> parse(const std::string& delays,
                                    int64_t max_retries);

  /// A provider's policy: `retries` retries (clamped to 0..100) after
  /// `base_ms`, then three times longer each time (5 s gives 5 s, 15 s,
  /// 45 s, ...), every delay at most 24 h.
  static retry_policy exponential(int64_t base_ms, int64_t retries);

  /// The delay before the next attempt of a job that failed after
  /// `retries_so_far` retries, or nullopt when it must fail for good
  /// (permanent failure, or the limit is reached).
  std::optional<int64_t> next_delay_ms(int retries_so_far,
                                       bool transient) const;

  int max_retries() const {
    return max_retries_;
  }

  const std::vector<int64_t>& delays_ms() const {
    return delays_ms_;
  }

private:
  std::vector<int64_t> delays_ms_;
  int max_retries_;
};

enum class failure_kind : uint8_t { transient, permanent };

/// HTTP status of a failed transfer: 408, 425, 429 and 5xx are transient;
/// every other status (404, 410, 403, 400, 401, ...) is permanent.
failure_kind classify_http_status(int status);

/// A curl-style error kind ("timeout", "couldnt_connect",
/// "CURLE_OPERATION_TIMEDOUT", "http_503", ...): timeouts, connection,
/// DNS, TLS-handshake and interrupted transfers are transient; malformed
/// URLs, unsupported protocols, redirect loops, local write errors and
/// oversized files are permanent; "http_<code>" follows
/// classify_http_status; unknown kinds are transient (retries are bounded).
failure_kind classify_error_kind(std::string_view kind);

} // namespace kumo::queue
