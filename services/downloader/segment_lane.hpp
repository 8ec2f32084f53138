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
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kumo::downloader {

class sha256;

/// The in-order sha256 of a segmented download. `next` is the first byte
/// not hashed yet: the lane that writes a buffer at exactly `next` hashes
/// that buffer right after its pwrite (the same bytes, no read back); bytes
/// written ahead of `next` by later segments are read back from the file by
/// the coordinator once the segments before them are complete.
struct hash_cursor {
  std::mutex mutex;
  sha256* hash = nullptr;
  int64_t next = 0;

  /// Hashes `data` (just written at `at`) when it continues the hash. Waits
  /// at most for one read-back slice of the coordinator.
  void offer(const char* data, size_t size, int64_t at);
};

/// What every lane of one download shares (all read-only while lanes run,
/// except the atomics).
struct lane_context {
  fetch_request request; ///< url, timeouts, policy, If-Range validator
  part_file* file = nullptr;
  int64_t total = 0;
  std::vector<token_bucket*> buckets; ///< job, provider, worker (non-null)
  std::atomic<bool>* stop = nullptr;  ///< set by the coordinator
  hash_cursor* cursor = nullptr;      ///< null when no sha256 is expected
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
  ~segment_lane();
  segment_lane(const segment_lane&) = delete;
  segment_lane& operator=(const segment_lane&) = delete;

  /// Fetches the rest of the segment (a few attempts on network errors).
  void run();

  /// The handler for a response someone else asked for (the first
  /// connection of a download, `Range: bytes=<segment start>-<last>`):
  /// accepts its 206 for exactly that range and writes it (never past the
  /// segment's end). The lane is then driven by that response instead of
  /// run(); finish_adopted() follows it.
  fetch_handler& adopt(int64_t last);

  /// After the adopted response ended: sets the outcome, or fetches what
  /// is still missing of the segment as run() would.
  void finish_adopted();

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
  /// The failure was here (writing the `.part`), not at the source.
  bool local() const {
    return local_;
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
  bool local_ = false;
  std::string error_;
  std::unique_ptr<handler> adopted_;
};

} // namespace kumo::downloader
