#pragma once

// One scan from start to end, on the calling thread (blocking: run it in a
// detached actor). Walks the roots, plans each series against the catalog
// and writes the plans in batches; reports progress through hooks. No CAF
// or NATS here; the database goes through scan_store.

#include "catalog/catalog_store.hpp"
#include "catalog/scan_store.hpp"
#include "walk/library_walk.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace kumo::scanner {

/// What a replica remembers between its scans, so an unchanged folder costs
/// neither a listing nor a database read.
struct scan_memory {
  /// The walk state of each root.
  std::unordered_map<std::string, walk_state> walks;
  /// "<root>\n<folder>" -> the series id and the walked object last written
  /// for it; the same object again (the walker reuses unchanged series)
  /// needs no catalog read.
  std::unordered_map<
      std::string,
      std::pair<std::int64_t, std::shared_ptr<const walked_series>>>
      synced;
};

struct scan_spec {
  std::string kind = "full"; ///< "full" or "series"
  std::string key;           ///< for "series"
  std::string owner;         ///< the replica's instance name
  /// Compare every walked series with the catalog, also those this
  /// replica wrote and whose folders did not change since (an on-demand
  /// rescan repairs a catalog changed by hand). Writes stay limited to
  /// differences either way.
  bool compare_all = false;
  library_roots roots;
  /// A walked series folder of no catalog series, with at least one
  /// episode file, becomes a series (scan_auto_add); otherwise it is
  /// listed as unmatched. Never in a "series" scan.
  bool auto_add = false;
  std::size_t batch_files = 20'000; ///< catalog rows per write transaction
  std::size_t batch_series = 500;   ///< series per write transaction
  std::chrono::milliseconds progress_every{250};
};

struct scan_hooks {
  /// Called once, before any walking: "started" with the new scan object
  /// (the reply to rescan); "busy" with the running scan (or null while
  /// another replica is still creating its row) when another scan holds a
  /// root; "not_found" (scan null) when a series scan's key is unknown.
  std::function<void(const std::string& outcome, const nlohmann::json& scan)>
      started;
  /// Progress: status "started", "in_progress", "completed", "failed",
  /// "cancelled", with the scan object.
  std::function<void(const std::string& status, const nlohmann::json& scan)>
      progress;
  /// Set to stop the scan (drain); a cancel request in the database too.
  const std::atomic<bool>* stop = nullptr;
};

/// Runs one scan. Returns the final scan object (null when not started).
/// Throws what pqxx throws when the database fails before the scan row
/// exists; later failures end the scan as "failed".
nlohmann::json run_scan(scan_store& store, const scan_spec& spec,
                        scan_memory& memory, const scan_hooks& hooks);

} // namespace kumo::scanner
