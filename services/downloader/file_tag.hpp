#pragma once

// Extended attributes ("user.kumo.*") a job leaves on what it creates, so a
// later run can tell its own files and directories from anyone else's.
// Best effort: on a filesystem without extended attributes nothing is
// tagged, and an untagged file is never taken for a job's own.

#include <optional>
#include <string>

namespace kumo::downloader {

/// The job a file or directory was created by (its id).
constexpr const char* job_tag = "user.kumo.job";
/// Validator (ETag or Last-Modified) of the bytes in a committed file.
constexpr const char* validator_tag = "user.kumo.validator";
/// Size of a committed file when it was committed.
constexpr const char* size_tag = "user.kumo.size";

/// The tag `name` of `path` (symlinks not followed); nullopt when absent.
std::optional<std::string> read_tag(const std::string& path, const char* name);

/// Sets tag `name` on the open file `fd`. Returns false when it cannot.
bool write_tag(int fd, const char* name, const std::string& value);

/// Sets tag `name` on `path` (symlinks not followed).
bool write_tag(const std::string& path, const char* name,
               const std::string& value);

} // namespace kumo::downloader
