#pragma once

// Fetches the segments of a media playlist into the media folder, several
// at once, each kept as `<index>.ts.part` once whole (synced, renamed from a
// temporary name): segments found whole from an earlier run are not
// fetched again. Runs on the job's thread; the fetching threads never touch
// the observer.

#include "hls/playlist.hpp"
#include "hls_fetch.hpp"
#include "transfer.hpp"

#include <map>
#include <string>
#include <vector>

namespace kumo::downloader {

struct segments_outcome {
  bool ok = false;
  bool stopped = false; ///< observer.may_continue() said no
  bool transient = true;
  std::string error;
  std::vector<std::string> files; ///< names inside the folder, in order
  int reused = 0;                 ///< segments found whole from before
};

/// AES-128 keys by URL.
using key_map = std::map<std::string, std::array<uint8_t, 16>>;

/// The file name of segment `index` inside the media folder.
std::string segment_file(size_t index);

/// Fetches every segment of `playlist` into `dir` with `parallel` threads
/// (each segment tried up to 3 times on transient errors). Progress goes
/// to `observer` (bytes, with the total estimated from the segments done);
/// its durable offset is the size of the whole segments.
segments_outcome fetch_segments(const providers::hls::media_playlist& playlist,
                                const key_map& keys, const std::string& dir,
                                int parallel, const hls_fetch_settings& fetch,
                                transfer_observer& observer);

} // namespace kumo::downloader
