#pragma once

// The pure half of the live watch: which entries count, and how raw
// changes are coalesced into one batch per quiet window. No I/O, no CAF,
// NATS or pqxx.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner {

/// What changed at a path (relative to the library root, '/' separated).
/// File changes mean "look at this path again": the service stats it and
/// updates the catalog from what it finds.
enum class watch_change : std::uint8_t {
  file_appeared, ///< created, written and closed, linked or moved in
  file_removed,  ///< deleted or moved out
  dir_appeared,  ///< created or moved in; its files come as file_appeared
  dir_removed,   ///< deleted or moved out: nothing below it is left
  rescan,        ///< events were lost: rescan the whole root (path "")
};

/// One change of a batch.
struct watch_event {
  watch_change change = watch_change::file_appeared;
  std::string path;
  bool operator==(const watch_event& o) const {
    return change == o.change && path == o.path;
  }
};

/// Levels below the root whose folders are watched (as the walk's
/// walk_options::max_depth).
constexpr int watch_max_depth = 8;

/// True when a directory `name` at `depth` (series folders are 1) is
/// watched: not hidden, not an extras folder below a series folder, not
/// deeper than watch_max_depth, at most 255 bytes.
bool watch_enters_dir(std::string_view name, int depth);

/// True when the file `name` in a folder at `parent_depth` is an episode
/// file the walk would read: below a series folder, not hidden, a video
/// extension, no partial-download or sample name, at most 255 bytes.
bool watch_counts_file(std::string_view name, int parent_depth);

/// Coalesces changes: per path only the last change is kept, and the batch
/// is released once no change came for `settle`, or `max_delay` after its
/// first change when changes keep coming. A lost-events signal drops what
/// is pending and releases one `rescan` in the next batch.
class watch_batch {
public:
  using clock = std::chrono::steady_clock;

  watch_batch(std::chrono::milliseconds settle,
              std::chrono::milliseconds max_delay)
      : settle_(settle), max_delay_(max_delay) {
    // nop
  }

  /// Records `change` at `path` at time `now`.
  void add(watch_change change, const std::string& path, clock::time_point now);

  /// Events were lost: pending changes are dropped, a rescan is due.
  void lost(clock::time_point now);

  /// When the pending batch is released; nullopt when nothing is pending.
  std::optional<clock::time_point> due_at() const;

  /// The batch, when due at `now` (rescan first, then by path); else empty.
  std::vector<watch_event> take(clock::time_point now);

  bool empty() const {
    return pending_.empty() && !rescan_;
  }

private:
  std::chrono::milliseconds settle_;
  std::chrono::milliseconds max_delay_;
  std::map<std::string, watch_change> pending_;
  bool rescan_ = false;
  clock::time_point first_{};
  clock::time_point last_{};
};

} // namespace kumo::scanner
