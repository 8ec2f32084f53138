#pragma once

// The rows a scan writes with COPY, as the catalog's text format wants
// them: the numbers a file holds, its timestamp, arrays, cut strings.
// Pure logic: no pqxx, no I/O.

#include "catalog/catalog_plan.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kumo::scanner {

/// The episodes a file holds as scanner_files records them: `season` with
/// its `episodes`, or `absolutes` alone. Numbers outside the catalog's
/// ranges (season 0–10000, episode 0–100000, absolute 0–1000000) are left
/// out; a season without a valid episode leaves `season` empty. Sorted,
/// each number once.
struct file_numbers {
  std::optional<int> season;
  std::vector<int> episodes;
  std::vector<int> absolutes;
};

file_numbers numbers_of(const planned_file& file);

/// The episode rows the files of one series need, each once: (season,
/// episode) pairs and absolute numbers.
struct series_episodes {
  std::vector<std::pair<int, int>> numbered;
  std::vector<int> absolutes;
};

series_episodes episodes_of(const std::vector<file_numbers>& files);

/// `ns` since the epoch as a timestamptz literal in UTC with microseconds
/// (rounded down), e.g. "2026-11-27 21:00:00.123456+00".
std::string timestamp_text(std::int64_t ns);

/// An integer array literal: "{1,2,3}", "{}".
std::string int_array_text(const std::vector<int>& values);

/// The first `chars` characters of UTF-8 `text` (as left() in SQL).
std::string cut_chars(std::string_view text, std::size_t chars);

} // namespace kumo::scanner
