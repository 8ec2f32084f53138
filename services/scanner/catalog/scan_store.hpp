#pragma once

// The PostgreSQL side of a scan, on one connection of its own: the roots'
// session advisory locks (held by this connection for the whole scan, so
// PostgreSQL releases them when the connection ends, also when the process
// is killed), the scan row, and the batched catalog writes. Used by one
// thread only; pqxx exceptions propagate to the caller.

#include "catalog/catalog_plan.hpp"
#include "catalog/catalog_totals.hpp"
#include "catalog/scan_write.hpp"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <vector>

namespace kumo::scanner {

/// A live catalog series as the scan needs it.
struct series_row {
  std::int64_t id = 0;
  std::string key;
  std::string root;
  std::string folder;
};

/// An unmatched series folder of one root.
struct unmatched_row {
  std::string folder;
  std::string name;
  std::optional<int> year;
  int files = 0;
};

/// A series folder no series claims, proposed as a new series.
struct new_folder {
  std::string folder;
  std::string name;
  std::optional<int> year;
};

class scan_store {
public:
  explicit scan_store(const std::string& database_url);

  /// Takes the session advisory lock of every root (pg_try_advisory_lock);
  /// all or none: false (and nothing held) when another session holds one.
  bool try_lock(const std::vector<std::string>& roots);

  /// The running scan as a scan object, or null.
  nlohmann::json running_scan();

  /// Fails running rows whose replica is gone (we hold every lock now),
  /// inserts this scan's row and returns its object.
  nlohmann::json begin(const std::string& kind, const std::string& key,
                       const std::string& owner);

  /// Stores the counters; returns true when a cancel was requested.
  bool heartbeat(std::int64_t id, const nlohmann::json& counters);

  /// Ends the scan row with `state`; returns the final scan object.
  nlohmann::json finish(std::int64_t id, const std::string& state,
                        const nlohmann::json& counters,
                        const std::string& error);

  /// The live series of `root` by folder ('' rows count as `main_root`).
  std::unordered_map<std::string, series_row>
  series_of(const std::string& root, const std::string& main_root);

  /// The live series `key`, or nullopt.
  std::optional<series_row> series_by_key(const std::string& key);

  /// The catalog files of `ids`, by series id.
  std::unordered_map<std::int64_t, std::vector<catalog_file>>
  files_of(const std::vector<std::int64_t>& ids);

  /// Applies the plans of several series in one transaction (see
  /// write_plans): series new to the catalog by COPY straight into its
  /// tables, the others by upsert; when a concurrent writer makes the
  /// direct COPY fail, the whole batch again by upsert.
  void apply(const series_plans& plans);

  /// Makes series of `folders` of `root` (key from name and year, not
  /// monitored) in one transaction and returns the rows made. Skipped: a
  /// key or folder a live series holds, a folder whose series was deleted
  /// in this root, a name or folder the catalog would refuse.
  std::vector<series_row> add_series(const std::string& root,
                                     const std::string& main_root,
                                     const std::vector<new_folder>& folders);

  /// Replaces the unmatched folders of `root`.
  void replace_unmatched(const std::string& root,
                         const std::vector<unmatched_row>& rows);

  /// The catalog totals behind the gauges.
  catalog_totals catalog_counts();

private:
  std::unique_ptr<pqxx::connection> conn_;
};

} // namespace kumo::scanner
