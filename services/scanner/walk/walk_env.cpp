// The kernel side of the walk (openat, fstatat, getdents64) and the naming
// rules that decide what is a video file or a series folder.

#include "walk/library_walk.hpp"
#include "walk/walk_rules.hpp"

#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kumo::scanner {

int walk_env::open_dir(int dir_fd, const char* name) {
  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  if (dir_fd != AT_FDCWD)
    flags |= O_NOFOLLOW;
  int fd = ::openat(dir_fd, name, flags);
  return fd >= 0 ? fd : -errno;
}

int walk_env::stat_at(int dir_fd, const char* name, struct stat* out) {
  return ::fstatat(dir_fd, name, out, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

namespace {

/// The record layout getdents64 fills in.
struct linux_dirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

} // namespace

int walk_env::list_dir(
    int fd, const std::function<void(const char*, unsigned char)>& entry) {
  alignas(linux_dirent64) char buffer[32 * 1024];
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
    if (n < 0)
      return -errno;
    if (n == 0)
      return 0;
    for (long at = 0; at < n;) {
      auto* d = reinterpret_cast<linux_dirent64*>(buffer + at);
      at += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
        continue;
      entry(name, d->d_type);
    }
  }
}

void walk_env::close_dir(int fd) {
  ::close(fd);
}

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::string_view extension_of(std::string_view name) {
  auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view{}
                                       : name.substr(dot + 1);
}

} // namespace

bool is_video_name(std::string_view name) {
  static constexpr std::string_view videos[] = {
      "mkv", "mp4", "avi", "m4v",  "webm", "ts",   "m2ts", "mov", "wmv",
      "flv", "ogv", "mpg", "mpeg", "vob",  "divx", "3gp",  "rmvb"};
  auto ext = extension_of(name);
  for (auto v : videos)
    if (iequals(ext, v))
      return true;
  return false;
}

bool is_sample_name(std::string_view name) {
  auto dot = name.rfind('.');
  auto stem = name.substr(0, dot);
  constexpr std::string_view word = "sample";
  if (stem.size() < word.size())
    return false;
  if (!iequals(stem.substr(stem.size() - word.size()), word))
    return false;
  if (stem.size() == word.size())
    return true;
  char sep = stem[stem.size() - word.size() - 1];
  return sep == '-' || sep == '.' || sep == '_' || sep == ' ';
}

bool is_extras_folder(std::string_view name) {
  static constexpr std::string_view extras[] = {"extras",
                                                "extra",
                                                "featurettes",
                                                "featurette",
                                                "behind the scenes",
                                                "deleted scenes",
                                                "interviews",
                                                "scenes",
                                                "shorts",
                                                "trailers",
                                                "trailer",
                                                "sample",
                                                "samples",
                                                "other",
                                                "others",
                                                "bonus",
                                                "@eadir",
                                                "lost+found"};
  for (auto e : extras)
    if (iequals(name, e))
      return true;
  return false;
}

bool is_partial_name(std::string_view name) {
  auto ext = extension_of(name);
  return iequals(ext, "part") || iequals(ext, "partial") ||
         iequals(ext, "crdownload") || iequals(ext, "tmp");
}

void split_series_folder(std::string_view folder, std::string& name,
                         std::optional<int>& year) {
  year.reset();
  name.assign(folder);
  // "Name (2019)": a space, '(', four digits, ')' at the end.
  if (folder.size() < 8 || folder.back() != ')')
    return;
  auto open = folder.size() - 6;
  if (folder[open] != '(' || folder[open - 1] != ' ')
    return;
  int value = 0;
  for (std::size_t i = open + 1; i < open + 5; ++i) {
    if (folder[i] < '0' || folder[i] > '9')
      return;
    value = value * 10 + (folder[i] - '0');
  }
  if (value < 1880 || value > 2199)
    return;
  year = value;
  name.assign(folder.substr(0, open - 1));
}

} // namespace kumo::scanner
