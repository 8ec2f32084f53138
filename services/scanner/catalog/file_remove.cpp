#include "catalog/file_remove.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::scanner {

namespace {

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

/// Opens the folder holding the last component of `parts`, relative to
/// `root_fd`, without following symlinks. Returns the fd or -errno.
int open_parent(int root_fd, const std::vector<std::string>& parts) {
  int fd = dup(root_fd);
  if (fd < 0)
    return -errno;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = openat(fd, parts[i].c_str(),
                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close(fd);
    if (next < 0)
      return -err;
    fd = next;
  }
  return fd;
}

/// 1 removed, 0 refused (not a regular file), -1 failed.
int remove_one(int root_fd, const std::string& path) {
  auto parts = components(path);
  int dir = open_parent(root_fd, parts);
  if (dir < 0)
    return dir == -ELOOP || dir == -ENOTDIR ? 0 : -1;
  struct stat st {};
  int out = -1;
  if (fstatat(dir, parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
    out = S_ISREG(st.st_mode)
              ? (unlinkat(dir, parts.back().c_str(), 0) == 0 ? 1 : -1)
              : 0;
  close(dir);
  return out;
}

/// Every folder above the files, deepest first, down to `top`.
std::vector<std::string> folders_of(const std::vector<std::string>& paths,
                                    const std::string& top) {
  std::set<std::string> dirs;
  for (const auto& p : paths) {
    if (!safe_relative_path(p))
      continue;
    auto cut = p.rfind('/');
    while (cut != std::string::npos) {
      auto dir = p.substr(0, cut);
      if (!top.empty() && dir != top && dir.rfind(top + "/", 0) != 0)
        break;
      dirs.insert(dir);
      cut = dir.rfind('/');
    }
  }
  std::vector<std::string> out(dirs.begin(), dirs.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::count(a.begin(), a.end(), '/') >
           std::count(b.begin(), b.end(), '/');
  });
  return out;
}

} // namespace

bool safe_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/' ||
      path.find('\0') != std::string_view::npos)
    return false;
  for (const auto& c : components(path))
    if (c.empty() || c == "." || c == "..")
      return false;
  return true;
}

removal_result remove_library_files(const std::string& root,
                                    const std::vector<std::string>& paths,
                                    const std::string& top) {
  removal_result out;
  int root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    out.failed = static_cast<int>(paths.size());
    return out;
  }
  for (const auto& p : paths) {
    int r = safe_relative_path(p) ? remove_one(root_fd, p) : 0;
    (r > 0 ? out.removed : r == 0 ? out.refused : out.failed)++;
  }
  for (const auto& dir : folders_of(paths, top)) {
    auto parts = components(dir);
    int parent = open_parent(root_fd, parts);
    if (parent < 0)
      continue;
    unlinkat(parent, parts.back().c_str(), AT_REMOVEDIR); // fails unless empty
    close(parent);
  }
  close(root_fd);
  return out;
}

} // namespace kumo::scanner
