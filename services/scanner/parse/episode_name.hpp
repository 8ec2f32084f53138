#pragma once

// Parsing of episode file names and release names, e.g.
//   Show.Name.S01E02E03.1080p.WEB-DL.DDP5.1.x264-GRP.mkv
//   [Group] Show Name - 012v2 [1080p][ABCD1234].mkv
//   Show Name (2019)/Season 02/Show Name - 2x05 - Title.mkv
// Pure logic: no I/O, no allocation beyond the result and a token list
// proportional to the input, work linear in the input length.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner {

/// Names longer than this are cut (on a UTF-8 boundary) before parsing.
constexpr size_t max_name_bytes = 4096;

/// Ranges such as "E01-E99" or "001-500" expand to at most this many numbers;
/// a longer range keeps only its first number.
constexpr int max_range_length = 500;

/// What a file or release name says about the episode(s) it holds.
struct episode_name {
  std::string title;         ///< series title, separators turned into spaces
  std::optional<int> year;   ///< year next to the title, e.g. "Show (2019)"
  std::optional<int> season; ///< absent when only absolute numbers are given
  std::vector<int> episodes; ///< episodes within `season`; empty: season pack
  std::vector<int> absolute; ///< absolute (anime) episode numbers
  bool special = false;      ///< season 0 (S00E01, "Specials/" folder)
  std::string group;         ///< release group, "" when absent
  std::string resolution;    ///< "1080p", "720p", "2160p", ... or ""
  std::string source;        ///< "WEB-DL", "WEBRip", "BluRay", "HDTV", ...
  std::string extension;     ///< lower-case file extension without the dot
  std::string date;          ///< air date of daily shows, "YYYY-MM-DD"
};

/// Parses `name`: a file name, a release name, or a path relative to the
/// library root ('/' or '\\' separated; folders such as "Season 2",
/// "S02" or "Specials" give the season when the file name has none).
/// Never fails: unknown parts are ignored, invalid UTF-8 is replaced by
/// U+FFFD, and input beyond max_name_bytes is ignored.
episode_name parse_episode_name(std::string_view name);

/// One JSON object on one line (no trailing newline) with the keys title,
/// year, season, episodes, absolute, group, resolution, then special,
/// source, extension and date. Absent values are null.
std::string to_json(const episode_name& parsed);

} // namespace kumo::scanner
