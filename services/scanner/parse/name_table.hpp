#pragma once

// The table of real-world release names (testdata/names.tsv) and the
// exact-match score of the parser over it.

#include <optional>
#include <string>
#include <vector>

namespace kumo::scanner {

/// One row: a name and what a person reads in it.
struct name_row {
  int line = 0;
  std::string name;
  std::optional<int> season;
  std::vector<int> episodes;
  std::vector<int> absolute;
  std::string title; ///< "" when the table leaves it open
  std::string origin;
};

/// Reads the tab-separated table at `path`: name, season ("-": none),
/// episodes and absolute (comma lists, "-": none), title, origin. Lines
/// starting with '#' and empty lines are skipped. Returns an empty list and
/// sets `error` when the file cannot be read or a row is malformed.
std::vector<name_row> load_name_table(const std::string& path,
                                      std::string& error);

struct table_score {
  size_t rows = 0;
  size_t exact = 0;       ///< season, episodes and absolute all equal
  size_t titled = 0;      ///< rows with an expected title
  size_t title_exact = 0; ///< of those, equal ignoring case and punctuation
  std::vector<std::string> failures; ///< one line per failing row
  double percent() const {
    return rows == 0
               ? 0.0
               : 100.0 * static_cast<double>(exact) / static_cast<double>(rows);
  }
};

/// Parses every row's name and compares (episode lists as sets).
table_score score_name_table(const std::vector<name_row>& rows);

} // namespace kumo::scanner
