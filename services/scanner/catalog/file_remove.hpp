#pragma once

// Removal of library files named by catalog paths, never leaving the root:
// every folder on the way is opened relative to its parent with
// O_DIRECTORY | O_NOFOLLOW, so a symlink anywhere in the path (placed
// there after the scan) stops the removal instead of being followed. POSIX
// calls only; no CAF, NATS or pqxx.

#include <string>
#include <string_view>
#include <vector>

namespace kumo::scanner {

/// True for a relative path of plain components: not empty, not absolute,
/// no "", "." or ".." component, no NUL.
bool safe_relative_path(std::string_view path);

/// What remove_library_files() did.
struct removal_result {
  int removed = 0; ///< regular files unlinked
  int refused = 0; ///< unsafe paths, symlinks, non-regular files
  int failed = 0;  ///< missing files and other errors
};

/// Unlinks each regular file `paths[i]` (relative to `root`), then removes
/// the folders that held them when they are left empty, deepest first, up
/// to and including `top` (a folder directly under the root; "" for none).
removal_result remove_library_files(const std::string& root,
                                    const std::vector<std::string>& paths,
                                    const std::string& top);

} // namespace kumo::scanner
