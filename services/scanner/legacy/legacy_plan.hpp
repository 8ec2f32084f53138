#pragma once

// The plan of a legacy import: which data files become new series, which
// add episodes to a series the catalog has, which change nothing, and which
// are skipped or broken. Pure logic: the service reads the files
// (legacy_reader.hpp) and the catalog, plans, then applies the plan in one
// transaction. No I/O, no CAF, NATS or pqxx.

#include "legacy/legacy_record.hpp"

#include <map>
#include <string>
#include <vector>

namespace kumo::scanner::legacy {

/// One data file as found: its series folder and what parsing it gave.
struct found_data {
  std::string folder;
  result<legacy_record> record;
};

/// What the catalog holds for one live series (keyed by its key).
struct catalog_series {
  std::string name;
  std::string site;
  std::string folder;
  season_episodes episodes; ///< every episode the catalog knows
};

/// The catalog's live series by key.
using catalog_map = std::map<std::string, catalog_series>;

/// A folder and why its data file is not imported.
struct folder_reason {
  std::string folder;
  std::string reason;
  bool operator==(const folder_reason& o) const {
    return folder == o.folder && reason == o.reason;
  }
};

/// The plan; every list is sorted (records by key, folders by folder).
struct legacy_plan {
  /// New series: insert with key, name, site, folder and episodes.
  std::vector<legacy_record> insert;
  /// Series the catalog has (same key, same folder) lacking some episodes
  /// of the data file; `episodes` holds only the missing ones, to add.
  /// Name and site in the catalog are kept (they may have been edited).
  std::vector<legacy_record> update;
  std::vector<std::string> unchanged; ///< keys: nothing to do
  std::vector<folder_reason> skipped; ///< valid files that conflict
  std::vector<folder_reason> broken;  ///< files that were refused
};

/// Plans the import of `found` against `catalog`. A valid record is
/// skipped when its key is also claimed by the data file of another folder
/// (unless the catalog already places that key in this folder: then the
/// other folders are skipped), when the catalog has its key in another
/// folder, or when the catalog has its folder under another key. The
/// import never removes episodes nor renames a series. Idempotent:
/// planning against apply_legacy_plan(plan, catalog) gives no insert and
/// no update, and the same skipped and broken.
legacy_plan plan_legacy_import(const std::vector<found_data>& found,
                               const catalog_map& catalog);

/// The catalog after `plan` is applied: what the store must write.
catalog_map apply_legacy_plan(const legacy_plan& plan, catalog_map catalog);

} // namespace kumo::scanner::legacy
