#pragma once

// What the retention task removes (docs/operations.md, "Storage"): per
// series with a rule "keep the last N episodes", every older episode file;
// then (once those are gone), only when the user enabled eviction and the
// library is at or over its storage limit, the oldest files of series with
// a rule until it is under. A series without a rule is never touched. Pure
// logic: no CAF, NATS, pqxx or file system.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kumo::scanner {

/// One catalog file of the library.
struct library_file {
  std::int64_t file_id = 0;
  std::int64_t series_id = 0;
  std::string series_key;
  std::string root; ///< the series' library root
  std::string path; ///< relative to `root`
  std::int64_t size = 0;
  std::int64_t mtime_s = 0;   ///< when the file was written (seconds)
  std::optional<int> season;  ///< of its first episode, when known
  std::optional<int> episode; ///< of its first episode, when known
  std::optional<int> absolute;
  std::optional<int> keep_last; ///< the series' rule; none: keep all
};

/// The storage settings of the runtime configuration ("library").
struct storage_limits {
  std::int64_t limit_bytes = 0; ///< 0: no limit
  bool evict_when_full = false;
};

/// One file to remove and why: "retention" or "storage_limit".
struct eviction {
  library_file file;
  std::string reason;
};

/// True when `a` comes before `b` in a series' episode order: season, then
/// episode (an unnumbered file counts as older than a numbered one, its
/// absolute number standing in for the episode), then write time, then
/// path.
bool older_episode(const library_file& a, const library_file& b);

/// Files of series with a rule beyond their last `keep_last` episodes,
/// oldest first within each series.
std::vector<eviction> plan_retention(const std::vector<library_file>& files);

/// With `limits.evict_when_full` and a limit, and `used_bytes` at or over
/// it: files of series with a rule, oldest written first, until used_bytes
/// minus their sizes is under the limit (or no such file is left). Empty
/// otherwise. The caller leaves out files it could not remove before.
std::vector<eviction>
plan_storage_eviction(const std::vector<library_file>& files,
                      std::int64_t used_bytes, const storage_limits& limits);

} // namespace kumo::scanner
