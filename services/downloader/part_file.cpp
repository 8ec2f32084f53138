#include "part_file.hpp"

#include "file_tag.hpp"
#include "segment_map_file.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace kumo::downloader {

namespace {

constexpr size_t copy_buffer_size = 1 << 20;

bool fail(std::string* error, const std::string& what) {
  if (error)
    *error = what + ": " + std::strerror(errno);
  return false;
}

} // namespace

std::string temp_name(const std::string& dir) {
  unsigned char raw[8] = {0};
  if (getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) {
    auto fallback =
        static_cast<uint64_t>(getpid()) ^ reinterpret_cast<uintptr_t>(&raw);
    std::memcpy(raw, &fallback, sizeof raw);
  }
  static const char* digits = "0123456789abcdef";
  std::string out = dir + "/.kumo-";
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out + ".tmp";
}

namespace {

/// Copies `length` bytes with pread/pwrite when copy_file_range cannot.
bool copy_plain(int in, int out, int64_t from, int64_t length,
                std::string* error) {
  std::vector<char> buffer(copy_buffer_size);
  int64_t done = 0;
  while (done < length) {
    auto want =
        static_cast<size_t>(std::min<int64_t>(length - done, copy_buffer_size));
    auto got = pread(in, buffer.data(), want, from + done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got == 0) {
      errno = EIO;
      return fail(error, "partial file shrank");
    }
    if (got < 0)
      return fail(error, "cannot read partial file");
    ssize_t put = 0;
    while (put < got) {
      auto n = pwrite(out, buffer.data() + put, static_cast<size_t>(got - put),
                      from + done + put);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail(error, "cannot write partial file");
      put += n;
    }
    done += got;
  }
  return true;
}

/// Copies the first `length` bytes of `in` to `out`, in the kernel when it
/// can (reflinks on filesystems that support them).
bool copy_prefix(int in, int out, int64_t length, std::string* error) {
  loff_t in_off = 0;
  loff_t out_off = 0;
  while (in_off < length) {
    auto n = copy_file_range(in, &in_off, out, &out_off,
                             static_cast<size_t>(length - in_off), 0);
    if (n > 0)
      continue;
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 || errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
        errno == EOPNOTSUPP)
      return copy_plain(in, out, in_off, length - in_off, error);
    return fail(error, "cannot copy partial file");
  }
  return true;
}

} // namespace

int64_t part_file::existing_size(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return -1;
  return static_cast<int64_t>(st.st_size);
}

std::optional<part_file> part_file::create(const target_paths& paths,
                                           int64_t keep, std::string* error,
                                           const std::string& owner) {
  auto temp = temp_name(paths.directory);
  int fd = open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(error, "cannot create partial file");
    return std::nullopt;
  }
  int64_t kept = 0;
  auto abandon = [&](const std::string& what) -> std::optional<part_file> {
    int saved = errno;
    close(fd);
    unlink(temp.c_str());
    errno = saved;
    if (!what.empty())
      fail(error, what);
    return std::nullopt;
  };
  // Best effort: filesystems without extended attributes work untagged.
  if (!owner.empty())
    write_tag(fd, job_tag, owner);
  if (keep > 0 && !owner.empty()) {
    auto previous = part_owner(paths.part_path);
    if (previous && *previous != owner)
      keep = 0; // another job's bytes
  }
  if (keep > 0) {
    int old = open(paths.part_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (old >= 0) {
      struct stat st;
      if (fstat(old, &st) == 0 && S_ISREG(st.st_mode))
        kept = std::min<int64_t>(keep, st.st_size);
      bool copied = kept == 0 || copy_prefix(old, fd, kept, error);
      close(old);
      if (!copied)
        return abandon("");
    }
  }
  if (fdatasync(fd) != 0)
    return abandon("cannot sync partial file");
  if (rename(temp.c_str(), paths.part_path.c_str()) != 0)
    return abandon("cannot install partial file");
  if (!sync_directory(paths.directory, error)) {
    close(fd);
    return std::nullopt;
  }
  struct stat st;
  fstat(fd, &st);
  return part_file{paths, fd, kept, st.st_dev, st.st_ino};
}

part_file::part_file(target_paths paths, int fd, int64_t kept, dev_t dev,
                     ino_t ino)
    : paths_(std::move(paths)), fd_(fd), kept_(kept), dev_(dev), ino_(ino) {
  // nop
}

part_file::part_file(part_file&& other) noexcept
    : paths_(std::move(other.paths_)),
      fd_(other.fd_),
      kept_(other.kept_),
      dev_(other.dev_),
      ino_(other.ino_) {
  other.fd_ = -1;
}

part_file& part_file::operator=(part_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      close(fd_);
    paths_ = std::move(other.paths_);
    fd_ = other.fd_;
    kept_ = other.kept_;
    dev_ = other.dev_;
    ino_ = other.ino_;
    other.fd_ = -1;
  }
  return *this;
}

part_file::~part_file() {
  if (fd_ >= 0)
    close(fd_);
}

bool part_file::write_at(const void* data, size_t size, int64_t offset,
                         std::string* error) {
  auto* bytes = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    auto n = pwrite(fd_, bytes + done, size - done,
                    static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(error, "cannot write partial file");
    done += static_cast<size_t>(n);
  }
  return true;
}

bool part_file::truncate(int64_t size, std::string* error) {
  if (ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return fail(error, "cannot truncate partial file");
  return true;
}

bool part_file::sync(std::string* error) {
  if (fdatasync(fd_) != 0)
    return fail(error, "cannot sync partial file");
  return true;
}

int64_t part_file::size() const {
  struct stat st;
  if (fstat(fd_, &st) != 0)
    return -1;
  return static_cast<int64_t>(st.st_size);
}

bool part_file::hash_prefix(int64_t length, sha256& hash, std::string* error) {
  return hash_range(0, length, hash, error);
}

bool part_file::hash_range(int64_t from, int64_t length, sha256& hash,
                           std::string* error) {
  std::vector<char> buffer(
      static_cast<size_t>(std::min<int64_t>(length, copy_buffer_size)));
  int64_t done = 0;
  while (done < length) {
    auto want =
        static_cast<size_t>(std::min<int64_t>(length - done, copy_buffer_size));
    auto got = pread(fd_, buffer.data(), want, static_cast<off_t>(from + done));
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      if (got == 0)
        errno = EIO;
      return fail(error, "cannot read partial file");
    }
    hash.update(buffer.data(), static_cast<size_t>(got));
    done += got;
  }
  return true;
}

bool remove_part(const target_paths& paths, std::string* error) {
  if (unlink(paths.part_path.c_str()) != 0 && errno != ENOENT)
    return fail(error, "cannot delete partial file");
  remove_segment_map(paths);
  return true;
}

std::optional<std::string> part_owner(const std::string& path) {
  return read_tag(path, job_tag);
}

bool remove_part_of(const target_paths& paths, const std::string& job,
                    bool* skipped, std::string* error) {
  auto owner = part_owner(paths.part_path);
  bool foreign = owner && *owner != job;
  if (skipped)
    *skipped = foreign;
  return foreign || remove_part(paths, error);
}

bool hash_file(const std::string& path, sha256& hash, int64_t* size,
               std::string* error) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return fail(error, "cannot open file");
  std::vector<char> buffer(copy_buffer_size);
  int64_t total = 0;
  while (true) {
    auto got = read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      fail(error, "cannot read file");
      close(fd);
      return false;
    }
    if (got == 0)
      break;
    hash.update(buffer.data(), static_cast<size_t>(got));
    total += got;
  }
  close(fd);
  if (size)
    *size = total;
  return true;
}

bool sync_directory(const std::string& dir, std::string* error) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return fail(error, "cannot open directory");
  bool ok = fsync(fd) == 0;
  if (!ok)
    fail(error, "cannot sync directory");
  close(fd);
  return ok;
}

} // namespace kumo::downloader
