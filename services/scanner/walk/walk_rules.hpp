#pragma once

// Naming rules of the library walk (see library_walk.hpp for the public
// ones: is_video_name, split_series_folder).

#include <string_view>

namespace kumo::scanner {

/// "sample.mkv", "Show.S01E01-sample.mkv", "x.Sample.mkv": a sample clip.
bool is_sample_name(std::string_view name);

/// Folders that hold no episodes: Extras, Featurettes, Behind The Scenes,
/// Deleted Scenes, Interviews, Scenes, Shorts, Trailers, Sample(s), Other(s),
/// Bonus, @eaDir, lost+found (case-insensitive).
bool is_extras_folder(std::string_view name);

/// Unfinished downloads: ".part", ".partial", ".crdownload", ".tmp".
bool is_partial_name(std::string_view name);

} // namespace kumo::scanner
