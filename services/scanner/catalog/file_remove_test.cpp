#include "catalog/file_remove.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kumo::scanner {
namespace {

class FileRemove : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kumo-remove-XXXXXX";
    base_ = mkdtemp(tmpl);
    root_ = base_ + "/root";
    mkdir(root_.c_str(), 0755);
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + base_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  void touch(const std::string& path) {
    std::ofstream(path) << "x";
  }
  bool exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
  }
  std::string base_, root_;
};

TEST_F(FileRemove, SafeRelativePaths) {
  EXPECT_TRUE(safe_relative_path("Show/Season 1/a.mkv"));
  EXPECT_FALSE(safe_relative_path("/etc/passwd"));
  EXPECT_FALSE(safe_relative_path("Show/../../x"));
  EXPECT_FALSE(safe_relative_path("Show//a"));
  EXPECT_FALSE(safe_relative_path("./a"));
  EXPECT_FALSE(safe_relative_path(""));
}

TEST_F(FileRemove, RemovesFilesAndEmptiedFolders) {
  mkdir((root_ + "/Show").c_str(), 0755);
  mkdir((root_ + "/Show/Season 1").c_str(), 0755);
  touch(root_ + "/Show/Season 1/a.mkv");
  touch(root_ + "/Show/b.mkv");
  auto r = remove_library_files(root_, {"Show/Season 1/a.mkv", "Show/b.mkv"},
                                "Show");
  EXPECT_EQ(r.removed, 2);
  EXPECT_FALSE(exists(root_ + "/Show"));
}

TEST_F(FileRemove, KeepsFoldersWithOtherFiles) {
  mkdir((root_ + "/Show").c_str(), 0755);
  touch(root_ + "/Show/a.mkv");
  touch(root_ + "/Show/notes.txt");
  auto r = remove_library_files(root_, {"Show/a.mkv"}, "Show");
  EXPECT_EQ(r.removed, 1);
  EXPECT_TRUE(exists(root_ + "/Show/notes.txt"));
}

TEST_F(FileRemove, NeverFollowsSymlinksOutOfTheRoot) {
  // Tried: a folder of the path replaced by a symlink to outside the root,
  // a file that is a symlink, and a traversal path. Nothing outside goes.
  mkdir((base_ + "/outside").c_str(), 0755);
  touch(base_ + "/outside/a.mkv");
  ASSERT_EQ(symlink((base_ + "/outside").c_str(), (root_ + "/Show").c_str()),
            0);
  mkdir((root_ + "/Other").c_str(), 0755);
  ASSERT_EQ(symlink((base_ + "/outside/a.mkv").c_str(),
                    (root_ + "/Other/link.mkv").c_str()),
            0);
  auto r = remove_library_files(
      root_, {"Show/a.mkv", "Other/link.mkv", "../outside/a.mkv"}, "Show");
  EXPECT_EQ(r.removed, 0);
  EXPECT_EQ(r.refused, 3);
  EXPECT_TRUE(exists(base_ + "/outside/a.mkv"));
  EXPECT_TRUE(exists(root_ + "/Other/link.mkv"));
}

} // namespace
} // namespace kumo::scanner
