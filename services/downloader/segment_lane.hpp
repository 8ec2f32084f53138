#pragma once

// One connection of a segmented download: fetches the byte range
// [next, end) of its segment with `Range` + `If-Range` and pwrites it at its
// offsets into the shared `.part`. Runs on its own thread; the coordinator
// (segmented.cpp) reads `written` and asks it to stop through `stop`.

#include "http_fetch.hpp"
#include "part_file.hpp"
#include "segment_plan.hpp"
#include "token_bucket.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace kumo::downloader {

/// What every lane of one download shares (all read-only while lanes run,
/// except the atomics).
struct lane_context {
  fetch_request request; ///< url, timeouts, policy, If-Range validator
  part_file* file = nullptr;
  int64_t total = 0;
  std::vector<token_bucket*> buckets; ///< job, provider, worker (non-null)
  std::atomic<bool>* stop = nullptr;  ///< set by the coordinator
};

enum class lane_outcome : uint8_t {
  running,
  done,    ///< the whole segment is written
  stopped, ///< asked to stop
  changed, ///< the origin no longer serves this file in ranges (a 200 or a
           ///< range that does not match): start over on one connection
  failed,  ///< see `transient`, `error`
};

class segment_lane {
public:
  segment_lane(const lane_context& ctx, segment seg);

  /// Fetches the rest of the segment (a few attempts on network errors).
  void run();

  /// Bytes written from the segment's start (pwrite returned, not yet
  /// synced). Safe from any thread.
  int64_t written() const {
    return written_.load(std::memory_order_acquire);
  }
  const segment& plan() const {
    return seg_;
  }
  lane_outcome outcome() const {
    return outcome_.load(std::memory_order_acquire);
  }
  bool transient() const {
    return transient_;
  }
  const std::string& error() const {
    return error_;
  }

private:
  class handler;
  lane_outcome fetch_once();

  const lane_context& ctx_;
  segment seg_;
  std::atomic<int64_t> written_;
  std::atomic<lane_outcome> outcome_{lane_outcome::running};
  bool transient_ = true;
  std::string error_;
};

} // namespace kumo::downloader
