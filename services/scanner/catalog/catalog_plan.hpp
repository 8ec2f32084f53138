#pragma once

// What a scan writes to the catalog, computed from a walk and the catalog's
// current rows. Pure logic: no CAF, NATS, pqxx or I/O.

#include "walk/library_walk.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner {

/// One episode a file holds: season and episode, or an absolute number
/// only (anime numbering without a season).
struct episode_ref {
  std::optional<int> season;
  std::optional<int> episode;
  std::optional<int> absolute;
};

/// A file row as the catalog holds it (path relative to the root).
struct catalog_file {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

/// A file row to insert or update, with the episodes it holds.
struct planned_file {
  std::string path; ///< relative to the root: "<folder>/<path in folder>"
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::string resolution;
  std::string quality; ///< the release source, e.g. "WEB-DL"
  std::string group;
  std::vector<episode_ref> episodes;
};

/// The writes of one series: files new or changed on disk, and catalog
/// paths no longer on disk.
struct series_plan {
  std::vector<planned_file> upserts;
  std::vector<std::string> removals;
  int added = 0;   ///< upserts of paths the catalog did not hold
  int changed = 0; ///< upserts of known paths whose size or mtime changed
  bool empty() const {
    return upserts.empty() && removals.empty();
  }
};

/// The episodes `file` holds. Season numbering wins over absolute numbers
/// when both are given; a special without numbers holds nothing.
std::vector<episode_ref> episode_refs(const walked_episode& file);

/// Compares the walked series with the catalog's rows of the same series.
/// A file is upserted when its path is new or its size or mtime changed
/// (mtime compared in microseconds, the catalog's precision);
/// a catalog path not walked is removed, unless the walk of the series was
/// incomplete (`complete == false`: a denied folder may still hold it).
/// `walked` may be null: the series folder is gone, every file is removed.
series_plan plan_series(const walked_series* walked,
                        const std::vector<catalog_file>& existing);

/// The default key of a series: lower-case ASCII letters and digits of
/// `name`, other runs turned into one '-', then "-<year>"; cut to 100
/// bytes. A name without ASCII letters or digits (e.g. only CJK) gives
/// "series-<8 hex digits of a hash of the name>".
std::string series_slug(std::string_view name, std::optional<int> year);

/// True for a key the catalog accepts: ^[a-z0-9]+(-[a-z0-9]+)*$, ≤ 100.
bool valid_key(std::string_view key);

/// True for one path component the catalog accepts as a series folder:
/// 1–255 bytes, no '/', no control characters, not "." or "..".
bool valid_folder(std::string_view folder);

/// "Name (Year)" or "Name": the folder a series gets by default.
std::string default_folder(std::string_view name, std::optional<int> year);

} // namespace kumo::scanner
