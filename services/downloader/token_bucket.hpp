#pragma once

// A bandwidth limit shared by every transfer of one worker. Transfers run on
// their own threads, so the bucket is the one object they share; it is
// guarded by a mutex and holds no references to anything else.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace kumo::downloader {

class token_bucket {
public:
  using clock = std::chrono::steady_clock;
  using now_fn = std::function<clock::time_point()>;

  /// `rate` bytes per second, at most `burst` bytes saved up while idle.
  /// A rate of 0 lets everything through at once (no limit).
  /// REQUIRES: rate >= 0, burst > 0.
  token_bucket(int64_t rate, int64_t burst, now_fn now = clock::now);

  /// Takes `bytes` tokens, borrowing against the future when the bucket runs
  /// dry, and returns how long the caller must wait before using them. Debt
  /// is shared: a second caller waits behind the first.
  std::chrono::nanoseconds reserve(int64_t bytes);

  /// Gives back tokens reserved but not used (a transfer stopped early).
  void refund(int64_t bytes);

  /// Changes the limit at once, for every caller (0: no limit). Debt owed
  /// under the old rate is forgiven; saved-up tokens are capped at `burst`.
  void set_rate(int64_t rate, int64_t burst);

  int64_t rate() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return rate_;
  }

private:
  void refill(clock::time_point now);

  int64_t rate_;
  int64_t burst_;
  now_fn now_;
  mutable std::mutex mutex_;
  double tokens_;
  clock::time_point last_;
};

} // namespace kumo::downloader
