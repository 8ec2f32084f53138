#pragma once

// The tool runs and file moves that end a media job: ffmpeg remux of the
// segments, ffprobe's duration, and the output turned into the `.part`.

#include "hls_options.hpp"
#include "hls_process.hpp"
#include "part_file.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kumo::downloader {

/// Writes `<dir>/concat.txt` listing `files` (names inside `dir`) and remuxes
/// them with ffmpeg (-c copy, -protocol_whitelist file, -nostdin) into
/// `<dir>/<output>` in the container the target's extension names.
/// `may_continue` is asked while ffmpeg runs. "" on success, else why not.
std::string
remux_segments(const std::string& dir, const std::vector<std::string>& files,
               const std::string& output, const std::string& target_path,
               const media_settings& media,
               const std::function<bool()>& may_continue, bool* stopped);

/// The duration ffprobe reads from `path`, in seconds; nullopt (and `error`)
/// when it cannot.
std::optional<double> probe_duration(const std::string& path,
                                     const media_settings& media,
                                     std::string* error);

/// Moves the finished file `output` (in the media folder, same filesystem)
/// to the target's `.part` and opens it as the job's partial file, synced.
std::optional<part_file> adopt_output(const std::string& output,
                                      const target_paths& paths,
                                      const std::string& job,
                                      std::string* error);

} // namespace kumo::downloader
