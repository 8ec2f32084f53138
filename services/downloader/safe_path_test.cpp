#include "safe_path.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

using namespace kumo::downloader;
namespace fs = std::filesystem;

namespace {

/// A fresh directory with `library/` and `outside/` below it.
class safe_path_test : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/kumo-safe-path-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ + "/library";
    outside_ = base_ + "/outside";
    fs::create_directories(root_);
    fs::create_directories(outside_);
  }

  void TearDown() override {
    fs::remove_all(base_);
  }

  std::optional<target_paths> resolve(const std::string& rel, bool create,
                                      std::string& error) {
    return resolve_target(root_, rel, create, &error);
  }

  std::string base_;
  std::string root_;
  std::string outside_;
};

} // namespace

TEST(safe_path_lexical, accepts_plain_relative_paths) {
  EXPECT_EQ(check_relative_path("Show (2013)/Season 01/Show - S01E02.mp4"), "");
  EXPECT_EQ(check_relative_path("file.mkv"), "");
  EXPECT_EQ(check_relative_path("a..b/..c/d.."),
            ""); // dots inside names are fine
}

TEST(safe_path_lexical, rejects_traversal_absolute_and_nul) {
  EXPECT_EQ(check_relative_path(""), "target path is empty");
  EXPECT_EQ(check_relative_path("/etc/passwd"), "target path is absolute");
  EXPECT_EQ(check_relative_path("../x"), "target path contains '..'");
  EXPECT_EQ(check_relative_path("a/../../x"), "target path contains '..'");
  EXPECT_EQ(check_relative_path("a/.."), "target path contains '..'");
  EXPECT_EQ(check_relative_path("./x"), "target path contains '.'");
  EXPECT_EQ(check_relative_path("a//b"), "target path has an empty component");
  EXPECT_EQ(check_relative_path("a/b/"), "target path ends with '/'");
  using namespace std::string_literals;
  EXPECT_EQ(check_relative_path("a\0b"s), "target path contains a NUL byte");
  EXPECT_NE(check_relative_path(std::string(251, 'x')), "");
  EXPECT_EQ(check_relative_path(std::string(250, 'x')), "");
}

TEST_F(safe_path_test, creates_parents_inside_the_root) {
  std::string error;
  auto t = resolve("Show/Season 01/ep.mp4", true, error);
  ASSERT_TRUE(t) << error;
  auto real_root = *real_path(root_);
  EXPECT_EQ(t->directory, real_root + "/Show/Season 01");
  EXPECT_EQ(t->final_path, real_root + "/Show/Season 01/ep.mp4");
  EXPECT_EQ(t->part_path, real_root + "/Show/Season 01/ep.mp4.part");
  EXPECT_TRUE(fs::is_directory(root_ + "/Show/Season 01"));
}

TEST_F(safe_path_test, without_create_a_missing_parent_is_an_error) {
  std::string error;
  EXPECT_FALSE(resolve("Missing/ep.mp4", false, error));
  EXPECT_EQ(error, "parent directory does not exist");
  EXPECT_FALSE(fs::exists(root_ + "/Missing"));
  auto top = resolve("ep.mp4", false, error);
  ASSERT_TRUE(top) << error;
}

TEST_F(safe_path_test, rejects_traversal_before_touching_the_disk) {
  std::string error;
  EXPECT_FALSE(resolve("new/../../outside/x", true, error));
  EXPECT_EQ(error, "target path contains '..'");
  EXPECT_FALSE(fs::exists(root_ + "/new"));
  EXPECT_FALSE(resolve("/tmp/x", true, error));
  EXPECT_EQ(error, "target path is absolute");
}

TEST_F(safe_path_test, refuses_a_symlink_that_escapes_the_root) {
  fs::create_directory_symlink(outside_, root_ + "/evil");
  std::string error;
  EXPECT_FALSE(resolve("evil/new/ep.mp4", true, error));
  EXPECT_NE(error.find("leaves the library root"), std::string::npos) << error;
  // Nothing was created on the other side of the link.
  EXPECT_FALSE(fs::exists(outside_ + "/new"));
  EXPECT_FALSE(resolve("evil/ep.mp4", true, error));
}

TEST_F(safe_path_test, refuses_a_deeper_symlink_escape_and_absolute_links) {
  fs::create_directories(root_ + "/a/b");
  fs::create_directory_symlink("../../../outside", root_ + "/a/b/up");
  fs::create_directory_symlink("/", root_ + "/a/rootlink");
  std::string error;
  EXPECT_FALSE(resolve("a/b/up/x/ep.mp4", true, error));
  EXPECT_FALSE(fs::exists(outside_ + "/x"));
  EXPECT_FALSE(resolve("a/rootlink/tmp/ep.mp4", true, error));
}

TEST_F(safe_path_test, follows_symlinks_that_stay_inside) {
  fs::create_directories(root_ + "/real/Season 01");
  fs::create_directory_symlink("real", root_ + "/alias");
  std::string error;
  auto t = resolve("alias/Season 01/ep.mp4", true, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->directory, *real_path(root_) + "/real/Season 01");
}

TEST_F(safe_path_test, refuses_a_file_where_a_directory_is_expected) {
  { std::ofstream{root_ + "/plain"} << "x"; }
  std::string error;
  EXPECT_FALSE(resolve("plain/ep.mp4", true, error));
  EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
}

TEST_F(safe_path_test, works_when_the_root_itself_is_a_symlink) {
  fs::create_directory_symlink(root_, base_ + "/link-to-library");
  std::string error;
  auto t = resolve_target(base_ + "/link-to-library", "S/ep.mp4", true, &error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->directory, *real_path(root_) + "/S");
}

TEST(safe_path_inside, compares_whole_components) {
  EXPECT_TRUE(is_inside("/lib", "/lib"));
  EXPECT_TRUE(is_inside("/lib", "/lib/a"));
  EXPECT_FALSE(is_inside("/lib", "/library"));
  EXPECT_FALSE(is_inside("/lib", "/"));
  EXPECT_TRUE(is_inside("/", "/anything"));
}

TEST_F(safe_path_test, removes_only_the_empty_directories_its_job_created) {
  fs::create_directories(root_ + "/Show");
  std::string error;
  auto paths = resolve_target(root_, "Show/Season 01/Extras/ep.mkv", true,
                              &error, "job-1");
  ASSERT_TRUE(paths) << error;
  ASSERT_EQ(paths->created.size(), 2u);
  EXPECT_EQ(paths->created[0], root_ + "/Show/Season 01");
  // Tried: a file of someone else in "Season 01" keeps it (and "Show",
  // which existed before); the empty "Extras" goes.
  std::ofstream{root_ + "/Show/Season 01/other.mkv"} << "x";
  EXPECT_EQ(remove_job_directories(root_, *paths, "job-1"), 1);
  EXPECT_FALSE(fs::exists(root_ + "/Show/Season 01/Extras"));
  EXPECT_TRUE(fs::exists(root_ + "/Show/Season 01/other.mkv"));
  fs::remove(root_ + "/Show/Season 01/other.mkv");
  // A later run of the same job (nothing created this time) recognizes
  // its folders by their tag; "Show" was not created by it and stays.
  auto again =
      resolve_target(root_, "Show/Season 01/ep.mkv", true, &error, "job-1");
  ASSERT_TRUE(again) << error;
  EXPECT_TRUE(again->created.empty());
  EXPECT_EQ(remove_job_directories(root_, *again, "job-2"), 0);
  EXPECT_TRUE(fs::exists(root_ + "/Show/Season 01"));
  EXPECT_EQ(remove_job_directories(root_, *again, "job-1"), 1);
  EXPECT_FALSE(fs::exists(root_ + "/Show/Season 01"));
  EXPECT_TRUE(fs::exists(root_ + "/Show"));
}

TEST_F(safe_path_test, never_removes_the_library_root) {
  std::string error;
  auto top = resolve_target(root_, "ep.mkv", true, &error, "job-1");
  ASSERT_TRUE(top) << error;
  EXPECT_EQ(remove_job_directories(root_, *top, "job-1"), 0);
  // Even a forged list naming the root or a folder outside removes nothing.
  target_paths forged = *top;
  forged.created = {root_, outside_};
  forged.directory = outside_;
  EXPECT_EQ(remove_job_directories(root_, forged, "job-1"), 0);
  EXPECT_TRUE(fs::exists(root_));
  EXPECT_TRUE(fs::exists(outside_));
  auto nested = resolve_target(root_, "A/B/ep.mkv", true, &error, "job-1");
  ASSERT_TRUE(nested) << error;
  EXPECT_EQ(remove_job_directories(root_, *nested, "job-1"), 2);
  EXPECT_TRUE(fs::exists(root_));
  EXPECT_TRUE(fs::is_empty(root_));
}
