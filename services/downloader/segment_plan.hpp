#pragma once

// Segmented downloads: how a file is split over several connections, and
// the segment map that records, per segment, how many bytes are durably
// written. Pure: no I/O here; segmented.cpp applies it.

#include "kumo/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace kumo::downloader {

/// One byte range [start, end) of the file, fetched over its own connection.
struct segment {
  int64_t start = 0;
  int64_t end = 0;  ///< exclusive
  int64_t done = 0; ///< bytes from `start` durably written

  int64_t length() const {
    return end - start;
  }
  bool complete() const {
    return done >= length();
  }
  /// The next byte this segment needs.
  int64_t next() const {
    return start + done;
  }
};

/// When to split a download.
struct segment_policy {
  int64_t min_size = int64_t{16} << 20;   ///< smaller files: one connection
  int max_connections = 4;                ///< 1: never split
  int64_t min_segment = int64_t{4} << 20; ///< no segment shorter than this
};

/// True when a file of `total` bytes (-1: unknown) from an origin that
/// answers ranges is worth splitting under `policy`.
bool should_segment(int64_t total, bool ranges_supported,
                    const segment_policy& policy);

/// Splits [0, total) into at most policy.max_connections contiguous
/// segments of nearly equal length, none shorter than policy.min_segment
/// (except when the whole file is). REQUIRES: total > 0.
std::vector<segment> plan_segments(int64_t total, const segment_policy& policy);

/// How many bytes a fresh download's first request asks for
/// (`Range: bytes=0-<n - 1>`), so that its answer ends where segment 0 may
/// end and no byte past it is sent: segment 0 of the plan when the source
/// declares a size worth splitting, else `policy.min_size` (a smaller file
/// arrives whole in that answer). REQUIRES: should_segment() may hold, i.e.
/// `declared_total` is -1 or at least `policy.min_size`.
int64_t first_request_length(int64_t declared_total,
                             const segment_policy& policy);

/// plan_segments(), with segment 0 at least `first` bytes long (the first
/// answer already covers them): when the plain plan's segment 0 is shorter,
/// the rest of the file after `first` is split over the other connections.
std::vector<segment> plan_after_first(int64_t total, int64_t first,
                                      const segment_policy& policy);

/// The bytes from 0 that are durably written without a gap: a single-stream
/// resume can continue there.
int64_t contiguous_prefix(const std::vector<segment>& segments);

/// Bytes durably written over all segments.
int64_t bytes_written(const std::vector<segment>& segments);

/// What a segmented download leaves next to its `.part` (the sidecar
/// `<final>.part.segments`), rewritten after every fsync of the `.part`.
struct segment_map {
  std::string job;       ///< the job the `.part` was written for
  std::string validator; ///< ETag or Last-Modified of the data on disk
  int64_t total = 0;     ///< size of the whole file
  uint64_t inode = 0;    ///< the `.part` inode these offsets describe
  std::vector<segment> segments;
};

/// The map as one JSON line.
std::string encode_segment_map(const segment_map& map);

/// Parses and checks a map: the segments cover [0, total) in order without
/// gaps or overlaps, each `done` within its segment, a validator present.
result<segment_map> decode_segment_map(const std::string& text);

/// Whether `map` may be continued by `job` on a `.part` with inode `inode`
/// and `part_size` bytes, when the source is known to be `known_total`
/// bytes (-1: unknown): same job, same inode, same total, and every durable
/// offset of a started segment inside the file.
bool map_usable(const segment_map& map, const std::string& job, uint64_t inode,
                int64_t part_size, int64_t known_total);

} // namespace kumo::downloader
