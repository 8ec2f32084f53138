#pragma once

// Temporary library folders for the walk tests.

#include "walk/library_walk.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <ftw.h>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::scanner::testing {

/// A temporary folder, removed (with everything in it) at the end.
class temp_tree {
public:
  temp_tree() {
    const char* base = std::getenv("KUMO_TEST_TMPDIR");
    std::string pattern =
        std::string(base ? base : "/tmp") + "/kumo-walk-XXXXXX";
    root_ = ::mkdtemp(pattern.data()) ? pattern : "";
    EXPECT_FALSE(root_.empty()) << "mkdtemp failed: errno " << errno;
  }
  ~temp_tree() {
    ::nftw(root_.c_str(), remove_one, 16, FTW_DEPTH | FTW_PHYS);
  }
  const std::string& root() const {
    return root_;
  }
  std::string path(const std::string& rel) const {
    return root_ + "/" + rel;
  }
  /// Creates the folders of `rel` (every '/'-separated prefix).
  void dirs(const std::string& rel) const {
    for (std::size_t at = rel.find('/'); at != std::string::npos;
         at = rel.find('/', at + 1))
      ::mkdir(path(rel.substr(0, at)).c_str(), 0755);
    ::mkdir(path(rel).c_str(), 0755);
  }
  /// Creates the file `rel` (and its folders) holding `content`.
  void file(const std::string& rel, const std::string& content = "") const {
    auto slash = rel.rfind('/');
    if (slash != std::string::npos)
      dirs(rel.substr(0, slash));
    int fd = ::open(path(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0) << rel;
    ASSERT_EQ(::write(fd, content.data(), content.size()),
              ssize_t(content.size()));
    ::close(fd);
  }
  void symlink(const std::string& target, const std::string& rel) const {
    ASSERT_EQ(::symlink(target.c_str(), path(rel).c_str()), 0) << rel;
  }
  /// Sets every timestamp under the root an hour back, so a walk trusts
  /// the folders' records and any later change moves their mtime.
  void age() const {
    ::nftw(root_.c_str(), age_one, 16, FTW_PHYS);
  }

private:
  static int remove_one(const char* p, const struct stat*, int, struct FTW*) {
    ::remove(p);
    return 0;
  }
  static int age_one(const char* p, const struct stat*, int, struct FTW*) {
    timespec past[2];
    ::clock_gettime(CLOCK_REALTIME, &past[0]);
    past[0].tv_sec -= 3600;
    past[1] = past[0];
    ::utimensat(AT_FDCWD, p, past, AT_SYMLINK_NOFOLLOW);
    return 0;
  }
  std::string root_;
};

/// Fails chosen calls: open_dir or stat_at of an entry named in the maps
/// returns the mapped negative errno.
class failing_env : public walk_env {
public:
  std::map<std::string, int> open_fails;
  std::map<std::string, int> stat_fails;
  int open_dir(int dir_fd, const char* name) override {
    auto it = open_fails.find(name);
    return it != open_fails.end() ? -it->second
                                  : walk_env::open_dir(dir_fd, name);
  }
  int stat_at(int dir_fd, const char* name, struct stat* out) override {
    auto it = stat_fails.find(name);
    return it != stat_fails.end() ? -it->second
                                  : walk_env::stat_at(dir_fd, name, out);
  }
};

} // namespace kumo::scanner::testing
