#include "adopt.hpp"
#include "file_tag.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

using namespace kumo::downloader;
namespace fs = std::filesystem;

namespace {

// sha256("abc")
const std::string abc_sha =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/// The facts of a file this job committed: its tags, its size.
final_file_facts own_file() {
  final_file_facts f;
  f.size = 3;
  f.owner = "job-a";
  f.validator = "\"v1\"";
  f.tagged_size = "3";
  return f;
}

adopt_expectation expect_job_a() {
  adopt_expectation e;
  e.job_id = "job-a";
  e.recorded_total = 3;
  e.recorded_validator = "\"v1\"";
  return e;
}

} // namespace

TEST(adopt, a_file_committed_by_this_job_is_adopted) {
  EXPECT_TRUE(is_own_download(own_file(), expect_job_a()));
  auto no_validator = expect_job_a();
  no_validator.recorded_validator.clear(); // the queue recorded none
  EXPECT_TRUE(is_own_download(own_file(), no_validator));
}

TEST(adopt, a_file_of_the_same_size_from_another_job_is_not) {
  // Two series rendered the same path: the other job's file is there.
  auto other = own_file();
  other.owner = "job-b";
  EXPECT_FALSE(is_own_download(other, expect_job_a()));
  auto untagged = own_file(); // no extended attributes: never ours
  untagged.owner.reset();
  EXPECT_FALSE(is_own_download(untagged, expect_job_a()));
  auto changed = own_file(); // ours once, then replaced by other bytes
  changed.tagged_size = "2";
  EXPECT_FALSE(is_own_download(changed, expect_job_a()));
  auto other_version = own_file(); // ours, but of other origin data
  other_version.validator = "\"v2\"";
  EXPECT_FALSE(is_own_download(other_version, expect_job_a()));
  auto wrong_total = expect_job_a();
  wrong_total.recorded_total = 4;
  EXPECT_FALSE(is_own_download(own_file(), wrong_total));
  auto declared = expect_job_a();
  declared.declared_size = 4;
  EXPECT_FALSE(is_own_download(own_file(), declared));
  final_file_facts not_a_file;
  EXPECT_FALSE(is_own_download(not_a_file, expect_job_a()));
}

TEST(adopt, a_declared_digest_decides_by_content) {
  adopt_expectation e;
  e.job_id = "job-a";
  e.declared_size = 3;
  e.declared_sha256 = abc_sha;
  final_file_facts f;
  f.size = 3;
  f.sha256 = abc_sha;
  f.owner = "job-b"; // whoever wrote it, the bytes are the right ones
  EXPECT_TRUE(is_own_download(f, e));
  f.sha256 = std::string(64, '0');
  f.owner = "job-a"; // ours by tag, but not the declared content
  f.tagged_size = "3";
  EXPECT_FALSE(is_own_download(f, e));
  f.sha256 = abc_sha;
  f.size = 4;
  EXPECT_FALSE(is_own_download(f, e));
}

TEST(adopt, inspects_the_file_at_the_final_path) {
  char pattern[] = "/tmp/kumo-adopt-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  auto path = dir + "/ep.mkv";
  EXPECT_FALSE(inspect_final(path, false));
  std::ofstream{path} << "abc";
  ASSERT_TRUE(write_tag(path, job_tag, "job-a"));
  auto facts = inspect_final(path, true);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->size, 3);
  EXPECT_EQ(facts->sha256, abc_sha);
  EXPECT_EQ(facts->owner, std::optional<std::string>{"job-a"});
  EXPECT_FALSE(facts->validator);
  fs::create_directory(dir + "/folder");
  auto folder = inspect_final(dir + "/folder", false);
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->size, -1);
  fs::remove_all(dir);
}
