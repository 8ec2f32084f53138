#pragma once

// Downloads of sources of provider `hls` (an HLS video-on-demand
// presentation) and `ytdlp` (whatever yt-dlp can fetch). Both end like a
// plain download: the whole file in the target's `.part`, synced, tagged
// with the job, handed back as a transfer_result for the usual commit.
// Intermediate files live in the job's media folder beside the `.part`
// (see media_workdir()), which survives restarts so finished segments are
// not fetched again.

#include "hls_options.hpp"
#include "transfer.hpp"

#include <string>

namespace kumo::downloader {

/// `<final>.part.d`: the job's media folder, beside the `.part`.
std::string media_workdir(const target_paths& paths);

/// True for a directory that is not a symlink (lstat).
bool is_real_directory(const std::string& path);

/// Deletes the media folder when it is `job`'s (or untagged).
void remove_media_workdir(const target_paths& paths, const std::string& job);

/// The HLS job: master playlist → variant (media.hls_quality) → media
/// playlist (VOD only) → keys → segments (media.hls_parallel at once,
/// decrypted, each kept once whole) → ffmpeg remux (-c copy) into the
/// target's container (by extension: .mkv → Matroska, else MP4) → ffprobe
/// duration within max(1.5 s, 2 %) of the playlist's → `.part`.
transfer_result run_hls_transfer(const transfer_spec& spec,
                                 const transfer_settings& settings,
                                 const media_settings& media,
                                 transfer_observer& observer);

} // namespace kumo::downloader
