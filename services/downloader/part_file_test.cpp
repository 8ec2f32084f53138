#include "file_tag.hpp"
#include "part_file.hpp"
#include "sha256.hpp"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <unistd.h>

using namespace kumo::downloader;
namespace fs = std::filesystem;

namespace {

class part_file_test : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/kumo-part-file-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    paths_.directory = dir_;
    paths_.final_path = dir_ + "/ep.mp4";
    paths_.part_path = dir_ + "/ep.mp4.part";
  }

  void TearDown() override {
    fs::remove_all(dir_);
  }

  static std::string read(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static void write(const std::string& path, const std::string& data) {
    std::ofstream{path, std::ios::binary} << data;
  }

  part_file make(int64_t keep, const std::string& owner = {}) {
    std::string error;
    auto p = part_file::create(paths_, keep, &error, owner);
    EXPECT_TRUE(p) << error;
    return std::move(*p);
  }

  std::string dir_;
  target_paths paths_;
};

size_t entries(const std::string& dir) {
  return static_cast<size_t>(
      std::distance(fs::directory_iterator{dir}, fs::directory_iterator{}));
}

} // namespace

TEST_F(part_file_test, starts_empty_without_a_previous_file) {
  EXPECT_EQ(part_file::existing_size(paths_.part_path), -1);
  auto p = make(100);
  EXPECT_EQ(p.kept(), 0);
  EXPECT_EQ(p.size(), 0);
  EXPECT_EQ(part_file::existing_size(paths_.part_path), 0);
  EXPECT_EQ(entries(dir_), 1u); // no temporary file left behind
}

TEST_F(part_file_test, keeps_the_prefix_in_a_new_inode) {
  write(paths_.part_path, "0123456789");
  // A stale writer still holds the old file open.
  int stale = open(paths_.part_path.c_str(), O_WRONLY);
  ASSERT_GE(stale, 0);
  auto p = make(6);
  EXPECT_EQ(p.kept(), 6);
  EXPECT_EQ(read(paths_.part_path), "012345");
  ASSERT_EQ(pwrite(stale, "XXXX", 4, 0), 4);
  close(stale);
  EXPECT_EQ(read(paths_.part_path), "012345"); // untouched by the stale writer
  std::string error;
  ASSERT_TRUE(p.write_at("6789", 4, 6, &error)) << error;
  EXPECT_EQ(read(paths_.part_path), "0123456789");
}

TEST_F(part_file_test, keeps_no_more_than_the_existing_file_holds) {
  write(paths_.part_path, "0123");
  auto p = make(10);
  EXPECT_EQ(p.kept(), 4);
  EXPECT_EQ(read(paths_.part_path), "0123");
}

TEST_F(part_file_test, does_not_follow_a_symlinked_part_file) {
  write(dir_ + "/secret", "top secret");
  fs::create_symlink(dir_ + "/secret", paths_.part_path);
  EXPECT_EQ(part_file::existing_size(paths_.part_path), -1);
  auto p = make(5);
  EXPECT_EQ(p.kept(), 0);
  EXPECT_EQ(read(dir_ + "/secret"), "top secret");
  EXPECT_FALSE(fs::is_symlink(paths_.part_path));
}

TEST_F(part_file_test, publishes_only_while_still_current) {
  auto p = make(0);
  std::string error;
  ASSERT_TRUE(p.write_at("abc", 3, 0, &error));
  EXPECT_TRUE(p.is_current());
  // Another owner replaced the partial file meanwhile.
  auto other = make(0);
  EXPECT_FALSE(p.is_current());
  EXPECT_FALSE(p.publish(&error));
  EXPECT_EQ(error, "partial file was replaced by another writer");
  EXPECT_FALSE(fs::exists(paths_.final_path));
  ASSERT_TRUE(other.write_at("xyz", 3, 0, &error));
  ASSERT_TRUE(other.sync(&error));
  ASSERT_TRUE(other.publish(&error)) << error;
  EXPECT_EQ(read(paths_.final_path), "xyz");
  EXPECT_FALSE(fs::exists(paths_.part_path));
}

TEST_F(part_file_test, truncates_and_removes) {
  auto p = make(0);
  std::string error;
  ASSERT_TRUE(p.write_at("abcdef", 6, 0, &error));
  ASSERT_TRUE(p.truncate(2, &error));
  EXPECT_EQ(p.size(), 2);
  p.remove_if_current();
  EXPECT_FALSE(fs::exists(paths_.part_path));
  EXPECT_TRUE(remove_part(paths_, &error)); // already gone: fine
}

TEST_F(part_file_test, hashes_a_prefix) {
  write(paths_.part_path, "abcdef");
  auto p = make(3);
  sha256 h;
  std::string error;
  ASSERT_TRUE(p.hash_prefix(3, h, &error)) << error;
  EXPECT_EQ(h.hex_digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(p.hash_prefix(4, h, &error)); // beyond the end
}

TEST(sha256, matches_known_vectors_incrementally) {
  sha256 h;
  EXPECT_EQ(h.hex_digest(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  h.reset();
  h.update("a", 1);
  h.update("bc", 2);
  EXPECT_EQ(h.hex_digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(normalize_sha256(std::string(64, 'A')), std::string(64, 'a'));
  EXPECT_EQ(normalize_sha256("abc"), "");
  EXPECT_EQ(normalize_sha256(std::string(63, 'a') + "g"), "");
}

TEST_F(part_file_test, is_tagged_with_its_job) {
  auto p = make(0, "job-x");
  ASSERT_EQ(part_owner(paths_.part_path), std::optional<std::string>{"job-x"});
  std::string error;
  ASSERT_TRUE(p.write_at("abcdef", 6, 0, &error));
  // Another job never continues job-x's bytes.
  auto other = make(6, "job-y");
  EXPECT_EQ(other.kept(), 0);
  EXPECT_EQ(part_owner(paths_.part_path), std::optional<std::string>{"job-y"});
  // The same job does.
  ASSERT_TRUE(other.write_at("uvw", 3, 0, &error));
  auto again = make(3, "job-y");
  EXPECT_EQ(again.kept(), 3);
}

TEST_F(part_file_test, removes_only_its_own_job_s_partial_file) {
  auto p = make(0, "job-y");
  bool skipped = false;
  std::string error;
  EXPECT_TRUE(remove_part_of(paths_, "job-x", &skipped, &error));
  EXPECT_TRUE(skipped);
  EXPECT_TRUE(fs::exists(paths_.part_path));
  EXPECT_TRUE(remove_part_of(paths_, "job-y", &skipped, &error));
  EXPECT_FALSE(skipped);
  EXPECT_FALSE(fs::exists(paths_.part_path));
  // Untagged (written by something else): removed by name.
  write(paths_.part_path, "x");
  EXPECT_TRUE(remove_part_of(paths_, "job-x", &skipped, &error));
  EXPECT_FALSE(fs::exists(paths_.part_path));
}

TEST_F(part_file_test, hashes_a_whole_file) {
  write(paths_.final_path, "abc");
  sha256 h;
  int64_t size = 0;
  std::string error;
  ASSERT_TRUE(hash_file(paths_.final_path, h, &size, &error)) << error;
  EXPECT_EQ(size, 3);
  EXPECT_EQ(h.hex_digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(hash_file(dir_ + "/missing", h, &size, &error));
}

TEST_F(part_file_test, a_part_replaced_between_check_and_commit_never_lands) {
  auto p = make(0, "job-x");
  std::string error;
  ASSERT_TRUE(p.write_at("mine", 4, 0, &error));
  ASSERT_TRUE(p.sync(&error));
  // Tried: another writer installs its own `.part` right after our inode
  // check, before the commit; only our inode may reach the final name.
  std::optional<part_file> other;
  auto replace = [&] {
    other = make(0, "job-y");
    ASSERT_TRUE(other->write_at("theirs", 6, 0, &error));
  };
  // Our inode lost its last name when it was replaced: it cannot be linked,
  // and the other writer's file is not moved into place either.
  EXPECT_FALSE(p.publish(&error, "\"v1\"", replace));
  EXPECT_EQ(error, "partial file was replaced by another writer");
  EXPECT_FALSE(fs::exists(paths_.final_path));
  EXPECT_EQ(read(paths_.part_path), "theirs"); // left to its writer
  EXPECT_TRUE(other->is_current());
  EXPECT_EQ(entries(dir_), 1u); // the other `.part` only, no temp file
  // Its writer commits it normally.
  ASSERT_TRUE(other->publish(&error)) << error;
  EXPECT_EQ(read(paths_.final_path), "theirs");
}

TEST_F(part_file_test, a_part_renamed_away_before_commit_still_lands_as_ours) {
  auto p = make(0, "job-x");
  std::string error;
  ASSERT_TRUE(p.write_at("mine", 4, 0, &error));
  // Tried: after the check, `.part` is moved away and another file put in
  // its place under the same name; our inode still has a name, so it is
  // the one linked, and the file now named `.part` is not touched.
  auto replace = [&] {
    fs::rename(paths_.part_path, dir_ + "/moved");
    write(paths_.part_path, "theirs");
  };
  ASSERT_TRUE(p.publish(&error, "\"v1\"", replace)) << error;
  EXPECT_EQ(read(paths_.final_path), "mine");
  EXPECT_EQ(read(paths_.part_path), "theirs");
}

TEST_F(part_file_test, never_replaces_a_file_already_at_the_final_name) {
  write(paths_.final_path, "someone else's");
  auto p = make(0, "job-x");
  std::string error;
  ASSERT_TRUE(p.write_at("mine", 4, 0, &error));
  // Tried: commit while the final name is taken.
  EXPECT_FALSE(p.publish(&error));
  EXPECT_EQ(error, "target exists: " + paths_.final_path);
  EXPECT_EQ(read(paths_.final_path), "someone else's");
  EXPECT_TRUE(p.is_current()); // our `.part` is kept
  EXPECT_EQ(read(paths_.part_path), "mine");
}

TEST_F(part_file_test, a_commit_records_validator_and_size_on_the_file) {
  auto p = make(0, "job-x");
  std::string error;
  ASSERT_TRUE(p.write_at("abcdef", 6, 0, &error));
  ASSERT_TRUE(p.publish(&error, "\"etag-1\"")) << error;
  EXPECT_FALSE(fs::exists(paths_.part_path));
  EXPECT_EQ(read(paths_.final_path), "abcdef");
  EXPECT_EQ(read_tag(paths_.final_path, validator_tag),
            std::optional<std::string>{"\"etag-1\""});
  EXPECT_EQ(read_tag(paths_.final_path, size_tag),
            std::optional<std::string>{"6"});
  EXPECT_EQ(read_tag(paths_.final_path, job_tag),
            std::optional<std::string>{"job-x"});
}

TEST_F(part_file_test, removes_its_part_only_while_it_is_its_own) {
  auto p = make(0, "job-x");
  auto other = make(0, "job-y");
  std::string error;
  ASSERT_TRUE(other.write_at("theirs", 6, 0, &error));
  p.remove_if_current();
  EXPECT_EQ(read(paths_.part_path), "theirs");
  EXPECT_TRUE(other.is_current());
  EXPECT_EQ(entries(dir_), 1u);
  other.remove_if_current();
  EXPECT_EQ(entries(dir_), 0u);
}
