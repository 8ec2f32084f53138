#pragma once

// The one object a worker shares with the thread of a job it runs. A job's
// thread spends its life inside a blocking transfer and cannot read
// messages, so stop requests and lease extensions travel through atomics
// here, and the durable state for heartbeats travels back the same way.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace kumo::downloader {

/// Why a job must stop, in rising order of precedence: a later request
/// replaces an earlier one only when it ranks higher.
enum class stop_reason : uint8_t {
  none = 0,
  drain,          ///< the worker shuts down: save the offset, release
  pause,          ///< the user paused: save the offset, report paused
  cancel,         ///< the user cancelled: delete the .part, report cancelled
  lost,           ///< the lease is gone: stop, touch nothing, report nothing
  lost_cancelled, ///< lost, and the job was cancelled: delete the .part
};

const char* to_string(stop_reason r);

/// A heartbeat's view of a job: its durable (fsync'd) state.
struct lease_snapshot {
  int64_t bytes_done = 0;
  int64_t bytes_total = -1;
  int64_t speed_bps = 0;
  std::string validator;
};

class job_control {
public:
  using clock = std::chrono::steady_clock;

  /// `lease_deadline`: local time until which writing is allowed.
  job_control(clock::time_point lease_deadline, lease_snapshot initial);

  /// Asks the job to stop; keeps the stronger of the current and new reason.
  void request_stop(stop_reason reason);
  stop_reason stop() const;

  /// The queue no longer honours the lease; `status` is the job's status
  /// there ("cancelled": lost_cancelled, anything else: lost).
  void mark_lost(const std::string& status);

  /// The status named by mark_lost(), "" before.
  std::string lost_status() const;

  /// Moves the local lease deadline forward (never backwards).
  void extend_lease(clock::time_point deadline);
  clock::time_point lease_deadline() const;
  bool lease_valid(clock::time_point now) const;

  /// Until when the job may keep retrying reports (set on shutdown).
  void set_shutdown_deadline(clock::time_point deadline);
  clock::time_point shutdown_deadline() const;

  void set_durable(int64_t bytes_done, int64_t bytes_total,
                   const std::string& validator);
  void set_speed(int64_t bps);
  lease_snapshot snapshot() const;

private:
  static int64_t ticks(clock::time_point t) {
    return t.time_since_epoch().count();
  }
  static clock::time_point from_ticks(int64_t n) {
    return clock::time_point{clock::duration{n}};
  }

  std::atomic<uint8_t> stop_{0};
  std::atomic<int64_t> lease_deadline_;
  std::atomic<int64_t> shutdown_deadline_;
  std::atomic<int64_t> speed_{0};
  mutable std::mutex mutex_;
  lease_snapshot durable_;
  std::string lost_status_;
};

} // namespace kumo::downloader
