// The commit of a `.part` file: link the open inode under the final name,
// then take the `.part` name away only if it still names that inode.

#include "file_tag.hpp"
#include "part_file.hpp"
#include "segment_map_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::downloader {

namespace {

bool fail(std::string* error, const std::string& what) {
  if (error)
    *error = what + ": " + std::strerror(errno);
  return false;
}

/// Links the inode open as `fd` under `path`. AT_EMPTY_PATH needs
/// CAP_DAC_READ_SEARCH; without it the kernel answers ENOENT and the
/// /proc/self/fd link (same inode, no capability needed) is used. A file
/// whose last name is gone cannot be linked again: ENOENT in both ways.
bool link_descriptor(int fd, const std::string& path) {
  if (linkat(fd, "", AT_FDCWD, path.c_str(), AT_EMPTY_PATH) == 0)
    return true;
  if (errno != ENOENT && errno != EPERM && errno != EINVAL)
    return false;
  auto proc = "/proc/self/fd/" + std::to_string(fd);
  return linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(),
                AT_SYMLINK_FOLLOW) == 0;
}

bool same_inode(const std::string& path, dev_t dev, ino_t ino) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

} // namespace

bool part_file::is_current() const {
  return same_inode(paths_.part_path, dev_, ino_);
}

bool part_file::publish(std::string* error, const std::string& validator,
                        const std::function<void()>& after_check) {
  if (!is_current()) {
    if (error)
      *error = "partial file was replaced by another writer";
    return false;
  }
  if (after_check)
    after_check();
  // Best effort, like the job tag: they let a later claim of this job
  // recognize the file as its own (see adopt.hpp).
  write_tag(fd_, validator_tag, validator);
  write_tag(fd_, size_tag, std::to_string(size()));
  if (!link_descriptor(fd_, paths_.final_path)) {
    if (errno == EEXIST || errno == ENOENT) {
      if (error)
        *error =
            errno == EEXIST
                ? "target exists: " + paths_.final_path
                : std::string{"partial file was replaced by another writer"};
      return false;
    }
    return fail(error, "cannot link the download into place");
  }
  if (!sync_directory(paths_.directory, error))
    return false;
  remove_if_current();
  return true;
}

void part_file::remove_if_current() {
  // Move the name aside first and look at what was moved: a check by name
  // followed by unlink could delete a `.part` another writer installed
  // between the two calls.
  auto aside = temp_name(paths_.directory);
  if (rename(paths_.part_path.c_str(), aside.c_str()) != 0)
    return; // no `.part` any more
  bool ours = same_inode(aside, dev_, ino_);
  if (ours || renameat2(AT_FDCWD, aside.c_str(), AT_FDCWD,
                        paths_.part_path.c_str(), RENAME_NOREPLACE) != 0)
    unlink(aside.c_str()); // ours, or superseded by a newer `.part`
  if (ours)
    remove_segment_map(paths_, static_cast<uint64_t>(ino_));
}

} // namespace kumo::downloader
