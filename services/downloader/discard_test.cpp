#include "worker.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/xattr.h>

using namespace kumo::downloader;
namespace fs = std::filesystem;

namespace {

class discard_test : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/kumo-discard-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ + "/library";
    fs::create_directories(root_ + "/Show/Season 01");
    fs::create_directories(base_ + "/outside");
  }

  void TearDown() override {
    fs::remove_all(base_);
  }

  nlohmann::json discard(const std::string& target) {
    nlohmann::json req{{"id", "j1"}, {"target_path", target}};
    return nlohmann::json::parse(handle_discard(root_, req.dump()));
  }

  std::string base_;
  std::string root_;
};

} // namespace

TEST_F(discard_test, deletes_the_partial_file_only) {
  std::ofstream{root_ + "/Show/Season 01/ep.mp4.part"} << "partial";
  std::ofstream{root_ + "/Show/Season 01/ep.mp4"} << "other";
  EXPECT_EQ(discard("Show/Season 01/ep.mp4"), (nlohmann::json{{"ok", true}}));
  EXPECT_FALSE(fs::exists(root_ + "/Show/Season 01/ep.mp4.part"));
  EXPECT_TRUE(fs::exists(root_ + "/Show/Season 01/ep.mp4"));
  // Repeating it (the queue retries) is fine.
  EXPECT_EQ(discard("Show/Season 01/ep.mp4")["ok"], true);
  // A folder that was never created holds nothing to delete.
  EXPECT_EQ(discard("Other/ep.mp4")["ok"], true);
  EXPECT_FALSE(fs::exists(root_ + "/Other"));
}

TEST_F(discard_test, refuses_paths_outside_the_root) {
  std::ofstream{base_ + "/outside/x.part"} << "keep me";
  auto r = discard("../outside/x");
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["reason"], "invalid_argument: target path contains '..'");
  EXPECT_EQ(discard(base_ + "/outside/x")["ok"], false);
  fs::create_directory_symlink(base_ + "/outside", root_ + "/link");
  r = discard("link/x");
  EXPECT_EQ(r["ok"], false);
  EXPECT_TRUE(fs::exists(base_ + "/outside/x.part"));
}

TEST_F(discard_test, refuses_malformed_requests) {
  auto r = nlohmann::json::parse(handle_discard(root_, "{not json"));
  EXPECT_EQ(r["ok"], false);
  r = nlohmann::json::parse(
      handle_discard(root_, R"({"id":"j1","target_path":""})"));
  EXPECT_EQ(r["ok"], false);
}

TEST(lease_margin, leaves_a_sixth_of_the_lease_and_at_least_a_second) {
  EXPECT_EQ(lease_margin(30'000), std::chrono::milliseconds{5'000});
  EXPECT_EQ(lease_margin(3'000), std::chrono::milliseconds{1'000});
}

TEST_F(discard_test, keeps_a_partial_file_of_another_job) {
  // The episode was queued again: job j2 now writes the same .part.
  auto part = root_ + "/Show/Season 01/ep.mp4.part";
  std::ofstream{part} << "j2's bytes";
  ASSERT_EQ(setxattr(part.c_str(), "user.kumo.job", "j2", 2, 0), 0);
  auto r = discard("Show/Season 01/ep.mp4"); // about j1
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["reason"], "belongs to another job");
  EXPECT_TRUE(fs::exists(part));
  ASSERT_EQ(setxattr(part.c_str(), "user.kumo.job", "j1", 2, 0), 0);
  EXPECT_EQ(discard("Show/Season 01/ep.mp4"), (nlohmann::json{{"ok", true}}));
  EXPECT_FALSE(fs::exists(part));
}

TEST_F(discard_test, deletes_the_media_folder_of_a_paused_media_job) {
  // An hls job paused mid-way left its segments in ep.mp4.part.d; the item
  // is cancelled while paused, so no worker runs it.
  auto dir = root_ + "/Show/Season 01/ep.mp4.part.d";
  fs::create_directories(dir);
  std::ofstream{dir + "/seg-00001.ts"} << "segment";
  ASSERT_EQ(setxattr(dir.c_str(), "user.kumo.job", "j1", 2, 0), 0);
  EXPECT_EQ(discard("Show/Season 01/ep.mp4"), (nlohmann::json{{"ok", true}}));
  EXPECT_FALSE(fs::exists(dir));
  // Another job's media folder is kept.
  fs::create_directories(dir);
  std::ofstream{dir + "/seg-00001.ts"} << "segment";
  ASSERT_EQ(setxattr(dir.c_str(), "user.kumo.job", "j2", 2, 0), 0);
  EXPECT_EQ(discard("Show/Season 01/ep.mp4")["ok"], true);
  EXPECT_TRUE(fs::exists(dir + "/seg-00001.ts"));
}
