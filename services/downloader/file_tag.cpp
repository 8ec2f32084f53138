#include "file_tag.hpp"

#include <sys/xattr.h>

namespace kumo::downloader {

std::optional<std::string> read_tag(const std::string& path, const char* name) {
  char buffer[1024];
  auto n = lgetxattr(path.c_str(), name, buffer, sizeof buffer);
  if (n < 0)
    return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

bool write_tag(int fd, const char* name, const std::string& value) {
  return fsetxattr(fd, name, value.data(), value.size(), 0) == 0;
}

bool write_tag(const std::string& path, const char* name,
               const std::string& value) {
  return lsetxattr(path.c_str(), name, value.data(), value.size(), 0) == 0;
}

} // namespace kumo::downloader
