#pragma once

// The catalog write of one batch of series plans, inside the caller's
// transaction. pqxx exceptions propagate.

#include "catalog/catalog_plan.hpp"

#include <cstdint>
#include <pqxx/pqxx>
#include <utility>
#include <vector>

namespace kumo::scanner {

using series_plans = std::vector<std::pair<std::int64_t, series_plan>>;

/// Writes `plans` in `w`. With `direct`, the series that have no file and no
/// episode row in the catalog (a first scan) are written by COPY straight
/// into scanner_files and scanner_episodes; a concurrent writer adding an
/// episode to such a series makes that COPY fail with pqxx::unique_violation
/// (the caller rolls back and calls again without `direct`). The other
/// series go through temporary tables: removed files first, then upserts
/// (only what differs from the catalog), then the episodes that lost their
/// last file.
void write_plans(pqxx::work& w, const series_plans& plans, bool direct);

} // namespace kumo::scanner
