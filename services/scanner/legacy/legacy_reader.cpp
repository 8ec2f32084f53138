#include "legacy/legacy_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::scanner::legacy {

namespace {

/// Closes a descriptor on scope exit.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// Names of the non-hidden entries of `dir_fd`, sorted; false on error.
bool list_folders(int dir_fd, std::vector<std::string>& out) {
  int copy = ::dup(dir_fd);
  if (copy < 0)
    return false;
  DIR* dir = ::fdopendir(copy);
  if (!dir) {
    ::close(copy);
    return false;
  }
  errno = 0;
  while (auto* e = ::readdir(dir)) {
    if (e->d_name[0] != '.' && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN))
      out.emplace_back(e->d_name);
  }
  bool ok = errno == 0;
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return ok;
}

void read_root(const std::string& root, legacy_scan& out) {
  fd_guard root_fd{::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  std::vector<std::string> folders;
  if (root_fd.fd < 0 || !list_folders(root_fd.fd, folders)) {
    out.root_errors.push_back(root + ": " + std::strerror(errno));
    return;
  }
  for (const auto& folder : folders) {
    fd_guard dir{::openat(root_fd.fd, folder.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
    if (dir.fd < 0)
      continue; // a symlink, a file, or gone: no series folder
    auto text = read_data_file(dir.fd);
    if (!text && text.error().code == errc::not_found)
      continue;
    if (!text)
      out.found.push_back({folder, text.error()});
    else
      out.found.push_back({folder, parse_legacy_data(*text, folder)});
  }
}

} // namespace

result<std::string> read_data_file(int dir_fd) {
  fd_guard fd{
      ::openat(dir_fd, "data", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (fd.fd < 0) {
    if (errno == ENOENT)
      return failure{errc::not_found, "absent", {}};
    if (errno == ELOOP)
      return invalid("data is a symlink");
    return unavailable(std::string("cannot open data: ") +
                       std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode))
    return invalid("data is not a regular file");
  if (std::uint64_t(st.st_size) > max_data_bytes)
    return invalid("data file larger than 1 MiB");
  // Room for the size fstat gave and one byte more, grown while the file
  // grows, up to one byte past the limit.
  std::string text(std::size_t(st.st_size) + 1, '\0');
  std::size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() > max_data_bytes)
        break;
      text.resize(std::min(text.size() * 2, max_data_bytes + 1));
    }
    auto n = ::read(fd.fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return unavailable(std::string("cannot read data: ") +
                         std::strerror(errno));
    if (n == 0)
      break;
    got += std::size_t(n);
  }
  if (got > max_data_bytes)
    return invalid("data file larger than 1 MiB");
  text.resize(got);
  return text;
}

legacy_scan read_legacy_data(const std::vector<std::string>& roots) {
  legacy_scan out;
  for (const auto& root : roots)
    read_root(root, out);
  return out;
}

} // namespace kumo::scanner::legacy
