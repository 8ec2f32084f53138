#pragma once

// Catalog-wide counts behind the scanner's gauges, read in one statement.

#include <cstdint>
#include <pqxx/pqxx>

namespace kumo::scanner {

/// What the library holds right now (live series only).
struct catalog_totals {
  std::int64_t series = 0;    ///< live series
  std::int64_t unmatched = 0; ///< folders no live series claims
  /// Episodes the provider lists that have no file and are not queued.
  std::int64_t missing_episodes = 0;
  std::int64_t episodes_on_disk = 0; ///< episodes with a file
};

/// Reads the totals inside `w` (one SELECT of four counts).
catalog_totals read_catalog_totals(pqxx::work& w);

} // namespace kumo::scanner
