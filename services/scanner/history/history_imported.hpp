#pragma once

// The `imported` rows of the series' history: one row per file that came
// into a series after the series' first complete scan. Files a series'
// first scan finds were there before Kumo knew the series (an existing
// library, a folder added from the unmatched list): they are not imports.

#include "catalog/catalog_plan.hpp"

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

namespace kumo::scanner {

/// One file a write puts into a series, as the history records it.
struct imported_file {
  std::string path; ///< relative to the series' root
  std::uint64_t bytes = 0;
  std::optional<int> season; ///< of the file's first numbered episode
  std::optional<int> episode;
};

/// The files `plan` writes (new or changed), as history rows would name
/// them. Pure.
std::vector<imported_file> imported_files(const series_plan& plan);

/// Records an `imported` row for each file of `files` whose path the
/// catalog does not hold yet in series `series_id`, when the series had a
/// complete scan (full, watch, or of this series) that started after the
/// series was added; otherwise records nothing. `reason` is "watch" when
/// the scan this connection runs is a watch scan, else "scan".
/// REQUIRES: called in the write's transaction, before the files are
/// written to scanner_files. pqxx exceptions propagate.
void record_imported(pqxx::work& w, std::int64_t series_id,
                     const std::vector<imported_file>& files);

/// The same for every series of one catalog write, in three statements
/// whatever the number of series (a library's first scan writes thousands
/// of series and records nothing).
void record_imported(
    pqxx::work& w,
    const std::vector<std::pair<std::int64_t, series_plan>>& plans);

} // namespace kumo::scanner
