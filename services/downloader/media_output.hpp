#pragma once

// The end every media source (hls, ytdlp) shares: the tool's finished file
// becomes the job's `.part`, and the transfer completes with it.

#include "transfer.hpp"

#include <string>

namespace kumo::downloader {

/// Checks the finished `output` (in the job's media folder) against the
/// size and sha256 the source declares (a mismatch fails for good), makes
/// it the job's `.part` (adopt_output(); a failure there is ours: transient
/// and local), reports it durable and removes the media folder. A missing
/// or empty output fails transiently, as the source's.
transfer_result complete_media_output(const std::string& output,
                                      const transfer_spec& spec,
                                      transfer_observer& observer);

} // namespace kumo::downloader
