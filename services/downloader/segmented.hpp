#pragma once

// The download of one file, over one connection (transfer.hpp) or, when the
// origin answers ranges and the file is large, over several: segments
// fetched in parallel into the one `.part` with pwrite at their offsets,
// their durable offsets recorded in the segment map (segment_map_file.hpp)
// after every fsync, so a resume (this worker or another) continues every
// segment where its durable bytes end.

#include "transfer.hpp"

namespace kumo::downloader {

/// Chooses and runs the download:
/// - a usable segment map of this job on the current `.part` (same inode,
///   same total): every segment continues from its durable offset, with
///   `If-Range` = the map's validator;
/// - a resumable prefix without a map: one connection continues it;
/// - otherwise the first connection asks for the bytes segment 0 may
///   start with (`Range: bytes=0-<n - 1>`, first_request_length()): when
///   its 206 shows the size and a validator and should_segment() agrees,
///   that answer becomes the start of segment 0, written into the `.part`
///   the connection already opened, the connection then asks for the rest
///   of segment 0 and the other segments start at once; else it stays the
///   one connection of the download. Learning the size costs no request and
///   no byte is sent twice.
/// A segment answered with a 200 (the file changed, or ranges stopped) or a
/// range other than the one asked drops the map and starts over on one
/// connection. The outcome and guarantees are those of run_transfer():
/// fsync before reporting offsets, the lease checked while writing (the
/// connections stop within one coordinator tick, 20 ms, of a refusal),
/// size and sha256 checked at the end (segments: the contiguous prefix is
/// hashed while it grows, the rest after the last segment ends).
transfer_result run_download(const transfer_spec& spec,
                             const transfer_settings& settings,
                             transfer_observer& observer);

} // namespace kumo::downloader
