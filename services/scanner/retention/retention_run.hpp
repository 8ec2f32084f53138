#pragma once

// One run of the retention task against the catalog and the library
// (blocking: PostgreSQL and the file system; call it from a detached
// actor). Reads the files of series with a retention rule, plans the
// removals (retention_plan.hpp), removes each file without leaving its
// root (file_remove.hpp: no symlink on the way is followed), and for each
// file removed drops its catalog row, updates its episodes as a scan would
// and records an `evicted` row in the series' history. Every removal is
// logged (series key, relative path, bytes, reason).

#include "catalog/library_roots.hpp"
#include "retention/retention_plan.hpp"

#include <caf/expected.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace kumo::scanner {

/// What a run did; its summary is the task's last_run.result.
struct retention_outcome {
  int evicted = 0;             ///< files removed and dropped from the catalog
  std::int64_t bytes = 0;      ///< their sizes
  int refused = 0;             ///< not removed: a symlink or a non-regular file
  int failed = 0;              ///< not removed: missing or an error
  std::int64_t used_bytes = 0; ///< the library's usage after the run

  nlohmann::json summary(const storage_limits& limits) const;
};

/// `limits` from a configuration document's "library" section; absent or
/// malformed fields read as no limit and no eviction.
storage_limits limits_from_config(const nlohmann::json& doc);

/// Runs retention (and eviction, as `limits` allow) over the series of the
/// roots this replica serves (`roots`).
caf::expected<retention_outcome> run_retention(const std::string& database_url,
                                               const library_roots& roots,
                                               const storage_limits& limits);

} // namespace kumo::scanner
