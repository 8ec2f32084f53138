#pragma once

// Finds and reads the legacy `data` files: `<root>/<folder>/data` for every
// folder directly below each root. File-system adapter of the legacy import
// (parsing and planning are pure: legacy_record.hpp, legacy_plan.hpp).

#include "legacy/legacy_plan.hpp"

#include <string>
#include <vector>

namespace kumo::scanner::legacy {

/// What reading the roots gave.
struct legacy_scan {
  /// One entry per folder holding a `data` entry, sorted by root then
  /// folder; an unreadable or refused file is a failed record with the
  /// reason.
  std::vector<found_data> found;
  /// "<root>: <reason>" for each root that could not be listed.
  std::vector<std::string> root_errors;
};

/// Reads every `<root>/<folder>/data`. Each root is opened once and every
/// folder and file relative to it with O_NOFOLLOW: a symlinked folder or
/// data file is never followed (the folder is passed over, the file is
/// reported broken). Hidden folders are passed over, as are folders
/// without a `data` entry. A `data` that is not a regular file or is larger
/// than max_data_bytes is reported broken without being read; at most
/// max_data_bytes + 1 bytes are ever read. Opening does not block on FIFOs.
legacy_scan read_legacy_data(const std::vector<std::string>& roots);

/// The text of `data` in the open folder `dir_fd`, or why it cannot be
/// read (ENOENT gives the message "absent").
result<std::string> read_data_file(int dir_fd);

} // namespace kumo::scanner::legacy
