#pragma once

// The sidecar `<final>.part.segments` of a segmented download (see
// segment_plan.hpp). Written only after an fsync of the `.part`, through a
// synced temporary file renamed over the old map, so every map ever visible
// describes bytes that are durable: a crash leaves the old map, a new map
// or none, never offsets ahead of the data.

#include "safe_path.hpp"
#include "segment_plan.hpp"

#include <optional>
#include <string>

namespace kumo::downloader {

/// `<final>.part.segments`.
std::string segment_map_path(const target_paths& paths);

/// The map next to `paths`, when one exists and parses.
std::optional<segment_map> read_segment_map(const target_paths& paths);

/// Replaces the map (temporary file, fdatasync, rename).
bool write_segment_map(const target_paths& paths, const segment_map& map,
                       std::string* error);

/// Deletes the map; with `inode` != 0 only a map describing that inode (or
/// one that does not parse).
void remove_segment_map(const target_paths& paths, uint64_t inode = 0);

/// Inode of the regular file at `path` (symlinks not followed), 0 if none.
uint64_t inode_of(const std::string& path);

} // namespace kumo::downloader
