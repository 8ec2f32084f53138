#pragma once

// The `data` file the original application kept in each series folder:
//   {"key": "show-name", "name": "Show Name", "site": "example",
//    "folder": "Show Name", "episodeDict": {"1": [1, 2, 3], "2": [1]}}
// Pure logic: text in, a validated record or the reason it was refused out.
// No I/O, no CAF, NATS or pqxx.

#include "kumo/result.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner::legacy {

/// Larger data files are refused unread.
constexpr std::size_t max_data_bytes = std::size_t{1024} * 1024;
/// Deeper JSON nesting is refused before parsing (a valid file nests 3).
constexpr int max_json_depth = 8;
constexpr std::size_t max_key_bytes = 100;
constexpr std::size_t max_name_bytes = 500;
constexpr std::size_t max_site_bytes = 100;
constexpr std::size_t max_folder_bytes = 255;
/// Season and episode ranges of the catalog (scanner_episodes).
constexpr int max_season = 10000;
constexpr int max_episode = 100000;

/// Season → its episode numbers, ascending, no duplicates.
using season_episodes = std::map<int, std::vector<int>>;

/// A validated legacy data file.
struct legacy_record {
  std::string key;    ///< a slug: ^[a-z0-9]+(-[a-z0-9]+)*$, at most 100 bytes
  std::string name;   ///< 1–500 bytes of UTF-8
  std::string site;   ///< 0–100 bytes of UTF-8
  std::string folder; ///< equal to the folder the file was found in
  season_episodes episodes;
};

/// Parses the text of the data file found in series folder `found_in` (one
/// path component under a library root). Refused, with the reason: text
/// over max_data_bytes, NUL bytes, nesting deeper than max_json_depth,
/// broken JSON or invalid UTF-8, a top level other than an object, a
/// missing or mistyped key/name/site/folder/episodeDict, a key that is no
/// slug, a name or site out of bounds, a folder that is not one path
/// component or differs from `found_in`, a season key that is not a
/// decimal 0–max_season, episodes that are not an array of integers
/// 0–max_episode. Other top-level fields are ignored; duplicate episode
/// numbers are merged.
result<legacy_record> parse_legacy_data(std::string_view text,
                                        std::string_view found_in);

/// True when `key` is a catalog slug: ^[a-z0-9]+(-[a-z0-9]+)*$, at most
/// max_key_bytes.
bool is_slug(std::string_view key);

/// True when `folder` is one path component the catalog accepts: 1–255
/// bytes, no '/', no NUL or control byte, not "." or "..".
bool is_folder_name(std::string_view folder);

} // namespace kumo::scanner::legacy
