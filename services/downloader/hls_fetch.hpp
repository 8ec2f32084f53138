#pragma once

// The HTTP side of an HLS download: playlists and keys into memory (with a
// size limit), segments into files of their own, decrypted on the way
// (AES-128-CBC, PKCS#7 padding). Every request goes through fetch(): http(s)
// only, the address policy at connect time, connect and stall timeouts.

#include "http_fetch.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace kumo::downloader {

/// How a request ended: ok, or an error worth (or not) retrying later.
struct hls_fetch_outcome {
  bool ok = false;
  bool transient = true;
  bool stopped = false; ///< the stop flag was raised
  std::string error;
};

/// The request settings every fetch of one job shares.
struct hls_fetch_settings {
  std::string user_agent;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{30'000};
  int64_t max_recv_bps = 0;
  const address_policy* policy = nullptr;  ///< REQUIRES: not null
  const std::atomic<bool>* stop = nullptr; ///< raised: abort at once
};

/// GETs `url` into `body`; fails on a status other than 200 or a body
/// larger than `max_bytes`.
hls_fetch_outcome fetch_small(const std::string& url, size_t max_bytes,
                              const hls_fetch_settings& settings,
                              std::string* body);

/// A segment to fetch into its own file.
struct segment_request {
  std::string url;
  int64_t range_offset = -1; ///< EXT-X-BYTERANGE: offset, -1 for none
  int64_t range_length = 0;
  std::optional<std::array<uint8_t, 16>> key; ///< AES-128 key, if encrypted
  std::array<uint8_t, 16> iv{};
};

/// Fetches `req` into `temp_path`, decrypting it when a key is given, syncs
/// it and renames it to `final_path`: a file at `final_path` is always a
/// whole segment. `bytes` counts the bytes received so far (atomically).
hls_fetch_outcome fetch_segment(const segment_request& req,
                                const std::string& temp_path,
                                const std::string& final_path,
                                const hls_fetch_settings& settings,
                                std::atomic<int64_t>* bytes);

} // namespace kumo::downloader
