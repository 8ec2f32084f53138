#pragma once

// Turning a job's target path (relative to the library root, chosen by the
// queue from user input) into file names that are guaranteed to stay inside
// the library root.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kumo::downloader {

/// The files of one download target.
struct target_paths {
  std::string directory;  ///< real (symlink-free) parent directory
  std::string final_path; ///< directory + "/" + name
  std::string part_path;  ///< final_path + ".part"
  /// Directories resolve_target() created for this call, outermost first.
  std::vector<std::string> created;
};

/// Lexical checks of a relative target path. Returns "" when acceptable,
/// otherwise the reason: empty, absolute, NUL byte, a "..", "." or empty
/// component, a trailing slash, or a name too long for ".part".
std::string check_relative_path(std::string_view rel);

/// Resolves `rel` below `root` and returns its file names.
///
/// The parent directories are walked one component at a time from the real
/// root: each existing component is resolved (symlinks included) and must
/// stay inside the real root; a missing one is created only when
/// `create_parents` is set, and only inside an already verified directory,
/// so nothing is ever created outside the root. Symlinks that stay inside
/// the root are followed. On failure returns nullopt and sets `error`; with
/// `create_parents` false a missing parent is reported as
/// "parent directory does not exist". A directory it creates is tagged
/// with `owner` (the job id, see file_tag.hpp) when one is given.
std::optional<target_paths> resolve_target(const std::string& root,
                                           std::string_view rel,
                                           bool create_parents,
                                           std::string* error,
                                           const std::string& owner = {});

/// Removes the directories of `paths` that job `owner` created (listed in
/// `paths.created` or tagged with `owner`), innermost first, each only when
/// empty, stopping at the first one that is not; never `root` or anything
/// above it. Returns how many were removed. A job calls it when it ends
/// without a file (failed, cancelled, discarded) so that no empty series
/// folder is left behind.
int remove_job_directories(const std::string& root, const target_paths& paths,
                           const std::string& owner);

/// realpath(3) as a string; nullopt when the path does not resolve.
std::optional<std::string> real_path(const std::string& path);

/// True when `path` equals `root` or lies below it. Both must be real paths.
bool is_inside(const std::string& root, const std::string& path);

} // namespace kumo::downloader
