#pragma once

// The coordinator of one segmented download (see segmented.hpp): opens the
// `.part`, runs one segment_lane per segment, and while they run keeps the
// lease, the progress, the in-order hash and the segment map; at the end it
// verifies the file or says what stopped it.

#include "segment_lane.hpp"
#include "sha256.hpp"
#include "throttle.hpp"
#include "transfer.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kumo::downloader {

class segmented_run {
public:
  /// `resumed`: the map continues a `.part` already on disk.
  segmented_run(const transfer_spec& spec, const transfer_settings& settings,
                transfer_observer& observer, segment_map map, bool resumed);

  /// begin(), watch(), end() on this thread.
  transfer_result run();

  /// Prepares the `.part` (`file` when the first connection already made
  /// it, else a new inode keeping what resumes), records the map and starts
  /// the lanes; with `adopt_first`, lane 0 gets no thread: its bytes come
  /// from a response already under way (first_lane().adopt()). False when
  /// the file cannot be prepared (see open_failed()).
  bool begin(bool adopt_first, std::optional<part_file> file = std::nullopt);
  /// The result when begin() returned false.
  transfer_result open_failed();
  segment_lane& first_lane() {
    return *lanes_.front();
  }
  /// The coordinator: lease, progress, hashing and fsync until every lane
  /// ended (or one failed, or the observer said stop).
  void watch();
  /// Stops and joins the lanes, then verifies or reports what stopped them.
  transfer_result end();

  /// The origin stopped serving this file in ranges: start over on one
  /// connection.
  bool fallback() const {
    return fallback_;
  }

private:
  bool open(std::optional<part_file> file);
  void start_lanes(bool adopt_first);
  bool record();
  bool hash_ready(int64_t budget);
  int64_t frontier() const;
  int64_t hashed();
  void report_progress();
  /// A failure on this side (file, fsync, map, read back): see
  /// transfer_result::local.
  bool broke(std::string error);
  transfer_result fail(bool transient, std::string error, bool local = false);
  transfer_result end_stopped();
  transfer_result verify();
  std::string size_mismatch(int64_t size) const;

  const transfer_spec& spec_;
  const transfer_settings& settings_;
  transfer_observer& observer_;
  segment_map map_;
  bool resumed_;
  std::unique_ptr<token_bucket> job_bucket_;
  std::optional<part_file> file_;
  lane_context ctx_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<segment_lane>> lanes_;
  std::vector<std::thread> threads_;
  transfer_result result_;
  sha256 hash_;
  hash_cursor cursor_; ///< how far hash_ got (lanes hash in-order writes)
  speed_meter speed_;
  int64_t reported_ = 0;
  bool stopped_ = false;
  bool fallback_ = false;
  bool broken_ = false; ///< failed here, not at the source
  std::string error_;
};

} // namespace kumo::downloader
