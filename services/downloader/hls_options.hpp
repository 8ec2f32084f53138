#pragma once

// Options of the media jobs (sources of provider `hls` and `ytdlp`), read
// with the downloader's other options at start-up.

#include "kumo/config.hpp"
#include "kumo/result.hpp"
#include "ytdlp/command.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace kumo::downloader {

struct media_settings {
  std::string hls_quality = "best"; ///< "best", "worst" or a max height
  int hls_parallel = 6;             ///< segments fetched at once
  std::chrono::milliseconds tool_timeout{30 * 60'000}; ///< one tool run
  providers::ytdlp::options ytdlp; ///< checked against the allowlist
  std::string ffmpeg = "ffmpeg";
  std::string ffprobe = "ffprobe";
  std::string ytdlp_program = "yt-dlp";
};

/// The media options, to append to the downloader's option schema.
std::vector<option> media_option_schema();

/// Reads and checks them: an unknown quality or a yt-dlp option outside the
/// allowlist fails naming the option.
result<media_settings> read_media_options(const settings& cfg);

} // namespace kumo::downloader
