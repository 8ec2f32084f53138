#pragma once

// The catalog's PostgreSQL store for bus requests: one catalog_store owns
// one connection and is used by one actor only. Replies are the JSON bodies
// of docs/library.md; failures are kumo errors (not_found, conflict, ...).

#include "catalog/library_roots.hpp"
#include "catalog/requests.hpp"
#include "kumo/store.hpp"

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kumo::scanner {

class catalog_store {
public:
  catalog_store(std::string database_url, library_roots roots);

  /// Runs one request other than rescan in one transaction. series_delete
  /// with delete_files removes the series' files from disk after the commit
  /// (see file_remove.hpp).
  caf::expected<nlohmann::json> execute(const scanner_request& req);

  /// Reads the legacy data files of every root, plans them against the
  /// live series and writes the plan in one transaction: new series with
  /// their episodes as provider-listed (`missing` unless already on disk),
  /// provider-listed episodes added to existing series; never deletes.
  /// Answers the report of docs/library.md (imported, updated, unchanged,
  /// skipped, broken).
  caf::expected<nlohmann::json> import_legacy();

private:
  caf::expected<nlohmann::json> read(const scanner_request& req);
  caf::expected<nlohmann::json> write(const scanner_request& req);
  caf::expected<nlohmann::json> delete_series(const scanner_request& req);

  pg_session db_;
  library_roots roots_;
};

/// The SQL expression of a series summary as a json object, for a row `s`
/// of scanner_series.
extern const char* const summary_sql;

/// True for a running scan row whose session still holds its locks (a row
/// left `running` by a killed replica is not live), for a row `c`.
extern const char* const scan_live_sql;

/// The SQL expression of a scan object as a json object, for a row `c` of
/// scanner_scans.
extern const char* const scan_sql;

/// Reads: series_list, series_get, scan_status, unmatched.
caf::expected<nlohmann::json> read_request(pqxx::work& w,
                                           const scanner_request& req);

/// Writes: series_add, series_update, scan_cancel.
caf::expected<nlohmann::json> write_request(pqxx::work& w,
                                            const scanner_request& req,
                                            const library_roots& roots);

/// The summary of the live series `key`, or not_found.
caf::expected<nlohmann::json> series_summary(pqxx::work& w,
                                             const std::string& key);

} // namespace kumo::scanner
