#pragma once

// Pacing of progress updates and the speed estimate shown with them. Time is
// passed in, never read, so tests drive it by hand.

#include <chrono>
#include <cstdint>

namespace kumo::downloader {

using steady_time = std::chrono::steady_clock::time_point;

/// Decides when a download's progress is worth publishing: once it advanced
/// by at least `min_bytes` or by `min_fraction` of the total since the last
/// update, and never more often than once per `min_interval`.
class progress_throttle {
public:
  struct options {
    int64_t min_bytes = 1 << 20;
    double min_fraction = 0.01;
    std::chrono::milliseconds min_interval{250};
  };

  progress_throttle();
  explicit progress_throttle(options opts);

  /// Returns true (and remembers the report) when an update for `current`
  /// bytes out of `total` (-1: unknown) should be published at `now`.
  bool should_report(int64_t current, int64_t total, steady_time now);

  /// Remembers an update published regardless of the throttle (e.g. the
  /// "started" update).
  void reported(int64_t current, steady_time now);

private:
  options opts_;
  int64_t last_bytes_ = 0;
  steady_time last_time_{};
  bool any_ = false;
};

/// Transfer speed, smoothed over recent samples (exponential moving average
/// of per-interval rates, sampled at most every `sample_interval`).
class speed_meter {
public:
  explicit speed_meter(std::chrono::milliseconds sample_interval =
                           std::chrono::milliseconds{500});

  /// Starts measuring at `now` with `bytes` already present.
  void start(int64_t bytes, steady_time now);

  /// Records that `bytes` (cumulative) have been transferred by `now`.
  void update(int64_t bytes, steady_time now);

  /// Bytes per second; 0 before the first full sample interval.
  int64_t bytes_per_second() const;

  /// Seconds left for `remaining` bytes at the current speed; -1 unknown.
  int64_t eta_seconds(int64_t remaining) const;

private:
  std::chrono::milliseconds interval_;
  int64_t last_bytes_ = 0;
  steady_time last_time_{};
  double rate_ = 0;
};

} // namespace kumo::downloader
