#pragma once

// Brute-force protection for logins: per client, at most `max_failures`
// failed attempts within a sliding `window`; further attempts are refused
// until the oldest failure leaves the window. Pure: the caller passes the
// time, so tests drive a fake clock. Not thread-safe; guard it with a mutex.

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace kumo::gateway {

class login_limiter {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  struct options {
    size_t max_failures = 5;
    std::chrono::seconds window{300};
    /// Clients tracked at once; the least recently failing are forgotten
    /// first, so a flood of addresses cannot exhaust memory.
    size_t max_clients = 10'000;
  };

  login_limiter() = default;
  explicit login_limiter(options opts);

  /// How long `client` must wait before its next attempt at `now`; zero
  /// when it may try now.
  std::chrono::seconds retry_after(const std::string& client, time_point now);

  /// Records a failed attempt of `client` at `now`.
  void record_failure(const std::string& client, time_point now);

  /// Forgets `client`'s failures (after a successful login).
  void reset(const std::string& client);

  size_t tracked_clients() const {
    return failures_.size();
  }

private:
  void expire(std::deque<time_point>& times, time_point now) const;
  void evict_one();

  options opts_;
  std::unordered_map<std::string, std::deque<time_point>> failures_;
};

} // namespace kumo::gateway
