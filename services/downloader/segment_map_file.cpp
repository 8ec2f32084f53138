#include "segment_map_file.hpp"

#include "part_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::downloader {

namespace {

/// Maps are a few hundred bytes; anything larger is not one.
constexpr size_t max_map_size = size_t{64} * 1024;

} // namespace

std::string segment_map_path(const target_paths& paths) {
  return paths.part_path + ".segments";
}

uint64_t inode_of(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return 0;
  return static_cast<uint64_t>(st.st_ino);
}

std::optional<segment_map> read_segment_map(const target_paths& paths) {
  int fd =
      open(segment_map_path(paths).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string text(max_map_size + 1, '\0');
  size_t used = 0;
  while (used < text.size()) {
    auto n = read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  if (used > max_map_size)
    return std::nullopt;
  text.resize(used);
  auto map = decode_segment_map(text);
  if (!map)
    return std::nullopt;
  return *std::move(map);
}

bool write_segment_map(const target_paths& paths, const segment_map& map,
                       std::string* error) {
  auto text = encode_segment_map(map);
  auto temp = temp_name(paths.directory);
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    auto n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  ok = ok && fdatasync(fd) == 0;
  if (fd >= 0)
    close(fd);
  ok = ok && rename(temp.c_str(), segment_map_path(paths).c_str()) == 0;
  if (!ok) {
    if (error)
      *error = std::string{"cannot write segment map: "} + std::strerror(errno);
    unlink(temp.c_str());
  }
  return ok;
}

void remove_segment_map(const target_paths& paths, uint64_t inode) {
  if (inode != 0) {
    auto map = read_segment_map(paths);
    if (map && map->inode != inode)
      return; // describes another writer's `.part`
  }
  unlink(segment_map_path(paths).c_str());
}

} // namespace kumo::downloader
