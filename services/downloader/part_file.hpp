#pragma once

// The `<final>.part` file a download writes into. Every opening creates a
// new inode: the bytes worth keeping are copied into a fresh file which then
// replaces `.part` by rename. A worker that was paused past its lease and
// still holds the old file open can therefore never write into the file the
// new owner continues, and the final rename checks that `.part` is still
// this inode.

#include "safe_path.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>

namespace kumo::downloader {

class sha256;

class part_file {
public:
  /// Size of the regular file at `path` (symlinks are not followed), -1 when
  /// there is none.
  static int64_t existing_size(const std::string& path);

  /// Opens `paths.part_path` for writing with its first `keep` bytes (fewer
  /// when the existing file is shorter; see kept()), as a new inode tagged
  /// with `owner` (the job id, see part_owner()). Bytes of a partial file
  /// tagged with another owner are never kept.
  static std::optional<part_file> create(const target_paths& paths,
                                         int64_t keep, std::string* error,
                                         const std::string& owner = {});

  part_file(part_file&& other) noexcept;
  part_file& operator=(part_file&& other) noexcept;
  part_file(const part_file&) = delete;
  part_file& operator=(const part_file&) = delete;
  ~part_file();

  /// Bytes carried over from the previous partial file.
  int64_t kept() const {
    return kept_;
  }

  /// Writes all of `data` at `offset` (pwrite, retried on short writes).
  bool write_at(const void* data, size_t size, int64_t offset,
                std::string* error);

  bool truncate(int64_t size, std::string* error);

  /// Makes everything written so far durable (fdatasync).
  bool sync(std::string* error);

  /// Current size of our inode.
  int64_t size() const;

  /// Feeds the first `length` bytes of the file into `hash`.
  bool hash_prefix(int64_t length, sha256& hash, std::string* error);

  /// Feeds `length` bytes from offset `from` into `hash`.
  bool hash_range(int64_t from, int64_t length, sha256& hash,
                  std::string* error);

  /// The inode we write.
  uint64_t inode() const {
    return static_cast<uint64_t>(ino_);
  }

  /// True while `.part` on disk is still the inode we write.
  bool is_current() const;

  /// Commits the download: records `validator` and the size on our inode
  /// (see file_tag.hpp), links our inode, through the open descriptor, under
  /// the final name, syncs the directory, then removes `.part` if it is
  /// still our inode. Refused while `.part` is not our inode. Never replaces
  /// a file already at the final name: fails with "target exists" then.
  /// Whatever happens to `.part` meanwhile, the inode that lands is ours.
  /// `after_check` runs between the inode check and the link (tests use it
  /// to inject a competing writer).
  bool publish(std::string* error, const std::string& validator = {},
               const std::function<void()>& after_check = {});

  /// Deletes `.part` if it is still our inode.
  void remove_if_current();

  const target_paths& paths() const {
    return paths_;
  }

private:
  part_file(target_paths paths, int fd, int64_t kept, dev_t dev, ino_t ino);

  target_paths paths_;
  int fd_ = -1;
  int64_t kept_ = 0;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

/// A fresh unique name ".kumo-<16 hex>.tmp" inside `dir` (full path).
std::string temp_name(const std::string& dir);

/// Deletes `<final>.part` and its segment map (no error when they do not
/// exist).
bool remove_part(const target_paths& paths, std::string* error);

/// The job a partial file was written for (extended attribute
/// "user.kumo.job"); nullopt when it carries none (or the filesystem keeps
/// no extended attributes) or does not exist.
std::optional<std::string> part_owner(const std::string& path);

/// Deletes `<final>.part` unless it is tagged as another job's: a target
/// path can be reused by a new job while a message about an old one is
/// still on its way. Sets `skipped` when the file belongs to another job.
bool remove_part_of(const target_paths& paths, const std::string& job,
                    bool* skipped, std::string* error);

/// Feeds the regular file at `path` (symlinks not followed) into `hash` and
/// sets `size` to the number of bytes read.
bool hash_file(const std::string& path, sha256& hash, int64_t* size,
               std::string* error);

/// fsync of a directory, so a rename inside it survives a crash.
bool sync_directory(const std::string& dir, std::string* error);

} // namespace kumo::downloader
